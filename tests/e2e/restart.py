"""The real bot process (`python -m bot`) stopped while it answers, and started again: SIGKILL (an OOM kill, a
host crash) or SIGTERM (a deploy), against the in-process Bot API stub (bench/botapi/); every reply counted.

    PYTHONPATH=. .venv/bin/python -m tests.e2e.restart [--chats 200] [--per-chat 5] [--after 4] [--signal KILL]
                                                        [--root DIR]

Each chat asks ``per_chat`` different questions at once; ``--after`` seconds into the load (and after
``after_replies`` replies, in the test) the process gets the signal, and is started again. A reply is matched
to its question by its text (the answers of ``QUESTIONS`` differ). ``--root`` runs the bot from another checkout
(one without the journal: the "before" figures of docs/reliability.md). Uses the index in INDEX_DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.bot import QUESTIONS
from bench.botapi import BotAPIStub
from config import Settings
from retrieval.render import LATE_ANSWER, LATE_APOLOGY

ROOT = Path(__file__).resolve().parents[2]
WARM_CHAT = 1  # asks every question once: the reference replies
LATE = f"{LATE_ANSWER}\n\n"


@dataclass
class BotProcess:
    """``python -m bot`` from ``root`` with ``env``, its output in ``log``."""

    stub: BotAPIStub
    env: dict[str, str]
    log: Path
    root: Path = ROOT
    starts: int = 0
    proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 300) -> None:
        """Start and wait until it polls (``post_init``, with its replay, is over)."""
        polls = len(self.stub.calls_to("getUpdates"))
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"--- start {self.starts}\n".encode())
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.root, env=self.env | {"PYTHONPATH": str(self.root)},
                stdout=out, stderr=asyncio.subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while len(self.stub.calls_to("getUpdates")) == polls:
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"`python -m bot` did not start polling:\n{self.output()[-3000:]}")
            await asyncio.sleep(0.1)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int:
        self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        await asyncio.sleep(0.3)  # the stub takes in what the process wrote before it ended
        return code

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Load:
    """``chats`` × ``per_chat`` questions; those of ``old_chats`` chats dated ``old_by`` seconds back."""

    stub: BotAPIStub
    chats: int
    per_chat: int
    first_chat: int = 10_000
    old_chats: int = 0
    old_by: float = 0.0
    reference: dict[str, str] = field(default_factory=dict)  # reply text → question

    async def learn_answers(self) -> None:
        """One chat asks every question in turn: the reply to each is the one expected below."""
        user = self.stub.user(WARM_CHAT)
        for text in QUESTIONS[: self.per_chat]:
            user.send(text)
            self.reference[(await user.wait_reply(timeout=120)).text] = text

    def chat_ids(self) -> list[int]:
        return list(range(self.first_chat, self.first_chat + self.chats))

    def is_old(self, chat_id: int) -> bool:
        """The last ``old_chats`` chats: their questions come last, so most are pending at the stop."""
        return chat_id >= self.first_chat + self.chats - self.old_chats

    def send(self) -> None:
        for chat_id in self.chat_ids():
            date = int(time.time() - (self.old_by if self.is_old(chat_id) else 0))
            for k in range(self.per_chat):
                self.stub.push_update({"message": {
                    "message_id": self.stub.next_message_id(), "date": date, "text": QUESTIONS[k],
                    "chat": {"id": chat_id, "type": "private", "first_name": "用户"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "用户"}}})

    def replies(self) -> Counter:
        """(chat, question) → replies; (chat, "late") → late ones, (chat, "apology"), (chat, "?") unmatched."""
        counts: Counter = Counter()
        for chat_id in self.chat_ids():
            for sent in self.stub.sent.get(chat_id, []):
                text = sent.text.removeprefix(LATE)
                counts[chat_id, "late"] += text != sent.text
                key = "apology" if text == LATE_APOLOGY else self.reference.get(text, "?")
                counts[chat_id, key] += 1
        return counts

    def questions(self) -> list[tuple[int, str]]:
        return [(c, q) for c in self.chat_ids() for q in QUESTIONS[: self.per_chat]]

    async def wait_replies(self, expected: list[tuple[int, str]], timeout: float, quiet: float = 10.0) -> None:
        """Until each (chat, question or "apology") in ``expected`` has a reply, or none came for ``quiet``
        seconds (the bot before the journal never answers some), or ``timeout``."""
        deadline, last, changed = time.monotonic() + timeout, -1, time.monotonic()
        while (not all(self.replies()[key] for key in expected) and time.monotonic() < deadline
               and time.monotonic() - changed < quiet):
            total = sum(len(self.stub.sent.get(c, [])) for c in self.chat_ids())
            if total != last:
                last, changed = total, time.monotonic()
            await asyncio.sleep(0.2)


def pending_in_journal(path: Path) -> set[tuple[int, str]]:
    """(chat, question) of the journal's pending rows (an empty set when there is no journal: the old bot)."""
    if not path.exists():
        return set()
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT payload FROM updates WHERE state = 'pending'").fetchall()
    finally:
        db.close()
    messages = [json.loads(payload)["message"] for (payload,) in rows]
    return {(m["chat"]["id"], m["text"]) for m in messages}


