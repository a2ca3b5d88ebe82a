"""Nothing lost when the bot process dies: `python -m bot` killed (SIGKILL) while answering many chats and started
again answers every question once more at most for the replies in flight at the kill, late ones marked, old ones
apologised for; stopped with SIGTERM (a deploy) and started again: every question answered once."""

from __future__ import annotations

import signal

import pytest

from bench.botapi import BotAPIStub
from tests.e2e.restart import BotProcess, Load, bot_env, interrupt

pytestmark = pytest.mark.slow
MAX_AGE = 600  # JOURNAL_MAX_AGE; the old chats' questions are dated an hour back


async def test_killed_and_stopped_while_answering(seed_settings, seed_index_copy, tmp_path):
    async with BotAPIStub() as stub:
        env = bot_env(stub, tmp_path, data_dir=str(seed_settings.data_dir), index_dir=seed_index_copy,
                      cache_dir=str(seed_settings.cache_dir), embedding_model=seed_settings.embedding_model,
                      journal_max_age=str(MAX_AGE))
        bot = BotProcess(stub, env, tmp_path / "bot.log")
        await bot.start()
        try:
            killed_load = Load(stub, chats=24, per_chat=4, old_chats=6, old_by=3600)
            await killed_load.learn_answers()
            killed = await interrupt(bot, killed_load, signal.SIGKILL, after_replies=8)
            print("SIGKILL:", killed)  # noqa: T201 - the figures docs/reliability.md reports
            stopped_load = Load(stub, chats=24, per_chat=4, first_chat=20_000, reference=killed_load.reference)
            stopped = await interrupt(bot, stopped_load, signal.SIGTERM, after_replies=8)
            print("SIGTERM:", stopped)  # noqa: T201
        finally:
            code = await bot.stop() if bot.proc.returncode is None else bot.proc.returncode
    output = bot.output()
    assert code == 0 and stub.errors == [] and "Traceback" not in output, output[-3000:]

    assert killed["exit_code"] == -signal.SIGKILL and killed["pending_at_stop"] > 0  # killed while answering
    assert killed["answered"] == killed["questions"] - killed["old_pending"]  # every question but the old ones
    assert killed["duplicates"] <= killed["in_flight"]
    assert killed["late"] > 0 and killed["late_old"] == 0  # none older than the limit answered late …
    assert killed["apologies"] == dict.fromkeys(killed["old_pending_chats"], 1)  # … one apology per chat instead
    assert killed["unmatched"] == 0
    assert f"replayed {killed['late']} questions" in output

    assert stopped["exit_code"] == 0 and stopped["pending_at_stop"] == 0  # SIGTERM: the queue was drained
    assert stopped["answered"] == stopped["questions"] and stopped["duplicates"] == 0
    assert stopped["late"] == 0 and stopped["apologies"] == {} and stopped["unmatched"] == 0
