"""Tests for index.build and index.snapshot: build → load round trip, incremental builds, atomic switch.

All but one test use the fake embedder (instant, deterministic). The last one builds the seed corpus with the
real multilingual-e5-small model and checks a dense search.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from config import Settings
from index.bm25s_index import BM25sIndex
from index.build import BuildError, build_index, current_dir, read_manifest, sha256_file
from index.chunker import chunk_article
from index.embedder import FakeEmbedder, make_embedder
from index.snapshot import IndexCorrupt, IndexMismatch, IndexNotReady, load_snapshot
from index.sources import read_file, scan

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "articles"
SEED_FILES = sorted(p.name for p in SEED_DIR.glob("*.txt"))
FAKE_ID = make_embedder("fake").model_id  # "fake-64"

NEW_ARTICLE = """title: 我市新增出院病例5例
date: 2020-02-22
source: 株洲日报

株洲日报讯 2月22日，市卫健委通报，我市又有5名新冠肺炎患者治愈出院，累计治愈出院51人。

出院患者均按要求回当地进行隔离观察，社区将做好健康监测。
"""


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every passage it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(64)
        self.texts: list[str] = []

    def encode_passages(self, texts, batch_size=32, progress=False):
        self.texts.extend(texts)
        return super().encode_passages(texts, batch_size, progress)


def _no_embedder():
    raise AssertionError("the embedding model was loaded although every chunk was cached")


def _settings(root: Path, data: Path | None = None, **overrides) -> Settings:
    return Settings(
        data_dir=data or root / "data", index_dir=root / "index", cache_dir=root / "cache",
        embedding_model="fake", _env_file=None, **{"vector_backend": "faiss", **overrides},
    )


def _seed(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name in SEED_FILES:
        shutil.copy2(SEED_DIR / name, data / name)
    return data


def _build(settings: Settings, embedder=None, factory=None, model_id: str = FAKE_ID, **kwargs):
    embedder = embedder if embedder is not None else CountingEmbedder()
    return build_index(settings, factory or (lambda: embedder), model_id, progress=False, **kwargs)


def _builds(index_dir: Path) -> list[str]:
    """Everything inside builds/, hidden entries included."""
    return sorted(p.name for p in (index_dir / "builds").iterdir())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One fake-embedder build of the seed corpus, shared by the read-only tests."""
    root = tmp_path_factory.mktemp("built")
    _seed(root)
    settings = _settings(root)
    embedder = CountingEmbedder()
    report = _build(settings, embedder)
    return settings, report, embedder


@pytest.fixture
def fresh(built, tmp_path: Path):
    """A private copy of the shared build (data, index and embedding cache); tests then change it."""
    source = built[0].data_dir.parent
    for part in ("data", "index", "cache"):
        shutil.copytree(source / part, tmp_path / part, symlinks=True)
    settings = _settings(tmp_path)
    return settings, SimpleNamespace(build_dir=current_dir(settings.index_dir))


# --- build → load -------------------------------------------------------------------------------------------


def test_build_report(built) -> None:
    settings, report, embedder = built
    assert not report.up_to_date
    assert (report.files, report.articles, report.chunks, report.duplicates) == (2, 18, 88, 0)
    assert (report.embedded, report.reused) == (88, 0)
    assert report.problems == []
    assert report.figures > 0
    assert report.build_dir == current_dir(settings.index_dir)
    assert len(embedder.texts) == 88 and len(set(embedder.texts)) == 88
    assert "18 articles" in report.summary() and "88 chunks" in report.summary()


def test_round_trip(built) -> None:
    settings, report, _ = built
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    corpus = scan(settings.data_dir, settings.default_year)
    assert snapshot.build_dir == report.build_dir
    assert snapshot.build_id == report.build_dir.name
    assert len(snapshot.articles) == report.articles == 18
    assert snapshot.articles == {a.id: a for a in corpus.articles}  # every field survives the store
    assert len(snapshot.chunks) == len(snapshot.vectors) == report.chunks
    expected = [c for a in corpus.articles for c in chunk_article(a, settings.chunk_size, settings.chunk_overlap)]
    assert snapshot.chunks == expected
    assert len(snapshot.figures) == report.figures
    for chunk in snapshot.chunks:
        article = snapshot.articles[chunk.article_id]
        assert article.text[chunk.start : chunk.end] == chunk.text


def test_vectors_are_in_chunk_order(built) -> None:
    settings, _, _ = built
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    queries = FakeEmbedder(64).encode_queries([c.embed_text for c in snapshot.chunks])
    scores, rows = snapshot.vectors.search(queries, 1)
    assert rows[:, 0].tolist() == list(range(len(snapshot.chunks)))
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)


