"""`make eval`: right answers, wrong bold figures, quote-only replies, declines, hit@k and MRR on a questions file."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from retrieval.render import answer_json

# Each answerable question lands in exactly one class; each unanswerable one in one of the last two.
CLASSES = ("right", "wrong_bold", "quote_only", "declined_wrongly")
UNANSWERABLE_CLASSES = ("declined_ok", "answered")


def _squash(text: str) -> str:
    return "".join(text.split())


def has_figure(text: str, figure: str) -> bool:
    """True if ``figure`` occurs in ``text`` (white space ignored) and not as part of a longer number.

    "11例" is in "新增11例" but not in "累计1311例"; "78" is in "78例" but not in "178" or "78.5".
    """
    text, figure = _squash(text), _squash(figure)
    if not figure:
        return False
    before = r"(?<![\d.])" if figure[0].isdigit() else ""
    after = r"(?![\d.]\d|\d)" if figure[-1].isdigit() else ""
    return re.search(before + re.escape(figure) + after, text) is not None


def part_of(item_id: str) -> str:
    """The fixed half a question belongs to: "tune" (thresholds may be fitted on it) or "held" (report only)."""
    return "tune" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 2 == 0 else "held"


def expects_decline(item: dict) -> bool:
    """The pages hold no answer (``unanswerable``, or ``decline`` in the resident set): decline, or quote without bold."""
    return bool(item.get("unanswerable") or item.get("decline"))


def score_one(item: dict, result: dict) -> dict:
    """Per-question verdict, in the format of ../shared/eval/questions.jsonl (+ ``class``, see CLASSES).

    ``bold: false`` on a covered question: the right reply is quotes holding a ``source_any``; any bold is wrong bold.
    """
    answered = bool(result.get("answered"))
    if expects_decline(item):
        return {"declined_ok": not answered, "class": "answered" if answered else "declined_ok",
                "bold": bool(answered and result.get("answer"))}
    answer = result.get("answer") or ""
    quotes = [_squash(s["quote"]) for s in result.get("sources", [])]
    wanted = [_squash(s) for s in item.get("source_any", [])]
    rank = next((i + 1 for i, q in enumerate(quotes) if any(w in q for w in wanted)), None)
    correct = item.get("bold", True) is not False and any(has_figure(answer, a) for a in item.get("answer_any", []))
    stale = any(has_figure(answer, bad) for bad in item.get("answer_not", []) if bad)
    if not answered:
        cls = "declined_wrongly"
    elif not answer:
        cls = "quote_only"
    else:
        cls = "right" if correct and not stale else "wrong_bold"
    return {
        "correct": correct and not stale,
        "stale": stale,
        "class": cls,
        "hit1": rank == 1,
        "hit5": rank is not None and rank <= 5,
        "rr": 1.0 / rank if rank else 0.0,
        "good_quote": rank is not None,
    }


def load_questions(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(verdicts: list[tuple[dict, dict]]) -> dict:
    """Accuracy, hit@1/5, MRR, stale count and the count of each class over (item, verdict) pairs."""
    answerable = [v for i, v in verdicts if not expects_decline(i)]
    unanswerable = [v for i, v in verdicts if expects_decline(i)]
    n = max(1, len(answerable))
    classes = Counter(v["class"] for i, v in verdicts)
    return {
        "answerable": len(answerable), "unanswerable": len(unanswerable),
        "accuracy": sum(v["correct"] for v in answerable) / n,
        "hit1": sum(v["hit1"] for v in answerable) / n,
        "hit5": sum(v["hit5"] for v in answerable) / n,
        "mrr": sum(v["rr"] for v in answerable) / n,
        "declined": sum(v["declined_ok"] for v in unanswerable),
        "stale": sum(v["stale"] for v in answerable),
        "quote_hit": sum(v["hit1"] for v in answerable if v["class"] == "quote_only"),
        "unanswerable_bold": sum(v["bold"] for v in unanswerable),
        **{c: classes[c] for c in CLASSES + UNANSWERABLE_CLASSES},
        # every bold figure that is not an expected one: the number that must be 0
        "wrong_bold_all": classes["wrong_bold"] + sum(v["bold"] for v in unanswerable),
    }


def by_kind(verdicts: list[tuple[dict, dict]]) -> dict[str, dict]:
    """``metrics`` for each value of the questions' ``kind`` field (questions without one: "-")."""
    groups: dict[str, list] = defaultdict(list)
    for item, verdict in verdicts:
        groups[item.get("kind") or "-"].append((item, verdict))
    return {kind: metrics(pairs) for kind, pairs in groups.items()}


def run_items(engine, items: list[dict]) -> tuple[list[dict], list[tuple[dict, dict]]]:
    """Ask every question; returns the output rows and the (item, verdict) pairs."""
    rows, verdicts = [], []
    for item in items:
        result = answer_json(engine.ask(item["question"]))
        verdict = score_one(item, result)
        verdicts.append((item, verdict))
        rows.append({"id": item.get("id"), "question_kind": item.get("kind"), "province": item.get("province"),
                     "expected": item.get("answer_any", [])} | result | {"verdict": verdict})
    return rows, verdicts


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0"


