"""Building a PTB Application against the emulator and running it with polling inside a test."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from bench.botapi.lifecycle import polling
from tests.e2e.emulator.common import DEFAULT_TOKEN, EmulatorState
from tests.e2e.emulator.process import Emulator
from tests.e2e.emulator.request import EmulatorRequest


def configure_builder(
    builder: ApplicationBuilder,
    emulator: Emulator,
    token: str = DEFAULT_TOKEN,
    state: EmulatorState | None = None,
) -> ApplicationBuilder:
    """Point ``builder`` at the emulator: token, base_url and two EmulatorRequests sharing ``state``."""
    state = state if state is not None else EmulatorState()
    return (
        builder.token(token)
        .base_url(emulator.bot_api_url)
        .base_file_url(emulator.url + "/file/bot")
        .request(EmulatorRequest(state))
        .get_updates_request(EmulatorRequest(state))
    )


_FACTORY_ARGS = ("builder", "token", "base_url", "base_file_url", "request", "get_updates_request")


def build_application(
    factory: Callable[..., Application | ApplicationBuilder] | None,
    emulator: Emulator,
    token: str = DEFAULT_TOKEN,
) -> Application:
    """Build the bot's Application against the emulator.

    ``factory`` is the bot's own factory; it is called with those of these keyword arguments its
    signature names (all of them if it takes ``**kwargs``):

    * ``builder``: an ``ApplicationBuilder`` already given token, base_url and the requests - the
      factory adds post_init, defaults, ... and may return the builder (it is then built) or the
      built Application (after adding handlers);
    * ``token``, ``base_url``, ``base_file_url``, ``request``, ``get_updates_request``: for a
      factory that creates its own builder:
      ``ApplicationBuilder().token(token).base_url(base_url).request(request)
      .get_updates_request(get_updates_request)``.

    ``factory=None`` returns a bare Application (for harness tests).
    """
    state = EmulatorState()
    request, get_updates_request = EmulatorRequest(state), EmulatorRequest(state)
    values: dict[str, Any] = {
        "token": token,
        "base_url": emulator.bot_api_url,
        "base_file_url": emulator.url + "/file/bot",
        "request": request,
        "get_updates_request": get_updates_request,
    }
    values["builder"] = (
        ApplicationBuilder()
        .token(token)
        .base_url(values["base_url"])
        .base_file_url(values["base_file_url"])
        .request(request)
        .get_updates_request(get_updates_request)
    )
    if factory is None:
        return values["builder"].build()
    signature = inspect.signature(factory)
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    kwargs = {k: v for k, v in values.items() if takes_all or k in signature.parameters}
    if not kwargs:
        raise TypeError(f"{factory!r} accepts none of {_FACTORY_ARGS}: it cannot be pointed at the emulator")
    built = factory(**kwargs)
    app = built.build() if isinstance(built, ApplicationBuilder) else built
    if not isinstance(app, Application):
        raise TypeError(
            f"{factory!r} returned {type(built).__name__}, not an Application or ApplicationBuilder"
        )
    if app.bot.token != token:
        raise AssertionError(
            f"the factory replaced the token ({app.bot.token!r} != {token!r}): the emulator files messages per token"
        )
    if not app.bot.base_url.startswith(emulator.url):
        raise AssertionError(f"the factory ignored base_url: the bot would call {app.bot.base_url}")
    return app


def emulator_state(app: Application) -> EmulatorState | None:
    """The EmulatorState behind ``app``'s bot (None if it does not use an EmulatorRequest)."""
    request = app.bot.request
    return request.state if isinstance(request, EmulatorRequest) else None


@contextlib.asynccontextmanager
async def running(
    app: Application,
    *,
    poll_interval: float = 0.1,
    fail_on_errors: bool = True,
    stop_timeout: float = 10.0,
) -> AsyncIterator[EmulatorState]:
    """Run ``app`` with polling inside a test, like ``run_polling`` minus the signal handling.

    Yields the app's :class:`EmulatorState` (``calls_to(...)``, ``commands``, ``errors``). Errors
    PTB logs (handler exceptions without an error handler, polling failures) are collected; with
    ``fail_on_errors`` the block fails at exit when there were any.
    """
    state = emulator_state(app) or EmulatorState()
    async with polling(app, poll_interval=poll_interval, timeout=1, errors=state.errors,
                       fail_on_errors=fail_on_errors, stop_timeout=stop_timeout):
        yield state
