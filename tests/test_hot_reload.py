"""Hot reload: `make index` switches in a new build and the running bot answers from it, with no failed
or mixed answer while questions keep coming."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

from bot.app import build_application
from config import Settings
from index.build import build_index
from retrieval.engine import Engine
from tests.fakes import RecordingRequest, message_update

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.backends]

NEW_ARTICLE = """title: 我市新增治愈出院病例5例
date: 2020-02-22
source: 株洲日报

株洲日报讯 2月22日，记者从市卫健委获悉，截至2月21日24时，我市累计出院病例51例，仍有27例在院治疗。
"""


@pytest.fixture
def fresh_settings(tmp_path, seed_cache, backend) -> Settings:
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    return Settings(
        _env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
        cache_dir=seed_cache(tmp_path / "cache"), embedding_model=str(ROOT / "models" / "multilingual-e5-small"),
        bot_token="1:x", admin_ids="42", reload_interval=0.2, vector_backend=backend,
    )


async def test_rebuild_is_served_without_restart_and_no_question_fails(fresh_settings, real_embedder):
    build_index(fresh_settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    engine = Engine.open(fresh_settings, embedder=real_embedder)
    first_build = engine.snapshot.build_id
    request = RecordingRequest()
    app = build_application(fresh_settings, engine=engine, request=request, get_updates_request=request)
    served = lambda: app.bot_data["service"].info()["build_id"]  # noqa: E731
    await app.initialize()
    await app.post_init(app)  # schedules the index watcher on the JobQueue, as run_polling would ...
    await app.start()  # ... which runs it from here on
    try:
        before = engine.ask("株洲累计出院多少人")
        assert "46" in before.answer

        (fresh_settings.data_dir / "new.md").write_text(NEW_ARTICLE, encoding="utf-8")
        rebuild = asyncio.create_task(asyncio.to_thread(
            build_index, fresh_settings, lambda: real_embedder, real_embedder.model_id, progress=False))
        asked = 0
        while not rebuild.done() or served() == first_build:
            await app.process_update(message_update(app, "荷塘区有多少确诊病例", user=1000 + asked % 5))
            asked += 1
            await asyncio.sleep(0.05)
            assert asked < 2000, "the new index was never served"
        report = await rebuild
        assert report.embedded > 0 and report.reused == report.chunks - report.embedded

        deadline = time.monotonic() + 10
        while served() != report.build_dir.name and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert served() == report.build_dir.name

        replies = [r for r in request.sent() if r["chat_id"] in range(1000, 1005)]  # not the admins' build report
        assert len(replies) == asked  # every question during the switch got exactly one answer
        assert all("荷塘区累计确诊21例" in r["text"] for r in replies)

        await app.process_update(message_update(app, "株洲累计出院多少人"))
        text = request.sent()[-1]["text"]
        assert "累计出院51例（截至2020年2月21日24时）" in text
    finally:
        await app.stop()
        await app.shutdown()
