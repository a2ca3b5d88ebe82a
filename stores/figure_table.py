"""A build's facts read from SQLite on demand, by (metric, region) through its indexes, as Figure records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from news.records import Figure

FIGURE_COLUMNS = [f.name for f in fields(Figure)]
# Newest first: Figure.rank in SQL (as-of date, then the later article, then the as-of key); ties keep extraction order.
_RANK_SQL = "ORDER BY asof_date DESC, article_date DESC, asof_key DESC, rowid"
# A period figure of a whole day: not that of a part of it ("0—12时", "12—24时"), unless it is "0—24时".
_WHOLE_DAY_SQL = "(instr(asof_label, '—') = 0 OR instr(asof_label, '0—24时') > 0)"


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

    def __iter__(self) -> Iterator[Figure]:  # a full scan: the benchmarks and tests only
        return (Figure(*row) for row in self._meta.scan("figures", self._columns))

    def matching(self, metric: str | None = None, region: str | None = None) -> list[Figure]:
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

    def chosen(self, metric: str, region: str, whole: bool = False, dates: tuple[str, str] | None = None) -> list[Figure]:
        """The facts of ``metric`` and ``region`` (of whole days only, of ``dates`` only), newest first."""
        where, args = self._where(whole, dates)
        return self._select(where, (metric, region, *args))

    def newest_rows(self, metric: str, region: str, whole: bool = False) -> list[Figure]:
        """``chosen``'s facts of the newest as-of date only: a few rows read through the index, however
        many reports of earlier days the corpus holds."""
        where, _ = self._where(whole, None)
        return self._select(f"{where} AND asof_date = (SELECT MAX(asof_date) FROM figures WHERE {where})",
                            (metric, region, metric, region))

    def first_older(self, metric: str, region: str, asof_key: str, whole: bool = False) -> Figure | None:
        """The newest of ``chosen``'s facts whose as-of is not ``asof_key``."""
        where, _ = self._where(whole, None)
        rows = self._select(f"{where} AND asof_key != ?", (metric, region, asof_key), limit=1)
        return rows[0] if rows else None

    def _select(self, where: str, args: tuple, order: str = _RANK_SQL, limit: int = -1) -> list[Figure]:
        rows = self._meta.all(f"SELECT {self._columns} FROM figures WHERE {where} {order} LIMIT {limit}", args)
        return [Figure(*row) for row in rows]

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

