"""Typed bold on the sentence path: a span of the asked type, bound to the question, scored by a small fitted model."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from config.profile import Profile
from news.spans import CN, Span, answers, find_spans, fits, other_unit
from news.text import NUMBER, fold, pos_tags
from retrieval.binding import binding_after, number_binding, respective
from retrieval.compose import CLAUSE, HAN, Candidate, trim_clause
from retrieval.normalize import Query
from retrieval.question import Asked, coverage, keywords

MODEL = Path(__file__).resolve().parent / "bold_model.json"
TYPES = ("year", "when", "clock", "ordinal", "percent", "duration", "count", "change")  # the asked types this path answers
QUANTITIES = ("count", "change", "percent")  # the asked types that measure the asked noun: its number is bound to it
TYPE_FEATURES = TYPES[:-1]  # a change question (下降了多少) is scored as a count
CHANGE_OPENS = re.compile(r"(?:同比|环比)?(?:下降|下跌|下滑|回落|降低|减少|增长|增加|上升|上涨|提高|提升)")  # the
# profiles' change words, as the text writes them
SENTENCES = 6  # best candidate sentences whose spans are scored
# the sentence's context (headline and neighbours) is left out: on the tuning sets it only told apart articles
# named after their subject (a weight below 0 that cost right answers elsewhere); the binding of the asked noun
# counts again where the clause is the best one and where it holds the question's words
FEATURES = (
    "clause", "near", "sentence", "retrieval", "rank", "noun", "unit", "alone_clause", "alone_sentence",
    "subject", "title", "clash",
    "event_clause", "event_near",  # the question's words other than its subject (度过, 解体, 成立) in the clause
    "names_subject",  # a year or date that names the subject ("2020年春运" for 春运哪天结束), not when it happened
    "dimension",  # 多远/多长/多重/面积多大: +1 a unit of that dimension follows the number, -1 another word does
    "measured",  # the words of the measured noun phrase (城区公交客运量) in the span's clause
    "agree", "elsewhere",  # elsewhere: another sentence (another report) gives the same value
    "best_clause", "noun_best_clause", "noun_clause",
    # how far the span is behind the question's best one on the asked noun, the words around it, its clause's words
    # and its chunk's retrieval score (a linear score cannot compare the options of one question by itself)
    "behind_noun", "behind_near", "behind_clause", "behind_retrieval", "in_question",
    "when_date", "when_year",  # which kind of span answers a "when" question: a date, or a bare year
    *(f"type_{t}" for t in TYPE_FEATURES),
)


@dataclass(frozen=True)
class Option:
    """One span that could be the bold answer: its sentence, rank, clause (offsets in ``cand.text``), features."""

    cand: Candidate
    rank: int
    span: Span
    clause: tuple[int, int]
    features: tuple[float, ...]
    event: tuple[int, int] | None = None  # the clause that says what happened at a bare date's time


@dataclass(frozen=True)
class BoldModel:
    """A logistic score over FEATURES and the threshold above which a span is bold (fitted by
    ``python -m bench.general_qa --fit`` on the TUNE halves; see the JSON file for its provenance)."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def score(self, features: tuple[float, ...]) -> float:
        z = self.intercept + sum(c * f for c, f in zip(self.coef, features, strict=True))
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL) -> BoldModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: fitted on other features; refit with python -m bench.general_qa --fit")
    return BoldModel(tuple(data["coef"]), data["intercept"], data["threshold"])


DAY_ASKED = re.compile(r"哪一?天|哪一?日|几号|几月几[日号]|什么日子|which day|what date")  # a day, not a year or month
DECADE_ASKED = re.compile(r"(?:哪一?个?|什么)年代")  # a decade (1920年代, 九十年代), not a year


def other_grain(question: str, said: str, span: Span) -> str | None:
    """Why a date span is not of the asked grain, or None: 哪天 asks a day, and "2020年" of "2020年春运结束" says
    none ("七月初十" does): "no_day"; 哪一年代 asks a decade, and "1998年" is a year of it, at best: "no_decade"."""
    if DAY_ASKED.search(question) and (span.type == "year" or re.search(r"(?:年|月|季|年代|世纪|[春夏秋冬])$", said)):
        return "no_day"
    if DECADE_ASKED.search(question) and not said.endswith("年代"):
        return "no_decade"
    return None


