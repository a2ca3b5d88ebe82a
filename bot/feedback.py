"""Readers' feedback: 👍 / 👎 / 报错 under each answer, kept in SQLite (no user names); 👎 ones exported as a question set."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.store import connect

VERDICTS = {"up": "👍", "down": "👎", "report": "报错"}
THANKS = "谢谢反馈！"
WHAT_WRONG = "谢谢！哪里不对？直接回复这条消息说明即可（例如正确的数字或日期）。"
DB = "feedback_db"  # bot_data key of the open feedback file
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*[例人名%]?")
SCHEMA = """CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, verdict TEXT NOT NULL, question TEXT NOT NULL, answer TEXT,
    sources TEXT NOT NULL, build TEXT NOT NULL, chat_type TEXT NOT NULL)"""


@dataclass(frozen=True)
class FeedbackButton:
    """Callback data of 👍 / 👎 / 报错: what the answer was (PTB keeps it; Telegram sees a short id)."""

    verdict: str
    question: str
    answer: str | None
    sources: tuple[str, ...]  # "title · date · file" of each quote shown
    build: str
    chat_type: str


def with_feedback(markup: InlineKeyboardMarkup | None, question: str, answer, build: str,
                  chat_type: str) -> InlineKeyboardMarkup:
    """``markup`` with a row of 👍 / 👎 / 报错 below it."""
    sources = tuple(f"{s.title} · {s.date} · {s.source}" for s in answer.sources)
    row = [InlineKeyboardButton(label, callback_data=FeedbackButton(verdict, question, answer.answer, sources, build,
                                                                    chat_type))
           for verdict, label in VERDICTS.items()]
    return InlineKeyboardMarkup([*(markup.inline_keyboard if markup else ()), row])


def store(db: sqlite3.Connection, button: FeedbackButton) -> None:
    """One verdict, with the question, the answer, its sources, the index build and the chat type."""
    db.execute("INSERT INTO feedback (at, verdict, question, answer, sources, build, chat_type) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)", (time.time(), button.verdict, button.question, button.answer,
                                               json.dumps(button.sources, ensure_ascii=False), button.build,
                                               button.chat_type))


def _db(context: ContextTypes.DEFAULT_TYPE) -> sqlite3.Connection:
    """The feedback file (FEEDBACK_DB), opened once, on the first press (bot/store.py: WAL, autocommit, a damaged
    file moved aside)."""
    db = context.bot_data.get(DB)
    if db is None:
        db = context.bot_data[DB] = connect(context.bot_data["settings"].feedback_db, SCHEMA)
    return db


def export(path: Path, out: Path) -> int:
    """The 👎 and 报错 answers as a question set in the eval format (``retrieval eval FILE``): the figures the
    reader rejected are ``answer_not`` (a bold one of them again counts as wrong); returns how many."""
    rows = []
    if path.exists():
        with sqlite3.connect(path) as db:
            db.execute(SCHEMA)
            rows = db.execute("SELECT id, verdict, question, answer, build FROM feedback "
                              "WHERE verdict != 'up' ORDER BY id").fetchall()
    seen, items = set(), []
    for row_id, verdict, question, answer, build in rows:
        if question in seen:
            continue
        seen.add(question)
        items.append({"id": f"fb{row_id}", "question": question, "answer_any": [], "source_any": [],
                      "answer_not": FIGURE.findall(answer or "")[:1], "unanswerable": False, "kind": f"feedback_{verdict}",
                      "rejected": answer, "build": build})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return len(items)


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press of 👍 / 👎 / 报错: stored; 报错 asks what was wrong."""
    query = update.callback_query
    button: FeedbackButton = query.data
    store(_db(context), button)
    await query.answer(THANKS)
    if button.verdict == "report" and query.message is not None:
        await query.message.reply_text(WHAT_WRONG, do_quote=False)


def rows(path: Path) -> list[dict]:
    """Every stored verdict (tests, inspection)."""
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM feedback ORDER BY id")]

