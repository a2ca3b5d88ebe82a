"""Builds the python-telegram-bot Application: handlers, rate limiter, engine start-up, hot reload."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import handlers
from config import Settings
from index.snapshot import IndexCorrupt, IndexMismatch, IndexNotReady

log = logging.getLogger(__name__)
COMMANDS = [
    BotCommand("latest", "最新疫情数字及变化"),
    BotCommand("ask", "提问（群聊中使用）：/ask 株洲累计确诊多少"),
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
) -> Application:
    """The bot, ready for ``run_polling()`` / ``run_webhook()`` or a test's manual start.

    Args:
        engine: an already opened Engine (tests); by default it is opened in ``post_init``.
        request, get_updates_request: custom HTTP layers (tests use them to talk to an emulator).
    """
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    bot = RedactedBot(
        settings.bot_token.get_secret_value(),
        base_url=settings.bot_api_url,
        request=request or HTTPXRequest(connection_pool_size=64),
        get_updates_request=get_updates_request or HTTPXRequest(),
        rate_limiter=ReplyRateLimiter(max_retries=3),
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    app.bot_data["engine"] = engine
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(["start", "help"], handlers.on_start))
    app.add_handler(CommandHandler("latest", handlers.on_latest))
    app.add_handler(CommandHandler("ask", handlers.on_ask))
    app.add_handler(CommandHandler("reload", handlers.on_reload))
    app.add_handler(CommandHandler("stats", handlers.on_stats))
    app.add_handler(CallbackQueryHandler(handlers.on_button, pattern=r"^(more|art):"))
    app.add_handler(MessageHandler(filters.COMMAND, handlers.on_unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, handlers.on_private_text))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT, handlers.on_group_text))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other))
    app.add_error_handler(handlers.on_error)


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    if app.bot_data.get("engine") is None:
        from retrieval.engine import Engine

        try:
            app.bot_data["engine"] = await asyncio.to_thread(Engine.open, settings)
        except (IndexNotReady, IndexMismatch, IndexCorrupt) as err:
            log.error("starting without an index: %s", err)  # users are told; /reload retries
    try:
        await app.bot.set_my_commands(COMMANDS)
    except TelegramError as err:
        log.warning("could not register the command menu: %s", err)
    app.bot_data["watcher"] = asyncio.create_task(_watch_index(app, settings.reload_interval))


async def _watch_index(app: Application, interval: float) -> None:
    """Hot reload: check the `current` link every ``interval`` seconds and switch to a new build."""
    while True:
        await asyncio.sleep(interval)
        try:
            engine = app.bot_data.get("engine")
            if engine is None:
                if (app.bot_data["settings"].index_dir / "current").exists():  # an index appeared
                    log.info("%s", await handlers.reload_engine(app))
            elif await asyncio.to_thread(engine.reload_if_changed):
                log.info("now serving index %s", engine.snapshot.build_id)
        except Exception:  # noqa: BLE001 - a bad build must not stop the watcher
            log.exception("index reload failed; the previous index keeps serving")


async def _post_shutdown(app: Application) -> None:
    watcher = app.bot_data.get("watcher")
    if watcher is not None:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
