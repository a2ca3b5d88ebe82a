"""Figures over time through the real bot (production HTTP layer, rate limiter, JobQueue watcher, real engine)
long-polling the in-process Bot API stub: /subscribe, then a build lands while the bot runs → the subscriber is
sent the new figure unasked, once (not again after a second build or a restart); a blocked chat is dropped;
admins are told what each build changed and why one failed; /trend gets a photo."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from pydantic import SecretStr

from bench.botapi import BotAPIStub, serving
from bot.alerts import subscriptions
from bot.app import build_application
from index.build import BuildError, build_index
from retrieval.engine import Engine
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
ADMIN = 4242
NEWER = """title: 我市累计确诊病例增至80例
date: 2020-02-22
source: 株洲日报

株洲日报讯 2月22日，市卫健委通报：截至2月21日24时，我市累计报告新冠肺炎确诊病例80例，累计出院病例50例。
"""


@pytest.fixture
def corpus(tmp_path, seed_settings, seed_engine):
    """The seed pages in a data folder of their own, built with the real model (embeddings from the seed's cache)."""
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    return seed_settings.model_copy(update={
        "data_dir": tmp_path / "data", "index_dir": tmp_path / "index", "reload_interval": 0.5, "typing_after": 0,
        "admin_ids": frozenset({ADMIN}), "subscriptions_db": tmp_path / "bot.sqlite"})


def _build(settings, embedder, **kwargs):
    return build_index(settings, lambda: embedder, embedder.model_id, progress=False, **kwargs)


async def test_subscriber_is_told_a_new_figure_once(corpus, real_embedder):
    first = _build(corpus, real_embedder)
    async with BotAPIStub() as stub:
        settings = corpus.model_copy(update={"bot_token": SecretStr(stub.token), "bot_api_url": stub.bot_api_url})
        app = build_application(settings, engine=Engine.open(settings, embedder=real_embedder))
        reader, quitter, admin = stub.user(5001), stub.user(5002), stub.user(ADMIN)
        async with serving(app):
            started = await admin.wait_reply(timeout=15)  # the build served at start-up, told once
            assert started.text.startswith("<b>新索引已上线</b>") and "文章：共18篇" in started.text
            reader.send("/subscribe 累计确诊")
            ok = await reader.wait_reply(timeout=15)
            assert "已关注：株洲 累计确诊，目前78例（截至2020年2月19日24时）" in ok.plain
            quitter.send("/subscribe 累计确诊 株洲")
            await quitter.wait_reply(timeout=15)
            stub.blocked.add(quitter.chat_id)  # this user blocks the bot

            (corpus.data_dir / "newer.md").write_text(NEWER, encoding="utf-8")
            newer = await asyncio.to_thread(_build, settings, real_embedder)
            assert newer.build_dir != first.build_dir
            alert = await reader.wait_reply(timeout=30)  # unasked: the watcher saw the build
            assert alert.parse_mode == "HTML"
            assert "株洲 累计确诊：80例</b>（截至2020年2月21日24时）" in alert.text
            assert "此前：78例（截至2020年2月19日24时）" in alert.plain
            assert "<blockquote>2月22日，市卫健委通报：截至2月21日24时，我市累计报告新冠肺炎确诊病例80例" in alert.text
            assert "—— 株洲日报 2020年2月22日" in alert.plain and ".md" not in alert.plain

            reader.send("/since 2月20日")
            since = await reader.wait_reply(timeout=15)
            assert "• 株洲 累计确诊：78例 → 80例（截至2020年2月21日24时）" in since.plain
            assert "我市累计确诊病例增至80例 · 株洲日报 2020年2月22日" in since.plain

            told = await admin.wait_reply(timeout=30)  # after the subscribers: what the build changed
            assert "新增1篇" in told.plain and "新增（1）：\n• 我市累计确诊病例增至80例" in told.plain
            assert "• 株洲 累计确诊：78 → 80（2020-02-21T24:00）" in told.plain and "没有跳过的文件" in told.plain

            again = await asyncio.to_thread(_build, settings, real_embedder, force=True)  # same figures, new build
            assert again.build_dir.name in (await admin.wait_reply(timeout=30)).plain  # its alerts were sent first
            assert len(reader.replies) == 3  # the answer to /subscribe, the one alert, /since
            assert subscriptions(app).of_chat(quitter.chat_id) == []  # blocked: dropped
            assert [s.asof_key for s in subscriptions(app).of_chat(reader.chat_id)] == ["2020-02-21T24:00"]

            empty = corpus.data_dir.parent / "empty"
            empty.mkdir()
            with pytest.raises(BuildError):
                await asyncio.to_thread(_build, settings.model_copy(update={"data_dir": empty}), real_embedder)
            failed = await admin.wait_reply(timeout=30)
            assert failed.plain.startswith("构建失败（") and "no article could be read" in failed.plain
            admin.send("/stats")
            stats = (await admin.wait_reply(timeout=15)).plain
            assert "最新报道：2020年2月22日" in stats and "（Asia/Shanghai）" in stats and "最近一次构建失败" in stats
        subscriptions(app).close()

        restarted = build_application(settings, engine=Engine.open(settings, embedder=real_embedder))
        async with serving(restarted):  # start-up sends what landed while stopped: nothing new here
            reader.send("/subscriptions")
            listed = await reader.wait_reply(timeout=15)
            assert "• 株洲 累计确诊：80例（截至2020年2月21日24时）" in listed.plain
            assert len(reader.replies) == 4 and len(admin.replies) == 5  # nothing told twice after the restart
        subscriptions(restarted).close()
    assert [e for e in stub.errors if "Forbidden" not in e] == []


async def test_trend_gets_a_photo(seed_settings, seed_engine, tmp_path):
    async with BotAPIStub() as stub:
        settings = seed_settings.model_copy(update={"bot_token": SecretStr(stub.token), "bot_api_url": stub.bot_api_url,
                                                    "subscriptions_db": tmp_path / "bot.sqlite"})
        app = build_application(settings, engine=seed_engine)
        user = stub.user(5003)
        async with serving(app):
            user.send("/trend 累计出院")
            photo = await user.wait_reply(timeout=60)
            user.send("出院人数的变化趋势")
            asked = await user.wait_reply(timeout=60)
            user.send("/trend 累计确诊 荷塘区")
            words = await user.wait_reply(timeout=60)
    sent = stub.calls_to("sendPhoto")
    assert len(sent) == 2 and all(p["photo"].startswith(b"\x89PNG") for p in sent)
    assert photo.text.startswith("株洲 累计出院变化") and asked.text == photo.text
    assert words.text.startswith("荷塘区累计确诊只有1个日期的数字")
