"""Who follows which figure, and the last value each was sent, in SQLite (committed on every change)."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    chat_id INTEGER NOT NULL, metric TEXT NOT NULL, region TEXT NOT NULL,
    asof_key TEXT, value TEXT, unit TEXT, asof_label TEXT, since REAL NOT NULL,
    PRIMARY KEY (chat_id, metric, region)
);
CREATE TABLE IF NOT EXISTS notices (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Subscription:
    """A chat following (metric, region); ``asof_key`` … ``asof_label``: the figure it last saw (None: none yet)."""

    chat_id: int
    metric: str
    region: str
    asof_key: str | None
    value: str | None
    unit: str | None
    asof_label: str | None


class SubscriptionStore:
    """The subscriptions of every chat and the bot's "already told" marks (``notices``), in one SQLite file.

    Every write is committed at once (WAL), so a restart neither loses a subscription nor repeats an alert that
    was marked sent. Safe to call from the event loop and from worker threads (one lock).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def _write(self, sql: str, args: tuple) -> int:
        with self._lock:
            return self._con.execute(sql, args).rowcount

    def _rows(self, sql: str, args: tuple = ()) -> list[Subscription]:
        with self._lock:
            rows = self._con.execute(sql, args).fetchall()
        return [Subscription(*row) for row in rows]

    def add(self, chat_id: int, metric: str, region: str, seen: tuple[str, str, str, str] | None) -> bool:
        """Follow (metric, region) from ``seen`` (asof_key, value, unit, asof_label: the figure shown now, so
        only later ones are sent); False when the chat already follows it."""
        sql = "INSERT OR IGNORE INTO subscriptions VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        return self._write(sql, (chat_id, metric, region, *(seen or (None,) * 4), time.time())) > 0

    def remove(self, chat_id: int, metric: str | None = None, region: str | None = None) -> int:
        """Stop following (metric, region), or everything the chat follows when ``metric`` is None."""
        if metric is None:
            return self._write("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
        return self._write("DELETE FROM subscriptions WHERE chat_id = ? AND metric = ? AND region = ?",
                           (chat_id, metric, region))

    def of_chat(self, chat_id: int) -> list[Subscription]:
        return self._rows(f"{_SELECT} WHERE chat_id = ? ORDER BY since", (chat_id,))

    def all(self) -> list[Subscription]:
        return self._rows(f"{_SELECT} ORDER BY metric, region, chat_id")

    def mark_sent(self, sub: Subscription, seen: tuple[str, str, str, str]) -> None:
        """Record that ``sub``'s chat now knows the figure ``seen`` (asof_key, value, unit, asof_label)."""
        self._write("UPDATE subscriptions SET asof_key = ?, value = ?, unit = ?, asof_label = ? "
                    "WHERE chat_id = ? AND metric = ? AND region = ?", (*seen, sub.chat_id, sub.metric, sub.region))

    def notice(self, name: str) -> str | None:
        """The value last recorded under ``name`` (e.g. the build admins were last told about)."""
        with self._lock:
            row = self._con.execute("SELECT value FROM notices WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_notice(self, name: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO notices VALUES (?, ?)", (name, value))


_SELECT = "SELECT chat_id, metric, region, asof_key, value, unit, asof_label FROM subscriptions"
