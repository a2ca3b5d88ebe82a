"""Why a well-scored span still cannot be the bold answer: it is in another unit, counts another noun, is no
day or decade where one is asked, names another work, or belongs to another year, day or group than the one the
question names (``unbound``)."""

from __future__ import annotations

import re
from functools import lru_cache

from news.spans import CN, Span, find_spans, other_unit
from news.text import pos_tags
from retrieval.bold import Option, other_grain
from retrieval.normalize import Query
from retrieval.question import Asked, keywords
from retrieval.synonyms import synonym_coverage
from stores.lexical import tokenize

TITLE = re.compile(r"《([^《》]+)》")  # a named work (a book, a film, a treaty, a magazine)


def unbound(option: Option, asked: Asked, question: str, headline: str = "", written: str | None = None) -> str | None:
    """Why the span cannot be the bold answer although it scores well, or None: it is in another unit of the
    same kind than the one asked ("多少日" → "24小时"); with the asked counter, it counts another noun than the one
    asked, which its clause does not name ("几个国家" → "一个州"); the question asks a day (哪天) and the span says
    only a year or a month ("2020年" of "2020年春运结束"); the question asks a decade (哪一年代) and the span is no
    decade; the question names a work in book-title marks (《生活杂志》) and the sentence names only another one
    (``headline``, the article's folded headline, may name the asked one: an article about the work); the
    question qualifies what it asks with a year, a date or a duration in digits (2021年, 6个月以上) that the span's
    clause gives with another value (``written``: the question as the reader wrote it, folded; its digits are
    the reader's own, not numerals read as digits: 五月天 is a band); the question counts a noun (多少员工) its
    sentence never names.

    Tried and left out, each refusing as many right answers on TUNE as wrong ones or more: an event said to happen
    after or until the year ("1992年，苏联解体后"); the asked thing named with another name after the span
    ("阪神大地震" → "1923年发生关东大地震", but also the apposition "1869年的《海鸟保护法》"); a year right before the
    subject's name (2020年春运 for 春运哪天结束, but also "2009年赵鹏入选国家队": 8 right TUNE answers refused)."""
    text, span = option.cand.match, option.span
    if _unmeasured(text, asked):
        return "unmeasured"  # 多少员工 → "市、区两级防疫检查组…": the sentence never names what is counted
    if other_unit(question, text, span):
        return "unit"  # "多少日" → "24小时"; not "几月" → "1918年6月", which says its month
    if span.type == "number" and asked.measure.unit and span.unit == asked.measure.unit and asked.measure.after:
        counted, asked_noun = _noun_at(text, span.end), _noun_at(asked.measure.after, 0)
        if counted and asked_noun and asked_noun not in text[span.end : option.clause[1]] and not (
                counted.startswith(asked_noun[:2]) or asked_noun.startswith(counted[:2])):
            return "counted"
    if (coarse := other_grain(question, text[span.start : span.end], span)) is not None:
        return coarse  # bold.options leaves such spans out; an option made by hand may still hold one
    if _other_qualifier(text, option.clause, span, question if written is None else written, asked.type):
        return "qualifier"  # 就业6个月以上的村民 → "连续就业3个月以上的342人"; 2021年 → a clause about 2020年
    asked_titles = set(TITLE.findall(question))
    if (asked_titles and not any(t in text or t in headline for t in asked_titles)
            and set(TITLE.findall(text)) - asked_titles):
        return "title"  # the sentence names another work where the question names its own (《电视指南》 for 《生活杂志》)
    return None


def _unmeasured(sentence: str, asked: Asked) -> bool:
    """A count asked of a noun without a counter (多少 "员工") that the sentence names neither itself nor as one of
    its synonyms (职工). On the TUNE halves no right bold had such a sentence; with a counter (多少趟列车 → 8班) the
    unit and counted-noun checks decide."""
    if asked.type != "count" or asked.measure.unit or asked.measure.dimension:
        return False
    words = _counted_words(asked.measure.after)
    return bool(words) and synonym_coverage(words, sentence) == 0.0


