"""Bot throughput: replies/s and p50/p95 reply latency with 1, 10 and 50 concurrent chats through the real
Application, against the bare engine's throughput measured in the same run.

    PYTHONPATH=. .venv/bin/python -m bench.bot [--chats 1,10,50] [--per-chat 40,8,4]
                                               [--limiter production,off] [--repeat 3] [--profile FILE]

Default (stub): the bot as ``bot.app.build_application`` builds it - its production HTTPXRequests (pool of
64), AIORateLimiter, handlers, concurrent updates - long-polls (timeout 10 s, like ``run_polling``) the
in-process Bot API stub (bench/botapi/) over real HTTP on 127.0.0.1; simulated users inject
updates into the stub and are woken when their reply arrives, so what is measured is the bot, not a polling
harness. ``--limiter off`` runs the same bot with its AIORateLimiter removed, to show what the limiter costs;
``production`` (the default) keeps it. Every run checks that each chat got exactly one reply per question
and that the stub refused nothing.

The bare engine is measured twice, interleaved with the bot runs (``--repeat`` repeats the lot; medians):
"sequential" is ``engine.ask`` in a loop (one question at a time); "concurrent" is the same N chats × K
questions as the bot run, each chat asking in turn through ``asyncio.to_thread`` (the default executor the
bot's handler uses) - the bot minus Telegram, PTB and HTTP. Both ratios are printed, plus the process CPU
time per reply (less sensitive than wall time to other processes on a shared machine).

The stub runs in the bot's process and event loop, so its own HTTP parsing (a small share; see
``--profile``) is counted against the bot.

The same users through the npm emulator telegram-test-api, whose polling delays dominate (see
docs/benchmarks.md): ``python -m tests.e2e.emulator_bench`` (a test harness, so it lives with the tests).

Uses the index in INDEX_DIR (``make index``). Prints markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import os
import statistics
import threading
import time
from collections import Counter

from pydantic import SecretStr

from bot.app import build_application as make_bot
from config import Settings
from config.logs import setup_logging
from retrieval.engine import Engine

QUESTIONS = ["株洲累计确诊多少", "荷塘区有多少确诊病例", "春运期间株洲客运量是多少", "寄递企业复工率是多少",
             "醴陵推出了多少专项信贷资金", "株洲在院治疗的有多少人", "截至2月16日，株洲累计出院多少例？"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def question(chat: int, k: int) -> str:
    return QUESTIONS[(chat + k) % len(QUESTIONS)]


def bare_engine(engine: Engine, n: int, cpu: list[float] | None = None) -> float:
    """Questions per second of engine.ask alone, sequential (the floor the bot is compared with).

    ``cpu`` gets the process CPU milliseconds per question appended."""
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        engine.ask(QUESTIONS[i % len(QUESTIONS)])
    if cpu is not None:
        cpu.append((time.process_time() - cpu_started) * 1000 / n)
    return n / (time.perf_counter() - started)


async def bare_engine_concurrent(engine: Engine, chats: int, per_chat: int, cpu: list[float] | None = None) -> float:
    """Questions per second of engine.ask with the bot's concurrency: N chats asking in turn via to_thread."""
    async def one_chat(index: int) -> None:
        for k in range(per_chat):
            await asyncio.to_thread(engine.ask, question(index, k))

    started, cpu_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one_chat(i) for i in range(chats)))
    if cpu is not None:
        cpu.append((time.process_time() - cpu_started) * 1000 / (chats * per_chat))
    return chats * per_chat / (time.perf_counter() - started)


