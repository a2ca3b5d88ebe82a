"""End-to-end harness: a real python-telegram-bot Application over HTTP against a local Bot API emulator.

The emulator is the npm package ``telegram-test-api`` 4.2.1 (pinned in tests/e2e/package-lock.json,
installed by ``tests/e2e/ensure_emulator.sh``, which ``make install`` must run). It is started as a
Node subprocess (tests/e2e/server.js) bound to 127.0.0.1 on a port the OS picks.

Pieces:

* :class:`Emulator` - starts/stops the emulator (context manager), gives the bot API URL and
  creates :class:`TelegramUser` objects that act as people writing to the bot.
* :class:`TelegramUser` - async helpers: send a text, a command, a group mention, a reply to the
  bot, press an inline button; wait for the bot's replies (bounded polling) and their edits.
* :class:`EmulatorRequest` - an ``HTTPXRequest`` that papers over the mismatches between PTB 22.8
  and telegram-test-api 4.2.1 (see its docstring) and records every Bot API call.
* :func:`configure_builder` / :func:`build_application` - point an ``ApplicationBuilder`` (or the
  bot's own factory) at the emulator.
* :func:`running` - async context manager running an Application with polling, the same way
  ``run_polling`` does (initialize, post_init, start_polling, start ... stop, post_stop, shutdown,
  post_shutdown), and failing the test on unhandled handler errors.

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

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import itertools
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest, RequestData

from tests.e2e.lifecycle import LocalBotAPI, polling

E2E_DIR = Path(__file__).resolve().parent
SERVER_JS = E2E_DIR / "server.js"
HOST = "127.0.0.1"
INSTALL_HINT = "run `make install` (it runs tests/e2e/ensure_emulator.sh: npm ci of telegram-test-api 4.2.1)"

# What telegram-test-api's getMe answers (for every token), completed by EmulatorRequest.
BOT_ID = 666
BOT_USERNAME = "TestNameBot"
BOT_FIRST_NAME = "Test First name"
DEFAULT_TOKEN = "123456:E2E-TEST-TOKEN"

_LOGGER = logging.getLogger(__name__)


class EmulatorUnavailable(RuntimeError):
    """node, the npm package or the emulator process is missing or broken; the message says what to run."""


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets/lengths and message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _seconds(value: Any) -> Any:
    """telegram-test-api stamps bot messages with Date.getTime() (milliseconds): make it seconds."""
    if isinstance(value, int | float) and value > 10**11:
        return int(value // 1000)
    return value


def _maybe_json(value: Any) -> Any:
    """Request fields reach the emulator form-encoded: objects stay JSON strings there."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# --------------------------------------------------------------------------------------------
# The emulator process
# --------------------------------------------------------------------------------------------


