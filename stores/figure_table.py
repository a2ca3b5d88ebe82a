"""A build's facts (figures) behind one small query interface: read from SQLite on demand, or a list in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

FIGURE_COLUMNS = [
    "metric", "region", "value", "number", "unit", "asof_key", "asof_label", "asof_date", "sentence",
    "article_id", "start", "end", "article_date",
]


# Newest first: by as-of date, then the later article, then the as-of key; ties keep extraction order.
_RANK_SQL = "ORDER BY asof_date DESC, article_date DESC, asof_key DESC, rowid"
# A period figure of a whole day: not that of a part of it ("0—12时", "12—24时"), unless it is "0—24时".
_WHOLE_DAY_SQL = "(instr(asof_label, '—') = 0 OR instr(asof_label, '0—24时') > 0)"


def report_day(fig: dict) -> str:
    """What "the newest report of a place" is dated by: the article's date, else the figure's own as-of
    date (meta.sqlite stores it as the column report_day, indexed with region and article id)."""
    return fig.get("article_date") or fig["asof_date"]


def rank_key(fig: dict) -> tuple:
    return fig["asof_date"], fig.get("article_date") or "", fig["asof_key"]


def whole_day(fig: dict) -> bool:
    return "—" not in fig["asof_label"] or "0—24时" in fig["asof_label"]


def on_dates(fig: dict, dates: tuple[str, str]) -> bool:
    """The fact is of the day asked (``dates[0]``) or as of its end (``dates[1]``, the next day's 0时 key)."""
    return fig["asof_date"] == dates[0] or fig["asof_key"] == dates[1]


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

    def chosen(self, metric: str, region: str, whole: bool = False, dates: tuple[str, str] | None = None) -> list[dict]:
        """The facts of ``metric`` and ``region`` (of whole days only, of ``dates`` only), newest first."""
        rows = [f for f in self.matching(metric, region)
                if (not whole or whole_day(f)) and (dates is None or on_dates(f, dates))]
        return sorted(rows, key=rank_key, reverse=True)

    def newest_rows(self, metric: str, region: str, whole: bool = False) -> list[dict]:
        """``chosen``'s facts of the newest as-of date only."""
        rows = self.chosen(metric, region, whole)
        return [f for f in rows if f["asof_date"] == rows[0]["asof_date"]]

    def first_older(self, metric: str, region: str, asof_key: str, whole: bool = False) -> dict | None:
        """The newest of ``chosen``'s facts whose as-of is not ``asof_key``."""
        return next((f for f in self.chosen(metric, region, whole) if f["asof_key"] != asof_key), None)

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
        """Ids of the articles dated after ``day`` with a fact of ``region`` (in no particular order)."""
        return list(dict.fromkeys(f["article_id"] for f in self.matching(region=region) if report_day(f) > day))


class FigureTable:
    """The figures table of a build's meta.sqlite, queried by (metric, region) through its indexes: memory
    stays flat however many facts the corpus has. ``meta`` is an ``stores.meta.MetaReader``."""

    def __init__(self, meta) -> None:
        self._meta = meta
        self._len = meta.one("SELECT COUNT(*) FROM figures")[0]
        self._columns = ", ".join(f'"{c}"' for c in FIGURE_COLUMNS)
        self._newest: dict[str, str | None] = {}
        self._regions: dict[str | None, list[str]] = {}

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[dict]:  # a full scan: the benchmarks and tests only
        for row in self._meta.scan("figures", self._columns):
            yield dict(zip(FIGURE_COLUMNS, row, strict=True))

    def matching(self, metric: str | None = None, region: str | None = None) -> list[dict]:
        """The facts of ``metric`` and/or ``region``, in the order they were extracted."""
        named = [(c, v) for c, v in (("metric", metric), ("region", region)) if v is not None]
        if not named:
            return list(self)
        return self._select(" AND ".join(f"{c} = ?" for c, _ in named), tuple(v for _, v in named), "ORDER BY rowid")

    def _where(self, whole: bool, dates: tuple[str, str] | None) -> tuple[str, tuple]:
        where, args = "metric = ? AND region = ?", ()
        if whole:
            where += f" AND {_WHOLE_DAY_SQL}"
        if dates is not None:
            where, args = where + " AND (asof_date = ? OR asof_key = ?)", dates
        return where, args

    def chosen(self, metric: str, region: str, whole: bool = False, dates: tuple[str, str] | None = None) -> list[dict]:
        """The facts of ``metric`` and ``region`` (of whole days only, of ``dates`` only), newest first."""
        where, args = self._where(whole, dates)
        return self._select(where, (metric, region, *args))

    def newest_rows(self, metric: str, region: str, whole: bool = False) -> list[dict]:
        """``chosen``'s facts of the newest as-of date only: a few rows read through the index, however
        many reports of earlier days the corpus holds."""
        where, _ = self._where(whole, None)
        return self._select(f"{where} AND asof_date = (SELECT MAX(asof_date) FROM figures WHERE {where})",
                            (metric, region, metric, region))

    def first_older(self, metric: str, region: str, asof_key: str, whole: bool = False) -> dict | None:
        """The newest of ``chosen``'s facts whose as-of is not ``asof_key``."""
        where, _ = self._where(whole, None)
        rows = self._select(f"{where} AND asof_key != ?", (metric, region, asof_key), limit=1)
        return rows[0] if rows else None

    def _select(self, where: str, args: tuple, order: str = _RANK_SQL, limit: int = -1) -> list[dict]:
        rows = self._meta.all(f"SELECT {self._columns} FROM figures WHERE {where} {order} LIMIT {limit}", args)
        return [dict(zip(FIGURE_COLUMNS, row, strict=True)) for row in rows]

    def regions(self, metric: str | None = None) -> list[str]:
        """Every place (label) with a fact, of ``metric`` when given (memoised: the build never changes)."""
        if metric not in self._regions:
            sql, args = "SELECT DISTINCT region FROM figures", ()
            if metric is not None:
                sql, args = sql + " WHERE metric = ?", (metric,)
            self._regions[metric] = [r for (r,) in self._meta.all(sql, args)]
        return self._regions[metric]

    def newest(self, region: str) -> str | None:
        """Date of the newest report (article) with a fact of ``region``; None when none has one."""
        if region not in self._newest:
            sql = "SELECT MAX(report_day) FROM figures WHERE region = ?"
            self._newest[region] = self._meta.one(sql, (region,))[0]
        return self._newest[region]

    def reports_after(self, region: str, day: str) -> list[str]:
        """Ids of the articles dated after ``day`` with a fact of ``region`` (in no particular order)."""
        sql = "SELECT DISTINCT article_id FROM figures WHERE region = ? AND report_day > ?"
        rows = self._meta.all(sql, (region, day))
        return [r for (r,) in rows]


def as_figures(figures) -> FigureList | FigureTable:
    """A snapshot's facts as the query interface, whatever they were given as (a list in tests)."""
    return figures if isinstance(figures, FigureList | FigureTable) else FigureList(figures)