class TimedEngine:
    """The engine, with the wall time of every ``ask`` recorded (to split reply latency into engine and rest)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.durations: list[float] = []
        self._lock = threading.Lock()

    def ask(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._engine.ask(*args, **kwargs)
        finally:
            with self._lock:
                self.durations.append(time.perf_counter() - started)

    def __getattr__(self, name: str):
        return getattr(self._engine, name)


def summary(chats: int, latencies: list[float], elapsed: float, **extra) -> dict:
    return {"chats": chats, "messages": len(latencies), "per_second": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000, "p95_ms": p95(latencies) * 1000, **extra}


async def through_stub(settings: Settings, engine: Engine, chats: int, per_chat: int, limiter: bool,
                       profiler: cProfile.Profile | None = None) -> dict:
    """N chats × K questions through the production-built bot long-polling the in-process Bot API stub."""
    from bench.botapi import BotAPIStub, serving

    timed = TimedEngine(engine)
    async with BotAPIStub() as stub:
        local = settings.model_copy(update={"bot_token": SecretStr(stub.token), "bot_api_url": stub.bot_api_url,
                                            "user_rate_per_minute": 10_000, "reload_interval": 3600})
        app = make_bot(local, engine=timed)  # request=None: the production HTTPXRequests
        if not limiter:
            with app.bot._unfrozen():
                app.bot._rate_limiter = None
        latencies: list[float] = []

        async def one_chat(index: int) -> None:
            user = stub.user(50_000 + index)
            for k in range(per_chat):
                sent = time.perf_counter()
                user.send(question(index, k))
                await user.wait_reply(timeout=120)
                latencies.append(time.perf_counter() - sent)

        async with serving(app):
            warm = stub.user(49_999)  # the first reply opens the HTTP connections: not timed
            warm.send(QUESTIONS[0])
            await warm.wait_reply(timeout=60)
            await asyncio.sleep(1.1)  # the rate limiter's bucket refills (30 requests/s)
            timed.durations.clear()
            if profiler:
                profiler.enable()
            started, cpu_started, loop_started = time.perf_counter(), time.process_time(), time.thread_time()
            await asyncio.gather(*(one_chat(i) for i in range(chats)))
            elapsed = time.perf_counter() - started
            cpu, loop_cpu = time.process_time() - cpu_started, time.thread_time() - loop_started
            if profiler:
                profiler.disable()
            await asyncio.sleep(0.3)  # a duplicate reply would arrive by now
    per_chat_replies = Counter(m.chat_id for ms in stub.sent.values() for m in ms if m.chat_id != 49_999)
    assert sorted(per_chat_replies.values()) == [per_chat] * chats, per_chat_replies
    assert not stub.errors, stub.errors[:3]
    engine_ms = statistics.median(timed.durations) * 1000
    busy = sum(timed.durations) / elapsed
    return summary(chats, latencies, elapsed, engine_ms=engine_ms, engine_busy=busy,
                   cpu_ms=cpu * 1000 / len(latencies), loop_cpu_ms=loop_cpu * 1000 / len(latencies),
                   requests=len(stub.calls), limiter="production" if limiter else "off")


async def main_async(args: argparse.Namespace) -> str:
    settings = Settings()
    setup_logging("WARNING")
    engine = Engine.open(settings)
    for q in QUESTIONS:  # warm up
        engine.ask(q)
    levels = [int(c) for c in args.chats.split(",")]
    counts = [int(c) for c in args.per_chat.split(",")]
    per_chat = dict(zip(levels, counts if len(counts) > 1 else counts * len(levels), strict=True))
    profiler = cProfile.Profile() if args.profile else None
    modes = args.limiter.split(",")
    load_before = os.getloadavg()[0]
    rows = []
    for n in levels:
        reps: list[dict] = []
        for _ in range(args.repeat):  # interleaved, so a neighbour's load hits floor and bot alike
            seq_cpu: list[float] = []
            conc_cpu: list[float] = []
            rep = {"sequential": bare_engine(engine, max(len(QUESTIONS), min(n * per_chat[n], 140)), seq_cpu),
                   "concurrent": await bare_engine_concurrent(engine, n, per_chat[n], conc_cpu)}
            rep["seq_cpu_ms"], rep["conc_cpu_ms"] = seq_cpu[0], conc_cpu[0]
            for mode in modes:
                rep[mode] = await through_stub(settings, engine, n, per_chat[n], mode == "production", profiler)
            reps.append(rep)
        for mode in modes:
            rows.append({**{key: statistics.median(r[mode][key] for r in reps)
                            for key in ("per_second", "p50_ms", "p95_ms", "engine_ms", "cpu_ms", "loop_cpu_ms")},
                         "seq_cpu_ms": statistics.median(r["seq_cpu_ms"] for r in reps),
                         "conc_cpu_ms": statistics.median(r["conc_cpu_ms"] for r in reps),
                         "chats": n, "limiter": mode, "replies": reps[0][mode]["messages"],
                         "sequential": statistics.median(r["sequential"] for r in reps),
                         "concurrent": statistics.median(r["concurrent"] for r in reps),
                         "vs_sequential": statistics.median(r[mode]["per_second"] / r["sequential"] for r in reps),
                         "vs_concurrent": statistics.median(r[mode]["per_second"] / r["concurrent"] for r in reps)})
    if profiler:
        profiler.dump_stats(args.profile)
    if args.json:
        import json
        from pathlib import Path

        Path(args.json).write_text(json.dumps({"rows": rows, "per_chat": per_chat, "repeat": args.repeat,
                                               "load": [load_before, os.getloadavg()[0]]}), encoding="utf-8")
    lines = [
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores); "
        f"median of {args.repeat} interleaved repetitions per row",
        "",
        "| chats × questions | rate limiter | replies/s | p50 reply | p95 reply | engine.ask p50 in bot | "
        "bare sequential q/s | bare concurrent q/s | bot ÷ bare sequential | bot ÷ bare concurrent |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['chats']} × {per_chat[r['chats']]} | {r['limiter']} | {r['per_second']:.1f} | {r['p50_ms']:.0f} ms "
              f"| {r['p95_ms']:.0f} ms | {r['engine_ms']:.0f} ms | {r['sequential']:.1f} | {r['concurrent']:.1f} | "
              f"{r['vs_sequential']:.2f} | {r['vs_concurrent']:.2f} |" for r in rows]
    lines += [
        "",
        "CPU per reply (process CPU time over the timed part ÷ replies; load-independent, unlike wall time):",
        "",
        "| chats × questions | rate limiter | bot, whole process | of it, event-loop thread (PTB, HTTP, stub) | "
        "bare sequential | bare concurrent |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {r['chats']} × {per_chat[r['chats']]} | {r['limiter']} | {r['cpu_ms']:.1f} ms | {r['loop_cpu_ms']:.1f} ms | "
              f"{r['seq_cpu_ms']:.1f} ms | {r['conc_cpu_ms']:.1f} ms |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--per-chat", default="4",
                        help="questions each chat asks in turn: one number, or one per --chats level (e.g. 40,8,4)")
    parser.add_argument("--limiter", default="production",
                        help="comma-separated 'production' (the bot's AIORateLimiter) and/or 'off'")
    parser.add_argument("--repeat", type=int, default=1,
                        help="repetitions per row (bare engine and bot interleaved); medians reported")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the event loop during the bot runs")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON (for make bench)")
    args = parser.parse_args()
    if len(args.per_chat.split(",")) not in (1, len(args.chats.split(","))):
        parser.error("--per-chat takes one number or one per --chats level")
    if not set(args.limiter.split(",")) <= {"production", "off"}:
        parser.error("--limiter takes production, off or both")
    print(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
