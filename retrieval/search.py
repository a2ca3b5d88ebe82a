"""Hybrid search: dense (a VectorStore) and lexical (a LexicalIndex) candidates, fused by normalised score."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.embedder import Embedder
from stores.lexical import LexicalIndex
from stores.vector_store import VectorStore


@dataclass(frozen=True)
class Hit:
    """One ranked row with its component scores (``dense`` is a cosine, ``lexical`` raw BM25)."""

    row: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class FusionConfig:
    """How the two rankings are combined; chosen by measurement (docs/eval.md).

    ``mode``: "bm25", "dense", "weighted" (convex combination of max-normalised BM25 and
    min-max-normalised cosine over the candidate union) or "rrf" (reciprocal rank, for comparison).
    """

    mode: str = "weighted"
    dense_weight: float = 0.3
    depth: int = 50
    rrf_k: int = 60
    rescore: bool = True  # exact cosine for lexical-only candidates


def fuse(
    dense: tuple[np.ndarray, np.ndarray], lexical: tuple[np.ndarray, np.ndarray], config: FusionConfig,
    limit: int,
) -> list[Hit]:
    """Combine (scores, rows) from each retriever into one ranking of at most ``limit`` hits."""
    d_scores = {int(r): float(s) for s, r in zip(*dense, strict=False) if r >= 0}
    l_scores = {int(r): float(s) for s, r in zip(*lexical, strict=False) if r >= 0}
    rows = list(dict.fromkeys([*l_scores, *d_scores]))
    if not rows:
        return []
    if config.mode == "bm25":
        fused = {r: l_scores.get(r, 0.0) for r in l_scores}
    elif config.mode == "dense":
        fused = dict(d_scores)
    elif config.mode == "rrf":
        fused = {r: 0.0 for r in rows}
        for ranking in (d_scores, l_scores):
            for rank, r in enumerate(sorted(ranking, key=ranking.get, reverse=True)):
                fused[r] += 1.0 / (config.rrf_k + rank + 1)
    else:
        top_l = max(l_scores.values(), default=0.0)
        d_vals = list(d_scores.values())
        d_min, d_max = (min(d_vals), max(d_vals)) if d_vals else (0.0, 0.0)
        span = d_max - d_min
        w = config.dense_weight
        fused = {}
        for r in rows:
            lex = l_scores.get(r, 0.0) / top_l if top_l > 0 else 0.0
            den = (d_scores[r] - d_min) / span if r in d_scores and span > 0 else (1.0 if r in d_scores else 0.0)
            fused[r] = (1 - w) * lex + w * den
    ranked = sorted(fused, key=lambda r: fused[r], reverse=True)[:limit]
    return [Hit(r, fused[r], d_scores.get(r, float("nan")), l_scores.get(r, 0.0)) for r in ranked]


class HybridSearcher:
    """Searches one snapshot's indexes; the query is embedded once per call."""

    def __init__(self, embedder: Embedder, vectors: VectorStore, lexical: LexicalIndex) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.lexical = lexical

    def search(
        self, dense_text: str, lexical_text: str, config: FusionConfig, limit: int = 10,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        dense = (np.zeros(0), np.zeros(0, np.int64))
        if config.mode != "bm25" and len(self.vectors):
            vec = query_vector if query_vector is not None else self.embedder.encode_queries([dense_text])
            scores, rows = self.vectors.search(vec, config.depth)
            dense = (scores[0], rows[0])
        lex = (np.zeros(0), np.zeros(0, np.int64))
        if config.mode != "dense":
            lex = self.lexical.search(lexical_text, config.depth)
        if config.mode == "weighted" and config.rescore and len(dense[1]):
            dense = self._rescore(vec, dense, lex)
        return fuse(dense, lex, config, limit)

    def _rescore(self, vec, dense, lex):
        """Exact cosine for lexical candidates the dense top-k missed, so both signals cover every row."""
        have = {int(r) for r in dense[1] if r >= 0}
        extra = [int(r) for r in lex[1] if int(r) not in have]
        if not extra:
            return dense
        scores = self.vectors.vectors(extra) @ np.asarray(vec, np.float32).reshape(-1)
        return (np.concatenate([dense[0], scores]), np.concatenate([dense[1], np.asarray(extra, np.int64)]))
