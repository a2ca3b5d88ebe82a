"""Scoring of `make eval` (right / wrong bold / quote-only / declines) and the DXY dev-set checker; no model."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from config.profile import load_profile
from retrieval.answer import Answer, Source
from retrieval.evaluate import evaluate_file, has_figure, metrics, score_one

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent
DXY = ROOT / "data" / "eval" / "dxy"
ITEM = {"answer_any": ["31例"], "source_any": ["新增确诊病例31例"], "answer_not": ["11例"]}
SOURCE = {"quote": "2月9日当天全省新增确诊病例 31例。", "title": "t", "date": "2020-02-10", "source": "s"}
OTHER = {"quote": "广东省累计报告确诊病例1151例。", "title": "t", "date": "2020-02-10", "source": "s"}


def _checker():
    spec = importlib.util.spec_from_file_location("check_dev", DXY / "check_dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _result(answer, sources=(SOURCE,), answered=True, kind="figure"):
    return {"answered": answered, "answer": answer, "sources": list(sources), "kind": kind}


def test_figure_match_respects_number_boundaries():
    assert has_figure("新增确诊31例", "31例")
    assert not has_figure("累计1311例", "11例")
    assert not has_figure("累计311例", "31")
    assert not has_figure("增长78.5%", "78")
    assert has_figure("增长78.5%", "78.5%")
    assert has_figure("累计 1345 例", "1345例")
    assert has_figure("东莞市1例", "东莞市1例") and not has_figure("东莞市11例", "东莞市1例")


def test_right_wrong_bold_quote_only_and_declined():
    right = score_one(ITEM, _result("新增确诊病例31例"))
    assert right["class"] == "right" and right["correct"] and right["hit1"]
    wrong = score_one(ITEM, _result("累计确诊1151例", sources=(OTHER, SOURCE)))
    assert wrong["class"] == "wrong_bold" and not wrong["correct"] and wrong["rr"] == 0.5
    stale = score_one(ITEM, _result("新增11例，此前31例"))
    assert stale["class"] == "wrong_bold" and stale["stale"] and not stale["correct"]
    quotes = score_one(ITEM, _result(None, kind="quotes"))
    assert quotes["class"] == "quote_only" and quotes["hit1"]
    quotes_miss = score_one(ITEM, _result(None, sources=(OTHER,), kind="quotes"))
    assert quotes_miss["class"] == "quote_only" and not quotes_miss["hit5"]
    declined = score_one(ITEM, _result(None, sources=(), answered=False, kind="declined"))
    assert declined["class"] == "declined_wrongly"


def test_unanswerable_verdicts():
    item = {"unanswerable": True, "answer_any": [], "source_any": []}
    assert score_one(item, _result(None, (), answered=False))["class"] == "declined_ok"
    bold = score_one(item, _result("累计1151例"))
    assert bold["class"] == "answered" and bold["bold"] and not bold["declined_ok"]
    quoted = score_one(item, _result(None, kind="quotes"))
    assert quoted["class"] == "answered" and not quoted["bold"]


def test_metrics_count_each_class():
    pairs = [(ITEM, score_one(ITEM, _result(a, kind=k))) for a, k in
             [("31例", "figure"), ("1151例", "figure"), (None, "quotes"), ("31例", "figure")]]
    unanswerable = {"unanswerable": True}
    pairs += [(unanswerable, score_one(unanswerable, _result(None, (), answered=False))),
              (unanswerable, score_one(unanswerable, _result("5例")))]
    m = metrics(pairs)
    assert (m["right"], m["wrong_bold"], m["quote_only"], m["declined_wrongly"]) == (2, 1, 1, 0)
    assert (m["declined_ok"], m["answered"], m["unanswerable_bold"], m["quote_hit"]) == (1, 1, 1, 1)
    assert m["wrong_bold_all"] == 2  # the wrong figure and the bold answer to the unanswerable question
    assert m["accuracy"] == 0.5 and m["declined"] == 1


class _FakeEngine:
    """Answers from a table: question -> (answer or None, answered)."""

    def __init__(self, table):
        self.table = table

    def ask(self, question):
        answer, answered = self.table[question]
        sources = [Source(score=1.0, **SOURCE)] if answered else []
        return Answer(question, answered, answer, sources, kind="figure" if answer else "quotes")


def test_evaluate_file_reports_classes_by_kind_and_writes_rows(tmp_path):
    questions = [ITEM | {"id": "a", "question": "q1", "kind": "daily"},
                 ITEM | {"id": "b", "question": "q2", "kind": "daily"},
                 ITEM | {"id": "c", "question": "q3", "kind": "now"},
                 {"id": "d", "question": "q4", "unanswerable": True, "kind": "unanswerable"}]
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
    engine = _FakeEngine({"q1": ("31例", True), "q2": ("11例", True), "q3": (None, True), "q4": (None, False)})
    out = tmp_path / "rows" / "results.jsonl"
    summary = evaluate_file(engine, str(path), out=str(out))
    assert "right (bold answer with an expected figure): 1/3" in summary
    assert "question; must be 0): 1 (answerable 1, unanswerable 0)" in summary
    assert "quote-only (no bold answer): 1 (top quote has the source: 1)" in summary
    assert "unanswerable: declined correctly 1/1, wrongly answered 0" in summary
    assert "| daily | 2 | 1 | 1 | 0 (0) | 0 | 0/0 |" in summary
    assert "  b [wrong_bold]: q2" in summary and "  a [" not in summary
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["verdict"]["class"] for r in rows] == ["right", "wrong_bold", "quote_only", "declined_ok"]
    assert rows[0]["question_kind"] == "daily" and rows[0]["kind"] == "figure" and rows[0]["expected"] == ["31例"]


# --- the DXY dev set checker ---------------------------------------------------------------------------------

ITEMS = [
    {"id": "1", "pubDate": "2020-02-10 09:00:00", "title": "广东新增31例", "provinceName": "广东省",
     "summary": "截至2月9日24时，全省累计报告新冠肺炎确诊病例1151例。2月9日当天全省新增确诊病例31例。"},
    {"id": "2", "pubDate": "2020-02-13 09:00:00", "title": "广东新增22例", "provinceName": "广东省",
     "summary": "截至2月12日24时，全省累计报告新冠肺炎确诊病例1241例。"},
    {"id": "3", "pubDate": "2020-02-14 09:00:00", "title": "湘潭通报", "provinceName": "", "summary": "累计9例。"},
]
NOW = {"patterns": [[r"全省累计报告新冠肺炎确诊病例(\d+)例", ["广东省"]]]}


def _question(**over):
    q = {"id": "x", "question": "截至2月9日广东累计确诊多少", "answer_any": ["1151例"],
         "source_any": ["确诊病例1151例"], "answer_not": [], "unanswerable": False, "item": "1"}
    return q | over


def test_checker_accepts_a_sound_question_and_flags_the_held_back_item():
    check = _checker()
    problems = check.check([_question()], ITEMS)
    assert problems == ["vendored item 3 is held back"]
    assert check.check([_question()], ITEMS[:2]) == []


@pytest.mark.parametrize(("over", "expected"), [
    ({"answer_any": ["1152例"]}, "answer '1152例' is not in item 1"),
    ({"source_any": ["累计确诊1151例"]}, "source '累计确诊1151例' is not in item 1"),
    ({"question": "截至2月8日广东累计确诊多少"}, "does not carry the asked date 2月8日"),
    ({"item": "9"}, "item '9' is not in the vendored items"),
    ({"answer_not": ["1151例"]}, "answer_not repeats an expected figure"),
    ({"question": "湘潭累计确诊多少"}, "names a held-back place"),
    ({"question": "广东累计确诊多少", "now": NOW}, "the newest report (item 2, 2020-02-13 09:00:00) says 1241"),
    ({"unanswerable": True, "absent": "新增确诊"}, "'新增确诊' does occur in the vendored items"),
    ({"unanswerable": True}, "needs 'absent'"),
])
def test_checker_flags_each_kind_of_error(over, expected):
    problems = _checker().check([_question(**over)], ITEMS[:2])
    assert any(expected in p for p in problems), problems


def test_checker_newest_answer_passes():
    q = _question(question="广东累计确诊多少", answer_any=["1241例"], source_any=["确诊病例1241例"], item="2",
                  answer_not=["1151例"], now=NOW)
    assert _checker().check([q], ITEMS[:2]) == []


def test_vendored_dev_set_passes_the_checker():
    check = _checker()
    questions = check.load_jsonl(DXY / "questions.jsonl")
    items = check.load_jsonl(DXY / "items.jsonl")
    assert check.check(questions, items) == []
    answerable = [q for q in questions if not q["unanswerable"]]
    assert len(questions) >= 150 and len(questions) - len(answerable) >= 15
    assert sum("now" in q for q in questions) >= 15


def test_vendored_items_are_read_by_the_indexer(tmp_path):
    from index.sources import scan

    (tmp_path / "dxy").mkdir()
    (tmp_path / "dxy" / "items.jsonl").write_bytes((DXY / "items.jsonl").read_bytes())
    corpus = scan(tmp_path, 2020, PROFILE)
    assert corpus.problems == []
    assert len(corpus.articles) + corpus.duplicates == 2723 and corpus.duplicates < 20
    assert all(a.date and a.date.startswith(("2019-12", "2020-")) for a in corpus.articles)
    assert not any(w in a.title + a.text for a in corpus.articles for w in ("湖南", "株洲"))
