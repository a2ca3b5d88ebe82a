"""PTB persistence in SQLite: chat_data and user_data (the rate limit) kept across restarts and crashes."""

from __future__ import annotations

import pickle  # noqa: S403 — only this process writes the file it reads (var/bot/), as PTB's PicklePersistence
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.store import connect

FLUSH_EVERY = 1.0  # seconds between PTB's writes of the data handlers changed (its default: 60)
SCHEMA = """
CREATE TABLE IF NOT EXISTS data (
    kind  TEXT NOT NULL,     -- 'chat' or 'user'
    id    INTEGER NOT NULL,  -- the chat's or the user's id
    value BLOB NOT NULL,     -- the dict, pickled (follow-up contexts are dataclasses; ids stay ints)
    PRIMARY KEY (kind, id)
);
"""


class SQLitePersistence(BasePersistence):
    """``chat_data`` and ``user_data`` as one pickled row per chat and per user, written within ``FLUSH_EVERY`` of a
    change (each row its own transaction: a crash never leaves half a write). Their values must pickle.

    Not kept: ``bot_data`` (it holds the live engine and settings) and the data behind answers' buttons (a
    button pressed after a restart says it expired). The bot has no persistent conversations.
    """

    def __init__(self, path: Path, update_interval: float = FLUSH_EVERY) -> None:
        super().__init__(PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
                         update_interval)
        self._db = connect(path, SCHEMA)

    def _load(self, kind: str) -> dict[int, dict[str, Any]]:
        rows = self._db.execute("SELECT id, value FROM data WHERE kind = ?", (kind,))
        return {key: pickle.loads(value) for key, value in rows}  # noqa: S301 — our own file (see import)

    def _save(self, kind: str, key: int, data: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO data (kind, id, value) VALUES (?, ?, ?)",
                         (kind, key, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)))

    def _drop(self, kind: str, key: int) -> None:
        self._db.execute("DELETE FROM data WHERE kind = ? AND id = ?", (kind, key))

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return self._load("chat")

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return self._load("user")

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        self._save("chat", chat_id, data)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        self._save("user", user_id, data)

    async def drop_chat_data(self, chat_id: int) -> None:
        self._drop("chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self._drop("user", user_id)

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        """Nothing to do: this process is the only writer, its dicts are the current data."""

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing to do (see refresh_chat_data)."""

    async def flush(self) -> None:
        """Every write is committed when made: only the file is closed (at the Application's shutdown)."""
        self._db.close()

    async def _not_kept(self, *_: object) -> None:
        raise NotImplementedError("not kept: bot_data, buttons' data and conversations (store_data leaves them out)")

    # what store_data leaves out: PTB never calls these (the bot has no persistent conversations either)
    get_bot_data = update_bot_data = refresh_bot_data = _not_kept
    get_callback_data = update_callback_data = get_conversations = update_conversation = _not_kept
