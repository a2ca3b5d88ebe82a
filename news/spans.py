"""Typed spans of folded text (news.text.fold): years, dates, clock times, ordinals, percentages, durations, numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from news.text import NUMBER_PATTERN, pos_tags

CN = "零〇一二两三四五六七八九十百千万亿"
NUM = rf"(?:{NUMBER_PATTERN}|[{CN}]+(?:点[{CN}]+)?)"
_YEAR = r"(?:公元前|公元|前)?(?<![\d.,])(?:\d{3,4}|[〇零一二三四五六七八九]{4})年(?!代)|公元前?\d{1,2}年"
_DAY = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]|初[一二三四五六七八九十]|廿[一二三四五六七八九]?|卅"  # 七月初十, 十月廿一
_MONTH = r"(?<![\d.,])(?:\d{1,2}|[一二三四五六七八九十]{1,3})月"
# a year of an era or reign: 民国38年, 康熙七年, 昭和四十九年 (the era a name in jieba's tags, see ERA_TAGS)
_ERA = r"(?P<era>[\u4e00-\u9fff]{2})(?:元|\d{1,3}|[一二三四五六七八九十]{1,4})年(?!代)"
ERA_TAGS = ("nr", "nz", "t")  # person (a reign: 康熙, 乾隆), other proper name (昭和, 元丰), time word (嘉靖)
CALENDARS = ("民国", "西元", "公元")  # the calendars jieba tags as common nouns
# most specific first; a later pattern never takes characters an earlier one took
PATTERNS = (
    ("year", re.compile(_ERA)),
    ("date", re.compile(rf"(?P<y>{_YEAR})?{_MONTH}(?:{_DAY}|[初中下]旬)?|(?P<y2>{_YEAR})?(?:春|夏|秋|冬)季?")),
    ("year", re.compile(rf"(?:\d{{1,2}}|[一二三四五六七八九十]+)世纪(?:[初中末]叶?|\d{{2}}年代)?|{_YEAR}|(?<![\d.,])\d{{2,4}}年代")),
    ("clock", re.compile(r"(?<![\d.,])\d{1,2}(?:时|点)(?:\d{1,2}分|半)?许?|(?<![\d.,])\d{1,2}:\d{2}|凌晨|上午|中午|下午|傍晚|晚上")),
    ("ordinal", re.compile(rf"第{NUM}(?:大|名|位|类组?|代|届|次|层|级|等|号|轮)?|前{NUM}(?:名|位|大|强)")),
    ("percent", re.compile(rf"{NUM}\s*%|百分之{NUM}|[{CN}\d]+分之[{CN}\d]+|[一二三四五六七八九十]成(?![员都功立为本绩果就])")),
    ("duration", re.compile(rf"(?<![\d.,]){NUM}(?:多|余)?(?:个(?:多)?月|个?小时|个?星期|周|天|分钟|秒|年(?!代))(?:之久|多)?")),
    ("number", re.compile(rf"(?<![\d.,]){NUM}(?:多|余)?[万亿千百]*(?:[\u4e00-\u9fff](?<![的和与及或是在为了年月日]))?")),
)
_WHEN = ("date", "year")
ACCEPTS = {  # asked type → span types that can answer it
    "year": ("year", "date"), "when": _WHEN, "clock": ("clock",), "percent": ("percent",),
    "duration": ("duration",), "count": ("number",), "ordinal": ("ordinal",), "change": ("percent", "number"),
}


# units of measure by dimension (SI, metric and the Chinese and imperial ones news and reference texts print)
UNITS = {
    "length": ("千米", "公里", "米", "厘米", "公分", "毫米", "微米", "纳米", "里", "英里", "英尺", "英寸", "尺", "寸", "光年",
               "海里", "码", "天文单位"),
    "weight": ("千克", "公斤", "克", "斤", "吨", "磅", "盎司"),
    "area": ("平方", "亩", "公顷", "顷"),
}


def fits(dimension: str, after: str) -> bool:
    """The text right after a number starts with a unit of ``dimension`` (after 多/余 and 万/千/百)."""
    return re.sub(r"^[多余]?[万亿千百]*[多余]?", "", after).startswith(UNITS[dimension])


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` is a typed expression; ``unit`` is the character after a number (its counter)."""

    start: int
    end: int
    type: str  # date | year | clock | ordinal | percent | duration | number
    unit: str = ""
    has_year: bool = False  # a date that names its year ("1994年5月")


