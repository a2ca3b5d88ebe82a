"""What a build changed, for the admins: articles added and removed against the build it replaces, figures whose
newest value moved, problems (skipped files, undated articles)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path

from news.records import Article, Figure, SourceProblem
from stores.figure_table import FigureTable
from stores.meta import MetaReader

EXAMPLES = 10  # titles and figures named per list; the counts are always whole


def undated(articles: list[Article]) -> list[SourceProblem]:
    """Articles with no date (no date: header, no dateline, no dated page): served, but said to admins."""
    return [SourceProblem(a.source, a.line_start or None, f"no date (header date:, dateline or page date): "
                          f"《{a.title[:30]}》 is served undated") for a in articles if not a.date]


def _newest(figures: Iterable[Figure]) -> dict[tuple[str, str], tuple[str, str]]:
    """(metric, region) → (asof_key, value) of the newest report, ranked as the answers rank them (``Figure.rank``;
    of equals, the first extracted)."""
    best: dict[tuple[str, str], tuple[str, str]] = {}
    for f in sorted(figures, key=attrgetter("rank"), reverse=True):
        best.setdefault((f.metric, f.region), (f.asof_key, f.value))
    return best


def _previous(build: Path | None) -> tuple[dict[str, str], dict] | None:
    """The articles (id → title) and newest figures of the build being replaced; None if unreadable."""
    if build is None or not (build / "meta.sqlite").is_file():
        return None
    try:
        meta = MetaReader(build / "meta.sqlite")
        return dict(meta.all("SELECT id, title FROM articles")), _newest(FigureTable(meta))
    except sqlite3.DatabaseError:
        return None


def changes(previous: Path | None, articles: list[Article], figures: list[Figure], problems: list[SourceProblem]) -> dict:
    """The manifest's ``report``: what this build adds to, removes from and changes in ``previous``."""
    found = _previous(previous)
    new_titles = {a.id: a.title for a in articles}
    now = _newest(figures)
    report = {"problems": [str(p) for p in problems], "undated": [str(p) for p in undated(articles)],
              "previous": previous.name if found is not None else None}
    if found is None:
        return report | {"added": len(new_titles), "removed": 0, "added_titles": [], "removed_titles": [],
                         "figures_changed": 0, "figures": []}
    old_titles, old_figures = found
    added = [t for i, t in new_titles.items() if i not in old_titles]
    removed = [t for i, t in old_titles.items() if i not in new_titles]
    moved = sorted(k for k, v in now.items() if old_figures.get(k) != v)
    return report | {
        "added": len(added), "removed": len(removed), "added_titles": added[:EXAMPLES],
        "removed_titles": removed[:EXAMPLES], "figures_changed": len(moved),
        "figures": [[m, r, old_figures.get((m, r), (None, None))[1], now[(m, r)][1], now[(m, r)][0]]
                    for m, r in moved[:EXAMPLES]],
    }

