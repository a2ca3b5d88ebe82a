"""Fit the sentence path's bold model (retrieval/bold_model.json) on the TUNE halves of the general-QA sets.

Every span the engine would score for a TUNE question is a row (its features, and whether it is the gold
answer); a logistic regression (scikit-learn) is fitted on the rows, and the threshold is the lowest score at
which the questions' best spans are still right in at least ``target`` of the cases on TUNE. HELD questions
are never read here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench.general_qa import is_gold
from retrieval.bold import FEATURES, MODEL, BoldModel, load_model, options
from retrieval.compose import candidates
from retrieval.normalize import normalize
from retrieval.question import analyse
from retrieval.search import HybridSearcher
from retrieval.sentence import answer_pool

TARGET = 0.96  # bold precision asked of the threshold on TUNE (the goal on HELD is 0.95)


def collect(engine, items) -> list[list[tuple[tuple[float, ...], bool]]]:
    """For each item: its options' (features, is gold) rows, as the engine would score them."""
    snap, profile = engine.snapshot, engine.profile
    searcher = HybridSearcher(engine.embedder, snap.vectors, snap.lexical)
    out = []
    for item in items:
        query = normalize(item.question, profile, engine.gazetteer)
        asked = analyse(query, profile)
        hits = searcher.search(query.text, query.lexical, engine.fusion, limit=10)
        ranked = candidates(query, snap, hits)
        if not ranked:
            continue
        group = answer_pool(query, asked, snap, ranked, lambda c: engine._home(snap, c),
                            engine.settings.default_year)
        found = options(query, asked, group, lambda c: snap.articles[c.article_id].title, profile)
        out.append([(o.features, is_gold(o.cand.match[o.span.start : o.span.end], item.answers))
                     for o in found])
    return out


def fit(questions: list[list[tuple[tuple[float, ...], bool]]], sets: list[str]) -> dict:
    """Fit, choose the threshold on the same (TUNE) questions, write retrieval/bold_model.json; its content."""
    from sklearn.linear_model import LogisticRegression  # a kept library; only the fit needs it

    rows = [r for q in questions for r in q]
    model = LogisticRegression(C=1.0, max_iter=5000)
    model.fit([f for f, _ in rows], [int(y) for _, y in rows])
    fitted = BoldModel(tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0]), 1.0)
    best = []
    for q in questions:
        scored = [(fitted.score(f), y) for f, y in q]
        if scored:
            best.append(max(scored, key=lambda s: s[0]))
    best.sort(key=lambda s: -s[0])
    threshold, right, kept = 1.0, 0, (0, 0)
    for n, (score, y) in enumerate(best, 1):
        right += y
        if right / n >= TARGET and (n == len(best) or best[n][0] < score):
            threshold, kept = score, (right, n)
    data = {
        "features": list(FEATURES), "coef": list(fitted.coef), "intercept": fitted.intercept,
        "threshold": round(threshold, 6),
        "fitted_on": f"TUNE halves of {', '.join(sets)}: {len(questions)} questions, {len(rows)} spans "
                     f"({sum(y for _, y in rows)} gold); {datetime.now(UTC).date().isoformat()}",
        "tune": {"bold": kept[1], "right": kept[0], "questions": len(questions), "target_precision": TARGET},
    }
    MODEL.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    load_model.cache_clear()
    return data

