"""The real Application (production HTTP layer, rate limiter, handlers, engine) long-polling the in-process
Bot API stub over HTTP: every question gets exactly one reply, with the right figure, in its own chat."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from bench.botapi import BotAPIStub, serving
from bot.app import build_application

pytestmark = pytest.mark.slow
QUESTIONS = [("株洲累计确诊多少", "78"), ("荷塘区有多少确诊病例", "21")]  # (question, figure its reply must contain)


async def test_two_chats_two_questions_one_reply_each(seed_settings, seed_engine):
    async with BotAPIStub() as stub:
        settings = seed_settings.model_copy(update={"bot_token": SecretStr(stub.token), "typing_after": 0,
                                                    "bot_api_url": stub.bot_api_url})
        app = build_application(settings, engine=seed_engine)  # the production HTTPXRequests, over real HTTP
        users = [stub.user(70_001), stub.user(70_002)]

        async def chat(index: int) -> list[str]:
            user, texts = users[index], []
            for k in range(len(QUESTIONS)):
                question, _ = QUESTIONS[(index + k) % len(QUESTIONS)]
                user.send(question)
                texts.append((await user.wait_reply(timeout=15)).text)
            return texts

        async with serving(app):
            answers = await asyncio.wait_for(asyncio.gather(chat(0), chat(1)), 30)
            await asyncio.sleep(0.5)  # a second reply to any question would arrive by now

    assert stub.errors == []
    for index, (user, texts) in enumerate(zip(users, answers, strict=True)):
        assert len(user.replies) == len(QUESTIONS), [r.text[:40] for r in user.replies]
        for k, text in enumerate(texts):
            question, figure = QUESTIONS[(index + k) % len(QUESTIONS)]
            assert figure in text, (question, text[:200])
        assert all(reply.parse_mode == "HTML" and reply.buttons() for reply in user.replies)
    actions = stub.calls_to("sendChatAction")
    assert sorted(a["chat_id"] for a in actions) == [70_001, 70_001, 70_002, 70_002]
    assert stub.calls_to("setMyCommands") and stub.calls_to("getMe")
