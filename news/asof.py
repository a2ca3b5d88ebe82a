"""The one place that decides a fact's as-of time from the Chinese date and time words around it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from news.text import chinese_to_int, split_sentences

DEFAULT_YEAR = 2020
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}年")  # a year a question names (2023年, 那2022年呢)
# full-width digits and marks map one to one, so offsets in the normalised text stay valid
_WIDE = str.maketrans("０１２３４５６７８９：－～", "0123456789:-~")
_DASH = r"[-－—–~～至到]"
_CLOCK = r"(?:时|点|:00)"
# one expression: [截至] [Y年][M月]D日 [、16日 | 至18日] [0-24时 | 24时 | 下午] [起]
TIME = re.compile(
    r"(?P<jz>截至|截止到|截止至|截止)?(?<![\d.])"
    r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})[日号]"
    rf"(?:(?:[、和及]|{_DASH})(?:(?P<m2>\d{{1,2}})月)?(?P<d2>\d{{1,2}})[日号](?!\d))*"
    rf"(?:(?P<h1>\d{{1,2}}){_CLOCK}?{_DASH}(?:(?:(?P<m3>\d{{1,2}})月)?(?P<d3>\d{{1,2}})日)?(?P<h2>\d{{1,2}}){_CLOCK}"
    r"|(?P<h>\d{1,2})(?:时|点)(?:(?P<mi>\d{1,2})分)?"
    r"|(?P<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚间|夜间|晚))?"
    r"(?P<tail>起|以来|开始)?"
)
RELATIVE = re.compile(r"截至目前|截至发稿时?|目前|至此|至今|当前|现在|今天|今日|近日|昨天|昨日")
DAY_PARTS = {
    "凌晨": "01:00", "早上": "06:00", "早晨": "06:00", "上午": "08:00", "中午": "11:00", "下午": "12:00",
    "傍晚": "17:00", "晚上": "18:00", "晚间": "18:00", "夜间": "20:00", "晚": "18:00",
}
QUESTION_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)"
    r"|(?<![\d年/.-])(?P<m2>\d{1,2})月(?P<d2>\d{1,2})[日号]"
    r"|(?:(?P<y3>\d{4})年)?(?P<m3>[一二三四五六七八九十]{1,2})月(?P<d3>[一二三四五六七八九十]{1,3})[日号]"
)


@dataclass(frozen=True)
class AsOf:
    """When a figure was true: a sortable ``key``, a Chinese ``label`` for display and its ISO ``date``."""

    key: str  # "2020-02-19T24:00", "2020-02-20T12:00" (下午) or "2020-02-17" (a date only)
    label: str  # "2020年2月19日24时", "2020年2月16日0—24时", "2020年2月20日下午", "2020年2月17日"
    date: str  # ISO date the key falls on


@dataclass(frozen=True)
class _Hit:
    start: int
    asof: AsOf
    explicit: bool  # a written date, not a word like 目前


def date_label(day: date | str) -> str:
    """"2020年2月19日" for a date (or an ISO date string)."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day.year}年{day.month}月{day.day}日"


def date_asof(iso: str) -> AsOf:
    """The as-of of a bare ISO date (an article's date): date-only key."""
    day = date.fromisoformat(iso)
    return AsOf(key=day.isoformat(), label=date_label(day), date=day.isoformat())


def _make_date(y: str | None, m: str | None, d: str, ref: date | None) -> date | None:
    """A calendar date; month and year default from the article date ``ref``."""
    try:
        if m is None:
            if ref is None:
                return None
            day = date(ref.year, ref.month, int(d))
            if day > ref:  # "截至28日" in a 3月1日 article means February
                prev = ref.replace(day=1) - timedelta(days=1)
                day = date(prev.year, prev.month, int(d))
            return day
        year = int(y) if y else (ref.year if ref else DEFAULT_YEAR)
        day = date(year, int(m), int(d))
        if not y and ref is not None and (day - ref).days > 180:  # "12月31日" in a January article
            day = date(year - 1, int(m), int(d))
        return day
    except ValueError:
        return None


def _from_match(found: re.Match, text: str, ref: date | None) -> AsOf | None:
    g = found.groupdict()
    if g["tail"] or (found.start() and text[found.start() - 1] in "自从"):
        return None  # "自2月10日复工", "1月27日起": a starting point, not an as-of
    has_time = g["h1"] is not None or g["h"] is not None or g["part"] is not None
    if g["m"] is None and not (g["jz"] or has_time or g["d2"]) and not text.startswith(("当天", "当日"), found.end()):
        return None  # a bare "16日" is too weak to be a date; "19日当天" is one
    day = _make_date(g["y"], g["m"], g["d"], ref)
    if day is None:
        return None
    if g["d2"]:  # "2月15日、16日" / "2月16日至18日": the last day named
        day = _make_date(str(day.year), g["m2"] or str(day.month), g["d2"], ref)
        if day is None:
            return None
    if g["h2"] is not None:  # a period "0-24时": as of its end
        end = day
        if g["d3"]:
            end = _make_date(str(day.year), g["m3"] or str(day.month), g["d3"], ref)
            if end is None:
                return None
        h1, h2 = int(g["h1"]), int(g["h2"])
        if h2 > 24:
            return None
        if end == day:
            label = f"{date_label(day)}{h1}—{h2}时"
        else:
            label = f"{date_label(day)}{h1}时—{end.month}月{end.day}日{h2}时"
        return AsOf(key=f"{end.isoformat()}T{h2:02d}:00", label=label, date=end.isoformat())
    if g["h"] is not None:
        hour, minute = int(g["h"]), int(g["mi"] or 0)
        if hour > 24 or minute > 59:
            return None
        label = f"{date_label(day)}{hour}时" + (f"{minute}分" if minute else "")
        return AsOf(key=f"{day.isoformat()}T{hour:02d}:{minute:02d}", label=label, date=day.isoformat())
    if g["part"]:
        part = g["part"]
        return AsOf(key=f"{day.isoformat()}T{DAY_PARTS[part]}", label=date_label(day) + part, date=day.isoformat())
    return AsOf(key=day.isoformat(), label=date_label(day), date=day.isoformat())


