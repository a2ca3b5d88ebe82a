"""The bot's own conventions, fast (a fake engine, no model): buttons through PTB's callback data cache, the
rate limit in user_data, the index watcher on the JobQueue, the retrieval facade, webhook options."""

from __future__ import annotations

import copy
import time

import pytest
from telegram import Update

from bot.app import WATCHER, build_application, webhook_options
from config import Settings
from retrieval.errors import IndexNotReady
from retrieval.service import Service
from tests.fakes import ADMIN, FAKE_ARTICLE, USER, FakeEngine, RecordingRequest, button_update, message_update


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                    cache_dir=tmp_path / "cache", embedding_model="fake", bot_token="1:x", admin_ids=str(ADMIN),
                    user_rate_per_minute=3, rate_queue=0, reload_interval=30)


class KeepingEngine(FakeEngine):
    """Remembers every Answer it returned, and a copy of it as returned."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.returned: list[tuple[object, object]] = []

    def ask(self, question, max_sources=None):
        answer = super().ask(question, max_sources)
        self.returned.append((answer, copy.deepcopy(answer)))
        return answer


@pytest.fixture
async def bot(settings):
    engine, request = KeepingEngine(settings), RecordingRequest()
    app = build_application(settings, engine=engine, request=request, get_updates_request=request)
    await app.initialize()
    yield app, request, engine
    await app.shutdown()


async def test_buttons_carry_objects_through_ptbs_cache_and_no_answer_is_changed(bot):
    app, request, engine = bot
    await app.process_update(message_update(app, "株洲累计确诊多少"))
    buttons = request.sent()[-1]["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["更多来源", "查看全文"]
    assert all(isinstance(b["callback_data"], str) and len(b["callback_data"].encode()) <= 64 for b in buttons)
    await app.process_update(button_update(app, buttons[0]["callback_data"], update_id=2))
    more = request.sent()[-1]["text"]
    assert more.startswith("<b>更多来源</b>") and "第4条引文" in more and "\n4. " in more and "第3条引文" not in more
    assert engine.asked[-1] == ("株洲累计确诊多少", 8)
    await app.process_update(button_update(app, buttons[1]["callback_data"], update_id=3))
    assert request.sent()[-1]["text"].startswith(f"<b>{FAKE_ARTICLE.title}</b>")
    assert len(request.sent("answerCallbackQuery")) == 2
    assert engine.returned and all(answer == kept for answer, kept in engine.returned)


async def test_a_button_of_a_previous_run_has_expired(bot):
    app, request, _ = bot
    await app.process_update(button_update(app, "0" * 64, update_id=5))
    assert request.sent()[-1]["text"] == "这个按钮已过期，请重新提问。"


async def test_rate_limit_lives_in_user_data_and_forgets_the_past_minute(bot):
    app, request, _ = bot
    for _ in range(4):
        await app.process_update(message_update(app, "株洲累计确诊多少", user=555))
    refused = [m["text"] for m in request.sent() if "提问太频繁了" in m["text"]]
    assert len(refused) == 1 and refused[0].startswith("「株洲累计确诊多少」没有回答：提问太频繁了，请")
    assert len(app.user_data[555]["asked"]) == 3 and "rate" not in app.bot_data
    app.user_data[555]["asked"] = [time.time() - 61] * 3  # a minute later
    await app.process_update(message_update(app, "株洲累计确诊多少", user=555))
    assert "78例" in request.sent()[-1]["text"] and len(app.user_data[555]["asked"]) == 1


async def test_inline_queries_count_against_the_askers_rate_limit(bot):
    app, request, _ = bot

    def inline(update_id: int, user: int) -> Update:
        return Update.de_json({"update_id": update_id, "inline_query": {
            "id": f"iq{update_id}", "query": "株洲累计确诊多少", "offset": "",
            "from": {"id": user, "is_bot": False, "first_name": "U"}}}, app.bot)

    for update_id in range(4):
        await app.process_update(inline(update_id, 555))
    await app.process_update(inline(9, 556))  # others are not affected
    answered = [len(sent["results"]) for sent in request.sent("answerInlineQuery")]
    assert answered == [1, 1, 1, 0, 1] and len(app.user_data[555]["asked"]) == 3
    await app.process_update(message_update(app, "株洲累计确诊多少", user=555))  # the same limit as questions
    assert "提问太频繁了" in request.sent()[-1]["text"]


async def test_index_watcher_is_a_job_queue_job(bot):
    app, _, engine = bot
    warmed = []
    encode = engine.embedder.encode_queries
    engine.embedder.encode_queries = lambda texts: warmed.append(texts) or encode(texts)
    await app.post_init(app)
    assert len(warmed) == 1  # the question encoder loads at start, not on the first reader's question
    await app.post_init(app)  # idempotent: one watcher
    [job] = app.job_queue.get_jobs_by_name(WATCHER)
    assert job.job.trigger.interval.total_seconds() == app.bot_data["settings"].reload_interval
    service, checks = app.bot_data["service"], []
    service.refresh = lambda: checks.append("refresh")  # the service's own periodic check
    await job.run(app)
    assert checks == ["refresh"]


async def test_without_an_index_the_facade_raises_and_the_bot_says_so(settings):
    service = Service(settings)
    assert not service.ready and service.refresh() is None
    with pytest.raises(IndexNotReady, match="make index"):
        service.answer("株洲累计确诊多少")
    request = RecordingRequest()
    app = build_application(settings, request=request, get_updates_request=request)
    await app.initialize()
    try:
        for text in ("株洲累计确诊多少", "/latest", "/start"):
            await app.process_update(message_update(app, text, user=USER))
        assert [m["text"][:9] for m in request.sent()] == ["索引还没有准备好，"] * 3
    finally:
        await app.shutdown()


def test_webhook_listens_at_the_path_of_its_url_with_a_secret(settings):
    options = webhook_options(settings.model_copy(update={"webhook_url": "https://bot.example.org/tg/hook",
                                                          "webhook_listen": "127.0.0.1", "webhook_port": 8443}))
    assert options["url_path"] == "tg/hook" and options["listen"] == "127.0.0.1" and options["port"] == 8443
    assert len(options["secret_token"]) >= 32  # none configured: a random one per start, never none
    assert webhook_options(settings.model_copy(update={"webhook_url": "https://x.org/"}))["secret_token"] != \
        options["secret_token"]
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        webhook_options(settings)