class Emulator(LocalBotAPI):
    """telegram-test-api in a Node subprocess on 127.0.0.1; ``with Emulator() as emu: ...``.

    ``port=0`` (default) lets the OS choose a free port, reported back by server.js. ``start()``
    raises :class:`EmulatorUnavailable` (message: run ``make install``) when node or the package is
    missing or the server does not come up within ``startup_timeout`` seconds.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        startup_timeout: float = 20.0,
        node: str | None = None,
        workdir: Path | str = E2E_DIR,
    ) -> None:
        self.port = port
        self.startup_timeout = startup_timeout
        self.node = node
        self.workdir = Path(workdir)
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []
        self._threads: list[threading.Thread] = []
        self._tokens = itertools.count(1)

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _check_installed(self) -> str:
        node = self.node or shutil.which("node")
        if not node or not Path(node).exists():
            raise EmulatorUnavailable(
                f"Node.js (`node`) is not installed or not on PATH: install Node.js >= 18 with npm, then {INSTALL_HINT}"
            )
        package = self.workdir / "node_modules" / "telegram-test-api" / "package.json"
        if not package.is_file():
            raise EmulatorUnavailable(
                f"telegram-test-api is not installed in {package.parent.parent}: {INSTALL_HINT}"
            )
        version = json.loads(package.read_text(encoding="utf-8")).get("version")
        if version != "4.2.1":
            raise EmulatorUnavailable(
                f"telegram-test-api {version} is installed, 4.2.1 is pinned: {INSTALL_HINT}"
            )
        if not (self.workdir / "server.js").is_file():
            raise EmulatorUnavailable(f"{self.workdir / 'server.js'} is missing")
        return node

    def start(self) -> Emulator:
        if self.running:
            return self
        node = self._check_installed()
        env = {**os.environ, "E2E_EMULATOR_PORT": str(self.port), "NODE_ENV": "test"}
        env.pop("DEBUG", None)  # telegram-test-api logs every request through `debug` when set
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [node, str(self.workdir / "server.js"), str(self.port)],
                cwd=self.workdir,
                stdin=subprocess.PIPE,  # server.js exits when this pipe closes (parent died)
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        except OSError as exc:
            raise EmulatorUnavailable(f"cannot run {node}: {exc}: {INSTALL_HINT}") from exc
        self._stderr = []
        self._threads = [threading.Thread(target=self._drain_stderr, daemon=True)]
        self._threads[0].start()
        try:
            self.port = self._wait_ready()
            self._wait_accepting()
        except BaseException:
            self.stop()
            raise
        return self

    def _drain_stderr(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        for line in proc.stderr:
            self._stderr.append(line.rstrip())
            del self._stderr[:-50]

    def _wait_ready(self) -> int:
        """Read server.js's ``READY {...}`` line, bounded by startup_timeout."""
        assert self._proc is not None and self._proc.stdout is not None
        box: dict[str, Any] = {}

        def read() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                if line.startswith("READY "):
                    box["ready"] = json.loads(line[6:])
                    break
            # keep draining so the child never blocks on a full pipe
            for _ in self._proc.stdout:
                pass

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self._threads.append(reader)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and "ready" not in box:
            if self._proc.poll() is not None:
                time.sleep(0.1)  # let stderr drain
                raise EmulatorUnavailable(
                    f"the emulator exited with code {self._proc.returncode}: "
                    + " | ".join(self._stderr[-5:])
                    + f"; {INSTALL_HINT}"
                )
            time.sleep(0.02)
        if "ready" not in box:
            raise EmulatorUnavailable(
                f"the emulator did not start within {self.startup_timeout}s: {INSTALL_HINT}"
            )
        info = box["ready"]
        if info.get("host") != HOST:
            raise EmulatorUnavailable(f"the emulator listens on {info.get('host')}, not {HOST}")
        return int(info["port"])

    def _wait_accepting(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise EmulatorUnavailable(
                        f"the emulator does not accept connections on {HOST}:{self.port}"
                    )
                time.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate, then kill after ``timeout`` seconds. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        for thread in self._threads:  # they end at EOF, which the exit just caused
            thread.join(timeout=1.0)
        self._threads = []
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def stderr_tail(self) -> list[str]:
        return list(self._stderr)

    # -- tokens, users, bots ----------------------------------------------------------------
    def new_token(self) -> str:
        """A fresh bot token: the emulator files messages per token, so one per test isolates tests."""
        n = next(self._tokens)
        return f"{100000 + n}:E2E-TOKEN-{n}"

    def user(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        user_id: int = 1001,
        first_name: str = "测试用户",
        username: str | None = "e2e_user",
    ) -> TelegramUser:
        """A person in a private chat with the bot (chat id == user id, as in Telegram)."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        return TelegramUser(self, token, user, chat)

    def group_member(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        chat_id: int = -100200300,
        title: str = "株洲新闻测试群",
        chat_type: str = "group",
        user_id: int = 1002,
        first_name: str = "群友",
        username: str | None = "e2e_member",
    ) -> TelegramUser:
        """A person writing in a group (``chat_type`` "group" or "supergroup") the bot is in."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative in Telegram")
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        chat = {"id": chat_id, "type": chat_type, "title": title}
        return TelegramUser(self, token, user, chat)

    def request(self, state: EmulatorState | None = None, **kwargs: Any) -> EmulatorRequest:
        """An :class:`EmulatorRequest`; pass the same ``state`` to both of a bot's requests."""
        return EmulatorRequest(state, **kwargs)


