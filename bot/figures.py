"""Figures over time in the chat: /trend (a line chart) and /since (what moved after a day)."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot import format as fmt
from bot.handlers import NOT_READY, _service, reply_html, say, send_chart
from retrieval import render


async def on_trend(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/trend 累计确诊 [地区 …]: the measure over its as-of dates as a line chart."""
    service, message = _service(context), update.effective_message
    if not service.ready:
        await say(message, NOT_READY)
        return
    chart = await asyncio.to_thread(service.chart, " ".join(context.args or []))
    if chart is None:
        await say(message, render.trend_usage(service.profile.home_label))
        return
    await send_chart(message, chart)


async def on_since(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/since 2月18日 [数字] [地区]: each figure whose as-of moved after that day, old → new, and the reports added."""
    service, message = _service(context), update.effective_message
    if not service.ready:
        await say(message, NOT_READY)
        return
    found = await asyncio.to_thread(service.since, " ".join(context.args or []))
    home = service.profile.home_label
    if found is None:
        await say(message, render.since_usage(home))
        return
    await reply_html(message, fmt.split_blocks(render.since_html(found, home)))