def test_lexical_search_finds_the_confirmed_cases(built) -> None:
    settings, _, _ = built
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    scores, rows = snapshot.lexical.search("累计确诊", 3)
    assert len(rows) == 3 and all(scores > 0)
    assert any("78" in snapshot.chunks[r].text for r in rows)
    assert len(snapshot.lexical.scores("累计确诊")) == len(snapshot.chunks)


def test_manifest(built) -> None:
    settings, report, _ = built
    manifest = read_manifest(report.build_dir)
    assert manifest["format_version"] == 2
    assert manifest["build_id"] == report.build_dir.name
    assert manifest["model"] == {"id": "fake-64", "dimension": 64}
    assert manifest["chunking"] == {"size": settings.chunk_size, "overlap": settings.chunk_overlap}
    assert manifest["vector_store"] == {  # 88 chunks: exact search
        "backend": "faiss", "kind": "flat", "hnsw_m": 32, "ivf_nlist": 1024, "ivf_nprobe": 32}
    assert manifest["lexical"] == {"backend": "bm25s"}
    assert manifest["inputs"] == {
        name: hashlib.sha256((SEED_DIR / name).read_bytes()).hexdigest() for name in SEED_FILES
    }
    assert manifest["counts"] == {"files": 2, "articles": 18, "chunks": 88, "figures": report.figures, "problems": 0}
    assert manifest["date_range"] == ["2020-02-16", "2020-02-20"]
    assert len(manifest["fingerprint"]) == 64
    checksums = manifest["checksums"]
    assert {"vectors/faiss.index", "meta.sqlite"} <= set(checksums)
    assert any(name.startswith("lexical/") for name in checksums)
    on_disk = {
        p.relative_to(report.build_dir).as_posix() for p in report.build_dir.rglob("*") if p.is_file()
    }
    assert set(checksums) == on_disk - {"manifest.json"}
    for name, digest in checksums.items():
        assert sha256_file(report.build_dir / name) == digest


# --- incremental builds -----------------------------------------------------------------------------------------


def test_unchanged_corpus_is_up_to_date(fresh) -> None:
    settings, first = fresh
    before = _builds(settings.index_dir)
    report = _build(settings, factory=_no_embedder)
    assert report.up_to_date
    assert report.build_dir == first.build_dir == current_dir(settings.index_dir)
    assert (report.files, report.articles, report.chunks) == (2, 18, 88)
    assert "up to date" in report.summary()
    assert _builds(settings.index_dir) == before == [first.build_dir.name]


