"""Follow-up resolution (retrieval/followup.py): what a short question inherits, what starts fresh, several questions."""

from __future__ import annotations

import pytest

from config.profile import load_profile
from news.figures import grammar
from retrieval.followup import Context, answered, bare_noun, compare, merge, sibling, split

PROFILE = load_profile()


@pytest.fixture(scope="module")
def gaz():
    return grammar(PROFILE).gazetteer


def talk(gaz, *questions: str, start: Context | None = None) -> list:
    """Each question read after the one before; the readings in order."""
    readings, previous = [], start
    for question in questions:
        reading = merge(previous, question, PROFILE, gaz, 2020)
        readings.append(reading)
        previous = reading.context
    return readings


def test_the_issue_conversation(gaz):
    first, discharged, liling, confirmed = talk(gaz, "株洲累计确诊多少", "那出院呢", "醴陵呢", "确诊呢")
    assert first.label is None and first.question == "株洲累计确诊多少"
    assert discharged.label == "株洲 · 累计出院" and discharged.question == "株洲出院多少"
    assert liling.label == "醴陵市 · 累计出院" and liling.question == "醴陵市出院多少"
    assert confirmed.label == "醴陵市 · 累计确诊" and confirmed.question == "醴陵市确诊多少"


def test_a_day_and_its_qualifier_carry_over(gaz):
    _, confirmed, before = talk(gaz, "2月19日新增出院几例", "那新增确诊呢", "前一天呢")
    assert confirmed.question == "2月19日新增确诊多少" and confirmed.label == "2月19日 · 株洲 · 新增确诊"
    assert before.question == "2月18日新增确诊多少"


def test_relative_day_counts_from_the_answer_when_no_date_was_asked(gaz):
    asked = merge(None, "株洲累计确诊多少", PROFILE, gaz, 2020).context
    yesterday = merge(answered(asked, "2020-02-19T24:00"), "昨天呢", PROFILE, gaz, 2020)
    assert yesterday.question == "2月18日株洲累计确诊多少"


def test_a_total_does_not_make_the_next_thing_a_total(gaz):
    severe = talk(gaz, "株洲累计确诊多少", "那重症呢")[-1]
    assert severe.context.qualifier is None and severe.label == "株洲 · 重症"  # 现有, the thing's default


@pytest.mark.parametrize("question", ["株洲累计出院多少", "疫情防控怎么做呢", "春运期间株洲客运量是多少", "醴陵有几个确诊"])
def test_a_full_or_other_question_starts_fresh(gaz, question):
    reading = talk(gaz, "2月19日新增出院几例", question)[-1]
    assert reading.question == question and reading.label is None


def test_a_question_about_no_measured_thing_is_asked_again_of_the_place_named_next(gaz):
    first, liling, hetang = talk(gaz, "攸县还有病人吗", "那醴玲市呢", "荷塘区呢")  # 醴玲: 醴陵 misspelt
    assert first.label is None and first.context.question == "攸县还有病人吗"
    assert liling.question == liling.label == "醴陵市还有病人吗"
    assert hetang.question == "荷塘区还有病人吗"
    assert talk(gaz, "北汽什么时候复产的", "醴陵呢")[-1].question == "醴陵市北汽什么时候复产的"  # no place: put first
    assert talk(gaz, "你好", "醴陵呢")[-1].question == "醴陵呢"  # no question to ask again


def test_a_question_about_no_measured_thing_is_asked_again_of_the_year_named_next(gaz):
    first, before, again = talk(gaz, "全市2019年地区生产总值增长了多少", "那2018年呢", "2017年的呢")
    assert before.question == before.label == "全市2018年地区生产总值增长了多少"
    assert again.question == "全市2017年地区生产总值增长了多少"
    assert talk(gaz, "大桥什么时候通车", "那2018年呢")[-1].question == "2018年大桥什么时候通车"  # no year: put first
    assert talk(gaz, "株洲累计确诊多少", "那2019年呢")[-1].label is None  # a measured thing's context: no year slot
    assert talk(gaz, "全市地区生产总值增长了多少", "2018年的工业呢")[-1].question == "2018年的工业呢"  # more than a year


