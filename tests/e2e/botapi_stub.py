"""A minimal in-process Telegram Bot API over real HTTP on 127.0.0.1, for measuring and testing the bot itself.

Unlike the npm emulator (tests/e2e/emulator.py), nothing here polls or sleeps: ``getUpdates`` is a real long
poll (it answers at once when updates are queued and otherwise waits, up to ``timeout`` seconds, for one to
be injected), and simulated users are woken by a condition when a message for their chat arrives. It runs in
the caller's event loop (asyncio streams, no extra dependency) and is reached by the bot's own production
HTTP layer (PTB's ``HTTPXRequest``) through ``base_url``.

What it implements (just what python-telegram-bot needs to run the bot):

* ``getMe`` (a bot user, ``is_bot`` true), ``getUpdates`` (``offset`` confirms, ``limit``, ``timeout``),
* ``sendMessage`` (recorded; answers a Telegram Message, ``date`` in seconds; ``parse_mode=HTML`` text is
  checked the way Telegram does, see :func:`tests.e2e.emulator.check_telegram_html`, and refused with a
  400 when Telegram would refuse it),
* ``editMessageText`` / ``editMessageReplyMarkup`` of a recorded message (answers the edited Message),
* every other method (``setMyCommands``, ``sendChatAction``, ``deleteWebhook``, ``answerCallbackQuery`` ...):
  ``{"ok": true, "result": true}``. Every call is recorded in :attr:`BotAPIStub.calls`.

Example (pytest-asyncio, the bot's own factory and production HTTP layer)::

    async with BotAPIStub() as stub:
        settings = settings.model_copy(update={"bot_token": SecretStr(stub.token), "bot_api_url": stub.bot_api_url})
        app = build_application(settings, engine=engine)
        async with serving(app):
            user = stub.user(1001)
            await user.send("株洲累计确诊多少")
            reply = await user.wait_reply(timeout=10)
            assert "78" in reply.text
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import logging
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from telegram.ext import Application

from tests.e2e.emulator import check_telegram_html
from tests.e2e.lifecycle import LocalBotAPI, polling

HOST = "127.0.0.1"
DEFAULT_TOKEN = "123456:STUB-TOKEN"
BOT_ID = 777
BOT_USERNAME = "StubNewsBot"
MAX_HEADER = 64 * 1024
# Bot API parameters whose values are plain strings (PTB JSON-encodes every other value of a form)
STRING_FIELDS = frozenset({
    "text", "parse_mode", "action", "caption", "callback_query_id", "inline_message_id", "url",
    "business_connection_id", "description", "short_description", "language_code", "name", "emoji",
    "secret_token", "ip_address", "query", "message_effect_id",
})
_TAG = re.compile(r"<[^>]*>")
_log = logging.getLogger(__name__)


def _ok(result: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"ok": True, "result": result}


def _error(code: int, description: str) -> tuple[int, dict[str, Any]]:
    return code, {"ok": False, "error_code": code, "description": description}


def _decode(name: str, value: str) -> Any:
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id="@channel"


def plain_text(text: str, parse_mode: str | None) -> str:
    """What Telegram shows (and answers as ``Message.text``) for ``text`` sent with ``parse_mode``."""
    if (parse_mode or "").upper() != "HTML":
        return text
    return html.unescape(_TAG.sub("", text))


@dataclass
class SentMessage:
    """A message the bot sent (``sendMessage``), as the stub recorded it."""

    message_id: int
    chat_id: int | str
    text: str  # as sent (HTML markup kept when parse_mode is HTML)
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any] = field(repr=False)
    at: float = field(repr=False)  # time.perf_counter() when the stub received it

    @property
    def plain(self) -> str:
        return plain_text(self.text, self.parse_mode)

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


class BotAPIStub(LocalBotAPI):
    """The Bot API for one bot token on ``http://127.0.0.1:<port>``; ``async with BotAPIStub() as stub``.

    Args:
        token: the only token accepted (others get 401 like Telegram); ``None`` accepts any.
        port: 0 lets the OS choose.
        validate_html: refuse ``parse_mode=HTML`` texts Telegram would refuse (400 "can't parse entities",
            "message is too long" ...).
    """

    def __init__(self, *, token: str | None = DEFAULT_TOKEN, port: int = 0, validate_html: bool = True) -> None:
        self.token = token or DEFAULT_TOKEN
        self._strict_token = token is not None
        self.port = port
        self.validate_html = validate_html
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Stub News", "username": BOT_USERNAME,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: dict[int | str, list[SentMessage]] = defaultdict(list)
        self.errors: list[str] = []  # 4xx answers the stub gave (a correct bot gets none)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._by_id: dict[tuple[int | str, int], SentMessage] = {}
        self._updates_ready = asyncio.Event()
        self._chat_conditions: dict[int | str, asyncio.Condition] = {}
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._connections: set[asyncio.Task] = set()
        self._closing = False

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> BotAPIStub:
        self._closing = False
        self._server = await asyncio.start_server(self._serve, HOST, self.port, limit=MAX_HEADER)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Answer pending long polls (empty), close every connection and the listening socket."""
        self._closing = True
        self._updates_ready.set()
        await asyncio.sleep(0)  # let the polls write their answers
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._connections:
            _, pending = await asyncio.wait(list(self._connections), timeout=2)
            for task in pending:
                task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> BotAPIStub:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- users and updates ---------------------------------------------------------------------
    def user(self, user_id: int, *, first_name: str = "用户", username: str | None = None) -> StubUser:
        """A person in a private chat with the bot (chat id == user id, as in Telegram)."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        return StubUser(self, user, chat)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (its ``update_id`` is assigned here) and wake a waiting getUpdates."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        self._updates_ready.set()
        return update_id

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def chat_condition(self, chat_id: int | str) -> asyncio.Condition:
        cond = self._chat_conditions.get(chat_id)
        if cond is None:
            cond = self._chat_conditions[chat_id] = asyncio.Condition()
        return cond

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    # -- HTTP ------------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while not self._closing:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    verb, target, version = lines[0].split(" ", 2)
                except ValueError:
                    await self._respond(writer, *_error(400, "Bad Request: malformed request line"), close=True)
                    return
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                try:
                    body = await self._read_body(reader, headers)
                except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                    return
                keep_alive = version.upper() == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                status, payload = await self._dispatch(verb, target, headers, body)
                await self._respond(writer, status, payload, close=not keep_alive)
                if not keep_alive:
                    return
        finally:
            self._writers.discard(writer)
            self._connections.discard(task)
            writer.close()

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
        length = int(headers.get("content-length") or 0)
        return await reader.readexactly(length) if length else b""

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any], *, close: bool) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n")
        try:
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except ConnectionError:
            pass

    async def _dispatch(self, verb: str, target: str, headers: dict[str, str], body: bytes):
        parts = urlsplit(target)
        path = parts.path.strip("/").split("/")
        if len(path) != 2 or not path[0].startswith("bot"):
            return _error(404, "Not Found")
        token, method = path[0][3:], path[1]
        if self._strict_token and token != self.token:
            return _error(401, "Unauthorized")
        params: dict[str, Any] = {k: _decode(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)}
        ctype = headers.get("content-type", "")
        if body and ctype.startswith("application/json"):
            params.update(json.loads(body))
        elif body and ctype.startswith("application/x-www-form-urlencoded"):
            params.update({k: _decode(k, v) for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True)})
        elif body:
            return _error(400, f"Bad Request: the stub does not read {ctype or 'this body'}")
        self.calls.append((method, params))
        handler = getattr(self, f"_api_{method.lower()}", None)
        status, payload = (await handler(params)) if handler else _ok(True)
        if status >= 400:
            self.errors.append(f"{method}: {payload['description']}")
        return status, payload

    # -- Bot API methods -------------------------------------------------------------------------
    async def _api_getme(self, params: dict[str, Any]):
        return _ok(dict(self.bot_user))

    async def _api_getupdates(self, params: dict[str, Any]):
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        if offset > 0:  # confirms (forgets) every update before offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + timeout
        while not self._updates and not self._closing and (left := deadline - time.monotonic()) > 0:
            self._updates_ready.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_ready.wait(), left)
        return _ok(self._updates[:limit])

    def _message(self, sent: SentMessage) -> dict[str, Any]:
        chat = {"id": sent.chat_id, "type": "private"} if isinstance(sent.chat_id, int) and sent.chat_id > 0 else {
            "id": sent.chat_id, "type": "supergroup", "title": "stub group"}
        message = {"message_id": sent.message_id, "date": int(time.time()), "chat": chat,
                   "from": dict(self.bot_user), "text": sent.plain}
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message

    async def _api_sendmessage(self, params: dict[str, Any]):
        chat_id, text = params.get("chat_id"), params.get("text")
        if chat_id is None:
            return _error(400, "Bad Request: chat_id is empty")
        if not text:
            return _error(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode")
        if self.validate_html and (parse_mode or "").upper() == "HTML":
            problem = check_telegram_html(text)
            if problem:
                return _error(400, f"Bad Request: {problem}")
        markup = params.get("reply_markup")
        sent = SentMessage(self.next_message_id(), chat_id, text, parse_mode,
                           markup if isinstance(markup, dict) else None, params, time.perf_counter())
        self._by_id[(chat_id, sent.message_id)] = sent
        cond = self.chat_condition(chat_id)
        async with cond:
            self.sent[chat_id].append(sent)
            cond.notify_all()
        return _ok(self._message(sent))

    async def _edit(self, params: dict[str, Any], **changes: Any):
        sent = self._by_id.get((params.get("chat_id"), params.get("message_id")))
        if sent is None:
            return _ok(True) if params.get("inline_message_id") else _error(400, "Bad Request: message to edit not found")
        for name, value in changes.items():
            setattr(sent, name, value)
        return _ok({**self._message(sent), "edit_date": int(time.time())})

    async def _api_editmessagetext(self, params: dict[str, Any]):
        markup = params.get("reply_markup")
        return await self._edit(params, text=params.get("text") or "", parse_mode=params.get("parse_mode"),
                                reply_markup=markup if isinstance(markup, dict) else None)

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]):
        markup = params.get("reply_markup")
        return await self._edit(params, reply_markup=markup if isinstance(markup, dict) else None)


class StubUser:
    """Someone writing to the bot: injects updates and waits (no polling) for the bot's messages."""

    def __init__(self, stub: BotAPIStub, user: dict[str, Any], chat: dict[str, Any]) -> None:
        self.stub, self.user, self.chat = stub, user, chat
        self.seen = 0  # replies already returned by wait_reply

    @property
    def chat_id(self) -> int:
        return self.chat["id"]

    @property
    def replies(self) -> list[SentMessage]:
        return self.stub.sent.get(self.chat_id, [])

    def send(self, text: str) -> int:
        """Write ``text`` to the bot (a command gets its bot_command entity); returns the update_id."""
        message: dict[str, Any] = {"message_id": self.stub.next_message_id(), "date": int(time.time()),
                                   "chat": dict(self.chat), "from": dict(self.user), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.stub.push_update({"message": message})

    def press(self, reply: SentMessage, callback_data: str) -> int:
        """Press an inline button of ``reply``; returns the update_id."""
        query = {"id": str(self.stub.next_message_id()), "from": dict(self.user), "chat_instance": f"ci{self.chat_id}",
                 "data": callback_data, "message": self.stub._message(reply)}  # noqa: SLF001
        return self.stub.push_update({"callback_query": query})

    async def wait_reply(self, timeout: float = 10.0) -> SentMessage:
        """The bot's next message in this chat (woken by the stub when it arrives); TimeoutError after ``timeout``."""
        cond = self.stub.chat_condition(self.chat_id)
        try:
            async with cond, asyncio.timeout(timeout):
                await cond.wait_for(lambda: len(self.replies) > self.seen)
        except TimeoutError:
            raise TimeoutError(f"chat {self.chat_id}: no reply #{self.seen + 1} within {timeout}s "
                               f"(stub errors: {self.stub.errors[-3:]})") from None
        self.seen += 1
        return self.replies[self.seen - 1]


@contextlib.asynccontextmanager
async def serving(
    app: Application,
    *,
    timeout: float = 10,
    poll_interval: float = 0.0,
    allowed_updates: list[str] | None = None,
    loggers: tuple[str, ...] = ("telegram", "bot"),
    fail_on_errors: bool = True,
    stop_timeout: float = 10.0,
) -> AsyncIterator[list[str]]:
    """Run ``app`` with long polling the way ``run_polling`` does (its defaults: timeout 10 s, no interval).

    Yields the list of ERROR records logged meanwhile by ``loggers`` (PTB's and the bot's: a handler
    exception reaches the bot's error handler, which logs it); with ``fail_on_errors`` the block fails at
    exit when there were any.
    """
    errors: list[str] = []
    async with polling(app, poll_interval=poll_interval, timeout=timeout, errors=errors, loggers=loggers,
                       allowed_updates=allowed_updates, fail_on_errors=fail_on_errors, stop_timeout=stop_timeout):
        yield errors
