"""Follow-ups without a language model: a short question takes the measure, place and date it leaves out from the last one."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from config.profile import Profile
from news.asof import QUESTION_DATE, YEAR, date_label, parse_question_date
from news.places import Gazetteer
from news.text import is_english
from retrieval.facts import named_thing, question_qualifier
from retrieval.normalize import normalize

# words that say "the same question, but …": 那出院呢, 还有醴陵, what about Liling
MARKER = re.compile(r"^(?:那么|那|还有|再看看|再问|and|what about|how about)|呢[\s?？。.!！]*$", re.I)
# days relative to the date the last answer was about: 昨天呢, 前一天呢 (前1天 once normalised), 次日呢
RELATIVE_DAYS = {"前1天": -1, "前1日": -1, "昨天": -1, "昨日": -1, "前天": -2, "后1天": 1, "第2天": 1, "次日": 1,
                 "后天": 2, "当天": 0, "同1天": 0}
RELATIVE = re.compile("|".join(sorted(RELATIVE_DAYS, key=len, reverse=True)))
# a change asked of the last figure: 比前天多了多少, 比昨天增加了几例, 变化多少
COMPARE = re.compile(r"(?:那|那么)?(?:和|与|跟)?(?:比)?(?P<when>前1天|昨天|昨日|前天)?(?:比|相比)?[，, ]?"
                     r"(?:多|少|增加|减少|增长|下降|变化|增减)了?(?:多少|几)[例人个]?[?？。!！]*")
NOUN = re.compile(r"[\u4e00-\u9fff]{2,8}")  # a bare noun as a follow-up names it (铁路, 城区出租)
ITEM = re.compile(r"[\u4e00-\u9fff]{2,10}?(?=[\d（(]|分别|$)")  # a list item: its words before its value
ASKS = re.compile(r"[吗么哪几谁?？]|多少|是否|有没有|\b(?:how|what|when|where|which|who|why)\b", re.I)  # a question, not chat
# what a question may hold beside the slots and still be a follow-up ("那…呢", "有几个", "了", "例")
FILLER = re.compile(
    r"那么|那|还有|再看看|再问|呢|吗|的|了|有|是|呀|啊|吧|共|都|截至|截止|到|目前|现在|如今|当前|人数|病例|患者|"
    r"what about|how about|and|\b(?:the|of|in|on|for|people|number|patients?)\b|[例人个名位\s?？。.!！,，、:：]"
)


@dataclass(frozen=True)
class Context:
    """The last question's analysis, kept per chat and user: what a follow-up inherits."""

    thing: str | None  # the measured thing (a profile thing name: 确诊, 出院 …)
    qualifier: str | None = None  # 累计 / 新增 / 现有 as the question said it; None: the thing's default
    part: str = ""  # 境外输入 …
    place: str | None = None  # the place as a question writes it (醴陵); None: the home city
    date: str | None = None  # the ISO date asked; None: the newest report
    answered: str | None = None  # the ISO date the answer was about (what 昨天呢 counts from)
    question: str | None = None  # a question about no measured thing, as asked (攸县还有病人吗): 醴陵呢 asks it of 醴陵


@dataclass(frozen=True)
class Reading:
    """How one question (or one part of a message) is read: what to ask, the context it leaves, and the
    words that say how it was read when context was used (None when it was asked as written)."""

    question: str
    context: Context
    label: str | None = None


@dataclass(frozen=True)
class _Slots:
    """What one question names on its own."""

    thing: str | None
    qualifier: str | None
    part: str
    place: str | None
    date: str | None
    shift: int | None  # days relative to the last answer (昨天 -1)
    rest: str  # what is left once the slots, markers and fillers are taken out
    marked: bool  # says "the same, but" (那…呢)
    asks: bool  # has a question word (多少, 几个)


def _slots(question: str, profile: Profile, gaz: Gazetteer, year: int) -> _Slots:
    query = normalize(question, profile, gaz)
    text = query.lexical if query.english else query.text
    named = named_thing(query, profile)  # no default thing for a bare qualifier, unlike facts.question_thing
    thing = named.name if named else None
    part = next((p for p, words in profile.parts.items() if any(w in query.lexical for w in words)), "")
    place = None
    if query.places:
        place = query.place_words[0]
    elif query.home_places:
        place = gaz.label(query.home_places[0])
    elif any(word in query.text for word in query.home_words):
        place = profile.home_label
    shift = next((RELATIVE_DAYS[m.group()] for m in RELATIVE.finditer(query.text)), None)
    rest = text
    patterns = [QUESTION_DATE.pattern, RELATIVE.pattern, profile.pattern("quantity").pattern,
                *(re.escape(t.name) for t in profile.things), *(w for t in profile.things for w in t.question),
                *(w for ws in profile.question_qualifiers.values() for w in ws),
                *(re.escape(w) for ws in profile.parts.values() for w in ws),
                *(re.escape(w) for w in (*query.place_words, *query.home_words, *profile.english)),
                *(re.escape(w.lower()) for w, _ in (gaz.from_roman(question) if query.english else ())),
                *(re.escape(zh) for zh in (profile.english.values() if query.english else ()))]  # district → 区
    for start, end, _ in reversed(gaz.find(rest)):
        rest = rest[:start] + " " + rest[end:]
    rest = re.sub("|".join(f"(?:{p})" for p in patterns), " ", rest, flags=re.I)
    rest = FILLER.sub("", rest)
    return _Slots(thing, question_qualifier(query, profile), part, place, parse_question_date(query.text, year),
                  shift, rest, bool(MARKER.search(query.text.strip())), query.kind == "quantity")


