"""Shared test doubles: a recording Bot API request, Telegram updates, the fake embedder.

FakeEmbedder is defined in index/embedder.py (EMBEDDING_MODEL=fake selects it, also in a subprocess) and
re-exported here, so tests take every fake from this module.
"""

from __future__ import annotations

import json
import time

from telegram import Update
from telegram.request import BaseRequest, RequestData

from index.embedder import FakeEmbedder

BOT_ID, USER = 999, 7

# -- the Telegram side (handler, load and fault tests) ---------------------------------------------------------


class RecordingRequest(BaseRequest):
    """Answers every Bot API call with a canned success and remembers what was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._next_id = 100

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url, method, request_data: RequestData | None = None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append((endpoint, params))
        if endpoint == "getMe":
            result = {"id": BOT_ID, "is_bot": True, "first_name": "News", "username": "zz_news_bot"}
        elif endpoint in ("sendMessage", "editMessageText"):
            self._next_id += 1
            result = {"message_id": self._next_id, "date": int(time.time()), "text": params.get("text", ""),
                      "chat": {"id": params.get("chat_id"), "type": "private"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self, endpoint: str = "sendMessage") -> list[dict]:
        return [params for name, params in self.calls if name == endpoint]


def message_update(app, text: str, *, user: int = USER, chat_type: str = "private", chat_id: int | None = None,
                   entities=None, reply_to_bot: bool = False) -> Update:
    chat_id = chat_id if chat_id is not None else user
    message = {
        "message_id": 1, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": chat_type, **({"title": "g"} if chat_type != "private" else {})},
        "from": {"id": user, "is_bot": False, "first_name": "U"},
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if entities:
        message["entities"] = entities
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 0, "date": int(time.time()), "text": "earlier answer",
            "chat": message["chat"], "from": {"id": BOT_ID, "is_bot": True, "first_name": "News"},
        }
    return Update.de_json({"update_id": 1, "message": message}, app.bot)


__all__ = ["BOT_ID", "USER", "FakeEmbedder", "RecordingRequest", "message_update"]
