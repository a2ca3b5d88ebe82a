"""/subscribe, /unsubscribe, /subscriptions, and the alerts each subscriber gets unasked once a build lands."""

from __future__ import annotations

import asyncio
import logging
from html import escape

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot import format as fmt
from bot.handlers import NOT_READY, say, with_retry
from bot.subscriptions import SubscriptionStore
from retrieval import render
from retrieval.service import Service

log = logging.getLogger(__name__)
STORE = "subscriptions"  # bot_data key of the SubscriptionStore
REPORTED, FAILED = "build_reported", "failure_reported"  # notices: the build admins were told of, the failure


def subscriptions(app: Application) -> SubscriptionStore:
    """The bot's subscription store, opened on first use (SUBSCRIPTIONS_DB, by default beside the index)."""
    store = app.bot_data.get(STORE)
    if store is None:
        settings = app.bot_data["settings"]
        store = app.bot_data[STORE] = SubscriptionStore(settings.subscriptions_path)
    return store


async def _request(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """The (measure, places) the command names, or None once the user was told why not."""
    service: Service = context.bot_data["service"]
    if not service.ready:
        await say(update.effective_message, NOT_READY)
        return None
    request = await asyncio.to_thread(service.request, " ".join(context.args or []))
    if request.metric is None:
        await say(update.effective_message, render.subscribe_usage(service.profile.home_label))
        return None
    return request


async def on_subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe 累计确诊 [地区 …]: follow a figure; the value shown now is recorded, only later ones are sent."""
    request = await _request(update, context)
    if request is None:
        return
    service: Service = context.bot_data["service"]
    store, chat_id = subscriptions(context.application), update.effective_chat.id
    followed = []
    for region in request.regions:
        found = await asyncio.to_thread(service.newest, request.metric, region)
        followed.append((region, found, store.add(chat_id, request.metric, region, found.seen if found else None)))
    await say(update.effective_message, render.subscribed_text(request.metric, followed))


async def on_unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe 累计确诊 [地区]: stop following it; /unsubscribe alone: stop following everything."""
    store, chat_id = subscriptions(context.application), update.effective_chat.id
    if not context.args:
        await say(update.effective_message, render.unsubscribed_text(store.remove(chat_id), None, ()))
        return
    request = await _request(update, context)
    if request is None:
        return
    removed = sum(store.remove(chat_id, request.metric, region) for region in request.regions)
    await say(update.effective_message, render.unsubscribed_text(removed, request.metric, request.regions))


async def on_subscriptions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscriptions: what this chat follows and the value it was last sent."""
    profile = context.bot_data["service"].profile
    followed = [(s.metric, s.region, render.seen_amount(s.value, s.unit, s.asof_label, profile.is_period(s.metric)))
                for s in subscriptions(context.application).of_chat(update.effective_chat.id)]
    await say(update.effective_message, render.subscriptions_text(followed))


async def send_alerts(app: Application) -> int:
    """Send every subscriber each followed figure that is later than the one it last saw, once: the mark is
    committed right after the send (a restart or a second reload repeats nothing). Sends go through the bot's
    rate limiter; a chat that blocked the bot (Forbidden) is dropped. Returns the number sent."""
    service: Service = app.bot_data["service"]
    if not service.ready:
        return 0
    store = subscriptions(app)
    news = await asyncio.to_thread(service.news_for, store.all())
    sent, gone = 0, set()
    for sub, found in news:
        if sub.chat_id in gone:
            continue
        old = render.seen_amount(sub.value, sub.unit, sub.asof_label, found.period)
        text = render.alert_html(found, old)
        try:
            await with_retry(lambda sub=sub, text=text: app.bot.send_message(
                sub.chat_id, text, parse_mode=ParseMode.HTML, disable_web_page_preview=True))
        except Forbidden:
            gone.add(sub.chat_id)
            log.info("chat %s blocked the bot: its %d subscription(s) dropped", sub.chat_id, store.remove(sub.chat_id))
            continue
        except TelegramError as err:  # kept unmarked: tried again after the next build or restart
            log.warning("alert to chat %s not sent: %s", sub.chat_id, err)
            continue
        store.mark_sent(sub, found.seen)
        sent += 1
    if sent:
        log.info("sent %d alert(s) about new figures", sent)
    return sent


async def after_build(app: Application) -> None:
    """Once a new build serves (the watcher, /reload, start-up): subscribers get their new figures, admins what
    the build changed (once per build, marked in the store)."""
    await send_alerts(app)
    service: Service = app.bot_data["service"]
    store = subscriptions(app)
    info = await asyncio.to_thread(service.info) if service.ready else None
    if info is not None and store.notice(REPORTED) != info["build_id"]:
        await tell_admins(app, render.build_report_html(info, service.profile.timezone))
        store.set_notice(REPORTED, info["build_id"])


async def check_failed_build(app: Application) -> None:
    """Tell the admins, once, when the last `make index` failed (the watcher calls this every round)."""
    service: Service = app.bot_data["service"]
    status = await asyncio.to_thread(service.build_status)
    if status and status.get("error") and subscriptions(app).notice(FAILED) != status.get("at"):
        await tell_admins(app, escape(render.build_failed_text(status, service.profile.timezone)))
        subscriptions(app).set_notice(FAILED, status.get("at"))


async def tell_admins(app: Application, html: str) -> None:
    """Send ``html`` to every ADMIN_IDS user (split under Telegram's limit); one that cannot be reached is logged."""
    for admin in sorted(app.bot_data["settings"].admin_ids):
        for part in fmt.split_blocks(html.split("\n\n")):
            try:
                await with_retry(lambda admin=admin, part=part: app.bot.send_message(
                    admin, part, parse_mode=ParseMode.HTML, disable_web_page_preview=True))
            except TelegramError as err:
                log.warning("could not tell admin %s: %s", admin, err)
                break
