"""The journal of questions (bot/journal.py) and the bot's SQLite files (bot/store.py): write, mark, pending
in order, redelivered updates recognised, a damaged file moved aside."""

from __future__ import annotations

import json
import logging
import sqlite3
import time

import pytest
from telegram import Bot, Update

from bot.journal import DONE, EXPIRED, KEEP, REPLAYED, Journal
from bot.store import connect

BOT = Bot("1:x")


def question(update_id: int, chat_id: int, text: str = "株洲累计确诊多少", *, age: float = 0.0,
             edited: bool = False, bot: Bot = BOT) -> Update:
    """A text message or command (or its edit) from ``chat_id``, written ``age`` seconds ago, for ``bot``."""
    message = {"message_id": update_id, "date": int(time.time() - age), "text": text,
               "chat": {"id": chat_id, "type": "private"}, "from": {"id": chat_id, "is_bot": False, "first_name": "U"}}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if edited:
        message["edit_date"] = int(time.time() - age)
    return Update.de_json({"update_id": update_id, ("edited_message" if edited else "message"): message}, bot)


def press(update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "callback_query": {
        "id": "q", "chat_instance": "ci", "data": "x", "from": {"id": 1, "is_bot": False, "first_name": "U"}}}, BOT)


@pytest.fixture
def journal(tmp_path):
    journal = Journal(tmp_path / "bot" / "journal.sqlite3")
    yield journal
    journal.close()


def test_a_question_is_written_once_and_pending_until_marked(journal):
    assert journal.admit(question(1, 100, "株洲累计确诊多少"))
    assert not journal.admit(question(1, 100, "株洲累计确诊多少"))  # Telegram sent it again after a restart
    [entry] = journal.pending()
    assert (entry.update_id, entry.chat_id) == (1, 100)
    assert entry.update(BOT).message.text == "株洲累计确诊多少"
    assert journal.stats() == {"pending": 1, "replayed": 0, "expired": 0}
    journal.mark(1)
    journal.mark(1, REPLAYED)  # marked already: nothing changes
    assert journal.pending() == [] and journal.stats()["pending"] == 0
    assert journal.marked == {DONE: 1, REPLAYED: 0}
    assert not journal.admit(question(1, 100))  # answered: still recognised


def test_button_presses_are_not_journaled(journal):
    assert journal.admit(press(7)) and journal.admit(press(7))
    assert journal.pending() == []


def test_pending_chat_by_chat_in_arrival_order(journal):
    for update_id, chat in [(5, 300), (1, 200), (3, 300), (2, 100), (4, 200), (6, 100)]:
        journal.admit(question(update_id, chat))
    journal.mark(6)
    assert [(e.chat_id, e.update_id) for e in journal.pending()] == [(100, 2), (200, 1), (200, 4), (300, 3), (300, 5)]


def test_asked_at_is_when_the_user_wrote_or_edited(journal):
    journal.admit(question(1, 100, age=1000))
    journal.admit(question(2, 100, age=10, edited=True))
    old, edit = journal.pending()
    assert time.time() - old.asked_at == pytest.approx(1000, abs=5)
    assert time.time() - edit.asked_at == pytest.approx(10, abs=5)
    assert edit.update(BOT).edited_message is not None


def test_kept_across_reopening_and_handled_ones_forgotten_after_a_day(tmp_path):
    path = tmp_path / "journal.sqlite3"
    first = Journal(path)
    for update_id in (1, 2, 3, 4):
        first.admit(question(update_id, 100))
    first.mark(1)
    first.mark(2, EXPIRED)
    first.mark(4)
    first._db.execute("UPDATE updates SET received_at = ? WHERE update_id < 4", (time.time() - KEEP - 1,))  # noqa: SLF001
    first.close()
    again = Journal(path)  # a day later
    assert [e.update_id for e in again.pending()] == [3]  # pending stays however old: replay decides
    assert again.admit(question(1, 100))  # forgotten: a new update with that id is a new question
    assert not again.admit(question(4, 100))  # handled less than a day ago: still recognised
    again.mark(1)
    again._db.execute("UPDATE updates SET received_at = 0 WHERE update_id = 1")  # noqa: SLF001 - another day
    again.prune()  # what the hourly job does
    assert again.admit(question(1, 100))
    again.close()


def test_the_reply_to_an_answer_with_buttons_is_written_as_json(journal):
    """PTB puts the objects behind an answer's buttons back into a reply to it: they are not JSON."""
    update = question(1, 100)
    answer = {"message_id": 9, "date": 0, "chat": {"id": 100, "type": "private"}, "text": "答",
              "from": {"id": 1, "is_bot": True, "first_name": "Bot"},
              "reply_markup": {"inline_keyboard": [[{"text": "更多来源", "callback_data": "abc"}]]}}
    data = update.to_dict() | {"message": update.message.to_dict() | {"reply_to_message": answer}}
    replied = Update.de_json(json.loads(json.dumps(data)), BOT)
    button = replied.message.reply_to_message.reply_markup.inline_keyboard[0][0]
    button._unfreeze()  # noqa: SLF001 - as ExtBot.insert_callback_data does
    button.callback_data = object()
    assert journal.admit(replied)
    [entry] = journal.pending()
    assert entry.update(BOT).message.reply_to_message.text == "答"


@pytest.mark.parametrize("damage", [b"this is not a database" * 200, None])
def test_a_damaged_file_is_moved_aside_with_a_warning(tmp_path, caplog, damage):
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    journal.admit(question(1, 100))
    journal.close()
    if damage is None:  # a damaged page: the header is intact, the table's page is not
        raw = bytearray(path.read_bytes())
        raw[4096:8192] = b"\xff" * 4096
        path.write_bytes(bytes(raw))
    else:
        path.write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        fresh = Journal(path)
    assert fresh.pending() == [] and fresh.admit(question(2, 100))
    fresh.close()
    [aside] = tmp_path.glob("journal.sqlite3.corrupt-*")
    assert "damaged" in caplog.text and aside.name in caplog.text


def test_store_files_are_in_wal_mode(tmp_path):
    db = connect(tmp_path / "x.sqlite3", "CREATE TABLE IF NOT EXISTS t (x)")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    with pytest.raises(sqlite3.OperationalError):
        connect(tmp_path / "y.sqlite3", "CREATE TABLE (")  # a wrong schema is a bug, not a damaged file
