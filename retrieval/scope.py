"""Scope checks before any search, and the per-build corpus facts they use: coverage, mentions, /latest rows."""

from __future__ import annotations

import re
from collections import Counter

from config.profile import Profile
from news.figures import Grammar, article_place
from news.text import fold
from retrieval.answer import Coverage, Decline, Reason
from retrieval.facts import asked_metric, asks_part, counts_thing, unknown_subject
from retrieval.latest import in_home, latest_figures
from retrieval.normalize import Query
from retrieval.snapshot import IndexSnapshot
from retrieval.synonyms import short_forms

YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def needs_fact(query: Query, profile: Profile) -> bool:
    """A count of a measured thing (确诊, 出院 …), or a superlative over places, is only given from the
    facts table, where thing, qualifier, place and as-of are each bound; never from a nearby clause."""
    if profile.pattern("superlative").search(query.text) and asked_metric(query, profile):
        return True
    if asked_metric(query, profile) and asks_part(query, profile):
        return True
    if query.english and asked_metric(query, profile) and query.kind not in ("when", "clock"):
        return True  # an English question is read through a word list: a measure only from a bound fact
    return counts_thing(query, profile) or (query.kind == "quantity" and len(query.places) > 1)


class Scope:
    """One build's facts for the scope checks, its coverage and /latest, computed once when the build is
    opened (in the reload watcher, not on the first question); lookups are memoised.

    Nothing here grows with the corpus: whether the articles name a place is looked up in the build's
    place_names table (a gazetteer name) or scanned inside SQLite (any other word), not searched in a copy
    of every article's text (that copy held 144M characters at 1M chunks: docs/benchmarks.md).
    """

    def __init__(self, snapshot: IndexSnapshot, g: Grammar) -> None:
        self.snapshot = snapshot
        self.grammar = g
        self._text: str | None = None  # articles given as a dict (tests, benchmarks): their joined text
        self._mentions: dict[str, bool] = {}
        self._latest: list[dict] | None = None
        dates = sorted(a.date for a in snapshot.articles.values() if a.date)
        self.years = {int(d[:4]) for d in dates}
        self.date_range = [dates[0], dates[-1]] if dates else None
        self.coverage = coverage(snapshot, g, dates)

    def declined(self, reason: Reason, subject: str = "") -> Decline:
        return Decline(reason, self.coverage, subject)

    def decline(self, query: Query) -> Decline | None:
        """Why ``query`` cannot be answered from this build, decided before any search; None if it may be."""
        profile, gazetteer = self.grammar.profile, self.grammar.gazetteer
        if not query.text.strip("？?！!。，,. "):
            return self.declined("empty")
        if profile.is_chitchat(query.original):
            return self.declined("chitchat", profile.example)
        if query.unknown_places:  # "in Paris": no place this corpus knows; never the home city's figure
            return self.declined("not_covered", query.unknown_places[0])
        for company in query.companies:  # 北京银行株洲分行: the reports must name the company (or 北汽 for 北京汽车)
            if not any(self.mentions(name) for name in (company, *short_forms(company))):
                return self.declined("not_covered", company)
        unknown = unknown_subject(query, profile, gazetteer)
        if unknown and not query.places and not query.home_places and not self.mentions(unknown):
            return self.declined("not_covered", unknown)
        # a figure question names places the facts table must hold; a quantity question that asks no measured
        # thing ("巴西以多少比数输给西班牙") is no epidemic count, whatever places it names
        fact = bool(query.places) and needs_fact(query, profile) and asked_metric(query, profile) is not None
        for place, word in zip(query.places, query.place_words, strict=False):
            if not self.mentions(word) and not self.mentions(place.name):
                return self.declined("not_covered", place.name)
            if fact and self.snapshot.figures.newest(gazetteer.label(place)) is None:
                return self.declined("no_figures", place.name)
        if profile.asks_live(query.original) or profile.asks_live(query.text):
            return self.declined("live")
        years = {int(y) for y in YEAR.findall(query.text)}  # out of scope only when no article mentions it
        if years and self.years and not years & self.years and not any(self.mentions(f"{y}年") for y in years):
            return self.declined("other_year", str(min(self.years)))
        return None

    def mentions(self, word: str) -> bool:
        """Whether any title or article text contains ``word`` (a place name or any other word)."""
        if word not in self._mentions:
            articles = self.snapshot.articles
            if hasattr(articles, "names_place"):  # a build's SQLite table
                known = self.grammar.gazetteer.is_name(word)
                self._mentions[word] = articles.names_place(word) if known else articles.contains_text(word)
            else:
                if self._text is None:
                    self._text = fold("\n".join(a.title + "\n" + a.text for a in articles.values()))
                self._mentions[word] = word in self._text
        return self._mentions[word]

    def latest(self) -> list[dict]:
        """/latest's rows (computed once per build): the home city's and its divisions' facts only."""
        if self._latest is None:
            snap = self.snapshot
            home = [r for r in snap.figures.regions() if in_home(r, self.grammar)]
            figures = [f for r in home for f in snap.figures.matching(region=r)]
            rows = latest_figures(figures, self.grammar.profile)
            for row in rows:
                article = snap.articles.get(row["article_id"])
                row["source"] = {"title": article.title, "date": article.date, "file": article.source,
                                 "paper": article.paper, "published": article.published, "page": article.page} if article else None
            self._latest = rows
        return self._latest


def coverage(snapshot: IndexSnapshot, g: Grammar, dates: list[str]) -> Coverage:
    """What the corpus covers, computed from it: its papers, article count, date span (``dates``, sorted), the
    places its articles report from and the profile's topics it has most articles on."""
    articles = snapshot.articles
    named = Counter(a.paper for a in articles.values() if a.paper)
    places: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for article in articles.values():
        place = article_place(article, g)
        if place is not None:
            places[g.gazetteer.label(place)] += 1
        for word, label in g.profile.topics.items():
            if word in article.title or word in article.text:
                topics[label] += 1
    return Coverage(
        papers=tuple(p for p, _ in named.most_common(2)),
        more_papers=bool(named) and (len(named) > 2 or sum(named.values()) < len(articles)),
        articles=len(articles), first=dates[0] if dates else None, last=dates[-1] if dates else None,
        places=tuple(p for p, _ in places.most_common(3)), more_places=len(places) > 3,
        topics=tuple(t for t, _ in topics.most_common(3)),
    )
