"""The answer engine on the seed pages with the real model and real FAISS: figures, dates, quotes, declines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.profile import load_profile
from retrieval import render
from retrieval.answer import Answer, Source, enforce_faithfulness, is_faithful
from retrieval.engine import Engine

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.backends]


@pytest.fixture(scope="module")
def engine(seed_engine) -> Engine:
    return seed_engine


@pytest.fixture(scope="module")
def real_articles():
    from index.sources import scan

    return scan(ROOT / "data" / "articles", 2020, PROFILE).articles


def squash(text: str) -> str:
    return "".join(text.split())


def assert_faithful(answer: Answer) -> None:
    """Every number of the direct answer is printed in a quote (or its shown date)."""
    allowed = " ".join(s.quote + " " + (s.date or "") for s in answer.sources)
    for number in re.findall(r"\d+(?:\.\d+)?", answer.answer or ""):
        assert number in allowed or str(int(float(number))) in re.findall(r"\d+", allowed), number


def test_cumulative_confirmed_newest_report_with_asof(engine):
    answer = engine.ask("株洲累计确诊多少")
    assert answer.answered
    assert answer.answer.startswith("累计确诊78例")
    assert "2020年2月19日24时" in answer.answer  # the newer of the two reports of 78
    assert "截至2月19日24时" in answer.sources[0].quote
    assert answer.sources[0].date == "2020-02-20"
    assert answer.sources[0].source == "000_b7adce7465891e7b.txt"
    assert_faithful(answer)


@pytest.mark.parametrize(
    ("question", "expected", "stale"),
    [
        ("株洲在院治疗的有多少人", "38例", "45"),  # 45 on 16 Feb, 38 on 19 Feb
        ("株洲累计出院多少人", "46", "40"),  # 33 → 40 → 46
        ("醴陵市有多少家规模工业企业复工复产了？", "321", "267"),
    ],
)
def test_newest_report_wins(engine, question, expected, stale):
    answer = engine.ask(question)
    assert expected in answer.answer
    assert stale not in answer.answer.split("（")[0]
    assert_faithful(answer)


def test_newest_answer_mentions_history(engine):
    answer = engine.ask("株洲现在在院治疗多少例")
    assert "38" in answer.answer and answer.note and "45" in answer.note
    assert any("45例在院治疗" in s.quote for s in answer.sources)


@pytest.mark.parametrize(
    ("question", "expected", "asof"),
    [
        ("截至2月16日，株洲累计出院多少例？", "33", "2020年2月16日24时"),
        ("截至2月16日株洲在院治疗多少例", "45", "2020年2月16日24时"),
        ("2月19日株洲新增确诊病例多少", "0例", "2020年2月19日"),
    ],
)
def test_question_naming_a_date_gets_that_dates_figure(engine, question, expected, asof):
    answer = engine.ask(question)
    assert expected in answer.answer and asof in answer.answer
    assert_faithful(answer)


@pytest.mark.parametrize(
    ("question", "expected", "source"),
    [
        ("荷塘区有多少确诊病例", "21", "荷塘区有21例"),
        ("春运期间株洲客运量是多少", "1171.73", "1171.73万人次"),
        ("寄递企业复工率是多少", "84%", "复工率84%"),
        ("步步高集团捐赠了多少钱的防疫物资", "16.29万元", "16.29万元"),
        ("北汽株洲分公司什么时候恢复生产", "2月16日", "2月16日8时许"),
        ("湖北返回株洲的人要隔离多少天", "14天", "集中隔离观察14天"),
        ("北汽株洲分公司领到了多少个口罩", "17万", "17万个口罩"),
        ("全市有多少驻村帮扶干部参与防疫", "1500余名", "1500余名"),
        ("株洲累計確診多少", "78", "确诊病例78例"),  # traditional characters
        ("How many confirmed cases in Zhuzhou?", "78", "确诊病例78例"),  # English
        ("株洲的治愈率是多少", "58.9%", "58.9%"),
    ],
)
def test_extractive_answers_quote_their_source(engine, question, expected, source):
    answer = engine.ask(question)
    assert answer.answered and answer.answer and expected in answer.answer
    assert source in squash(answer.sources[0].quote)
    assert_faithful(answer)


def test_quotes_are_verbatim_and_not_repeated(engine, real_articles):
    answer = engine.ask("攸县的确诊病例都出院了吗")
    assert "攸县的7例确诊病例已全部治愈出院" in answer.answer
    texts = {a.id: a.title + a.text for a in real_articles}
    quotes = [s.quote for s in answer.sources]
    assert len(quotes) == len(set(quotes)) and 1 <= len(quotes) <= 3
    for source in answer.sources:
        assert source.quote in texts[source.article_id]


@pytest.mark.parametrize(
    "question",
    ["今天北京的天气怎么样？", "推荐一部好看的电影", "上海累计确诊多少例", "2019年株洲的GDP是多少", "你好", "？？？", ""],
)
def test_out_of_scope_questions_are_declined(engine, question):
    answer = engine.ask(question)
    assert not answer.answered and answer.answer is None and answer.sources == [] and answer.decline is not None
    note = render.note(answer)
    assert "株洲" in note and "2020年2月" in note  # says what the corpus covers


def test_json_shape(engine):
    data = render.answer_json(engine.ask("株洲累计确诊多少"))
    assert set(data) >= {"question", "answered", "answer", "sources"}
    assert set(data["sources"][0]) >= {"title", "date", "quote", "source", "score"}


def test_latest_figures_newest_with_change(engine):
    rows = {(r["metric"], r["region"]): r for r in engine.latest()}
    in_hospital = rows[("在院治疗", "株洲")]
    assert in_hospital["value"] == "38" and in_hospital["change"] == -7
    assert in_hospital["previous"]["value"] == "45"
    assert rows[("累计出院", "株洲")]["value"] == "46"
    assert rows[("累计确诊", "株洲")]["asof_key"] == "2020-02-19T24:00"


# --- faithfulness, without the model -----------------------------------------------------------------

def _src(quote: str, date: str = "2020-02-20") -> Source:
    return Source(title="t", date=date, quote=quote, source="f.txt", score=1.0)


def test_faithfulness_accepts_numbers_from_quotes_and_dates():
    assert is_faithful("累计确诊78例（截至2020年2月19日24时）", [_src("截至2月19日24时，我市累计报告确诊病例78例")])


def test_faithfulness_rejects_an_invented_number():
    answer = Answer("q", True, "累计确诊79例（截至2020年2月19日24时）", [_src("截至2月19日24时，累计确诊病例78例")])
    assert not is_faithful(answer.answer, answer.sources)
    enforced = enforce_faithfulness(answer)
    assert enforced.answer is None and enforced.sources  # the quotes still stand
    assert enforced.kind == "quotes"


def test_faithfulness_rejects_a_rounded_decimal():
    assert not is_faithful("治愈率59%", [_src("治愈率已达58.9%")])


def test_faithfulness_drops_an_unsupported_history_note():
    answer = Answer("q", True, "累计确诊78例", [_src("累计确诊病例78例")], note="此前为77例")
    assert enforce_faithfulness(answer).note is None and answer.answer == "累计确诊78例"
