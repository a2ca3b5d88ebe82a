"""Answer records and the faithfulness rule: every number in an answer is printed in a quoted source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from config.profile import Profile
from news.records import Article
from news.text import NUMBER


@dataclass(frozen=True)
class Source:
    """A verbatim quote with where it comes from."""

    title: str
    date: str | None
    quote: str
    source: str
    score: float
    article_id: str = ""
    start: int = 0
    end: int = 0
    paper: str = ""
    url: str = ""
    published: str | None = None  # the paper's publication date, when known (``date`` is the dateline's)
    page: str = ""

    @classmethod
    def quoting(cls, article: Article, start: int, end: int, score: float, profile: Profile) -> Source:
        """The quote ``article.text[start:end]`` without the paper's dateline ("株洲日报讯"), or the headline as it
        is when ``start`` is negative."""
        quote = profile.strip_dateline(article.text[start:end]) if start >= 0 else article.title
        return cls(title=article.title, date=article.date, quote=quote, source=article.source, score=score,
                   article_id=article.id, start=start, end=end, paper=article.paper, url=article.url,
                   published=article.published, page=article.page)


# Why a question is declined; retrieval.render words each one (render.REASONS), with the Decline's subject.
Reason = Literal[
    "empty", "chitchat", "not_covered", "no_figures", "live", "other_year", "not_found", "place_unanswered",
]


@dataclass(frozen=True)
class Coverage:
    """What one build covers, as data (retrieval.render.coverage_line words it)."""

    papers: tuple[str, ...]  # the (at most two) papers most articles come from
    more_papers: bool  # other papers too, or articles without a paper
    articles: int
    first: str | None  # ISO date of the oldest and newest article
    last: str | None
    places: tuple[str, ...]  # the (at most three) places most articles report from
    more_places: bool
    topics: tuple[str, ...]  # the (at most three) profile topics most articles are on


@dataclass(frozen=True)
class Decline:
    """Why a question was not answered, with what the corpus covers (retrieval.render words both)."""

    reason: Reason
    coverage: Coverage
    subject: str = ""  # what the reason names: a word or place the reports lack, a year, the example question


@dataclass
class Answer:
    """What the engine returns for one question; the bot and the CLI only format it (retrieval.render)."""

    question: str
    answered: bool
    answer: str | None
    sources: list[Source] = field(default_factory=list)
    note: str | None = None  # history of a figure ("此前…")
    kind: str = "quotes"  # figure | sentence | quotes | declined
    asof: str | None = None
    decline: Decline | None = None  # why, when ``kind`` is "declined"

    @classmethod
    def declined(cls, question: str, decline: Decline) -> Answer:
        return cls(question, False, None, [], kind="declined", decline=decline)


def _numbers(text: str) -> set[str]:
    """The numbers of ``text`` as printed without thousands separators ("1,771,000" → "1771000"), and without
    leading zeros ("02" in a date is the 2 of "2月")."""
    found = set()
    for n in NUMBER.findall(text):
        n = n.replace(",", "")
        found.add(n)
        if "." not in n:
            found.add(str(int(n)))
    return found


def is_faithful(answer: str, sources: list[Source]) -> bool:
    """True if every number in ``answer`` appears in a quoted source (its text or its shown date)."""
    allowed: set[str] = set()
    for source in sources:
        allowed |= _numbers(source.quote)
        allowed |= _numbers(source.date or "")
    printed = (n.replace(",", "") for n in NUMBER.findall(answer))
    return all(n in allowed or ("." not in n and str(int(n)) in allowed) for n in printed)


def enforce_faithfulness(answer: Answer) -> Answer:
    """Drop a direct answer (or a history note) that fails the rule; the plain quotes still stand."""
    if answer.answer is not None and not is_faithful(answer.answer, answer.sources):
        answer.answer = None
        answer.kind = "quotes"
        answer.note = None
    if answer.answered and answer.note and not is_faithful(answer.note, answer.sources):
        answer.note = None
    return answer
