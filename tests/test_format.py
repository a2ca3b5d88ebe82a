"""Rendering is pure: escaping, the 4096-character limit, splits only between whole HTML blocks, the same
words in HTML (Telegram) and plain text (terminal), the as-of phrase by the figure's kind."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from typing import get_args

from bot.format import LIMIT, first_messages, split_blocks
from config.profile import load_profile
from news.records import Article
from retrieval.answer import Answer, Coverage, Decline, Reason, Source
from retrieval.render import (
    REASONS,
    answer_html,
    answer_json,
    answer_text,
    article_html,
    asof_phrase,
    decline_note,
    latest_html,
    latest_text,
)

PROFILE = load_profile()

ALLOWED = {"b", "i", "blockquote", "a", "code", "pre", "u", "s"}
TAGS = re.compile(r"</?[a-z]+>")


class TagChecker(HTMLParser):
    """Fails on unbalanced or unknown tags: what Telegram's HTML parser would reject."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.errors.append(f"unknown <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(f"unbalanced </{tag}>")


def valid_html(text: str) -> bool:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    return not checker.errors and not checker.stack


def source(quote: str, title: str = "标题") -> Source:
    return Source(title=title, date="2020-02-20", quote=quote, source="000.txt", score=1.0, paper="株洲日报")


def test_user_and_corpus_text_is_escaped():
    hostile = 'a<b>c</blockquote>*_`&<script>'
    answer = Answer(hostile, True, f"累计确诊78例 {hostile}", [source(hostile, title=hostile)], note=hostile)
    for message in split_blocks(answer_html(answer, PROFILE)):
        assert valid_html(message), message
        assert "<script>" not in message and "&lt;script&gt;" in message


def test_long_answer_is_split_between_quotes_and_stays_valid():
    quotes = [source("很长的引文" * 300 + str(i)) for i in range(6)]  # 6 × ~1,500 characters
    messages = split_blocks(answer_html(Answer("q", True, "答案", quotes), PROFILE))
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= LIMIT
        assert valid_html(message)
        assert message.count("<blockquote>") == message.count("</blockquote>")
    joined = "".join(messages)
    assert all(q.quote in joined for q in quotes)  # nothing lost at the splits


def test_split_never_exceeds_the_limit_even_for_one_huge_block():
    huge = "\n".join(f"第{i}段" + "字" * 500 for i in range(40))
    messages = split_blocks(["<b>标题</b>", huge])
    assert all(len(m) <= LIMIT for m in messages)
    assert "".join(m.replace("\n", "") for m in messages).count("字") == 40 * 500


def test_article_pages_are_bounded_and_escaped():
    article = Article(id="x", title="<标题>", date="2020-02-20", byline="记者 A", source="f.txt",
                      text="\n".join("段落" * 400 for _ in range(30)))
    messages = first_messages(article_html(article), max_messages=3)
    assert len(messages) == 3 and all(len(m) <= LIMIT and valid_html(m) for m in messages)
    assert "&lt;标题&gt;" in messages[0] and messages[-1].endswith("已截断）")


COVERAGE = Coverage(papers=("株洲日报", "人民日报"), more_papers=True, articles=18, first="2020-02-16",
                    last="2020-02-20", places=("株洲", "荷塘区", "芦淞区"), more_places=True, topics=("疫情通报", "复工"))


def test_declined_answer_has_no_quotes():
    declined = Answer.declined("q", Decline("not_found", COVERAGE))
    blocks = answer_html(declined, PROFILE)
    assert blocks[0] == ("抱歉，没有找到相关报道。现有株洲日报、人民日报等18篇报道（2020年2月16日至2020年2月20日），"
                         "主要是株洲、荷塘区、芦淞区等地的疫情通报、复工。")
    assert not any("<blockquote>" in b for b in blocks) and answer_text(declined, PROFILE).startswith(blocks[0])
    assert answer_json(declined)["note"] == blocks[0][3:-1] and answer_json(declined)["kind"] == "declined"


def test_every_decline_reason_is_worded_with_its_subject():
    assert set(REASONS) == set(get_args(Reason))
    place = Decline("place_unanswered", dataclasses.replace(COVERAGE, topics=(), first="2020-02-20"), "武汉")
    assert decline_note(place) == "现有报道没有回答这个关于武汉的问题。现有株洲日报、人民日报等18篇报道（2020年2月20日）"
    assert decline_note(Decline("other_year", COVERAGE, "2020")).startswith("这里只有2020年的报道。现有")


def test_latest_is_compact_and_valid():
    rows = [
        {"metric": "在院治疗", "region": "株洲", "value": "38", "unit": "例", "asof_label": "2020年2月19日24时",
         "previous": {"value": "45", "unit": "例", "asof_label": "2020年2月16日24时"}, "change_label": "减少7例",
         "article_id": "a"},
        {"metric": "累计确诊", "region": "荷塘区", "value": "21", "unit": "例", "asof_label": "2020年2月16日24时",
         "previous": None, "change_label": None, "article_id": "b"},
    ]
    [message] = split_blocks(latest_html(rows, PROFILE))
    assert valid_html(message)
    assert "在院治疗：<b>38例</b>（截至2020年2月19日24时），较2020年2月16日24时的45例减少7例" in message
    assert "<b>各区县（截至2020年2月16日24时）</b>\n• 荷塘区：累计确诊21例" in message


