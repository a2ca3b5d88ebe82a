"""The errors retrieval raises to its callers (the bot, the CLI): one import place, whatever layer defines them."""

from __future__ import annotations

from retrieval.snapshot import IndexCorrupt, IndexMismatch, IndexNotReady

IndexUnavailable = (IndexNotReady, IndexMismatch, IndexCorrupt)  # ``except IndexUnavailable``: no index to serve


class SearchUnavailable(RuntimeError):
    """The index is loaded but its vector store failed while answering (a Milvus server down, its connection
    lost): a question cannot be answered now; the next may, once the store is back.

    Args:
        backend: the store's backend name (``milvus``, ``faiss`` …).
        where: its URI, or the build directory an embedded store lives in.
        cause: what the store said (a VectorStoreError's message).
    """

    def __init__(self, backend: str, where: str, cause: str) -> None:
        super().__init__(f"the {backend} vector store at {where} failed: {cause}")
        self.backend, self.where, self.cause = backend, where, cause


__all__ = ["IndexCorrupt", "IndexMismatch", "IndexNotReady", "IndexUnavailable", "SearchUnavailable"]
