"""The bm25s lexical index: BM25 (k1 1.2, b 0.75) over jieba tokens, saved as numpy arrays + json."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stores.errors import LexicalIndexError
from stores.lexical import LexicalIndex, tokenize, tokenize_corpus


def _bm25s():
    try:
        import bm25s
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise LexicalIndexError("bm25s is not installed: run `make install`") from err
    return bm25s


class BM25sIndex(LexicalIndex):
    """BM25 over pre-tokenised chunks (bm25s's sparse matrix; a query scores only rows sharing a word).

    config: ``mmap`` (default true) loads the matrix memory-mapped: a query reads the posting lists of its
    words, so serving memory does not hold the whole matrix (docs/benchmarks.md, serving memory).
    """

    backend = "bm25s"

    def __init__(self, config: dict | None = None) -> None:
        super().__init__(config)
        self._bm25 = None
        self._rows = 0

    @classmethod
    def from_retriever(cls, retriever, rows: int) -> BM25sIndex:
        """Wrap a bm25s.BM25 already indexed over ``rows`` token lists (the benchmarks build their own)."""
        index = cls()
        index._bm25, index._rows = retriever, rows
        return index

    def index(self, texts: list[str]) -> None:
        retriever = _bm25s().BM25(k1=1.2, b=0.75)
        tokens = [t or ["∅"] for t in tokenize_corpus(texts)]  # bm25s needs at least one token per row
        if tokens:
            retriever.index(tokens, show_progress=False)
        self._bm25, self._rows = retriever, len(tokens)

    def scores(self, query: str) -> np.ndarray:
        if not self._rows:
            return np.zeros(0, np.float32)
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def count(self) -> int:
        return self._rows

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if self._rows:
            self._bm25.save(str(path))  # numpy arrays + json, no pickle
        else:
            (path / "empty").write_text("0 rows\n", encoding="utf-8")

    def load(self, path: Path) -> BM25sIndex:
        if (path / "empty").is_file():
            self._bm25, self._rows = None, 0
            return self
        try:
            self._bm25 = _bm25s().BM25.load(str(path), mmap=self.config.get("mmap", True), allow_pickle=False)
        except (OSError, ValueError, KeyError) as err:
            raise LexicalIndexError(f"{path} cannot be read ({err}): run `make index FORCE=1`") from err
        self._rows = int(self._bm25.scores["num_docs"])
        return self