def test_latest_lists_every_district_once_with_its_note_said_once():
    note = "最新通报未提及，以下为2月16日数字"
    rows = [{"metric": "累计确诊", "region": "株洲", "value": "78", "unit": "例", "asof_label": "2020年2月19日24时"}]
    rows += [{"metric": metric, "region": f"第{i}区", "value": str(i), "unit": "例", "asof_label": "2020年2月16日24时",
              "note": note} for i in range(1, 301) for metric in ("累计确诊", "累计出院")]
    messages = split_blocks(latest_html(rows, PROFILE))
    text = "\n".join(messages)
    assert len(messages) > 1 and all(len(m) <= LIMIT and valid_html(m) for m in messages)
    assert all(f"• 第{i}区：累计确诊{i}例，累计出院{i}例\n" in text + "\n" for i in range(1, 301))  # no cap
    assert text.count(note) == 1 and latest_text(rows, PROFILE).count(note) == 1
    short = latest_html(rows, PROFILE, short=True)
    assert len(short) == 2 and short[1] == "各区县（300个）的数字：点下面的按钮查看。"


def test_html_and_plain_text_say_the_same_words():
    answer = Answer("株洲累计确诊多少", True, "累计确诊78例（截至2020年2月19日24时）",
                    [source("截至2月19日24时，我市累计报告新冠肺炎确诊病例78例。"), source("此前为72例。", title="旧")],
                    note="此前（截至2020年2月16日24时）为72例")
    html, text = "\n\n".join(answer_html(answer, PROFILE)), answer_text(answer, PROFILE)
    plain = TAGS.sub("", html)
    for words in ("累计确诊78例（截至2020年2月19日24时）", "此前（截至2020年2月16日24时）为72例",
                  "截至2月19日24时，我市累计报告新冠肺炎确诊病例78例。", "标题 · 株洲日报（2020年2月20日讯）",
                  "旧 · 株洲日报（2020年2月20日讯）"):
        assert words in plain and words in text
    assert "000.txt" not in plain + text  # a reader sees the paper and its date, not a file name
    assert "<b>累计确诊78例（截至2020年2月19日24时）</b>" in html and "[2] “此前为72例。”" in text
    no_figure = Answer("q", True, None, [source("引文")], kind="quotes")
    assert answer_html(no_figure, PROFILE)[0] == answer_text(no_figure, PROFILE).splitlines()[0] == "没有能直接给出的答案，以下是最相关的原文："
    told = Answer("q", True, None, [source("引文")], kind="quotes", note="报道没有单独提到长沙；以下是对湖北省以外地区的说法。")
    assert answer_html(told, PROFILE)[0].endswith("<i>报道没有单独提到长沙；以下是对湖北省以外地区的说法。</i>")  # how the
    assert answer_text(told, PROFILE).splitlines()[1] == told.note  # quotes were chosen is said with them


def test_asof_phrase_follows_the_figure_kind_and_a_note_is_shown():
    row = {"metric": "累计确诊", "region": "株洲", "value": "78", "unit": "例", "asof_label": "2020年2月19日24时"}
    assert asof_phrase(row) == "截至2020年2月19日24时"
    assert asof_phrase(row | {"period": True}) == "2020年2月19日24时"  # the row's kind decides, not its name
    assert asof_phrase(row | {"asof_phrase": "截至2020年2月19日"}) == "截至2020年2月19日"  # the row's own phrase
    assert asof_phrase(row | {"period": True, "value": "无"}) == "2020年2月19日24时"
    assert asof_phrase(row | {"metric": "新增确诊", "period": False}) == "截至2020年2月19日24时"
    noted = row | {"note": "最新通报未提及，以下为2月19日数字"}
    [message] = split_blocks(latest_html([noted], PROFILE))
    assert valid_html(message) and "<i>最新通报未提及，以下为2月19日数字</i>" in message
    assert "累计确诊：78例（截至2020年2月19日24时）\n  最新通报未提及，以下为2月19日数字" in latest_text([noted], PROFILE)


def test_a_source_shows_paper_publication_date_page_and_dateline_apart():
    from retrieval.render import cite

    assert cite("标题", "株洲日报", "2020-02-21", "2020-02-20", "A1") == "标题 · 株洲日报 2020年2月21日 A1版（2月20日讯）"
    assert cite("标题", "人民日报", "2020-02-05", "2020-02-05") == "标题 · 人民日报 2020年2月5日"
    assert cite("标题", "株洲日报", None, "2020-02-20", "A1") == "标题 · 株洲日报 A1版（2020年2月20日讯）"
    assert cite("标题", "", None, None) == "标题 · 日期不详"


def test_truncated_article_stays_within_the_limit():
    article = Article(id="x", title="t", date=None, byline="", source="f.txt", text="字" * (LIMIT * 8))
    messages = first_messages(article_html(article), max_messages=2)
    assert len(messages) == 2 and all(len(m) <= LIMIT for m in messages) and messages[-1].endswith("已截断）")
    assert messages[0] == "<b>t</b>\n日期不详"  # no file name: the paper and its date, or that it is unknown
