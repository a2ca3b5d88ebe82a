"""The general-QA harness (bench/general_qa.py): which questions it asks, how it splits and scores them."""

from __future__ import annotations

from bench.general_qa import answer_type, half_of, is_right, select, shows, verdict


def query(qid: str, question: str, *answers: str) -> dict:
    return {"qid": qid, "question": question, "answers": list(answers), "gold_pid": "p"}


def test_numeric_and_date_questions_are_selected_with_their_type():
    items = select([
        query("a", "水库建于哪一年？", "1962年"),
        query("b", "體育館可以容納多少名觀眾？", "8,352名"),  # traditional: read as simplified
        query("c", "水库由谁设计？", "张工程师"),
        query("d", "大桥通车的具体时间是？", "2001年5月1日"),  # no question word, but a date answer
        query("e", "溶洞什么时候开放？", "清朝末年"),  # no numeral in the answer
    ])
    assert [(i.qid, i.type) for i in items] == [("a", "year"), ("b", "count"), ("d", "when")]
    assert items[1].answers == ("8,352名",)


def test_who_questions_are_selected_apart():
    queries = [query("a", "水库由谁设计？", "张工程师"), query("b", "哪位校长主持了仪式？", "陈立"),
               query("c", "谁在哪一年建了水库？", "1962年"),  # asks a year too: the numeric set's
               query("d", "水库建于哪一年？", "1962年")]
    assert [(i.qid, i.type) for i in select(queries, people=True)] == [("a", "person"), ("b", "person")]
    assert [i.qid for i in select(queries)] == ["c", "d"]


def test_types_follow_the_question_words():
    assert answer_type("工期多久？", ("3年",)) == "duration"
    assert answer_type("占全省的比例是多少？", ("12%",)) == "percent"
    assert answer_type("什么时候通车？", ("2001年",)) == "when"


def test_the_halves_are_fixed_by_the_question_id():
    halves = [half_of(f"q{i}") for i in range(200)]
    assert halves == [half_of(f"q{i}") for i in range(200)]
    assert 70 < halves.count("TUNE") < 130


def test_a_bold_is_right_only_with_the_whole_gold_number():
    item = select([query("x", "可以容纳多少名观众？", "8,352名")])[0]
    assert verdict(item, {"answered": True, "answer": "可以容纳8,352名观众", "sources": []})["right"]
    cut = verdict(item, {"answered": True, "answer": "可以容纳8", "sources": [{"quote": "可以容纳8,352名观众"}]})
    assert not cut["right"] and cut["bold"] and cut["shown"]
    declined = verdict(item, {"answered": False, "answer": None, "sources": []})
    assert declined["declined"] and not declined["bold"]


def test_a_number_after_a_comma_is_still_whole():  # "，1892年" folds to ",1892年": no thousands separator
    assert shows("约瑟普·布罗兹·狄托，1892年5月7日－1980年5月4日", ("1892年",))
    assert not shows("可以容纳6,476名观众", ("476名",))


def test_a_span_is_right_when_its_bold_shows_the_gold_and_it_is_the_gold_or_part_of_it():
    assert is_right("于1994年5月开放", "1994年5月", ("1994年",))
    assert is_right("可容纳约8,352名观众", "8,352名", ("约8,352名观众",))
    assert is_right("发生于2008年6月14日8时43分", "2008年6月14日", ("2008年6月14日8时43分",))
    assert not is_right("可容纳8", "8", ("8,352名",))
    assert not is_right("始建于1962年，1987年扩建", "1962年", ("1987年",))


def test_the_cctv_set_takes_its_days_stories_from_the_scale_folder_without_the_held_back_ones(tmp_path):
    import json

    import pytest

    from bench.cctv_qa import QUERIES, materialise

    scale = tmp_path / "scale"
    scale.mkdir()
    stories = [("20220101", "航运", ["今年港口吞吐量", "达到3.5亿吨。"]), ("20220101", "湖南新闻", ["湖南某地…"]),
               ("20220101", "天气", ["今天晴。"]), ("20220102", "别的一天", ["无关。"])]
    (scale / "cctv_stories.jsonl").write_text("".join(json.dumps({"date": d, "title": t, "paragraphs": p},
                                                                 ensure_ascii=False) + "\n" for d, t, p in stories))
    queries = tmp_path / "queries.jsonl"
    row = {"qid": "cctv_dev:Q0", "question": "今年港口吞吐量是多少？", "answers": ["3.5亿吨"], "answer_start": 9,
           "gold_pid": "cctv_dev:20220101_0", "type": "count"}
    queries.write_text(json.dumps(row, ensure_ascii=False) + "\n")
    prefix = materialise(scale, tmp_path / "work", queries)
    corpus = [json.loads(line)["pid"] for line in open(f"{prefix}.corpus.jsonl", encoding="utf-8")]
    assert corpus == ["cctv_dev:20220101_0", "cctv_dev:20220101_2"]  # its day's others; not 湖南's, not another day
    assert select([json.loads(line) for line in open(f"{prefix}.queries.jsonl", encoding="utf-8")])[0].type == "count"
    queries.write_text(json.dumps(row | {"answer_start": 3}, ensure_ascii=False) + "\n")
    with pytest.raises(ValueError, match="Q0"):  # another copy of the stories: say which question breaks
        materialise(scale, tmp_path / "again", queries)
    assert len(QUERIES.read_text(encoding="utf-8").splitlines()) == 175
