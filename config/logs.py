"""Logging set-up for the entry points: our level for our modules, quiet third-party libraries."""

from __future__ import annotations

import logging
import os

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