def options(query: Query, asked: Asked, ranked: list[Candidate], title_of, profile: Profile) -> list[Option]:
    """Every span of the asked type in the best sentences and headlines (outside the paper's dateline), with its
    features; ``title_of(cand)`` is the headline of the candidate's article."""
    words = keywords(query)
    subject = {w: 1.0 for w in asked.subject}
    acts = {w: v for w, v in words.items() if not any(w in s or s in w for s in asked.subject)}
    measured = measured_words(words, asked)
    found: list[tuple[Candidate, int, Span, tuple[int, int], tuple[int, int] | None, dict[str, float]]] = []
    for rank, cand in enumerate([c for c in ranked if c.own > 0][:SENTENCES]):
        skip = len(cand.text) - len(profile.strip_dateline(cand.text))
        spans = [s for s in find_spans(cand.match) if s.start >= skip and answers(asked.type, s)
                 and other_grain(query.text, cand.match[s.start : s.end], s) is None  # not 2020年 for 哪天
                 and not other_unit(query.text, cand.match, s)]
        clauses = [(max(skip, m.start()), m.end()) for m in CLAUSE.finditer(cand.match) if m.end() > skip]
        title = fold(title_of(cand))
        for span in spans:
            clause = _clause(cand.match, clauses, span)
            event = _event(cand.match, clauses, clause, span, words)
            text = cand.match[slice(*event or clause)]
            window = cand.match[max(0, span.start - 12) : span.end + 12]
            noun = number_binding(cand.match, span.start, span.end, asked.measure, query.text)
            item = respective(cand.match, span)
            head = _elided_head(cand.match, clause, measured) if item is None else ""
            said, size = cand.match[span.start : span.end], span.end - span.start
            if head:  # the item's words with the head noun they leave out bind the number: 铁路 + 客运量 + 7622万
                named = cand.match[clause[0] : span.start].lstrip("、") + head
                noun = max(noun, binding_after(named, said, size, asked.measure, query.text))
            chained = _chained(cand.match, clauses, clause) if item is None and not head else ""
            if chained:  # "全市高速公路出入口总流量为35475万台次，下降56.3%": 56.3% is the 总流量's fall
                first = NUMBER.search(chained)
                noun = max(noun, binding_after(chained[: first.start()] if first else chained, said, size, asked.measure,
                                                query.text))
            head = head or chained
            if head:  # "其中道路客运量20365万人次、…、城区公交736.44万人次": 736.44 counts 城区公交's 客运量
                text, window = head + text, head + window
            if item is not None:  # "铁路7622万人次、…，分别下降55.4%、46%、50.8%": 50.8% is the railway's
                event, (lead, named, value, common) = item[0], item[1:]
                text = window = common + cand.match[slice(*event)] + lead + value
                noun = max(noun, binding_after(named, value, size, asked.measure, query.text))
            found.append((cand, rank, span, clause, event, {
                "clause": coverage(words, text), "near": coverage(words, window), "sentence": cand.own,
                "retrieval": cand.retrieval, "rank": 1.0 / (1 + rank), "noun": max(-1.0, min(noun, 6) / 6),
                "unit": float(bool(asked.measure.unit) and asked.measure.unit in cand.match[span.start : span.end + 2]),
                "alone_clause": 1.0 / sum(clause[0] <= s.start < clause[1] for s in spans),
                "alone_sentence": 1.0 / len(spans),
                "subject": coverage(subject, cand.match), "title": coverage(subject, title),
                "clash": clash(cand.match[clause[0] : span.start], asked.measure.before, query.text),
                # a question with no words besides its subject (高速公路出入口总流量是多少) misses none of them
                "event_clause": coverage(acts, text) if acts else 1.0, "event_near": coverage(acts, window) if acts else 1.0,
                "names_subject": float(span.type in ("year", "date")
                                       and any(cand.match.startswith(w, span.end) for w in asked.subject)),
                "dimension": _dimension(asked.measure.dimension, cand.match, span),
                "measured": coverage(measured, text),
            }))
    rows = _with_the_others(found, query, asked)
    return [Option(cand, rank, span, clause, features, event)
            for (cand, rank, span, clause, event, _), features in zip(found, rows, strict=True)]


def measured_words(words: dict[str, float], asked: Asked) -> dict[str, float]:
    """The question's keywords in its measured noun phrase, longest only (客运量, not also 运量)."""
    measured = {w: v for w, v in words.items() if w in asked.measure.before + " " + asked.measure.after}
    return {w: v for w, v in measured.items() if not any(w != o and w in o for o in measured)}


