"""Thin handlers: read the update, call the engine off the event loop, format, reply."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict, defaultdict, deque

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from bot import format as fmt
from index.snapshot import IndexCorrupt, IndexMismatch, IndexNotReady

log = logging.getLogger(__name__)
MAX_QUESTION = 500  # characters of a question that are used; the rest is ignored
ANSWER_CACHE = 2000

NOT_READY = "索引还没有准备好，请稍后再试（管理员：运行 make index）。"
ONLY_TEXT = "我只能回答文字问题，请直接发送问题，例如：株洲累计确诊多少"
EXPIRED = "这个按钮已过期，请重新提问。"
SLOW_DOWN = "提问太频繁了，请稍等一分钟再问。"
NOT_ADMIN = "抱歉，这个命令只对管理员开放。"
EMPTY = "请写上问题，例如：株洲累计确诊多少（群聊中：/ask 株洲累计确诊多少）"


def _engine(context: ContextTypes.DEFAULT_TYPE):
    return context.bot_data.get("engine")


def _remember(context: ContextTypes.DEFAULT_TYPE, question: str) -> str:
    """Keep the question behind a short key so a button (64-byte callback data) can refer to it."""
    key = hashlib.sha1(question.encode("utf-8")).hexdigest()[:12]  # noqa: S324 - a cache key, not security
    cache: OrderedDict = context.bot_data.setdefault("questions", OrderedDict())
    cache[key] = question
    cache.move_to_end(key)
    while len(cache) > ANSWER_CACHE:
        cache.popitem(last=False)
    return key


def _allowed(context: ContextTypes.DEFAULT_TYPE, user_id: int | None) -> bool:
    """Per-user rate limit: at most ``user_rate_per_minute`` questions in any 60 seconds."""
    if user_id is None:
        return True
    limit = context.bot_data["settings"].user_rate_per_minute
    window: deque = context.bot_data.setdefault("rate", defaultdict(deque))[user_id]
    now = time.monotonic()
    while window and now - window[0] > 60:
        window.popleft()
    if len(window) >= limit:
        return False
    window.append(now)
    return True


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
    await with_retry(lambda: message.reply_text(text, do_quote=False))


async def reply_html(message: Message, parts: list[str], markup: InlineKeyboardMarkup | None = None) -> None:
    """Send HTML parts in order; the buttons go under the last one."""
    for i, part in enumerate(parts):
        keyboard = markup if i == len(parts) - 1 else None
        await with_retry(lambda part=part, keyboard=keyboard: message.reply_html(
            part, reply_markup=keyboard, disable_web_page_preview=True, do_quote=False))


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """The one path every question takes (private text, /ask, group mention or reply)."""
    message = update.effective_message
    question = " ".join(question.split())[:MAX_QUESTION]
    engine = _engine(context)
    if engine is None:
        await say(message, NOT_READY)
        return
    user = update.effective_user
    if not _allowed(context, user.id if user else None):
        await say(message, SLOW_DOWN)
        return
    if not question.strip():
        await say(message, EMPTY)
        return
    work = asyncio.ensure_future(asyncio.to_thread(engine.ask, question))
    done, _ = await asyncio.wait({work}, timeout=context.bot_data["settings"].typing_after)
    if not done:  # a slow answer: show "typing…" meanwhile (cosmetic: never delays or loses the answer)
        typing = asyncio.create_task(_typing(context, message.chat_id))
        await asyncio.wait({work})
        await asyncio.wait({typing}, timeout=1.0)  # "typing…" before the reply, if Telegram took it in time
    answer = work.result()
    markup = None
    if answer.answered and answer.sources:
        key = _remember(context, question)
        buttons = [InlineKeyboardButton("查看全文", callback_data=f"art:{answer.sources[0].article_id}")]
        buttons.insert(0, InlineKeyboardButton("更多来源", callback_data=f"more:{key}"))
        markup = InlineKeyboardMarkup([buttons])
    await reply_html(message, fmt.format_answer(answer), markup)


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
    await say(update.effective_message, ONLY_TEXT)


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat and update.effective_chat.type == ChatType.PRIVATE:
        await say(update.effective_message, "没有这个命令。发送 /help 查看用法。")


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    engine = _engine(context)
    if engine is None:
        await say(update.effective_message, NOT_READY)
        return
    await reply_html(update.effective_message, [fmt.format_help(engine.info(), engine.coverage_line())])


async def on_latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    engine = _engine(context)
    if engine is None:
        await say(update.effective_message, NOT_READY)
        return
    rows = await asyncio.to_thread(engine.latest)
    await reply_html(update.effective_message, fmt.format_latest(rows))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """更多来源 (more quotes for the same question) and 查看全文 (the whole article)."""
    query = update.callback_query
    await query.answer()
    engine = _engine(context)
    kind, _, value = (query.data or "").partition(":")
    if engine is None or query.message is None:
        return
    message = query.message
    if kind == "art":
        article = engine.snapshot.articles.get(value)
        if article is None:
            await say(message, EXPIRED)
            return
        await reply_html(message, fmt.format_article(article))
    elif kind == "more":
        question = context.bot_data.get("questions", {}).get(value)
        if question is None:
            await say(message, EXPIRED)
            return
        answer = await asyncio.to_thread(engine.ask, question, 8)
        shown = answer.sources[engine.settings.top_k :]
        if not shown:
            await say(message, "没有更多相关的原文了。")
            return
        answer.sources, answer.answer, answer.note = shown, None, None
        blocks = fmt.answer_blocks(answer, first=engine.settings.top_k + 1)[1:]
        await reply_html(message, fmt.split_blocks(["<b>更多来源</b>", *blocks]))


def _is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data["settings"].admin_ids


async def on_reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not _is_admin(update, context):
        await say(update.effective_message, NOT_ADMIN)
        return
    text = await reload_engine(context.application)
    await say(update.effective_message, text)


async def reload_engine(application) -> str:
    """Open the engine if there was none, else switch to a newer build; returns what happened."""
    from retrieval.engine import Engine

    settings = application.bot_data["settings"]
    engine = application.bot_data.get("engine")
    try:
        if engine is None:
            application.bot_data["engine"] = await asyncio.to_thread(Engine.open, settings)
            return f"索引已加载：{application.bot_data['engine'].snapshot.build_id}"
        changed = await asyncio.to_thread(engine.reload_if_changed, True)
    except (IndexNotReady, IndexMismatch, IndexCorrupt) as err:
        log.error("reload failed: %s", err)
        return f"重新加载失败，继续使用当前索引：{err}"
    return f"已切换到新索引：{engine.snapshot.build_id}" if changed else f"索引没有变化：{engine.snapshot.build_id}"


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not _is_admin(update, context):
        await say(update.effective_message, NOT_ADMIN)
        return
    engine = _engine(context)
    if engine is None:
        await say(update.effective_message, NOT_READY)
        return
    await reply_html(update.effective_message, [fmt.format_stats(engine.info())])


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log first, then tell the user something short and kind."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await say(update.effective_message, "抱歉，出了点问题，请稍后再试。")
        except Exception:  # noqa: BLE001 - the network may be what failed
            log.warning("could not tell the user about the error")
