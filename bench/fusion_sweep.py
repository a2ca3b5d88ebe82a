"""Choose the hybrid's fusion by measurement: sweep weight, depth, rescoring and normalisation.

Run: PYTHONPATH=. .venv/bin/python -m bench.fusion_sweep [--root ../shared/eval/external]

For each set the first half of the queries is the dev half (used to pick one config for both
sets), the second half the test half (reported, never used to choose). Scores are computed once
per query (full BM25 row, exact cosines) and each config replays HybridSearcher.search (top-depth
from each side, optional exact-cosine rescoring of lexical-only rows) and calls retrieval.search.fuse,
so the figures equal `python -m bench.external_eval` for the same config.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

import numpy as np

from bench.external_eval import cached_vectors, load_set, metrics, query_inputs
from config import Settings
from model.embedder import make_embedder
from retrieval.search import FusionConfig, Hit, fuse
from stores.lexical import LexicalIndex

MAX_DEPTH = 100


def fuse_normalised(norm: str):
    """``fuse`` itself for "max" (BM25 / max, cosine min-max); local variants for the alternatives.

    "minmax": both sides min-max over their own candidates, a missing side scores 0.
    "zscore": both sides z-scored over their own candidates, a missing side gets that side's minimum.
    """
    if norm == "max":
        return fuse

    def scale(values: np.ndarray) -> tuple[float, float]:
        if norm == "minmax":
            span = float(values.max() - values.min())
            return (float(values.min()), span) if span > 0 else (float(values.min()) - 1.0, 1.0)  # all → 1
        return float(values.mean()), float(values.std()) or 1.0

    def variant(dense: tuple, lexical: tuple, config: FusionConfig, limit: int) -> list[Hit]:
        d = {int(r): float(v) for v, r in zip(*dense, strict=True) if r >= 0}
        lx = {int(r): float(v) for v, r in zip(*lexical, strict=True) if r >= 0}
        rows = list(dict.fromkeys([*lx, *d]))
        if not rows:
            return []
        (l_shift, l_div), (d_shift, d_div) = (scale(np.asarray(list(x.values()) or [0.0])) for x in (lx, d))
        l_miss = 0.0 if norm == "minmax" else (min(lx.values(), default=0.0) - l_shift) / l_div
        d_miss = 0.0 if norm == "minmax" else (min(d.values(), default=0.0) - d_shift) / d_div
        w = config.dense_weight
        fused = {
            r: (1 - w) * ((lx[r] - l_shift) / l_div if r in lx else l_miss)
            + w * ((d[r] - d_shift) / d_div if r in d else d_miss)
            for r in rows
        }
        ranked = sorted(fused, key=lambda r: fused[r], reverse=True)[:limit]
        return [Hit(r, fused[r], d.get(r, float("nan")), lx.get(r, 0.0)) for r in ranked]

    return variant


class Prepared:
    """One set's scores, computed once: the dense and BM25 top-MAX_DEPTH lists plus all cosines."""

    def __init__(self, settings: Settings, embedder, prefix: str, distractors: str | None) -> None:
        data = load_set(prefix, distractors)
        self.name, self.relevant = data.name, data.relevant
        passages, _ = cached_vectors(settings, embedder, data.texts)
        dense_texts, lexical_texts = query_inputs(data.questions)
        queries, _ = cached_vectors(settings, embedder, dense_texts, kind="query")
        self.cos = queries @ passages.T
        depth = min(MAX_DEPTH, self.cos.shape[1])
        self.d_rows = np.argsort(-self.cos, axis=1, kind="stable")[:, :depth]
        lexical = LexicalIndex.build(data.texts)
        self.l_top = [lexical.search(text, depth) for text in lexical_texts]

    def candidates(self, q: int, config: FusionConfig) -> tuple[tuple, tuple]:
        """What HybridSearcher.search hands to fuse for query ``q``."""
        rows = self.d_rows[q, : config.depth]
        dense = (self.cos[q, rows], rows)
        scores, lrows = self.l_top[q]
        lex = (scores[: config.depth], lrows[: config.depth])
        if config.mode == "weighted" and config.rescore:
            have = set(rows.tolist())
            extra = np.asarray([r for r in lex[1].tolist() if r not in have], np.int64)
            if len(extra):
                dense = (np.concatenate([dense[0], self.cos[q, extra]]), np.concatenate([rows, extra]))
        return dense, lex

    def evaluate(self, config: FusionConfig, part: slice, norm: str = "max") -> dict[str, float]:
        combine = fuse_normalised(norm)
        queries = range(len(self.relevant))[part]
        rankings = [[h.row for h in combine(*self.candidates(q, config), config, 10)] for q in queries]
        return metrics(rankings, self.relevant[part])


