"""BM25, dense, RRF and the hybrid at passage level on a CMRC2018/DRCD-style set (`make eval`, last step).

    python -m bench.external_eval ../shared/eval/external/cmrc2018_dev [--distractors FILE] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from config.profile import load_profile
from model.embedder import Embedder, make_embedder
from retrieval.normalize import normalize
from retrieval.search import FusionConfig, HybridSearcher
from stores.faiss_store import VectorIndex
from stores.lexical import LexicalIndex
from stores.meta import EmbeddingCache

KS = (1, 5, 10)
EMBED_BATCH = 64  # passages per cache write (one progress-bar step each)


@dataclass
class ExternalSet:
    """Rows to index (passages, then distractors) and the queries with their relevant rows."""

    name: str
    pids: list[str]
    texts: list[str]
    passages: int
    questions: list[str] = field(default_factory=list)
    relevant: list[set[int]] = field(default_factory=list)


def load_set(prefix: str, distractors: str | None = None, limit: int = 0) -> ExternalSet:
    """Read PREFIX.corpus.jsonl / .queries.jsonl / .qrels.tsv (+ an optional distractor .jsonl)."""
    def jsonl(path: str | Path) -> list[dict]:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    corpus = jsonl(f"{prefix}.corpus.jsonl")
    pids = [p["pid"] for p in corpus]
    texts = [f"{p.get('title', '')}\n{p['text']}" for p in corpus]
    data = ExternalSet(Path(prefix).name, pids, texts, len(corpus))
    for item in jsonl(distractors) if distractors else []:  # never relevant
        data.pids.append(f"distractor:{item['id']}")
        data.texts.append(f"{item.get('title', '')}\n{item.get('summary', '')}")
    row_of = {pid: row for row, pid in enumerate(data.pids)}
    qrels: dict[str, set[int]] = {}
    for line in Path(f"{prefix}.qrels.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1] in row_of:
            qrels.setdefault(parts[0], set()).add(row_of[parts[1]])
    for query in jsonl(f"{prefix}.queries.jsonl"):
        rel = qrels.get(query["qid"]) or ({row_of[query["gold_pid"]]} if query.get("gold_pid") in row_of else set())
        if rel:
            data.questions.append(query["question"])
            data.relevant.append(rel)
    if limit:
        data.questions, data.relevant = data.questions[:limit], data.relevant[:limit]
    return data


def cached_vectors(
    settings, embedder: Embedder, texts: list[str], kind: str = "passage", progress: bool = True
) -> tuple[np.ndarray, int]:
    """Embeddings through the on-disk cache keyed by model id + text; returns (vectors, newly embedded).

    ``kind`` is "passage" (the model's passage prompt) or "query" (cached under "<model>#query").
    """
    from tqdm import tqdm

    model = embedder.model_id if kind == "passage" else f"{embedder.model_id}#query"
    cache = EmbeddingCache(Path(settings.cache_dir) / "embeddings.sqlite")
    try:
        keys = [EmbeddingCache.key(t) for t in texts]
        found = cache.get_many(model, list(dict.fromkeys(keys)))
        missing = list({k: i for i, k in enumerate(keys) if k not in found}.values())
        batch = EMBED_BATCH if kind == "passage" else 256
        desc = "embedding passages" if kind == "passage" else "embedding queries"
        with tqdm(total=len(missing), desc=desc, unit=kind, disable=not (progress and missing)) as bar:
            for start in range(0, len(missing), batch):
                rows = missing[start : start + batch]
                chunk = [texts[i] for i in rows]
                vecs = (
                    embedder.encode_passages(chunk, batch_size=settings.embedding_batch_size)
                    if kind == "passage" else embedder.encode_queries(chunk)
                )
                cache.put_many(model, [(keys[i], v) for i, v in zip(rows, vecs, strict=True)])
                found.update({keys[i]: v for i, v in zip(rows, vecs, strict=True)})
                bar.update(len(rows))
    finally:
        cache.close()
    if not texts:
        return np.zeros((0, embedder.dimension), np.float32), 0
    return np.stack([found[k] for k in keys]).astype(np.float32), len(missing)


def query_inputs(questions: list[str]) -> tuple[list[str], list[str]]:
    """The engine's normalisation: (dense text, lexical text) per question."""
    queries = [normalize(q, load_profile()) for q in questions]
    return [q.text for q in queries], [q.lexical for q in queries]


def metrics(rankings: list[list[int]], relevant: list[set[int]]) -> dict[str, float]:
    """recall@1/5/10 and MRR@10, averaged over queries."""
    out = {f"R@{k}": 0.0 for k in KS} | {"MRR@10": 0.0}
    for ranked, rel in zip(rankings, relevant, strict=True):
        for k in KS:
            out[f"R@{k}"] += len(rel.intersection(ranked[:k])) / len(rel)
        rank = next((i + 1 for i, r in enumerate(ranked[:10]) if r in rel), None)
        out["MRR@10"] += 1.0 / rank if rank else 0.0
    n = max(1, len(rankings))
    return {name: value / n for name, value in out.items()}


def configs(settings) -> dict[str, FusionConfig]:
    """The four rankers compared; "hybrid" is what the engine uses with these settings."""
    depth = settings.retrieval_depth
    return {
        "BM25": FusionConfig(mode="bm25", depth=depth),
        "dense": FusionConfig(mode="dense", depth=depth),
        "RRF (k=60)": FusionConfig(mode="rrf", depth=depth, rrf_k=60),
        "hybrid": FusionConfig(mode="weighted", dense_weight=settings.dense_weight, depth=depth),
    }


def table(results: dict[str, dict[str, float]]) -> list[str]:
    """One markdown table, rankers side by side, best value per column in bold."""
    cols = [f"R@{k}" for k in KS] + ["MRR@10"]
    best = {c: max(r[c] for r in results.values()) for c in cols}
    lines = ["| ranker | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for name, res in results.items():
        cells = [f"**{res[c]:.3f}**" if res[c] == best[c] else f"{res[c]:.3f}" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def run_external(settings, prefix: str, distractors: str | None = None, limit: int = 0) -> str:
    """Evaluate the four rankers on one set and return a printable markdown report."""
    started = time.perf_counter()
    data = load_set(prefix, distractors, limit)
    embedder = make_embedder(settings.embedding_model)
    t0 = time.perf_counter()
    vectors, embedded = cached_vectors(settings, embedder, data.texts)
    t_embed = time.perf_counter() - t0
    searcher = HybridSearcher(embedder, VectorIndex.build(vectors, "flat"), LexicalIndex.build(data.texts))
    dense_texts, lexical_texts = query_inputs(data.questions)
    t0 = time.perf_counter()
    qvecs, q_embedded = cached_vectors(settings, embedder, dense_texts, kind="query")
    t_queries = time.perf_counter() - t0
    results: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    for name, config in configs(settings).items():
        rankings = [
            [h.row for h in searcher.search(d, lx, config, limit=10, query_vector=v[None, :])]
            for d, lx, v in zip(dense_texts, lexical_texts, qvecs, strict=True)
        ]
        results[name] = metrics(rankings, data.relevant)
    t_search = time.perf_counter() - t0
    hybrid = configs(settings)["hybrid"]
    extra = len(data.texts) - data.passages
    lines = [
        f"### {data.name}" + (f" + {extra:,} distractors" if extra else ""),
        "",
        f"model `{embedder.model_id}` · corpus {len(data.texts):,} rows ({data.passages:,} passages"
        + (f" + {extra:,} distractors)" if extra else ")")
        + f" · {len(data.questions):,} queries · hybrid: weighted, dense_weight={hybrid.dense_weight}, "
        f"depth={hybrid.depth}, rescore={hybrid.rescore}, norm={getattr(hybrid, 'norm', 'max/min-max')}",
        "",
        *table(results),
        "",
        f"time: {time.perf_counter() - started:.1f} s total · passages {t_embed:.1f} s ({embedded} embedded, "
        f"{len(data.texts) - embedded} cached) · queries {t_queries:.1f} s ({q_embedded} embedded) · "
        f"4 rankers {t_search:.1f} s",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from config import Settings
    from config.logs import setup_logging

    parser = argparse.ArgumentParser(prog="python -m bench.external_eval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefix", help="PREFIX.corpus.jsonl, PREFIX.queries.jsonl, PREFIX.qrels.tsv")
    parser.add_argument("--distractors", help="a .jsonl of extra articles (e.g. DXY news) mixed into the corpus")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N queries")
    args = parser.parse_args(argv)
    settings = Settings()
    setup_logging(settings.log_level)
    print(run_external(settings, args.prefix, distractors=args.distractors, limit=args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
