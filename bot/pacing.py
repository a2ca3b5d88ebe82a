"""Fair rate limiting: one asker's questions are answered in order; a burst past the per-minute limit waits its turn."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

WINDOW = 60.0  # seconds over which ``user_rate_per_minute`` is counted
_turns: dict[tuple[int, int], tuple[asyncio.Lock, int]] = {}  # (chat, user) → its lock, questions holding or awaiting it


@dataclass(frozen=True)
class Slot:
    """When a question may be answered: ``wait`` seconds from now, or refused (``retry`` seconds to ask again)."""

    wait: float = 0.0
    refused: bool = False
    retry: int = 0


def reserve(data: dict | None, limit: int, queue: int) -> Slot:
    """Reserve the next answer slot in the asker's ``user_data``: at most ``limit`` answers in any 60 seconds;
    up to ``queue`` questions past that wait their turn, more are refused. Only the last minute (and the
    reserved future slots) is kept, under ``asked``."""
    if data is None:  # an update without a user (a channel post)
        return Slot()
    now = time.time()  # wall clock: user_data (and these times) are kept across restarts (bot/persistence.py)
    recent = sorted(t for t in data.get("asked", ()) if now - t < WINDOW)
    slot = now if len(recent) < limit else recent[-limit] + WINDOW
    if slot > now and sum(t > now for t in recent) >= queue:
        data["asked"] = recent
        return Slot(refused=True, retry=int(slot - now) + 1)
    data["asked"] = [*recent, slot]
    return Slot(wait=slot - now)


@asynccontextmanager
async def in_order(chat_id: int, user_id: int) -> AsyncIterator[None]:
    """Hold the asker's turn in this chat: their questions are answered one after another, first come first served
    (asyncio locks wake waiters in order); a lock no question holds or waits for is dropped."""
    key = (chat_id, user_id)
    lock, users = _turns.get(key, (asyncio.Lock(), 0))
    _turns[key] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _turns[key]
        if users == 1:
            del _turns[key]
        else:
            _turns[key] = (lock, users - 1)
