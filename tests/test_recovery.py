"""The durable bot (bot/recovery.py, bot/persistence.py), fast (a fake engine, no model): questions journaled by
the update queue and marked by the processor, replayed at start in order per chat, apologies for old ones, chat
state kept across a restart, /stats."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.app import build_application
from bot.journal import EXPIRED, REPLAYED, Journal
from bot.persistence import SQLitePersistence
from bot.recovery import PRUNER
from config import Settings
from retrieval.render import LATE_ANSWER, LATE_APOLOGY
from tests.fakes import ADMIN, FakeEngine, RecordingRequest
from tests.test_journal import press, question


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                    cache_dir=tmp_path / "cache", embedding_model="fake", bot_token="1:x", admin_ids=str(ADMIN),
                    user_rate_per_minute=2, reload_interval=30, journal_path=tmp_path / "bot" / "journal.sqlite3",
                    bot_state_path=tmp_path / "bot" / "state.sqlite3", journal_max_age=900, rate_queue=0)


async def start(settings: Settings):
    """A durable bot through PTB's start-up (initialize, post_init: the replay); returns it and its requests."""
    request = RecordingRequest()
    app = build_application(settings, engine=FakeEngine(settings), request=request, get_updates_request=request,
                            durable=True)
    await app.initialize()
    await app.post_init(app)
    return app, request


def texts(request: RecordingRequest, chat_id: int) -> list[str]:
    return [m["text"] for m in request.sent() if m["chat_id"] == chat_id]


def journal_before_start(settings: Settings, *updates, done: tuple[int, ...] = ()) -> None:
    """The journal a crashed run left: ``updates`` received, those in ``done`` answered."""
    journal = Journal(settings.journal_path)
    for update in updates:
        journal.admit(update)
    for update_id in done:
        journal.mark(update_id)
    journal.close()


async def test_questions_go_through_the_journal_and_are_marked_once_handled(settings):
    app, request = await start(settings)
    journal = app.bot_data["journal"]
    await app.start()  # the update fetcher: update_queue → processor → handlers
    try:
        for update in (question(1, 100, bot=app.bot), question(2, 200, "今天天气", bot=app.bot), press(3),
                       question(1, 100, bot=app.bot)):
            await app.update_queue.put(update)  # as the Updater and the webhook do
        await asyncio.wait_for(app.update_queue.join(), 30)
    finally:
        await app.stop()
    assert len(texts(request, 100)) == 1 and "78例" in texts(request, 100)[0]  # update 1 sent twice, answered once
    assert len(texts(request, 200)) == 1
    assert journal.pending() == [] and journal.marked["done"] == 2
    await app.shutdown()


async def test_a_restart_answers_what_was_pending_late_and_in_order_per_chat(settings, caplog):
    journal_before_start(settings, question(1, 100, "株洲累计确诊多少"), question(2, 200), question(3, 100, "今天天气"),
                         question(4, 300), done=(4,))
    with caplog.at_level(logging.INFO, logger="bot.recovery"):
        app, request = await start(settings)
    first, second = texts(request, 100)
    assert first.startswith(f"{LATE_ANSWER}\n\n<b>累计确诊78例") and second.startswith(f"{LATE_ANSWER}\n\n抱歉")
    assert len(texts(request, 200)) == 1 and texts(request, 300) == []  # answered before the crash: not again
    assert app.bot_data["journal"].pending() == []
    assert "replayed 3 questions" in caplog.text
    [pruner] = app.job_queue.get_jobs_by_name(PRUNER)  # handled updates forgotten after a day, checked hourly
    assert pruner.job.trigger.interval.total_seconds() == 3600
    await app.shutdown()


async def test_questions_older_than_the_limit_get_one_apology_per_chat(settings):
    journal_before_start(settings, question(1, 100, age=2000), question(2, 100, age=1000), question(3, 100, age=5),
                         question(4, 200, age=3600))
    app, request = await start(settings)
    apology, late = texts(request, 100)
    assert apology == LATE_APOLOGY and late.startswith(LATE_ANSWER)  # none older than the limit answered late
    assert texts(request, 200) == [LATE_APOLOGY]
    journal = app.bot_data["journal"]
    assert journal.marked == {EXPIRED: 3, REPLAYED: 1} and journal.pending() == []
    await app.shutdown()


async def test_stats_show_pending_and_replayed(settings):
    journal_before_start(settings, question(1, 100), question(2, 100, age=5000))
    app, request = await start(settings)
    app.bot_data["journal"].admit(question(3, 300))  # one being answered now
    await app.process_update(question(9, ADMIN, "/stats", bot=app.bot))
    stats = texts(request, ADMIN)[-1]
    assert "待回答：1" in stats and "重启后补答：1" in stats and "过期致歉：1" in stats
    await app.shutdown()


async def test_the_rate_limit_survives_a_restart(settings):
    app, request = await start(settings)
    for update_id in (1, 2):
        await app.process_update(question(update_id, 555, bot=app.bot))
    await app.update_persistence()  # what PTB does every second (SQLitePersistence.update_interval)
    await app.shutdown()  # no clean stop needed: the rows were written above

    again, request = await start(settings)
    assert len(again.user_data[555]["asked"]) == 2
    await again.process_update(question(3, 555, bot=again.bot))
    [refused] = texts(request, 555)
    assert refused.startswith("「株洲累计确诊多少」没有回答：提问太频繁了，请")  # refused, not answered
    await again.shutdown()


async def test_a_damaged_journal_is_moved_aside_and_the_bot_starts(settings, caplog):
    settings.journal_path.parent.mkdir(parents=True)
    settings.journal_path.write_bytes(b"not a database" * 500)
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        app, request = await start(settings)
    assert "damaged" in caplog.text
    assert list(settings.journal_path.parent.glob("journal.sqlite3.corrupt-*"))
    await app.process_update(question(1, 100, bot=app.bot))
    assert "78例" in texts(request, 100)[0]
    await app.shutdown()


async def test_chat_and_user_data_rows(tmp_path):
    state = SQLitePersistence(tmp_path / "state.sqlite3")
    await state.update_chat_data(-100, {"区县": "荷塘区"})
    await state.update_user_data(7, {"asked": [1.5]})
    await state.update_user_data(8, {"asked": []})
    await state.drop_user_data(8)
    await state.flush()
    again = SQLitePersistence(tmp_path / "state.sqlite3")
    assert await again.get_chat_data() == {-100: {"区县": "荷塘区"}}
    assert await again.get_user_data() == {7: {"asked": [1.5]}}
    with pytest.raises(NotImplementedError):
        await again.get_bot_data()  # holds the engine: never kept
    await again.flush()


async def test_a_follow_up_context_survives_a_restart(tmp_path):
    """chat_data holds follow-up contexts (dataclasses) keyed by user id (ints): both come back as they were."""
    from retrieval.followup import Context

    context = Context(thing="出院", qualifier="累计", place="醴陵")
    state = SQLitePersistence(tmp_path / "state.sqlite3")
    await state.update_chat_data(5, {"followup": {7: (1700000000.0, context)}})
    await state.flush()
    again = SQLitePersistence(tmp_path / "state.sqlite3")
    assert (await again.get_chat_data())[5]["followup"][7] == (1700000000.0, context)
    await again.flush()
