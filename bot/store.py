"""The bot's own SQLite files (journal, chat state): WAL mode, and a damaged file moved aside, never fatal."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)
# synchronous=NORMAL: a commit survives the process dying (OOM kill, kill -9); only a power cut or a kernel crash
# may lose the last commits. FULL would fsync every commit (about 4 ms on a small server's disk, twice a question).
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")
DAMAGED = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


class Damaged(sqlite3.DatabaseError):
    """SQLite's integrity check found damage."""


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open (or create) the SQLite file at ``path`` with ``schema``; a file SQLite cannot read, or whose
    integrity check fails, is renamed to ``<name>.corrupt-<time>`` with a warning and a new one begun."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open(path, schema)
    except sqlite3.DatabaseError as err:
        if not (isinstance(err, Damaged) or err.sqlite_errorcode in DAMAGED):
            raise  # locked, unreadable, a wrong schema: not the file's fault, nothing is moved
        aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        for suffix in ("-wal", "-shm"):  # the damaged file's log and index would be replayed into the new one
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        log.warning("%s is damaged (%s): moved aside to %s, starting a new one", path, err, aside.name)
        return _open(path, schema)


def _open(path: Path, schema: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)  # autocommit: each write is its own transaction
    try:
        for pragma in PRAGMAS:
            db.execute(pragma)
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise Damaged(verdict)
        db.executescript(schema)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db
