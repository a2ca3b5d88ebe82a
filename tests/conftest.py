"""Shared fixtures: the real embedding model (loaded once per session), the vector backend, settings in tmp dirs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.buildkit import built, fresh, small_build  # noqa: F401 - the fake-embedder builds tests share

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models" / "multilingual-e5-small"
BACKENDS = ("faiss", "milvus")  # what a test marked `backends` runs on; every other test runs on FAISS only

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_generate_tests(metafunc):
    """Every test that uses ``backend`` (itself or through a fixture: seed_engine, ...) gets it as a session-scoped
    parameter, so pytest runs all the tests of one backend together and builds the seed index once per backend."""
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("backends") is not None
        metafunc.parametrize("backend", BACKENDS if both else BACKENDS[:1], indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    """The vector backend under test: "faiss", or each of BACKENDS in turn for a test marked `backends`."""
    return request.param


@pytest.fixture(scope="session")
def real_embedder():
    """multilingual-e5-small from the materialised folder; fails (never skips) if it is missing."""
    if not (MODEL_DIR / "modules.json").is_file():
        pytest.fail(f"{MODEL_DIR} is missing: run `make install` to materialise the model")
    from model.embedder import make_embedder

    return make_embedder(str(MODEL_DIR))


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory, real_embedder):
    """(settings, report) of the seed pages built from scratch with the real model on FAISS, once per session."""
    from config import Settings
    from index.build import build_index

    base = tmp_path_factory.mktemp("seed-build")
    shutil.copytree(ROOT / "data" / "articles", base / "data")
    settings = Settings(_env_file=None, data_dir=base / "data", index_dir=base / "index", cache_dir=base / "cache",
                        embedding_model=str(MODEL_DIR), vector_backend="faiss")
    return settings, build_index(settings, lambda: real_embedder, real_embedder.model_id, progress=False)


@pytest.fixture(scope="session")
def seed_cache(seed_build):
    """``seed_cache(dir)`` fills ``dir`` with seed_build's embedding cache: a build of the seed pages (and of what
    a test adds to them) then embeds only what was added, not the seed pages again."""
    cache = seed_build[0].cache_dir
    return lambda cache_dir: shutil.copytree(cache, cache_dir, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, backend, seed_cache):
    """Settings for an index of the two seed pages, one per backend (the real model's vectors from seed_cache)."""
    from config import Settings

    base = tmp_path_factory.mktemp(f"seed-{backend}")
    shutil.copytree(ROOT / "data" / "articles", base / "data")
    return Settings(
        _env_file=None, data_dir=base / "data", index_dir=base / "index", cache_dir=seed_cache(base / "cache"),
        embedding_model=str(MODEL_DIR), bot_token="123456:TEST-TOKEN-abcdef", admin_ids="42", vector_backend=backend,
        rate_queue=0,
    )


@pytest.fixture(scope="session")
def seed_engine(seed_settings, real_embedder):
    """The real engine (real model, the backend's vector store, BM25) over the seed pages."""
    from index.build import build_index
    from retrieval.engine import Engine

    build_index(seed_settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    return Engine.open(seed_settings, embedder=real_embedder)


@pytest.fixture
def seed_index_copy(seed_settings, seed_engine, tmp_path) -> str:
    """A copy of the seed index for another process (the CLI, `python -m bot`): an embedded Milvus file opens
    in one process only, and this test process already serves the original."""
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
