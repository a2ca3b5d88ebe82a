"""What the bot needs from retrieval, in one facade over the engine: answers, articles, figures, stats, and the
hot reload (the one place a newer build is switched in)."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.profile import load_profile
from retrieval.errors import IndexNotReady
from stores.layout import current_dir

if TYPE_CHECKING:
    from config import Settings
    from retrieval.answer import Answer, Coverage, Source
    from retrieval.followup import Context, Reading

log = logging.getLogger(__name__)

MORE_SOURCES_LIMIT = 8  # quotes fetched for the "更多来源" button; the first ``top_k`` were already shown


@dataclass(frozen=True)
class MoreSources:
    """The quotes after the ones an answer showed; ``first`` is the number the first of them gets."""

    first: int
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Turn:
    """A message answered in a conversation: (how each question was read, its answer), and the context left."""

    parts: tuple[tuple[Reading, Answer], ...]
    context: Context | None


@dataclass(frozen=True)
class Chart:
    """A trend reply: a PNG line chart and its caption, or (too few dates) ``png`` None and the words."""

    png: bytes | None
    text: str


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: ``changed`` (a new build, or the first one, is now served) and which build serves."""

    changed: bool
    build_id: str
    opened: bool = False  # there was no index before


class Service:
    """The engine behind one object the bot holds from start to stop, with or without an index yet.

    Every method that needs an index raises :class:`IndexNotReady` while none is loaded; :meth:`refresh`
    (the bot's periodic job) and :meth:`reload` (an admin's ``/reload``) load one when it appears, then switch
    to each newer build: an engine per build, swapped under one lock, so an answer in flight keeps its build.

    Args:
        settings: the one Settings object. Its ``PROFILE`` is read here, once: ``profile`` words the replies
            before an index is loaded too (``load_profile`` keeps one per path: the engines' own).
        engine: an opened engine (tests, benchmarks); ``None`` until :meth:`reload` opens one.
    """

    def __init__(self, settings: Settings, engine: Any = None) -> None:
        self.settings = settings
        self.profile = load_profile(settings.profile)
        self._engine = engine
        self._reloading = threading.Lock()
        self._failed: Path | None = None  # a build that could not be loaded
        self.started = time.time()
        self.questions = 0

    @classmethod
    def open(cls, settings: Settings) -> Service:
        """Load the model and the current index (raises IndexUnavailable)."""
        from retrieval.engine import Engine

        return cls(settings, Engine.open(settings))

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def warm(self) -> None:
        """Load the question encoder now (it loads on first use, ~0.6 s), so that the first reader does not wait."""
        self._live().embedder.encode_queries(["warm-up"])  # the encoder adds its query prompt

    def _live(self) -> Any:
        engine = self._engine
        if engine is None:
            raise IndexNotReady(f"no index loaded from {self.settings.index_dir}: run `make index`")
        return engine

    # ------------------------------------------------------------------ questions
    def answer(self, question: str) -> Answer:
        """The answer to one question, with ``top_k`` quotes (blocking: call it off the event loop)."""
        engine = self._live()
        self.questions += 1
        return engine.ask(question)

    def converse(self, question: str, previous: Context | None = None) -> Turn:
        """Answer a message in a conversation: each of its questions in order, a short one ("那出院呢", "醴陵呢")
        read with what ``previous`` (the last question's context) left out (blocking)."""
        from news.figures import grammar
        from retrieval import followup

        engine = self._live()
        profile, year = self.profile, self.settings.default_year
        gazetteer = grammar(profile).gazetteer  # the engine's own (one per profile and process)
        parts = []
        for i, text in enumerate(followup.split(question, profile)):
            noun = followup.bare_noun(previous, text, profile, gazetteer, year)
            listed = noun and followup.sibling(previous, noun, engine.passages(f"{previous.question} {noun}"))
            readings = followup.compare(previous, text, profile, gazetteer, year) or ([listed] if listed else [
                followup.merge(previous, text, profile, gazetteer, year, within=i > 0)])
            for reading in readings:
                self.questions += 1
                answer = engine.ask(reading.question)
                parts.append((reading, answer))
            previous = followup.answered(readings[0].context, parts[-len(readings)][1].asof)
        return Turn(tuple(parts), previous)

    def small_talk(self, text: str) -> str | None:
        """"greeting", "thanks", "bye", "emoji" (``_en`` when in English) for a message that is no question."""
        from retrieval.smalltalk import small_talk

        return small_talk(text, self.profile)

    @property
    def build_id(self) -> str:
        """The index build that answers now."""
        return self._live().snapshot.build_id

    def more_sources(self, question: str, limit: int = MORE_SOURCES_LIMIT) -> MoreSources:
        """The quotes for ``question`` beyond the ``top_k`` its answer showed (possibly none)."""
        engine = self._live()
        shown = self.settings.top_k
        answer = engine.ask(question, limit)
        return MoreSources(first=shown + 1, sources=tuple(answer.sources[shown:]))

    def article(self, article_id: str) -> Any | None:
        """The whole article (title, date, byline, source, text) or ``None`` if this build has no such id."""
        return self._live().snapshot.articles.get(article_id)

    # ------------------------------------------------------------------ what the corpus holds
    def coverage(self) -> Coverage:
        """What the corpus covers (papers, article count, dates, places, topics): render.coverage_line words it."""
        return self._live().coverage

    def latest(self) -> list[dict]:
        """The newest value of each epidemic measure with its as-of, previous value and change."""
        return self._live().latest()

    def info(self) -> dict:
        """Counts, model, build id and time, uptime, questions answered, the build's report (what it changed,
        its problems) and the last build attempt (for ``/stats``)."""
        engine = self._live()
        return engine.info() | {"uptime_s": round(time.time() - self.started), "questions": self.questions,
                                "report": engine.snapshot.manifest.get("report") or {},
                                "last_attempt": self.build_status()}

    def build_status(self) -> dict | None:
        """The last `make index` attempt: {at, build_id, error}; readable with no index loaded (cheap)."""
        from stores.layout import read_build_status

        return read_build_status(self.settings.index_dir)

    # ------------------------------------------------------------------ figures over time
    def chart(self, text: str) -> Chart | None:
        """The trend chart of what ``text`` names ("累计确诊 北京 上海"; the home city by default); ``None``
        when it names no measure. Blocking (draws with matplotlib): call it off the event loop."""
        request = self.request(text)
        return self._draw(self._live(), request) if request.metric else None

    def trend_question(self, question: str) -> Chart | None:
        """The chart a question asks for ("出院人数的变化趋势": a trend word and a measure), or ``None`` (a
        question without a trend word costs one regular expression)."""
        if not self.profile.pattern("trend").search(question):
            return None
        return self.chart(question)

    def request(self, text: str) -> Any:
        """The measure and places ``text`` names (``metric`` None when no measure): a Request."""
        from retrieval.trend import parse_request

        engine = self._live()
        return parse_request(text, engine.profile, engine.gazetteer)

    def newest(self, metric: str, region: str) -> Any | None:
        """The newest figure of (metric, region) with its sentence and report (a Newest), or None."""
        from retrieval.trend import newest

        engine = self._live()
        return newest(engine.snapshot, metric, region, engine.profile)

    def news_for(self, subscriptions: list) -> list[tuple[Any, Any]]:
        """(subscription, Newest) for each subscription whose (metric, region) has a figure later than the one
        it saw (``asof_key``, ``value``); each pair is looked up once however many chats follow it."""
        from retrieval.trend import is_news

        found: dict[tuple[str, str], Any] = {}
        out = []
        for sub in subscriptions:
            key = (sub.metric, sub.region)
            if key not in found:
                found[key] = self.newest(*key)
            if found[key] is not None and is_news(found[key], sub.asof_key, sub.value):
                out.append((sub, found[key]))
        return out

    def since(self, text: str) -> Any | None:
        """What changed after the day ``text`` names (figures whose as-of moved, reports added): a Since, or
        None when it names no day."""
        from retrieval.since import since

        engine = self._live()
        return since(engine.snapshot, text, engine.profile, engine.grammar, self.settings.default_year)

    @staticmethod
    def _draw(engine: Any, request: Any) -> Chart:
        from retrieval import wording
        from retrieval.trend import trend

        found = trend(engine.snapshot, request.metric, request.regions, engine.profile)
        if not found.drawable:
            return Chart(None, wording.trend_words(found))
        from retrieval.chart import png

        return Chart(png(found, wording.chart_text(found)), wording.trend_caption(found))

    # ------------------------------------------------------------------ index builds
    def reload(self, force: bool = True) -> Reloaded:
        """Load the index if none is served yet, else switch to a newer build (cheap when there is none: one
        readlink). Raises IndexUnavailable, and the served build stays; a build that failed to load is then
        skipped until a newer one, or ``force`` (an admin's ``/reload``) retries it."""
        with self._reloading:
            engine = self._engine
            if engine is None:
                from retrieval.engine import Engine

                self._engine = Engine.open(self.settings)
                return Reloaded(True, self._engine.snapshot.build_id, opened=True)
            target = current_dir(self.settings.index_dir)
            if target is None or target == engine.snapshot.build_dir or (target == self._failed and not force):
                return Reloaded(False, engine.snapshot.build_id)
            from retrieval.snapshot import load_snapshot

            try:
                fresh = load_snapshot(self.settings.index_dir, engine.embedder.model_id)
            except Exception:
                self._failed = target
                raise
            self._engine = engine.serving(fresh)  # the new build's scope facts are computed here, in the watcher
            log.info("serving index %s", fresh.build_id)
            return Reloaded(True, fresh.build_id)

    def refresh(self) -> Reloaded | None:
        """The periodic check: load a build that appeared or switch to a newer one; ``None`` when there is
        nothing new (cheap: one readlink). A build that fails to load raises once and is then skipped."""
        if self._engine is None and current_dir(self.settings.index_dir) is None:
            return None
        done = self.reload(force=False)
        return done if done.changed else None
