"""The vector-store interface and its factory: a new backend is one file plus one line in BACKENDS."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from stores.registry import backend_class

# backend name → "module:class"; imported only when chosen (each backend imports its library lazily).
BACKENDS = {
    "faiss": "stores.faiss_store:FaissStore",
    "numpy": "stores.numpy_store:NumpyStore",
    "milvus": "stores.milvus_store:MilvusStore",
}


class VectorStore(ABC):
    """Inner-product search over unit vectors whose ids are their row numbers, 0..count-1 in add order.

    Lifecycle (txtai's ``ANN`` style): ``create_vector_store(config)`` → ``add`` → ``search`` / ``vectors``
    → ``save(path)``; later ``create_vector_store(config).load(path)``. ``path`` is a directory the store
    owns inside a build directory. ``config`` is a plain dict recorded in the build's manifest.
    """

    backend: ClassVar[str]

    def __init__(self, config: dict) -> None:
        self.config = dict(config)

    @classmethod
    def configure(cls, settings, rows: int) -> dict:
        """The backend's part of the config for a build of ``rows`` vectors (recorded in the manifest)."""
        return {}

    @abstractmethod
    def add(self, vectors: np.ndarray) -> None:
        """Append unit rows; their ids continue from ``count()``."""

    @abstractmethod
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) per query row, best first: two arrays of shape (queries, min(k, count))."""

    @abstractmethod
    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of ``ids``, in that order (exact re-scoring of candidates found elsewhere)."""

    @abstractmethod
    def count(self) -> int:
        """Number of stored vectors."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Persist into the directory ``path`` (created if missing)."""

    @abstractmethod
    def load(self, path: Path) -> VectorStore:
        """Open what ``save`` wrote; returns ``self``. Raises VectorStoreError when it cannot."""

    def close(self) -> None:
        """Release connections or files (a no-op for in-memory stores)."""
        return None

    def activate(self) -> None:
        """Called once the build is complete, before it becomes current (a server-side alias switch)."""
        return None

    def drop(self) -> None:
        """Delete what this store keeps outside its build directory (a server-side collection)."""
        return None

    def __len__(self) -> int:
        return self.count()


def vector_config(settings, rows: int) -> dict:
    """The config of a new build's store, from the settings (``vector_backend`` and its group)."""
    cls = backend_class(BACKENDS, settings.vector_backend, "vector")
    return {"backend": settings.vector_backend, **cls.configure(settings, rows)}


def create_vector_store(config: dict) -> VectorStore:
    """An empty store for ``config`` (``{"backend": ..., **params}``), to ``add`` to or ``load`` into."""
    return backend_class(BACKENDS, config["backend"], "vector")(config)


def empty_result(queries: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((queries, 0), np.float32), np.zeros((queries, 0), np.int64)
