"""What the emulator modules share: the bot identity it reports, its data quirks, the record of calls."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
# What telegram-test-api's getMe answers (for every token), completed by EmulatorRequest.
BOT_ID = 666
BOT_USERNAME = "TestNameBot"
BOT_FIRST_NAME = "Test First name"
DEFAULT_TOKEN = "123456:E2E-TEST-TOKEN"


def seconds(value: Any) -> Any:
    """telegram-test-api stamps bot messages with Date.getTime() (milliseconds): make it seconds."""
    if isinstance(value, int | float) and value > 10**11:
        return int(value // 1000)
    return value


def maybe_json(value: Any) -> Any:
    """Request fields reach the emulator form-encoded: objects stay JSON strings there."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def inline_markup(value: Any) -> dict[str, Any] | None:
    """The inline keyboard of a reply_markup (None when there is none or it is empty)."""
    markup = maybe_json(value)
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        return {"inline_keyboard": markup["inline_keyboard"]}
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

