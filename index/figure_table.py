"""A build's facts (figures) behind one small query interface: read from SQLite on demand, or a list in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

FIGURE_COLUMNS = [
    "metric", "region", "value", "number", "unit", "asof_key", "asof_label", "asof_date", "sentence",
    "article_id", "start", "end", "article_date",
]
# What "the newest report of a place" is dated by: the article's date, else the figure's own as-of date.
_DAY_SQL = "COALESCE(NULLIF(article_date, ''), asof_date)"


def report_day(fig: dict) -> str:
    return fig.get("article_date") or fig["asof_date"]


class FigureList:
    """Facts held as a list of dicts (tests, small corpora, the benchmarks' "before"), answering the same
    queries as ``FigureTable`` from lookups built on first use."""

    def __init__(self, figures: Iterable[dict]) -> None:
        self._rows = list(figures)
        self._by_key: dict[tuple[str, str], list[dict]] | None = None
        self._by_region: dict[str, list[dict]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict]:
        return iter(self._rows)

    def _index(self) -> dict[tuple[str, str], list[dict]]:
        if self._by_key is None:
            self._by_key = {}
            for fig in self._rows:
                self._by_key.setdefault((fig["metric"], fig["region"]), []).append(fig)
                self._by_region.setdefault(fig["region"], []).append(fig)
        return self._by_key

    def matching(self, metric: str | None = None, region: str | None = None) -> list[dict]:
        """The facts of ``metric`` and/or ``region``, in the order they were extracted."""
        index = self._index()
        if metric is not None and region is not None:
            return list(index.get((metric, region), ()))
        if region is not None:
            return list(self._by_region.get(region, ()))
        return [f for f in self._rows if metric is None or f["metric"] == metric]

    def regions(self, metric: str | None = None) -> list[str]:
        """Every place (label) with a fact, of ``metric`` when given."""
        self._index()
        if metric is None:
            return list(self._by_region)
        return list(dict.fromkeys(r for m, r in self._index() if m == metric))

    def newest(self, region: str) -> str | None:
        """Date of the newest report (article) with a fact of ``region``; None when none has one."""
        return max((report_day(f) for f in self.matching(region=region)), default=None)

    def reports_after(self, region: str, day: str) -> list[str]:
        """Ids of the articles dated after ``day`` with a fact of ``region``."""
        return list(dict.fromkeys(f["article_id"] for f in self.matching(region=region) if report_day(f) > day))


class FigureTable:
    """The figures table of a build's meta.sqlite, queried by (metric, region) through its indexes: memory
    stays flat however many facts the corpus has. ``meta`` is an ``index.store.MetaReader``."""

    def __init__(self, meta) -> None:
        self._meta = meta
        self._len = meta.one("SELECT COUNT(*) FROM figures")[0]
        self._columns = ", ".join(f'"{c}"' for c in FIGURE_COLUMNS)
        self._newest: dict[str, str | None] = {}

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[dict]:  # a full scan: the benchmarks and tests only
        for row in self._meta.scan("figures", self._columns):
            yield dict(zip(FIGURE_COLUMNS, row, strict=True))

    def _rows(self, where: str, args: Sequence) -> list[dict]:
        sql = f"SELECT {self._columns} FROM figures WHERE {where} ORDER BY rowid"
        rows = self._meta.all(sql, tuple(args))
        return [dict(zip(FIGURE_COLUMNS, row, strict=True)) for row in rows]

    def matching(self, metric: str | None = None, region: str | None = None) -> list[dict]:
        """The facts of ``metric`` and/or ``region``, in the order they were extracted."""
        named = [(c, v) for c, v in (("metric", metric), ("region", region)) if v is not None]
        if not named:
            return list(self)
        return self._rows(" AND ".join(f"{c} = ?" for c, _ in named), [v for _, v in named])

    def regions(self, metric: str | None = None) -> list[str]:
        """Every place (label) with a fact, of ``metric`` when given."""
        if metric is None:
            return [r for (r,) in self._meta.all("SELECT DISTINCT region FROM figures")]
        return [r for (r,) in self._meta.all("SELECT DISTINCT region FROM figures WHERE metric = ?", (metric,))]

    def newest(self, region: str) -> str | None:
        """Date of the newest report (article) with a fact of ``region``; None when none has one."""
        if region not in self._newest:
            sql = f"SELECT MAX({_DAY_SQL}) FROM figures WHERE region = ?"
            self._newest[region] = self._meta.one(sql, (region,))[0]
        return self._newest[region]

    def reports_after(self, region: str, day: str) -> list[str]:
        """Ids of the articles dated after ``day`` with a fact of ``region``."""
        sql = f"SELECT DISTINCT article_id FROM figures WHERE region = ? AND {_DAY_SQL} > ?"
        rows = self._meta.all(sql, (region, day))
        return [r for (r,) in rows]


def as_figures(figures) -> FigureList | FigureTable:
    """A snapshot's facts as the query interface, whatever they were given as (a list in tests)."""
    return figures if isinstance(figures, FigureList | FigureTable) else FigureList(figures)
