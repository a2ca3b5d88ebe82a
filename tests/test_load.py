"""Load: 200 chats × 5 questions through the real Application (concurrent updates, the real engine),
once as is and once with `make index` rebuilding in the middle. Every question answered exactly once."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from telegram import Update

from bot.app import build_application
from config import Settings
from index.build import build_index
from retrieval.engine import Engine
from tests.fakes import RecordingRequest, message_update

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow
CHATS, PER_CHAT = 200, 5
QUESTIONS = [  # (question, a figure its answer must contain)
    ("株洲累计确诊多少", "78"), ("荷塘区有多少确诊病例", "21"), ("春运期间株洲客运量是多少", "1171.73"),
    ("寄递企业复工率是多少", "84%"), ("醴陵推出了多少专项信贷资金", "135亿元"),
]


async def run_load(app, request: RecordingRequest, during=None) -> dict:
    """Feed CHATS × PER_CHAT questions into the running Application; return timing and counts."""
    await app.initialize()
    await app.start()
    started = time.perf_counter()
    try:
        update_id = 0
        for round_ in range(PER_CHAT):
            for chat in range(CHATS):
                update_id += 1
                question, _ = QUESTIONS[(chat + round_) % len(QUESTIONS)]
                data = message_update(app, question, user=10_000 + chat).to_dict()
                data["update_id"] = update_id
                data["message"]["message_id"] = update_id
                await app.update_queue.put(Update.de_json(data, app.bot))
        side = asyncio.create_task(during()) if during else None
        deadline = time.monotonic() + 600
        while len(request.sent()) < CHATS * PER_CHAT and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        if side:
            await side
        await asyncio.sleep(0.5)
    finally:
        await app.stop()
        await app.shutdown()
    replies = request.sent()
    per_chat = Counter(r["chat_id"] for r in replies)
    wrong = [r["text"][:60] for r in replies if not any(f in r["text"] for _, f in QUESTIONS)]
    return {"replies": len(replies), "chats": len(per_chat), "max_per_chat": max(per_chat.values()),
            "min_per_chat": min(per_chat.values()), "wrong": wrong, "seconds": round(elapsed, 1),
            "per_second": round(len(replies) / elapsed, 1)}


@pytest.fixture
def load_settings(tmp_path, real_embedder, seed_cache) -> Settings:
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    settings = Settings(
        _env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index", cache_dir=seed_cache(tmp_path / "cache"),
        embedding_model=str(ROOT / "models" / "multilingual-e5-small"), bot_token="1:x", reload_interval=0.2,
    )
    build_index(settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    return settings


def check(result: dict) -> None:
    assert result["replies"] == CHATS * PER_CHAT, result
    assert result["chats"] == CHATS and result["max_per_chat"] == result["min_per_chat"] == PER_CHAT, result
    assert result["wrong"] == [], result


async def test_200_chats_5_questions_each(load_settings, real_embedder):
    engine = Engine.open(load_settings, embedder=real_embedder)
    request = RecordingRequest()
    app = build_application(load_settings, engine=engine, request=request, get_updates_request=request)
    result = await run_load(app, request)
    print("load:", json.dumps(result, ensure_ascii=False))
    check(result)


async def test_200_chats_with_a_rebuild_in_the_middle(load_settings, real_embedder):
    engine = Engine.open(load_settings, embedder=real_embedder)
    first = engine.snapshot.build_id
    request = RecordingRequest()
    app = build_application(load_settings, engine=engine, request=request, get_updates_request=request)

    async def rebuild():
        await asyncio.sleep(1.0)
        (load_settings.data_dir / "new.md").write_text(
            "title: 测试新增文章\ndate: 2020-02-22\nsource: 测试\n\n株洲日报讯 2月22日，我市累计出院病例51例。\n",
            encoding="utf-8")
        await asyncio.to_thread(build_index, load_settings, lambda: real_embedder, real_embedder.model_id,
                                progress=False)
        await asyncio.to_thread(app.bot_data["service"].refresh)

    result = await run_load(app, request, during=rebuild)
    print("load with rebuild:", json.dumps(result, ensure_ascii=False))
    check(result)
    assert app.bot_data["service"].info()["build_id"] != first  # the new index was switched in under load
