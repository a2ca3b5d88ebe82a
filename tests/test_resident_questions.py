"""The resident question set (issue 16): its rows are sound, and `bold: false`, `decline` and `part` are scored."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from retrieval.answer import Answer, Source
from retrieval.evaluate import evaluate_file, load_questions, part_of, part_table, reply_counts, score_one

ROOT = Path(__file__).resolve().parent.parent
RESIDENT = ROOT / "data" / "eval" / "resident_questions.jsonl"
KINDS = {"count", "percent", "date", "duration", "place", "person", "yesno", "howto", "decline", "typo",
         "traditional", "english"}
GOOD = {"quote": "对湖北省之外的返回人员，凡没有发热、咳嗽等疑似感染症状的，不需隔离。", "title": "t", "source": "s"}
OTHER = {"quote": "对湖北省返回人员，集中隔离观察14天。", "title": "t", "source": "s"}
PROSE = {"id": "r1", "question": "从长沙回来要隔离吗", "answer_any": [], "source_any": ["不需隔离"], "answer_not": [],
         "bold": False, "kind": "yesno", "part": "tune"}
UNCOVERED = {"id": "r2", "question": "热线电话是多少", "answer_any": [], "source_any": [], "answer_not": [],
             "decline": True, "kind": "decline", "part": "held"}
FIGURE = {"id": "r3", "question": "铁路客运量下降多少", "answer_any": ["50.8%"], "source_any": ["50.8%"],
          "answer_not": ["62.2%"], "kind": "percent", "part": "held"}


def _result(answer=None, sources=(GOOD,), answered=True):
    return {"answered": answered, "answer": answer, "sources": list(sources)}


def test_no_bold_expected_rows():
    good = score_one(PROSE, _result())
    assert good["class"] == "quote_only" and good["good_quote"]
    other = score_one(PROSE, _result(sources=(OTHER,)))
    assert other["class"] == "quote_only" and not other["good_quote"]
    # a bold is wrong even when it holds an expected phrase: the row says no bold answer is acceptable
    assert score_one(PROSE | {"answer_any": ["不需隔离"]}, _result("不需隔离"))["class"] == "wrong_bold"
    assert score_one(PROSE | {"answer_any": ["不需隔离"], "bold": True}, _result("不需隔离"))["class"] == "right"
    assert score_one(PROSE, _result(sources=(), answered=False))["class"] == "declined_wrongly"


def test_decline_rows_are_scored_like_unanswerable_ones():
    assert score_one(UNCOVERED, _result(sources=(), answered=False))["class"] == "declined_ok"
    quoted = score_one(UNCOVERED, _result())
    assert quoted["class"] == "answered" and not quoted["bold"]
    assert score_one(UNCOVERED, _result("12345"))["bold"]


def test_reply_counts_columns():
    pairs = [(FIGURE, score_one(FIGURE, _result("铁路下降50.8%", sources=({"quote": "铁路50.8%"},)))),
             (FIGURE, score_one(FIGURE, _result("同比下降62.2%"))),
             (PROSE, score_one(PROSE, _result())),
             (PROSE, score_one(PROSE, _result(sources=(OTHER,)))),
             (PROSE, score_one(PROSE, _result(sources=(), answered=False))),
             (UNCOVERED, score_one(UNCOVERED, _result(sources=(), answered=False))),
             (UNCOVERED, score_one(UNCOVERED, _result())),
             (UNCOVERED, score_one(UNCOVERED, _result("热线12345")))]
    # n, right bold, WRONG BOLD, quote-only good/other, declined though covered, right decline, quoted uncovered
    assert reply_counts(pairs) == [8, 1, 2, 1, 1, 1, 1, 1]


def test_part_table_splits_tune_and_held():
    pairs = [(PROSE, score_one(PROSE, _result())), (FIGURE, score_one(FIGURE, _result("同比下降62.2%"))),
             (UNCOVERED, score_one(UNCOVERED, _result(sources=(), answered=False)))]
    table = part_table(pairs)
    assert "| yesno | 1/0 | 0/0 | 0/0 | 1/0 | 0/0 | 0/0 | 0/0 | 0/0 |" in table
    assert "| percent | 0/1 | 0/0 | 0/1 | 0/0 | 0/0 | 0/0 | 0/0 | 0/0 |" in table
    assert table[-1] == "| all | 1/2 | 0/0 | 0/1 | 1/0 | 0/0 | 0/0 | 0/1 | 0/0 |"


def test_evaluate_file_prints_the_part_table(tmp_path):
    class Engine:
        def ask(self, question):
            return Answer(question, True, "同比下降62.2%", [Source(score=1.0, date="2020-02-20", **OTHER)],
                          kind="sentence")

    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(FIGURE, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = evaluate_file(Engine(), str(path))
    assert "cells: tune/held" in summary and "| percent | 0/1 | 0/0 | 0/1 |" in summary
    assert "  r3 [wrong_bold]: 铁路客运量下降多少" in summary


def test_part_is_a_fixed_hash_of_the_id():
    assert part_of("r001") == part_of("r001")
    assert {part_of(f"r{i:03d}") for i in range(10)} == {"tune", "held"}


def test_resident_set_is_sound():
    rows = load_questions(RESIDENT)
    text = "".join("".join(p.read_text(encoding="utf-8").split()) for p in (ROOT / "data" / "articles").glob("*.txt"))
    assert 80 <= len(rows) <= 130 and len({r["id"] for r in rows}) == len(rows)
    assert set(Counter(r["kind"] for r in rows)) == KINDS
    parts = Counter(r["part"] for r in rows)
    assert all(r["part"] == part_of(r["id"]) for r in rows) and abs(parts["tune"] - parts["held"]) <= len(rows) // 5
    for r in rows:
        if r.get("decline"):
            assert not r["answer_any"] and not r["source_any"] and r.get("bold", True), r
            continue
        assert r["answer_any"] or r.get("bold") is False, r
        assert any("".join(s.split()) in text for s in r["source_any"]), r  # the pages hold the quote
        assert not set(r["answer_any"]) & set(r["answer_not"]), r