def test_a_bare_noun_takes_the_place_of_the_item_a_report_lists_beside_it(gaz):
    report = "今年国庆期间，全市接待游客52万人次，其中景区游客31万人次、乡村民宿游客6.2万人次、红色景点游客4.1万人次。"
    first = merge(None, "国庆期间乡村民宿游客多少", PROFILE, gaz, 2020)
    noun = bare_noun(first.context, "那红色景点呢", PROFILE, gaz, 2020)
    assert noun == "红色景点"
    reading = sibling(first.context, noun, ["与此同时，全市旅游收入增长8%。", report])
    assert reading.question == reading.label == "国庆期间红色景点游客多少"
    assert sibling(first.context, "博物馆", [report]) is None  # no list names it beside 乡村民宿
    assert sibling(first.context, "红色景点", ["红色景点游客4.1万人次，乡村民宿游客6.2万人次。"]) is None  # no list
    misspelt = merge(None, "株州国庆期间乡村民宿游客多少", PROFILE, gaz, 2020)  # the label says the city as read
    assert sibling(misspelt.context, noun, [report]).label == "株洲国庆期间红色景点游客多少"
    for follow in ("那醴陵呢", "那2019年呢", "那出院呢", "红色景点有多少游客"):  # a place, a year, a thing, a question
        assert bare_noun(first.context, follow, PROFILE, gaz, 2020) is None, follow
    counted = merge(None, "株洲累计确诊多少", PROFILE, gaz, 2020)
    assert bare_noun(counted.context, "那红色景点呢", PROFILE, gaz, 2020) is None  # a measured thing's context


def test_a_measured_thing_alone_after_a_general_question_asks_its_figure(gaz):
    _, discharged = talk(gaz, "北汽什么时候复产的", "那出院呢")
    assert discharged.label == "株洲 · 累计出院" and discharged.question == "出院多少"
    _, confirmed = talk(gaz, "攸县还有病人吗", "那确诊呢")  # of the place the last question named
    assert confirmed.label == "攸县 · 累计确诊"
    assert talk(gaz, "北汽什么时候复产的", "出院了几个人")[-1].label is None  # a full question: asked as written


def test_no_context_no_change(gaz):
    for question in ("那出院呢", "醴陵呢", "How many people recovered?"):
        reading = merge(None, question, PROFILE, gaz, 2020)
        assert reading.question == question and reading.label is None


def test_several_questions_in_one_message():
    assert split("醴陵有几个确诊，出院了几个", PROFILE) == ["醴陵有几个确诊", "出院了几个"]
    assert split("确诊多少 出院多少 重症多少 在院多少", PROFILE) == ["确诊多少", "出院多少", "重症多少", "在院多少"]
    assert split("截至2月16日，株洲累计出院多少例？", PROFILE) == ["截至2月16日，株洲累计出院多少例？"]
    assert split("How many confirmed cases in Zhuzhou?", PROFILE) == ["How many confirmed cases in Zhuzhou?"]


def test_later_parts_inherit_from_earlier_ones(gaz):
    first = merge(None, "醴陵有几个确诊", PROFILE, gaz, 2020)
    second = merge(first.context, "出院了几个", PROFILE, gaz, 2020, within=True)
    assert second.question == "醴陵市出院多少" and second.label == "醴陵市 · 累计出院"
    fresh = merge(first.context, "出院了几个", PROFILE, gaz, 2020)  # a new message: asked afresh, of the home city …
    assert fresh.question == "出院了几个" and fresh.label == "株洲 · 累计出院"  # … and the reply says so
    assert merge(None, "出院了几个", PROFILE, gaz, 2020).label is None  # nothing before: nothing to say


def test_a_comparison_asks_both_figures_and_computes_nothing(gaz):
    asked = answered(merge(None, "株洲累计确诊多少", PROFILE, gaz, 2020).context, "2020-02-19T24:00")
    later, earlier = compare(asked, "比前天多了多少", PROFILE, gaz, 2020)
    assert (later.question, earlier.question) == ("2月19日株洲累计确诊多少", "2月17日株洲累计确诊多少")
    assert earlier.label == "2月17日 · 株洲 · 累计确诊"
    assert [r.question for r in compare(asked, "比昨天增加了几例", PROFILE, gaz, 2020)][1] == "2月18日株洲累计确诊多少"
    assert compare(None, "比前天多了多少", PROFILE, gaz, 2020) == []
    assert compare(asked, "株洲累计确诊多少", PROFILE, gaz, 2020) == []


def test_an_english_follow_up_reads_a_place_in_pinyin(gaz):
    _, liling, discharged = talk(gaz, "How many confirmed cases in Zhuzhou?", "What about Liling?", "And discharged?")
    assert liling.context.place == "醴陵市" and liling.context.thing == "确诊"
    assert discharged.context.place == "醴陵市" and discharged.context.thing == "出院"
    hetang = talk(gaz, "How many confirmed cases in Liling?", "What about Hetang District?")[-1]  # district → 区
    assert hetang.context.place == "荷塘区" and hetang.context.thing == "确诊", hetang
