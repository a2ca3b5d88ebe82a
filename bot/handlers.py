"""Thin handlers: read the update, ask retrieval off the event loop, render, reply."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot import conversation, feedback, pacing
from bot import format as fmt
from retrieval import render
from retrieval.errors import IndexNotReady, IndexUnavailable, SearchUnavailable
from retrieval.service import Service

log = logging.getLogger(__name__)
MAX_QUESTION = 500  # characters of a question that are used; the rest is ignored

NOT_READY = "索引还没有准备好，请稍后再试（管理员：运行 make index）。"
ONLY_TEXT = "我只能回答文字问题，请直接发送问题，例如：{example}"
EXPIRED = "这个按钮已过期，请重新提问。"
NO_MORE = "没有更多相关的原文了。"
SLOW_DOWN = "「{question}」没有回答：提问太频繁了，请{seconds}秒后再问。"
NOT_ADMIN = "抱歉，这个命令只对管理员开放。"
EMPTY = "请写上问题，例如：{example}（群聊中：/ask {example}）"
SORRY = "抱歉，出了点问题，请稍后再试。"
SEARCH_DOWN = "索引服务暂时不可用，请稍后再试。"
DOWN = "search_down"  # bot_data key: set while the vector store fails, so the cause is logged once per outage
LATE: ContextVar[bool] = ContextVar("late", default=False)  # set while answering after a restart (bot/recovery.py)


def _service(context: ContextTypes.DEFAULT_TYPE) -> Service:
    return context.bot_data["service"]


async def with_retry(send, attempts: int = 4):
    """Run ``send()`` again after a 5xx or a connection error (429s are the rate limiter's job).

    A read time-out is not retried: the message may have arrived, and a reply must never be sent twice.
    """
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except (TimedOut, BadRequest):
            raise
        except NetworkError as err:
            if attempt == attempts:
                raise
            log.warning("send failed (%s), retry %d in %.1fs", err, attempt, delay)
            await asyncio.sleep(delay)
            delay *= 2
    return None


async def say(message: Message, text: str) -> None:
    """A short plain-text reply."""
    if LATE.get():
        text = f"{render.LATE_ANSWER}\n{text}"
    await with_retry(lambda: message.reply_text(text, do_quote=False))


async def reply_html(message: Message, parts: list[str], markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """Send HTML parts in order, the buttons under the last one; in a group the first replies to (threads on)
    the message it answers; after a restart the first says the answer is late."""
    if LATE.get():
        parts = fmt.split_blocks([escape(render.LATE_ANSWER), *parts])
    sent = []
    for i, part in enumerate(parts):
        keyboard = markup if i == len(parts) - 1 else None
        thread = i == 0 and message.chat.type != ChatType.PRIVATE
        sent.append(await with_retry(lambda part=part, keyboard=keyboard, thread=thread: message.reply_html(
            part, reply_markup=keyboard, disable_web_page_preview=True, do_quote=thread)))
    return sent


async def send_chart(message: Message, chart) -> None:
    """A trend chart as a photo with its caption, or its words when there are too few dates to draw."""
    if chart.png is None:
        await say(message, chart.text)
        return
    await with_retry(lambda: message.reply_photo(chart.png, caption=chart.text, do_quote=False))


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """The one path every question takes (private text, /ask, group mention or reply): one asker's questions
    in a chat are answered in order, a burst past the rate limit waiting its turn (bot/pacing.py)."""
    message = update.effective_message
    async with pacing.in_order(message.chat_id, message.from_user.id if message.from_user else 0):
        await _answer(update, context, question)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    message = update.effective_message
    question = " ".join(question.split())[:MAX_QUESTION]
    service = _service(context)
    if not service.ready:
        await say(message, NOT_READY)
        return
    settings = context.bot_data["settings"]
    slot = pacing.reserve(context.user_data, settings.user_rate_per_minute, settings.rate_queue)
    if slot.refused:
        await say(message, SLOW_DOWN.format(question=question[:20], seconds=slot.retry))
        return
    await asyncio.sleep(slot.wait)
    if not question.strip():
        await say(message, EMPTY.format(example=service.profile.example))
        return
    chart = await asyncio.to_thread(service.trend_question, question)
    if chart is not None:  # "出院人数的变化趋势": a chart, not a quote
        await send_chart(message, chart)
        return
    chat = service.small_talk(question)
    if chat is not None:
        await say(message, render.small_talk_text(chat, service.profile))
        return
    before = conversation.previous(context.chat_data, message, context.bot.id, settings.followup_minutes)
    work = asyncio.ensure_future(asyncio.to_thread(service.converse, question, before))
    done, _ = await asyncio.wait({work}, timeout=context.bot_data["settings"].typing_after)
    if not done:  # a slow answer: show "typing…" meanwhile (cosmetic: never delays or loses the answer)
        typing = asyncio.create_task(_typing(context, message.chat_id))
        await asyncio.wait({work})
        await asyncio.wait({typing}, timeout=1.0)  # "typing…" before the reply, if Telegram took it in time
    turn = work.result()
    if context.bot_data.pop(DOWN, None):
        log.info("the vector store answers again")
    markup = None
    reading, answer = turn.parts[-1]
    if answer.answered and answer.sources:
        markup = fmt.answer_keyboard(reading.question, answer.sources[0].article_id)
    markup = feedback.with_feedback(markup, question, answer, service.build_id, message.chat.type)
    said = conversation.coverage_said(context.chat_data, turn.parts)
    sent = await reply_html(message, fmt.split_blocks(render.turn_html(turn.parts, service.profile, said)), markup)
    conversation.remember(context.chat_data, message, turn.context, sent)


async def _typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """Show "typing…"; a failure here (429, 5xx, time-out) must not cost the user the answer."""
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as err:
        log.debug("typing indicator failed in chat %s: %s", chat_id, err)


async def on_private_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, update.effective_message.text or "")


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups the bot answers only when mentioned or replied to (and /ask)."""
    message = update.effective_message
    text = message.text or ""
    me = context.bot.username
    mentioned = any(
        entity.type == MessageEntityType.MENTION and text[entity.offset : entity.offset + entity.length].lower() == f"@{me}".lower()
        for entity in message.entities or ()
    )
    replied = message.reply_to_message is not None and message.reply_to_message.from_user is not None and (
        message.reply_to_message.from_user.id == context.bot.id
    )
    if not (mentioned or replied):
        return
    await answer_question(update, context, text.replace(f"@{me}", " "))


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_question(update, context, " ".join(context.args or []))


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, documents … in a private chat."""
    await say(update.effective_message, ONLY_TEXT.format(example=_service(context).profile.example))


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        await say(update.effective_message, "没有这个命令。发送 /help 查看用法。")


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    service = _service(context)
    conversation.forget(context.chat_data, update.effective_user.id if update.effective_user else None)
    await reply_html(update.effective_message, [render.help_html(service.coverage(), service.profile)])


async def on_latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/latest: every figure in a private chat; in a group the home city's, and a button for the districts."""
    service = _service(context)
    rows = await asyncio.to_thread(service.latest)
    group = update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE
    blocks = render.latest_html(rows, profile=service.profile, short=group)
    markup = fmt.districts_keyboard() if group and len(blocks) > 1 else None  # the 2nd block: "各区县（N个）…"
    await reply_html(update.effective_message, fmt.split_blocks(blocks), markup)


async def on_districts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under a group's /latest: every district's figures (of the index served now)."""
    query = update.callback_query
    await query.answer()
    if query.message is None:
        return
    service = _service(context)
    rows = await asyncio.to_thread(service.latest)
    await reply_html(query.message, fmt.split_blocks(render.latest_rest_html(rows, profile=service.profile)))


async def on_more_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """更多来源: the next quotes for the same question, numbered on from the answer's."""
    query = update.callback_query
    await query.answer()
    if query.message is None:
        return
    more = await asyncio.to_thread(_service(context).more_sources, query.data.question)
    if not more.sources:
        await say(query.message, NO_MORE)
        return
    await reply_html(query.message, fmt.split_blocks(render.more_sources_html(more.sources, more.first)))


async def on_full_article(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """查看全文: the whole article the first quote came from (gone after a rebuild dropped it: expired)."""
    query = update.callback_query
    await query.answer()
    if query.message is None:
        return
    article = _service(context).article(query.data.article_id)
    if article is None:
        await say(query.message, EXPIRED)
        return
    await reply_html(query.message, fmt.first_messages(render.article_html(article)))


async def on_expired_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data PTB no longer holds (restart, or an old answer pushed out of the cache)."""
    query = update.callback_query
    await query.answer()
    if query.message is not None:
        await say(query.message, EXPIRED)


def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data["settings"].admin_ids


async def _not_admin(update: Update) -> None:
    """An admin command from someone else: told so in a private chat, no reply in a group (no noise)."""
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        await say(update.effective_message, NOT_ADMIN)


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not _is_admin(update, context):
        await _not_admin(update)
        return
    done = None
    try:
        done = await asyncio.to_thread(_service(context).reload)
    except IndexUnavailable as err:
        log.error("reload failed: %s", err)
        text = f"重新加载失败，继续使用当前索引：{err}"
    else:
        text = (f"索引已加载：{done.build_id}" if done.opened else
                f"已切换到新索引：{done.build_id}" if done.changed else f"索引没有变化：{done.build_id}")
    await say(update.effective_message, text)
    if done is not None and done.changed:  # what the watcher does after a switch: subscribers and admins told
        from bot.alerts import after_build  # (bot.alerts uses this module's reply helpers)

        await after_build(context.application)


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not _is_admin(update, context):
        await _not_admin(update)
        return
    service = _service(context)
    journal = context.bot_data.get("journal")  # pending and replayed questions (bot/journal.py)
    info = await asyncio.to_thread(service.info)
    info |= journal.stats() if journal else {}
    await reply_html(update.effective_message, fmt.split_blocks([render.stats_html(info, service.profile.timezone)]))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log first, then tell the user something short and kind (that there is no index yet, or that the vector
    store is down — logged once per outage, with its cause, not a traceback per question)."""
    error = context.error
    if isinstance(error, IndexNotReady):
        log.warning("a request arrived before an index was loaded")
        reply = NOT_READY
    elif isinstance(error, SearchUnavailable):
        if not context.bot_data.get(DOWN):
            context.bot_data[DOWN] = True
            log.error("cannot answer: %s", error)
        reply = SEARCH_DOWN
    else:
        log.error("error while handling an update", exc_info=error)
        reply = SORRY
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await say(update.effective_message, reply)
        except Exception:  # noqa: BLE001 - the network may be what failed
            log.warning("could not tell the user about the error")
