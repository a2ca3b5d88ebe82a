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
from index.asof import parse_question_date, resolve_asof
from index.embedder import Embedder, make_embedder
from index.figures import Figure, latest_figures
from index.snapshot import IndexSnapshot, load_snapshot
from retrieval.answer import Answer, enforce_faithfulness
from retrieval.compose import (
    DATE_EXPR,
    QUANTITY,
    WHEN,
    Candidate,
    _date_label,
    _source,
    binding,
    candidates,
    direct_from_sentence,
    figure_answer,
)
from retrieval.normalize import Query, named_places, normalize, other_place
from retrieval.search import FusionConfig, HybridSearcher

log = logging.getLogger(__name__)
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
NUMBER = re.compile(r"\d")


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
        self.started = time.time()
        self.questions = 0

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
        top_k = max_sources or self.settings.top_k
        snap = self._snapshot  # one snapshot for the whole answer
        query = normalize(question)
        if not query.text.strip("？?！!。，,. "):
            return self._decline(query, snap, "问题是空的")
        declined = self._out_of_scope(query, snap)
        if declined is not None:
            return declined
        figure = figure_answer(query, snap, self.settings.default_year)
        hits = HybridSearcher(self.embedder, snap.vectors, snap.lexical).search(
            query.text, query.lexical, self.fusion, limit=10
        )
        ranked = candidates(query, snap, hits)
        if figure is not None:
            return enforce_faithfulness(self._with_more_quotes(figure, snap, ranked, top_k))
        if not ranked or ranked[0].relevance < self.settings.min_relevance or ranked[0].own <= 0:
            return self._decline(query, snap, "没有找到相关报道")
        return enforce_faithfulness(self._sentence_answer(query, snap, ranked, top_k))

    def _sentence_answer(self, query: Query, snap: IndexSnapshot, ranked: list[Candidate], top_k: int) -> Answer:
        best = ranked[0]
        named = parse_question_date(query.text, self.settings.default_year)
        when = bool(WHEN.search(query.lexical))
        counting = bool(QUANTITY.search(query.lexical)) and not when
        if when:  # only sentences that carry a date can say when
            pool = [c for c in ranked if c.own > 0 and DATE_EXPR.search(c.text)]
        elif counting:  # only sentences with a number other than a date can say how many
            pool = [c for c in ranked if c.own > 0 and NUMBER.search(DATE_EXPR.sub("", c.text))]
        else:
            pool = [c for c in ranked if c.own > 0]
        pool = pool or [best]
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
            answer_text = direct_from_sentence(query, cand, article.date, context)
            if answer_text:
                chosen = cand
                break
        places = named_places(query)
        if answer_text is None and places:  # passages that merely mention 武汉 do not answer about 武汉
            return self._decline(query, snap, f"现有报道没有回答这个关于{places[0]}的问题")
        answer = Answer(query.original, True, answer_text, [_source(snap, chosen)],
                        kind="sentence" if answer_text else "quotes")
        return self._with_more_quotes(answer, snap, ranked, top_k)

    def _with_more_quotes(self, answer: Answer, snap: IndexSnapshot, ranked: list[Candidate], top_k: int) -> Answer:
        """Add the next best sentences as quotes (never the same sentence twice, no headlines)."""
        for cand in ranked:
            if len(answer.sources) >= top_k:
                break
            if cand.start < 0 or cand.relevance < self.settings.min_relevance:
                continue
            quote = _source(snap, cand)
            if all(quote.quote not in s.quote and s.quote not in quote.quote for s in answer.sources):
                answer.sources.append(quote)
        return answer

    def _out_of_scope(self, query: Query, snap: IndexSnapshot) -> Answer | None:
        corpus_text = self._corpus_text(snap)
        place = other_place(query, corpus_text)
        if place:
            return self._decline(query, snap, f"这里只收录株洲本地新闻，没有关于{place}的报道")
        years = {int(y) for y in YEAR.findall(query.text)}
        covered = {int(d[:4]) for d in (a.date for a in snap.articles.values()) if d}
        if years and covered and not years & covered:
            return self._decline(query, snap, f"这里只有{min(covered)}年的报道")
        return None

    _corpus_cache: tuple[str, str] | None = None

    def _corpus_text(self, snap: IndexSnapshot) -> str:
        if self._corpus_cache is None or self._corpus_cache[0] != snap.build_id:
            text = "\n".join(a.title + "\n" + a.text for a in snap.articles.values())
            self._corpus_cache = (snap.build_id, text)
        return self._corpus_cache[1]

    def _decline(self, query: Query, snap: IndexSnapshot, reason: str) -> Answer:
        return Answer(query.original, False, None, [], note=f"{reason}。{self.coverage_line(snap)}", kind="declined")

    # ------------------------------------------------------------------ corpus facts
    def coverage_line(self, snap: IndexSnapshot | None = None) -> str:
        """One line on what the corpus covers: papers, number of articles, date range, topics."""
        snap = snap or self._snapshot
        dates = sorted(a.date for a in snap.articles.values() if a.date)
        papers = Counter(a.paper or "报道" for a in snap.articles.values()).most_common(2)
        span = ""
        if dates:
            span = f"{_date_label(dates[0])}至{_date_label(dates[-1])}" if dates[0] != dates[-1] else _date_label(dates[0])
        return (
            f"现有{'、'.join(p for p, _ in papers)}{len(snap.articles)}篇报道（{span}），"
            "主要是株洲新冠肺炎疫情通报、防控措施和复工复产"
        )

    def latest(self) -> list[dict]:
        """The newest value of each epidemic measure, its as-of time, the previous value and the change."""
        snap = self._snapshot
        rows = latest_figures([Figure(**f) for f in snap.figures])
        for row in rows:
            article = snap.articles.get(row["article_id"])
            row["source"] = {"title": article.title, "date": article.date, "file": article.source} if article else None
        return rows

    def info(self) -> dict:
        snap = self._snapshot
        dates = sorted(a.date for a in snap.articles.values() if a.date)
        return {
            "articles": len(snap.articles), "chunks": len(snap.chunks), "figures": len(snap.figures),
            "model": snap.manifest["model"]["id"], "build_id": snap.build_id,
            "built_at": snap.manifest.get("built_at"), "date_range": [dates[0], dates[-1]] if dates else None,
            "uptime_s": round(time.time() - self.started), "questions": self.questions,
            "index_dir": str(Path(self.settings.index_dir)),
        }
