"""An exact vector store in plain NumPy: a matrix product per query, saved as one .npy file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stores.errors import VectorStoreError
from stores.vector_store import VectorStore, empty_result


class NumpyStore(VectorStore):
    """Brute-force inner product; fine for small corpora and as a second implementation of the interface."""

    backend = "numpy"
    FILE = "vectors.npy"

    def __init__(self, config: dict | None = None) -> None:
        super().__init__({"backend": "numpy", **(config or {})})
        self._matrix = np.zeros((0, 0), np.float32)

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(np.atleast_2d(vectors), np.float32)
        if not len(vectors):
            return
        self._matrix = vectors.copy() if not len(self._matrix) else np.vstack([self._matrix, vectors])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(np.atleast_2d(queries), np.float32)
        if not len(self._matrix) or k <= 0:
            return empty_result(len(queries))
        scores = queries @ self._matrix.T
        k = min(k, len(self._matrix))
        ids = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, ids, axis=1), ids.astype(np.int64)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        return self._matrix[np.asarray(ids, np.int64)] if len(ids) else np.zeros((0, self._matrix.shape[1]))

    def count(self) -> int:
        return len(self._matrix)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / self.FILE, self._matrix, allow_pickle=False)

    def load(self, path: Path) -> NumpyStore:
        try:
            self._matrix = np.load(path / self.FILE, allow_pickle=False)
        except (OSError, ValueError) as err:
            raise VectorStoreError(f"{path / self.FILE} cannot be read ({err}): run `make index FORCE=1`") from err
        return self
