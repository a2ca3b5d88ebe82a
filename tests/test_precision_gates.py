"""The three wrong bold figures of the blind run, as classes, on sentences written for these tests: an English
qualifier word (active → 现有), an English count phrased without "how many", and a later report that gives the
measure only in its headline (a figure older than it is not "current")."""

from __future__ import annotations

import pytest

from news.records import Article
from retrieval.facts import figure_answer, mentions_metric
from retrieval.normalize import normalize
from retrieval.scope import needs_fact


def article(text: str, date: str, title: str = "疫情通报", aid: str = "a1") -> Article:
    return Article(id=aid, title=title, date=date, byline="", source="t.jsonl", text=text, paper="甘肃卫健委")


@pytest.fixture
def ask(profile, gaz, small_build):
    """``ask(question, *articles)``: the fact answer to ``question`` from a real small build of ``articles``."""
    return lambda question, *articles: figure_answer(
        normalize(question, profile, gaz), small_build(*articles).snapshot, profile, gaz, 2020)


GANSU = article("截至3月4日24时，甘肃省累计确诊病例102例，治愈出院88例，死亡2例，现有确诊病例12例。", "2020-03-05")


@pytest.mark.parametrize("word", ["active", "current", "existing"])
def test_an_english_qualifier_word_asks_for_that_qualifier(ask, word):
    got = ask(f"How many {word} confirmed cases did Gansu have as of March 4?", GANSU)
    assert got is not None and "现有确诊12例" in got.answer and "102" not in got.answer


def test_an_english_count_without_how_many_is_a_count_from_the_facts(ask, profile, gaz, small_build):
    got = ask("What was Gansu's cumulative death toll as of March 4?", GANSU)
    assert got is not None and "死亡2例" in got.answer
    # any English question about a measure is answered from a bound fact or with quotes, never a nearby clause
    assert needs_fact(normalize("What was Gansu's death count in March?", profile, gaz), profile)
    assert not needs_fact(normalize("When did Gansu report its first death?", profile, gaz), profile)


OLDER = article("截至3月20日24时，甘肃省累计报告境外输入确诊病例5例。", "2020-03-21", aid="old")
NEWER_BODY = "截至3月21日24时，甘肃省累计报告确诊病例136例，治愈出院119例。"


def test_a_later_headline_with_the_measure_makes_an_older_figure_quotes_only(ask):
    newer = article(NEWER_BODY, "2020-03-22", title="甘肃21日通报：累计报告境外输入确诊病例9例", aid="new")
    assert ask("甘肃累计境外输入确诊病例多少", OLDER, newer) is None


def test_a_later_report_silent_on_the_measure_keeps_the_older_figure_with_a_note(ask):
    newer = article(NEWER_BODY, "2020-03-22", title="甘肃21日通报：无新增确诊病例", aid="new")
    got = ask("甘肃累计境外输入确诊病例多少", OLDER, newer)
    assert got is not None and "5例" in got.answer and "最新通报未提及" in got.note


def test_mentions_metric_needs_the_part_the_thing_a_number_and_no_other_qualifier(profile):
    assert mentions_metric("累计报告境外输入确诊病例9例", "累计境外输入确诊", profile)
    assert not mentions_metric("累计报告确诊病例136例", "累计境外输入确诊", profile)
    assert not mentions_metric("新增境外输入确诊病例2例", "累计境外输入确诊", profile)
    assert not mentions_metric("境外输入确诊病例持续增加", "累计境外输入确诊", profile)
    assert not mentions_metric("累计境外输入确诊10例", "累计确诊", profile)
    assert mentions_metric("累计确诊136例", "累计确诊", profile)


def test_a_later_headline_about_another_place_is_no_report_of_this_one(ask):
    newer = article("3月21日0—24时，甘肃省无新增确诊病例，累计报告确诊病例136例。", "2020-03-22",
                    title="宁夏21日通报：累计报告境外输入确诊病例9例", aid="new")
    got = ask("甘肃累计境外输入确诊病例多少", OLDER, newer)
    assert got is not None and "5例" in got.answer
