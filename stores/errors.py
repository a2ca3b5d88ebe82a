"""The errors of the stores: one base, StoreError, for a vector store or lexical index that cannot do its job."""

from __future__ import annotations


class StoreError(RuntimeError):
    """A store cannot be reached, read or written (the message says what to do)."""


class VectorStoreError(StoreError):
    """The vector store cannot be reached, or its data is missing or damaged."""


class LexicalIndexError(StoreError):
    """The lexical index cannot be read."""