def test_adding_a_file_embeds_only_its_chunks(fresh) -> None:
    settings, first = fresh
    (settings.data_dir / "002_new.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (new_article,) = read_file(NEW_ARTICLE.encode(), "002_new.md", 2020, [])
    new_chunks = chunk_article(new_article, settings.chunk_size, settings.chunk_overlap)
    embedder = CountingEmbedder()
    report = _build(settings, embedder)
    assert not report.up_to_date
    assert report.embedded == len(new_chunks) == len(embedder.texts)
    assert sorted(embedder.texts) == sorted(c.embed_text for c in new_chunks)
    assert report.reused == 88 == report.chunks - report.embedded
    assert (report.files, report.articles) == (3, 19)
    assert report.build_dir != first.build_dir
    assert current_dir(settings.index_dir) == report.build_dir
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    assert new_article.id in snapshot.articles and len(snapshot.chunks) == 88 + len(new_chunks)
    assert first.build_dir.is_dir()  # the previous build stays for readers that still hold it


def test_force_rebuild_uses_the_embedding_cache(fresh) -> None:
    settings, first = fresh
    report = _build(settings, factory=_no_embedder, force=True)
    assert not report.up_to_date
    assert (report.embedded, report.reused) == (0, 88)
    assert report.build_dir != first.build_dir
    assert read_manifest(report.build_dir)["fingerprint"] == read_manifest(first.build_dir)["fingerprint"]


def test_changed_chunking_makes_the_index_stale(fresh) -> None:
    settings, first = fresh
    smaller = _settings(settings.data_dir.parent, chunk_size=120, chunk_overlap=30)
    report = _build(smaller)
    assert not report.up_to_date and report.chunks > 88
    assert read_manifest(report.build_dir)["chunking"] == {"size": 120, "overlap": 30}


def test_other_model_rebuilds_and_old_model_id_mismatches(fresh) -> None:
    settings, _ = fresh
    other = make_embedder("fake-32")
    report = _build(settings, other, model_id=other.model_id)
    assert not report.up_to_date and report.embedded == 88  # the cache is per model
    assert read_manifest(report.build_dir)["model"] == {"id": "fake-32", "dimension": 32}
    assert load_snapshot(settings.index_dir, "fake-32").vectors is not None
    with pytest.raises(IndexMismatch):
        load_snapshot(settings.index_dir, FAKE_ID)


def test_old_builds_are_pruned(fresh) -> None:
    settings, first = fresh
    second = _build(settings, factory=_no_embedder, force=True)
    third = _build(settings, factory=_no_embedder, force=True)
    assert _builds(settings.index_dir) == sorted([second.build_dir.name, third.build_dir.name])
    assert not first.build_dir.exists()
    assert current_dir(settings.index_dir) == third.build_dir


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


# --- command line ------------------------------------------------------------------------------------------------


def _cli(args: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATA_DIR", "INDEX_DIR", "CACHE_DIR"))}
    env.update({"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING"}, **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "index", *args], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False,
    )


def test_cli_articles_json(tmp_path: Path) -> None:
    data = _seed(tmp_path)
    result = _cli(["articles", "--json"], {"DATA_DIR": str(data)}, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 18
    records = [json.loads(line) for line in lines]
    expected = scan(data, 2020).articles
    for record, article in zip(records, expected):
        assert {"id", "title", "date", "byline", "source", "text"} <= set(record)
        assert (record["id"], record["title"], record["date"], record["byline"], record["source"], record["text"]) == (
            article.id, article.title, article.date, article.byline, article.source, article.text,
        )
    assert records[0]["title"] == "好消息 我市连续5天无新增病例 治愈出院人数增至46人"
    assert records[0]["date"] == "2020-02-20" and records[0]["source"] == SEED_FILES[0]


def test_cli_build_on_unreadable_corpus_fails_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "gbk.txt").write_bytes("株洲日报讯".encode("gbk"))
    env = {"DATA_DIR": str(data), "INDEX_DIR": str(tmp_path / "index"), "CACHE_DIR": str(tmp_path / "cache"),
           "EMBEDDING_MODEL": "fake"}
    result = _cli(["build", "--quiet"], env, tmp_path)
    assert result.returncode == 1
    assert "error:" in result.stderr and "gbk.txt:1" in result.stderr
    assert "Traceback" not in result.stderr


# --- the real model --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_dense_search_finds_the_total(real_embedder, tmp_path: Path) -> None:
    _seed(tmp_path)
    settings = _settings(tmp_path)
    report = build_index(settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    assert report.embedded == report.chunks == 88
    snapshot = load_snapshot(settings.index_dir, real_embedder.model_id)
    assert snapshot.manifest["model"] == {"id": "multilingual-e5-small", "dimension": 384}
    query = real_embedder.encode_queries(["株洲累计确诊多少"])
    assert query.shape == (1, 384)
    scores, rows = snapshot.vectors.search(query, 3)
    top = [snapshot.chunks[r].text for r in rows[0]]
    assert any("78例" in text for text in top), top


def test_fast_query_path_gives_the_library_vectors(real_embedder) -> None:
    """encode_queries skips encode()'s per-call bookkeeping; the vectors must be the documented ones."""
    questions = ["株洲累计确诊多少", "醴陵推出了多少专项信贷资金？", "How many confirmed cases in Zhuzhou?", "株洲"]
    fast = real_embedder.encode_queries(questions)
    library = real_embedder.encode_queries_library(questions)
    assert fast.shape == library.shape == (4, real_embedder.dimension) and fast.dtype == np.float32
    assert np.abs(fast - library).max() < 1e-5
    single = real_embedder.encode_queries([questions[1]])[0]
    assert float(single @ library[1]) > 0.99999
    assert real_embedder.encode_queries([]).shape == (0, real_embedder.dimension)


def test_auto_index_kind_switches_to_ivf_at_the_threshold(tmp_path: Path) -> None:
    from index.vectors import choose_kind

    assert choose_kind("auto", 199_999) == "flat" and choose_kind("auto", 200_000) == "ivf_fp16"
    assert choose_kind("hnsw", 10) == "hnsw"
    _seed(tmp_path)
    settings = _settings(tmp_path, faiss={"auto_ann_rows": 50})
    report = _build(settings)
    assert read_manifest(report.build_dir)["vector_store"]["kind"] == "ivf_fp16"
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    query = FakeEmbedder(64).encode_queries([snapshot.chunks[5].embed_text])
    scores, rows = snapshot.vectors.search(query, 3)
    assert rows[0][0] == 5 and scores[0][0] > 0.99  # a chunk finds itself through the IVF lists
