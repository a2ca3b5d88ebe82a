"""Benchmark part 3: the seed pages mixed with CCTV stories and DXY news (tens of thousands of chunks),
and the end-to-end answer time at 1M chunks (the real corpus replicated, vectors jittered)."""

from __future__ import annotations

import math
import re
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench.build import bare_encode, env_for, settings_in
from bench.common import dir_size_mb, run_process
from bench.questions import answer_latency, cold_start
from config import Settings
from config.profile import load_profile
from index.chunker import chunk_article
from index.sources import scan
from retrieval.engine import Engine
from retrieval.evaluate import evaluate_file
from retrieval.snapshot import IndexSnapshot
from stores.bm25s_index import BM25sIndex
from stores.faiss_store import VectorIndex
from stores.lexical import tokenize_corpus

SCALE_FILES = ("cctv_stories.jsonl", "dxy_zh_news_unique.jsonl")
SUMMARY = re.compile(r"(\d+) articles, (\d+) chunks.*embedded (\d+), reused (\d+)")
SCORE = re.compile(r"^(answer accuracy|source hit@1|source hit@5|MRR|declined correctly|stale answers): (.+)$")


def prepare(seed: Path, scale: Path, work: Path, limits: dict[str, int | None]) -> Path:
    """Seed pages + the first N lines of each scale file (None: all of it, 0: none) in a tmp data dir."""
    data = work / "articles"
    shutil.copytree(seed, data)
    for name in SCALE_FILES:
        limit = limits.get(name)
        if limit == 0 or not (scale / name).is_file():
            continue
        with (scale / name).open(encoding="utf-8") as src, (data / name).open("w", encoding="utf-8") as dst:
            for n, line in enumerate(src):
                if limit is not None and n >= limit:
                    break
                dst.write(line)
    return data


def count_chunks(settings: Settings, files: list[Path], work: Path) -> dict:
    """Articles, chunks and characters the given files make, without embedding anything."""
    tmp = work / "count"
    tmp.mkdir()
    for f in files:
        (tmp / f.name).symlink_to(f.resolve())
    corpus = scan(tmp, settings.default_year, load_profile(settings.profile), settings.max_file_mb)
    chunks = [c for a in corpus.articles for c in chunk_article(a, settings.chunk_size, settings.chunk_overlap)]
    return {"articles": len(corpus.articles), "chunks": len(chunks), "chars": sum(len(a.text) for a in corpus.articles)}


def scores(summary: str) -> dict[str, str]:
    """The score lines of evaluate_file's summary, and the questions it got wrong ("misses")."""
    out = {m.group(1): m.group(2) for line in summary.splitlines() if (m := SCORE.match(line.strip()))}
    misses = summary.split("wrong or missed:", 1)[1].strip().splitlines() if "wrong or missed:" in summary else []
    out["misses"] = "; ".join(m.strip() for m in misses) or "none"
    return out