def _relative(word: str, ref: date) -> AsOf:
    day = ref - timedelta(days=1) if word in ("昨天", "昨日") else ref
    return date_asof(day.isoformat())


def find_times(text: str, article_date: str | None) -> list[_Hit]:
    """Every as-of expression in ``text``, in order: written dates and words like 目前."""
    text = text.translate(_WIDE)
    ref = date.fromisoformat(article_date) if article_date else None
    hits = [
        _Hit(found.start(), asof, True)
        for found in TIME.finditer(text)
        if (asof := _from_match(found, text, ref)) is not None
    ]
    if ref is not None:
        hits += [_Hit(found.start(), _relative(found.group(), ref), False) for found in RELATIVE.finditer(text)]
    return sorted(hits, key=lambda hit: hit.start)


def _pick(hits: list[_Hit], position: int | None = None) -> AsOf | None:
    """The last written date (before ``position`` if given, else the first after it), else a 目前-word."""
    explicit = [hit for hit in hits if hit.explicit]
    if position is not None:
        before = [hit for hit in explicit if hit.start < position]
        if before:
            return before[-1].asof
        if explicit:
            return explicit[0].asof
    elif explicit:
        return explicit[-1].asof
    relative = [hit for hit in hits if not hit.explicit]
    return relative[-1].asof if relative else None


def resolve_asof(
    sentence: str, article_date: str | None, context: str = "", position: int | None = None
) -> AsOf | None:
    """The as-of of a fact in ``sentence``.

    The sentence's own written time wins (the last one, or the last one before ``position`` —
    the fact's offset in the sentence — when given); then a date written in ``context``, the
    preceding sentences of the paragraph, nearest first (so "目前" in a bulletin means its 24时/0时 cut-off);
    then 目前/至此/至今 (the article date); then the article date. None only when nothing is found and the article has no date.
    """
    hits = find_times(sentence, article_date)
    if any(hit.explicit for hit in hits):
        return _pick(hits, position)
    relative = _pick(hits, position)  # 目前/至此: the report's own cut-off when the paragraph gave one
    for a, b in split_sentences(context):
        earlier = [
            hit for hit in find_times(context[a:b], article_date)
            if hit.explicit and (relative is None or hit.asof.key.endswith(("T24:00", "T00:00")))  # a cut-off
        ]
        found = _pick(earlier)
        if found is not None:
            return found
    if relative is not None:
        return relative
    for a, b in split_sentences(context):  # a 目前 of an earlier sentence: the article date
        found = _pick(find_times(context[a:b], article_date))
        if found is not None:
            return found
    return date_asof(article_date) if article_date else None


QUESTION_HOUR = re.compile(
    r"\d{1,2}[日号]\s*(?:\d{1,2}\s*(?:时|点)?\s*(?:至|到|-|—|－)\s*)?(?P<h>\d{1,2})\s*(?:时|点)(?!间)"
)
MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), start=1)}
ENGLISH_DATE = re.compile(r"\b(?P<mon>[a-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b", re.I)


def parse_question_hour(question: str) -> int | None:
    """The hour a user names after a date ("截至2月4日24时" → 24; "3月23日0时至12时" → 12, the period's end)."""
    found = QUESTION_HOUR.search(question.translate(_WIDE))
    return int(found.group("h")) if found and int(found.group("h")) <= 24 else None


def _english_date(question: str, default_year: int) -> str | None:
    """"February 23", "Feb 23rd" → ISO date."""
    for found in ENGLISH_DATE.finditer(question):
        month = next((n for name, n in MONTHS.items() if name.startswith(found.group("mon").lower())), None)
        if month is not None and len(found.group("mon")) >= 3:
            try:
                return date(default_year, month, int(found.group("d"))).isoformat()
            except ValueError:
                continue
    return None


def parse_question_date(question: str, default_year: int = DEFAULT_YEAR) -> str | None:
    """The date a user names ("截至2月16日", "2020年2月16日", "二月十六日", "2020-02-16") as an ISO
    date; the last one when several are named; None for none (a bare "16日" is not a date)."""
    result = None
    for found in QUESTION_DATE.finditer(question.translate(_WIDE)):
        g = found.groupdict()
        if g["y"]:
            y, m, d = int(g["y"]), int(g["m"]), int(g["d"])
        elif g["m2"]:
            y, m, d = default_year, int(g["m2"]), int(g["d2"])
        else:
            y, m, d = int(g["y3"] or default_year), chinese_to_int(g["m3"]), chinese_to_int(g["d3"])
        try:
            result = date(y, m, d).isoformat()
        except (TypeError, ValueError):  # not a date, or a numeral cn2an does not read (TypeError: None)
            continue
    return result or _english_date(question, default_year)
