"""A damaged new build never replaces the one serving; a huge input file is skipped with a message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config import Settings
from index.build import build_index
from index.sources import scan
from retrieval.engine import Engine
from retrieval.snapshot import IndexCorrupt
from tests.fakes import FakeEmbedder

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
    engine = Engine.open(fake_settings, embedder=FakeEmbedder())
    second = build(fake_settings, force=True)
    victim = sorted((second.build_dir / "vectors").iterdir())[0]  # whichever backend built it
    victim.write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="make index"):
        engine.reload_if_changed()
    assert engine.snapshot.build_dir == first.build_dir
    assert engine.reload_if_changed() is False  # the damaged build is not retried on every check
    assert engine.ask("株洲累计确诊多少").answered  # still answering from the good index
    third = build(fake_settings, force=True)  # a later good build is picked up
    assert engine.reload_if_changed() is True and engine.snapshot.build_dir == third.build_dir


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
    corpus = scan(fake_settings.data_dir, 2020, max_file_mb=1)
    assert [p.path for p in corpus.problems] == ["huge.txt"]
    assert "MAX_FILE_MB" in corpus.problems[0].message
    assert len(corpus.articles) == 18  # the rest is still indexed
