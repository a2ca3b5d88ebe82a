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


def evaluate_file(engine, path: str, out: str | None = None) -> str:
    """Run every question through ``engine`` and return a printable summary."""
    items = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows, verdicts = [], []
    for item in items:
        result = engine.ask(item["question"]).to_json()
        verdict = score_one(item, result)
        verdicts.append((item, verdict))
        rows.append({"id": item.get("id")} | result | {"verdict": verdict})
    if out:
        Path(out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    answerable = [v for i, v in verdicts if not i.get("unanswerable")]
    unanswerable = [v for i, v in verdicts if i.get("unanswerable")]
    n = max(1, len(answerable))
    lines = [
        f"questions: {len(items)} ({len(answerable)} answerable, {len(unanswerable)} unanswerable)",
        f"answer accuracy: {sum(v['correct'] for v in answerable) / n:.1%}",
        f"source hit@1: {sum(v['hit1'] for v in answerable) / n:.1%}",
        f"source hit@5: {sum(v['hit5'] for v in answerable) / n:.1%}",
        f"MRR: {sum(v['rr'] for v in answerable) / n:.3f}",
        f"declined correctly: {sum(v['declined_ok'] for v in unanswerable)}/{len(unanswerable)}",
        f"stale answers: {sum(v['stale'] for v in answerable)}",
    ]
    misses = [f"  {i.get('id')}: {i['question']}" for i, v in verdicts if not v.get("correct", v.get("declined_ok"))]
    if misses:
        lines.append("wrong or missed:")
        lines.extend(misses)
    return "\n".join(lines)
