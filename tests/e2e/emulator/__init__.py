"""End-to-end harness: a real python-telegram-bot Application over HTTP against a local Bot API emulator.

The emulator is the npm package ``telegram-test-api`` 4.2.1 (pinned in tests/e2e/package-lock.json,
installed by ``tests/e2e/ensure_emulator.sh``, which ``make install`` must run). It is started as a
Node subprocess (tests/e2e/server.js) bound to 127.0.0.1 on a port the OS picks. One module per job:

* process.py, :class:`Emulator` - starts/stops the emulator (context manager), gives the bot API URL
  and creates :class:`TelegramUser` objects that act as people writing to the bot.
* user.py, :class:`TelegramUser` - async helpers: send a text, a command, a group mention, a reply to
  the bot, press an inline button; wait for the bot's replies (bounded polling) and their edits.
* request.py, :class:`EmulatorRequest` - an ``HTTPXRequest`` that papers over the mismatches between
  PTB 22.8 and telegram-test-api 4.2.1 (see its docstring) and records every Bot API call.
* app.py, :func:`configure_builder` / :func:`build_application` - point an ``ApplicationBuilder`` (or
  the bot's own factory) at the emulator; :func:`running` - async context manager running an
  Application with polling, the same way ``run_polling`` does (initialize, post_init, start_polling,
  start ... stop, post_stop, shutdown, post_shutdown), and failing the test on unhandled handler errors.
* common.py - the bot identity the emulator reports, the emulator's data quirks, the calls record.
* Telegram's HTML check (:func:`check_telegram_html`) is shared with the in-process stub: bench/botapi/.

Example (a test; pytest-asyncio in auto mode)::

    from bot.app import build_application as make_bot   # the bot's factory (name is the bot's)
    from tests.e2e.emulator import Emulator, build_application, running

    async def test_asks(emulator):                      # emulator: a started Emulator (fixture)
        token = emulator.new_token()
        app = build_application(make_bot, emulator, token)
        async with running(app) as state:
            user = emulator.user(token)
            await user.send_message("株洲累计确诊多少")
            reply = await user.wait_reply(timeout=20)
            assert reply.parse_mode == "HTML"
            assert "确诊" in reply.text
            assert state.calls_to("sendChatAction")

How the bot code must be written to be testable this way: its factory must accept the
``ApplicationBuilder`` (or ``token``/``base_url``/``request``/``get_updates_request``) from the
caller, use exactly the token it is given (the emulator files messages per token), and not set
HTTPX options (``connect_timeout``, ``connection_pool_size``, ``proxy`` ...) on a builder that
already has ``request(...)`` - PTB refuses the combination. See :func:`build_application`.
"""

from bench.botapi.telegram_html import MAX_MESSAGE_LENGTH, check_telegram_html
from tests.e2e.emulator.app import build_application, configure_builder, emulator_state, running
from tests.e2e.emulator.common import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    DEFAULT_TOKEN,
    HOST,
    BotCall,
    EmulatorState,
)
from tests.e2e.emulator.process import E2E_DIR, INSTALL_HINT, SERVER_JS, Emulator, EmulatorUnavailable
from tests.e2e.emulator.request import EmulatorRequest
from tests.e2e.emulator.user import BotReply, ReplyTimeout, TelegramUser

__all__ = [
    "BOT_FIRST_NAME", "BOT_ID", "BOT_USERNAME", "DEFAULT_TOKEN", "E2E_DIR", "HOST", "INSTALL_HINT",
    "MAX_MESSAGE_LENGTH", "SERVER_JS", "BotCall", "BotReply", "Emulator", "EmulatorRequest", "EmulatorState",
    "EmulatorUnavailable", "ReplyTimeout", "TelegramUser", "build_application", "check_telegram_html",
    "configure_builder", "emulator_state", "running",
]
