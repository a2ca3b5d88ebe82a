"""/since 2月18日: every figure whose as-of moved after a day (old → new), and the reports printed after it."""

from __future__ import annotations

from dataclasses import dataclass

from config.profile import Profile
from news.asof import parse_question_date
from news.figures import Grammar
from retrieval.latest import in_home
from retrieval.trend import Point, attr, history, parse_request, report


@dataclass(frozen=True)
class Moved:
    """A (metric, region) whose newest as-of is after the day: the figure as of that day (None: none yet)."""

    metric: str
    region: str
    period: bool
    old: Point | None
    new: Point


@dataclass(frozen=True)
class Since:
    day: str  # ISO
    scope: tuple[str, ...]  # the places named; () for the home city and its districts
    moved: tuple[Moved, ...]
    added: tuple[tuple[str, tuple[str, str | None, str | None, str]], ...]  # (title, report) printed after ``day``


def since(snapshot, text: str, profile: Profile, grammar: Grammar, default_year: int) -> Since | None:
    """What changed after the day ``text`` names ("2月18日", "2020-02-18"; a measure and places may follow:
    "2月18日 累计确诊 荷塘区"); None when it names no day."""
    day = parse_question_date(text, default_year)
    if day is None:
        return None
    gaz = grammar.gazetteer
    request = parse_request(text, profile, gaz)
    named = request.regions != (gaz.label(gaz.home),) or profile.home_label in text
    figures = snapshot.figures
    regions = list(request.regions) if named else [r for r in figures.regions() if in_home(r, grammar)]
    order = list(profile.latest_order)
    moved = []
    for region in sorted(regions, key=lambda r: (r != profile.home_label, r)):
        metrics = {attr(f, "metric") for f in figures.matching(metric=request.metric, region=region)}
        for metric in sorted(metrics, key=lambda m: (order.index(m) if m in order else len(order), m)):
            points, _ = history(figures, metric, region, profile.is_period(metric))
            if points and points[-1].asof_date > day:
                old = next((p for p in reversed(points) if p.asof_date <= day), None)
                moved.append(Moved(metric, region, profile.is_period(metric), old, points[-1]))
    added = tuple((a.title, report(a)) for a in snapshot.articles.dated_after(day))
    return Since(day, tuple(regions) if named else (), tuple(moved), added)
