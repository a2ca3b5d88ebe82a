"""A measure over its as-of dates, per place, from the figure table: what a trend chart, an alert and /since read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from config.profile import Profile
from news.places import Gazetteer
from retrieval.facts import asked_metric
from retrieval.normalize import normalize

MIN_POINTS = 2  # fewer dates than this: said in words, not drawn


def attr(fig, name: str):
    """One field of a figure, whatever the figure table hands out (a dict today, a Figure record later)."""
    return fig[name] if isinstance(fig, Mapping) else getattr(fig, name)


def moment(asof_key: str) -> datetime:
    """Where a chart puts an as-of: at noon of the day it describes ("2020-02-19T24:00" on 2月19日, just right of
    noon; a date alone at noon), so that the day's tick label is the day the report names."""
    day, _, clock = asof_key.partition("T")
    hour, _, minute = (clock or "12:00").partition(":")
    offset = timedelta(hours=(int(hour) + int(minute or 0) / 60 - 12) / 4)  # 0时 … 24时 → -3 h … +3 h
    return datetime.combine(date.fromisoformat(day), time(12)) + offset


@dataclass(frozen=True)
class Point:
    """One as-of of a measure in one place: the value as printed, its sentence and the article it came from."""

    asof_key: str
    asof_label: str
    asof_date: str
    value: str
    number: float
    unit: str
    sentence: str
    article_id: str

    @property
    def when(self) -> datetime:
        return moment(self.asof_key)


@dataclass(frozen=True)
class Series:
    region: str
    points: tuple[Point, ...]  # oldest first, one per as-of
    disputed: int = 0  # as-ofs left out: their report gives two values

    @property
    def newest(self) -> Point | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class Trend:
    """A measure in one or more places; ``sources``: (paper, publication date, dateline date, page) of the
    articles its points came from, oldest first."""

    metric: str
    period: bool
    series: tuple[Series, ...]
    sources: tuple[tuple[str, str | None, str | None, str], ...]

    @property
    def drawable(self) -> bool:
        return any(len(s.points) >= MIN_POINTS for s in self.series)


def point(fig) -> Point:
    return Point(*(attr(fig, n) for n in ("asof_key", "asof_label", "asof_date", "value", "number", "unit",
                                            "sentence", "article_id")))


def history(figures, metric: str, region: str, period: bool) -> tuple[list[Point], int]:
    """One point per as-of, oldest first, from the latest article that printed it; a per-day measure (新增) by
    whole days only, not "0—12时". An as-of whose latest report gives two values ("#北京新确诊8例累计191例#" read
    as 累计 8 and 191) is left out: returned is how many were."""
    by_key: dict[str, list] = {}
    for fig in figures.chosen(metric, region, whole=period):  # newest first, the later article first
        by_key.setdefault(attr(fig, "asof_key"), []).append(fig)
    points, disputed = [], 0
    for group in by_key.values():
        latest = [f for f in group if attr(f, "article_date") == attr(group[0], "article_date")]
        if len({attr(f, "value") for f in latest}) > 1:
            disputed += 1
            continue
        points.append(point(group[0]))
    return sorted(points, key=lambda p: p.when), disputed


def report(article) -> tuple[str, str | None, str | None, str]:
    """How a reader knows an article's report: (paper, publication date, dateline date, page)."""
    return article.paper, article.published, article.date, article.page


def trend(snapshot, metric: str, regions: Iterable[str], profile: Profile) -> Trend:
    """The history of ``metric`` in each of ``regions`` (in the order asked) and the reports it quotes."""
    period = profile.is_period(metric)
    series = tuple(Series(r, tuple(points), disputed)
                   for r in regions for points, disputed in [history(snapshot.figures, metric, r, period)])
    ids = dict.fromkeys(p.article_id for s in series for p in sorted(s.points, key=lambda p: p.when))
    articles = [a for a in map(snapshot.articles.get, ids) if a is not None]
    return Trend(metric, period, series, tuple(dict.fromkeys(map(report, articles))))


@dataclass(frozen=True)
class Newest:
    """The newest figure of (metric, region), the sentence it was printed in and its report."""

    metric: str
    region: str
    period: bool
    point: Point
    quote: str
    report: tuple[str, str | None, str | None, str]

    @property
    def seen(self) -> tuple[str, str, str, str]:
        """What a subscription records as seen: (asof_key, value, unit, asof_label)."""
        return self.point.asof_key, self.point.value, self.point.unit, self.point.asof_label


def newest(snapshot, metric: str, region: str, profile: Profile) -> Newest | None:
    points, _ = history(snapshot.figures, metric, region, profile.is_period(metric))
    if not points:
        return None
    top = points[-1]
    article = snapshot.articles.get(top.article_id)
    source = report(article) if article is not None else ("", None, None, "")
    return Newest(metric, region, profile.is_period(metric), top, profile.strip_dateline(top.sentence), source)


def is_news(found: Newest, asof_key: str | None, value: str | None) -> bool:
    """Is ``found`` later than what was seen (a later as-of, or the same as-of corrected)? Nothing seen: yes."""
    if asof_key is None:
        return True
    return moment(found.point.asof_key) > moment(asof_key) or (
        found.point.asof_key == asof_key and found.point.value != value)


@dataclass(frozen=True)
class Request:
    """What a trend, subscription or /since names: a measure and the places (labels, the home city by default)."""

    metric: str | None
    regions: tuple[str, ...]


def parse_request(text: str, profile: Profile, gazetteer: Gazetteer) -> Request:
    """"累计确诊 北京 上海", "出院人数的变化趋势": the measure (a bare thing takes its default qualifier) and
    the places named; ``metric`` is None when no measured thing is named."""
    query = normalize(text, profile, gazetteer)
    places = [gazetteer.home] if any(w in query.text for w in query.home_words) else []  # "株洲", "我市"
    places = [*places, *query.places, *query.home_places] or [gazetteer.home]
    regions = tuple(dict.fromkeys(gazetteer.label(p) for p in places))
    return Request(asked_metric(query, profile), regions)

