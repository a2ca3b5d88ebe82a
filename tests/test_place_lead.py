"""A question about one of the home city's districts that gets quotes (攸县还有病人吗) leads with a sentence naming that
district in its own words, and of those one about that district alone, not a list of every district (issue 16), on
sentences written for these tests."""

from __future__ import annotations

import pytest

from tests.buildkit import paper_article as article

ARTICLES = (
    article("渌口区防控不松劲", "株洲日报讯 区委书记表示，哪怕还有一例病例，哪怕还有一名密切接触者，我们就要继续战斗下去。"),
    article("各区县确诊病例分布", "株洲日报讯 截至2月18日24时，全市确诊病例中荷塘区21例、渌口区3例、醴陵市8例、攸县7例。"),
    article("渌口区清零", "株洲日报讯 值得一提的是，渌口区的3例确诊病例已全部治愈出院，成为又一个清零的区。"),
    article("醴陵复工", "株洲日报讯 醴陵市召开企业复工复产调度会。截至2月20日，该市已有321家规模工业企业复工复产。"),
)


@pytest.fixture(scope="module")
def engine(small_build):
    return small_build(*ARTICLES)


@pytest.mark.parametrize(("question", "lead"), [
    ("渌口还有病人吗", "渌口区"),  # not 哪怕还有一例病例 (its headline names 渌口; the sentence does not)
    ("渌口区还有确诊病例吗", "全部治愈出院"),  # of those that name it, not the list of every district's count
    ("醴陵规模工业企业复工情况怎么样", "321家"),  # 该市 after a sentence that names 醴陵市 names it too
])
def test_a_sentence_about_the_district_alone_leads(engine, question, lead):
    answer = engine.ask(question)
    assert answer.answered and answer.answer is None, (question, answer.answer)
    assert lead in answer.sources[0].quote, (question, [s.quote for s in answer.sources])
    assert len(answer.sources) > 1  # the others stay, after it


def test_no_district_named_keeps_the_order(engine):
    answer = engine.ask("还有病人吗")
    assert answer.answered
    assert "全部治愈出院" not in answer.sources[0].quote or len(answer.sources) == 1, [s.quote for s in answer.sources]
