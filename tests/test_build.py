"""index.build and retrieval.snapshot with the fake embedder: build → load round trip, incremental builds."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from config.profile import load_profile
from index.chunker import chunk_article
from index.sources import read_file, scan
from model.embedder import FakeEmbedder, make_embedder
from retrieval.errors import IndexMismatch
from retrieval.snapshot import load_snapshot
from stores.layout import current_dir, read_manifest, sha256_file
from tests.buildkit import (
    FAKE_ID,
    NEW_ARTICLE,
    SEED_DIR,
    SEED_FILES,
    CountingEmbedder,
    _build,
    _builds,
    _no_embedder,
    _settings,
)

PROFILE = load_profile()

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
    corpus = scan(settings.data_dir, settings.default_year, PROFILE)
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
    assert manifest["format_version"] == 4
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
    assert manifest["report"] | {"previous": None} == {  # a first build: nothing to compare with
        "problems": [], "undated": [], "previous": None, "added": 18, "removed": 0, "added_titles": [],
        "removed_titles": [], "figures_changed": 0, "figures": []}
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
    (new_article,) = read_file(NEW_ARTICLE.encode(), "002_new.md", 2020, [], PROFILE)
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
    told = snapshot.manifest["report"]  # what the admins are sent: against the build it replaced
    assert told["previous"] == first.build_dir.name and (told["added"], told["removed"]) == (1, 0)
    assert told["added_titles"] == ["我市新增出院病例5例"]
    assert ["累计出院", "株洲", "46", "51", "2020-02-22"] in told["figures"]
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
