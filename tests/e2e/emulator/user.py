"""Acting as a person writing to the bot through the emulator: messages, commands, buttons, waiting for replies."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from bench.botapi.telegram_html import utf16_len
from tests.e2e.emulator.common import BOT_FIRST_NAME, BOT_ID, BOT_USERNAME, maybe_json, seconds

if TYPE_CHECKING:
    from tests.e2e.emulator.process import Emulator



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
        markup = maybe_json(msg.get("reply_markup"))
        reply_params = maybe_json(msg.get("reply_parameters"))
        reply_to = msg.get("reply_to_message_id")
        if isinstance(reply_params, dict) and reply_params.get("message_id") is not None:
            reply_to = reply_params["message_id"]
        return cls(
            message_id=int(item["messageId"]),
            chat_id=int(msg["chat_id"]),
            text=msg.get("text"),
            parse_mode=msg.get("parse_mode"),
            reply_markup=markup if isinstance(markup, dict) else None,
            entities=maybe_json(msg.get("entities")),
            link_preview_options=maybe_json(msg.get("link_preview_options")),
            reply_to_message_id=int(reply_to) if reply_to is not None else None,
            date=int(seconds(item.get("time", 0))),
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
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}]
        return await self.send_message(text, entities=entities)

    async def mention_bot(self, text: str) -> dict[str, Any]:
        """``@TestNameBot text`` with a mention entity (how people address a bot in a group)."""
        mention = f"@{BOT_USERNAME}"
        entities = [{"type": "mention", "offset": 0, "length": utf16_len(mention)}]
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

