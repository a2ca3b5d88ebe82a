"""The atomic switch, failed and damaged builds: the previous index keeps serving, errors say what to run."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from index.build import BuildError
from model.embedder import FakeEmbedder
from retrieval.errors import IndexCorrupt, IndexMismatch, IndexNotReady
from retrieval.snapshot import load_snapshot
from stores.bm25s_index import BM25sIndex
from stores.layout import current_dir, read_build_status, read_manifest
from tests.buildkit import (
    FAKE_ID,
    NEW_ARTICLE,
    _build,
    _builds,
    _no_embedder,
    _settings,
)

# --- atomic switch ---------------------------------------------------------------------------------------------------


def test_current_is_a_relative_symlink(fresh, tmp_path: Path) -> None:
    settings, first = fresh
    link = settings.index_dir / "current"
    assert link.is_symlink()
    assert os.readlink(link) == f"builds/{first.build_dir.name}"
    # relative: the whole index directory can be moved and still loads
    moved = tmp_path / "moved-index"
    shutil.move(str(settings.index_dir), moved)
    assert load_snapshot(moved, FAKE_ID).build_id == first.build_dir.name


def test_failed_build_keeps_the_previous_index(fresh, monkeypatch) -> None:
    settings, first = fresh
    link = settings.index_dir / "current"
    target = os.readlink(link)
    before = _builds(settings.index_dir)

    def broken(self, texts):
        raise RuntimeError("disk full")

    monkeypatch.setattr(BM25sIndex, "index", broken)
    (settings.data_dir / "002_new.md").write_text(NEW_ARTICLE, encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"):
        _build(settings)
    assert link.is_symlink() and os.readlink(link) == target
    assert _builds(settings.index_dir) == before  # no half-written (or hidden .partial) build left
    assert not list(settings.index_dir.glob(".current*"))
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    assert snapshot.build_id == first.build_dir.name and len(snapshot.articles) == 18

    monkeypatch.undo()
    report = _build(settings, factory=_no_embedder)
    assert report.articles == 19 and report.embedded == 0  # the failed build's embeddings were cached


def test_failed_embedding_leaves_no_build(fresh) -> None:
    settings, first = fresh
    before = _builds(settings.index_dir)

    class Broken(FakeEmbedder):
        def encode_passages(self, texts, batch_size=32, progress=False):
            raise MemoryError("out of memory")

    (settings.data_dir / "002_new.md").write_text(NEW_ARTICLE, encoding="utf-8")
    with pytest.raises(MemoryError):
        _build(settings, Broken(64))
    assert _builds(settings.index_dir) == before
    assert load_snapshot(settings.index_dir, FAKE_ID).build_id == first.build_dir.name


def test_stale_partial_dirs_are_cleaned_up(fresh) -> None:
    settings, first = fresh
    builds = settings.index_dir / "builds"
    stale = builds / ".20200101T000000000000Z-1.partial"
    recent = builds / ".20200101T000000000001Z-2.partial"
    for partial in (stale, recent):
        partial.mkdir()
        (partial / "meta.sqlite").write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert load_snapshot(settings.index_dir, FAKE_ID).build_id == first.build_dir.name
    _build(settings, factory=_no_embedder, force=True)
    assert not stale.exists()
    assert recent.exists()  # may belong to a build running right now


def test_only_bad_file_raises_and_keeps_the_previous_index(fresh, tmp_path: Path) -> None:
    settings, first = fresh
    bad_data = tmp_path / "bad-data"
    bad_data.mkdir()
    (bad_data / "page.txt").write_bytes("株洲日报讯 2月20日，我市".encode("gbk"))
    bad = _settings(tmp_path, data=bad_data)
    with pytest.raises(BuildError, match="previous index is kept"):
        _build(bad, factory=_no_embedder)
    empty = tmp_path / "empty-data"
    empty.mkdir()
    with pytest.raises(BuildError):
        _build(_settings(tmp_path, data=empty), factory=_no_embedder)
    assert _builds(settings.index_dir) == [first.build_dir.name]
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    assert snapshot.build_id == first.build_dir.name and len(snapshot.chunks) == 88


def test_bad_file_next_to_good_ones_is_reported_not_fatal(fresh) -> None:
    settings, _ = fresh
    (settings.data_dir / "broken.jsonl").write_text('{"title": "半行', encoding="utf-8")
    report = _build(settings, factory=_no_embedder)
    assert report.articles == 18 and report.files == 3
    assert [(p.path, p.line) for p in report.problems] == [("broken.jsonl", 1)]
    assert read_manifest(report.build_dir)["counts"]["problems"] == 1
    assert read_manifest(report.build_dir)["report"]["problems"][0].startswith("broken.jsonl:1: not valid JSON")


def test_undated_article_is_reported_and_a_failed_build_recorded(fresh, tmp_path: Path) -> None:
    settings, _ = fresh
    (settings.data_dir / "undated.md").write_text("title: 没有日期的通知\n\n市卫健委提醒市民做好防护。\n", encoding="utf-8")
    report = _build(settings)
    assert [(p.path, p.line) for p in report.undated] == [("undated.md", 1)]
    assert read_manifest(report.build_dir)["report"]["undated"] == [
        "undated.md:1: no date (header date:, dateline or page date): 《没有日期的通知》 is served undated"]
    assert read_build_status(settings.index_dir) | {"at": None} == {"at": None, "build_id": report.build_dir.name,
                                                                    "error": None}
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BuildError):
        _build(settings.model_copy(update={"data_dir": empty}), factory=_no_embedder)
    failed = read_build_status(settings.index_dir)
    assert failed["build_id"] is None and "no article could be read" in failed["error"]




# --- load_snapshot errors -----------------------------------------------------------------------------------------


def test_model_mismatch_says_make_index(built) -> None:
    settings, _, _ = built
    with pytest.raises(IndexMismatch, match="make index") as err:
        load_snapshot(settings.index_dir, "multilingual-e5-small")
    assert "fake-64" in str(err.value) and "multilingual-e5-small" in str(err.value)
    assert load_snapshot(settings.index_dir).build_id  # no model given: no check


@pytest.mark.parametrize("victim", ["vectors/faiss.index", "meta.sqlite", "lexical"])
def test_tampered_build_is_corrupt(built, tmp_path: Path, victim: str) -> None:
    settings, _, _ = built
    index = tmp_path / "index"
    shutil.copytree(settings.index_dir, index, symlinks=True)
    build = current_dir(index)
    assert build.parent == index / "builds"
    assert load_snapshot(index, FAKE_ID)  # the copy itself is fine
    if victim == "lexical":
        next(p for p in sorted((build / "lexical").iterdir()) if p.suffix == ".json").write_text("{}")
    else:
        with (build / victim).open("ab") as fh:
            fh.write(b"\0")
    with pytest.raises(IndexCorrupt, match="make index"):
        load_snapshot(index, FAKE_ID)


def test_missing_build_file_is_corrupt(built, tmp_path: Path) -> None:
    settings, _, _ = built
    index = tmp_path / "index"
    shutil.copytree(settings.index_dir, index, symlinks=True)
    (current_dir(index) / "vectors" / "faiss.index").unlink()
    with pytest.raises(IndexCorrupt):
        load_snapshot(index, FAKE_ID)


def test_no_index_is_not_ready(tmp_path: Path) -> None:
    with pytest.raises(IndexNotReady, match="make index"):
        load_snapshot(tmp_path / "never-built", FAKE_ID)
    (tmp_path / "index" / "builds").mkdir(parents=True)
    with pytest.raises(IndexNotReady):
        load_snapshot(tmp_path / "index", FAKE_ID)
    (tmp_path / "index" / "current").symlink_to("builds/gone")  # dangling link
    with pytest.raises(IndexNotReady):
        load_snapshot(tmp_path / "index", FAKE_ID)
