"""The records every part shares: Article (whatever file it came from), its Chunks and its Figures (facts)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Article:
    """One news article, whatever file it came from.

    ``source`` is the file name relative to the data directory; ``line_start`` and ``line_end`` are
    1-based, inclusive line numbers in that file. ``date`` is the day the report was filed (its dateline, else
    its page's or header's date); ``published``, the day the paper printed it, when a header says so.
    """

    id: str
    title: str
    date: str | None  # ISO date of the report (dateline), e.g. "2020-02-20"
    byline: str
    source: str
    text: str
    line_start: int = 0
    line_end: int = 0
    subtitle: str = ""
    url: str = ""
    paper: str = ""
    published: str | None = None  # ISO publication date: a page dump's date:/edition: header, an article's date:
    page: str = ""  # the paper's page ("A1"): a page dump's page: header, or read from its jump lines
    extra: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        """The admin-facing view printed by ``python -m index articles --json``."""
        data = asdict(self)
        data.pop("extra")
        return data


def article_id(title: str, text: str) -> str:
    """Stable id from content: the same article parsed twice (or from two files) gets one id."""
    digest = hashlib.sha256(f"{title.strip()}\n{text.strip()}".encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class SourceProblem:
    """A file (or a line of it) that could not be used, with the reason, for the build summary."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Chunk:
    """A passage of one article: ``text == article.text[start:end]``."""

    id: str
    article_id: str
    ordinal: int
    start: int
    end: int
    text: str
    title: str
    date: str | None
    source: str

    @property
    def embed_text(self) -> str:
        """What is embedded and indexed: the title first, so "我市" still knows its topic."""
        return f"{self.title}\n{self.text}"


@dataclass(frozen=True)
class Figure:
    """One fact, with the verbatim sentence ``article.text[start:end]``; ``metric`` is qualifier + thing. The one
    shape of a fact from extraction to SQLite (stores/figure_table.py) and answers; ``to_json`` for JSON output."""

    metric: str
    region: str
    value: str  # exactly as printed: "78", "58.9"
    number: float
    unit: str  # 例 / 人 / 名 / %
    asof_key: str
    asof_label: str
    asof_date: str
    sentence: str
    article_id: str
    start: int
    end: int
    article_date: str | None = None

    @property
    def rank(self) -> tuple[str, str, str]:
        """The one order of facts, newest last (sort with ``reverse=True``): by as-of date, then the later article,
        then the as-of key; a date-only "2日当天" in the 2月3日 paper is newer than "2日12时" in the 2月2日 one.
        stores/figure_table.py's ORDER BY is this key in SQL."""
        return self.asof_date, self.article_date or "", self.asof_key

    @property
    def report_day(self) -> str:
        """What "the newest report of a place" is dated by: the article's date, else the fact's own as-of date."""
        return self.article_date or self.asof_date

    def to_json(self) -> dict:
        return asdict(self)
