"""Draw a Trend as a PNG line chart (matplotlib, imported only here and only when a chart is drawn)."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass

from retrieval.font import font_path
from retrieval.trend import Trend

SIZE = (8.0, 5.0)  # inches
DPI = 150  # → 1200 × 750 pixels
MAX_LABELLED = 10  # points per line that get their value written; beyond, only the first and the newest
MAX_TICKS = 8  # day labels on the time axis
_drawing = threading.Lock()  # matplotlib's font and rc state is process-wide


@dataclass(frozen=True)
class ChartText:
    """Every word on the chart (worded in retrieval.render): title, axis labels, the caption under the chart,
    the newest value's label per line, and how the legend names each line."""

    title: str
    xlabel: str
    ylabel: str
    caption: str
    newest: tuple[str, ...]
    names: tuple[str, ...]


def png(trend: Trend, text: ChartText) -> bytes:
    """The chart as PNG bytes: one line per place, each point's value, the newest point marked."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import dates, font_manager, ticker
    from matplotlib.figure import Figure

    path = str(font_path())
    with _drawing:
        font_manager.fontManager.addfont(path)
        family = font_manager.FontProperties(fname=path).get_name()
        with matplotlib.rc_context({"font.family": [family], "axes.unicode_minus": False}):
            figure = Figure(figsize=SIZE, dpi=DPI)
            figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.25)
            axes = figure.add_subplot()
            for series, newest, name in zip(trend.series, text.newest, text.names, strict=True):
                if not series.points:
                    continue
                xs = [p.when for p in series.points]
                ys = [p.number for p in series.points]
                (line,) = axes.plot(xs, ys, marker="o", markersize=4, linewidth=1.8, label=name)
                shown = range(len(xs)) if len(xs) <= MAX_LABELLED else (0, len(xs) - 1)
                for i in shown:
                    if i != len(xs) - 1:
                        axes.annotate(series.points[i].value, (xs[i], ys[i]), textcoords="offset points",
                                      xytext=(0, 6), ha="center", fontsize=8, color=line.get_color())
                axes.plot(xs[-1:], ys[-1:], marker="o", markersize=9, color=line.get_color())
                axes.annotate(newest, (xs[-1], ys[-1]), textcoords="offset points", xytext=(-6, 10), ha="right",
                              fontsize=9, color=line.get_color())
            axes.set_title(text.title, fontsize=14)
            axes.set_xlabel(text.xlabel)
            axes.set_ylabel(text.ylabel)
            days = max((max(p.when for s in trend.series for p in s.points) - min(
                p.when for s in trend.series for p in s.points)).days, 1)
            every = dates.rrulewrapper(dates.DAILY, byhour=12, interval=max(1, math.ceil(days / MAX_TICKS)))
            axes.xaxis.set_major_locator(dates.RRuleLocator(every))
            axes.xaxis.set_major_formatter(dates.DateFormatter("%-m月%-d日"))
            if all(p.number.is_integer() for s in trend.series for p in s.points):
                axes.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
            axes.margins(x=0.08, y=0.2)
            if all(p.number >= 0 for s in trend.series for p in s.points):
                axes.set_ylim(bottom=0)
            axes.grid(alpha=0.3)
            if len(trend.series) > 1:
                axes.legend(loc="best", fontsize=9)
            figure.text(0.02, 0.02, text.caption, fontsize=7.5, color="#555555", wrap=True, va="bottom")
            out = io.BytesIO()
            figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
