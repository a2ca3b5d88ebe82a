"""Starting and stopping a PTB Application inside a test, shared by the emulator and stub harnesses."""

from __future__ import annotations

import asyncio

from telegram.ext import Application


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
