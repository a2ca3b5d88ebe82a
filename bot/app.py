"""Builds the python-telegram-bot Application: handlers, rate limiter, engine start-up, hot reload, webhook."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from urllib.parse import urlsplit

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    InlineQueryHandler,
    InvalidCallbackData,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import alerts, feedback, figures, handlers, inline, recovery
from bot.format import ArticleButton, DistrictsButton, MoreSourcesButton
from config import Settings
from retrieval.errors import IndexUnavailable
from retrieval.service import Service

# PTB 22 warns on every flood-control reply unless RetryAfter.retry_after is a timedelta (its documented opt-in)
os.environ.setdefault("PTB_TIMEDELTA", "true")

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "inline_query"]
BUTTON_KEYBOARDS = 2048  # answers whose buttons still work (PTB's callback data cache, least recently used dropped)
WATCHER = "index-watcher"


def commands(example: str) -> list[BotCommand]:
    """The command menu; ``example`` is the profile's shortest example question."""
    return [
        BotCommand("latest", "最新疫情数字及变化"),
        BotCommand("trend", "数字变化趋势图：/trend 累计确诊 [地区]"),
        BotCommand("subscribe", "关注一个数字，更新时通知：/subscribe 累计确诊 [地区]"),
        BotCommand("subscriptions", "已关注的数字"),
        BotCommand("since", "某天以后变了哪些数字、新增哪些报道：/since 2月18日"),
        BotCommand("ask", f"提问（群聊中使用）：/ask {example}"),
        BotCommand("help", "用法和收录范围"),
    ]


class RedactedBot(ExtBot):
    """The PTB bot, whose repr (and so the Application's) never shows the token."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}[token=<redacted>]"


class RedactToken(logging.Filter):
    """Replaces the bot token wherever it would appear in a log line (URLs of the Bot API)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = ()
        return True


def install_redaction(token: str) -> None:
    redactor = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)


class ReplyRateLimiter(AIORateLimiter):
    """Telegram's flood limits, applied to what users see: messages, edits, callbacks.

    The "typing…" action is let through unthrottled: counted, it halved the bot's ceiling (every reply
    cost two of the 30 requests/s; 15.6 vs 27.5 replies/s with 50 chats, docs/benchmarks.md), and a
    typing action that Telegram refuses is simply skipped (handlers._typing).
    """

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if endpoint == "sendChatAction":
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def build_application(
    settings: Settings,
    *,
    engine=None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    durable: bool = False,
) -> Application:
    """The bot, ready for ``run_polling()`` / ``run_webhook()`` or a test's manual start.

    Args:
        engine: an already opened Engine (tests); by default it is opened in ``post_init``.
        request, get_updates_request: custom HTTP layers (tests use them to talk to an emulator).
        durable: journal the questions (``JOURNAL_PATH``; those a crash left unanswered are answered in
            ``post_init``) and keep chat and user data (``BOT_STATE_PATH``), as ``python -m bot`` does.
    """
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    bot = RedactedBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        request=request or HTTPXRequest(connection_pool_size=64),
        get_updates_request=get_updates_request or HTTPXRequest(),
        rate_limiter=ReplyRateLimiter(max_retries=3),
        arbitrary_callback_data=BUTTON_KEYBOARDS,
    )
    builder = ApplicationBuilder().bot(bot).concurrent_updates(True).post_init(_post_init)
    journal = recovery.make_durable(builder, settings) if durable else None
    app = builder.build()
    if app.job_queue is None:
        raise RuntimeError('the index watcher needs PTB\'s JobQueue: pip install "python-telegram-bot[job-queue]"')
    app.bot_data["settings"] = settings
    app.bot_data["service"] = Service(settings, engine)
    app.bot_data["journal"] = journal
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["start", "help"], handlers.on_start))
    app.add_handler(CommandHandler("latest", handlers.on_latest))
    app.add_handler(CommandHandler("ask", handlers.on_ask))
    app.add_handler(CommandHandler("trend", figures.on_trend))
    app.add_handler(CommandHandler("since", figures.on_since))
    app.add_handler(CommandHandler("subscribe", alerts.on_subscribe))
    app.add_handler(CommandHandler("unsubscribe", alerts.on_unsubscribe))
    app.add_handler(CommandHandler("subscriptions", alerts.on_subscriptions))
    app.add_handler(CommandHandler("reload", handlers.on_reload))
    app.add_handler(CommandHandler("stats", handlers.on_stats))
    app.add_handler(CallbackQueryHandler(handlers.on_more_sources, pattern=MoreSourcesButton))
    app.add_handler(CallbackQueryHandler(handlers.on_full_article, pattern=ArticleButton))
    app.add_handler(CallbackQueryHandler(feedback.on_feedback, pattern=feedback.FeedbackButton))
    app.add_handler(InlineQueryHandler(inline.on_inline_query))
    app.add_handler(CallbackQueryHandler(handlers.on_districts, pattern=DistrictsButton))
    app.add_handler(CallbackQueryHandler(handlers.on_expired_button, pattern=InvalidCallbackData))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.on_unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, handlers.on_private_text))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT, handlers.on_group_text))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other))
    app.add_error_handler(handlers.on_error)


def webhook_options(settings: Settings) -> dict:
    """Arguments of ``run_webhook`` / ``Updater.start_webhook``: listen on ``WEBHOOK_LISTEN:WEBHOOK_PORT`` at
    the path of ``WEBHOOK_URL`` (what Telegram posts to, through a TLS proxy), and check the secret token
    Telegram sends with every update (a random one per start when ``WEBHOOK_SECRET`` is unset)."""
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else secrets.token_urlsafe(32)
    return {
        "listen": settings.webhook_listen, "port": settings.webhook_port, "webhook_url": settings.webhook_url,
        "url_path": urlsplit(settings.webhook_url).path.strip("/"), "secret_token": secret,
        "allowed_updates": ALLOWED_UPDATES,
    }


async def _post_init(app: Application) -> None:
    service: Service = app.bot_data["service"]
    settings: Settings = app.bot_data["settings"]
    if not service.ready:
        try:
            await asyncio.to_thread(service.reload)
        except IndexUnavailable as err:
            log.error("starting without an index: %s", err)  # users are told; /reload and the watcher retry
    if service.ready:
        await asyncio.to_thread(service.warm)
        await alerts.after_build(app)  # builds that landed while the bot was stopped
    try:
        await app.bot.set_my_commands(commands(service.profile.example))
    except TelegramError as err:
        log.warning("could not register the command menu: %s", err)
    if app.bot_data["journal"] is not None:  # before polling starts: no new question gets ahead of a chat's older ones
        await recovery.recover(app, settings.journal_max_age)
    if not app.job_queue.get_jobs_by_name(WATCHER):  # runs once the Application starts
        app.job_queue.run_repeating(watch_index, interval=settings.reload_interval, first=settings.reload_interval,
                                    name=WATCHER, job_kwargs={"coalesce": True})


async def watch_index(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hot reload (a JobQueue job): load the index once one appears, then switch to each newer build."""
    service: Service = context.bot_data["service"]
    await alerts.check_failed_build(context.application)
    try:
        done = await asyncio.to_thread(service.refresh)
    except Exception:  # noqa: BLE001 - a bad build must not stop the watcher
        log.exception("index reload failed; the previous index keeps serving")
        return
    if done is not None:
        log.info("now serving index %s", done.build_id)
        await alerts.after_build(context.application)
