"""Bot throughput through the npm emulator (telegram-test-api): its polling delays dominate, see docs/benchmarks.md.

    PYTHONPATH=. .venv/bin/python -m tests.e2e.emulator_bench [--chats 1,10,50] [--per-chat 4]

The same simulated users as ``python -m bench.bot`` (which measures the bot against the in-process stub);
only the sequential bare engine is measured here. Uses the index in INDEX_DIR (``make index``).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from pydantic import SecretStr

from bench.bot import QUESTIONS, bare_engine, question, summary
from bot.app import build_application as make_bot
from config import Settings
from config.logs import setup_logging
from retrieval.engine import Engine
from tests.e2e.emulator import Emulator, build_application, running


async def through_emulator(emulator: Emulator, settings: Settings, engine: Engine, chats: int, per_chat: int) -> dict:
    token = emulator.new_token()

    def factory(token, base_url, request, get_updates_request):
        local = settings.model_copy(update={"bot_token": SecretStr(token), "bot_api_url": base_url,
                                            "user_rate_per_minute": 10_000})
        return make_bot(local, engine=engine, request=request, get_updates_request=get_updates_request)

    app = build_application(factory, emulator, token)
    latencies: list[float] = []

    async def one_chat(index: int) -> None:
        user = emulator.user(token, user_id=50_000 + index, username=f"u{index}")
        for k in range(per_chat):
            sent = time.perf_counter()
            await user.send_message(question(index, k))
            await user.wait_reply(timeout=120)
            latencies.append(time.perf_counter() - sent)

    async with running(app):
        started = time.perf_counter()
        await asyncio.gather(*(one_chat(i) for i in range(chats)))
        elapsed = time.perf_counter() - started
    return summary(chats, latencies, elapsed)


async def main_async(levels: list[int], per_chat: dict[int, int]) -> str:
    settings = Settings()
    setup_logging("WARNING")
    engine = Engine.open(settings)
    for q in QUESTIONS:  # warm up
        engine.ask(q)
    bare = bare_engine(engine, 3 * len(QUESTIONS))
    with Emulator() as emulator:
        rows = [await through_emulator(emulator, settings, engine, n, per_chat[n]) for n in levels]
    lines = [
        f"bare engine: {bare:.1f} questions/s (sequential engine.ask, same questions, same process)",
        "",
        "| concurrent chats | replies | replies/s | p50 reply | p95 reply | bot ÷ bare engine |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['chats']} | {r['messages']} | {r['per_second']:.1f} | {r['p50_ms']:.0f} ms | "
              f"{r['p95_ms']:.0f} ms | {r['per_second'] / bare:.2f} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--per-chat", default="4",
                        help="questions each chat asks in turn: one number, or one per --chats level")
    args = parser.parse_args()
    levels = [int(c) for c in args.chats.split(",")]
    counts = [int(c) for c in args.per_chat.split(",")]
    if len(counts) not in (1, len(levels)):
        parser.error("--per-chat takes one number or one per --chats level")
    per_chat = dict(zip(levels, counts if len(counts) > 1 else counts * len(levels), strict=True))
    print(asyncio.run(main_async(levels, per_chat)))


if __name__ == "__main__":
    main()
