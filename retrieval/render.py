"""Reply wording in one place: answers, declines, coverage, /latest figures, articles, help and stats as HTML
(Telegram), plain text or the CLI's JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from html import escape
from typing import Any

from config.profile import Profile
from news.asof import date_label
from news.text import is_english
from retrieval import render_en
from retrieval.answer import Answer, Coverage, Decline, Source
from retrieval.latest import asof_phrase as _asof_phrase
from retrieval.wording import (  # noqa: F401 - the bot takes all its wording from this module
    alert_html,
    build_failed_text,
    build_report_html,
    paper_line,
    seen_amount,
    since_html,
    since_usage,
    small_talk_text,
    stats_html,
    subscribe_usage,
    subscribed_text,
    subscriptions_text,
    trend_usage,
    unsubscribed_text,
)

NO_DIRECT = "没有能直接给出的答案，以下是最相关的原文："
REASONS = {  # why a question is declined (retrieval.answer.Reason); {subject} is the Decline's
    "empty": "问题是空的",
    "chitchat": "这不是一个问题。请直接问新闻里的事，例如「{subject}」",
    "not_covered": "现有报道没有关于{subject}的内容",
    "no_figures": "现有报道没有{subject}的疫情数字",
    "live": "这里是新闻报道存档，没有今天的天气、路况这类实时信息",
    "other_year": "这里只有{subject}年的报道",
    "not_found": "没有找到相关报道",
    "place_unanswered": "现有报道没有回答这个关于{subject}的问题",
}
MORE_SOURCES_LABEL = "更多来源"
NO_FIGURES = "索引里还没有疫情数字。"
LATE_ANSWER = "（稍晚的回答）"  # opens the reply to a question answered after the bot restarted (bot/recovery.py)
LATE_APOLOGY = "抱歉，机器人刚才中断了，没能及时回答你之前发来的问题，请重新发送。"  # for questions too old for that
DISTRICTS_BUTTON_HINT = "各区县（{n}个）的数字：点下面的按钮查看。"
DISTRICTS_BUTTON = "各区县数字"


# ---------------------------------------------------------------------- the parts of a reply
@dataclass(frozen=True)
class Quote:
    """One quoted source: its number in the reply, the verbatim text, and "title · date · file"."""

    number: int
    text: str
    cite: str


@dataclass(frozen=True)
class AnswerParts:
    """What a reply to a question says, before any markup."""

    lead: str  # the direct answer (``strong``), the line before plain quotes, or the apology
    strong: bool
    note: str | None
    quotes: tuple[Quote, ...]
    hint: str | None  # after a decline: questions to try


@dataclass(frozen=True)
class FigureLine:
    """One /latest row: "在院治疗", "38例", "截至2020年2月19日24时", "较…的45例减少7例", an optional note."""

    name: str
    value: str
    when: str
    change: str | None
    note: str | None


def cite(title: str, paper: str, published: str | None, date: str | None, page: str = "") -> str:
    """"title · 株洲日报 2020年2月21日 A1版（2月20日讯）": the paper, date and page a reader knows, not a file name."""
    return " · ".join(part for part in (title, paper_line(paper, published, date, page)) if part)


def quotes(sources: Iterable[Source], first: int = 1) -> tuple[Quote, ...]:
    return tuple(Quote(i, s.quote, cite(s.title, s.paper, s.published, s.date, s.page))
                 for i, s in enumerate(sources, start=first))


def coverage_line(coverage: Coverage) -> str:
    """What the corpus covers in one line: "现有株洲日报等18篇报道（2020年2月16日至2020年2月20日），主要是株洲的…"."""
    papers = "、".join(coverage.papers) + ("等" if coverage.more_papers else "")
    span = ""
    if coverage.first and coverage.last:
        first, last = date_label(coverage.first), date_label(coverage.last)
        span = f"{first}至{last}" if first != last else first
    line = f"现有{papers}{coverage.articles}篇报道（{span}）"
    if coverage.topics:
        where = "、".join(coverage.places)
        more = "等地" if coverage.more_places else ""
        line += f"，主要是{where}{more}的" if where else "，主要是"
        line += "、".join(coverage.topics)
    return line


def decline_note(decline: Decline, with_coverage: bool = True) -> str:
    """Why a question was declined, then (unless the chat was told already) what the corpus covers."""
    reason = REASONS[decline.reason].format(subject=decline.subject)
    return f"{reason}。{coverage_line(decline.coverage)}" if with_coverage else reason


def note(answer: Answer) -> str | None:
    """The line under an answer: why it was declined, or the history of its figure ("此前…")."""
    return decline_note(answer.decline) if answer.decline else answer.note


def answer_json(answer: Answer) -> dict:
    """The `ask --json` object: {question, answered, answer, sources:[{title,date,quote,source,score,url}], note, kind}."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.answer,
        "sources": [
            {k: v for k, v in asdict(s).items() if k in ("title", "date", "quote", "source", "score", "url", "paper", "published", "page")}
            | {"score": round(s.score, 4)}
            for s in answer.sources
        ],
        "note": note(answer),
        "kind": answer.kind,
    }


