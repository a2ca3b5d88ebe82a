"""Handlers offline, the way python-telegram-bot's own tests do it: a recording BaseRequest,
Update.de_json and Application.process_update — with the real engine behind them."""

from __future__ import annotations

import json
import time

import pytest
from telegram import Update

from bot.app import build_application
from tests.fakes import ADMIN, USER, RecordingRequest, button_update, message_update
from tests.test_format import valid_html

pytestmark = pytest.mark.slow


@pytest.fixture
async def bot(seed_settings, seed_engine):
    request = RecordingRequest()
    # no "typing…" unless a test asks for it: on a loaded machine an answer can take longer than the default 0.3 s
    settings = seed_settings.model_copy(update={"typing_after": 60})
    app = build_application(settings, engine=seed_engine, request=request, get_updates_request=request)
    await app.initialize()
    yield app, request
    await app.shutdown()


async def test_question_gets_answer_quotes_and_buttons(bot):
    app, request = bot
    await app.process_update(message_update(app, "株洲累计确诊多少"))
    assert request.sent("sendChatAction") == []  # a fast answer needs no "typing…" (typing_after)
    reply = request.sent()[-1]
    assert reply["parse_mode"] == "HTML"
    assert "<b>累计确诊78例（截至2020年2月19日24时）</b>" in reply["text"]
    assert "<blockquote>截至2月19日24时，我市累计报告新冠肺炎确诊病例78例" in reply["text"]
    assert "· 株洲日报 A1版（2020年2月20日讯）" in reply["text"] and ".txt" not in reply["text"]  # paper and date, no file
    buttons = reply["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["更多来源", "查看全文"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)


async def test_source_buttons(bot):
    app, request = bot
    await app.process_update(message_update(app, "株洲累计确诊多少"))
    buttons = request.sent()[-1]["reply_markup"]["inline_keyboard"][0]
    for button in buttons:
        await app.process_update(button_update(app, button["callback_data"]))
    texts = [m["text"] for m in request.sent()]
    more = next(t for t in texts if t.startswith("<b>更多来源</b>"))
    assert "\n4. " in more and "\n1. " not in more  # numbered on from the three quotes of the answer
    assert any(t.startswith("<b>好消息 我市连续5天无新增病例") and "株洲日报记者 刘琼" in t for t in texts)
    assert len(request.sent("answerCallbackQuery")) == 2


async def test_latest_lists_newest_figures_with_change(bot):
    app, request = bot
    await app.process_update(message_update(app, "/latest"))
    text = request.sent()[-1]["text"]
    assert "在院治疗：<b>38例</b>（截至2020年2月19日24时），较2020年2月16日24时的45例减少7例" in text
    assert "累计确诊：<b>78例</b>" in text
    for district in ("荷塘区：累计确诊21例，累计出院8例", "醴陵市：累计确诊8例，累计出院5例", "茶陵县：累计确诊11例"):
        assert district in text  # every district, no cap
    assert text.count("最新通报未提及") == 1  # the note once, not per row


async def test_latest_in_a_group_is_short_with_a_button_for_the_districts(bot):
    app, request = bot
    await app.process_update(message_update(app, "/latest", chat_type="group", chat_id=-100))
    reply = request.sent()[-1]
    assert "累计确诊：<b>78例</b>" in reply["text"] and "荷塘区" not in reply["text"]
    assert "各区县（8个）的数字" in reply["text"]
    [[button]] = reply["reply_markup"]["inline_keyboard"]
    before = len(request.sent())
    await app.process_update(button_update(app, button["callback_data"]))
    rest = "\n".join(m["text"] for m in request.sent()[before:])
    assert "醴陵市：累计确诊8例" in rest and "累计确诊：<b>78例</b>" not in rest


async def test_group_message_not_addressed_to_bot_is_ignored(bot):
    app, request = bot
    await app.process_update(message_update(app, "株洲累计确诊多少", chat_type="group", chat_id=-100))
    assert request.sent() == []


async def test_group_mention_reply_and_ask_are_answered(bot):
    app, request = bot
    mention = [{"type": "mention", "offset": 0, "length": len("@zz_news_bot")}]
    await app.process_update(message_update(app, "@zz_news_bot 株洲累计确诊多少", chat_type="group", chat_id=-100, entities=mention))
    await app.process_update(message_update(app, "荷塘区有多少确诊病例", chat_type="group", chat_id=-100, reply_to_bot=True))
    await app.process_update(message_update(app, "/ask 春运期间株洲客运量是多少", chat_type="group", chat_id=-100))
    texts = [m["text"] for m in request.sent()]
    assert len(texts) == 3
    assert "78例" in texts[0] and "21例" in texts[1] and "1171.73" in texts[2]


async def test_reload_is_admin_only(bot):
    app, request = bot
    await app.process_update(message_update(app, "/reload", user=USER))
    assert request.sent()[-1]["text"] == "抱歉，这个命令只对管理员开放。"
    await app.process_update(message_update(app, "/reload", user=ADMIN))
    assert request.sent()[-1]["text"].startswith("索引没有变化")
    await app.process_update(message_update(app, "/stats", user=USER))
    assert request.sent()[-1]["text"] == "抱歉，这个命令只对管理员开放。"
    await app.process_update(message_update(app, "/stats", user=ADMIN))
    assert "文章：18" in request.sent()[-1]["text"]


async def test_declined_question_says_what_is_covered(bot):
    app, request = bot
    await app.process_update(message_update(app, "推荐一部好看的电影"))
    text = request.sent()[-1]["text"]
    assert text.startswith("抱歉") and "株洲" in text
    assert [[b["text"] for b in row] for row in request.sent()[-1]["reply_markup"]["inline_keyboard"]] == [
        ["👍", "👎", "报错"]]  # no sources to show: only the feedback row (a decline may be wrong too)


async def test_help_says_what_the_bot_knows(bot):
    app, request = bot
    await app.process_update(message_update(app, "/start"))
    text = request.sent()[-1]["text"]
    assert "18篇报道" in text and "2020年2月16日至2020年2月20日" in text and "/latest" in text


async def test_sticker_and_unknown_command(bot):
    app, request = bot
    update = Update.de_json({"update_id": 3, "message": {
        "message_id": 3, "date": int(time.time()), "chat": {"id": USER, "type": "private"},
        "from": {"id": USER, "is_bot": False, "first_name": "U"},
        "sticker": {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False,
                    "is_video": False, "type": "regular"}}}, app.bot)
    await app.process_update(update)
    assert request.sent()[-1]["text"].startswith("我只能回答文字问题")
    await app.process_update(message_update(app, "/nosuchcommand"))
    assert "没有这个命令" in request.sent()[-1]["text"]


async def test_command_for_another_bot_is_ignored(bot):
    app, request = bot
    await app.process_update(message_update(app, "/latest@OtherBot", chat_type="group", chat_id=-100))
    assert request.sent() == []
    await app.process_update(message_update(app, "/latest@zz_news_bot", chat_type="group", chat_id=-100))
    assert "在院治疗" in request.sent()[-1]["text"]


@pytest.mark.parametrize(
    "text",
    ["   ", "？？？", "😀😀😀", "株洲累计确诊多少" * 1250, "株\u200b洲\u0007累计确诊多少", "<b>", "</blockquote>", "*_`",
     "'; DROP TABLE articles; --", "Bonjour, comment ça va ?", "Сколько случаев в Чжучжоу?"],
)
async def test_bad_input_gets_exactly_one_short_valid_reply(bot, text):
    app, request = bot
    await app.process_update(message_update(app, text))
    replies = request.sent()
    assert len(replies) >= 1
    for reply in replies:
        assert 0 < len(reply["text"]) <= 4096
        if reply.get("parse_mode") == "HTML":
            assert valid_html(reply["text"]), reply["text"]


async def test_html_in_question_never_reaches_telegram_unescaped(bot):
    app, request = bot
    await app.process_update(message_update(app, "<b>株洲累计确诊多少</blockquote>"))
    text = request.sent()[-1]["text"]
    assert valid_html(text) and "78例" in text


async def test_edited_message_is_answered(bot):
    app, request = bot
    update = Update.de_json({"update_id": 9, "edited_message": {
        "message_id": 1, "date": int(time.time()), "edit_date": int(time.time()), "text": "荷塘区有多少确诊病例",
        "chat": {"id": USER, "type": "private"}, "from": {"id": USER, "is_bot": False, "first_name": "U"}}}, app.bot)
    await app.process_update(update)
    assert "21例" in request.sent()[-1]["text"]


async def test_rate_limit_per_user(bot):
    app, request = bot
    limit = app.bot_data["settings"].user_rate_per_minute
    for _ in range(limit + 2):
        await app.process_update(message_update(app, "荷塘区有多少确诊病例", user=555))
    texts = [m["text"] for m in request.sent()]
    assert sum(t.startswith("「荷塘区有多少确诊病例」没有回答：提问太频繁了，请") for t in texts) == 2
    await app.process_update(message_update(app, "荷塘区有多少确诊病例", user=556))  # others are not affected
    assert "21例" in request.sent()[-1]["text"]


class FlakyRequest(RecordingRequest):
    """Fails the first ``failures`` sendMessage calls with the given HTTP status (or a time-out)."""

    def __init__(self, failures: int, status: int | None) -> None:
        super().__init__()
        self.failures = failures
        self.status = status

    async def do_request(self, url, method, request_data=None, **kwargs):
        if url.endswith("/sendMessage") and self.failures > 0:
            self.failures -= 1
            self.calls.append(("sendMessage-failed", {}))
            if self.status is None:
                from telegram.error import TimedOut

                raise TimedOut
            return self.status, json.dumps({"ok": False, "error_code": self.status, "description": "boom"}).encode()
        return await super().do_request(url, method, request_data, **kwargs)


async def ask_through(request: RecordingRequest, settings, engine, question: str) -> None:
    app = build_application(settings, engine=engine, request=request, get_updates_request=request)
    await app.initialize()
    try:
        await app.process_update(message_update(app, question))
    finally:
        await app.shutdown()


async def test_5xx_on_send_is_retried_and_delivered_once(seed_settings, seed_engine):
    request = FlakyRequest(failures=2, status=502)
    await ask_through(request, seed_settings, seed_engine, "荷塘区有多少确诊病例")
    assert len([c for c in request.calls if c[0] == "sendMessage-failed"]) == 2
    assert len(request.sent()) == 1 and "21例" in request.sent()[0]["text"]


async def test_read_timeout_on_send_is_not_retried(seed_settings, seed_engine):
    request = FlakyRequest(failures=1, status=None)
    await ask_through(request, seed_settings, seed_engine, "荷塘区有多少确诊病例")
    # the answer is not sent a second time (it may have arrived); the error handler says sorry instead
    answers = [m for m in request.sent() if "21例" in m["text"]]
    assert answers == [] and request.sent()[-1]["text"] == "抱歉，出了点问题，请稍后再试。"


async def test_without_index_users_are_told(seed_settings, tmp_path):
    settings = seed_settings.model_copy(update={"index_dir": tmp_path / "none"})
    request = RecordingRequest()
    app = build_application(settings, request=request, get_updates_request=request)
    await app.initialize()
    try:
        await app.post_init(app)
        for text in ("株洲累计确诊多少", "/latest", "/help"):
            await app.process_update(message_update(app, text))
            assert request.sent()[-1]["text"].startswith("索引还没有准备好"), text
        await app.process_update(message_update(app, "/reload", user=ADMIN))
        assert request.sent()[-1]["text"].startswith("重新加载失败")
    finally:
        await app.shutdown()


def test_token_is_not_in_reprs(seed_settings):
    app = build_application(seed_settings)
    token = seed_settings.bot_token.get_secret_value()
    assert token not in repr(app) and token not in repr(app.bot) and token not in repr(seed_settings)


async def test_expired_button_asks_to_ask_again(bot):
    app, request = bot
    await app.process_update(button_update(app, "more:0123456789ab", update_id=4))  # an old-style button
    assert request.sent()[-1]["text"] == "这个按钮已过期，请重新提问。"
    assert len(request.sent("answerCallbackQuery")) == 1


async def test_a_slow_answer_shows_typing_first(seed_settings, seed_engine):
    class SlowEngine:
        def __getattr__(self, name):
            return getattr(seed_engine, name)

        def ask(self, *args, **kwargs):
            time.sleep(0.6)
            return seed_engine.ask(*args, **kwargs)

    request = RecordingRequest()
    settings = seed_settings.model_copy(update={"typing_after": 0.2})
    app = build_application(settings, engine=SlowEngine(), request=request, get_updates_request=request)
    await app.initialize()
    try:
        await app.process_update(message_update(app, "株洲累计确诊多少"))
    finally:
        await app.shutdown()
    methods = [call[0] for call in request.calls if call[0] in ("sendChatAction", "sendMessage")]
    assert methods == ["sendChatAction", "sendMessage"]  # typing first, then the one answer
    assert request.sent("sendChatAction")[0]["action"] == "typing" and "78" in request.sent()[-1]["text"]