def _date_words(iso: str, year: int) -> str:
    day = date.fromisoformat(iso)
    return f"{day.month}月{day.day}日" if day.year == year else date_label(day)


def question_of(context: Context, profile: Profile, year: int) -> str:
    """The full question a context stands for: "2月19日醴陵新增确诊多少"."""
    when = _date_words(context.date, year) if context.date else ""
    return f"{when}{context.place or ''}{context.qualifier or ''}{context.part}{context.thing}多少"


def label_of(context: Context, profile: Profile, gaz: Gazetteer, year: int) -> str:
    """How a follow-up was read: "醴陵市 · 累计出院", "2月19日 · 株洲 · 新增确诊"."""
    thing = profile.thing(context.thing or "")
    qualifier = context.qualifier or (thing.default if thing else "")
    if thing is not None and thing.kind == "rate":
        qualifier = ""
    place = gaz.lookup(context.place) if context.place else None
    where = gaz.label(place) if place is not None else context.place or profile.home_label
    when = [_date_words(context.date, year)] if context.date else []
    return " · ".join([*when, where, profile.metric(qualifier, context.thing or "", context.part)])


def merge(previous: Context | None, question: str, profile: Profile, gaz: Gazetteer, year: int,
          within: bool = False) -> Reading:
    """Read ``question`` after ``previous``: a short question naming only some of measure, qualifier, place and
    date ("那出院呢", "醴陵呢", "昨天呢", "那新增确诊呢") inherits the rest; a full one starts fresh.

    Args:
        within: a later part of the same message ("醴陵有几个确诊，出院了几个"): it inherits even when it
            names a measure and a question word.
    """
    now = _slots(question, profile, gaz, year)
    fresh = Context(now.thing, now.qualifier, now.part, now.place, now.date,
                    question=_as_read(question, profile) if now.thing is None and ASKS.search(question) else None)
    if previous is not None and previous.thing is None and previous.question and now.place and not (
            now.rest or now.thing or now.qualifier or now.part or now.date or now.shift is not None):
        asked = _asked_of(previous.question, now.place, gaz)  # 攸县还有病人吗 → 醴陵呢 → 醴陵市还有病人吗
        return Reading(asked, Context(None, place=now.place, question=asked), asked)
    named_year = YEAR.fullmatch(now.rest.strip())
    if previous is not None and previous.thing is None and previous.question and named_year and now.marked and not (
            now.thing or now.qualifier or now.part or now.place):
        asked = _in_year(previous.question, named_year.group())  # 德国2023年GDP下降了多少 → 那2022年呢 → 德国2022年GDP…
        return Reading(asked, Context(None, question=asked), asked)
    if previous is not None and previous.thing is None and now.thing and now.marked and not now.rest:
        # 北汽什么时候复产 → 那出院呢: the thing's own question, of the place and date the last one named
        named = Context(now.thing, now.qualifier, now.part, now.place or previous.place, now.date or previous.date)
        return Reading(question_of(named, profile, year), named, label_of(named, profile, gaz, year))
    if previous is None or previous.thing is None or now.rest:
        return Reading(question, fresh)
    full = now.thing is not None and now.asks and not now.marked
    if full and not within:
        if now.place or now.date or not (previous.date or _other_place(previous, profile)):
            return Reading(question, fresh)
        # "醴陵有几个确诊" then "出院了几个": asked afresh, of the home city and the newest report; the reply says so
        # (「株洲 · 累计出院」), so the city's figure is never read as 醴陵's
        return Reading(question, fresh, label_of(fresh, profile, gaz, year))
    if not (now.thing or now.qualifier or now.part or now.place or now.date or now.shift is not None or within):
        return Reading(question, fresh)
    thing = now.thing or previous.thing
    if now.qualifier is not None:
        qualifier = now.qualifier
    elif thing == previous.thing or (previous.qualifier in profile.period_qualifiers
                                      and profile.metric(previous.qualifier, thing or "") in profile.latest_order):
        qualifier = previous.qualifier  # 新增出院 → 确诊呢: still a day's count (新增在院 is no measure)
    else:
        qualifier = None
    part = now.part or (previous.part if thing == previous.thing else "")
    day = now.date or previous.date
    if now.date is None and now.shift is not None and (previous.date or previous.answered):
        day = (date.fromisoformat(previous.date or previous.answered) + timedelta(days=now.shift)).isoformat()
    merged = Context(thing, qualifier, part, now.place or previous.place, day)
    return Reading(question_of(merged, profile, year), merged, label_of(merged, profile, gaz, year))


