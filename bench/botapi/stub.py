"""A minimal in-process Telegram Bot API over real HTTP on 127.0.0.1, for measuring and testing the bot itself.

Unlike the npm emulator the tests also use (tests/e2e/emulator/), nothing here polls or sleeps: ``getUpdates`` is a real long
poll (it answers at once when updates are queued and otherwise waits, up to ``timeout`` seconds, for one to
be injected), and simulated users are woken by a condition when a message for their chat arrives. It runs in
the caller's event loop (asyncio streams, no extra dependency) and is reached by the bot's own production
HTTP layer (PTB's ``HTTPXRequest``) through ``base_url``.

What it implements (just what python-telegram-bot needs to run the bot):

* ``getMe`` (a bot user, ``is_bot`` true), ``getUpdates`` (``offset`` confirms, ``limit``, ``timeout``),
* ``sendMessage`` and ``sendPhoto`` (recorded; answers a Telegram Message, ``date`` in seconds; ``parse_mode=HTML``
  text is checked the way Telegram does, see :func:`bench.botapi.telegram_html.check_telegram_html`, and refused
  with a 400 when Telegram would refuse it; a chat in ``blocked`` gets 403 Forbidden),
* ``editMessageText`` / ``editMessageReplyMarkup`` of a recorded message (answers the edited Message),
* every other method (``setMyCommands``, ``sendChatAction``, ``deleteWebhook``, ``answerCallbackQuery`` ...):
  ``{"ok": true, "result": true}``. Every call is recorded in :attr:`BotAPIStub.calls`.

Example (pytest-asyncio, the bot's own factory and production HTTP layer)::

    async with BotAPIStub() as stub:
        settings = settings.model_copy(update={"bot_token": SecretStr(stub.token), "bot_api_url": stub.bot_api_url})
        app = build_application(settings, engine=engine)
        async with serving(app):
            user = stub.user(1001)
            user.send("株洲累计确诊多少")
            reply = await user.wait_reply(timeout=10)
            assert "78" in reply.text
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import re
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application

from bench.botapi.http import JSONServer, error, ok, request_params, split_target
from bench.botapi.lifecycle import LocalBotAPI, polling
from bench.botapi.telegram_html import check_telegram_html

DEFAULT_TOKEN = "123456:STUB-TOKEN"  # noqa: S105 - the stub's made-up bot token
BOT_ID = 777
BOT_USERNAME = "StubNewsBot"
_TAG = re.compile(r"<[^>]*>")


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


class BotAPIStub(LocalBotAPI, JSONServer):
    """The Bot API for one bot token on ``http://127.0.0.1:<port>``; ``async with BotAPIStub() as stub``.

    Args:
        token: the only token accepted (others get 401 like Telegram); ``None`` accepts any.
        port: 0 lets the OS choose.
        validate_html: refuse ``parse_mode=HTML`` texts Telegram would refuse (400 "can't parse entities",
            "message is too long" ...).
    """

    def __init__(self, *, token: str | None = DEFAULT_TOKEN, port: int = 0, validate_html: bool = True) -> None:
        JSONServer.__init__(self, port)
        self.token = token or DEFAULT_TOKEN
        self._strict_token = token is not None
        self.validate_html = validate_html
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Stub News", "username": BOT_USERNAME,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: dict[int | str, list[SentMessage]] = defaultdict(list)
        self.errors: list[str] = []  # 4xx answers the stub gave (a correct bot gets none)
        self.blocked: set[int | str] = set()  # chats whose users blocked the bot: sends get 403 Forbidden
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._by_id: dict[tuple[int | str, int], SentMessage] = {}
        self._updates_ready = asyncio.Event()
        self._chat_conditions: dict[int | str, asyncio.Condition] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> BotAPIStub:
        await self.start_serving()
        return self

    async def stop(self) -> None:
        """Answer pending long polls (empty), close every connection and the listening socket."""
        self._closing = True
        self._updates_ready.set()
        await self.stop_serving()

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

    # -- one Bot API call (JSONServer parses the HTTP) ---------------------------------------------
    async def dispatch(self, verb: str, target: str, headers: dict[str, str], body: bytes):
        path, query = split_target(target)
        if len(path) != 2 or not path[0].startswith("bot"):
            return error(404, "Not Found")
        token, method = path[0][3:], path[1]
        if self._strict_token and token != self.token:
            return error(401, "Unauthorized")
        params = request_params(query, headers, body)
        if params is None:
            return error(400, f"Bad Request: the stub does not read {headers.get('content-type') or 'this body'}")
        self.calls.append((method, params))
        handler = getattr(self, f"_api_{method.lower()}", None)
        status, payload = (await handler(params)) if handler else ok(True)
        if status >= 400:
            self.errors.append(f"{method}: {payload['description']}")
        return status, payload

    # -- Bot API methods -------------------------------------------------------------------------
    async def _api_getme(self, params: dict[str, Any]):
        return ok(dict(self.bot_user))

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
        return ok(self._updates[:limit])

    def _message(self, sent: SentMessage) -> dict[str, Any]:
        chat = {"id": sent.chat_id, "type": "private"} if isinstance(sent.chat_id, int) and sent.chat_id > 0 else {
            "id": sent.chat_id, "type": "supergroup", "title": "stub group"}
        message = {"message_id": sent.message_id, "date": int(time.time()), "chat": chat,
                   "from": dict(self.bot_user), "text": sent.plain}
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message

    async def _api_sendmessage(self, params: dict[str, Any]):
        if not params.get("text"):
            return error(400, "Bad Request: message text is empty")
        return await self._record(params, params.get("text"))

    async def _api_sendphoto(self, params: dict[str, Any]):
        """A photo (the upload's bytes are kept in ``params["photo"]``); its caption is the message's text."""
        if not params.get("photo"):
            return error(400, "Bad Request: there is no photo in the request")
        return await self._record(params, params.get("caption") or "", caption=True)

    async def _record(self, params: dict[str, Any], text: str, caption: bool = False):
        chat_id, parse_mode = params.get("chat_id"), params.get("parse_mode")
        if chat_id is None:
            return error(400, "Bad Request: chat_id is empty")
        if chat_id in self.blocked:
            return error(403, "Forbidden: bot was blocked by the user")
        if self.validate_html and (parse_mode or "").upper() == "HTML":
            problem = check_telegram_html(text)
            if problem:
                return error(400, f"Bad Request: {problem}")
        markup = params.get("reply_markup")
        sent = SentMessage(self.next_message_id(), chat_id, text, parse_mode,
                           markup if isinstance(markup, dict) else None, params, time.perf_counter())
        self._by_id[(chat_id, sent.message_id)] = sent
        cond = self.chat_condition(chat_id)
        async with cond:
            self.sent[chat_id].append(sent)
            cond.notify_all()
        message = self._message(sent)
        if caption:
            photo = {"file_id": f"photo{sent.message_id}", "file_unique_id": f"p{sent.message_id}", "width": 1,
                     "height": 1}
            message = {**message, "photo": [photo], "caption": message.pop("text")}
        return ok(message)

    async def _edit(self, params: dict[str, Any], **changes: Any):
        sent = self._by_id.get((params.get("chat_id"), params.get("message_id")))
        if sent is None:
            return ok(True) if params.get("inline_message_id") else error(400, "Bad Request: message to edit not found")
        for name, value in changes.items():
            setattr(sent, name, value)
        return ok({**self._message(sent), "edit_date": int(time.time())})

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
