"""Typed spans (news/spans.py) and folding (news/text.py): what the sentence path may put in bold."""

from __future__ import annotations

import pytest

from news.spans import answers, find_spans
from news.text import NUMBER, fold, written_forms


def spans(text: str) -> list[tuple[str, str]]:
    folded = fold(text)
    return [(folded[s.start : s.end], s.type) for s in find_spans(folded)]


@pytest.mark.parametrize(("text", "expected"), [
    ("新馆可容纳8,352名观众", [("8,352名", "number")]),
    ("全县人口为2,310,400人", [("2,310,400人", "number")]),
    ("水库始建于1962年，1987年扩建", [("1962年", "year"), ("1987年", "year")]),
    ("大桥于2011年9月30日通车", [("2011年9月30日", "date")]),
    ("工期约三个月", [("三个月", "duration")]),
    ("渠道全长二十多公里", [("二十多公", "number")]),
    ("游客增长了12.5%，占比百分之四十", [("12.5%", "percent"), ("百分之四十", "percent")]),
    ("两岸共有十五座码头", [("十五座", "number")]),
    ("秦始皇于公元前214年修筑灵渠", [("公元前214年", "year")]),
    ("上世纪70年代兴建", [("70年代", "year")]),
    ("早上8时30分开馆", [("8时30分", "clock")]),
    ("统一规划，唯一的出口", []),
    ("美国气象部门27日表示，3号线停运", []),  # a day of the month and a name count nothing
    ("27日共有27人获救", [("27人", "number")]),
    ("该港是全国第三大港口，排名前五名", [("第三大", "ordinal"), ("前五名", "ordinal")]),  # a rank, not a count
    ("瘟疫夺走了三分之一的人口", [("三分之一", "percent")]),
    ("市县两级1500余名驻村帮扶干部", [("1500余名", "number")]),  # 两级 names the tiers the count is in
    ("民国二十年建校，乾隆三十年重修，历时十年", [("民国二十年", "year"), ("乾隆三十年", "year"), ("十年", "duration")]),
    ("2019年春运结束，2018年秋季开学", [("2019年", "year"), ("2018年秋季", "date")]),  # 春运 is no season
    ("七月初十，平安攻北平；十月廿一，入松亭关", [("七月初十", "date"), ("十月廿一", "date")]),  # lunar days
])
def test_spans_are_typed_and_keep_their_printed_form(text, expected):
    assert spans(text) == expected


def test_a_unit_of_the_asked_dimension():
    from news.spans import fits

    assert fits("length", "米高") and fits("length", "多万公里") and fits("area", "平方米") and fits("weight", "余吨")
    assert not fits("length", "层展厅") and not fits("weight", "平方米")


def test_thousands_separators_are_one_number_everywhere():
    assert NUMBER.findall("8,352名观众与1,234,567人次，另有12.5%") == ["8,352", "1,234,567", "12.5"]


def test_a_year_question_wants_a_year_and_when_takes_a_year_or_a_date():
    folded = fold("大桥1999年动工，2001年5月1日通车，耗时两年")
    year, date, duration = find_spans(folded)
    assert answers("year", year) and answers("year", date) and not answers("year", duration)
    assert answers("when", year) and answers("when", date)
    assert answers("duration", duration) and not answers("count", year)
    month = find_spans(fold("5月1日通车"))[0]
    assert not answers("year", month)  # a date without its year does not say which year


def test_folding_keeps_offsets_and_reads_traditional_and_full_width():
    text = "臺灣桃園機場第２航廈，旅客ＡＢＣ"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded == "台湾桃园机场第2航厦，旅客abc"
    assert "，" in folded  # punctuation keeps its width: the answer rules read the paper's "，"


def test_a_simplified_word_is_looked_for_in_its_traditional_forms_too():
    assert {"台湾", "臺灣"} <= written_forms("台湾")
