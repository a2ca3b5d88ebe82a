"""The sentence path: which sentences may answer, and the bold they give (a typed span bound to the question)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config.profile import Profile
from news.asof import parse_question_date, resolve_asof
from news.spans import answers, find_spans
from news.text import fold
from retrieval.binding import binding
from retrieval.bold import TYPES, bold_text, choose, load_model, options
from retrieval.compose import Candidate, dated, direct_from_sentence
from retrieval.normalize import Query, named_places
from retrieval.question import Asked
from retrieval.snapshot import IndexSnapshot

YESNO_COVERAGE = 0.8  # share of a yes/no question's words its bold clause must hold (a direct answer)


@dataclass(frozen=True)
class Reply:
    """The bold text (None: quotes only), the sentence quoted first, and why to decline instead (or None)."""

    text: str | None
    chosen: Candidate
    decline: str | None = None


def sentence_answer(
    query: Query, asked: Asked, snap: IndexSnapshot, ranked: list[Candidate], profile: Profile,
    home: Callable[[Candidate], bool], default_year: int,
) -> Reply:
    """A typed question gets the best-scored span of the answering sentences as bold when the model is sure
    enough (else those sentences as quotes, the best span's first); another the clause that covers most of it."""
    group = answer_pool(query, asked, snap, ranked, home, default_year)
    text, chosen = None, group[0]
    if asked.type in TYPES:
        model = load_model()
        option, score = choose(options(query, asked, group, lambda c: snap.articles[c.article_id].title, profile),
                               model)
        if option is not None:
            chosen = option.cand
            if score >= model.threshold:
                article = snap.articles[chosen.article_id]
                text = dated(bold_text(option), chosen, article.date, _before(snap, chosen), asked.type)
    elif asked.type != "prose":  # 怎么办, 哪里: passages, no bold; 吗: only a clause that holds the question
        least = YESNO_COVERAGE if asked.type == "yesno" else 0.0
        for cand in group:
            article = snap.articles[cand.article_id]
            text = direct_from_sentence(query, cand, article.date, _before(snap, cand), profile, least)
            if text:
                chosen = cand
                break
    places = named_places(query)
    if text is None and places and not any(p in chosen.match for p in places):
        return Reply(None, chosen, f"现有报道没有回答这个关于{places[0]}的问题")
    return Reply(text, chosen)


def answer_pool(
    query: Query, asked: Asked, snap: IndexSnapshot, ranked: list[Candidate], home: Callable[[Candidate], bool],
    default_year: int,
) -> list[Candidate]:
    """The sentences that can answer, best first: with a span of the asked type when a type is asked; the home
    city's reports when no other place is named; the named date's report; for a count, the number next to
    the asked words, then the newest report."""
    typed = asked.type in TYPES
    if typed:  # only sentences with a span of the asked type (a year, a date, a number …) can answer
        pool = [c for c in ranked if c.own > 0 and any(answers(asked.type, s) for s in find_spans(c.match))]
    else:
        pool = [c for c in ranked if c.own > 0]
    pool = pool or ranked[:1]
    if not named_places(query):  # a question naming no other place asks about the home city: its reports first
        pool = [c for c in pool if home(c)] or pool
    counting = asked.type in ("count", "percent", "duration")
    group = [c for c in pool if c.relevance >= (0.75 if counting else 0.85) * pool[0].relevance]
    for cand in group:
        article = snap.articles[cand.article_id]
        asof = resolve_asof(cand.match, article.date, fold(_before(snap, cand)))
        cand.asof_key = asof.key if asof else (article.date or "")
    named = parse_question_date(query.text, default_year)
    if named:  # a question naming a date gets that date's report
        return [c for c in group if c.asof_key.startswith(named)] or group
    if counting:  # a number about what was asked first, then the newest report among equally good answers
        return sorted(group, key=lambda c: (binding(c.match, query), c.asof_key, c.relevance), reverse=True)
    return group


def _before(snap: IndexSnapshot, cand: Candidate) -> str:
    """Up to 200 characters of the article before the sentence (where its as-of date may be)."""
    return snap.articles[cand.article_id].text[max(0, cand.start - 200) : max(0, cand.start)]
