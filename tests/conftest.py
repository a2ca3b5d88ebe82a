"""Shared fixtures: the real embedding model (loaded once per session) and settings in tmp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models" / "multilingual-e5-small"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def real_embedder():
    """multilingual-e5-small from the materialised folder; fails (never skips) if it is missing."""
    if not (MODEL_DIR / "modules.json").is_file():
        pytest.fail(f"{MODEL_DIR} is missing: run `make install` to materialise the model")
    from index.embedder import make_embedder

    return make_embedder(str(MODEL_DIR))
