"""Feedback round trip (bot/feedback.py): 👍/👎/报错 stored in SQLite, 👎 exported as a question set; inline mode."""

from __future__ import annotations

import json

import pytest
from telegram import Update

from bot import feedback
from bot.app import build_application
from config import Settings
from retrieval.evaluate import load_questions, score_one
from tests.fakes import ADMIN, FakeEngine, RecordingRequest, button_update, message_update


@pytest.fixture
async def bot(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                        cache_dir=tmp_path / "cache", embedding_model="fake", bot_token="1:x", admin_ids=str(ADMIN),
                        feedback_db=tmp_path / "feedback.sqlite")
    request = RecordingRequest()
    app = build_application(settings, engine=FakeEngine(settings), request=request, get_updates_request=request)
    await app.initialize()
    yield app, request, settings
    await app.shutdown()


async def test_a_thumbs_down_is_stored_exported_and_scored(bot, tmp_path):
    app, request, settings = bot
    await app.process_update(message_update(app, "株洲累计确诊多少"))
    rows = request.sent()[-1]["reply_markup"]["inline_keyboard"]
    assert [b["text"] for b in rows[-1]] == ["👍", "👎", "报错"]
    await app.process_update(button_update(app, rows[-1][1]["callback_data"], update_id=2))
    await app.process_update(button_update(app, rows[-1][2]["callback_data"], update_id=3))
    assert request.sent()[-1]["text"].startswith("谢谢！哪里不对？")
    stored = feedback.rows(settings.feedback_db)
    assert [r["verdict"] for r in stored] == ["down", "report"]
    assert stored[0]["question"] == "株洲累计确诊多少" and stored[0]["answer"].startswith("累计确诊78例")
    assert stored[0]["chat_type"] == "private" and "U" not in stored[0]["sources"] and stored[0]["build"]
    out = tmp_path / "fb.jsonl"
    assert feedback.export(settings.feedback_db, out) == 1  # one question, once
    [item] = load_questions(out)
    assert item["question"] == "株洲累计确诊多少" and item["answer_not"] == ["78例"]
    assert score_one(item, {"answered": True, "answer": "累计确诊78例", "sources": []})["class"] == "wrong_bold"


def test_export_without_feedback_writes_an_empty_set(tmp_path):
    assert feedback.export(tmp_path / "none.sqlite", tmp_path / "fb.jsonl") == 0
    assert (tmp_path / "fb.jsonl").read_text() == ""


async def test_inline_query_gets_the_answer_card(bot):
    app, request, _ = bot
    update = Update.de_json({"update_id": 7, "inline_query": {
        "id": "iq1", "query": "株洲累计确诊多少", "offset": "", "from": {"id": 9, "is_bot": False, "first_name": "U"}}},
        app.bot)
    await app.process_update(update)
    [sent] = request.sent("answerInlineQuery")
    [card] = json.loads(sent["results"]) if isinstance(sent["results"], str) else sent["results"]
    assert card["title"].startswith("累计确诊78例")
    content = card["input_message_content"]
    assert content["message_text"].startswith("<b>累计确诊78例") and "<blockquote>" in content["message_text"]
