"""The errors retrieval raises to its callers (the bot, the CLI): one base, RetrievalError, in one import place."""

from __future__ import annotations


class RetrievalError(RuntimeError):
    """A question cannot be answered now (the message says why, and what to run)."""


class IndexUnavailable(RetrievalError):
    """No build can be served from the index directory; where one was served already, it keeps serving."""


class IndexNotReady(IndexUnavailable):
    """No index has been built yet."""


class IndexMismatch(IndexUnavailable):
    """The index was built with another model (or format) than the one configured."""


class IndexCorrupt(IndexUnavailable):
    """A file of the build does not match the checksum its manifest recorded, or cannot be read."""


class StoreUnreachable(IndexUnavailable):
    """The build's vector store cannot be opened (a Milvus server unreachable, its file held by another process)."""


class SearchUnavailable(RetrievalError):
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
