"""Figures over time in the chat: /trend (a line chart) and /since (what moved after a day)."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot import format as fmt
from bot.handlers import NOT_READY, _service, reply_html, say, send_chart
from retrieval import render


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, method: str, usage):
    """``service.<method>(the command's words)`` off the event loop; None once the user was told why not (no
    index yet, or ``usage(home)`` when the words name nothing it can use)."""
    service, message = _service(context), update.effective_message
    if not service.ready:
        await say(message, NOT_READY)
        return None
    found = await asyncio.to_thread(getattr(service, method), " ".join(context.args or []))
    if found is None:
        await say(message, usage(service.profile.home_label))
    return found


async def on_trend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/trend 累计确诊 [地区 …]: the measure over its as-of dates as a line chart."""
    chart = await _ask(update, context, "chart", render.trend_usage)
    if chart is not None:
        await send_chart(update.effective_message, chart)


async def on_since(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/since 2月18日 [数字] [地区]: each figure whose as-of moved after that day, old → new, and the reports added."""
    found = await _ask(update, context, "since", render.since_usage)
    if found is not None:
        home = _service(context).profile.home_label
        await reply_html(update.effective_message, fmt.split_blocks(render.since_html(found, home)))
