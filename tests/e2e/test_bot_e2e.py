"""The real bot, end to end: the real PTB Application polling over HTTP a local Bot API emulator
(telegram-test-api on 127.0.0.1), the real engine (e5 model, FAISS, BM25) behind it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_application as make_bot
from config import Settings
from index.build import build_index
from retrieval.engine import Engine
from tests.e2e.emulator import build_application, check_telegram_html, running

ROOT = Path(__file__).resolve().parents[2]
ADMIN = 4242
pytestmark = [pytest.mark.slow, pytest.mark.backends]

# a long article (about 7,000 characters) so that 查看全文 needs several messages
LONG_ARTICLE = "title: 炎陵县黄桃产业测试长文\ndate: 2020-02-19\nsource: 测试\n\n" + "\n".join(
    f"第{i}段：炎陵县黄桃种植户在疫情期间坚持管护果园，技术员上门指导剪枝、施肥和病虫害防治，确保今年黄桃丰收。" * 3
    for i in range(1, 40)
)


@pytest.fixture(scope="module")
def e2e_settings(tmp_path_factory, real_embedder, seed_cache, backend) -> Settings:
    base = tmp_path_factory.mktemp("e2e")
    shutil.copytree(ROOT / "data" / "articles", base / "data")
    (base / "data" / "long.md").write_text(LONG_ARTICLE, encoding="utf-8")
    settings = Settings(
        _env_file=None, data_dir=base / "data", index_dir=base / "index", cache_dir=seed_cache(base / "cache"),
        embedding_model=str(ROOT / "models" / "multilingual-e5-small"), admin_ids=str(ADMIN), reload_interval=60,
        vector_backend=backend,
    )
    build_index(settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    return settings


@pytest.fixture(scope="module")
def engine(e2e_settings, real_embedder) -> Engine:
    return Engine.open(e2e_settings, embedder=real_embedder)


@pytest.fixture
def app(emulator, e2e_settings, engine):
    token = emulator.new_token()

    def factory(token, base_url, request, get_updates_request):
        settings = e2e_settings.model_copy(update={"bot_token": SecretStr(token), "bot_api_url": base_url,
                                                   "typing_after": 0})
        return make_bot(settings, engine=engine, request=request, get_updates_request=get_updates_request)

    application = build_application(factory, emulator, token)
    application.bot_data["token"] = token
    return application


async def test_question_answer_quotes_and_source_buttons(emulator, app):
    async with running(app) as state:
        user = emulator.user(app.bot_data["token"])
        await user.send_message("株洲累计确诊多少")
        reply = await user.wait_reply(timeout=30)
        assert reply.parse_mode == "HTML" and check_telegram_html(reply.text) is None
        assert "<b>累计确诊78例（截至2020年2月19日24时）</b>" in reply.text
        assert "<blockquote>截至2月19日24时，我市累计报告新冠肺炎确诊病例78例" in reply.text
        assert "· 株洲日报 A1版（2020年2月20日讯）" in reply.text and ".txt" not in reply.text  # paper and date, no file
        assert state.calls_to("sendChatAction")  # typing indicator
        assert [[b["text"] for b in row] for row in reply.buttons] == [["更多来源", "查看全文"], ["👍", "👎", "报错"]]

        await user.press_button(reply, text="更多来源")
        more = await user.wait_reply(timeout=30)
        assert more.text.startswith("<b>更多来源</b>") and "<blockquote>" in more.text
        await user.press_button(reply, text="查看全文")
        article = await user.wait_reply(timeout=30)
        assert "好消息 我市连续5天无新增病例" in article.text and "株洲日报记者 刘琼" in article.text


async def test_latest(emulator, app):
    async with running(app):
        user = emulator.user(app.bot_data["token"])
        await user.send_command("latest")
        reply = await user.wait_reply(timeout=30)
        assert "在院治疗：<b>38例</b>（截至2020年2月19日24时），较2020年2月16日24时的45例减少7例" in reply.text
        assert "累计出院：<b>46人</b>" in reply.text
        assert "醴陵市：累计确诊8例，累计出院5例" in reply.text  # the 12-row cap dropped it


async def test_group_ignores_chatter_and_answers_mentions(emulator, app):
    async with running(app):
        member = emulator.group_member(app.bot_data["token"])
        await member.send_message("株洲累计确诊多少")
        await member.expect_no_reply(within=2.0)
        await member.mention_bot("荷塘区有多少确诊病例")
        reply = await member.wait_reply(timeout=30)
        assert "荷塘区累计确诊21例" in reply.text


async def test_reload_admin_and_non_admin(emulator, app):
    async with running(app):
        stranger = emulator.user(app.bot_data["token"], user_id=7)
        await stranger.send_command("reload")
        assert (await stranger.wait_reply(timeout=30)).text == "抱歉，这个命令只对管理员开放。"
        admin = emulator.user(app.bot_data["token"], user_id=ADMIN)
        await admin.send_command("reload")
        assert (await admin.wait_reply(timeout=30)).text.startswith("索引没有变化")


async def test_long_article_is_split_into_valid_messages(emulator, app):
    async with running(app):
        user = emulator.user(app.bot_data["token"], user_id=8)
        await user.send_message("炎陵县黄桃种植户在疫情期间做了什么")
        reply = await user.wait_reply(timeout=30)
        assert "炎陵县黄桃产业测试长文" in reply.text
        await user.press_button(reply, text="查看全文")
        parts = await user.wait_replies(2, timeout=30)
        assert all(len(p.text) <= 4096 and check_telegram_html(p.text) is None for p in parts)
        assert parts[0].text.startswith("<b>炎陵县黄桃产业测试长文</b>")


async def test_a_misspelt_district_is_answered_and_the_reply_says_how_it_was_read(emulator, app):
    async with running(app) as state:
        user = emulator.user(app.bot_data["token"])
        await user.send_message("荷糖区确诊多少")  # 糖 for 塘: the same sound
        reply = await user.wait_reply(timeout=30)
        assert check_telegram_html(reply.text) is None and state.calls_to("sendMessage")
        assert "<b>荷塘区累计确诊21例（截至2020年2月16日24时）</b>" in reply.text
        assert "按“荷塘区”理解“荷糖区”" in reply.text
