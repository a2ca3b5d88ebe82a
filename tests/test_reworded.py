"""Questions in the reader's words, not the paper's (issue 16), on sentences written for these tests: a synonym-worded
prose question gets the answering passage as a quote, without a bold; a question the reports do not cover is still
declined."""

from __future__ import annotations

import pytest

from retrieval.synonyms import synonym_coverage, synonyms
from tests.buildkit import paper_article as article

ARTICLES = (
    article("社区防控再加码", "株洲日报讯 辖区居民若出现发热、咳嗽等症状，须立即向所在社区报告，由社区安排专车送医。"
            "外来车辆一律登记后进入小区。"),
    article("又有患者治愈出院", "株洲日报讯 2月21日，我市又有5名患者治愈出院，累计治愈出院51人。出院患者须回家隔离观察"
            "14天。"),
    article("春运客流", "株洲日报讯 今年春运期间，全市水路客运量同比下降43.5%，铁路客运量同比下降50.2%。"),
    article("企业复工", "株洲日报讯 全市规模工业企业复工率已达92%，员工返岗率78%。"),
    article("清零", "株洲日报讯 渌口区的3例确诊病例已全部治愈出院，成为又一个确诊病例清零的区。"),
    article("金融支持", "株洲日报讯 某药业公司向建行攸县支行申请300万元贷款，用于新上消毒液生产线。"),
)


@pytest.fixture(scope="module")
def engine(small_build):
    return small_build(*ARTICLES)


@pytest.mark.parametrize(("question", "passage"), [
    ("居民发烧了该怎么办", "发热、咳嗽"),  # 发烧: the paper says 发热
    ("病人出院以后还要隔离吗", "回家隔离"),  # 病人: the paper says 患者
    ("坐船的客运量同比降了百分之几", "水路客运量"),  # 百分之几 asks; it is no word the paper must print
    ("渌口还有病人吗", "全部治愈出院"),  # 病人 for 病例: not one 词林 group, the profile's reader_words say it
    ("建设银行给药业公司贷了多少钱", "建行攸县支行"),  # the paper says 建设银行 shortened
])
def test_a_reworded_question_gets_its_passage_without_a_bold(engine, question, passage):
    answer = engine.ask(question)
    assert answer.answered, (question, answer.decline)
    assert answer.answer is None, (question, answer.answer)
    assert passage in answer.sources[0].quote, (question, [s.quote for s in answer.sources])


@pytest.mark.parametrize("question", ["全市防疫咨询热线是多少", "哪家药店还有口罩卖", "中小学什么时候开学"])
def test_a_question_the_reports_do_not_cover_is_still_declined(engine, question):
    answer = engine.ask(question)
    assert not answer.answered and answer.decline.reason == "not_found", (question, answer.sources)


def test_synonyms_count_as_the_word_but_single_characters_and_time_words_do_not():
    assert synonym_coverage({"发烧": 1.0, "病人": 1.0}, "出现发热症状的患者") == 1.0
    assert synonym_coverage({"发烧": 1.0}, "烧水") == 0.0  # 烧 is in 发烧's 词林 group, but alone it matches anything
    assert synonym_coverage({}, "发热") == 0.0
    assert synonym_coverage({"以后": 1.0}, "随后召开座谈会") == 0.0  # time words (词林 C) say when, not what: no synonyms
    assert synonym_coverage({"病人": 1.0}, "确诊病例已全部出院") == 0.0
    assert synonym_coverage({"病人": 1.0}, "确诊病例已全部出院", {"病人": ("病例",)}) == 1.0
    assert synonym_coverage({"建设银行": 1.0}, "向建行申请贷款") == 1.0  # 建行: 建设银行 shortened
    assert synonym_coverage({"建设银行": 1.0}, "组建行动小组") == 0.0  # 组建 + 行动: no word 建行
    assert "患者" in synonyms("病人") and "病人" not in synonyms("病人") and not synonyms("株洲日报")
