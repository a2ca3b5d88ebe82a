"""Logging set-up for the entry points: our level for our modules, quiet third-party libraries."""

from __future__ import annotations

import logging
import os
import warnings

NOISY = ("faiss", "faiss.loader", "bm25s", "sentence_transformers", "transformers", "httpx", "jieba", "urllib3",
         "apscheduler")  # apscheduler: two INFO lines per run of the index watcher (every RELOAD_INTERVAL)


def setup_logging(level: str) -> None:
    """Configure the root logger once; libraries only speak up for warnings and errors."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:  # bm25s sets its own logger to DEBUG when imported (lazily, later)
        handler.addFilter(_quiet_libraries)
    # jieba and milvus-lite import pkg_resources (setuptools<81 is pinned for milvus-lite): not the user's concern
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)


def _quiet_libraries(record: logging.LogRecord) -> bool:
    """Drop a third-party library's records below WARNING, whatever level the library set for itself."""
    return record.levelno >= logging.WARNING or record.name.split(".")[0] not in NOISY
