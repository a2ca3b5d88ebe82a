"""Tests for news.figures on the real seed pages: verbatim figures, as-of times, newest-wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.profile import load_profile
from index.page_parser import parse_page
from news.figures import extract_figures, is_commentary
from news.records import Article, Figure
from retrieval.latest import latest_figures

PROFILE = load_profile()

DATA = Path(__file__).resolve().parent.parent / "data" / "articles"
PAGES = ["000_b7adce7465891e7b.txt", "001_303c1fde1aee8707.txt"]


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    out = []
    for name in PAGES:
        out += parse_page((DATA / name).read_text(encoding="utf-8"), name, 2020, PROFILE)
    return out


@pytest.fixture(scope="module")
def by_id(articles: list[Article]) -> dict[str, Article]:
    return {article.id: article for article in articles}


@pytest.fixture(scope="module")
def figures(articles: list[Article]) -> list[Figure]:
    return [figure for article in articles for figure in extract_figures(article, PROFILE)]


def _article(articles: list[Article], needle: str) -> Article:
    (found,) = [article for article in articles if needle in article.text]
    return found


def _table(figures: list[Figure]) -> dict[tuple[str, str, str], Figure]:
    """(metric, region, as-of key) -> figure; fails on a duplicate so nothing is silently shadowed."""
    table: dict[tuple[str, str, str], Figure] = {}
    for figure in figures:
        key = (figure.metric, figure.region, figure.asof_key)
        assert key not in table, f"duplicate {key}: {table[key].value} and {figure.value}"
        table[key] = figure
    return table


def test_every_figure_quotes_its_sentence_verbatim(figures: list[Figure], by_id: dict[str, Article]) -> None:
    assert len(figures) >= 30
    for figure in figures:
        article = by_id[figure.article_id]
        assert article.text[figure.start:figure.end] == figure.sentence
        assert figure.value in figure.sentence
        assert figure.number == float(figure.value)
        assert figure.article_date == article.date
        assert json.loads(json.dumps(figure.to_json()))["value"] == figure.value


def test_page_001_bulletin_of_february_16(articles: list[Article]) -> None:
    article = _article(articles, "2月16日0-24时")
    assert article.date == "2020-02-17"
    table = _table(extract_figures(article, PROFILE))
    day, cumulative = "2020-02-16T24:00", "2020-02-16T24:00"
    assert table[("新增确诊", "株洲", day)].value == "0"
    assert table[("新增确诊", "株洲", day)].asof_label == "2020年2月16日0—24时"
    assert table[("新增出院", "株洲", day)].value == "4"
    total = table[("累计确诊", "株洲", cumulative)]
    assert (total.value, total.unit, total.asof_label) == ("78", "例", "2020年2月16日24时")
    assert total.sentence.startswith("截至2月16日24时，我市累计报告新型冠状病毒肺炎确诊病例78例")
    districts = {"荷塘区": "21", "茶陵县": "11", "天元区": "10", "芦淞区": "10", "石峰区": "9", "醴陵市": "8",
                 "攸县": "7", "云龙示范区": "2"}
    for region, value in districts.items():
        assert table[("累计确诊", region, cumulative)].value == value, region
    assert sum(int(v) for v in districts.values()) == 78
    discharged = table[("累计出院", "株洲", "2020-02-16T24:00")]
    assert discharged.value == "33" and discharged.asof_date == "2020-02-16"
    in_hospital = table[("在院治疗", "株洲", "2020-02-16T24:00")]
    assert in_hospital.value == "45" and "仍有45例在院治疗" in in_hospital.sentence
    out_by_district = {"荷塘区": "8", "天元区": "6", "醴陵市": "5", "芦淞区": "4", "石峰区": "2", "云龙示范区": "1"}
    for region, value in out_by_district.items():
        figure = table[("累计出院", region, "2020-02-16T24:00")]
        assert figure.value == value and figure.sentence.startswith("出院病例中"), region
    rate = table[("治愈出院率", "攸县", "2020-02-16T24:00")]
    assert (rate.value, rate.unit, rate.number) == ("100", "%", 100.0)
    # "攸县的7例确诊病例" repeats the list's "攸县7例" and is not counted twice
    assert [f.value for f in table.values() if f.metric == "累计确诊" and f.region == "攸县"] == ["7"]


def test_page_000_bulletin_of_february_19(articles: list[Article]) -> None:
    article = _article(articles, "2月19日0时-24时")
    assert article.date == "2020-02-20"
    table = _table(extract_figures(article, PROFILE))
    day = "2020-02-19T24:00"
    expected = {
        "新增确诊": "0", "新增重症": "0", "新增死亡": "0", "新增出院": "3", "累计确诊": "78", "重症": "6",
        "危重症": "3", "死亡": "0", "累计出院": "40", "在院治疗": "38", "解除医学观察": "1419", "医学观察": "379",
    }
    for metric, value in expected.items():
        assert table[(metric, "株洲", day)].value == value, metric
    assert table[("新增出院", "株洲", day)].asof_label == "2020年2月19日0—24时"
    assert table[("在院治疗", "株洲", day)].asof_label == "2020年2月19日24时"
    assert table[("在院治疗", "株洲", day)].sentence.endswith("在院治疗38例；")
    # after the "；" the sentence has no date of its own: it inherits the previous one
    observed = table[("医学观察", "株洲", day)]
    assert observed.unit == "人" and observed.sentence == "已解除医学观察1419人，尚有379人正在接受医学观察。"
    afternoon = table[("累计出院", "株洲", "2020-02-20T12:00")]
    assert (afternoon.value, afternoon.unit, afternoon.asof_label) == ("46", "人", "2020年2月20日下午")
    rate = table[("治愈率", "株洲", "2020-02-20")]
    assert (rate.value, rate.number, rate.unit, rate.asof_date) == ("58.9", 58.9, "%", "2020-02-20")
    # "又有6名新冠肺炎患者治愈出院" is an event, not a reported count: not extracted
    assert [f.value for f in table.values() if f.sentence.startswith("2月20日下午")] == ["46"]
    assert len(table) == len(expected) + 2


def test_unrelated_numbers_are_not_extracted(figures: list[Figure], articles: list[Article]) -> None:
    values = {figure.value for figure in figures}
    for number in ("1171.73", "17", "62.2", "84", "64", "43", "99", "44880", "321"):
        assert number not in values, number
    for needle in ("1171.73万人次", "17万个口罩", "复工率84%", "44880人份"):
        assert extract_figures(_article(articles, needle), PROFILE) == [], needle
    assert all(figure.metric != "累计确诊" or figure.unit == "例" for figure in figures)


def test_commentary_is_skipped_unless_asked(articles: list[Article]) -> None:
    opinion = _article(articles, "2月15日、16日，我市的疫情通报")
    assert is_commentary(opinion)
    assert extract_figures(opinion, PROFILE) == []
    found = extract_figures(opinion, PROFILE, include_commentary=True)
    assert {(f.metric, f.value, f.asof_date) for f in found} == {
        ("新增确诊", "0", "2020-02-16"), ("新增重症", "0", "2020-02-16"), ("新增死亡", "0", "2020-02-16"),
    }
    assert not is_commentary(_article(articles, "2月16日0-24时"))


def test_latest_figures_newest_wins(figures: list[Figure]) -> None:
    rows = latest_figures(figures, PROFILE)
    latest = {(row["metric"], row["region"]): row for row in rows}
    assert len(latest) == len(rows)
    in_hospital = latest[("在院治疗", "株洲")]
    assert (in_hospital["value"], in_hospital["asof_key"]) == ("38", "2020-02-19T24:00")
    assert in_hospital["previous"]["value"] == "45"
    assert in_hospital["change"] == -7 and in_hospital["change_label"] == "减少7例"
    discharged = latest[("累计出院", "株洲")]
    assert discharged["value"] == "46" and discharged["previous"]["value"] == "40" and discharged["change"] == 6
    assert [h["value"] for h in discharged["history"]] == ["46", "40", "33"]
    total = latest[("累计确诊", "株洲")]
    assert total["value"] == "78" and total["asof_key"] == "2020-02-19T24:00"
    assert total["change"] == 0 and total["change_label"] == "持平"
    assert latest[("新增出院", "株洲")]["value"] == "3" and latest[("新增出院", "株洲")]["change"] == -1
    assert latest[("治愈率", "株洲")]["previous"] is None and latest[("治愈率", "株洲")]["change"] is None
    assert latest[("累计确诊", "荷塘区")]["value"] == "21"
    # 株洲 first in the fixed metric order, then the districts
    regions = [row["region"] for row in rows]
    assert regions[: regions.count("株洲")] == ["株洲"] * regions.count("株洲")
    home = [row["metric"] for row in rows if row["region"] == "株洲"]
    assert home[:4] == ["累计确诊", "新增确诊", "在院治疗", "累计出院"]
    assert home.index("医学观察") < home.index("解除医学观察")


def test_latest_figures_ties_go_to_the_later_article() -> None:
    def make(value: str, key: str, article_date: str, article_id: str) -> Figure:
        return Figure(metric="累计确诊", region="株洲", value=value, number=float(value), unit="例", asof_key=key,
                      asof_label=key, asof_date=key[:10], sentence=f"累计确诊{value}例", article_id=article_id,
                      start=0, end=7, article_date=article_date)

    rows = latest_figures([
        make("70", "2020-02-10T24:00", "2020-02-11", "a"),
        make("77", "2020-02-16T24:00", "2020-02-17", "b"),
        make("78", "2020-02-16T24:00", "2020-02-18", "c"),
    ], PROFILE)
    (row,) = rows
    assert row["article_id"] == "c" and row["previous"]["article_id"] == "a" and row["change"] == 8
    assert row["change_label"] == "增加8例"
    rate = latest_figures([
        Figure("治愈率", "株洲", "58.9", 58.9, "%", "2020-02-20", "", "2020-02-20", "", "x", 0, 0, "2020-02-20"),
        Figure("治愈率", "株洲", "50", 50.0, "%", "2020-02-18", "", "2020-02-18", "", "y", 0, 0, "2020-02-18"),
    ], PROFILE)
    assert rate[0]["change"] == 8.9 and rate[0]["change_label"] == "增加8.9个百分点"


def test_synthetic_layouts() -> None:
    text = (
        "株洲日报讯 2月21日，2月20日0-24时，我市新增确诊病例0例，截至2月20日24时，全市累计确诊病例78例，"
        "其中荷塘区21例，累计治愈出院病例52例。\n全省累计报告确诊病例1010例。\n春运期间全市累计完成客运量"
        "1171.73万人次，发放新冠肺炎预防中药44880人份。"
    )
    article = Article(id="t", title="t", date="2020-02-21", byline="", source="t", text=text)
    got = {(f.metric, f.region, f.value, f.asof_key) for f in extract_figures(article, PROFILE)}
    assert got == {
        ("新增确诊", "株洲", "0", "2020-02-20T24:00"),
        ("累计确诊", "株洲", "78", "2020-02-20T24:00"),
        ("累计确诊", "荷塘区", "21", "2020-02-20T24:00"),
        ("累计出院", "株洲", "52", "2020-02-20T24:00"),
        ("累计确诊", "湖南省", "1010", "2020-02-21"),
    }


def test_figures_of_other_places_are_not_labelled_zhuzhou() -> None:
    """National or foreign news ("全球累计确诊…", another city's "本市") is no 株洲 figure."""
    world = Article(id="w", title="全球累计新冠确诊病例达2亿9375万例", date="2022-01-06", byline="", source="cctv.jsonl",
                    text="央视网消息：根据世卫组织统计，全球累计新冠肺炎确诊病例达到293750692例。", paper="")
    beijing = Article(id="b", title="北京新增确诊", date="2020-01-26", byline="", source="dxy.jsonl",
                      text="从1月25日17时至23时，本市累计确诊病例51例，其中东城区1例。", paper="人民日报")
    assert [f for f in extract_figures(world, PROFILE) if f.region == "株洲"] == []
    assert [f for f in extract_figures(beijing, PROFILE) if f.region == "株洲"] == []
    hunan = Article(id="h", title="湖南新增病例", date="2020-02-10", byline="", source="dxy.jsonl",
                    text="截至2月9日24时，株洲市累计报告确诊病例70例。", paper="湖南卫健委")
    assert {(f.metric, f.region, f.value) for f in extract_figures(hunan, PROFILE)} == {("累计确诊", "株洲", "70")}
