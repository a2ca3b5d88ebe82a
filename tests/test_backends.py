"""Backends chosen by settings: env names of the nested groups, a build per backend, rebuild on change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import Settings
from index.build import build_index
from model.embedder import FakeEmbedder
from retrieval.snapshot import load_snapshot
from stores.layout import read_manifest

ROOT = Path(__file__).resolve().parent.parent


def test_nested_settings_read_their_environment_names(monkeypatch) -> None:
    monkeypatch.setenv("VECTOR_BACKEND", "numpy")
    monkeypatch.setenv("FAISS_KIND", "hnsw")
    monkeypatch.setenv("FAISS_IVF_NLIST", "77")
    monkeypatch.setenv("FAISS_AUTO_ANN_ROWS", "5000")
    settings = Settings(_env_file=None)
    assert settings.vector_backend == "numpy"
    assert (settings.faiss.kind, settings.faiss.ivf_nlist, settings.faiss.auto_ann_rows) == ("hnsw", 77, 5000)
    assert settings.faiss.hnsw_m == 32 and settings.lexical_backend == "bm25s"
    monkeypatch.setenv("MILVUS_URI", "http://milvus:19530")
    monkeypatch.setenv("MILVUS_INDEX", "HNSW")
    milvus = Settings(_env_file=None).milvus
    assert (milvus.uri, milvus.index, milvus.collection) == ("http://milvus:19530", "HNSW", "zhuzhou_chunks")


def test_unknown_backend_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("VECTOR_BACKEND", "annoy")
    with pytest.raises(ValueError, match="vector_backend"):
        Settings(_env_file=None)


@pytest.fixture
def data(tmp_path) -> Path:
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    return tmp_path / "data"


def _build(settings: Settings):
    embedder = FakeEmbedder(64)
    return build_index(settings, lambda: embedder, embedder.model_id, progress=False)


def test_switching_backend_rebuilds_and_answers_the_same(data) -> None:
    base = dict(data_dir=data, index_dir=data.parent / "index", cache_dir=data.parent / "cache",
                embedding_model="fake", _env_file=None, vector_backend="faiss")
    first = _build(Settings(**base))
    again = _build(Settings(**base))
    assert again.up_to_date
    numpy = _build(Settings(**{**base, "vector_backend": "numpy"}))
    assert not numpy.up_to_date and numpy.embedded == 0  # the fingerprint has the backend; vectors cached
    assert read_manifest(numpy.build_dir)["vector_store"] == {"backend": "numpy"}
    assert (numpy.build_dir / "vectors" / "vectors.npy").is_file()
    snapshot = load_snapshot(base["index_dir"], "fake-64")
    query = FakeEmbedder(64).encode_queries([snapshot.chunks[7].embed_text])
    scores, rows = snapshot.vectors.search(query, 3)
    assert rows[0][0] == 7 and scores[0][0] > 0.999
    knob = _build(Settings(**base, faiss={"ivf_nprobe": 8}))
    assert not knob.up_to_date and knob.build_dir != first.build_dir  # a backend knob counts too
