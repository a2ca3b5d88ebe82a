"""Inline mode: "@bot 株洲累计出院" in any chat offers the answer card (bold answer, first quote, its source)."""

from __future__ import annotations

import asyncio
import hashlib

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.ext import ContextTypes

from bot import pacing
from retrieval import render

MAX_QUERY = 200  # characters of an inline query that are used
CACHE_S = 300  # seconds Telegram may keep the result for the same query


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer an inline query with one card; an empty query, no index or an asker past the rate limit gets no
    result. Inline queries count against the asker's limit with their questions, but never wait their turn: by
    then the asker has typed on."""
    query = update.inline_query
    text = " ".join(query.query.split())[:MAX_QUERY]
    service = context.bot_data["service"]
    if not text or not service.ready or _refused(context):
        await query.answer([], cache_time=0)
        return
    answer = await asyncio.to_thread(service.answer, text)
    card = render.card_html(answer, service.profile)
    title = answer.answer or render.card_title(answer)
    result = InlineQueryResultArticle(
        id=hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest(), title=title[:100],
        description=answer.sources[0].quote[:100] if answer.sources else None,
        input_message_content=InputTextMessageContent(card, parse_mode="HTML", disable_web_page_preview=True),
    )
    await query.answer([result], cache_time=CACHE_S)


def _refused(context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Reserve an answer in the asker's per-minute limit (bot/pacing.py), without a queue: whether it is refused."""
    settings = context.bot_data["settings"]
    return pacing.reserve(context.user_data, settings.user_rate_per_minute, queue=0).refused
