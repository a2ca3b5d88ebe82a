"""The question-answering engine over one index build: it orders the stages of an answer, each in its own module."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from pathlib import Path

from config import Settings
from config.profile import Profile, load_profile
from model.embedder import Embedder, make_embedder
from news.figures import grammar
from news.places import Place
from retrieval.answer import Answer, Coverage, Reason, enforce_faithfulness
from retrieval.compose import Candidate, _source, candidates
from retrieval.errors import SearchUnavailable
from retrieval.facts import any_of, figure_answer, question_thing, superlative_answer
from retrieval.normalize import ASKING, TYPED_ASKING, Query, asking_words, named_places, normalize
from retrieval.question import analyse
from retrieval.scope import Scope, needs_fact
from retrieval.search import FusionConfig, Hit, HybridSearcher
from retrieval.sentences import place_first, sentence_answer, with_more_quotes
from retrieval.snapshot import IndexSnapshot, load_snapshot
from retrieval.synonyms import synonym_coverage
from stores.errors import VectorStoreError

OUTSIDE = re.compile(r"之外|以外")  # what a report says of every place outside an area (湖北省之外)

class Engine:
    """Answers questions from one build; a newer build gets a new Engine (retrieval.service switches them), so
    an answer in flight keeps the build it started with.

    Args:
        settings: the one Settings object (top_k, min_relevance, fusion, default year).
        embedder: the query embedder (the model the build was made with).
        snapshot: the loaded build.
        profile: the newsroom profile questions are read with.
    """

    def __init__(self, settings: Settings, embedder: Embedder, snapshot: IndexSnapshot, profile: Profile) -> None:
        self.settings = settings
        self.embedder = embedder
        self.snapshot = snapshot
        self.profile = profile
        self.grammar = grammar(profile)  # the gazetteer is loaded once per process
        self.gazetteer = self.grammar.gazetteer
        self.fusion = FusionConfig(
            mode="weighted", dense_weight=settings.dense_weight, depth=settings.retrieval_depth
        )
        self.scope = Scope(snapshot, self.grammar)  # computed here, when the build is opened

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None) -> Engine:
        """Open the model (its encoders load on first use), the current index and the profile of ``settings``
        (raises IndexUnavailable)."""
        embedder = embedder or make_embedder(settings.embedding_model)
        snapshot = load_snapshot(settings.index_dir, embedder.model_id)
        return cls(settings, embedder, snapshot, load_profile(settings.profile))

    def serving(self, snapshot: IndexSnapshot) -> Engine:
        """An engine for another build, with this one's settings, model and profile."""
        return Engine(self.settings, self.embedder, snapshot, self.profile)

    @property
    def coverage(self) -> Coverage:
        """What the build covers (papers, article count, dates, places, topics), as data."""
        return self.scope.coverage

    def ask(self, question: str, max_sources: int | None = None) -> Answer:
        """Answer one question extractively: scope checks, search, a bound figure, an answering sentence, or
        plain quotes; a declined answer says why as data (``Answer.decline``).

        Args:
            max_sources: quotes to return (default: the ``top_k`` setting).
        """
        query = normalize(question, self.profile, self.gazetteer)
        answer = self._answer(query, max_sources or self.settings.top_k)
        if query.respelled:  # say how a misspelt name was read: "按“株洲”理解“株州”"
            said = "、".join(f"按“{right}”理解“{wrong}”" for wrong, right in query.respelled)
            answer.note = f"{said}。{answer.note}" if answer.note else f"{said}。"
        return answer

    def _answer(self, query: Query, top_k: int) -> Answer:
        snap, year = self.snapshot, self.settings.default_year
        declined = self.scope.decline(query)
        hits = None
        if declined is not None and declined.reason == "no_figures":
            hits = self._search(query)
            if self._says_it(query, candidates(query, snap, hits)):
                declined = None  # 俄罗斯…造成多少人死亡: a report says it in words; its passages, never a bold
        if declined is not None and declined.reason == "not_covered":
            beyond = self._outside(query, declined.subject, top_k)
            if beyond is not None:  # 从长沙回株洲要隔离吗: the rule for those from outside 湖北省 covers 长沙
                return enforce_faithfulness(beyond)
        if declined is not None:
            return Answer.declined(query.original, declined)
        figure = superlative_answer(query, snap, self.profile, self.gazetteer, year) or figure_answer(
            query, snap, self.profile, self.gazetteer, year
        )
        hits = hits if hits is not None else self._search(query)
        ranked = candidates(query, snap, hits)
        if figure is not None:
            return enforce_faithfulness(self._more_quotes(figure, ranked, top_k))
        if not self._covered(ranked):
            return self._reworded(query, hits, top_k)
        if needs_fact(query, self.profile):  # precision first: no fact binds this figure to the question
            return self._quotes(query, ranked, top_k)
        answer = sentence_answer(query, analyse(query, self.profile), snap, ranked, self.grammar, year)
        if answer is None:
            return self._decline(query, "place_unanswered", named_places(query)[0])
        return enforce_faithfulness(self._more_quotes(answer, ranked, top_k))

    def _says_it(self, query: Query, ranked: list[Candidate]) -> bool:
        """A sentence names one of the asked places (the gazetteer's reading: 北京时间 is a clock) and the asked
        thing as reports do: the facts table holds no figure for the place, but the text is about it (a drone
        attack's deaths in a national bulletin is no epidemic count, and no reason to say the reports have
        nothing)."""
        thing = question_thing(query, self.profile)
        if thing is None:
            return False
        said = any_of(thing.report)
        return any(c.own > 0 and said.search(c.match)
                   and any(p.within(q) for _, _, p in self.gazetteer.find(c.match) for q in query.places)
                   for c in ranked)

    def _outside(self, query: Query, subject: str, top_k: int) -> Answer | None:
        """A Chinese division no report names, covered by what the reports say of every place outside another
        ("湖北省之外的返回人员…不需隔离" for 长沙): those passages, never a bold (which side of a rule a reader is
        on is theirs to read), and a note that says so; None when no passage speaks of the outside of an area
        that does not hold the place."""
        named = [(p, w) for p, w in zip(query.places, query.place_words, strict=False)
                 if p.name == subject and p.level in ("province", "city", "county")]
        if not named:
            return None
        place, word = named[0]
        bare = replace(query, places=(), place_words=())
        found = [(c, area) for c in candidates(bare, self.snapshot, self._search(bare))
                 if c.own > 0 and (area := self._beyond(c.match, place))]
        if not found:
            return None
        quotes = [_source(self.snapshot, c, self.profile) for c, _ in found[:top_k]]
        note = (f"The reports do not name {word}; this is what they say of places outside {found[0][1]}."
                if query.english else f"报道没有单独提到{word}；以下是对{found[0][1]}以外地区的说法。")
        return Answer(query.original, True, None, quotes, kind="quotes", note=note)

    def _beyond(self, text: str, place: Place) -> str | None:
        """The area whose outside ``text`` speaks of (湖北省 of 湖北省之外, 武汉 of 武汉以外), when it does not hold
        ``place``; None otherwise."""
        for m in OUTSIDE.finditer(text):
            window = text[max(0, m.start() - 10) : m.start()]
            found = self.gazetteer.find(window)
            if found and found[-1][1] == len(window) and found[-1][2].level != "country" \
                    and not place.within(found[-1][2]):
                return window[found[-1][0] :]
        return None

    def _covered(self, ranked: list[Candidate]) -> bool:
        return bool(ranked) and ranked[0].relevance >= self.settings.min_relevance and ranked[0].own > 0

    def _reworded(self, query: Query, hits: list[Hit], top_k: int) -> Answer:
        """A question in the reader's words, not the paper's (发烧 for 发热, 病人 for 患者): covered when its content
        words, each counted with its 词林 synonyms and without any question word (多少 and 百分之几 too), pass the
        same cut-off. The answer is its passages, best first, never a bold: nothing binds a figure to words the
        paper does not print. Else it is declined: nothing on it is reported."""
        alike = candidates(self._without_asking(query, ASKING + TYPED_ASKING), self.snapshot, hits,
                           cover=partial(synonym_coverage, extra=self.profile.reader_words))
        return self._quotes(query, alike, top_k) if self._covered(alike) else self._decline(query, "not_found")

    def _quotes(self, query: Query, ranked: list[Candidate], top_k: int) -> Answer:
        """Passages that hold some of the question's words, best first, without a bold answer."""
        quotes = Answer(query.original, True, None, [], kind="quotes")
        shown = [c for c in ranked if c.own > 0 and c.relevance >= self.settings.min_relevance]
        return self._more_quotes(quotes, place_first(query, self.snapshot, shown, self.grammar), top_k)

    def _without_asking(self, query: Query, names: tuple[str, ...]) -> Query:
        """The question with the words of the profile's patterns ``names`` counted as no keywords (normalize already
        drops the question words 哪一年, 什么时候, 怎么办; 多少 and 百分之几 are dropped only here, as they also match
        measured nouns): whether the reports cover it is judged on what it is about."""
        return replace(query, asking=asking_words(query.lexical, self.profile, names))

    def passages(self, question: str) -> list[str]:
        """The text of the chunks the search finds for ``question``, best first (a follow-up's lists: followup.sibling)."""
        snap = self.snapshot
        hits = self._search(normalize(question, self.profile, self.gazetteer))
        return [snap.articles[c.article_id].text[c.start : c.end] for c in (snap.chunks[h.row] for h in hits)]

    def _search(self, query: Query) -> list[Hit]:
        """Hybrid search; a vector store that fails now (Milvus down) is a SearchUnavailable naming it."""
        snap = self.snapshot
        try:
            return HybridSearcher(self.embedder, snap.vectors, snap.lexical).search(
                query.text, query.lexical, self.fusion, limit=10
            )
        except VectorStoreError as err:
            config = getattr(snap.vectors, "config", {})
            backend = config.get("backend", type(snap.vectors).__name__)
            where = config.get("uri") or str(snap.build_dir / "vectors")
            raise SearchUnavailable(backend, where, str(err)) from err

    def _more_quotes(self, answer: Answer, ranked: list[Candidate], top_k: int) -> Answer:
        return with_more_quotes(answer, self.snapshot, ranked, top_k, self.settings.min_relevance, self.profile)

    def _decline(self, query: Query, reason: Reason, subject: str = "") -> Answer:
        return Answer.declined(query.original, self.scope.declined(reason, subject))

    def latest(self) -> list[dict]:
        """The newest value of each epidemic measure, its as-of time, the previous value and the change."""
        return [dict(row) for row in self.scope.latest()]

    def info(self) -> dict:
        """What the build holds: counts, model, build id, build time, date range, index directory."""
        snap = self.snapshot
        return {
            "articles": len(snap.articles), "chunks": len(snap.chunks), "figures": len(snap.figures),
            "model": snap.manifest["model"]["id"], "build_id": snap.build_id,
            "built_at": snap.manifest.get("built_at"), "date_range": self.scope.date_range,
            "index_dir": str(Path(self.settings.index_dir)),
        }