async def interrupt(bot: BotProcess, load: Load, sig: int, after: float = 0.0, after_replies: int = 0,
                    timeout: float = 300) -> dict:
    """Send the load, stop the bot with ``sig`` ``after`` seconds in and once ``after_replies`` replies came,
    start it again and wait for the answers; the tally (the bot keeps running). Questions of old chats left
    pending are not to be answered: their chats are to get one apology each."""
    started, questions = time.monotonic(), load.questions()
    load.send()
    while time.monotonic() - started < after or sum(load.replies()[key] for key in questions) < after_replies:
        await asyncio.sleep(0.05)
    code = await bot.stop(sig, timeout)  # SIGTERM: PTB answers every question it fetched first
    at_stop = load.replies()
    pending = pending_in_journal(Path(bot.env["JOURNAL_PATH"]))
    old_pending = {(c, q) for c, q in pending if load.is_old(c)}
    await bot.start()
    await load.wait_replies([key for key in questions if key not in old_pending]
                            + [(c, "apology") for c, _ in old_pending], timeout)
    after_restart = load.replies()
    return {
        "signal": signal.Signals(sig).name, "exit_code": code, "questions": len(questions),
        "answered_before": sum(1 for key in questions if at_stop[key]),
        "answered": sum(1 for key in questions if after_restart[key]),
        "pending_at_stop": len(pending),
        "in_flight": sum(1 for key in questions if at_stop[key] and key in pending),  # sent, not marked done
        "duplicates": sum(max(0, after_restart[key] - 1) for key in questions),
        "late": sum(after_restart[c, "late"] for c in load.chat_ids()),
        "late_old": sum(after_restart[c, "late"] for c in load.chat_ids() if load.is_old(c)),
        "apologies": {c: after_restart[c, "apology"] for c in load.chat_ids() if after_restart[c, "apology"]},
        "old_pending": len(old_pending), "old_pending_chats": sorted({c for c, _ in old_pending}),
        "unmatched": sum(after_restart[c, "?"] for c in load.chat_ids()),
        "seconds": round(time.monotonic() - started, 1),
    }


def bot_env(stub: BotAPIStub, workdir: Path, **settings: str) -> dict[str, str]:
    """The bot's environment: the stub's URL and token, its own journal and state files, ``settings``."""
    return os.environ | {
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
        "BOT_TOKEN": stub.token, "BOT_API_URL": stub.bot_api_url, "TYPING_AFTER": "30",
        "JOURNAL_PATH": str(workdir / "journal.sqlite3"), "BOT_STATE_PATH": str(workdir / "state.sqlite3"),
        **{name.upper(): value for name, value in settings.items()}}


async def main_async(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        async with BotAPIStub() as stub:
            settings = Settings()  # this checkout's index and model, also for a bot run from --root
            env = bot_env(stub, Path(workdir), index_dir=str(settings.index_dir), user_rate_per_minute="1000",
                          embedding_model=settings.embedding_model)
            bot = BotProcess(stub, env, Path(workdir) / "bot.log", root=Path(args.root).resolve())
            load = Load(stub, args.chats, args.per_chat)
            await bot.start()
            try:
                await load.learn_answers()
                return await interrupt(bot, load, getattr(signal, f"SIG{args.signal}"), after=args.after,
                                       timeout=args.timeout)
            finally:
                if bot.proc.returncode is None:
                    await bot.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--per-chat", type=int, default=5, help=f"at most {len(QUESTIONS)}")
    parser.add_argument("--after", type=float, default=4.0, help="seconds into the load")
    parser.add_argument("--signal", choices=["KILL", "TERM"], default="KILL")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the answers after the restart")
    parser.add_argument("--root", default=str(ROOT), help="the checkout `python -m bot` runs from")
    print(json.dumps(asyncio.run(main_async(parser.parse_args())), ensure_ascii=False))


if __name__ == "__main__":
    main()
