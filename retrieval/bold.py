"""Typed bold on the sentence path: a span of the asked type, bound to the question, scored by a small fitted model."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from config.profile import Profile
from news.spans import Span, answers, find_spans
from news.text import NUMBER, fold
from retrieval.binding import number_binding
from retrieval.compose import CLAUSE, Candidate
from retrieval.normalize import Query
from retrieval.question import Asked, coverage, keywords

MODEL = Path(__file__).resolve().parent / "bold_model.json"
TYPES = ("year", "when", "clock", "percent", "duration", "count")  # the asked types this path answers
SENTENCES = 6  # best candidate sentences whose spans are scored
FEATURES = (
    "clause", "near", "sentence", "context", "retrieval", "rank", "noun", "unit", "alone_clause",
    "alone_sentence", "subject", "title", *(f"type_{t}" for t in TYPES),
)


@dataclass(frozen=True)
class Option:
    """One span that could be the bold answer: its sentence, rank, clause (offsets in ``cand.text``), features."""

    cand: Candidate
    rank: int
    span: Span
    clause: tuple[int, int]
    features: tuple[float, ...]


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


def options(query: Query, asked: Asked, ranked: list[Candidate], title_of, profile: Profile) -> list[Option]:
    """Every span of the asked type in the best sentences (outside the paper's dateline), with its features;
    ``title_of(cand)`` is the headline of the candidate's article."""
    words = keywords(query)
    subject = {w: 1.0 for w in asked.subject}
    out: list[Option] = []
    sentences = [c for c in ranked if c.start >= 0 and c.own > 0][:SENTENCES]
    for rank, cand in enumerate(sentences):
        skip = len(cand.text) - len(profile.strip_dateline(cand.text))
        spans = [s for s in find_spans(cand.match) if s.start >= skip and answers(asked.type, s)]
        clauses = [(max(skip, m.start()), m.end()) for m in CLAUSE.finditer(cand.match) if m.end() > skip]
        title = fold(title_of(cand))
        for span in spans:
            clause = next((c for c in clauses if c[0] <= span.start < c[1]), (0, len(cand.match)))
            text = cand.match[clause[0] : clause[1]]
            in_clause = sum(clause[0] <= s.start < clause[1] for s in spans) - 1
            window = cand.match[max(0, span.start - 12) : span.end + 12]
            noun = number_binding(cand.match, span.start, span.end, asked.measure, query.text)
            unit = bool(asked.measure.unit) and asked.measure.unit in cand.match[span.start : span.end + 2]
            features = (
                coverage(words, text), coverage(words, window), cand.own, cand.context, cand.retrieval,
                1.0 / (1 + rank), max(-1.0, min(noun, 6) / 6), float(unit), 1.0 / (1 + in_clause),
                1.0 / len(spans), coverage(subject, cand.match), coverage(subject, title),
                *(float(asked.type == t) for t in TYPES),
            )
            out.append(Option(cand, rank, span, clause, features))
    return out


def choose(options: list[Option], model: BoldModel) -> tuple[Option | None, float]:
    """The best-scored option and its score (None, 0 when there is none)."""
    scored = [(model.score(o.features), -o.rank, -o.span.start, o) for o in options]
    if not scored:
        return None, 0.0
    best = max(scored, key=lambda s: s[:3])
    return best[3], best[0]


def bold_text(option: Option) -> str:
    """The clause that holds the chosen span, as the article prints it (trimmed of its punctuation); of an
    enumeration ("口罩1050个、消毒液420公斤"), the item that holds it."""
    start, end = option.clause
    text = option.cand.match
    if "、" in text[start:end] and len(NUMBER.findall(text[start:end])) > 1:
        start = max(start, text.rfind("、", start, option.span.start) + 1)
        cut = text.find("、", option.span.end, end)
        end = cut if cut >= 0 else end
    return re.sub(r"^[\s“”\"]+|[\s，；：。！？,;!?“”\"]+$", "", option.cand.text[start:end])
