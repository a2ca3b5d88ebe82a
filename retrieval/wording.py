"""Wording of figures over time (trend charts, alerts, /since), of a report's paper line and of what admins are told
(/stats, build reports); re-exported by render."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from config.profile import Profile
from news.asof import date_label
from retrieval.chart import ChartText
from retrieval.latest import asof_phrase
from retrieval.since import Since
from retrieval.trend import MIN_POINTS, Newest, Point, Trend

TREND_USAGE = "请写上要看的数字和地区，例如：/trend 累计确诊 {home}"
CAPTION_SOURCES = 6  # papers named one by one in a chart's caption; beyond, grouped per paper


def short_day(iso: str | None) -> str:
    """"2月20日" of "2020-02-20" ("" for none)."""
    if not iso:
        return ""
    _, month, day = (int(p) for p in iso.split("-"))
    return f"{month}月{day}日"


def paper_line(paper: str, published: str | None, dateline: str | None, page: str = "") -> str:
    """How a reader knows a report: "株洲日报 2020年2月21日 A1版（2月20日讯）" — the paper, its publication date
    and page when known; the dateline's date (the day the report was filed) said apart, as "…讯"."""
    parts = [paper] if paper else []
    if published:
        parts.append(date_label(published))
    if page:
        parts.append(f"{page}版")
    line = " ".join(parts)
    if dateline and dateline != published:
        filed = f"{short_day(dateline) if published and published[:4] == dateline[:4] else date_label(dateline)}讯"
        line = f"{line}（{filed}）" if line else filed
    return line or "日期不详"


def _unit(point: Point) -> str:
    return "" if point.value == "无" else point.unit


def amount(point: Point) -> str:
    """"78例", "58.9%", "无"."""
    return f"{point.value}{_unit(point)}"


def when(point: Point, period: bool) -> str:
    """The as-of of a point, as /latest says it ("截至2020年2月19日24时", "2020年2月19日0—24时")."""
    return asof_phrase(period, point.asof_label)


def _short_asof(point: Point, period: bool) -> str:
    return when(point, period).split("年", 1)[-1]


def sources_caption(sources: Sequence[tuple[str, str | None, str | None, str]]) -> str:
    """"来源：株洲日报（2020年2月17日讯）；…" — one line per report, or per paper with its dates when many."""
    if len(sources) <= CAPTION_SOURCES:
        return "来源：" + "；".join(paper_line(*s) for s in sources) + "。数字均摘自报道原文。"
    papers: dict[str, list[str]] = {}
    for paper, published, dateline, _ in sources:
        papers.setdefault(paper or "其他报道", []).append(published or dateline or "")
    parts = []
    for paper, days in papers.items():
        days = sorted(d for d in days if d)
        span = f"{date_label(days[0])}至{date_label(days[-1])}" if days and days[0] != days[-1] else (
            date_label(days[0]) if days else "")
        parts.append(f"{paper} {span}（{len(papers[paper])}篇）".replace("  ", " "))
    return "来源：" + "；".join(parts) + "。数字均摘自报道原文。"


def disputed(trend: Trend) -> str:
    """"北京市有1个日期的报道给出两个不同数字，未画出。" (empty when none)."""
    found = [f"{s.region}有{s.disputed}个" for s in trend.series if s.disputed]
    return f"{'，'.join(found)}日期的报道给出两个不同数字，未画出。" if found else ""


def chart_text(trend: Trend) -> ChartText:
    """Every word on a trend chart."""
    regions = [s.region for s in trend.series]
    newest = [s.newest for s in trend.series]
    unit = next((_unit(p) for p in newest if p is not None and _unit(p)), "")
    return ChartText(
        title=f"{'、'.join(regions)} {trend.metric}",
        xlabel="统计日期" if trend.period else "通报截至时间",
        ylabel=f"{trend.metric}（{unit}）" if unit else trend.metric,
        caption=sources_caption(trend.sources) + disputed(trend),
        newest=tuple(f"最新 {amount(p)}（{_short_asof(p, trend.period)}）" if p else "" for p in newest),
        names=tuple(regions),
    )


def trend_caption(trend: Trend) -> str:
    """The photo's caption: each place's newest value and how many dates the chart has."""
    lines = [f"{'、'.join(s.region for s in trend.series)} {trend.metric}变化"]
    for series in trend.series:
        if series.newest is not None:
            lines.append(f"{series.region}：最新{amount(series.newest)}（{when(series.newest, trend.period)}），"
                         f"共{len(series.points)}个日期")
    return "\n".join(lines)