def objective(results: dict[str, dict[str, float]]) -> float:
    """What the sweep maximises: the mean over sets of (recall@1 + MRR@10) / 2."""
    return float(np.mean([(r["R@1"] + r["MRR@10"]) / 2 for r in results.values()]))


def fmt(res: dict[str, float]) -> str:
    return " | ".join(f"{res[c]:.3f}" for c in ("R@1", "R@5", "R@10", "MRR@10"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fusion_sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="../shared/eval/external")
    parser.add_argument("--sets", nargs="+", default=["cmrc2018_dev", "drcd_dev"])
    parser.add_argument("--distractors", help="mix these articles into every set")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    parser.add_argument("--depths", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--norms", nargs="+", default=["max", "minmax", "zscore"], help="max = the project's fuse")
    parser.add_argument("--top", type=int, default=12, help="dev-best configs also shown on the test halves")
    args = parser.parse_args()

    settings = Settings()
    embedder = make_embedder(settings.embedding_model)
    started = time.perf_counter()
    sets = [Prepared(settings, embedder, f"{args.root}/{name}", args.distractors) for name in args.sets]
    halves = {s.name: (slice(0, len(s.relevant) // 2), slice(len(s.relevant) // 2, None)) for s in sets}
    print(f"model {embedder.model_id}; prepared in {time.perf_counter() - started:.0f} s")
    print("dev = first half of each set's queries, test = second half\n")

    print("## Baselines (depth 50)\n")
    print("| set | part | ranker | R@1 | R@5 | R@10 | MRR@10 |\n|---|---|---|---:|---:|---:|---:|")
    base = {"BM25": FusionConfig(mode="bm25"), "dense": FusionConfig(mode="dense"), "RRF": FusionConfig(mode="rrf")}
    baselines: dict[tuple[str, str, str], dict[str, float]] = {}
    for s in sets:
        for part, sl in zip(("dev", "test", "all"), (*halves[s.name], slice(None)), strict=True):
            for name, config in base.items():
                baselines[s.name, part, name] = res = s.evaluate(config, sl)
                print(f"| {s.name} | {part} | {name} | {fmt(res)} |")

    grid = []
    for norm, w, depth, rescore in itertools.product(args.norms, args.weights, args.depths, (True, False)):
        config = FusionConfig(mode="weighted", dense_weight=w, depth=depth, rescore=rescore)
        dev = {s.name: s.evaluate(config, halves[s.name][0], norm) for s in sets}
        grid.append((objective(dev), norm, config, dev))
    grid.sort(key=lambda item: -item[0])

    print("\n## Weighted grid on the dev halves, best first (objective = mean over sets of (R@1+MRR@10)/2)\n")
    head = " | ".join(f"{s.name} R@1 | {s.name} MRR@10" for s in sets)
    print(f"| norm | dense_weight | depth | rescore | objective | {head} |")
    print("|---|---:|---:|---|---:|" + "---:|---:|" * len(sets))
    for score, norm, config, dev in grid:
        cells = " | ".join(f"{dev[s.name]['R@1']:.3f} | {dev[s.name]['MRR@10']:.3f}" for s in sets)
        print(f"| {norm} | {config.dense_weight} | {config.depth} | {config.rescore} | {score:.4f} | {cells} |")

    print(f"\n## The {args.top} dev-best configs on the test halves (not used to choose)\n")
    print(f"| norm | dense_weight | depth | rescore | dev objective | test objective | {head} |")
    print("|---|---:|---:|---|---:|---:|" + "---:|---:|" * len(sets))
    for score, norm, config, _ in grid[: args.top]:
        test = {s.name: s.evaluate(config, halves[s.name][1], norm) for s in sets}
        cells = " | ".join(f"{test[s.name]['R@1']:.3f} | {test[s.name]['MRR@10']:.3f}" for s in sets)
        print(
            f"| {norm} | {config.dense_weight} | {config.depth} | {config.rescore} | {score:.4f} "
            f"| {objective(test):.4f} | {cells} |"
        )

    _, norm, best, _ = grid[0]
    print(f"\n## Chosen on dev: norm={norm}, {best}\n")
    print("| set | part | ranker | R@1 | R@5 | R@10 | MRR@10 |\n|---|---|---|---:|---:|---:|---:|")
    for s in sets:
        for part, sl in zip(("dev", "test", "all"), (*halves[s.name], slice(None)), strict=True):
            res = s.evaluate(best, sl, norm)
            beats = all(
                res[m] > baselines[s.name, part, b][m] for m in ("R@1", "MRR@10") for b in ("BM25", "dense")
            )
            print(f"| {s.name} | {part} | hybrid{' (beats both)' if beats else ''} | {fmt(res)} |")
    print(f"\nsweep time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
