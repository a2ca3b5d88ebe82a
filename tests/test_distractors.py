"""Distractors: national and other-province news mixed into the seed pages must not take over 株洲's answers.

Each distractor below is modelled on an item of ../shared/scale (CCTV / DXY) that made the engine quote the
wrong report in the 19,404-chunk benchmark (docs/benchmarks.md, section 3). Real model, real FAISS, BM25.
"""

from __future__ import annotations

import json
import shutil

import pytest

from config.profile import load_profile
from retrieval.engine import Engine
from retrieval.render import coverage_line

PROFILE = load_profile()

pytestmark = pytest.mark.slow

DISTRACTORS = [
    {"title": "湖北省疫情防控工作新闻发布会", "date": "2020-03-27", "source": "湖北省卫健委",
     "text": "目前，全省公共汽车已全部恢复，规上工业企业复工率99.1%、员工返岗率84.8%，限额以上批发、零售企业"
             "复工率96%、员工返岗率65%。"},
    {"title": "宁夏治愈率41.5%：累计治愈22人", "date": "2020-02-11", "source": "宁夏卫健委",
     "text": "截至目前，宁夏共有22例新型肺炎确诊患者治愈出院，治愈率达到41.5%。"},
    {"title": "50万只口罩定向捐赠蒙古国", "date": "2020-03-27", "source": "央视新闻",
     "text": "3月27日上午，由中国民间机构捐赠的总计50万只口罩通过二连浩特口岸运往蒙古国。"},
    {"title": "中央气象台继续发布高温橙色预警", "date": "2022-07-24", "source": "央视新闻",
     "text": "今天中央气象台继续发布高温橙色预警，南方大部分地区及北京、河北局地有35℃以上高温天气。"},
    {"title": "第四届“你好，新时代”青年作品大赛颁奖", "date": "2022-02-21", "source": "央视新闻",
     "text": "第四届“你好，新时代”青年融媒体作品大赛颁奖典礼今天举行。"},
    {"title": "全球累计确诊病例超过2.9亿例", "date": "2022-01-06", "source": "央视新闻",
     "text": "根据世卫组织统计，全球累计新冠肺炎确诊病例达到293750692例。"},
]


@pytest.fixture(scope="module")
def mixed_engine(seed_settings, seed_engine, real_embedder, tmp_path_factory) -> Engine:
    """The seed pages plus the distractors; the seed chunks' embeddings come from the session's cache."""
    from index.build import build_index

    base = tmp_path_factory.mktemp("mixed")
    shutil.copytree(seed_settings.data_dir, base / "data")
    with (base / "data" / "distractors.jsonl").open("w", encoding="utf-8") as out:
        for item in DISTRACTORS:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    settings = seed_settings.model_copy(update={"data_dir": base / "data", "index_dir": base / "index"})
    build_index(settings, lambda: real_embedder, real_embedder.model_id, progress=False)
    engine = Engine.open(settings, embedder=real_embedder)
    assert engine.info()["articles"] == len(seed_engine.snapshot.articles) + len(DISTRACTORS)
    return engine


@pytest.mark.parametrize(
    ("question", "expected", "wrong"),
    [
        ("株洲累计确诊多少", "78", "293750692"),
        ("寄递企业复工率是多少", "84%", "99.1%"),  # the asked 寄递企业, not any 企业复工率
        ("株洲的確診患者治癒率", "58.9%", "41.5%"),  # a question about 株洲 is answered from 株洲's reports
        ("市中心医院向板杉村捐赠了多少口罩", "1050个", "50万"),
    ],
)
def test_zhuzhou_answers_survive_distractors(mixed_engine, question, expected, wrong):
    answer = mixed_engine.ask(question)
    assert answer.answered, answer.decline
    assert expected.rstrip("%个") in answer.sources[0].quote
    if answer.answer is None:  # quotes only (the sentence path's fitted bold model was not sure enough)
        assert question.startswith("市中心医院"), "the figure path's answers keep their bold"
        return
    assert expected in answer.answer and wrong not in answer.answer, answer.answer


@pytest.mark.parametrize("question", ["今天北京的天气怎么样？", "What's the weather in Zhuzhou today?", "你好", "谢谢！"])
def test_chitchat_and_live_questions_are_declined_even_when_words_match(mixed_engine, question):
    answer = mixed_engine.ask(question)
    assert not answer.answered and answer.sources == [], answer.answer


def test_a_greeting_before_a_question_still_gets_the_answer(mixed_engine):
    assert "78" in (mixed_engine.ask("你好，株洲累计确诊多少").answer or "")


def test_coverage_line_names_the_papers_once_per_build(mixed_engine):
    covered = mixed_engine.coverage
    line = coverage_line(covered)
    assert "株洲日报" in line and "等" in line and str(len(mixed_engine.snapshot.articles)) in line
    mixed_engine.ask("株洲累计确诊多少")
    assert mixed_engine.coverage is covered  # computed once per build, not per question


def test_binding_counts_the_rest_of_the_asked_noun():
    from retrieval.binding import binding
    from retrieval.normalize import normalize

    query = normalize("寄递企业复工率是多少", PROFILE)
    zhuzhou = "截至2月17日，全市寄递企业已复工43家，复工率84%，员工返岗率64%。"
    hubei = "目前，全省公共汽车已全部恢复，规上工业企业复工率99.1%、员工返岗率84.8%。"
    assert binding(zhuzhou, query) > binding(hubei, query)