@lru_cache(maxsize=8192)
def find_spans(text: str) -> tuple[Span, ...]:
    """Every typed span of ``text`` (folded: ASCII digits), left to right, none overlapping."""
    taken = [False] * len(text)
    found: list[Span] = []
    tagged: dict[int, tuple[int, str]] = {}  # jieba's words by start: (end, tag), read once, when first needed

    def word_at(start: int) -> tuple[int, str]:
        if not tagged:
            tagged.update({a: (b, flag) for a, b, flag in pos_tags(text)})
        return tagged.get(start, (start, ""))

    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if m.end() == m.start() or any(taken[m.start() : m.end()]):
                continue
            if "era" in pattern.groupindex and not _era(text[m.start() : m.start() + 2], word_at(m.start()), m.start()):
                continue  # 历时十年, 此后3年: a duration, not a reign's year
            if kind == "number" and not re.search(r"\d", m.group()):
                if not word_at(m.start())[1].startswith("m") or not _chinese_count(m.group()):
                    continue  # 一 or 两 inside a word (统一规划, 两岸) is no number
                if re.match(r"\d", text[m.end() : m.end() + 1]):
                    continue  # "市县两级1500余名": the tiers that the next number counts in, not a count
            if kind == "number" and (re.fullmatch(r"\d{1,2}号", m.group()) or (
                    re.fullmatch(r"\d{1,2}", m.group()) and text[m.end() : m.end() + 1] == "日")):
                continue  # "27日表示": a day of the month, "3号线": a name; neither counts anything
            season = m.end() - 1 - m.group().endswith("季")
            if kind == "date" and "月" not in m.group() and not (m.group("y2") and word_at(season)[1].startswith("t")):
                continue  # a bare season is a date only with its year, and only as a time word (夏, 春季; not 春运)
            unit = m.group()[-1] if kind == "number" and not m.group()[-1].isdigit() else ""
            has_year = kind == "date" and bool(m.group("y") or m.group("y2"))
            found.append(Span(m.start(), m.end(), kind, unit, has_year))
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
    return tuple(sorted(found, key=lambda s: s.start))


def _era(name: str, word: tuple[int, str], start: int) -> bool:
    """``name`` (two characters at ``start``) is an era's or a reign's: a calendar, or the one jieba ``word``
    (end, tag) there, tagged a proper name or a time word."""
    return name in CALENDARS or (word[0] == start + 2 and word[1].startswith(ERA_TAGS))


def _chinese_count(text: str) -> bool:
    """A Chinese numeral that cn2an reads strictly, followed by its counter: "十五路", "两层", "三朝"."""
    import cn2an  # a kept numeral library

    if text[-1] in CN:
        return False  # no counter after it
    try:
        cn2an.cn2an(re.sub("[多余]", "", text[:-1]).replace("两", "二"), "strict")
    except (ValueError, KeyError):
        return False
    return True


def answers(asked: str, span: Span) -> bool:
    """Whether a span of its type can answer a question of type ``asked`` (a year question: a year, or a date
    that names its year; a "when" question: a date or a year)."""
    if span.type not in ACCEPTS.get(asked, ()):
        return False
    return asked != "year" or span.type == "year" or span.has_year


# units that measure the same kind of thing: a question asking in one is not answered in another (多少日 → 24小时)
UNIT_KINDS = (("年", "月", "周", "星期", "日", "天", "小时", "钟头", "分钟", "秒"), *UNITS.values())
_SAME_UNIT = {"日": "天", "钟头": "小时", "千米": "公里", "公斤": "千克"}
_LONGEST_FIRST = tuple(sorted((u for units in UNIT_KINDS for u in units), key=len, reverse=True))  # 小时 before 时


def other_unit(question: str, text: str, span: Span) -> bool:
    """The span is in another unit of the same kind than the one the question asks in ("多少日" → "24小时")."""
    asking = re.search(r"多少|几", question)
    wanted = _unit(question, asking.end()) if asking else None
    shown = text[span.start : span.end + 4]  # a number's unit may follow the span ("24" "小时")
    given = {_unit(shown, m.end()) for m in re.finditer(rf"[\d{CN}]+[多余]?[万亿千百]*[多余]?", shown)} - {None}
    return bool(wanted and given and wanted not in given and all(_kind(u) == _kind(wanted) for u in given))


def _unit(text: str, at: int) -> str | None:
    """The unit of UNIT_KINDS that starts at ``at``, in one spelling of the same ones (日 as 天)."""
    unit = next((u for u in _LONGEST_FIRST if text.startswith(u, at)), None)
    return _SAME_UNIT.get(unit, unit)


def _kind(unit: str) -> int:
    return next(i for i, units in enumerate(UNIT_KINDS) if unit in units)
