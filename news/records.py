"""The Article record every input format is parsed into, and its stable id."""

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
