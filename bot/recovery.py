"""Nothing lost when the process dies: questions journaled on receipt, marked once handled, answered after a restart."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from operator import attrgetter
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes

from bot.handlers import LATE, with_retry
from bot.journal import EXPIRED, REPLAYED, Entry, Journal
from bot.persistence import SQLitePersistence
from config import Settings
from retrieval import render

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 256  # what PTB's concurrent_updates(True) allows
PRUNER = "journal-pruner"  # the JobQueue job that forgets handled updates after a day


class JournalQueue(asyncio.Queue):
    """PTB's update queue, journaling each question as it is put in: before the next getUpdates confirms it to
    Telegram (polling), before the webhook answers 200. An update journaled before is dropped: Telegram sends
    again what was fetched but not confirmed when the process died, and the journal answers it already."""

    def __init__(self, journal: Journal) -> None:
        super().__init__()
        self.journal = journal

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and not self.journal.admit(item):
            log.debug("update %d was received before the restart: not handled twice", item.update_id)
            return
        await super().put(item)


class JournalProcessor(BaseUpdateProcessor):
    """Updates handled concurrently (as with ``concurrent_updates(True)``), each journaled one marked done as soon
    as its handlers return: its reply sent, or dropped on purpose (rate limit, group chatter). A crash between
    the reply and the mark repeats that reply after the restart: the only duplicates (docs/reliability.md)."""

    def __init__(self, journal: Journal) -> None:
        super().__init__(CONCURRENT_UPDATES)
        self.journal = journal

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        await coroutine
        if isinstance(update, Update):
            self.journal.mark(update.update_id)

    async def initialize(self) -> None:
        """Nothing to open: the journal is open from the start, for ``post_init``'s replay."""

    async def shutdown(self) -> None:
        self.journal.close()


def make_durable(builder: ApplicationBuilder, settings: Settings) -> Journal:
    """Give ``builder`` the journal (its queue, and its processor in place of ``concurrent_updates(True)``) and
    the SQLite persistence; returns the journal."""
    journal = Journal(settings.journal_path)
    builder.update_queue(JournalQueue(journal)).concurrent_updates(JournalProcessor(journal))
    builder.persistence(SQLitePersistence(settings.bot_state_path))
    return journal


async def recover(app: Application, max_age: float) -> None:
    """At start (``post_init``): answer what the last run left unanswered, then forget handled updates hourly."""
    await replay(app, app.bot_data["journal"], max_age)
    if not app.job_queue.get_jobs_by_name(PRUNER):
        app.job_queue.run_repeating(_prune, interval=3600, first=3600, name=PRUNER)


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data["journal"].prune()


async def replay(app: Application, journal: Journal, max_age: float) -> None:
    """Answer what the last run left unanswered (``post_init``, before new updates are fetched): each chat's
    questions in order, each reply opening with 「（稍晚的回答）」; questions older than ``max_age`` seconds get
    one apology per chat instead. A chat whose replay fails stays pending for the next start."""
    entries = journal.pending()
    if not entries:
        return
    oldest = time.time() - max_age
    chats = [list(group) for _, group in itertools.groupby(entries, key=attrgetter("chat_id"))]
    results = await asyncio.gather(*(_replay_chat(app, journal, chat, oldest) for chat in chats),
                                   return_exceptions=True)
    for error in results:
        if isinstance(error, BaseException):
            log.error("replaying a chat's questions failed", exc_info=error)
    stats = journal.stats()
    log.info("replayed %d questions the last run left unanswered; %d older than %.0f s got an apology; %d pending",
             stats["replayed"], stats["expired"], max_age, stats["pending"])


async def _replay_chat(app: Application, journal: Journal, entries: list[Entry], oldest: float) -> None:
    stale = [entry for entry in entries if entry.asked_at < oldest]
    if stale:
        chat_id = stale[0].chat_id
        try:
            await with_retry(lambda: app.bot.send_message(chat_id, render.LATE_APOLOGY))
        except TelegramError as err:  # blocked by the user, chat gone: nobody to tell
            log.warning("could not apologise in chat %s: %s", chat_id, err)
        for entry in stale:
            journal.mark(entry.update_id, EXPIRED)
    LATE.set(True)  # this chat's task only (gather runs each in a copy of the context): replies say they are late
    for entry in entries:
        if entry.asked_at >= oldest:
            await app.process_update(entry.update(app.bot))
            journal.mark(entry.update_id, REPLAYED)