@lru_cache(maxsize=1024)
def _counted_words(after: str) -> dict[str, float]:
    return {t: 1.0 for t in tokenize(after) if len(t) > 1}


QUALIFIER_TYPES = ("year", "date", "duration")
BASE = re.compile(r"(?:比|较|同比|相比|与|和|从|自|到|至|于)$")  # a comparison's base or a range's end, not a qualifier


def _qualifiers(text: str) -> dict[tuple[str, str], set[str]]:
    """The years, dates and durations a text says in digits, by (type, unit): {("duration", "个月"): {"6"}} (哪一年
    and 五月天 say none)."""
    out: dict[tuple[str, str], set[str]] = {}
    for s in find_spans(text):
        if s.type in QUALIFIER_TYPES:
            said = text[s.start : s.end]
            value = re.match(rf"[\d.{CN}]*", said).group()
            if re.search(r"\d", said):
                out.setdefault((s.type, said[len(value):] if s.type == "duration" else ""), set()).add(value or said)
    return out


def _other_qualifier(text: str, clause: tuple[int, int], span: Span, question: str, asked: str) -> bool:
    """The question qualifies what it asks with a year, a date or a duration (2021年, 6个月以上) that the span's
    clause says with another value of the same kind and unit, and not with its own: the clause is about another
    year, day or group (连续就业3个月以上的342人 for 就业6个月以上的村民). A comparison's base (比2020年) or a
    range's end is no such qualifier."""
    wanted = {k: v for k, v in _qualifiers(question).items()
              if k[0] != asked and not (asked == "when" and k[0] == "date")}
    if not wanted:
        return False
    start, end = clause
    said: dict[tuple[str, str], set[str]] = {}
    for s in find_spans(text[start:end]):
        if s.type in QUALIFIER_TYPES and (s.start + start, s.end + start) != (span.start, span.end) \
                and not BASE.search(text[max(0, start + s.start - 2) : start + s.start]):
            piece = text[start + s.start : start + s.end]
            value = re.match(rf"[\d.{CN}]*", piece).group()
            said.setdefault((s.type, piece[len(value):] if s.type == "duration" else ""), set()).add(value or piece)
    return any(key in said and not (said[key] & values) for key, values in wanted.items())


def _noun_at(text: str, start: int) -> str:
    """The noun (jieba's tag) that starts at ``start`` of ``text``; "" for another word."""
    word = next(((b, flag) for a, b, flag in pos_tags(text[start : start + 8]) if a == 0), None)
    return text[start : start + word[0]] if word and word[1].startswith("n") else ""


def overtaken(option: Option, found: list[Option], query: Query) -> bool:
    """A later clause of the same sentence says the same of another item, with the same word right before its
    number, and names a word of the question this clause does not: in "与“一带一路”沿线国家服务贸易额增长33%，与
    金砖国家增长52%" the second clause gives 金砖国家's figure, and the first is another item's. (Any later clause
    naming a missing word was too broad: 3 right TUNE bolds and 2 HELD ones lost, session 10.)"""
    words = [w for w in keywords(query) if len(w) > 1 and not w.isdigit()]
    mine = option.cand.match[slice(*option.clause)]
    missing = [w for w in words if w not in mine]
    verb = _word_before(option)
    if not missing or not verb:
        return False
    return any(other.cand is option.cand and other.span.type == option.span.type
               and other.clause[0] >= option.clause[1] and _word_before(other) == verb
               and any(w in other.cand.match[slice(*other.clause)] for w in missing) for other in found)


def _word_before(option: Option) -> str:
    """The word right before the span in its clause (增长 of 增长33%); "" when it is shorter than two characters."""
    left = option.cand.match[option.clause[0] : option.span.start][-8:]
    tags = pos_tags(left)
    word = left[tags[-1][0] : tags[-1][1]] if tags else ""
    return word if len(word) > 1 else ""
