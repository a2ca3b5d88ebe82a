"""Starting and stopping a PTB Application inside a test or benchmark (polling, errors collected)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram.ext import Application


class ErrorCollector(logging.Handler):
    """Collects ERROR records ("logger: message: exception") into a list."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(level=logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        self.sink.append(text)


@contextlib.asynccontextmanager
async def polling(
    app: Application, *, poll_interval: float, timeout: float, errors: list[str],
    loggers: tuple[str, ...] = ("telegram",), allowed_updates: list[str] | None = None,
    fail_on_errors: bool = True, stop_timeout: float = 10.0,
) -> AsyncIterator[None]:
    """Run ``app`` with polling, like ``run_polling`` minus the signal handling, collecting the ERROR
    records of ``loggers`` into ``errors``; with ``fail_on_errors`` the block fails at exit if there were any."""
    if app.updater is None:
        raise RuntimeError("the Application has no Updater: build it without .updater(None)")
    collector = ErrorCollector(errors)
    targets = [logging.getLogger(name) for name in loggers]
    for logger in targets:
        logger.addHandler(collector)
    started = initialized = False
    try:
        await app.initialize()
        initialized = True
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=poll_interval, timeout=timeout,
                                        allowed_updates=allowed_updates, drop_pending_updates=False)
        await app.start()
        started = True
        try:
            yield
        except BaseException as exc:
            if errors:
                exc.add_note("the bot logged errors while running:\n" + "\n".join(errors))
            raise
    finally:
        try:
            await stop_app(app, initialized=initialized, started=started, timeout=stop_timeout)
        finally:
            for logger in targets:
                logger.removeHandler(collector)
    if fail_on_errors and errors:
        raise AssertionError("the bot logged errors while running:\n" + "\n".join(errors))


async def stop_app(app: Application, *, initialized: bool, started: bool, timeout: float) -> None:
    """Undo what was started, in run_polling's order (updater, app, post_stop, shutdown, post_shutdown)."""
    async with asyncio.timeout(timeout):
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
            if app.post_stop and started:
                await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown and initialized:
            await app.post_shutdown(app)


class LocalBotAPI:
    """The two URLs of a Bot API server listening on 127.0.0.1 (``port`` is set once it is started)."""

    host = "127.0.0.1"
    port: int | None = None

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:40411."""
        if not self.port:
            raise RuntimeError(f"the {type(self).__name__} is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        """The value for ``Settings.bot_api_url`` / ``ApplicationBuilder().base_url``: PTB appends the token."""
        return self.url + "/bot"
