"""What the bot needs from retrieval, in one facade over the engine: answers, articles, figures, stats, reloads."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from retrieval.errors import IndexNotReady

if TYPE_CHECKING:
    from config import Settings
    from config.profile import Profile
    from retrieval.answer import Answer, Source

MORE_SOURCES = 8  # quotes fetched for "更多来源"; the first ``top_k`` were already shown


@dataclass(frozen=True)
class MoreSources:
    """The quotes after the ones an answer showed; ``first`` is the number the first of them gets."""

    first: int
    sources: tuple[Source, ...]


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
    (the bot's periodic job) and :meth:`reload` (an admin's ``/reload``) load one when it appears.

    Args:
        settings: the one Settings object.
        engine: an opened engine (tests, benchmarks); ``None`` until :meth:`reload` opens one.
    """

    def __init__(self, settings: Settings, engine: Any = None) -> None:
        self.settings = settings
        self._engine = engine
        self._opening = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> Service:
        """Load the model and the current index (raises IndexNotReady / IndexMismatch / IndexCorrupt)."""
        from retrieval.engine import Engine

        return cls(settings, Engine.open(settings))

    @property
    def profile(self) -> Profile:
        """The newsroom profile replies are worded by (home city, example questions); there before an index
        (the engine's own: ``load_profile`` keeps one per path)."""
        from config.profile import load_profile

        return load_profile(getattr(self.settings, "profile", None))

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def _live(self) -> Any:
        engine = self._engine
        if engine is None:
            raise IndexNotReady(f"no index loaded from {self.settings.index_dir}: run `make index`")
        return engine

    # ------------------------------------------------------------------ questions
    def answer(self, question: str) -> Answer:
        """The answer to one question, with ``top_k`` quotes (blocking: call it off the event loop)."""
        return self._live().ask(question)

    def more_sources(self, question: str, limit: int = MORE_SOURCES) -> MoreSources:
        """The quotes for ``question`` beyond the ``top_k`` its answer showed (possibly none)."""
        engine = self._live()
        shown = self.settings.top_k
        answer = engine.ask(question, limit)
        return MoreSources(first=shown + 1, sources=tuple(answer.sources[shown:]))

    def article(self, article_id: str) -> Any | None:
        """The whole article (title, date, byline, source, text) or ``None`` if this build has no such id."""
        return self._live().snapshot.articles.get(article_id)

    # ------------------------------------------------------------------ what the corpus holds
    def coverage_line(self) -> str:
        """One line on what the corpus covers (papers, article count, dates, topics)."""
        return self._live().coverage_line()

    def latest(self) -> list[dict]:
        """The newest value of each epidemic measure with its as-of, previous value and change."""
        return self._live().latest()

    def info(self) -> dict:
        """Counts, model, build id and time, uptime, questions answered, the build's report (what it changed,
        its problems) and the last build attempt (for ``/stats``)."""
        engine = self._live()
        return engine.info() | {"report": engine.snapshot.manifest.get("report") or {},
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
        """Load the index if none is served yet, else switch to a newer build (``force``: retry one that
        failed before). Raises IndexNotReady / IndexMismatch / IndexCorrupt; the served build stays."""
        with self._opening:
            if self._engine is None:
                from retrieval.engine import Engine

                self._engine = Engine.open(self.settings)
                return Reloaded(True, self._engine.snapshot.build_id, opened=True)
        changed = self._engine.reload_if_changed(force)
        return Reloaded(bool(changed), self._engine.snapshot.build_id)

    def refresh(self) -> Reloaded | None:
        """The periodic check: load a build that appeared or switch to a newer one; ``None`` when there is
        nothing new (cheap: one readlink). A build that fails to load raises once and is then skipped."""
        if self._engine is None and not (self.settings.index_dir / "current").exists():
            return None
        done = self.reload(force=False)
        return done if done.changed else None
