"""Articles and chunks read from SQLite on demand behave like the dict and list the code indexes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from config.profile import load_profile
from index.chunker import chunk_article
from index.sources import scan
from stores.meta import open_meta, read_meta, write_meta

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def meta(tmp_path_factory):
    articles = scan(ROOT / "data" / "articles", 2020, PROFILE).articles
    chunks = [c for a in articles for c in chunk_article(a, 220, 60)]
    path = tmp_path_factory.mktemp("meta") / "meta.sqlite"
    write_meta(path, articles, chunks, [])
    return path, articles, chunks


def test_chunks_by_row_like_a_list(meta) -> None:
    path, _, chunks = meta
    _, table, figures = open_meta(path)
    assert len(table) == len(chunks) and len(figures) == 0 and list(figures) == []
    assert table[0] == chunks[0] and table[17] == chunks[17] and table[-1] == chunks[-1]
    assert table[3:6] == chunks[3:6]
    assert list(table) == chunks and table == chunks  # iteration streams in row order
    with pytest.raises(IndexError):
        table[len(chunks)]


def test_articles_by_id_like_a_dict(meta) -> None:
    path, articles, _ = meta
    table, _, _ = open_meta(path)
    first = articles[0]
    assert len(table) == len(articles) and table[first.id] == first
    assert first.id in table and "nope" not in table and 5 not in table
    assert table.get("nope") is None and table.get(first.id) == first
    with pytest.raises(KeyError):
        table["nope"]
    assert sorted(table) == sorted(a.id for a in articles)
    assert sorted(a.id for a in table.values()) == sorted(a.id for a in articles)
    assert table == {a.id: a for a in articles} == dict(table.items())
    assert read_meta(path)[0] == articles  # the eager reader (benchmarks) agrees


def test_lookups_from_many_threads(meta) -> None:
    path, _, chunks = meta
    _, table, _ = open_meta(path)
    rows = list(range(len(chunks))) * 5
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda r: table[r].id, rows))
    assert got == [chunks[r].id for r in rows]
