"""The e2e harness itself: a trivial echo bot on a real PTB Application, over HTTP, against
telegram-test-api on 127.0.0.1. Fails (never skips) when node or the emulator is missing."""

from __future__ import annotations

import datetime as dtm
import html
import time

import pytest
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.e2e.emulator import (
    BOT_USERNAME,
    Emulator,
    EmulatorUnavailable,
    build_application,
    check_telegram_html,
    running,
)

pytestmark = pytest.mark.slow


# ---- a trivial echo bot, built the way the real bot's factory should be -----------------------


def make_echo_app(builder: ApplicationBuilder) -> Application:
    seen: dict[str, list] = {"chat_types": [], "sent": [], "callbacks": []}

    async def post_init(app: Application) -> None:
        await app.bot.set_my_commands([BotCommand("start", "开始"), BotCommand("ask", "提问")])

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("来源", callback_data="sources:1")]])
        await update.effective_message.reply_text("欢迎", reply_markup=keyboard)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        seen["chat_types"].append(chat.type)
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
        text = update.effective_message.text.replace(f"@{BOT_USERNAME}", "").strip()
        sent = await update.effective_message.reply_text(
            f"<b>{html.escape(text)}</b>", parse_mode=ParseMode.HTML
        )
        seen["sent"].append(sent)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        seen["callbacks"].append(query)
        await query.answer("收到")
        await query.edit_message_text(f"按了 {query.data}")

    app = builder.post_init(post_init).build()
    app.bot_data["seen"] = seen
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    addressed_in_group = filters.ChatType.GROUPS & (filters.Mention(BOT_USERNAME) | filters.REPLY)
    app.add_handler(MessageHandler(private_text | (addressed_in_group & filters.TEXT), echo))
    return app


# ---- tests -------------------------------------------------------------------------------------


async def test_private_message_gets_bold_echo(emulator):
    token = emulator.new_token()
    app = build_application(make_echo_app, emulator, token)
    started = time.monotonic()
    async with running(app) as state:
        user = emulator.user(token)
        await user.send_message("株洲累计确诊多少 <&>")
        reply = await user.wait_reply(timeout=10)
        assert reply.text == "<b>株洲累计确诊多少 &lt;&amp;&gt;</b>"
        assert reply.parse_mode == "HTML"
        assert reply.reply_markup is None
        assert reply.chat_id == user.chat_id
        await user.expect_no_reply(within=0.3)

        seen = app.bot_data["seen"]
        assert seen["chat_types"] == ["private"]
        sent = seen["sent"][0]  # what PTB made of the emulator's answer (date, chat, sender fixed)
        assert sent.message_id == reply.message_id
        assert abs(sent.date - dtm.datetime.now(dtm.UTC)) < dtm.timedelta(minutes=1)
        assert sent.chat.type == "private" and sent.from_user.is_bot
        assert [c.params["action"] for c in state.calls_to("sendChatAction")] == ["typing"]
        assert [c["command"] for c in state.commands] == ["start", "ask"]
        assert (await app.bot.get_my_commands())[0].command == "start"
        assert app.bot.username == BOT_USERNAME
    assert time.monotonic() - started < 15


async def test_command_and_button_press_reach_the_handlers(emulator):
    token = emulator.new_token()
    app = build_application(make_echo_app, emulator, token)
    async with running(app) as state:
        user = emulator.user(token)
        await user.send_command("start")
        welcome = await user.wait_reply()
        assert welcome.text == "欢迎"
        assert welcome.button_data == ["sources:1"]

        await user.press_button(welcome, "sources:1")
        edited = await user.wait_edit(welcome)
        assert edited.message_id == welcome.message_id
        assert edited.text == "按了 sources:1"
        assert edited.buttons == []  # an edit without reply_markup drops the keyboard, as in Telegram

        query = app.bot_data["seen"]["callbacks"][0]
        assert query.data == "sources:1"
        assert query.message.message_id == welcome.message_id
        assert query.from_user.id == user.user["id"]
        answers = state.calls_to("answerCallbackQuery")
        assert [a.params.get("text") for a in answers] == ["收到"]
        assert all(c.ok for c in state.calls_to("editMessageText"))
        with pytest.raises(AssertionError):
            welcome.find_button(data="nope")


async def test_group_messages_are_delivered_with_chat_type_group(emulator):
    token = emulator.new_token()
    app = build_application(make_echo_app, emulator, token)
    async with running(app):
        member = emulator.group_member(token)
        await member.send_message("大家好")  # not addressed to the bot: no answer
        await member.expect_no_reply(within=0.8)

        await member.mention_bot("株洲累计确诊多少")
        reply = await member.wait_reply()
        assert reply.text == "<b>株洲累计确诊多少</b>"
        assert reply.chat_id == member.chat_id < 0

        await member.reply_to(reply, "还有呢")
        again = await member.wait_reply()
        assert again.text == "<b>还有呢</b>"

        seen = app.bot_data["seen"]
        assert seen["chat_types"] == ["group", "group"]
        assert seen["sent"][0].chat.type == "group"
        assert seen["sent"][0].chat.title == member.chat["title"]


async def test_emulator_gaps_are_bridged_like_telegram(emulator):
    token = emulator.new_token()
    app = build_application(None, emulator, token)
    async with running(app) as state:
        bot = app.bot
        me = await bot.get_me()
        assert me.is_bot and me.username == BOT_USERNAME
        assert await bot.send_chat_action(5, ChatAction.TYPING) is True

        sent = await bot.send_message(5, "<b>a</b>", parse_mode=ParseMode.HTML)
        assert sent.date.year == dtm.datetime.now(dtm.UTC).year
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_text(
                "<b>a</b>", chat_id=5, message_id=sent.message_id, parse_mode=ParseMode.HTML
            )
        edited = await bot.edit_message_text("b", chat_id=5, message_id=sent.message_id)
        assert edited.text == "b" and edited.edit_date is not None
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("c", chat_id=5, message_id=999_999)

        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag \"br\""):
            await bot.send_message(5, "a<br>b", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(5, "株" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)does not support sendPhoto"):
            await bot.send_photo(5, "AgACAgIAAxkBAAI")
        with pytest.raises(BadRequest, match=r"(?i)getFile"):
            await bot.get_file("some-file-id")
        assert [c.ok for c in state.calls_to("sendMessage")] == [True, False, False]
    async with app.bot:  # the emulator answers an empty getUpdates at once: the bridge waits a little
        started = time.monotonic()
        assert await app.bot.get_updates(timeout=1) == ()
        assert 0.2 <= time.monotonic() - started < 1.5
    assert check_telegram_html("<i>x</b>") is not None
    assert check_telegram_html('<a href="https://example.org">x &amp; y</a>') is None


def test_missing_node_or_package_says_make_install(tmp_path):
    with pytest.raises(EmulatorUnavailable, match="make install"):
        Emulator(node=str(tmp_path / "no-node")).start()
    with pytest.raises(EmulatorUnavailable, match="make install"):
        Emulator(workdir=tmp_path).start()
