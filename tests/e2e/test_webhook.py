"""`WEBHOOK_URL=… make run` serves: `python -m bot` in webhook mode on 127.0.0.1 with a secret token, updates
posted to it over HTTP, the replies arriving at the in-process Bot API stub; a wrong or missing secret gets 403."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import httpx
import pytest

from bench.botapi import BotAPIStub

ROOT = Path(__file__).resolve().parents[2]
SECRET = "webhook-secret-for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def message(update_id: int, chat_id: int, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "用户"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "用户"}}}


def journaled(path: Path, state: str | None = None) -> list[int]:
    """The update ids in the bot's journal (in ``state``, if given)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT update_id FROM updates WHERE state = coalesce(?, state) ORDER BY update_id",
                          (state,)).fetchall()
    finally:
        db.close()
    return [update_id for (update_id,) in rows]


async def post(client: httpx.AsyncClient, url: str, update: dict, secret: str | None) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    return (await client.post(url, json=update, headers=headers)).status_code


async def wait_until_serving(client: httpx.AsyncClient, url: str, bot, deadline: float) -> int:
    """Post an update with a wrong secret until the server answers (it starts after the model loads)."""
    while time.monotonic() < deadline:
        if bot.returncode is not None:
            raise AssertionError(f"`python -m bot` exited with {bot.returncode} before serving")
        try:
            return await post(client, url, message(1, 90_009, "株洲累计确诊多少"), "wrong")
        except httpx.TransportError:
            await asyncio.sleep(0.3)
    raise AssertionError("the webhook server did not start in time")


async def test_webhook_mode_serves_with_a_secret_token(seed_settings, seed_index_copy, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    async with BotAPIStub() as stub:
        env = os.environ | {
            "PYTHONPATH": str(ROOT), "DATA_DIR": str(seed_settings.data_dir), "INDEX_DIR": seed_index_copy,
            "CACHE_DIR": str(seed_settings.cache_dir), "EMBEDDING_MODEL": seed_settings.embedding_model,
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "BOT_TOKEN": stub.token,
            "BOT_API_URL": stub.bot_api_url, "WEBHOOK_URL": url, "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": SECRET, "TYPING_AFTER": "5",
            "JOURNAL_PATH": str(tmp_path / "journal.sqlite3"), "BOT_STATE_PATH": str(tmp_path / "state.sqlite3"),
        }
        log = (tmp_path / "bot.log").open("wb")
        bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=ROOT, env=env,
                                                   stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                assert await wait_until_serving(client, url, bot, time.monotonic() + 180) == 403
                assert await post(client, url, message(2, 90_009, "株洲累计确诊多少"), None) == 403

                user = stub.user(90_001)
                assert await post(client, url, message(3, user.chat_id, "株洲累计确诊多少"), SECRET) == 200
                assert journaled(tmp_path / "journal.sqlite3") == [3]  # written before the 200
                reply = await user.wait_reply(timeout=30)
                assert "<b>累计确诊78例（截至2020年2月19日24时）</b>" in reply.text

                more = next(b for b in reply.buttons() if b["text"] == "更多来源")  # PTB's callback data cache
                press = {"update_id": 4, "callback_query": {
                    "id": "q4", "chat_instance": "ci", "data": more["callback_data"], "from": dict(user.user),
                    "message": stub._message(reply)}}  # noqa: SLF001 - the message as the stub answered it
                assert await post(client, url, press, SECRET) == 200
                assert (await user.wait_reply(timeout=30)).text.startswith("<b>更多来源</b>")
                await asyncio.sleep(0.5)  # a reply to the refused updates would have arrived by now
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)  # run_webhook stops cleanly on SIGTERM
            code = await asyncio.wait_for(bot.wait(), 30)
            log.close()
    output = (tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert code == 0, output[-3000:]
    assert stub.sent.get(90_009) is None  # updates with a wrong or no secret were never answered
    [hook] = stub.calls_to("setWebhook")
    assert hook["url"] == url and hook["secret_token"] == SECRET
    assert set(hook["allowed_updates"]) == {"message", "edited_message", "callback_query", "inline_query"}
    assert stub.errors == [] and "Traceback" not in output, output[-3000:]
    assert journaled(tmp_path / "journal.sqlite3", "done") == [3]  # the button press (4) is not journaled
    assert "Running job" not in output  # the watcher runs every RELOAD_INTERVAL: the scheduler keeps quiet
