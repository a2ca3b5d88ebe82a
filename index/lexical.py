"""The lexical index: BM25 (bm25s) over jieba tokens of simplified Chinese, built at index time."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

WORD = re.compile(r"[\w%.]+", re.UNICODE)
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 等 也 都 就 而 并 或 对 为 以 于 把 被 让 从 向 之 其 这 那 个 有 我 你 他 她 它 们 "
    "吗 呢 吧 啊 呀 么 什么 多少 几 怎么 怎样 如何 哪 哪些 哪里 是否 有没有 请问 一下".split()
)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → simplified, full-width → half-width (NFKC), lower case."""
    return _t2s().convert(unicodedata.normalize("NFKC", text)).lower()


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens of the simplified text, without punctuation and stop words."""
    tokens = []
    for token in _jieba().lcut_for_search(to_simplified(text)):
        token = token.strip()
        if token and token not in STOPWORDS and WORD.fullmatch(token):
            tokens.append(token)
    return tokens


class LexicalIndex:
    """BM25 over pre-tokenised chunks. ``scores`` gives every row's score for one query."""

    def __init__(self, retriever) -> None:
        self._bm25 = retriever

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        tokens = [tokenize(t) or ["∅"] for t in texts]  # bm25s needs at least one token per row
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(self._bm25.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, row ids), best first, rows with score 0 left out."""
        scores = self.scores(query)
        rows = np.flatnonzero(scores > 0)  # only rows sharing a word; far fewer than all at 1M chunks
        if k <= 0 or not len(rows):
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        if len(rows) > k:
            rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        rows = rows[np.lexsort((rows, -scores[rows]))]  # best first; ties by row, as before
        return scores[rows], rows.astype(np.int64)

    def save(self, path: Path) -> None:
        self._bm25.save(str(path))  # numpy arrays + json, no pickle

    @classmethod
    def load(cls, path: Path) -> "LexicalIndex":
        import bm25s

        return cls(bm25s.BM25.load(str(path), mmap=False, allow_pickle=False))