def answer_parts(answer: Answer, profile: Profile, with_coverage: bool = True) -> AnswerParts:
    if not answer.answered:
        reason = decline_note(answer.decline, with_coverage) if answer.decline else answer.note
        hint = "可以试试：" + " / ".join(profile.examples[:2])
        return AnswerParts(f"抱歉，{reason}。", False, None, (), hint)
    if answer.answer:
        return AnswerParts(answer.answer, True, answer.note, quotes(answer.sources), None)
    return AnswerParts(NO_DIRECT, False, answer.note, quotes(answer.sources), None)  # 报道没有单独提到长沙…


def asof_phrase(row: dict) -> str:
    """The as-of words of a /latest row or figure: "2020年2月19日" for a period (新增), "截至2020年2月19日24时"
    for a state; decided by the figure's kind (``period``) in retrieval.latest.asof_phrase, the one place."""
    return row.get("asof_phrase") or _asof_phrase(bool(row.get("period")), row["asof_label"])


def _value(row: dict) -> str:
    """"38例"; a "无新增…" fact has no number and no unit: "无"."""
    return row["value"] if row["value"] == "无" else f"{row['value']}{row['unit']}"


def figure_line(row: dict) -> FigureLine:
    previous, change = row.get("previous"), None
    if previous and row.get("change_label"):
        change = f"较{previous['asof_label']}的{previous['value']}{previous['unit']}{row['change_label']}"
    return FigureLine(row["metric"], _value(row), asof_phrase(row), change, row.get("note"))


@dataclass(frozen=True)
class LatestParts:
    """/latest before markup: the home city's lines, then the districts in groups that share an as-of (and a
    note, said once per group), each district one line; the reports cited, newest first."""

    title: str
    home: list[FigureLine]
    districts: list[tuple[str, str | None, list[str]]]  # (heading, note, "荷塘区：累计确诊21例，累计出院8例")
    reports: list[str]

    @property
    def district_count(self) -> int:
        return len({line.split("：", 1)[0] for _, _, lines in self.districts for line in lines})


def latest_parts(rows: list[dict], profile: Profile) -> LatestParts:
    label = profile.home_label
    groups: dict[tuple[str, str | None], dict[str, list[str]]] = {}
    for row in rows:
        if row["region"] != label:
            change = f"（{row['change_label']}）" if row.get("previous") and row.get("change_label") else ""
            items = groups.setdefault((asof_phrase(row), row.get("note")), {}).setdefault(row["region"], [])
            items.append(f"{row['metric']}{_value(row)}{change}")
    districts = [(f"各区县（{when}）", note, [f"{region}：{'，'.join(items)}" for region, items in regions.items()])
                 for (when, note), regions in groups.items()]
    reports = {(s["title"], s.get("paper", ""), s.get("published"), s["date"], s.get("page", "")): None
               for r in rows if (s := r.get("source"))}
    newest_first = sorted(reports, key=lambda k: k[2] or k[3] or "", reverse=True)
    return LatestParts(f"{label}最新疫情数字", [figure_line(r) for r in rows if r["region"] == label], districts,
                       [cite(*key) for key in newest_first])


