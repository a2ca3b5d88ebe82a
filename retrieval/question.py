"""The question analysed once: its keywords, what it asks for (a typed answer), the measured noun, its subject."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from config.profile import Profile
from retrieval.normalize import Query
from stores.lexical import tokenize

HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2}")
GENERIC = frozenset("现在 目前 如今 当前 今天 明天 昨天 今年 去年 明年 一共 总共 共 累计 大约 大概 情况 有 人 the of in".split())
MEASURE = re.compile(r"^(?:[余多近约]?(?:万|亿)?[个家名件人例天次元台条项户位所座辆批份棵]?)(?:的)?")
GAP = re.compile(r"(?:高达|达到|已达|增至|共计|总计|约为|超过|累计|达|为|是|有|已|共|约|近|了|的)+$")
DIMENSION = (("length", re.compile(r"多(?:远|长|高|深|宽|厚)(?!时间)")), ("weight", re.compile(r"多重")),
             ("area", re.compile(r"面积.{0,6}多大|多大.{0,2}面积")))
COUNTER = re.compile(r"(?:多少|几)([个家名件人例天次元台条项户位所座辆批份棵张岁])")
# the answer types a question word says, in the order they are tried (几点 before 几, 哪一年 before 什么时候)
TYPED = ("ordinal", "percent", "duration")


@dataclass(frozen=True)
class Measure:
    """What a number must sit next to: the words before the question word ("复工率" 是多少), those after it
    (多少个 "口罩") and the counter it asks in (天 of 多少天)."""

    before: str = ""
    after: str = ""
    unit: str | None = None
    dimension: str | None = None  # length (多远, 多长, 多高 …), weight (多重) or area (面积…多大): the unit it wants


@dataclass(frozen=True)
class Asked:
    """What a question asks for: ``type`` (year | when | clock | ordinal | percent | duration | count | change | prose |
    which | yesno | other), the measured noun and counter, and its subject words (the content words before the question
    word)."""

    type: str
    measure: Measure
    subject: tuple[str, ...]


def analyse(query: Query, profile: Profile) -> Asked:
    """The answer type by the profile's [questions] words: a clock time (几点), a rank (第几), a year (哪一年), a
    date (什么时候), a percentage (百分之几), a duration (多久), a count (多少), a change (下降了多少); how, why or where (prose), which one (哪次),
    yes/no; else other."""
    text = query.text
    year = profile.pattern("year").search(text)
    typed = {t: profile.pattern(t).search(text) for t in TYPED}
    if query.kind == "clock":
        kind, ask = "clock", query.ask
    elif typed["ordinal"]:  # 第几 (第几代 … 出生年份 asks for the 代)
        kind, ask = "ordinal", typed["ordinal"].span()
    elif year:
        kind, ask = "year", year.span()
    elif query.kind == "when":
        kind, ask = "when", query.ask
    else:
        kind = next((t for t in TYPED if typed[t]), "count" if query.kind == "quantity" else "other")
        if kind == "other":
            kind = next((t for t in ("prose", "which", "yesno") if profile.pattern(t).search(text)), kind)
        ask = typed[kind].span() if kind in typed else query.ask
        change = profile.pattern("change").search(text) if kind == "count" else None
        if change:  # 客运量同比下降多少: a percentage or an amount of 客运量, not of 下降
            kind, ask = "change", change.span()
    head = text[: ask[0]] if ask else text
    subject = tuple(t for t in tokenize(head) if len(t) > 1 and t not in GENERIC and t not in query.home_words)
    return Asked(kind, measure(query, ask), subject)


def measure(query: Query, ask: tuple[int, int] | None) -> Measure:
    """The words just before and after the question word at ``ask`` (a span of ``query.text``), the counter
    the question asks in and the dimension it measures."""
    counter = COUNTER.search(query.text)
    unit = counter.group(1) if counter else None
    dimension = next((name for name, pattern in DIMENSION if pattern.search(query.text)), None)
    if not ask or ask[0] >= len(query.text):
        return Measure(unit=unit, dimension=dimension)
    start, end = ask
    return Measure(GAP.sub("", query.text[max(0, start - 8) : start]), MEASURE.sub("", query.text[end : end + 10]), unit,
                   dimension)


@lru_cache(maxsize=1024)  # read by the candidates, the bold options and the clause choice of one question
def keywords(query: Query) -> dict[str, float]:
    """Content words of the question, weighted by length (longer words say more); the words right
    around 多少/几 (what is being counted: 复工率, 口罩, 干部) weigh three times more."""
    near = ""
    if query.ask:
        near = query.lexical[max(0, query.ask[0] - 4) : query.ask[1] + 6]
    words = {}
    for token in tokenize(query.lexical):
        if (token in GENERIC or token in query.home_words or (query.english and token.isascii())
                or any(token in word for word in query.asking)):
            continue
        weight = math.log1p(len(token)) if len(token) > 1 else 0.25  # 会, 能, 率: weak on their own
        words[token] = weight * (3.0 if token in near else 1.0)
    return words


def coverage(words: dict[str, float], text: str) -> float:
    """The weighted share of ``words`` that occur in ``text``; a two-character word also counts where the text spells
    out the two words it shortens (复产 in 恢复生产)."""
    total = sum(words.values())
    if not total:
        return 0.0
    found = 0.0
    for word, weight in words.items():  # a loop, not sum(generator): this runs ~80 times an answer
        if word in text or (len(word) == 2 and word[0] in text and _spelt_out(word, text)):
            found += weight
    return found / total


@lru_cache(maxsize=4096)
def _split(word: str) -> re.Pattern | None:
    return re.compile(f"{word[0]}[\u4e00-\u9fff]{word[1]}") if len(word) == 2 and HAN_WORD.fullmatch(word) else None


def _spelt_out(word: str, text: str) -> bool:
    """``word`` (two characters) written with one character between its two: 复产 in 恢复生产."""
    pattern = _split(word)
    return pattern is not None and pattern.search(text) is not None