def dominated(option: Option, found: list[Option], query: Query, asked: Asked) -> bool:
    """Another span of the same sentence is bound to more of the measured noun phrase: its clause (with the head
    noun an enumeration's first item gives the others) holds every measured word this one's does, and more. The
    whole's figure is no answer for a part: 全市累计完成客运量1171.73万人次 for 城区公交客运量, when the sentence
    also says 其中道路客运量…、城区公交736.44万人次."""
    measured = measured_words(keywords(query), asked)
    if len(measured) < 2:
        return False
    mine = _bound_words(option, measured)
    return any(other.cand is option.cand and other.span != option.span and _bound_words(other, measured) > mine
               for other in found)


def _bound_words(option: Option, measured: dict[str, float]) -> frozenset[str]:
    text = option.cand.match
    start, end = option.clause
    clauses = [(m.start(), m.end()) for m in CLAUSE.finditer(text)]
    whole = next((c for c in clauses if c[0] <= option.span.start < c[1]), None)
    head = ""
    if whole is not None and "、" in text[slice(*whole)] and start > whole[0]:  # a later item: the first one's head
        first = NUMBER.search(text, *whole)
        head = text[whole[0] : first.start()] if first else ""
    head = head or _chained(text, clauses, option.clause)
    said = head + text[start:end]
    return frozenset(w for w in measured if w in said)


def _elided_head(text: str, clause: tuple[int, int], measured: dict[str, float]) -> str:
    """For a later item of an enumeration that names some of the measured words but not the list's head noun
    ("城区公交736.44万人次" of "其中道路客运量20365万人次、水路…、城区公交736.44万人次"), the head noun the first item
    gives and the later ones leave out ("客运量"); "" otherwise. An item that names none of the measured words
    keeps its own noun ("软条8枚" after "背鳍硬棘13枚" counts 软条, not 硬棘)."""
    start, end = clause
    whole = next((m for m in CLAUSE.finditer(text) if m.start() <= start < m.end()), None)
    if whole is None or start <= whole.start() or "、" not in text[whole.start() : start]:
        return ""
    first = NUMBER.search(text, whole.start(), whole.end())
    if first is None or first.start() >= start:
        return ""
    lead = text[whole.start() : first.start()]
    words = [(lead[a:b], flag) for a, b, flag in pos_tags(lead)]
    last, flag = words[-1] if words else ("", "")
    noun = last if len(last) > 1 and flag[:1] not in ("r", "p", "c", "u", "d", "m", "q") else ""  # not 为, 达到
    number = NUMBER.search(text, start, end)
    own = text[start : number.start()] if number else ""
    named = [w for w in measured if w in own and w not in noun]
    return noun if noun and named and noun not in own else ""


def _chained(text: str, clauses: list[tuple[int, int]], clause: tuple[int, int]) -> str:
    """A clause that opens with a change (下降56.3%, 同比增长8%) tells the change of what the clause before it, after a
    comma, measures ("全市高速公路出入口总流量为35475万台次，下降56.3%"): that clause; "" otherwise."""
    before = [c for c in clauses if c[1] <= clause[0]]
    if not before or not text[before[-1][0] : clause[0]].rstrip().endswith(("，", ",")):
        return ""
    return text[before[-1][0] : clause[0]] if CHANGE_OPENS.match(text, clause[0]) else ""


def _with_the_others(found: list[tuple], query: Query, asked: Asked) -> list[tuple[float, ...]]:
    """Each option's features in FEATURES order, with those that compare it with the question's other options:
    its value's agreement, how far it is behind the best on the asked noun, the words around it, its clause's
    words and its chunk's score, and the asked type."""
    values = [_value(cand.match[span.start : span.end]) for cand, _, span, *_ in found]
    if asked.type in QUANTITIES:
        _rescale_retrieval([f[-1] for f in found])
    best = {k: max((f[-1][k] for f in found), default=0.0) for k in ("clause", "near", "retrieval", "noun")}
    said_in: dict[tuple[str, ...], set[int]] = {}  # value → the sentences (ids) that say it
    for (cand, *_), value in zip(found, values, strict=True):
        said_in.setdefault(value, set()).add(id(cand))
    out = []
    for (cand, _, span, _, _, own), value in zip(found, values, strict=True):
        top = float(own["clause"] >= best["clause"])
        f = own | {
            "agree": values.count(value) / len(values), "elsewhere": float(bool(said_in[value] - {id(cand)})),
            "best_clause": top, "noun_best_clause": own["noun"] * top, "noun_clause": own["noun"] * own["clause"],
            **{f"behind_{k}": own[k] - best[k] for k in ("noun", "near", "clause", "retrieval")},
            "in_question": float(_in_question(value, query.text)),
            "when_date": float(asked.type == "when" and span.type == "date"),
            "when_year": float(asked.type == "when" and span.type == "year"),
            **{f"type_{t}": float(asked.type == t or (t, asked.type) == ("count", "change")) for t in TYPE_FEATURES},
        }
        out.append(tuple(f[name] for name in FEATURES))
    return out