def bench_scale(base: Settings, embedder, seed_engine, questions: list[str], questions_path: Path,
                scale: Path, work: Path, limits: dict[str, int | None], *, repeat: int, cache_dir: Path | None,
                real_ann: bool, log=print) -> tuple[dict, Engine]:
    data = prepare(base.data_dir, scale, work, limits)
    settings = settings_in(base, data, work)
    if cache_dir is not None:
        settings = settings.model_copy(update={"cache_dir": cache_dir})
    full = count_chunks(base, [scale / n for n in SCALE_FILES if (scale / n).is_file()], work)
    cold = not (settings.cache_dir / "embeddings.sqlite").exists()
    sample = _sample_texts(settings, 256)
    bare_before = bare_encode(embedder, sample, base.embedding_batch_size)
    log(f"scale: building {data} (full scale files: {full['chunks']:,} chunks)")
    run = run_process(["-m", "index", "build", "--force", "--quiet"], env_for(settings), timeout=6 * 3600)
    found = SUMMARY.search(run.stdout)
    if run.returncode != 0 or not found:
        raise RuntimeError(f"scale build failed: {run.stdout[-500:]} {run.stderr[-1500:]}")
    articles, chunks, embedded, reused = (int(g) for g in found.groups())
    out: dict = {
        "limits": {k: ("all" if v is None else v) for k, v in limits.items()},
        "articles": articles, "chunks": chunks, "embedded": embedded, "reused": reused,
        "build_s": round(run.seconds, 1), "build_rss_mb": round(run.peak_rss_mb, 1),
        "build_chunks_per_s": round(embedded / run.seconds, 2) if embedded else None,
        "full": full, "cold_cache": cold,
    }
    bare_after = bare_encode(embedder, sample, base.embedding_batch_size)
    out["bare_before_after"] = [round(len(sample) / bare_before, 2), round(len(sample) / bare_after, 2)]
    out["bare_chunks_per_s"] = round(2 * len(sample) / (bare_before + bare_after), 2)
    if out["build_chunks_per_s"]:
        out["ratio"] = round(out["build_chunks_per_s"] / out["bare_chunks_per_s"], 3)
        out["full_estimate_h"] = round(full["chunks"] / out["build_chunks_per_s"] / 3600, 2)
    log("scale: forced rebuild with every embedding cached")
    warm = run_process(["-m", "index", "build", "--force", "--quiet"], env_for(settings), timeout=3600)
    out["warm_build_s"] = round(warm.seconds, 1)
    out["warm_build_rss_mb"] = round(warm.peak_rss_mb, 1)
    build_dir = (settings.index_dir / "current").resolve()
    out["disk_mb"] = {p.name: dir_size_mb(p) if p.is_dir() else round(p.stat().st_size / 2**20, 2)
                      for p in sorted(build_dir.iterdir())}
    out["disk_mb"]["total"] = dir_size_mb(build_dir)
    out["cache_mb"] = dir_size_mb(settings.cache_dir)

    log("scale: cold start and serving memory")
    out["serving"] = cold_start(env_for(settings), questions[0], runs=2)
    engine = Engine.open(settings, embedder=embedder)
    log("scale: answer latency")
    out["latency"] = answer_latency(engine, questions, repeat)
    out["scores_seed"] = scores(evaluate_file(seed_engine, str(questions_path)))
    out["scores_scale"] = scores(evaluate_file(engine, str(questions_path)))
    if real_ann and chunks >= 5000:
        out["real_vectors"] = real_vectors(engine, embedder, work, log=log)
    return out, engine


def scale_engine(base: Settings, embedder, scale: Path, work: Path, limits: dict[str, int | None],
                 cache_dir: Path | None, log=print) -> Engine:
    """The larger corpus built in process, unmeasured (for --parts e2e without the scale part)."""
    from index.build import build_index

    data = prepare(base.data_dir, scale, work, limits)
    settings = settings_in(base, data, work)
    if cache_dir is not None:
        settings = settings.model_copy(update={"cache_dir": cache_dir})
    log(f"e2e: building the larger corpus {limits} (not measured)")
    build_index(settings, lambda: embedder, embedder.model_id, progress=False)
    return Engine.open(settings, embedder=embedder)


def _sample_texts(settings: Settings, n: int) -> list[str]:
    corpus = scan(settings.data_dir, settings.default_year, load_profile(settings.profile), settings.max_file_mb)
    texts = [c.embed_text for a in corpus.articles for c in chunk_article(a, settings.chunk_size,
                                                                          settings.chunk_overlap)]
    rng = np.random.default_rng(0)
    return [texts[i] for i in rng.choice(len(texts), size=min(n, len(texts)), replace=False)]


