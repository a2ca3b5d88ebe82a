"""`make eval`: answer accuracy, source hit@k, MRR, declines and stale answers on a questions file."""

from __future__ import annotations

import json
from pathlib import Path


def _squash(text: str) -> str:
    return "".join(text.split())


def score_one(item: dict, result: dict) -> dict:
    """Per-question verdicts, in the format of ../shared/eval/questions.jsonl."""
    if item.get("unanswerable"):
        return {"declined_ok": not result["answered"]}
    answer = result["answer"] or ""
    quotes = [_squash(s["quote"]) for s in result["sources"]]
    wanted = [_squash(s) for s in item.get("source_any", [])]
    rank = next((i + 1 for i, q in enumerate(quotes) if any(w in q for w in wanted)), None)
    return {
        "correct": any(a in answer or _squash(a) in _squash(answer) for a in item.get("answer_any", [])),
        "stale": any(bad in answer for bad in item.get("answer_not", []) if bad),
        "hit1": rank == 1,
        "hit5": rank is not None and rank <= 5,
        "rr": 1.0 / rank if rank else 0.0,
    }


def load_questions(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(verdicts: list[tuple[dict, dict]]) -> dict:
    """Answer accuracy, hit@1/5, MRR, declined-correctly and stale counts over (item, verdict) pairs."""
    answerable = [v for i, v in verdicts if not i.get("unanswerable")]
    unanswerable = [v for i, v in verdicts if i.get("unanswerable")]
    n = max(1, len(answerable))
    return {
        "answerable": len(answerable), "unanswerable": len(unanswerable),
        "accuracy": sum(v["correct"] for v in answerable) / n,
        "hit1": sum(v["hit1"] for v in answerable) / n,
        "hit5": sum(v["hit5"] for v in answerable) / n,
        "mrr": sum(v["rr"] for v in answerable) / n,
        "declined": sum(v["declined_ok"] for v in unanswerable),
        "stale": sum(v["stale"] for v in answerable),
    }


def run_items(engine, items: list[dict]) -> tuple[list[dict], list[tuple[dict, dict]]]:
    """Ask every question; returns the output rows and the (item, verdict) pairs."""
    rows, verdicts = [], []
    for item in items:
        result = engine.ask(item["question"]).to_json()
        verdict = score_one(item, result)
        verdicts.append((item, verdict))
        rows.append({"id": item.get("id")} | result | {"verdict": verdict})
    return rows, verdicts


def evaluate_file(engine, path: str, out: str | None = None) -> str:
    """Run every question through ``engine`` and return a printable summary."""
    items = load_questions(path)
    rows, verdicts = run_items(engine, items)
    if out:
        Path(out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    m = metrics(verdicts)
    lines = [
        f"questions: {len(items)} ({m['answerable']} answerable, {m['unanswerable']} unanswerable)",
        f"answer accuracy: {m['accuracy']:.1%}",
        f"source hit@1: {m['hit1']:.1%}",
        f"source hit@5: {m['hit5']:.1%}",
        f"MRR: {m['mrr']:.3f}",
        f"declined correctly: {m['declined']}/{m['unanswerable']}",
        f"stale answers: {m['stale']}",
    ]
    misses = [f"  {i.get('id')}: {i['question']}" for i, v in verdicts if not v.get("correct", v.get("declined_ok"))]
    if misses:
        lines.append("wrong or missed:")
        lines.extend(misses)
    return "\n".join(lines)
