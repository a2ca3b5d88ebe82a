"""Shared test doubles: a recording Bot API request, Telegram updates, the fake embedder, a fake engine.

FakeEmbedder is defined in model/embedder.py (EMBEDDING_MODEL=fake selects it, also in a subprocess) and
re-exported here, so tests take every fake from this module.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from telegram import Update
from telegram.request import BaseRequest, RequestData

from model.embedder import FakeEmbedder
from news.records import Article
from retrieval.answer import Answer, Coverage, Decline, Source

BOT_ID, USER, ADMIN = 999, 7, 42

# -- the Telegram side (handler, load and fault tests) ---------------------------------------------------------


class RecordingRequest(BaseRequest):
    """Answers every Bot API call with a canned success and remembers what was sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self._next_id = 100

    @property
    def read_timeout(self) -> float:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url, method, request_data: RequestData | None = None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append((endpoint, params))
        if endpoint == "getMe":
            result = {"id": BOT_ID, "is_bot": True, "first_name": "News", "username": "zz_news_bot"}
        elif endpoint in ("sendMessage", "editMessageText"):
            self._next_id += 1
            result = {"message_id": self._next_id, "date": int(time.time()), "text": params.get("text", ""),
                      "chat": {"id": params.get("chat_id"), "type": "private"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def sent(self, endpoint: str = "sendMessage") -> list[dict]:
        return [params for name, params in self.calls if name == endpoint]


def message_update(app, text: str, *, user: int = USER, chat_type: str = "private", chat_id: int | None = None,
                   entities=None, reply_to_bot: bool = False) -> Update:
    chat_id = chat_id if chat_id is not None else user
    message = {
        "message_id": 1, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": chat_type, **({"title": "g"} if chat_type != "private" else {})},
        "from": {"id": user, "is_bot": False, "first_name": "U"},
    }
    if text.startswith("/"):
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if entities:
        message["entities"] = entities
    if reply_to_bot:
        message["reply_to_message"] = {
            "message_id": 0, "date": int(time.time()), "text": "earlier answer",
            "chat": message["chat"], "from": {"id": BOT_ID, "is_bot": True, "first_name": "News"},
        }
    return Update.de_json({"update_id": 1, "message": message}, app.bot)

def button_update(app, data: str, update_id: int = 2) -> Update:
    """A press of an inline button carrying ``data``, resolved through PTB's callback data cache as
    ``getUpdates`` and the webhook do it (an unknown ``data`` becomes InvalidCallbackData)."""
    update = Update.de_json({"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "chat_instance": "ci", "data": data,
        "from": {"id": USER, "is_bot": False, "first_name": "U"},
        "message": {"message_id": 5, "date": int(time.time()), "text": "x", "chat": {"id": USER, "type": "private"}},
    }}, app.bot)
    app.bot.insert_callback_data(update)
    return update


# ---------------------------------------------------------------------------------------------------
# A fake engine (helper "bot"): what retrieval.service.Service wraps, without model or index, for
# handler tests that check the bot's behaviour rather than the answers.
# ---------------------------------------------------------------------------------------------------
FAKE_ARTICLE = Article(
    id="a1", title="我市新增治愈出院病例", date="2020-02-20", byline="株洲日报记者 某某", source="000_fake.txt",
    text="截至2月19日24时，我市累计报告新冠肺炎确诊病例78例。目前仍有38例在院治疗。",
)
FAKE_QUOTES = tuple(
    Source(title=FAKE_ARTICLE.title, date=FAKE_ARTICLE.date, quote=f"第{i}条引文：累计确诊78例。", source=FAKE_ARTICLE.source,
           score=1.0 - i / 10, article_id=FAKE_ARTICLE.id)
    for i in range(1, 7)
)
FAKE_COVERAGE = Coverage(papers=("株洲日报",), more_papers=False, articles=1, first="2020-02-20", last="2020-02-20",
                         places=("株洲",), more_places=False, topics=("新冠肺炎疫情通报",))


@dataclass
class FakeSnapshot:
    build_id: str = "fake-build-1"
    manifest: dict = field(default_factory=dict)
    articles: dict = field(default_factory=lambda: {FAKE_ARTICLE.id: FAKE_ARTICLE})


class FakeEngine:
    """Answers "…确诊…" with 累计确诊78例 and up to six quotes, declines anything else; counts calls."""

    coverage = FAKE_COVERAGE

    def __init__(self, settings) -> None:
        self.settings = settings
        self.snapshot = FakeSnapshot()
        self.embedder = FakeEmbedder()
        self.asked: list[tuple[str, int | None]] = []

    def ask(self, question: str, max_sources: int | None = None) -> Answer:
        self.asked.append((question, max_sources))
        if "确诊" not in question:
            return Answer.declined(question, Decline("not_found", FAKE_COVERAGE))
        sources = list(FAKE_QUOTES[: max_sources or self.settings.top_k])
        return Answer(question, True, "累计确诊78例（截至2020年2月19日24时）", sources, kind="figure")

    def latest(self) -> list[dict]:
        return [{"metric": "在院治疗", "region": "株洲", "value": "38", "unit": "例", "asof_label": "2020年2月19日24时",
                 "previous": None, "change_label": None, "article_id": FAKE_ARTICLE.id, "source": None}]

    def info(self) -> dict:
        return {"articles": 1, "chunks": 1, "figures": 2, "model": "fake", "build_id": self.snapshot.build_id,
                "built_at": None}


__all__ = ["ADMIN", "BOT_ID", "USER", "button_update", "FakeEmbedder", "FakeEngine", "RecordingRequest", "message_update"]
