"""Turn ranked chunks into an answer: a dated figure, or the answering clause, with verbatim quotes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from config.profile import Profile
from news.asof import date_label, resolve_asof
from news.text import fold, split_sentences
from retrieval.answer import Source
from retrieval.normalize import Query, named_places
from retrieval.question import coverage, keywords
from retrieval.search import Hit
from retrieval.snapshot import IndexSnapshot

HAN = re.compile(r"[\u4e00-\u9fff]")
CLAUSE = re.compile(r"(?:[^，；：。！？,;!?]|(?<=\d),(?=\d{3}))+[，；：。！？,;!?]*")  # not at 6,476


@dataclass
class Candidate:
    """A sentence (or a headline) that might answer, with how well it matches."""

    article_id: str
    start: int
    end: int
    text: str
    own: float  # share of the question's keywords in the sentence
    context: float  # … in the headline and the sentence before it
    retrieval: float  # the chunk's fused score (0..1)
    asof_key: str = ""
    match: str = ""  # ``text`` folded like a question (news.text.fold: same length), for every comparison

    def __post_init__(self) -> None:
        self.match = self.match or fold(self.text)

    @property
    def relevance(self) -> float:
        return 0.55 * self.own + 0.3 * self.context + 0.15 * self.retrieval


def full_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Whole sentences (to 。！？) of ``text`` that overlap ``[start, end)``."""
    return [(a, b) for a, b in _sentences(text) if a < end and b > start]


@lru_cache(maxsize=256)  # an article's sentences, once for all its chunks and the questions that reach it
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(split_sentences(text, semicolons=False))


def candidates(
    query: Query, snapshot: IndexSnapshot, hits: list[Hit], limit_chunks: int = 8,
    cover: Callable[[dict[str, float], str], float] = coverage,
) -> list[Candidate]:
    """Sentences of the best chunks, and their articles' headlines, scored against the question; ``cover`` is
    the share of the question's words a text holds (retrieval.synonyms counts a word's synonyms too)."""
    words = keywords(query)
    places = named_places(query)
    top = max((h.score for h in hits), default=1.0) or 1.0
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for hit in hits[:limit_chunks]:
        chunk = snapshot.chunks[hit.row]
        article = snapshot.articles[chunk.article_id]
        retrieval = max(0.0, hit.score / top)
        title = fold(article.title)
        title_cov = cover(words, title)
        if (article.id, -1) not in seen and all(p in title for p in places):
            seen.add((article.id, -1))
            out.append(Candidate(article.id, -1, -1, article.title, title_cov, 0.0, retrieval, match=title))
        for start, end in full_sentences(article.text, chunk.start, chunk.end):
            if (article.id, start) in seen:
                continue
            seen.add((article.id, start))
            around = fold(article.text[max(0, start - 80) : start] + article.text[end : end + 40])
            ctx = max(title_cov, cover(words, around))
            text = article.text[start:end]
            match = fold(text)
            if places and not all(p in title + around + match for p in places):
                continue  # a question about 武汉 is not answered by a sentence about 株洲
            out.append(Candidate(article.id, start, end, text, cover(words, match), ctx, retrieval, match=match))
    return sorted(out, key=lambda c: c.relevance, reverse=True)


def _source(snapshot: IndexSnapshot, cand: Candidate, profile: Profile) -> Source:
    """The quote of a candidate (a sentence without the paper's dateline, or a headline as it is)."""
    return Source.quoting(snapshot.articles[cand.article_id], cand.start, cand.end, round(cand.relevance, 4), profile)


def _clauses(cand: Candidate, profile: Profile) -> list[tuple[str, str]]:
    """(folded, as printed) clauses of a candidate, without the paper's dateline."""
    text = profile.strip_dateline(cand.text)
    match = cand.match[len(cand.text) - len(text) :]
    return [(match[m.start() : m.end()], text[m.start() : m.end()]) for m in CLAUSE.finditer(match) if m.group().strip()]


def trim_clause(clause: str) -> str:
    """A clause without the space, end punctuation and quote marks around it, but keeping a mark that pairs with one
    inside it: 当起“店小二”, not 当起“店小二; 三支队伍”的作用 keeps no mark it does not print."""
    text = re.sub(r"^[\s“”\"]+|[\s，；：。！？,;!?“”\"]+$", "", clause)
    if text.count("“") > text.count("”") and clause.rstrip("，；：。！？,;!? ").endswith("”"):
        text += "”"
    elif text.count("”") > text.count("“") and clause.lstrip().startswith("“"):
        text = "“" + text
    return text


def direct_from_sentence(
    query: Query, cand: Candidate, article_date: str | None, context: str, profile: Profile,
    least: float = 0.0,
) -> str | None:
    """The clause of a sentence that covers most of an untyped question, with its date; ``profile`` (its
    datelines) keeps the paper's "本报讯" out of the clauses. Chosen on the folded text, printed as the
    article prints it. ``least``: the share of the question's words the clause must hold (more than 0)."""
    words = keywords(query)
    places = (*named_places(query), *query.home_words, *(p.name for p in query.home_places))
    if not any(len(w) > 1 and not any(w in p or p in w for p in places) for w in words):
        return None  # "那醴陵市呢" with nothing to follow asks nothing but a place: no clause answers it
    pairs = _clauses(cand, profile)
    if not pairs:
        return None
    score, index = max((coverage(words, folded), -i) for i, (folded, _) in enumerate(pairs))
    if score <= 0 or score < least:
        return None
    lead = "".join(folded for folded, _ in pairs[: 1 - index])
    if any(place not in lead for place in named_places(query)):
        return None  # an answer about 武汉 must say 武汉 (in the clause or before it in the sentence)
    body = trim_clause(pairs[-index][1])
    if not set(HAN.findall(fold(body))) - set(query.text + fold(query.original)):
        return None  # a clause that only repeats the question ("巴西再次主办世界杯") answers nothing
    return dated(body, cand, article_date, context, "other") if body else None


def dated(body: str, cand: Candidate, article_date: str | None, context: str, asked: str) -> str:
    """``body`` with the date it holds for: "复工率84%（截至2020年2月17日）" when the sentence says 截至 or an
    hour, else the report's date ("（2020年2月17日报道）"); an answer to "when" or "who" carries no as-of."""
    asof = resolve_asof(cand.match, article_date, fold(context)) if cand.start >= 0 else None
    if asof is not None and asked not in ("when", "clock", "year", "who") and re.search(r"截至|\d+时", cand.match):
        return f"{body}（截至{asof.label}）"
    return f"{body}（{date_label(article_date)}报道）" if article_date else body
