"""Figures read from SQLite on demand answer every query exactly as the in-memory list does; place mentions."""

from __future__ import annotations

import json

import pytest

from index.build import MANIFEST, current_dir
from index.figure_table import FigureList, FigureTable
from index.figures import grammar
from index.snapshot import IndexMismatch, load_snapshot
from index.store import MetaReader, open_meta
from tests.buildkit import FAKE_ID


@pytest.fixture
def tables(built):
    settings, _, _ = built
    meta = current_dir(settings.index_dir) / "meta.sqlite"
    table = FigureTable(MetaReader(meta))
    return table, FigureList(list(table))


def test_the_sqlite_table_answers_as_the_list(tables) -> None:
    table, listed = tables
    assert len(table) == len(listed) > 20
    assert set(table.regions()) == set(listed.regions()) and "株洲" in table.regions()
    for metric in {f["metric"] for f in listed}:
        assert set(table.regions(metric)) == set(listed.regions(metric)), metric
        for region in listed.regions(metric):
            assert table.matching(metric, region) == listed.matching(metric, region), (metric, region)
    for region in listed.regions():
        assert table.matching(region=region) == listed.matching(region=region)
        assert table.newest(region) == listed.newest(region)
        for day in ("2020-01-01", "2020-02-17", "2020-02-19", "2099-01-01"):
            assert table.reports_after(region, day) == listed.reports_after(region, day)
    assert table.newest("株洲") == "2020-02-20"  # the newer of the two pages
    assert table.reports_after("株洲", "2020-02-19") and not table.reports_after("株洲", "2020-02-20")
    assert table.newest("格陵兰") is None and table.matching("累计确诊", "格陵兰") == []


def test_the_facts_are_queried_by_index_not_scanned(tables) -> None:
    table, _ = tables
    plan = " ".join(str(r) for r in table._meta.all(
        "EXPLAIN QUERY PLAN SELECT * FROM figures WHERE metric = ? AND region = ?", ("累计确诊", "株洲")))
    assert "figures_key" in plan, plan


def test_place_names_are_looked_up_and_other_words_scanned(built) -> None:
    settings, _, _ = built
    articles, _, _ = open_meta(current_dir(settings.index_dir) / "meta.sqlite")
    text = "\n".join(a.title + "\n" + a.text for a in articles.values())
    gaz = grammar().gazetteer
    for name in ("株洲", "株洲市", "荷塘区", "茶陵县", "醴陵", "长沙", "武汉", "拉萨", "格陵兰", "朝阳"):
        if gaz.is_name(name):
            assert articles.names_place(name) == (name in text), name
    assert articles.names_place("荷塘区") and not articles.names_place("拉萨")
    assert articles.contains_text("市卫健委") and not articles.contains_text("火星基地")


def test_names_in_finds_overlapping_names_like_a_substring_check() -> None:
    gaz = grammar().gazetteer
    text = "湖南省株洲市荷塘区，北京时间，朝阳区"
    found = gaz.names_in(text)
    assert {"湖南", "湖南省", "株洲", "株洲市", "荷塘区", "北京", "朝阳", "朝阳区"} <= found
    assert all(name in text for name in found)


def test_a_build_of_the_older_format_asks_for_a_rebuild(fresh) -> None:
    settings, build = fresh
    manifest_path = build.build_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**manifest, "format_version": 2}), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="make index"):
        load_snapshot(settings.index_dir, FAKE_ID, verify=False)
