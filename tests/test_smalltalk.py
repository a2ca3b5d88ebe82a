"""Small talk, the wording of a conversation's answers, and the state a chat keeps (no engine needed)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from bot import conversation
from config.profile import load_profile
from retrieval import render
from retrieval.answer import Answer, Coverage, Decline
from retrieval.followup import Context, Reading
from retrieval.smalltalk import small_talk

PROFILE = load_profile()


@pytest.mark.parametrize(("text", "kind"), [
    ("你好", "greeting"), ("谢谢你啊", "thanks"), ("多谢！", "thanks"), ("😷", "emoji"), ("👍👍", "emoji"),
    ("thanks!", "thanks_en"), ("hello", "greeting_en"), ("再见", "bye"),
    ("株洲累计确诊多少", None), ("你好，株洲累计确诊多少", None), ("谢谢医护人员的报道有哪些", None),
])
def test_small_talk_kinds(text, kind):
    assert small_talk(text, PROFILE) == kind


def test_small_talk_lines_are_short_and_offer_an_example():
    assert render.small_talk_text("thanks", PROFILE) == f"不客气！还有问题随时问，例如：「{PROFILE.examples[0]}」"
    assert "How many" in render.small_talk_text("greeting_en", PROFILE)


COVERAGE = Coverage(papers=("株洲日报",), more_papers=False, articles=18, first="2020-02-16", last="2020-02-20",
                    places=(), more_places=False, topics=())


def declined() -> Answer:
    return Answer("火星呢", False, None, [], kind="declined", decline=Decline("not_covered", COVERAGE, "火星"))


def test_turn_names_how_each_part_was_read_and_says_coverage_once():
    figure = Answer("q", True, "醴陵市累计出院5例", [], kind="figure")
    one = render.turn_html([(Reading("醴陵市出院多少", Context("出院"), "醴陵市 · 累计出院"), figure)], PROFILE)
    assert one[0] == "「醴陵市 · 累计出院」\n<b>醴陵市累计出院5例</b>"
    plain = render.turn_html([(Reading("株洲累计确诊多少", Context("确诊")), figure)], PROFILE)
    assert plain[0] == "<b>醴陵市累计出院5例</b>"  # asked as written: no reading line
    parts = [(Reading("确诊多少", Context("确诊")), figure), (Reading("火星多少", Context(None)), declined())]
    blocks = render.turn_html(parts, PROFILE)
    assert blocks[0].startswith("「确诊多少」") and any(b.startswith("「火星多少」\n抱歉") for b in blocks)
    again = render.turn_html(parts, PROFILE, said=True)
    assert "现有株洲日报18篇" in "".join(blocks) and "现有株洲日报18篇" not in "".join(again)
    assert "火星" in "".join(again)  # the reason stays


def message(user: int, reply_to: int | None = None, bot_id: int = 1) -> SimpleNamespace:
    replied = SimpleNamespace(message_id=reply_to, from_user=SimpleNamespace(id=bot_id)) if reply_to else None
    return SimpleNamespace(from_user=SimpleNamespace(id=user), reply_to_message=replied)


def test_chat_state_per_user_per_answer_expiry_and_start():
    chat: dict = {}
    first, second = Context("确诊"), Context("出院")
    conversation.remember(chat, message(5), first, [SimpleNamespace(message_id=100)])
    conversation.remember(chat, message(6), second, [SimpleNamespace(message_id=101)])
    assert conversation.previous(chat, message(5), 1, 30) == first  # each user their own
    assert conversation.previous(chat, message(6, reply_to=100), 1, 30) == first  # a reply: that answer's
    assert conversation.previous(chat, message(7), 1, 30) is None
    chat[conversation.KEY][5] = (time.time() - 31 * 60, first)
    assert conversation.previous(chat, message(5), 1, 30) is None  # expired
    conversation.forget(chat, 6)
    assert conversation.previous(chat, message(6), 1, 30) is None


def test_coverage_is_noted_with_the_first_decline():
    chat: dict = {}
    ok = [(None, Answer("q", True, "x", []))]
    no = [(None, declined())]
    assert conversation.coverage_said(chat, ok) is False and conversation.SAID not in chat
    assert conversation.coverage_said(chat, no) is False
    assert conversation.coverage_said(chat, no) is True
    assert conversation.coverage_said({conversation.SAID: "现有株洲日报18篇报道"}, ok) is True  # as kept before
