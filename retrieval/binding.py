"""How a number in a text binds to the question: the asked noun next to it, its counter, its qualifier."""

from __future__ import annotations

import re

from news.spans import Span
from news.text import NUMBER
from retrieval.normalize import Query
from retrieval.question import GAP, MEASURE, Measure, measure

FILLER = re.compile(r"[已了有共为是达的]")  # "寄递企业已复工43家" answers "寄递企业复工了多少家"
QUALIFIERS = (("累计", "新增", "现有"), ("确诊", "死亡", "出院", "治愈", "重症", "疑似", "密切接触"))


def _common_edge(phrase: str, window: str, suffix: bool, touching: bool = False) -> int:
    """Length of the longest end (suffix=True) or start of ``phrase`` that occurs in ``window``
    (with ``touching``: that ends the window, for a suffix, or starts it, for a prefix)."""
    for n in range(min(len(phrase), 6), 1, -1):
        piece = phrase[-n:] if suffix else phrase[:n]
        if (window.endswith(piece) if suffix else window.startswith(piece)) if touching else piece in window:
            return n
    return 0


def _common_run(phrase: str, window: str) -> int:
    """Length of the longest run of characters (2 or more) shared by ``phrase`` and ``window``."""
    best = 0
    for i in range(len(phrase)):
        for j in range(i + max(2, best + 1), len(phrase) + 1):
            if phrase[i:j] in window:
                best = j - i
            else:
                break
    return best


def _without_end(window: str, noun: str) -> str:
    """``window`` less the start of ``noun`` (two characters or more) that ends it; "" when none does."""
    n = next((n for n in range(len(noun), 1, -1) if window.endswith(noun[:n])), 0)
    return window[:-n] if n else ""


def binding(text: str, query: Query) -> int:
    """How directly a number in ``text`` measures what was asked (the best of ``number_binding``)."""
    asked = measure(query, query.ask)
    return max((number_binding(text, m.start(), m.end(), asked, query.text) for m in NUMBER.finditer(text)),
               default=0)


def number_binding(text: str, start: int, end: int, asked: Measure, question: str) -> int:
    """How directly the number ``text[start:end]`` measures what was asked: "复工率84%" for "复工率是多少",
    "17万个口罩" for "多少个口罩", "班线170条" for "多少条班线". 0 when it does not sit next to the asked
    words. The words before 多少 must end right before the number; those after it may sit on either side."""
    before, after, unit = asked.before, asked.after, asked.unit
    left = FILLER.sub("", GAP.sub("", text[max(0, start - 10) : start].rstrip()))
    right = MEASURE.sub("", text[end : end + 12].lstrip("%万亿"))
    raw_left = GAP.sub("", text[max(0, start - 10) : start].rstrip())
    score = max(  # the asked noun touches the number: "复工率84%", "33514件瓷瓶"
        _common_edge(before, left, True, touching=True), _common_edge(before, raw_left, True, touching=True),
        next((n for n in range(min(len(before), 6), 1, -1) if right.startswith(before[-n:])), 0),
        # the noun after 多少 stands between them: "捐赠了多少口罩" → "捐赠口罩1050个"
        _common_edge(before, _without_end(left, after), True, touching=True) if after else 0,
    ) if before else 0
    if score and len(before) - score >= 2:  # the rest of the asked noun just before: "寄递企业…复工率84%"
        score += _common_run(before[:-score], text[max(0, start - 40) : start])
    elif before and not score:  # a list item names the asked thing without the list's head noun: "城区公交736.44万"
        score = next((n for n in range(min(len(left), 6), 1, -1) if left[-n:] in before), 0)
    if after:
        score += max(_common_edge(after, right[:8], False), _common_run(after, left))
    if unit and re.match(rf"[余多]?[万亿]?[余多]?{unit}", text[end : end + 4]):
        score += 2  # "隔离多少天" → "14天"
    near = re.split(r"[，。；：,;]", text[:start])[-1]  # the clause up to the number
    for group in QUALIFIERS:  # a 新增 figure does not answer a 累计 question, nor 死亡 a 确诊 one
        said = [w for w in group if w in question]
        if said and not any(w in near for w in said) and any(w in near for w in group):
            score -= 3
    return score


def binding_after(lead: str, value: str, size: int, asked: Measure, question: str) -> int:
    """``number_binding`` of the number that opens ``value`` (``size`` characters) read right after ``lead``: a list
    item's words with the head noun they leave out, the clause a change goes on from, a "分别" list's item."""
    return number_binding(lead + value, len(lead), len(lead) + size, asked, question)


def respective(text: str, span: Span) -> tuple[tuple[int, int], str, str, str, str] | None:
    """For a span in the values of "…分别…" ("A、B、C分别为x、y、z"; "A 100人、B 200人，分别下降5%、6%"), the item
    it belongs to, by position: (the item's offsets, the words from 分别 to the first value ("分别下降"), the
    item's words before its first number ("铁路"), the span's value item, and the first item's words before its
    number for a later item: the head noun the others leave out ("其中道路客运量")); None for any other span, or
    when the items and the values do not pair up."""
    at = text.rfind("分别", 0, span.start)
    if at < 0 or re.search(r"[，。；：,;]", text[at : span.start]):
        return None
    first = NUMBER.search(text, at, span.start + 1)
    cut = re.search(r"[，。；：,;]|$", text[at:])
    values = text[first.start() : at + cut.start()].split("、") if first else []
    index = text.count("、", first.start(), span.start) if first else -1
    lead = text[:at].rstrip("，, ")
    items = lead.split("、")
    if len(values) < 2 or len(items) < len(values) or not 0 <= index < len(values):
        return None
    items = items[len(items) - len(values) :]
    items[0] = re.split(r"[，。；：,;]", items[0])[-1]
    end = len(lead) - sum(len(i) + 1 for i in items[index + 1 :])
    start = end - len(items[index])
    name, common = (NUMBER.split(items[i], maxsplit=1)[0] for i in (index, 0))
    return (start, end), text[at : first.start()], name, values[index], common if index else ""