# ---------------------------------------------------------------------- Telegram HTML (blocks)
def _quote_html(quote: Quote) -> str:
    return f"<blockquote>{escape(quote.text)}</blockquote>\n{quote.number}. {escape(quote.cite)}"


def answer_html(answer: Answer, profile: Profile, with_coverage: bool = True) -> list[str]:
    """The answer as self-contained HTML blocks (a block never splits a tag); in English for an English question;
    ``with_coverage`` False leaves what the corpus covers out of a decline (the chat was told already)."""
    parts = answer_parts(answer, profile, with_coverage)
    english = is_english(answer.question, letters=4)
    if english:
        parts = render_en.translate(parts, profile, answer.decline)
    if parts.strong:
        head = f"<b>{escape(parts.lead)}</b>" + (f"\n<i>{escape(parts.note)}</i>" if parts.note else "")
    else:
        head = escape(parts.lead) + (f"\n<i>{escape(parts.note)}</i>" if parts.note else "")
    blocks = [head, *(_quote_html(q) for q in parts.quotes)]
    if parts.hint:
        blocks.append(escape(parts.hint) + (render_en.LATEST if english else "，或发送 /latest 查看最新数字。"))
    return blocks


def more_sources_html(sources: Sequence[Source], first: int) -> list[str]:
    """"更多来源" and the further quotes, numbered on from the answer's."""
    return [f"<b>{MORE_SOURCES_LABEL}</b>", *(_quote_html(q) for q in quotes(sources, first))]


def _figure_html(line: FigureLine) -> str:
    text = f"• {escape(line.name)}：<b>{escape(line.value)}</b>（{escape(line.when)}）"
    text += f"，{escape(line.change)}" if line.change else ""
    return text + (f"\n  <i>{escape(line.note)}</i>" if line.note else "")


DISTRICT_LINES = 40  # district lines per block: a block never passes Telegram's limit, however many districts
SOURCES = "来源（数字均为报道原文）："


def latest_html(rows: list[dict], profile: Profile, short: bool = False) -> list[str]:
    """/latest: the home city's figures with as-of and change, then every district, one line each, a note said
    once per group; the reports quoted. ``short`` (a group chat): the home city's, and the districts counted
    (a second block, under which the bot puts the button for :func:`latest_rest_html`)."""
    if not rows:
        return [NO_FIGURES]
    parts = latest_parts(rows, profile)
    head = "\n".join([f"<b>{escape(parts.title)}</b>", *map(_figure_html, parts.home)])
    if short:
        return [head, *([DISTRICTS_BUTTON_HINT.format(n=parts.district_count)] if parts.districts else [])]
    return [head, *_rest_html(parts)]


def latest_rest_html(rows: list[dict], profile: Profile) -> list[str]:
    """What the group form of /latest leaves to its button: every district and the reports quoted."""
    return _rest_html(latest_parts(rows, profile)) if rows else [NO_FIGURES]


def _rest_html(parts: LatestParts) -> list[str]:
    blocks = []
    for heading, note, lines in parts.districts:
        head = f"<b>{escape(heading)}</b>" + (f"\n<i>{escape(note)}</i>" if note else "")
        for start in range(0, len(lines), DISTRICT_LINES):
            body = "\n".join(f"• {escape(line)}" for line in lines[start : start + DISTRICT_LINES])
            blocks.append(f"{head}\n{body}" if start == 0 else body)
    if parts.reports:
        blocks.append(f"<i>{SOURCES}</i>\n" + "\n".join(f"• {escape(r)}" for r in parts.reports))
    return blocks