def _other_place(previous: Context, profile: Profile) -> bool:
    """The last question named a place other than the home city."""
    return bool(previous.place) and previous.place != profile.home_label


def _asked_of(question: str, place: str, gaz: Gazetteer) -> str:
    """``question`` asked of ``place``: the first place it names replaced, else ``place`` put before it."""
    found = gaz.find(question)
    if not found:
        return f"{place}{question}"
    start, end, _ = found[0]
    return f"{question[:start]}{place}{question[end:]}"


def _in_year(question: str, year: str) -> str:
    """``question`` asked of ``year``: the first year it names replaced, else ``year`` put before it."""
    found = YEAR.search(question)
    return f"{question[:found.start()]}{year}{question[found.end():]}" if found else f"{year}{question}"


def bare_noun(previous: Context | None, question: str, profile: Profile, gaz: Gazetteer, year: int) -> str | None:
    """The noun of "那铁路呢" after a question about no measured thing (春运期间城区公交客运量多少): what ``sibling``
    may put in place of a word of that question; None when ``question`` names anything else or asks afresh."""
    if previous is None or previous.thing is not None or not previous.question:
        return None
    now = _slots(question, profile, gaz, year)
    noun = now.rest.strip()
    if not now.marked or now.asks or now.thing or now.qualifier or now.part or now.place or now.date or (
            now.shift is not None) or not NOUN.fullmatch(noun):
        return None
    return noun


def sibling(previous: Context, noun: str, texts: Iterable[str]) -> Reading | None:
    """``noun`` in place of the word of the last question that a report lists beside it ("…、铁路7622万人次、
    城区公交736.44万人次…": 春运期间城区公交客运量多少 → 那铁路呢 → 「春运期间铁路客运量多少」); None when no list in
    ``texts`` (the passages found for the two) names both."""
    for text in texts:
        for items in _lists(text):
            mine = next((i for i in items if noun in i), None)
            other = mine and max((i for i in items if i != mine and noun not in i and i in previous.question),
                                 key=len, default=None)
            if other:
                shared = os.path.commonprefix([mine[::-1], other[::-1]])[::-1]  # 游客 of 红色景点游客、乡村民宿游客
                asked = previous.question.replace(other, noun + shared if not noun.endswith(shared) else noun, 1)
                return Reading(asked, Context(None, question=asked), asked)
    return None


def _lists(text: str) -> list[list[str]]:
    """The items of each enumeration in ``text`` (the words before each value or mark, "、"-separated): "水路1018万人次、
    铁路7622万人次" → ["水路", "铁路"]."""
    out = []
    for clause in re.split(r"[，,；;。！？!?：:]", text):
        if "、" in clause:
            items = [m.group() for piece in clause.split("、") if (m := ITEM.match(piece.strip()))]
            if len(items) > 1:
                out.append(items)
    return out


def compare(previous: Context | None, question: str, profile: Profile, gaz: Gazetteer, year: int) -> list[Reading]:
    """"比前天多了多少", "比昨天增加了几例": the last question's figure and the one of the day compared with, each its
    own reading (no difference is computed: every number shown is printed in a quote); [] when ``question``
    compares nothing, or there is no day to count back from."""
    day = previous and previous.thing and (previous.date or previous.answered)
    if not day:
        return []
    found = COMPARE.fullmatch(normalize(question, profile, gaz).text.strip())
    if not found:
        return []
    back = RELATIVE_DAYS.get(found.group("when") or "", -1)
    earlier = (date.fromisoformat(day) + timedelta(days=min(back, -1))).isoformat()
    pair = [replace(previous, date=day, answered=None), replace(previous, date=earlier, answered=None)]
    return [Reading(question_of(c, profile, year), c, label_of(c, profile, gaz, year)) for c in pair]


def _as_read(question: str, profile: Profile) -> str:
    """The question with the home city's common misspellings read as it (株州 → 株洲): what a later label repeats."""
    for wrong, right in profile.misspellings.items():
        question = question.replace(wrong, right)
    return question


def answered(context: Context, asof: str | None) -> Context:
    """The context once answered: remembers the date the answer was about (what 昨天呢 counts back from)."""
    return replace(context, answered=asof[:10]) if asof else context


def split(question: str, profile: Profile) -> list[str]:
    """The questions of one message, in order ("醴陵有几个确诊，出院了几个" → two): a clause that asks something
    (a question word, or "…呢") ends a part; a clause that asks nothing joins the part it stands in."""
    cut = r"([，,；;？?！!。]+)" if is_english(question) else r"([，,；;？?！!。\s]+)"
    parts, lead = [], ""
    for clause in re.split(cut, question.strip()):
        lead += clause
        if clause and not re.fullmatch(cut, clause) and (
            profile.pattern("quantity").search(clause) or MARKER.search(clause)
        ):
            parts.append(lead)
            lead = ""
    if parts and lead:
        parts[-1] += lead
    return [p.strip(" ，,；;") for p in parts] if len(parts) > 1 else [question]
