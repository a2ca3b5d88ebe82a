"""Answer records and the faithfulness rule: every number in an answer is printed in a quoted source."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

NUMBER = re.compile(r"\d+(?:\.\d+)?")


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


@dataclass
class Answer:
    """What the engine returns for one question; the bot and the CLI only format it."""

    question: str
    answered: bool
    answer: str | None
    sources: list[Source] = field(default_factory=list)
    note: str | None = None  # history ("此前…") or why the question was declined
    kind: str = "quotes"  # figure | sentence | quotes | declined
    asof: str | None = None

    def to_json(self) -> dict:
        """The `ask --json` object: {question, answered, answer, sources:[{title,date,quote,source,score,url,
        paper,published,page}]}; ``source`` is the file (for admins and the question-set checks)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "sources": [
                {k: v for k, v in asdict(s).items() if k in ("title", "date", "quote", "source", "score", "url", "paper", "published", "page")}
                | {"score": round(s.score, 4)}
                for s in self.sources
            ],
            "note": self.note,
            "kind": self.kind,
        }


def _numbers(text: str) -> set[str]:
    found = set()
    for n in NUMBER.findall(text):
        found.add(n)
        if "." not in n:
            found.add(str(int(n)))  # "02" in a date is the 2 of "2月"
    return found


def is_faithful(answer: str, sources: list[Source]) -> bool:
    """True if every number in ``answer`` appears in a quoted source (its text or its shown date)."""
    allowed: set[str] = set()
    for source in sources:
        allowed |= _numbers(source.quote)
        allowed |= _numbers(source.date or "")
    return all(n in allowed or ("." not in n and str(int(n)) in allowed) for n in NUMBER.findall(answer))


def enforce_faithfulness(answer: Answer) -> Answer:
    """Drop a direct answer (or a history note) that fails the rule; the plain quotes still stand."""
    if answer.answer is not None and not is_faithful(answer.answer, answer.sources):
        answer.answer = None
        answer.kind = "quotes"
        answer.note = None
    if answer.answered and answer.note and not is_faithful(answer.note, answer.sources):
        answer.note = None
    return answer
