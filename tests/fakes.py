"""Shared fakes for fast tests: parts that stand in for the real ones where a test does not need them."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.articles import Article
from retrieval.answer import Answer, Source

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


@dataclass
class FakeSnapshot:
    build_id: str = "fake-build-1"
    articles: dict = field(default_factory=lambda: {FAKE_ARTICLE.id: FAKE_ARTICLE})


class FakeEngine:
    """Answers "…确诊…" with 累计确诊78例 and up to six quotes, declines anything else; counts calls."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.snapshot = FakeSnapshot()
        self.asked: list[tuple[str, int | None]] = []
        self.reloads = 0

    def ask(self, question: str, max_sources: int | None = None) -> Answer:
        self.asked.append((question, max_sources))
        if "确诊" not in question:
            return Answer(question, False, None, [], note="没有找到相关报道。现有1篇报道", kind="declined")
        sources = list(FAKE_QUOTES[: max_sources or self.settings.top_k])
        return Answer(question, True, "累计确诊78例（截至2020年2月19日24时）", sources, kind="figure")

    def latest(self) -> list[dict]:
        return [{"metric": "在院治疗", "region": "株洲", "value": "38", "unit": "例", "asof_label": "2020年2月19日24时",
                 "previous": None, "change_label": None, "article_id": FAKE_ARTICLE.id, "source": None}]

    def coverage_line(self) -> str:
        return "现有株洲日报1篇报道（2020年2月20日），主要是株洲新冠肺炎疫情通报"

    def info(self) -> dict:
        return {"articles": 1, "chunks": 1, "figures": 2, "model": "fake", "build_id": self.snapshot.build_id,
                "built_at": None, "uptime_s": 0, "questions": len(self.asked)}

    def reload_if_changed(self, retry_failed: bool = False) -> bool:
        self.reloads += 1
        return False
