"""The errors retrieval raises to its callers (the bot, the CLI): one import place, whatever layer defines them."""

from __future__ import annotations

from index.snapshot import IndexCorrupt, IndexMismatch, IndexNotReady

IndexUnavailable = (IndexNotReady, IndexMismatch, IndexCorrupt)  # ``except IndexUnavailable``: no index to serve

__all__ = ["IndexCorrupt", "IndexMismatch", "IndexNotReady", "IndexUnavailable"]
