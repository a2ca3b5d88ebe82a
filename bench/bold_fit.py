"""Fit the sentence path's bold model (retrieval/bold_model.json) on the TUNE halves of the general-QA sets.

Every span the engine would score for a TUNE question is a row (its features, and whether its bold would be
right); a logistic regression (scikit-learn) is fitted on the rows, and the threshold is the lowest score at
which the questions' best spans are still right in at least TARGET of the cases, scored by 5-fold
cross-validation on TUNE (which also picks the regularisation). HELD questions are never read here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench.general_qa import is_right
from retrieval.bold import FEATURES, MODEL, bold_text, load_model, options
from retrieval.compose import candidates
from retrieval.normalize import normalize
from retrieval.question import analyse
from retrieval.search import HybridSearcher
from retrieval.sentences import answer_pool

TARGET = 0.96  # bold precision asked of the threshold on TUNE, cross-validated (the goal on HELD is 0.95)
CS = (0.3, 1.0, 3.0)  # inverse regularisation tried; the one whose cross-validated threshold keeps most right


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
        group = answer_pool(query, asked, snap, ranked, engine.grammar, engine.settings.default_year)
        found = options(query, asked, group, lambda c: snap.articles[c.article_id].title, profile)
        out.append([(o.features, is_right(bold_text(o), o.cand.text[o.span.start : o.span.end], item.answers))
                     for o in found])
    return out


def fit(questions: list[list[tuple[tuple[float, ...], bool]]], sets: list[str]) -> dict:
    """Fit on the TUNE rows; the regularisation and the threshold are chosen on 5-fold cross-validated scores of
    the same questions (never on scores the model was fitted to); write retrieval/bold_model.json."""
    from sklearn.linear_model import LogisticRegression  # a kept library; only the fit needs it

    rows = [(f, int(y), q) for q, found in enumerate(questions) for f, y in found]
    features, labels = [r[0] for r in rows], [r[1] for r in rows]
    c, threshold, right, bold = max((_cross_validated(rows, c) for c in CS), key=lambda t: (t[2], -t[3]))
    model = LogisticRegression(C=c, max_iter=5000).fit(features, labels)
    data = {
        "features": list(FEATURES), "coef": [float(x) for x in model.coef_[0]],
        "intercept": float(model.intercept_[0]), "threshold": round(threshold, 6),
        "fitted_on": f"TUNE halves of {', '.join(sets)}: {len(questions)} questions, {len(rows)} spans "
                     f"({sum(labels)} right); {datetime.now(UTC).date().isoformat()}",
        "tune_cross_validated": {"C": c, "bold": bold, "right": right, "questions": len(questions),
                                 "target_precision": TARGET},
    }
    MODEL.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    load_model.cache_clear()
    return data


def _cross_validated(rows: list[tuple], c: float) -> tuple[float, float, int, int]:
    """(C, threshold, right, bold): each question's best span by 5-fold cross-validated scores (folds by
    question), and the lowest score at which those best spans are right in at least TARGET of the cases."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    scores = cross_val_predict(LogisticRegression(C=c, max_iter=5000), [r[0] for r in rows], [r[1] for r in rows],
                               groups=[r[2] for r in rows], cv=GroupKFold(5), method="predict_proba")[:, 1]
    best: dict[int, tuple[float, int]] = {}
    for score, (_, label, q) in zip(scores, rows, strict=True):
        best[q] = max(best.get(q, (-1.0, 0)), (float(score), label))
    ranked = sorted(best.values(), key=lambda s: -s[0])
    threshold, right, kept = 1.0, 0, (0, 0)
    for n, (score, label) in enumerate(ranked, 1):
        right += label
        if right / n >= TARGET and (n == len(ranked) or ranked[n][0] < score):
            threshold, kept = score, (right, n)
    return c, threshold, kept[0], kept[1]