def real_vectors(engine: Engine, embedder, work: Path, n_queries: int = 500, log=print) -> dict:
    """The same index comparison as part 4 on the real e5 vectors of this corpus; queries are article
    titles embedded as questions (query: prefix)."""
    from bench.vectors import ALL_KINDS, bench_kinds

    snap = engine.snapshot
    base = snap.vectors.reconstruct(list(range(len(snap.vectors)))).astype(np.float32)
    titles = sorted({a.title for a in snap.articles.values()})
    rng = np.random.default_rng(0)
    titles = [titles[i] for i in rng.choice(len(titles), size=min(n_queries, len(titles)), replace=False)]
    queries = embedder.encode_queries(titles)
    nlist = min(1024, max(1, len(base) // 39))
    log(f"scale: index kinds on {len(base):,} real vectors")
    return bench_kinds(f"real e5 vectors ({len(base):,} chunks, titles as queries)", base, queries, work,
                       kinds=tuple(k for k in ALL_KINDS if k != "ivf_pq"), nlist=nlist, log=log)


def replicate(engine: Engine, rows: int, log=print) -> dict:
    """This engine's corpus copied until it has ``rows`` chunks: article ids suffixed, vectors jittered to
    cosine ~0.96 with the original, BM25 over the copied jieba tokens."""
    import bm25s

    snap = engine.snapshot
    n = len(snap.chunks)
    copies = math.ceil(rows / n)
    started = time.perf_counter()
    vectors = snap.vectors.reconstruct(list(range(n))).astype(np.float32)
    tokens = [t or ["∅"] for t in tokenize_corpus([c.embed_text for c in snap.chunks])]
    articles, chunks, blocks, token_lists = dict(snap.articles), list(snap.chunks), [vectors], list(tokens)
    rng = np.random.default_rng(5)
    scale = np.float32(0.3 / math.sqrt(vectors.shape[1]))
    for j in range(1, copies):
        tag = f"~{j}"
        articles.update({a.id + tag: replace(a, id=a.id + tag) for a in snap.articles.values()})
        chunks += [replace(c, id=c.id + tag, article_id=c.article_id + tag) for c in snap.chunks]
        noisy = vectors + scale * rng.standard_normal(vectors.shape, dtype=np.float32)
        blocks.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
        token_lists += tokens
    matrix = np.vstack(blocks)[:rows]
    del blocks
    prep_s = time.perf_counter() - started
    log(f"e2e: {rows:,} rows prepared in {prep_s:.0f}s; building BM25")
    started = time.perf_counter()
    bm25 = bm25s.BM25(k1=1.2, b=0.75)
    bm25.index(token_lists[:rows], show_progress=False)
    return {"matrix": matrix, "lexical": BM25sIndex.from_retriever(bm25, rows), "articles": articles, "chunks": chunks[:rows],
            "info": {"rows": rows, "copies": copies, "source_chunks": n, "prepare_s": round(prep_s, 1),
                     "bm25_build_s": round(time.perf_counter() - started, 1)}}


def bench_e2e(engine: Engine, questions: list[str], rows: int, kinds: list[tuple[str, int]], nlist: int,
              repeat: int, log=print) -> dict:
    """Answer latency over ``rows`` chunks for each (kind, nprobe), with this process's RSS growth."""
    from bench.common import rss_mb

    before = rss_mb()
    corpus = replicate(engine, rows, log=log)
    snap = engine.snapshot
    out = {**corpus["info"], "corpus_rss_growth_mb": round(rss_mb() - before), "runs": []}
    for kind, nprobe in kinds:
        before = rss_mb()
        started = time.perf_counter()
        index = VectorIndex.build(corpus["matrix"], kind, ivf_nlist=nlist, ivf_nprobe=nprobe)
        info = {"kind": kind, "nprobe": nprobe, "nlist": nlist, "vector_build_s": round(time.perf_counter() - started, 1),
                "index_rss_growth_mb": round(rss_mb() - before)}
        fake = IndexSnapshot(snap.build_dir, dict(snap.manifest, build_id=f"{snap.build_id}-x{rows}-{kind}"), index,
                             corpus["lexical"], corpus["articles"], corpus["chunks"], snap.figures)
        log(f"e2e: answer latency over {rows:,} chunks with {kind}")
        info["latency"] = answer_latency(engine.serving(fake), questions, repeat)
        out["runs"].append(info)
        del fake, index
    return out
