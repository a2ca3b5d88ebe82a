"""What a build changed, for the admins: articles added and removed against the build it replaces, figures whose
newest value moved, problems (skipped files, undated articles)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from news.records import Article, SourceProblem

EXAMPLES = 10  # titles and figures named per list; the counts are always whole


def undated(articles: list[Article]) -> list[SourceProblem]:
    """Articles with no date (no date: header, no dateline, no dated page): served, but said to admins."""
    return [SourceProblem(a.source, a.line_start or None, f"no date (header date:, dateline or page date): "
                          f"《{a.title[:30]}》 is served undated") for a in articles if not a.date]


def _newest(rows) -> dict[tuple[str, str], tuple[str, str]]:
    """(metric, region) → (asof_key, value) of the newest report, ranked as the answers rank them."""
    best: dict[tuple[str, str], tuple] = {}
    for metric, region, value, asof_key, asof_date, article_date in rows:
        rank = (asof_date, article_date or "", asof_key)
        if (metric, region) not in best or rank > best[(metric, region)][0]:
            best[(metric, region)] = (rank, (asof_key, value))
    return {key: found for key, (_, found) in best.items()}


def _previous(build: Path | None) -> tuple[dict[str, str], dict] | None:
    """The articles (id → title) and newest figures of the build being replaced; None if unreadable."""
    if build is None or not (build / "meta.sqlite").is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{build / 'meta.sqlite'}?mode=ro", uri=True)
        try:
            titles = dict(con.execute("SELECT id, title FROM articles"))
            figures = con.execute("SELECT metric, region, value, asof_key, asof_date, article_date FROM figures")
            return titles, _newest(figures)
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return None


def changes(previous: Path | None, articles: list[Article], figures: list, problems: list[SourceProblem]) -> dict:
    """The manifest's ``report``: what this build adds to, removes from and changes in ``previous``."""
    found = _previous(previous)
    new_titles = {a.id: a.title for a in articles}
    now = _newest((f.metric, f.region, f.value, f.asof_key, f.asof_date, f.article_date) for f in figures)
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

