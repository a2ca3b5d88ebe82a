"""Bot throughput: messages/s and p95 reply latency with 1, 10 and 50 concurrent chats through the real
Application polling the local Bot API emulator, against the bare engine's throughput in the same run.

    PYTHONPATH=. .venv/bin/python -m tests.e2e.bench_bot [--per-chat 4] [--chats 1,10,50]

Uses the index in INDEX_DIR (``make index``). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time

from pydantic import SecretStr

from bot.app import build_application as make_bot
from config import Settings
from config.logs import setup_logging
from retrieval.engine import Engine
from tests.e2e.emulator import Emulator, build_application, running

QUESTIONS = ["株洲累计确诊多少", "荷塘区有多少确诊病例", "春运期间株洲客运量是多少", "寄递企业复工率是多少",
             "醴陵推出了多少专项信贷资金", "株洲在院治疗的有多少人", "截至2月16日，株洲累计出院多少例？"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def bare_engine(engine: Engine, n: int) -> float:
    """Questions per second of engine.ask alone, sequential (the floor the bot is compared with)."""
    started = time.perf_counter()
    for i in range(n):
        engine.ask(QUESTIONS[i % len(QUESTIONS)])
    return n / (time.perf_counter() - started)


async def through_bot(emulator: Emulator, settings: Settings, engine: Engine, chats: int, per_chat: int) -> dict:
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
            await user.send_message(QUESTIONS[(index + k) % len(QUESTIONS)])
            await user.wait_reply(timeout=120)
            latencies.append(time.perf_counter() - sent)

    async with running(app):
        started = time.perf_counter()
        await asyncio.gather(*(one_chat(i) for i in range(chats)))
        elapsed = time.perf_counter() - started
    return {"chats": chats, "messages": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000, "p95_ms": p95(latencies) * 1000}


async def main_async(args: argparse.Namespace) -> str:
    settings = Settings()
    setup_logging("WARNING")
    engine = Engine.open(settings)
    engine.ask(QUESTIONS[0])  # warm up
    bare = bare_engine(engine, 3 * len(QUESTIONS))
    rows = []
    with Emulator() as emulator:
        for chats in (int(c) for c in args.chats.split(",")):
            result = await through_bot(emulator, settings, engine, chats, args.per_chat)
            rows.append(result)
    lines = [
        f"bare engine: {bare:.1f} questions/s (sequential engine.ask, same questions, same process)",
        "",
        "| concurrent chats | replies | replies/s | p50 reply | p95 reply | bot ÷ bare engine |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['chats']} | {r['messages']} | {r['per_second']:.1f} | {r['p50_ms']:.0f} ms | "
                     f"{r['p95_ms']:.0f} ms | {r['per_second'] / bare:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--per-chat", type=int, default=4, help="questions each chat asks in turn")
    print(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
