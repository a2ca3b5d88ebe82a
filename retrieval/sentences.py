"""An answer from a report's own sentence: the answering sentence among the ranked ones, then further quotes."""

from __future__ import annotations

from config.profile import Profile
from news.asof import parse_question_date, resolve_asof
from news.figures import Grammar, article_place
from news.text import NUMBER
from retrieval.answer import Answer
from retrieval.compose import CLOCK_EXPR, DATE_EXPR, Candidate, _source, binding, direct_from_sentence
from retrieval.normalize import Query, named_places
from retrieval.snapshot import IndexSnapshot


def sentence_answer(
    query: Query, snap: IndexSnapshot, ranked: list[Candidate], g: Grammar, default_year: int
) -> Answer | None:
    """The answering clause of the best sentence that can say it (a date for 哪天, a clock time for 几点, a
    number for 多少), quoted; only quotes when no clause answers. None when the question names a place that
    the chosen sentence does not: the reports do not answer it."""
    best = ranked[0]
    named = parse_question_date(query.text, default_year)
    when = query.kind in ("when", "clock")
    counting = query.kind == "quantity"
    stamp = CLOCK_EXPR if query.kind == "clock" else DATE_EXPR
    if when:  # only sentences that carry a date (or a clock time, for 几点) can say when
        pool = [c for c in ranked if c.own > 0 and stamp.search(c.text)]
    elif counting:  # only sentences with a number other than a date can say how many
        pool = [c for c in ranked if c.own > 0 and NUMBER.search(DATE_EXPR.sub("", c.text))]
    else:
        pool = [c for c in ranked if c.own > 0]
    pool = pool or [best]
    places = named_places(query)
    if not places:  # a question naming no other place asks about the home city: its own reports first
        pool = [c for c in pool if is_home(snap, c, g)] or pool
    group = [c for c in pool if c.relevance >= (0.75 if counting else 0.85) * pool[0].relevance]
    for cand in group:
        article = snap.articles[cand.article_id]
        asof = resolve_asof(cand.text, article.date, article.text[max(0, cand.start - 200) : max(0, cand.start)])
        cand.asof_key = asof.key if asof else (article.date or "")
    if named:  # a question naming a date gets that date's report
        dated = [c for c in group if c.asof_key.startswith(named)]
        group = dated or group
    elif counting:
        # a number about what was asked first, then the newest report among equally good answers
        group = sorted(group, key=lambda c: (binding(c.text, query), c.asof_key, c.relevance), reverse=True)
    answer_text, chosen = None, group[0] if group else best
    for cand in group:
        article = snap.articles[cand.article_id]
        context = article.text[max(0, cand.start - 200) : max(0, cand.start)]
        answer_text = direct_from_sentence(query, cand, article.date, context, g.profile)
        if answer_text:
            chosen = cand
            break
    if answer_text is None and places and not any(p in chosen.text for p in places):
        return None
    return Answer(query.original, True, answer_text, [_source(snap, chosen, g.profile)],
                  kind="sentence" if answer_text else "quotes")


def is_home(snap: IndexSnapshot, cand: Candidate, g: Grammar) -> bool:
    """A home-city report (paper, headline or dateline), or a sentence that names the home city."""
    place = article_place(snap.articles[cand.article_id], g)
    return (place is not None and place.within(g.gazetteer.home)) or g.profile.home_label in cand.text


def with_more_quotes(
    answer: Answer, snap: IndexSnapshot, ranked: list[Candidate], top_k: int, min_relevance: float, profile: Profile
) -> Answer:
    """Add the next best sentences as quotes, up to ``top_k`` (never the same sentence twice, no headlines)."""
    for cand in ranked:
        if len(answer.sources) >= top_k:
            break
        if cand.start < 0 or cand.relevance < min_relevance:
            continue
        quote = _source(snap, cand, profile)
        if all(quote.quote not in s.quote and s.quote not in quote.quote for s in answer.sources):
            answer.sources.append(quote)
    return answer