# --------------------------------------------------------------------------------------------
# Acting as a user
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotReply:
    """One message the bot sent to the chat, as the emulator stored it (edits applied)."""

    message_id: int
    chat_id: int
    text: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    entities: list[dict[str, Any]] | None
    link_preview_options: dict[str, Any] | None
    reply_to_message_id: int | None
    date: int
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> BotReply:
        msg = item["message"]
        markup = _maybe_json(msg.get("reply_markup"))
        reply_params = _maybe_json(msg.get("reply_parameters"))
        reply_to = msg.get("reply_to_message_id")
        if isinstance(reply_params, dict) and reply_params.get("message_id") is not None:
            reply_to = reply_params["message_id"]
        return cls(
            message_id=int(item["messageId"]),
            chat_id=int(msg["chat_id"]),
            text=msg.get("text"),
            parse_mode=msg.get("parse_mode"),
            reply_markup=markup if isinstance(markup, dict) else None,
            entities=_maybe_json(msg.get("entities")),
            link_preview_options=_maybe_json(msg.get("link_preview_options")),
            reply_to_message_id=int(reply_to) if reply_to is not None else None,
            date=int(_seconds(item.get("time", 0))),
            raw=msg,
        )

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Rows of inline buttons ([] when none)."""
        if not self.reply_markup:
            return []
        return [list(row) for row in self.reply_markup.get("inline_keyboard", [])]

    @property
    def button_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def find_button(self, *, text: str | None = None, data: str | None = None) -> dict[str, Any]:
        for row in self.buttons:
            for button in row:
                if (text is None or button.get("text") == text) and (
                    data is None or button.get("callback_data") == data
                ):
                    return button
        raise AssertionError(
            f"no inline button text={text!r} data={data!r} on message {self.message_id}: {self.buttons}"
        )


class ReplyTimeout(AssertionError):
    """The bot did not answer (or edit) in time."""


class TelegramUser:
    """A person in one chat with the bot. All methods are async (the bot runs in the same loop)."""

    poll_every = 0.05

    def __init__(self, emulator: Emulator, token: str, user: dict[str, Any], chat: dict[str, Any]) -> None:
        self.emulator = emulator
        self.token = token
        self.user = user
        self.chat = chat
        self._seen: set[int] = set()

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def chat_type(self) -> str:
        return str(self.chat["type"])

    # -- low level -------------------------------------------------------------------------
    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        async with httpx.AsyncClient(base_url=self.emulator.url, timeout=5.0, trust_env=False) as client:
            response = await client.post(path, json=body)
        if response.status_code != 200:
            raise AssertionError(f"emulator {path} answered {response.status_code}: {response.text[:300]}")
        return response.json().get("result")

    def _message(self, text: str, entities: list[dict[str, Any]] | None, reply_to: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "botToken": self.token,
            "date": int(time.time()),
            "from": dict(self.user),
            "chat": dict(self.chat),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._as_bot_message(reply_to)
        return message

    def _as_bot_message(self, reply: BotReply | dict[str, Any]) -> dict[str, Any]:
        """A bot message as Telegram puts it in reply_to_message / callback_query.message."""
        if isinstance(reply, dict):
            return reply
        message: dict[str, Any] = {
            "message_id": reply.message_id,
            "date": reply.date or int(time.time()),
            "chat": dict(self.chat),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME},
        }
        if reply.text is not None:
            message["text"] = reply.text
        if reply.reply_markup and reply.reply_markup.get("inline_keyboard"):
            message["reply_markup"] = {"inline_keyboard": reply.reply_markup["inline_keyboard"]}
        return message

    # -- acting ----------------------------------------------------------------------------
    async def send_message(
        self,
        text: str,
        *,
        entities: list[dict[str, Any]] | None = None,
        reply_to: BotReply | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send a plain text message (entities optional). Returns the message as sent."""
        message = self._message(text, entities, reply_to)
        is_command = any(e.get("type") == "bot_command" for e in entities or [])
        await self._post("/sendCommand" if is_command else "/sendMessage", message)
        return message

    async def send_command(
        self, command: str, args: str = "", *, mention_bot: bool | None = None
    ) -> dict[str, Any]:
        """Send ``/command args`` with its bot_command entity. In groups the command is addressed
        to the bot (``/cmd@TestNameBot``) unless ``mention_bot=False``."""
        command = command.lstrip("/")
        if mention_bot is None:
            mention_bot = self.chat_type != "private"
        head = f"/{command}" + (f"@{BOT_USERNAME}" if mention_bot else "")
        text = head + (f" {args}" if args else "")
        entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(head)}]
        return await self.send_message(text, entities=entities)

    async def mention_bot(self, text: str) -> dict[str, Any]:
        """``@TestNameBot text`` with a mention entity (how people address a bot in a group)."""
        mention = f"@{BOT_USERNAME}"
        entities = [{"type": "mention", "offset": 0, "length": _utf16_len(mention)}]
        return await self.send_message(f"{mention} {text}", entities=entities)

    async def reply_to(self, reply: BotReply, text: str) -> dict[str, Any]:
        """Answer one of the bot's messages (Telegram's "reply" with reply_to_message)."""
        return await self.send_message(text, reply_to=reply)

    async def press_button(
        self, reply: BotReply, data: str | None = None, *, text: str | None = None
    ) -> dict[str, Any]:
        """Press an inline button of ``reply`` (chosen by callback data and/or label)."""
        if data is None and text is None:
            raise ValueError("give the button's callback data or its text")
        button = reply.find_button(text=text, data=data)
        if "callback_data" not in button:
            raise AssertionError(f"button {button} has no callback_data")
        query = {
            "botToken": self.token,
            "from": dict(self.user),
            "message": self._as_bot_message(reply),
            "data": button["callback_data"],
        }
        await self._post("/sendCallback", query)
        return query

    # -- reading the bot's messages --------------------------------------------------------
    async def history(self) -> list[BotReply]:
        """Every message the bot has in this chat now (oldest first, edits applied)."""
        items = await self._post("/getUpdatesHistory", {"token": self.token}) or []
        replies = []
        for item in items:
            message = item.get("message")
            if "callbackQuery" in item or not isinstance(message, dict) or "chat_id" not in message:
                continue  # a user update, not a bot message
            if str(message["chat_id"]) == str(self.chat_id):
                replies.append(BotReply.from_item(item))
        return replies

    async def wait_replies(self, count: int, timeout: float = 10.0) -> list[BotReply]:
        """The next ``count`` bot messages not returned before (oldest first); ReplyTimeout if fewer."""
        deadline = time.monotonic() + timeout
        while True:
            fresh = [r for r in await self.history() if r.message_id not in self._seen]
            if len(fresh) >= count:
                chosen = fresh[:count]
                self._seen.update(r.message_id for r in chosen)
                return chosen
            if time.monotonic() >= deadline:
                raise ReplyTimeout(
                    f"expected {count} new bot message(s) in chat {self.chat_id} within {timeout}s, got "
                    f"{len(fresh)}: {[r.text for r in fresh]}"
                )
            await asyncio.sleep(self.poll_every)

    async def wait_reply(self, timeout: float = 10.0) -> BotReply:
        """The next bot message in this chat."""
        return (await self.wait_replies(1, timeout))[0]

    async def expect_no_reply(self, within: float = 1.0) -> None:
        """Fail if the bot sends anything new to this chat during ``within`` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            fresh = [r for r in await self.history() if r.message_id not in self._seen]
            if fresh:
                raise AssertionError(
                    f"the bot was expected to stay silent but sent: {[r.text for r in fresh]}"
                )
            await asyncio.sleep(self.poll_every)

    async def wait_edit(self, reply: BotReply, timeout: float = 10.0) -> BotReply:
        """Wait until ``reply`` (a bot message) is changed by editMessageText/ReplyMarkup."""
        deadline = time.monotonic() + timeout
        while True:
            for current in await self.history():
                if current.message_id == reply.message_id and current.raw != reply.raw:
                    return current
            if time.monotonic() >= deadline:
                raise ReplyTimeout(
                    f"bot message {reply.message_id} ({reply.text!r}) was not edited within {timeout}s"
                )
            await asyncio.sleep(self.poll_every)


# --------------------------------------------------------------------------------------------
# The PTB side
# --------------------------------------------------------------------------------------------

# Answered locally with `true`: the emulator has no route for them (HTTP 500).
_LOCAL_TRUE = {
    "sendchataction",
    "setmycommands",
    "deletemycommands",
    "setmydescription",
    "setmyshortdescription",
    "setmyname",
    "setchatmenubutton",
}
# The emulator answers `result: null` where Telegram answers `true`.
_NULL_IS_TRUE = {"answercallbackquery", "deletemessage", "setwebhook", "deletewebhook"}

# Tags Telegram's HTML parse mode accepts (anything else: "Unsupported start tag").
_HTML_TAGS = {
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "tg-emoji", "tg-time", "code", "pre", "blockquote",
}  # fmt: skip
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")
MAX_MESSAGE_LENGTH = 4096


def check_telegram_html(text: str) -> str | None:
    """None if Telegram would accept ``text`` with parse_mode=HTML, else its kind of error."""
    stack: list[str] = []
    visible: list[str] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            visible.append(text[pos:])
            break
        visible.append(text[pos:lt])
        match = _TAG_RE.match(text, lt)
        byte_offset = len(text[:lt].encode("utf-8"))
        if not match:
            return f'can\'t parse entities: Unsupported start tag "" at byte offset {byte_offset}'
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            return f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {byte_offset}'
        if closing:
            if not stack:
                return f"can't parse entities: Unexpected end tag at byte offset {byte_offset}"
            if stack[-1] != name:
                return (
                    f"can't parse entities: Unmatched end tag at byte offset {byte_offset}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
        else:
            if name == "span" and "tg-spoiler" not in attrs:
                return 'can\'t parse entities: Tag "span" must have class "tg-spoiler"'
            stack.append(name)
        pos = match.end()
    if stack:
        return f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
    plain = html.unescape("".join(visible))
    if not plain.strip():
        return "message text is empty"
    if _utf16_len(plain) > MAX_MESSAGE_LENGTH:
        return "message is too long"
    return None


@dataclass
class BotCall:
    """One Bot API call the bot made (getUpdates is not recorded)."""

    method: str
    params: dict[str, Any]
    ok: bool
    description: str | None = None


@dataclass
class EmulatorState:
    """What the bot's EmulatorRequests share: chats seen, the bot's identity, calls, commands, errors."""

    bot_user: dict[str, Any] = field(
        default_factory=lambda: {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }
    )
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)
    calls: list[BotCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def calls_to(self, method: str) -> list[BotCall]:
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def remember_chat(self, chat: Any) -> None:
        if isinstance(chat, dict) and "id" in chat and "type" in chat:
            self.chats[int(chat["id"])] = {
                k: v
                for k, v in chat.items()
                if k in {"id", "type", "title", "first_name", "last_name", "username"}
            }

    def chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            return {"id": 0, "type": "private", "first_name": str(chat_id)}
        if cid in self.chats:
            return dict(self.chats[cid])
        return (
            {"id": cid, "type": "private", "first_name": "?"}
            if cid > 0
            else {"id": cid, "type": "group", "title": "?"}
        )


def _inline_markup(value: Any) -> dict[str, Any] | None:
    """The inline keyboard of a reply_markup (None when there is none or it is empty)."""
    markup = _maybe_json(value)
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def _ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def _bad_request(description: str) -> tuple[int, bytes]:
    body = {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}
    return 400, json.dumps(body, ensure_ascii=False).encode()


class EmulatorRequest(HTTPXRequest):
    """``HTTPXRequest`` for telegram-test-api 4.2.1, fixing what PTB 22.8 cannot digest.

    1. getMe lacks ``is_bot`` -> added (with first_name/username when missing).
    2. sent/edited messages carry ``date`` in milliseconds, ``chat.type`` always "private", the raw
       request fields (JSON strings) and no ``from`` -> rebuilt as a proper Message (date in
       seconds, the real chat as seen in updates, the bot as sender, JSON fields parsed).
       editMessageText/ReplyMarkup answer ``null`` -> the edited Message; a missing message or an
       unchanged one gives Telegram's 400 errors; editMessageText without reply_markup removes the
       inline keyboard, as Telegram does.
    3. sendChatAction, setMyCommands (and deleteMyCommands, setMyDescription, setMyShortDescription,
       setMyName, setChatMenuButton) have no route (HTTP 500) -> answered ``true`` locally and
       recorded; getMyCommands answers the commands last set. getFile -> 400 (no files here).
       Any other unsupported method -> 400 "telegram-test-api does not support X" (PTB raises
       BadRequest instead of a retried NetworkError).
    4. callback queries lack ``chat_instance`` -> a placeholder is added in getUpdates.
    5. getUpdates ignores ``timeout`` and answers at once -> an empty answer is delayed by
       ``empty_poll_delay`` seconds (never more than the requested timeout).

    Also: answerCallbackQuery/deleteMessage/setWebhook ``null`` -> ``true``; the ``botToken`` field the
    emulator leaves in user messages is removed; with ``strict=True`` sendMessage/editMessageText
    texts are checked like Telegram does for parse_mode=HTML (supported tags, nesting) and length
    (<= 4096 UTF-16 units, not empty) and refused with 400 "can't parse entities ..." etc.

    Every call except getUpdates is recorded in ``state.calls``.
    """

    def __init__(
        self,
        state: EmulatorState | None = None,
        *,
        empty_poll_delay: float = 0.3,
        strict: bool = True,
        **kwargs: Any,
    ) -> None:
        httpx_kwargs = {"trust_env": False, **(kwargs.pop("httpx_kwargs", None) or {})}
        super().__init__(httpx_kwargs=httpx_kwargs, **kwargs)
        self.state = state if state is not None else EmulatorState()
        self.empty_poll_delay = empty_poll_delay
        self.strict = strict

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        head, _, api_method = url.rpartition("/")
        root, _, bot_token = head.rpartition("/")
        token = bot_token[3:] if bot_token.startswith("bot") else bot_token
        name = api_method.lower()
        params = dict(request_data.parameters) if request_data else {}
        timeouts = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }

        if name != "getupdates":
            code, payload = await self._answer(root, token, url, method, request_data, name, params, timeouts)
            description = None
            if code != 200:
                with contextlib.suppress(ValueError):
                    description = json.loads(payload).get("description")
            self.state.calls.append(BotCall(api_method, params, code == 200, description))
            return code, payload

        started = time.monotonic()
        code, payload = await super().do_request(url, method, request_data, **timeouts)
        if code != 200:
            return code, payload
        data = json.loads(payload)
        updates = data.get("result") or []
        for update in updates:
            self._fix_update(update)
        if not updates:
            wanted = float(params.get("timeout") or 0)
            delay = min(self.empty_poll_delay, wanted) - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
        return 200, json.dumps(data).encode()

    # -- per method ------------------------------------------------------------------------
    async def _answer(
        self,
        root: str,
        token: str,
        url: str,
        method: str,
        request_data: RequestData | None,
        name: str,
        params: dict[str, Any],
        timeouts: dict[str, Any],
    ) -> tuple[int, bytes]:
        if name in _LOCAL_TRUE:
            if name == "setmycommands":
                self.state.commands = list(params.get("commands") or [])
            elif name == "deletemycommands":
                self.state.commands = []
            return _ok(True)
        if name == "getmycommands":
            return _ok(self.state.commands)
        if name == "getfile":
            return _bad_request("telegram-test-api 4.2.1 stores no files (getFile is not supported)")

        if self.strict and name in {"sendmessage", "editmessagetext"}:
            text = params.get("text")
            if not isinstance(text, str):
                return _bad_request("message text is empty")
            error = check_telegram_html(text) if params.get("parse_mode") == "HTML" else None
            if error is None and not params.get("parse_mode"):
                error = "message is too long" if _utf16_len(text) > MAX_MESSAGE_LENGTH else None
                error = error or ("message text is empty" if not text.strip() else None)
            if error:
                return _bad_request(error)

        if name in {"editmessagetext", "editmessagereplymarkup"} and "inline_message_id" not in params:
            return await self._edit(root, token, url, method, name, params, request_data, timeouts)

        code, payload = await super().do_request(url, method, request_data, **timeouts)
        if code >= 500:
            try:
                message = json.loads(payload).get("message", "")
            except ValueError:
                message = payload[:200].decode("utf-8", "replace")
            if "is not supported" in message:
                return _bad_request(f"telegram-test-api 4.2.1 does not support {url.rpartition('/')[2]}")
            return code, payload
        if code != 200:
            return code, payload
        data = json.loads(payload)
        if name == "getme":
            me = data.get("result") or {}
            me.setdefault("is_bot", True)
            me.setdefault("first_name", BOT_FIRST_NAME)
            me.setdefault("username", BOT_USERNAME)
            self.state.bot_user = {k: me[k] for k in ("id", "is_bot", "first_name", "username")}
            return _ok(me)
        if name == "sendmessage":
            return _ok(self._bot_message(data.get("result") or {}))
        if name in _NULL_IS_TRUE and data.get("result") is None:
            return _ok(True)
        return 200, payload

    async def _history(self, root: str, token: str) -> list[dict[str, Any]]:
        response = await self._client.post(f"{root}/getUpdatesHistory", json={"token": token})
        response.raise_for_status()
        return response.json().get("result") or []

    async def _edit(
        self,
        root: str,
        token: str,
        url: str,
        method: str,
        name: str,
        params: dict[str, Any],
        request_data: RequestData | None,
        timeouts: dict[str, Any],
    ) -> tuple[int, bytes]:
        chat_id, message_id = str(params.get("chat_id")), str(params.get("message_id"))

        def find(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for item in items:
                msg = item.get("message")
                if (
                    "callbackQuery" not in item
                    and isinstance(msg, dict)
                    and str(msg.get("chat_id")) == chat_id
                    and str(item.get("messageId")) == message_id
                ):
                    return item
            return None

        before = find(await self._history(root, token))
        if before is None:
            return _bad_request("message to edit not found")
        old = before["message"]
        new_markup = _inline_markup(params.get("reply_markup"))
        old_markup = _inline_markup(old.get("reply_markup"))
        if name == "editmessagetext":
            same_text = params.get("text") == old.get("text") and params.get("parse_mode") == old.get(
                "parse_mode"
            )
            if same_text and new_markup == old_markup:
                return _bad_request(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
        elif new_markup == old_markup:
            return _bad_request("message is not modified")

        form = dict(request_data.json_parameters) if request_data else {}
        if "reply_markup" not in form:
            # Telegram drops the inline keyboard when an edit carries none; the emulator would keep it.
            form["reply_markup"] = json.dumps({"inline_keyboard": []})
        response = await self._client.post(url, data=form)
        if response.status_code != 200:
            return response.status_code, response.content
        after = find(await self._history(root, token))
        if after is None:
            return _bad_request("message to edit not found")
        message = self._bot_message(
            {**after["message"], "message_id": after["messageId"], "date": after.get("time")}
        )
        message["edit_date"] = int(time.time())
        return _ok(message)

    def _bot_message(self, stored: dict[str, Any]) -> dict[str, Any]:
        """A Telegram Message for something the bot sent, from the emulator's stored request fields."""
        message: dict[str, Any] = {
            "message_id": int(stored.get("message_id") or 0),
            "date": int(_seconds(stored.get("date") or time.time())),
            "chat": self.state.chat(stored.get("chat_id", (stored.get("chat") or {}).get("id"))),
            "from": dict(self.state.bot_user),
        }
        if stored.get("text") is not None:
            message["text"] = stored["text"]
        entities = _maybe_json(stored.get("entities"))
        if isinstance(entities, list):
            message["entities"] = entities
        markup = _inline_markup(stored.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        preview = _maybe_json(stored.get("link_preview_options"))
        if isinstance(preview, dict):
            message["link_preview_options"] = preview
        if stored.get("message_thread_id") not in (None, ""):
            with contextlib.suppress(TypeError, ValueError):
                message["message_thread_id"] = int(stored["message_thread_id"])
        return message

    def _fix_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        message.pop("botToken", None)
        if "date" in message:
            message["date"] = _seconds(message["date"])
        self.state.remember_chat(message.get("chat"))
        self._fix_message(message.get("reply_to_message"))

    def _fix_update(self, update: dict[str, Any]) -> None:
        for key in ("message", "edited_message", "channel_post"):
            self._fix_message(update.get(key))
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._fix_message(query.get("message"))
            chat = (query.get("message") or {}).get("chat") or {}
            query.setdefault("chat_instance", f"e2e-chat-instance-{chat.get('id', 0)}")


# --------------------------------------------------------------------------------------------
# Building and running an Application
# --------------------------------------------------------------------------------------------


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
