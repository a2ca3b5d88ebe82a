"""Fair rate limiting (bot/pacing.py): a burst past the limit waits its turn, in order; past the queue it is refused."""

from __future__ import annotations

import asyncio
import time

from bot import pacing


def test_a_burst_is_queued_then_refused_with_when_to_retry():
    data: dict = {}
    slots = [pacing.reserve(data, limit=3, queue=2) for _ in range(6)]
    assert [s.wait for s in slots[:3]] == [0.0, 0.0, 0.0]
    assert all(55 < s.wait <= 60 and not s.refused for s in slots[3:5])  # waiting their turn
    assert slots[5].refused and 55 < slots[5].retry <= 61
    data["asked"] = [time.monotonic() - 61] * 5  # a minute later the window is empty again
    assert pacing.reserve(data, limit=3, queue=0) == pacing.Slot() and len(data["asked"]) == 1


async def test_one_askers_questions_are_answered_in_arrival_order():
    done: list[int] = []

    async def ask(n: int) -> None:
        async with pacing.in_order(1, 2):
            await asyncio.sleep(0.01 * (5 - n))  # the first takes longest
            done.append(n)

    await asyncio.gather(*(ask(n) for n in range(5)))
    assert done == [0, 1, 2, 3, 4] and pacing._turns == {}