def _rescale_retrieval(found: list[dict[str, float]]) -> None:
    """A figure bound to the asked noun in full (noun 1: 6 or more characters of the asked words touch it) has its
    chunk score as a share of the best chunk's that holds any option bound to the asked noun, not of the search's
    best chunk: a report on the asked thing that gives no figure of it ("调度机关干部进社区") says nothing against
    the figure another report gives ("组织1.7万余名机关干部进社区", its fourth chunk). For quantities only (a year or
    a date next to the subject's words is not a figure of it). On the TUNE halves 0.57 of the fully bound options
    are right, 0.20 of those bound by 1-2 characters: a weak binding lifts nothing."""
    scale = max((f["retrieval"] for f in found if f["noun"] > 0), default=0.0)
    if scale > 0:
        for f in found:
            if f["noun"] >= 1.0:
                f["retrieval"] = min(1.0, f["retrieval"] / scale)


def _dimension(dimension: str | None, text: str, span: Span) -> float:
    """+1 when the asked dimension's unit follows the number ("13.23米" for 多长), -1 when it does not, 0 when no
    dimension is asked."""
    if dimension is None:
        return 0.0
    digits = re.match(rf"[\d.,{CN}]*", text[span.start : span.end]).end()
    return 1.0 if fits(dimension, text[span.start + digits : span.start + digits + 8]) else -1.0


def _in_question(value: tuple[str, ...], question: str) -> bool:
    """The span says what the question already says ("…到1949年" asks for the start, not 1949年)."""
    return all(re.search(rf"(?<![\d.]){re.escape(v)}(?![\d.])", question) for v in value)


def _clause(text: str, clauses: list[tuple[int, int]], span: Span) -> tuple[int, int]:
    """The clause that holds ``span``; in an enumeration ("口罩1050个、消毒液420公斤"), the item that holds it."""
    start, end = next((c for c in clauses if c[0] <= span.start < c[1]), (0, len(text)))
    if "、" in text[start:end] and len(NUMBER.findall(text[start:end])) > 1:
        start = max(start, text.rfind("、", start, span.start) + 1)
        cut = text.find("、", span.end, end)
        end = cut if cut >= 0 else end
    return start, end


def _event(text: str, clauses: list[tuple[int, int]], clause: tuple[int, int], span: Span, words) -> tuple[int, int] | None:
    """For a clause that is only its date or time ("2月16日8时许，"), the clause of the sentence that says what
    happened then (the one with most of the question's words); None otherwise."""
    rest = text[clause[0] : span.start] + text[span.end : clause[1]]
    if span.type not in ("date", "year", "clock") or len(HAN.findall(rest)) > 3:
        return None
    others = [(coverage(words, text[a:b]), -a, (a, b)) for a, b in clauses if (a, b) != clause]
    best = max(others, default=None)
    return best[2] if best and best[0] > 0 else None


def clash(left: str, before: str, question: str) -> float:
    """1.0 when the clause names something else where the question names its own: it shares the end of the
    asked words ("面积") but a noun the question does not say stands right before them ("地下室面积" for
    "广场面积")."""
    for n in range(min(len(before), 8), 1, -1):
        at = left.rfind(before[-n:])
        if at > 0:
            word = next(((a, flag) for a, b, flag in pos_tags(left) if a < at <= b), None)
            if word is None:
                return 0.0
            name = left[word[0] : at]
            return float(len(name) >= 2 and word[1].startswith("n") and name not in question)
    return 0.0


def _value(text: str) -> tuple[str, ...]:
    """What a span says, for agreement between sentences: its numbers, else its text."""
    return tuple(NUMBER.findall(text)) or (text,)


def choose(scored: list[tuple[float, Option]]) -> tuple[Option | None, float]:
    """The best of (score, option) pairs, earlier sentences and spans first on a tie; (None, 0) when empty."""
    if not scored:
        return None, 0.0
    score, option = max(scored, key=lambda s: (s[0], -s[1].rank, -s[1].span.start))
    return option, score


def bold_text(option: Option) -> str:
    """The clause that holds the chosen span (the enumeration item; a bare date with the clause of its event),
    as the article prints it, trimmed of its punctuation."""
    parts = sorted(p for p in (option.clause, option.event) if p)
    return "，".join(trim_clause(option.cand.text[a:b]) for a, b in parts)

