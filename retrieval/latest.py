"""The newest report of each home-city measure, its change, and the one rule for how an as-of time is phrased."""

from __future__ import annotations

import re
from collections.abc import Iterable

from config.profile import Profile
from news.figures import grammar
from news.records import Figure

RANGE = re.compile(r"(?P<year>\d{4}年)(?P<day>\d{1,2}月\d{1,2}日)\d{1,2}时?—(?P<end>(?:\d{1,2}月\d{1,2}日)?\d{1,2}时)$")


def asof_phrase(period: bool, label: str) -> str:
    """How a figure's as-of time is shown: a period figure (新增) by its period ("2020年2月19日0—24时"), a
    cumulative or current one as of the period's end ("截至2020年2月19日24时"). The one place this is decided."""
    if period:
        return label
    found = RANGE.match(label)
    if found:  # "2020年2月2日0—12时" → "2020年2月2日12时"; "…1日20时—2月2日12时" → "2020年2月2日12时"
        label = found.group("year") + (found.group("end") if "月" in found.group("end") else found.group("day") + found.group("end"))
    return f"截至{label}"


def stale_note(asof_date: str, article_date: str | None, newest_report: str | None) -> str | None:
    """"最新通报未提及，以下为2月19日数字" when a later report (by article date) on that place did not give this
    figure; else None."""
    if not newest_report or not article_date or article_date >= newest_report:
        return None
    _, month, day = (int(p) for p in asof_date.split("-"))
    return f"最新通报未提及，以下为{month}月{day}日数字"


def _format_change(new: Figure, old: Figure) -> tuple[float | int, str]:
    decimals = max(len(v.partition(".")[2]) for v in (new.value, old.value))
    diff = round(new.number - old.number, decimals)
    if decimals == 0:
        diff = int(diff)
    shown = f"{abs(diff):.{decimals}f}"
    if diff == 0:
        return diff, "持平"
    unit = "个百分点" if new.unit == "%" else new.unit or old.unit
    return diff, f"{'增加' if diff > 0 else '减少'}{shown}{unit}"


def _history(group: list[Figure]) -> list[Figure]:
    """One figure per as-of, newest first; ties on as-of go to the later article."""
    group.sort(key=lambda f: f.rank, reverse=True)
    distinct: list[Figure] = []
    for figure in group:
        if not distinct or figure.asof_key != distinct[-1].asof_key:
            distinct.append(figure)
    return distinct


def latest_figures(figures: Iterable[Figure], profile: Profile, home_only: bool = True) -> list[dict]:
    """The newest figure per (metric, region) of the home city and its divisions, as a dict with ``previous``,
    ``change`` (e.g. -7), ``change_label`` ("减少7例"), ``history`` (newest first), ``period`` (a per-period
    figure such as 新增), ``asof_phrase`` and ``note`` (set when the row is older than the newest report)."""
    g = grammar(profile)
    groups: dict[tuple[str, str], list[Figure]] = {}
    for figure in figures:
        if home_only and not in_home(figure.region, g):
            continue
        groups.setdefault((figure.metric, figure.region), []).append(figure)
    newest = max((f.article_date or "" for (_, r), fs in groups.items() if r == profile.home_label for f in fs),
                 default=None)
    rows = []
    for group in groups.values():
        distinct = _history(group)
        top = distinct[0]
        previous = distinct[1] if len(distinct) > 1 else None
        change, label = _format_change(top, previous) if previous else (None, None)
        period = profile.is_period(top.metric)
        row = top.to_json()
        row.update(
            previous=previous.to_json() if previous else None, change=change, change_label=label,
            history=[
                {"value": f.value, "unit": f.unit, "asof_key": f.asof_key, "asof_label": f.asof_label,
                 "article_id": f.article_id}
                for f in distinct
            ],
            period=period, asof_phrase=asof_phrase(period, top.asof_label), note=stale_note(top.asof_date, top.article_date, newest),
        )
        rows.append(row)
    order = list(profile.latest_order)
    return sorted(rows, key=lambda row: _sort_key(row, profile, order))


def in_home(region: str, g) -> bool:
    """The home city itself or one of its counties/districts."""
    if region == g.profile.home_label:
        return True
    place = g.gazetteer.lookup(region)
    return place is not None and place.level == "county" and place.within(g.gazetteer.home)


def _sort_key(row: dict, profile: Profile, order: list[str]) -> tuple:
    region, metric = row["region"], row["metric"]
    rank = order.index(metric) if metric in order else len(order)
    return (region != profile.home_label, region), rank, metric