def trend_words(trend: Trend) -> str:
    """Too few dates for a chart: what there is, in words."""
    lines = []
    for series in trend.series:
        if not series.points:
            lines.append(f"索引里没有{series.region}的{trend.metric}数字。")
            continue
        values = "，".join(f"{amount(p)}（{when(p, trend.period)}）" for p in series.points)
        lines.append(f"{series.region}{trend.metric}只有{len(series.points)}个日期的数字（画图至少要{MIN_POINTS}个）：{values}")
    return "\n".join(lines)


def trend_usage(home: str) -> str:
    return TREND_USAGE.format(home=home)


# ---------------------------------------------------------------------- alerts (/subscribe)
def subscribe_usage(home: str) -> str:
    return f"请写上要关注的数字和地区，例如：/subscribe 累计确诊 {home}（有新数字时我会通知你）"


def _now(found: Newest | None) -> str:
    return f"目前{amount(found.point)}（{when(found.point, found.period)}）" if found else "目前还没有这个数字"


def subscribed_text(metric: str, followed: Sequence[tuple[str, Newest | None, bool]]) -> str:
    """Reply to /subscribe: per place (region, its newest figure, whether it is new to this chat)."""
    lines = [f"{'已关注' if added else '已在关注'}：{region} {metric}，{_now(found)}。" for region, found, added in followed]
    regions = " ".join(r for r, _, _ in followed)
    return "\n".join([*lines, f"数字更新时我会发消息给你。退订：/unsubscribe {metric} {regions}"])


def unsubscribed_text(removed: int, metric: str | None, regions: Sequence[str]) -> str:
    if not removed:
        return "你没有关注这个数字。发送 /subscriptions 查看已关注的数字。"
    if metric is None:
        return f"已退订全部{removed}项关注。"
    return f"已退订：{'、'.join(regions)} {metric}。"


def subscriptions_text(followed: Sequence[tuple[str, str, str | None]]) -> str:
    """/subscriptions: (metric, region, the value last sent as "78例（截至…）" or None)."""
    if not followed:
        return "你还没有关注任何数字。例如：/subscribe 累计确诊"
    lines = [f"• {region} {metric}" + (f"：{shown}" if shown else "") for metric, region, shown in followed]
    return "\n".join(["你关注的数字（更新时通知你）：", *lines, "退订：/unsubscribe 数字 地区；全部退订：/unsubscribe"])


def seen_amount(value: str | None, unit: str | None, asof_label: str | None, period: bool) -> str | None:
    """"78例（截至2020年2月19日24时）" of a value a chat last saw; None when it saw none."""
    if value is None or asof_label is None:
        return None
    return f"{value}{'' if value == '无' else unit or ''}（{asof_phrase(period, asof_label)}）"


def alert_html(found: Newest, old: str | None) -> str:
    """The message a subscriber gets unasked: the new figure and its as-of, what it was, the sentence quoted,
    the report it was printed in."""
    lines = [f"<b>{escape(found.region)} {escape(found.metric)}：{escape(amount(found.point))}</b>"
             f"（{escape(when(found.point, found.period))}）"]
    lines += [f"此前：{escape(old)}"] if old else []
    lines += [f"<blockquote>{escape(found.quote)}</blockquote>", f"—— {escape(paper_line(*found.report))}",
              f"退订：/unsubscribe {escape(found.metric)} {escape(found.region)}"]
    return "\n".join(lines)


# ---------------------------------------------------------------------- /since
SINCE_USAGE = "请写上日期，例如：/since 2月18日（可加数字和地区：/since 2月18日 累计确诊 {home}）"
SINCE_ARTICLES = 30  # reports listed by title; beyond, counted


def since_html(found: Since, home: str) -> list[str]:
    """/since: each figure whose as-of moved, old → new with the new as-of, then the reports printed since."""
    scope = "、".join(found.scope) or f"{home}及各区县"
    title = f"<b>{escape(date_label(found.day))}以后的变化</b>（{escape(scope)}）"
    lines = [f"• {m.region} {m.metric}：" + (f"{amount(m.old)} → " if m.old else "新出现 ")
             + f"{amount(m.new)}（{when(m.new, m.period)}）" for m in found.moved]
    blocks = [title + "\n" + ("\n".join(map(escape, lines)) if lines else "没有数字更新。")]
    if found.added:
        shown = [f"• {escape(t)} · {escape(paper_line(*r))}" for t, r in found.added[:SINCE_ARTICLES]]
        more = len(found.added) - len(shown)
        shown += [f"……另有{more}篇"] if more > 0 else []
        blocks.append(f"<b>新增报道（{len(found.added)}篇）</b>\n" + "\n".join(shown))
    else:
        blocks.append("这天以后没有新的报道。")
    return blocks


def since_usage(home: str) -> str:
    return SINCE_USAGE.format(home=home)


