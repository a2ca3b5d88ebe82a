"""Shared fixtures: the real embedding model (loaded once per session) and settings in tmp dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.buildkit import built, fresh  # noqa: F401 - the fake-embedder builds test_build*.py share

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
    from model.embedder import make_embedder

    return make_embedder(str(MODEL_DIR))


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory):
    """Settings for an index of the two seed pages, built once per session with the real model."""
    import shutil

    from config import Settings

    base = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "data" / "articles", base / "data")
    return Settings(
        _env_file=None, data_dir=base / "data", index_dir=base / "index", cache_dir=base / "cache",
        embedding_model=str(MODEL_DIR), bot_token="123456:TEST-TOKEN-abcdef", admin_ids="42", rate_queue=0,
    )


@pytest.fixture(scope="session")
def seed_engine(seed_settings, real_embedder):
    """The real engine (real model, real FAISS, BM25) over the seed pages."""
    from index.build import build_index
    from retrieval.engine import Engine

    build_index(seed_settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    return Engine.open(seed_settings, embedder=real_embedder)


@pytest.fixture
def seed_index_copy(seed_settings, seed_engine, tmp_path) -> str:
    """A copy of the seed index for another process (the CLI, `python -m bot`): an embedded Milvus file
    (VECTOR_BACKEND=milvus) opens in one process only, and this test process already serves the original."""
    import shutil

    shutil.copytree(seed_settings.index_dir, tmp_path / "index-copy", symlinks=True)
    return str(tmp_path / "index-copy")


@pytest.fixture(scope="session")
def profile():
    """The project's newsroom profile (config/profile.toml)."""
    from config.profile import load_profile

    return load_profile()


@pytest.fixture(scope="session")
def gaz(profile):
    """The gazetteer for that profile (read once per session)."""
    from news.places import load_gazetteer

    return load_gazetteer(profile)
