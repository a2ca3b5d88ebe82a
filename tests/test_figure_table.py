"""Figures read from SQLite on demand answer every query exactly as a scan of the in-memory list; place mentions."""

from __future__ import annotations

import json

import pytest

from config.profile import load_profile
from news.figures import grammar
from news.records import Figure
from retrieval.errors import IndexMismatch
from retrieval.snapshot import load_snapshot
from stores.figure_table import FigureTable
from stores.layout import MANIFEST, current_dir
from stores.meta import MetaReader, open_meta
from tests.buildkit import FAKE_ID

PROFILE = load_profile()


@pytest.fixture
def table(built) -> FigureTable:
    settings, _, _ = built
    return FigureTable(MetaReader(current_dir(settings.index_dir) / "meta.sqlite"))


def _chosen(listed: list[Figure], metric: str, region: str, whole: bool = False, dates=None) -> list[Figure]:
    """What ``FigureTable.chosen`` must return, by a scan: whole days only ("0—24时" or no period), of the day
    asked or as of its end, newest first by ``Figure.rank`` (ties in extraction order)."""
    rows = [f for f in listed if f.metric == metric and f.region == region
            and (not whole or "—" not in f.asof_label or "0—24时" in f.asof_label)
            and (dates is None or f.asof_date == dates[0] or f.asof_key == dates[1])]
    return sorted(rows, key=lambda f: f.rank, reverse=True)


def test_the_sqlite_table_answers_as_the_list(table) -> None:
    listed = list(table)
    assert len(table) == len(listed) > 20 and all(isinstance(f, Figure) for f in listed)
    regions = {f.region for f in listed}
    assert set(table.regions()) == regions and "株洲" in regions
    for metric in {f.metric for f in listed}:
        assert set(table.regions(metric)) == {f.region for f in listed if f.metric == metric}, metric
        for region in table.regions(metric):
            matching = [f for f in listed if f.metric == metric and f.region == region]
            assert table.matching(metric, region) == matching, (metric, region)
            for whole in (False, True):
                chosen = _chosen(listed, metric, region, whole)
                assert table.chosen(metric, region, whole) == chosen, (metric, region, whole)
                newest = [f for f in chosen if f.asof_date == chosen[0].asof_date] if chosen else []
                assert table.newest_rows(metric, region, whole) == newest, (metric, region, whole)
                for key in {f.asof_key for f in newest} | {"2020-02-19T24:00"}:
                    older = next((f for f in chosen if f.asof_key != key), None)
                    assert table.first_older(metric, region, key, whole) == older
                for dates in (("2020-02-19", "2020-02-20T00:00"), ("2020-02-16", "2020-02-17T00:00")):
                    assert table.chosen(metric, region, whole, dates) == _chosen(listed, metric, region, whole, dates)
    for region in regions:
        of_region = [f for f in listed if f.region == region]
        assert table.matching(region=region) == of_region
        assert table.newest(region) == max(f.report_day for f in of_region)
        for day in ("2020-01-01", "2020-02-17", "2020-02-19", "2099-01-01"):
            assert set(table.reports_after(region, day)) == {f.article_id for f in of_region if f.report_day > day}
    assert table.newest("株洲") == "2020-02-20"  # the newer of the two pages
    assert table.reports_after("株洲", "2020-02-19") and not table.reports_after("株洲", "2020-02-20")
    assert table.newest("格陵兰") is None and table.matching("累计确诊", "格陵兰") == []
    assert table.newest_rows("累计确诊", "格陵兰") == [] and table.first_older("累计确诊", "格陵兰", "x") is None
    top = table.newest_rows("累计确诊", "株洲")  # the newer page's figure first, the older page's after it
    assert top[0].value == "78" and top[0].asof_key == "2020-02-19T24:00"
    assert table.first_older("累计确诊", "株洲", top[0].asof_key).asof_key < top[0].asof_key


def test_the_facts_are_queried_by_index_not_scanned(table) -> None:
    for sql in ("SELECT * FROM figures WHERE metric = ? AND region = ?",
                "SELECT * FROM figures WHERE metric = ? AND region = ? ORDER BY asof_date DESC, article_date DESC"):
        plan = " ".join(str(r) for r in table._meta.all(f"EXPLAIN QUERY PLAN {sql}", ("累计确诊", "株洲")))
        assert "figures_key" in plan and "TEMP B-TREE" not in plan, plan
    for sql in ("SELECT MAX(report_day) FROM figures WHERE region = ?",
                "SELECT DISTINCT article_id FROM figures WHERE region = ? AND report_day > '2020-02-19'"):
        plan = " ".join(str(r) for r in table._meta.all(f"EXPLAIN QUERY PLAN {sql}", ("株洲",)))
        assert "COVERING INDEX figures_day" in plan, plan


def test_article_titles_in_batches(built) -> None:
    settings, _, _ = built
    articles, _, _ = open_meta(current_dir(settings.index_dir) / "meta.sqlite")
    ids = list(articles)
    assert articles.titles(ids * 300) == {articles[i].title for i in ids}  # 5,400 ids, 11 batches
    assert articles.titles([]) == set() and articles.titles(["no-such-id"]) == set()


def test_place_names_are_looked_up_and_other_words_scanned(built) -> None:
    settings, _, _ = built
    articles, _, _ = open_meta(current_dir(settings.index_dir) / "meta.sqlite")
    text = "\n".join(a.title + "\n" + a.text for a in articles.values())
    gaz = grammar(PROFILE).gazetteer
    for name in ("株洲", "株洲市", "荷塘区", "茶陵县", "醴陵", "长沙", "武汉", "拉萨", "格陵兰", "朝阳"):
        if gaz.is_name(name):
            assert articles.names_place(name) == (name in text), name
    assert articles.names_place("荷塘区") and not articles.names_place("拉萨")
    assert articles.contains_text("市卫健委") and not articles.contains_text("火星基地")


def test_names_in_finds_overlapping_names_like_a_substring_check() -> None:
    gaz = grammar(PROFILE).gazetteer
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