def article_html(article: Any) -> list[str]:
    """The whole article: a head (title, paper · date · page, byline) and the escaped text (plain, may be long)."""
    head = f"<b>{escape(article.title)}</b>\n{escape(paper_line(article.paper, article.published, article.date, article.page))}"
    if article.byline:
        head += f"\n{escape(article.byline)}"
    return [head, escape(article.text)]


def help_html(coverage: Coverage, profile: Profile) -> str:
    """/start and /help: what the bot knows and how to ask (the home city and examples of the profile)."""
    examples = "\n".join(f"• {escape(e)}" for e in profile.examples)
    return (
        f"你好！我回答关于<b>{escape(profile.home_label)}本地新闻</b>的问题，答案都摘自报道原文，并附上出处。\n\n"
        f"{escape(coverage_line(coverage))}。\n\n"
        f"直接发问题即可，例如：\n{examples}\n\n"
        "命令：\n/latest 最新疫情数字及变化\n/trend 累计确诊 [地区] —— 数字变化趋势图\n"
        "/subscribe 累计确诊 [地区] —— 关注一个数字，更新时通知你（/subscriptions 查看，/unsubscribe 退订）\n"
        "/since 2月18日 —— 那天以后变了哪些数字、新增哪些报道\n/ask 问题 —— 在群里提问\n/help 本说明\n\n"
        "问题里写上日期（如“截至2月16日”）会给出那天的数字；不写则给出最新报道的数字。"
    )


# ---------------------------------------------------------------------- plain text (terminal)
def answer_text(answer: Answer, profile: Profile) -> str:
    """The answer for a terminal: the same words as the bot's, quotes as [n] “…” —— title · paper date page."""
    parts = answer_parts(answer, profile)
    lines = [parts.lead, *([parts.note] if parts.note else [])]
    for quote in parts.quotes:
        lines += ["", f"[{quote.number}] “{quote.text}”", f"    —— {quote.cite}"]
    if parts.hint:
        lines.append(parts.hint)
    return "\n".join(lines)


def latest_text(rows: list[dict], profile: Profile) -> str:
    """/latest for a terminal: the same lines as the bot's."""
    if not rows:
        return NO_FIGURES
    parts = latest_parts(rows, profile)
    lines = [parts.title]
    for line in parts.home:
        lines.append(f"• {line.name}：{line.value}（{line.when}）" + (f"，{line.change}" if line.change else ""))
        lines += [f"  {line.note}"] if line.note else []
    for heading, note, districts in parts.districts:
        lines += ["", heading, *([note] if note else []), *(f"• {d}" for d in districts)]
    if parts.reports:
        lines += ["", SOURCES, *(f"• {r}" for r in parts.reports)]
    return "\n".join(lines)


# ---------------------------------------------------------------------- conversations (retrieval.followup)
def reading_html(label: str) -> str:
    """How a question was read when the conversation's context was used: 「醴陵市 · 累计出院」."""
    return f"「{escape(label)}」"


def turn_html(parts: Sequence[tuple[Any, Answer]], profile: Profile, said: bool = False) -> list[str]:
    """A message's answers in order (``parts``: (reading, answer) of retrieval.service.Turn); one read with
    context, or one of several questions, starts with how it was read, so a part left unanswered is named.
    ``said``: this chat was already told what the corpus covers: left out of declines."""
    blocks: list[str] = []
    for reading, answer in parts:
        part = answer_html(answer, profile, with_coverage=not said)
        name = reading.label or (reading.question if len(parts) > 1 else None)
        if name:
            part[0] = f"{reading_html(name)}\n{part[0]}"
        blocks += part
    return blocks


def card_html(answer: Answer, profile: Profile) -> str:
    """The inline answer card: the answer's head (bold answer, or why not) and its first quote with the source."""
    return "\n\n".join(answer_html(answer, profile)[:2])


def card_title(answer: Answer) -> str:
    """The line an inline result is listed under when there is no direct answer."""
    return NO_DIRECT.rstrip("：") if answer.answered else f"抱歉，{(note(answer) or REASONS['not_found']).split('。')[0]}"