def class_lines(m: dict) -> list[str]:
    """The answer-class part of the summary (right, wrong bold, quote-only, declines)."""
    a, u = m["answerable"], m["unanswerable"]
    return [
        f"right (bold answer with an expected figure): {_pct(m['right'], a)}",
        f"WRONG BOLD (a bold answer not expected: wrong or stale figure, or any bold answer to an unanswerable "
        f"question; must be 0): {m['wrong_bold_all']} (answerable {m['wrong_bold']}, unanswerable "
        f"{m['unanswerable_bold']})",
        f"quote-only (no bold answer): {m['quote_only']} (top quote has the source: {m['quote_hit']})",
        f"wrongly declined (answerable): {m['declined_wrongly']}",
        f"unanswerable: declined correctly {m['declined_ok']}/{u}, wrongly answered {m['answered']}"
        f" ({m['unanswerable_bold']} with a bold answer)",
    ]


def kind_table(verdicts: list[tuple[dict, dict]]) -> list[str]:
    """One row per question kind: n, right, wrong bold, quote-only (hits), declined, unanswerable declined."""
    kinds = by_kind(verdicts)
    if set(kinds) == {"-"}:
        return []
    lines = ["| kind | n | right | wrong bold | quote-only (top quote hit) | declined | unanswerable declined |",
             "|---|---|---|---|---|---|---|"]
    for kind, m in sorted(kinds.items()):
        n = m["answerable"] + m["unanswerable"]
        lines.append(f"| {kind} | {n} | {m['right']} | {m['wrong_bold_all']} | {m['quote_only']} ({m['quote_hit']}) "
                     f"| {m['declined_wrongly']} | {m['declined_ok']}/{m['unanswerable']} |")
    return lines


PART_HEADER = ("| kind | n | right bold | WRONG BOLD | quote-only, good quote | quote-only, other quotes "
               "| declined, covered | right decline | quoted, not covered |")


def reply_counts(pairs: list[tuple[dict, dict]]) -> list[int]:
    """n, right bold, WRONG BOLD, quote-only with/without a ``source_any`` quote, declined although covered, right
    decline, and quotes without bold where the pages hold nothing (acceptable): the columns of PART_HEADER."""
    covered = [v for i, v in pairs if not expects_decline(i)]
    uncovered = [v for i, v in pairs if expects_decline(i)]
    return [len(pairs),
            sum(v["class"] == "right" for v in covered),
            sum(v["class"] == "wrong_bold" for v in covered) + sum(v["bold"] for v in uncovered),
            sum(v["class"] == "quote_only" and v["good_quote"] for v in covered),
            sum(v["class"] == "quote_only" and not v["good_quote"] for v in covered),
            sum(v["class"] == "declined_wrongly" for v in covered),
            sum(v["class"] == "declined_ok" for v in uncovered),
            sum(v["class"] == "answered" and not v["bold"] for v in uncovered)]


def part_table(verdicts: list[tuple[dict, dict]]) -> list[str]:
    """One row per question kind and one for all; every cell is "tune/held" (the questions' ``part``)."""
    groups: dict[str, list] = defaultdict(list)
    for item, verdict in verdicts:
        groups[item.get("kind") or "-"].append((item, verdict))
    lines = ["cells: tune/held", PART_HEADER, "|---" * PART_HEADER.count("|", 1) + "|"]
    for kind, pairs in [*sorted(groups.items()), ("all", verdicts)]:
        tune = reply_counts([(i, v) for i, v in pairs if i.get("part") == "tune"])
        held = reply_counts([(i, v) for i, v in pairs if i.get("part") != "tune"])
        lines.append(f"| {kind} | " + " | ".join(f"{t}/{h}" for t, h in zip(tune, held, strict=True)) + " |")
    return lines


def evaluate_file(engine, path: str, out: str | None = None) -> str:
    """Run every question through ``engine`` and return a printable summary."""
    items = load_questions(path)
    rows, verdicts = run_items(engine, items)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    m = metrics(verdicts)
    lines = [
        f"== {path}",
        f"questions: {len(items)} ({m['answerable']} answerable, {m['unanswerable']} unanswerable)",
        f"answer accuracy: {m['accuracy']:.1%}",
        f"source hit@1: {m['hit1']:.1%}",
        f"source hit@5: {m['hit5']:.1%}",
        f"MRR: {m['mrr']:.3f}",
        f"declined correctly: {m['declined']}/{m['unanswerable']}",
        f"stale answers: {m['stale']}",
        *class_lines(m),
        *(part_table(verdicts) if any("part" in item for item in items) else kind_table(verdicts)),
    ]
    if out:
        lines.append(f"per-question results: {out}")
    misses = [f"  {i.get('id')} [{v['class']}]: {i['question']}" for i, v in verdicts
              if v["class"] not in ("right", "declined_ok")]
    if misses:
        lines.append("wrong or missed:")
        lines.extend(misses)
    return "\n".join(lines)
