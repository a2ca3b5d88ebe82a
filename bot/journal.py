"""The journal of questions: written before an update is handled, marked once it is answered, read after a crash."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot, Update

from bot.store import connect

PENDING, DONE, REPLAYED, EXPIRED = "pending", "done", "replayed", "expired"
KEEP = 24 * 3600  # seconds a handled update is remembered: Telegram sends an unconfirmed one again for up to a day
SCHEMA = """
CREATE TABLE IF NOT EXISTS updates (
    update_id   INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    asked_at    REAL NOT NULL,   -- when the user wrote (the message's date or edit date), Unix seconds
    received_at REAL NOT NULL,   -- when this bot journaled it
    payload     TEXT NOT NULL,   -- the update as JSON
    state       TEXT NOT NULL DEFAULT 'pending'  -- pending, done, replayed (answered late), expired (apologised)
);
CREATE INDEX IF NOT EXISTS pending_updates ON updates (chat_id, update_id) WHERE state = 'pending';
"""


@dataclass(frozen=True)
class Entry:
    """A journaled question that was not answered."""

    update_id: int
    chat_id: int
    asked_at: float
    payload: str

    def update(self, bot: Bot) -> Update:
        return Update.de_json(json.loads(self.payload), bot)


class Journal:
    """Questions (messages and edits) in SQLite from receipt to answer; button presses are not journaled.

    Handled updates are kept for a day, so that one Telegram sends again (fetched, but not confirmed before
    the process died) is recognised and not answered twice.
    """

    def __init__(self, path: Path) -> None:
        self._db = connect(path, SCHEMA)
        self.prune()
        self.marked: Counter[str] = Counter()  # updates this process marked, by state

    def admit(self, update: Update) -> bool:
        """Journal ``update`` if it is a question; False when it was journaled before (Telegram sent it again)."""
        message = update.message or update.edited_message
        if message is None:
            return True  # button presses expire: not replayed, not journaled
        asked = message.edit_date or message.date
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO updates (update_id, chat_id, asked_at, received_at, payload) VALUES (?, ?, ?, ?, ?)",
            (update.update_id, message.chat_id, asked.timestamp(), time.time(), _payload(update)))
        return cursor.rowcount == 1

    def mark(self, update_id: int, state: str = DONE) -> None:
        """``update_id`` is answered (``done``, or ``replayed`` after a restart) or ``expired``; a no-op for
        updates that were not journaled or are marked already."""
        cursor = self._db.execute("UPDATE updates SET state = ? WHERE update_id = ? AND state = ?",
                                  (state, update_id, PENDING))
        self.marked[state] += cursor.rowcount

    def pending(self) -> list[Entry]:
        """The questions not answered, chat by chat, each chat's in the order they arrived."""
        rows = self._db.execute("SELECT update_id, chat_id, asked_at, payload FROM updates WHERE state = ? "
                                "ORDER BY chat_id, update_id", (PENDING,))
        return [Entry(*row) for row in rows]

    def stats(self) -> dict[str, int]:
        """For /stats: questions pending now, and those answered late or apologised for since this start."""
        [pending] = self._db.execute("SELECT COUNT(*) FROM updates WHERE state = ?", (PENDING,)).fetchone()
        return {"pending": pending, "replayed": self.marked[REPLAYED], "expired": self.marked[EXPIRED]}

    def prune(self) -> None:
        """Forget the handled updates received more than ``KEEP`` seconds ago (at start, then hourly)."""
        self._db.execute("DELETE FROM updates WHERE state != ? AND received_at < ?", (PENDING, time.time() - KEEP))

    def close(self) -> None:
        self._db.close()


def _payload(update: Update) -> str:
    """The update as JSON. The buttons of an answer a question replies to hold the data PTB put back into them
    (objects, not JSON): they are written as null, nothing needs them to answer again."""
    return json.dumps(update.to_dict(), ensure_ascii=False, default=lambda _: None)
