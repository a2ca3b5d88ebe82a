"""Faults on the Telegram side: 429, 5xx, time-outs and dropped connections during getUpdates and
sendMessage. Replies are retried, none lost, none sent twice; the polling loop survives."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from telegram.error import NetworkError, TimedOut

from bot.app import build_application
from tests.fakes import RecordingRequest, message_update

pytestmark = pytest.mark.slow


class ScriptedRequest(RecordingRequest):
    """Serves queued updates through getUpdates and injects the scripted faults, in order, per method."""

    def __init__(self, faults: dict[str, list]) -> None:
        super().__init__()
        self.faults = faults
        self.pending: list[dict] = []
        self.injected: list[str] = []

    async def do_request(self, url, method, request_data=None, **kwargs):
        endpoint = url.rsplit("/", 1)[-1]
        plan = self.faults.get(endpoint)
        if plan:
            fault = plan.pop(0)
            self.injected.append(f"{endpoint}:{fault}")
            if fault == "timeout":
                raise TimedOut
            if fault == "drop":
                raise NetworkError("connection reset by peer")
            body = {"ok": False, "error_code": fault, "description": f"injected {fault}"}
            if fault == 429:
                body["parameters"] = {"retry_after": 1}
            return fault, json.dumps(body).encode()
        if endpoint == "getUpdates":
            offset = (request_data.parameters if request_data else {}).get("offset") or 0
            ready = [u for u in self.pending if u["update_id"] >= offset]
            if not ready:
                await asyncio.sleep(0.05)
            return 200, json.dumps({"ok": True, "result": ready}).encode()
        return await super().do_request(url, method, request_data, **kwargs)


async def run_until_answered(app, request: ScriptedRequest, expected: int, timeout: float = 60.0) -> None:
    await app.initialize()
    await app.updater.start_polling(poll_interval=0.01, timeout=0, bootstrap_retries=-1)
    await app.start()
    try:
        deadline = time.monotonic() + timeout
        while len(request.sent()) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # anything sent twice would show up now
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


def queue_question(app, request: ScriptedRequest, update_id: int, text: str, user: int) -> None:
    update = message_update(app, text, user=user).to_dict()
    update["update_id"] = update_id
    request.pending.append(update)


async def test_polling_survives_getupdates_faults(seed_settings, seed_engine):
    request = ScriptedRequest({"getUpdates": [502, "timeout", "drop", 500, 429]})
    app = build_application(seed_settings, engine=seed_engine, request=request, get_updates_request=request)
    queue_question(app, request, 1, "荷塘区有多少确诊病例", user=11)
    await run_until_answered(app, request, expected=1)
    assert len(request.injected) == 5  # every fault was met ...
    replies = request.sent()
    assert len(replies) == 1 and "荷塘区累计确诊21例" in replies[0]["text"]  # ... and the question answered once


async def test_send_faults_are_retried_and_each_reply_sent_once(seed_settings, seed_engine):
    request = ScriptedRequest({"sendMessage": [429, 502, "drop", 500]})
    app = build_application(seed_settings, engine=seed_engine, request=request, get_updates_request=request)
    queue_question(app, request, 1, "荷塘区有多少确诊病例", user=12)
    queue_question(app, request, 2, "春运期间株洲客运量是多少", user=13)
    await run_until_answered(app, request, expected=2)
    assert len(request.injected) == 4
    texts = sorted(m["text"] for m in request.sent())
    assert len(texts) == 2
    assert sum("荷塘区累计确诊21例" in t for t in texts) == 1 and sum("1171.73" in t for t in texts) == 1


@pytest.mark.parametrize("fault", [502, 400, 429, "timeout", "drop"])
async def test_a_failed_typing_action_does_not_cost_the_answer(seed_settings, seed_engine, fault):
    """"typing…" is cosmetic: before, a refused sendChatAction turned the answer into an error message."""
    request = ScriptedRequest({"sendChatAction": [fault]})
    settings = seed_settings.model_copy(update={"typing_after": 0})  # always send "typing…"
    app = build_application(settings, engine=seed_engine, request=request, get_updates_request=request)
    queue_question(app, request, 1, "株洲累计确诊多少", user=12)
    await run_until_answered(app, request, expected=1)
    assert request.injected == [f"sendChatAction:{fault}"]
    replies = request.sent()
    assert len(replies) == 1 and "78" in replies[0]["text"] and "出了点问题" not in replies[0]["text"]


def test_typing_actions_are_not_throttled_but_replies_are():
    from bot.app import ReplyRateLimiter

    limiter = ReplyRateLimiter(overall_max_rate=1, overall_time_period=60, group_max_rate=1, max_retries=0)
    calls: list[str] = []

    async def callback(name):
        calls.append(name)
        return True

    async def main():
        await limiter.initialize()
        for i in range(5):  # five typing actions inside a 1-per-minute budget: none waits
            await asyncio.wait_for(limiter.process_request(callback, (f"typing{i}",), {}, "sendChatAction",
                                                           {"chat_id": 1}, None), 1)
        await limiter.process_request(callback, ("reply1",), {}, "sendMessage", {"chat_id": 1}, None)
        with pytest.raises(asyncio.TimeoutError):  # the second reply in the same minute has to wait
            await asyncio.wait_for(limiter.process_request(callback, ("reply2",), {}, "sendMessage",
                                                           {"chat_id": 1}, None), 0.5)
        await limiter.shutdown()

    asyncio.run(main())
    assert calls == [f"typing{i}" for i in range(5)] + ["reply1"]


def test_flood_control_raises_no_ptb_deprecation_warning():
    """The bot opts into PTB's timedelta retry_after, so a 429 logs no deprecation warning per reply."""
    import warnings

    from telegram.error import RetryAfter
    from telegram.warnings import PTBDeprecationWarning

    import bot.app  # noqa: F401  (the opt-in happens at import)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        RetryAfter(3)
    assert not [w for w in caught if issubclass(w.category, PTBDeprecationWarning)]