# ---------------------------------------------------------------------- admins: /stats, build reports
LISTED = 10  # problems and titles named per list; the counts are whole


def local_time(iso: str | None, zone: str) -> str:
    """"2020年2月21日 08:05（Asia/Shanghai）" of an ISO time (the manifest's UTC ``built_at``)."""
    if not iso:
        return "不详"
    when = datetime.fromisoformat(iso).astimezone(ZoneInfo(zone))
    return f"{date_label(when.date())} {when:%H:%M}（{zone}）"


def _listed(title: str, items: Sequence[str], total: int | None = None) -> list[str]:
    total = len(items) if total is None else total
    if not total:
        return []
    more = total - min(len(items), LISTED)
    return [f"{title}（{total}）：", *(f"• {escape(i)}" for i in items[:LISTED]), *([f"……另有{more}项"] if more else [])]


def problems_lines(report: dict) -> list[str]:
    """A build's problems: files or lines skipped, articles served undated (file and line each)."""
    return [*_listed("跳过的文件或行", report.get("problems", [])), *_listed("没有日期的文章", report.get("undated", []))]


def stats_html(info: dict, zone: str = "UTC") -> str:
    """/stats: counts, the newest report's date, the build and its time in the newsroom's zone, its problems,
    and the last build attempt when it failed."""
    newest = (info.get("date_range") or [None, None])[1]
    rows = [
        ("文章", info.get("articles")), ("片段", info.get("chunks")), ("数字", info.get("figures")),
        ("最新报道", date_label(newest) if newest else "不详"), ("模型", info.get("model")), ("索引", info.get("build_id")),
        ("建于", local_time(info.get("built_at"), zone)), ("运行", f"{info.get('uptime_s', 0)} 秒"),
        ("已回答", info.get("questions")),
    ]
    if "pending" in info:  # the bot's journal: questions not answered yet, answered late or apologised for
        rows += [("待回答", info["pending"]), ("重启后补答", info["replayed"]), ("过期致歉", info["expired"])]
    lines = ["<b>状态</b>", *(f"{escape(k)}：{escape(str(v))}" for k, v in rows)]
    lines += problems_lines(info.get("report") or {}) or ["这次构建没有问题。"]
    attempt = info.get("last_attempt") or {}
    if attempt.get("error"):
        lines.append(f"最近一次构建失败（{escape(local_time(attempt.get('at'), zone))}）：{escape(attempt['error'])}")
    return "\n".join(lines)


def build_report_html(info: dict, zone: str = "UTC") -> str:
    """What admins are sent once a new build serves: articles added and removed, figures changed, problems."""
    report = info.get("report") or {}
    lines = [f"<b>新索引已上线</b>：{escape(str(info.get('build_id')))}（{escape(local_time(info.get('built_at'), zone))}）",
             f"文章：共{info.get('articles')}篇，新增{report.get('added', 0)}篇，删除{report.get('removed', 0)}篇"]
    lines += _listed("新增", report.get("added_titles", []), report.get("added", 0) if report.get("previous") else 0)
    lines += _listed("删除", report.get("removed_titles", []), report.get("removed", 0))
    moved = [f"{r} {m}：{old or '—'} → {new}（{key}）" for m, r, old, new, key in report.get("figures", [])]
    lines += _listed("数字有变化", moved, report.get("figures_changed", 0))
    return "\n".join(lines + (problems_lines(report) or ["没有跳过的文件，没有缺日期的文章。"]))


def build_failed_text(status: dict, zone: str = "UTC") -> str:
    """What admins are sent once when a build fails (the bot keeps serving the previous index)."""
    return f"构建失败（{local_time(status.get('at'), zone)}），继续使用当前索引：{status.get('error')}"


# ---------------------------------------------------------------------- small talk (retrieval.smalltalk)
SMALL_TALK = {
    "greeting": "你好！想了解本地新闻，直接问就行，例如：「{example}」",
    "thanks": "不客气！还有问题随时问，例如：「{example}」",
    "bye": "再见，有问题随时来问。",
    "emoji": "🙂 想问点什么？例如：「{example}」",
    "greeting_en": "Hello! Ask me about the local news, e.g. “{example}”",
    "thanks_en": "You're welcome! Ask again any time, e.g. “{example}”",
    "bye_en": "Bye! Ask again any time.",
}


def small_talk_text(kind: str, profile: Profile) -> str:
    """One short friendly line for a greeting, thanks, goodbye or emoji (retrieval.smalltalk), with an example
    question (an English one for English small talk)."""
    examples = profile.examples
    english = next((e for e in examples if e.isascii()), examples[0])
    return SMALL_TALK[kind].format(example=english if kind.endswith("_en") else examples[0])
