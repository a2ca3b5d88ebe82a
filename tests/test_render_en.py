"""English wording for English questions (retrieval/render_en.py): labels and as-of in English, quotes as printed."""

from __future__ import annotations

from config.profile import load_profile
from retrieval import render
from retrieval.answer import Answer, Coverage, Decline, Source

PROFILE = load_profile()
QUOTE = Source("好消息", "2020-02-20", "截至2月19日24时，我市累计出院40例", "a.txt", 1.0)


def test_english_question_gets_english_labels_and_chinese_quotes():
    answer = Answer("How many people recovered?", True, "累计出院46人（截至2020年2月20日下午）", [QUOTE],
                    note="此前（截至2020年2月19日24时）为40例", kind="figure")
    head, quote = render.answer_html(answer, PROFILE)
    assert head == ("<b>Zhuzhou total discharged: 46 (as of 20 Feb 2020 afternoon)</b>\n"
                    "<i>before: (as of 19 Feb 2020 24:00) 40</i>")
    assert "截至2月19日24时，我市累计出院40例" in quote


def test_places_periods_and_declines():
    place = Answer("How many confirmed in Hubei?", True, "湖北省新增确诊2618例（2020年2月9日0—24时）", [], kind="figure")
    assert render.answer_html(place, PROFILE)[0] == "<b>湖北省 new confirmed cases: 2618 (9 Feb 2020)</b>"
    coverage = Coverage(("株洲日报",), False, 18, "2020-02-16", "2020-02-20", ("株洲",), False, ("疫情",))
    declined = Answer.declined("How many cases on Mars?", Decline("not_found", coverage))
    blocks = render.answer_html(declined, PROFILE)
    assert blocks[0] == "Sorry: no report on this was found." and "How many confirmed cases in Zhuzhou?" in blocks[-1]
    other_year = Answer.declined("How many cases in 2021?", Decline("other_year", coverage, "2020"))
    assert render.answer_html(other_year, PROFILE)[0] == "Sorry: there are only reports from 2020."
    assert blocks[-1].endswith(", or send /latest for the newest figures.")  # no Chinese left in the reply's words


def test_chinese_question_keeps_chinese_wording():
    answer = Answer("株洲累计出院多少", True, "累计出院46人（截至2020年2月20日下午）", [QUOTE], kind="figure")
    assert render.answer_html(answer, PROFILE)[0] == "<b>累计出院46人（截至2020年2月20日下午）</b>"


def test_every_decline_reason_has_english_words():
    from retrieval import render_en

    assert set(render_en.REASONS) == set(render.REASONS)
