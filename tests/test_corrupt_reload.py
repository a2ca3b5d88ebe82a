"""A damaged new build never replaces the one serving; a huge input file is skipped with a message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import Settings
from config.profile import load_profile
from index.build import build_index
from index.sources import scan
from retrieval.engine import Engine
from retrieval.errors import IndexCorrupt
from retrieval.service import Service
from tests.fakes import FakeEmbedder

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake_settings(tmp_path, backend) -> Settings:
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    return Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                    cache_dir=tmp_path / "cache", embedding_model="fake", vector_backend=backend)


def build(settings: Settings, force: bool = False):
    embedder = FakeEmbedder()
    return build_index(settings, lambda: embedder, embedder.model_id, force=force, progress=False)


@pytest.mark.backends
def test_corrupt_new_build_keeps_the_last_good_index_serving(fake_settings):
    first = build(fake_settings)
    service = Service(fake_settings, Engine.open(fake_settings, embedder=FakeEmbedder()))
    second = build(fake_settings, force=True)
    victim = sorted((second.build_dir / "vectors").iterdir())[0]  # whichever backend built it
    victim.write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="make index"):
        service.refresh()
    assert service.info()["build_id"] == first.build_dir.name
    assert service.refresh() is None  # the damaged build is not retried on every check
    assert service.answer("株洲累计确诊多少").answered  # still answering from the good index
    with pytest.raises(IndexCorrupt):
        service.reload()  # an admin's /reload retries it
    third = build(fake_settings, force=True)  # a later good build is picked up
    assert service.refresh().build_id == third.build_dir.name == service.info()["build_id"]


@pytest.mark.backends
def test_corrupt_metadata_is_detected(fake_settings):
    report = build(fake_settings)
    with (report.build_dir / "meta.sqlite").open("r+b") as fh:
        fh.seek(200)
        fh.write(b"\xff" * 16)
    with pytest.raises(IndexCorrupt, match="meta.sqlite"):
        Engine.open(fake_settings, embedder=FakeEmbedder())


def test_huge_file_is_skipped_with_a_clear_message(fake_settings):
    (fake_settings.data_dir / "huge.txt").write_text("株洲" * 400_000, encoding="utf-8")  # ~2.4 MB
    corpus = scan(fake_settings.data_dir, 2020, PROFILE, max_file_mb=1)
    assert [p.path for p in corpus.problems] == ["huge.txt"]
    assert "MAX_FILE_MB" in corpus.problems[0].message
    assert len(corpus.articles) == 18  # the rest is still indexed
