"""The question-answering engine: one object wires settings, embedder and the live index snapshot."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import Counter
from pathlib import Path

from config import Settings
from config.profile import load_profile
from model.embedder import Embedder, make_embedder
from news.figures import Figure, article_place, grammar
from news.text import fold
from retrieval.answer import Answer, enforce_faithfulness
from retrieval.compose import Candidate, _date_label, _source, candidates
from retrieval.errors import SearchUnavailable
from retrieval.facts import (
    asked_metric,
    asks_part,
    counts_thing,
    figure_answer,
    superlative_answer,
    unknown_subject,
)
from retrieval.latest import in_home, latest_figures
from retrieval.normalize import Query, normalize
from retrieval.question import analyse
from retrieval.search import FusionConfig, HybridSearcher
from retrieval.sentence import sentence_answer
from retrieval.snapshot import IndexSnapshot, load_snapshot
from stores.vector_store import VectorStoreError

log = logging.getLogger(__name__)
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


class Engine:
    """Answers questions from the index that `current` points at, reloading it when it changes."""

    def __init__(self, settings: Settings, embedder: Embedder, snapshot: IndexSnapshot) -> None:
        self.settings = settings
        self.embedder = embedder
        self._snapshot = snapshot
        self._reload_lock = threading.Lock()
        self._failed: Path | None = None  # a build that could not be loaded
        self.fusion = FusionConfig(
            mode="weighted", dense_weight=settings.dense_weight, depth=settings.retrieval_depth
        )
        self.profile = load_profile(getattr(settings, "profile", None))
        self.grammar = grammar(self.profile)  # loads the gazetteer once, when the engine opens
        self.gazetteer = self.grammar.gazetteer
        self.started = time.time()
        self.questions = 0
        self._facts_by_build: dict[str, _CorpusFacts] = {}
        self._facts(snapshot)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> Engine:
        """Load the model and the current index (raises IndexNotReady / IndexMismatch / IndexCorrupt)."""
        embedder = embedder or make_embedder(settings.embedding_model)
        return cls(settings, embedder, load_snapshot(settings.index_dir, embedder.model_id))

    @property
    def snapshot(self) -> IndexSnapshot:
        return self._snapshot

    def reload_if_changed(self, retry_failed: bool = False) -> bool:
        """Switch to a newer build if `make index` made one; cheap when nothing changed (one readlink).

        Answers in flight keep the snapshot they started with, so none sees a mix of two builds. A
        build that fails to load (IndexCorrupt, IndexMismatch) raises once and is then ignored until
        ``retry_failed`` or a newer build; the current snapshot keeps serving meanwhile.
        """
        link = self.settings.index_dir / "current"
        try:
            target = (self.settings.index_dir / os.readlink(link)).resolve()
        except OSError:
            return False
        if target == self._snapshot.build_dir or (target == self._failed and not retry_failed):
            return False
        with self._reload_lock:
            if target == self._snapshot.build_dir:
                return False
            try:
                fresh = load_snapshot(self.settings.index_dir, self.embedder.model_id)
            except Exception:
                self._failed = target
                raise
            self._facts(fresh)  # computed here, in the watcher, not on the first question after the switch
            self._snapshot = fresh
            log.info("serving index %s", fresh.build_id)
            return True

    # ------------------------------------------------------------------ answers
    def ask(self, question: str, max_sources: int | None = None) -> Answer:
        """Answer one question extractively (the model and indexes are already loaded).

        Args:
            max_sources: quotes to return (default: the ``top_k`` setting).
        """
        self.questions += 1
        query = normalize(question, self.profile, self.gazetteer)
        answer = self._answer(query, max_sources or self.settings.top_k)
        if query.respelled:  # say how a misspelt name was read: "按“株洲”理解“株州”"
            said = "、".join(f"按“{right}”理解“{wrong}”" for wrong, right in query.respelled)
            answer.note = f"{said}。{answer.note}" if answer.note else f"{said}。"
        return answer

    def _answer(self, query: Query, top_k: int) -> Answer:
        snap = self._snapshot  # one snapshot for the whole answer
        if not query.text.strip("？?！!。，,. "):
            return self._decline(query, snap, "问题是空的")
        if self.profile.is_chitchat(query.original):
            return self._decline(
                query, snap, f"这不是一个问题。请直接问新闻里的事，例如「{self.profile.example}」"
            )
        declined = self._out_of_scope(query, snap)
        if declined is not None:
            return declined
        year = self.settings.default_year
        figure = superlative_answer(query, snap, self.profile, self.gazetteer, year) or figure_answer(
            query, snap, self.profile, self.gazetteer, year
        )
        ranked = candidates(query, snap, self._search(query, snap))
        if figure is not None:
            return enforce_faithfulness(self._with_more_quotes(figure, snap, ranked, top_k))
        if not ranked or ranked[0].relevance < self.settings.min_relevance or ranked[0].own <= 0:
            return self._decline(query, snap, "没有找到相关报道")
        if self._needs_fact(query):  # precision first: no fact binds this figure to the question
            quotes = Answer(query.original, True, None, [], kind="quotes")
            return self._with_more_quotes(quotes, snap, [c for c in ranked if c.own > 0], top_k)
        return enforce_faithfulness(self._sentence_answer(query, snap, ranked, top_k))

    def _needs_fact(self, query: Query) -> bool:
        """A count of a measured thing (确诊, 出院 …), or a superlative over places, is only given from the
        facts table, where thing, qualifier, place and as-of are each bound; never from a nearby clause."""
        if self.profile.pattern("superlative").search(query.text) and asked_metric(query, self.profile):
            return True
        if asked_metric(query, self.profile) and asks_part(query, self.profile):
            return True
        if query.english and asked_metric(query, self.profile) and query.kind not in ("when", "clock"):
            return True  # an English question is read through a word list: a measure only from a bound fact
        return counts_thing(query, self.profile) or (query.kind == "quantity" and len(query.places) > 1)

    def _sentence_answer(self, query: Query, snap: IndexSnapshot, ranked: list[Candidate], top_k: int) -> Answer:
        asked = analyse(query, self.profile)
        reply = sentence_answer(query, asked, snap, ranked, self.profile, lambda c: self._home(snap, c),
                                self.settings.default_year)
        if reply.decline:
            return self._decline(query, snap, reply.decline)
        answer = Answer(query.original, True, reply.text, [_source(snap, reply.chosen, self.profile)],
                        kind="sentence" if reply.text else "quotes")
        return self._with_more_quotes(answer, snap, ranked, top_k)

    def _home(self, snap: IndexSnapshot, cand: Candidate) -> bool:
        """A home-city report (paper, headline or dateline), or a sentence that names the home city."""
        place = article_place(snap.articles[cand.article_id], self.grammar)
        return (place is not None and place.within(self.gazetteer.home)) or self.profile.home_label in cand.match

    def _search(self, query: Query, snap: IndexSnapshot) -> list:
        """Hybrid search; a vector store that fails now (Milvus down) is a SearchUnavailable naming it."""
        try:
            return HybridSearcher(self.embedder, snap.vectors, snap.lexical).search(
                query.text, query.lexical, self.fusion, limit=10
            )
        except VectorStoreError as err:
            config = getattr(snap.vectors, "config", {})
            backend = config.get("backend", type(snap.vectors).__name__)
            where = config.get("uri") or str(snap.build_dir / "vectors")
            raise SearchUnavailable(backend, where, str(err)) from err

    def _with_more_quotes(self, answer: Answer, snap: IndexSnapshot, ranked: list[Candidate], top_k: int) -> Answer:
        """Add the next best sentences as quotes (never the same sentence twice, no headlines)."""
        for cand in ranked:
            if len(answer.sources) >= top_k:
                break
            if cand.start < 0 or cand.relevance < self.settings.min_relevance:
                continue
            quote = _source(snap, cand, self.profile)
            if all(quote.quote not in s.quote and s.quote not in quote.quote for s in answer.sources):
                answer.sources.append(quote)
        return answer

    def _out_of_scope(self, query: Query, snap: IndexSnapshot) -> Answer | None:
        facts = self._facts(snap)
        unknown = unknown_subject(query, self.profile, self.gazetteer)
        if unknown and not query.places and not query.home_places and not facts.mentions(unknown):
            return self._decline(query, snap, f"现有报道没有关于{unknown}的内容")
        for place, word in zip(query.places, query.place_words, strict=False):
            label = self.gazetteer.label(place)
            if not facts.mentions(word) and not facts.mentions(place.name):
                return self._decline(query, snap, f"现有报道没有关于{place.name}的内容")
            if self._needs_fact(query) and snap.figures.newest(label) is None:
                return self._decline(query, snap, f"现有报道没有{place.name}的疫情数字")
        if self.profile.asks_live(query.original) or self.profile.asks_live(query.text):
            return self._decline(query, snap, "这里是新闻报道存档，没有今天的天气、路况这类实时信息")
        years = {int(y) for y in YEAR.findall(query.text)}  # out of scope only when no article mentions it
        if years and facts.years and not years & facts.years and not any(facts.mentions(f"{y}年") for y in years):
            return self._decline(query, snap, f"这里只有{min(facts.years)}年的报道")
        return None

    def _facts(self, snap: IndexSnapshot) -> _CorpusFacts:
        """What the scope checks need about a build, computed once per build (not per question); the
        serving build's and the incoming one's are kept, so a switch never recomputes mid-question."""
        facts = self._facts_by_build.get(snap.build_id)
        if facts is None:
            serving = self._snapshot.build_id
            self._facts_by_build = {k: v for k, v in self._facts_by_build.items() if k == serving}
            facts = self._facts_by_build[snap.build_id] = _CorpusFacts(snap, self)
        return facts

    def _decline(self, query: Query, snap: IndexSnapshot, reason: str) -> Answer:
        return Answer(query.original, False, None, [], note=f"{reason}。{self.coverage_line(snap)}", kind="declined")

    # ------------------------------------------------------------------ corpus facts
    def coverage_line(self, snap: IndexSnapshot | None = None) -> str:
        """One line on what the corpus covers: papers, number of articles, date range, topics."""
        return self._facts(snap or self._snapshot).coverage

    def latest(self) -> list[dict]:
        """The newest value of each epidemic measure, its as-of time, the previous value and the change."""
        snap = self._snapshot
        return [dict(row) for row in self._facts(snap).latest(snap, self)]

    def info(self) -> dict:
        snap = self._snapshot
        return {
            "articles": len(snap.articles), "chunks": len(snap.chunks), "figures": len(snap.figures),
            "model": snap.manifest["model"]["id"], "build_id": snap.build_id,
            "built_at": snap.manifest.get("built_at"), "date_range": self._facts(snap).date_range,
            "uptime_s": round(time.time() - self.started), "questions": self.questions,
            "index_dir": str(Path(self.settings.index_dir)),
        }


class _CorpusFacts:
    """Per-build facts for the scope checks, the coverage line and /latest; lookups are memoised.

    Nothing here grows with the corpus: whether the articles name a place is looked up in the build's
    place_names table (a gazetteer name) or scanned inside SQLite (any other word), not searched in a copy
    of every article's text (that copy held 144M characters at 1M chunks: docs/benchmarks.md).
    """

    def __init__(self, snap: IndexSnapshot, engine: Engine) -> None:
        self.build_id = snap.build_id
        self._articles = snap.articles
        self._gazetteer = engine.gazetteer
        self._text: str | None = None  # articles given as a dict (tests, benchmarks): their joined text
        self._mentions: dict[str, bool] = {}
        self._latest: list[dict] | None = None
        dates = sorted(a.date for a in snap.articles.values() if a.date)
        self.years = {int(d[:4]) for d in dates}
        self.date_range = [dates[0], dates[-1]] if dates else None
        self.coverage = coverage_line(snap, engine, dates)

    def mentions(self, word: str) -> bool:
        """Whether any title or article text contains ``word`` (a place name or any other word)."""
        if word not in self._mentions:
            articles = self._articles
            if hasattr(articles, "names_place"):  # a build's SQLite table
                known = self._gazetteer.is_name(word)
                self._mentions[word] = articles.names_place(word) if known else articles.contains_text(word)
            else:
                if self._text is None:
                    self._text = fold("\n".join(a.title + "\n" + a.text for a in articles.values()))
                self._mentions[word] = word in self._text
        return self._mentions[word]

    def latest(self, snap: IndexSnapshot, engine: Engine) -> list[dict]:
        """/latest's rows (computed once per build): the home city's and its divisions' facts only."""
        if self._latest is None:
            home = [r for r in snap.figures.regions() if in_home(r, engine.grammar)]
            figures = [Figure(**f) for r in home for f in snap.figures.matching(region=r)]
            rows = latest_figures(figures, engine.profile)
            for row in rows:
                article = snap.articles.get(row["article_id"])
                row["source"] = {"title": article.title, "date": article.date, "file": article.source} if article else None
            self._latest = rows
        return self._latest


def coverage_line(snap: IndexSnapshot, engine: Engine, dates: list[str]) -> str:
    """What the corpus covers, computed from it: its papers, article count, date span, the places its
    articles report from and the profile's topics it has most articles on."""
    named = Counter(a.paper for a in snap.articles.values() if a.paper)
    papers = "、".join(p for p, _ in named.most_common(2))
    if papers and (len(named) > 2 or sum(named.values()) < len(snap.articles)):
        papers += "等"
    span = ""
    if dates:
        span = f"{_date_label(dates[0])}至{_date_label(dates[-1])}" if dates[0] != dates[-1] else _date_label(dates[0])
    places: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for article in snap.articles.values():
        place = article_place(article, engine.grammar)
        if place is not None:
            places[engine.gazetteer.label(place)] += 1
        for word, label in engine.profile.topics.items():
            if word in article.title or word in article.text:
                topics[label] += 1
    line = f"现有{papers}{len(snap.articles)}篇报道（{span}）"
    if topics:
        where = "、".join(p for p, _ in places.most_common(3))
        more = "等地" if len(places) > 3 else ""
        line += f"，主要是{where}{more}的" if where else "，主要是"
        line += "、".join(t for t, _ in topics.most_common(3))
    return line
