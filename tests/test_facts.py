"""Facts and fact answers on sentences written for these tests (no seed page, no eval question): one test per
failure class of issue 10 — list items, qualifiers, later editions, places, 几点, superlatives, precision."""

from __future__ import annotations

import pytest

from config.profile import load_profile
from news.figures import extract_figures, grammar
from news.records import Article
from retrieval.compose import Candidate
from retrieval.facts import figure_answer, superlative_answer
from retrieval.latest import asof_phrase, latest_figures
from retrieval.normalize import normalize

PROFILE = load_profile()


def article(text: str, date: str, paper: str = "", title: str = "疫情通报", aid: str | None = None) -> Article:
    return Article(id=aid or f"a{abs(hash(text)) % 10**8}", title=title, date=date, byline="", source="t.jsonl",
                   text=text, paper=paper)


@pytest.fixture
def snapshot(small_build):
    """``snapshot(*articles)``: the snapshot of a real small build of ``articles``."""
    return lambda *articles: small_build(*articles).snapshot


def facts(a: Article) -> set[tuple[str, str, str]]:
    return {(f.metric, f.region, f.value) for f in extract_figures(a, PROFILE)}


JIANGSU = article(
    "2月5日0-24时，江苏省新增确诊病例12例，新增出院病例4例。新增确诊病例中，南京市3例、无锡市2例、徐州市5例，"
    "苏州市和南通市各1例。截至2月5日24时，江苏省累计报告确诊病例341例，其中南京市62例、无锡市40例、徐州市58例。",
    "2020-02-06", paper="江苏卫健委",
)


def test_list_items_inherit_the_headers_qualifier_and_thing():
    got = facts(JIANGSU)
    assert {("新增确诊", "南京市", "3"), ("新增确诊", "徐州市", "5"), ("新增确诊", "苏州市", "1"),
            ("新增确诊", "南通市", "1")} <= got
    assert {("累计确诊", "南京市", "62"), ("累计确诊", "徐州市", "58"), ("累计确诊", "江苏省", "341")} <= got
    assert ("新增确诊", "江苏省", "12") in got and ("新增出院", "江苏省", "4") in got
    assert not any(region == "南京市" and value == "62" and metric != "累计确诊" for metric, region, value in got)


def test_a_place_asked_gets_its_list_item_not_another(profile, gaz, snapshot):
    snap = snapshot(JIANGSU)
    answer = figure_answer(normalize("2月5日徐州新增确诊多少", profile, gaz), snap, profile, gaz, 2020)
    assert answer is not None and answer.answer.startswith("徐州市新增确诊5例") and "3例" not in answer.answer
    assert "2月5日0-24时" in answer.sources[0].quote  # the sentence carrying its as-of leads the quote


def test_qualifier_mismatch_gives_no_figure(profile, gaz, snapshot):
    cumulative_only = article("截至3月1日24时，安徽省累计报告确诊病例990例，其中合肥市174例、阜阳市155例。",
                              "2020-03-02", paper="安徽卫健委")
    snap = snapshot(cumulative_only)
    assert figure_answer(normalize("3月1日合肥新增确诊多少", profile, gaz), snap, profile, gaz, 2020) is None
    total = figure_answer(normalize("合肥累计确诊多少", profile, gaz), snap, profile, gaz, 2020)
    assert total is not None and "174例" in total.answer


def test_subsets_asides_and_events_are_not_the_thing():
    a = article("截至3月20日24时，累计报告境外输入确诊病例30例，治愈出院病例2例。截至3月20日24时，河北省累计报告"
                "确诊病例318例（石家庄市核减1例），治愈出院病例310例。3月20日，又有3名患者治愈出院。",
                "2020-03-21", paper="河北卫健委")
    got = facts(a)
    assert ("累计确诊", "河北省", "318") in got and ("累计出院", "河北省", "310") in got
    assert ("累计境外输入确诊", "河北省", "30") in got and ("累计境外输入出院", "河北省", "2") in got  # parts, apart
    assert not any(v in ("30", "2", "3") for m, _, v in got if "境外输入" not in m), got
    assert not any(region == "石家庄市" for _, region, _ in got)


def test_a_part_asked_gets_the_part(profile, gaz, snapshot):
    a = article("截至3月22日24时，累计报告境外输入确诊病例40例，治愈出院病例3例。截至3月22日24时，累计报告确诊病例480例。",
                "2020-03-23", paper="上海卫健委")
    snap = snapshot(a)
    part = figure_answer(normalize("上海累计境外输入确诊多少", profile, gaz), snap, profile, gaz, 2020)
    assert part is not None and "40例" in part.answer
    whole = figure_answer(normalize("上海累计确诊多少", profile, gaz), snap, profile, gaz, 2020)
    assert whole is not None and "480例" in whole.answer


def test_a_reported_zero_is_a_fact_without_a_number(profile, gaz, snapshot):
    a = article("3月3日0-24时，福建省无新增新冠肺炎确诊病例，新增出院病例9例。", "2020-03-04", paper="福建卫健委")
    assert ("新增确诊", "福建省", "无") in facts(a)
    answer = figure_answer(normalize("福建3月3日新增确诊多少", profile, gaz), snapshot(a), profile, gaz, 2020)
    assert answer is not None and answer.answer.startswith("福建省无新增确诊")


HOME_OLD = article(
    "株洲日报讯 2月20日0-24时，我市新增确诊病例0例。截至2月20日24时，我市累计确诊病例79例，累计出院病例41例，"
    "在院治疗38例。", "2020-02-21", paper="株洲日报", aid="old",
)
HOME_NEW = article(  # a later edition in other words: no 新增 and 在院 phrased differently
    "截至2月26日24时，全市累计报告确诊病例80例，累计治愈出院60人，目前仍在院治疗的患者共20人。", "2020-02-27",
    paper="株洲日报", aid="new",
)


def test_a_later_edition_in_other_words_moves_answers_and_latest(profile, gaz, snapshot):
    snap = snapshot(HOME_OLD, HOME_NEW)
    for question, expected in (("株洲在院治疗多少人", "在院治疗20人"), ("株洲累计出院多少", "累计出院60人"),
                               ("现在株洲累计确诊多少例", "累计确诊80例")):
        answer = figure_answer(normalize(question, profile, gaz), snap, profile, gaz, 2020)
        assert answer is not None and answer.answer.startswith(expected), question
    rows = {r["metric"]: r for r in latest_figures(snap.figures, profile)}
    assert rows["在院治疗"]["value"] == "20" and rows["在院治疗"]["note"] is None
    assert rows["在院治疗"]["period"] is False and rows["在院治疗"]["asof_phrase"] == "截至2020年2月26日24时"
    stale = rows["新增确诊"]
    assert stale["value"] == "0" and stale["period"] is True and stale["note"] == "最新通报未提及，以下为2月20日数字"
    old_new = figure_answer(normalize("株洲新增确诊多少", profile, gaz), snap, profile, gaz, 2020)
    assert old_new is not None and "最新通报未提及" in (old_new.note or "")


def test_latest_only_lists_the_home_city(profile, snapshot):
    rows = latest_figures(snapshot(JIANGSU, HOME_OLD).figures, profile)
    assert rows and all(r["region"] == "株洲" for r in rows)


@pytest.mark.parametrize(
    ("question", "place"),
    [("邵阳市累计确诊多少", "邵阳市"), ("邵阳确诊多少", "邵阳市"), ("新化县有多少病例", "新化县"),
     ("湖南省累计确诊", "湖南省"), ("湖南新增多少", "湖南省"), ("内蒙古确诊多少", "内蒙古自治区"),
     ("朝阳区新增", "朝阳区"), ("宁波和温州", "温州市")],
)
def test_places_come_from_the_gazetteer_with_and_without_suffix(profile, gaz, question, place):
    query = normalize(question, profile, gaz)
    assert query.places and query.places[-1].name == place


@pytest.mark.parametrize("question", ["荷塘区确诊多少", "荷塘确诊多少", "株洲县", "渌口区", "醴陵市", "株洲市天元区"])
def test_home_city_divisions_are_home_not_elsewhere(profile, gaz, question):
    query = normalize(question, profile, gaz)
    assert query.places == () and query.home_places and query.home_places[0].within(gaz.home)


@pytest.mark.parametrize("word", ["新华社记者报道", "平安出行", "通道畅通", "城区道路", "共和国", "和县委"])
def test_ordinary_words_are_not_places(gaz, word):
    assert gaz.find(word) == []


def test_clock_question_wants_a_clock_time(profile):
    from retrieval.bold import bold_text, options
    from retrieval.question import analyse

    query = normalize("那家车企几点恢复生产", profile)
    asked = analyse(query, profile)
    assert query.kind == "clock" and asked.type == "clock"
    text = "2月16日8时许，随着冲压线启动，这家车企正式恢复生产。"
    found = options(query, asked, [Candidate("x", 0, len(text), text, 0.8, 0.5, 1.0)], lambda c: "", profile)
    assert [bold_text(o) for o in found] == ["2月16日8时许，这家车企正式恢复生产"]  # the time with what happened then
    undated = "这家车企正式恢复生产，员工陆续返岗。"
    assert options(query, asked, [Candidate("y", 0, len(undated), undated, 0.8, 0.5, 1.0)], lambda c: "", profile) == []


def test_which_district_most_is_answered_from_the_list(profile, gaz, snapshot):
    home = article("截至2月10日24时，我市累计确诊病例70例，其中荷塘区19例、芦淞区9例、天元区11例、石峰区8例。",
                   "2020-02-11", paper="株洲日报")
    snap = snapshot(home)
    most = superlative_answer(normalize("哪个区确诊最多", profile, gaz), snap, profile, gaz, 2020)
    assert most is not None and most.answer.startswith("荷塘区（累计确诊19例")
    least = superlative_answer(normalize("哪个区确诊最少", profile, gaz), snap, profile, gaz, 2020)
    assert least is not None and least.answer.startswith("石峰区")
    tie = article("截至2月11日24时，我市累计确诊病例70例，其中荷塘区9例、芦淞区9例。", "2020-02-12", paper="株洲日报")
    assert superlative_answer(normalize("哪个区确诊最多", profile, gaz), snapshot(tie), profile, gaz, 2020) is None


def test_asof_phrase_is_decided_by_the_figures_kind():
    assert asof_phrase(True, "2020年2月19日0—24时") == "2020年2月19日0—24时"
    assert asof_phrase(False, "2020年2月19日24时") == "截至2020年2月19日24时"
    assert asof_phrase(False, "2020年2月2日0—12时") == "截至2020年2月2日12时"


def test_coverage_line_is_computed_from_the_corpus(profile, small_build):
    from retrieval.render import coverage_line
    from retrieval.scope import coverage

    guangdong = [article(f"截至2月{d}日24时，全省累计报告新冠肺炎确诊病例{1000 + d}例。", f"2020-02-{d + 1:02d}",
                         paper="广东卫健委", aid=f"g{d}") for d in range(10, 14)]
    snap = small_build(*guangdong).snapshot
    covered = coverage(snap, grammar(profile), sorted(a.date for a in guangdong))
    assert covered.papers == ("广东卫健委",) and covered.places == ("广东省",) and covered.articles == 4
    line = coverage_line(covered)
    assert line.startswith("现有广东卫健委4篇报道（2020年2月11日至2020年2月14日），主要是广东省的")
    assert "株洲" not in line and "新冠肺炎疫情通报" in line


def test_a_list_in_the_next_sentence_and_asides_of_list_items():
    a = article("截至2月2日24时，我省累计报告确诊病例120例，涉及15个市（州）。其中成都市50例、绵阳市9例。",
                "2020-02-03", paper="四川卫健委")
    got = facts(a)
    assert ("累计确诊", "成都市", "50") in got and ("累计确诊", "绵阳市", "9") in got
    b = article("截至3月1日24时，累计收到港澳台地区通报确诊病例150例：香港特别行政区100例（出院40例，死亡2例），"
                "澳门特别行政区10例（出院8例）。", "2020-03-02", paper="国家卫健委", title="全国疫情通报")
    got = facts(b)
    assert {("累计出院", "香港特别行政区", "40"), ("死亡", "香港特别行政区", "2"),
            ("累计出院", "澳门特别行政区", "8")} <= got
    assert not any(region == "全国" for _, region, _ in got), got  # the 港澳台 totals are a part, not 全国


def test_two_values_for_one_asof_give_quotes_not_a_choice(profile, gaz, snapshot):
    a = article("截至3月5日24时，累计报告本地确诊病例300例，治愈出院病例200例。", "2020-03-06", paper="天津卫健委",
                aid="t1")
    b = article("截至3月5日24时，天津市累计报告确诊病例310例。", "2020-03-06", paper="天津卫健委", aid="t2")
    c = article("截至3月5日24时，天津市累计报告确诊病例312例。", "2020-03-06", paper="天津卫健委", aid="t3")
    whole = figure_answer(normalize("天津累计确诊多少", profile, gaz), snapshot(a, b), profile, gaz, 2020)
    assert whole is not None and "310例" in whole.answer  # the whole, not the 本地 part
    snap = snapshot(a, b, c)
    assert figure_answer(normalize("天津累计确诊多少", profile, gaz), snap, profile, gaz, 2020) is None
    discharged = figure_answer(normalize("天津累计出院多少", profile, gaz), snap, profile, gaz, 2020)
    assert discharged is not None and "200例" in discharged.answer


def test_a_provincial_bulletin_gives_the_home_city_its_list_items_and_one_asof():
    text = ("2020年2月22日0-24时，湖南省报告新增确诊病例3例，新增出院病例41例。新增确诊病例中，株洲市2例、衡阳市1例。"
            "截至2月22日24时，湖南省累计报告确诊病例1012例，累计出院病例690例。目前，仍在院治疗310例，其中重症病例35例。"
            "累计追踪到密切接触者20000人，尚有1100人正在接受医学观察。")
    a = article(text, "2020-02-23", paper="湖南卫健委")
    got = {(f.metric, f.region, f.value): f.asof_key for f in extract_figures(a, PROFILE)}
    assert got[("新增确诊", "株洲", "2")] == "2020-02-22T24:00" and ("新增确诊", "衡阳市", "1") in got
    assert got[("在院治疗", "湖南省", "310")] == "2020-02-22T24:00" and got[("重症", "湖南省", "35")] == "2020-02-22T24:00"
    assert got[("医学观察", "湖南省", "1100")] == "2020-02-22T24:00"  # after "目前…": still the bulletin's cut-off


def test_a_days_new_cases_are_not_those_of_half_a_day(profile, gaz, snapshot):
    am = article("3月5日0时至12时，新增报告确诊病例4例。", "2020-03-05", paper="重庆卫健委", aid="c1")
    pm = article("3月5日12时至24时，新增报告确诊病例3例。", "2020-03-06", paper="重庆卫健委", aid="c2")
    day = article("3月5日0-24时，重庆市新增确诊病例7例。", "2020-03-06", paper="重庆卫健委", aid="c3")
    ask = lambda q, *arts: figure_answer(normalize(q, profile, gaz), snapshot(*arts), profile, gaz, 2020)  # noqa: E731
    assert "7例" in ask("3月5日重庆新增确诊多少", am, pm, day).answer
    assert ask("3月5日重庆新增确诊多少", am, pm) is None  # only halves of the day: no figure for the day
    assert "4例" in ask("3月5日0时至12时重庆新增确诊多少", am, pm, day).answer


def test_a_bare_measure_question_a_0_oclock_cutoff_and_31_provinces(profile, gaz, snapshot):
    a = article("截至3月8日0时，我省累计报告确诊病例538例，正在住院隔离治疗120人。", "2020-03-08", paper="四川卫健委")
    snap = snapshot(a)
    for question in ("截至3月8日四川累计确诊病例", "3月7日四川正在住院隔离治疗的有多少人"):
        answer = figure_answer(normalize(question, profile, gaz), snap, profile, gaz, 2020)
        assert answer is not None and ("538例" in answer.answer or "120人" in answer.answer), question
    assert figure_answer(normalize("四川累计确诊病例是什么意思", profile, gaz), snap, profile, gaz, 2020) is None
    national = article("3月1日0—24时，31个省（自治区、直辖市）和新疆生产建设兵团报告新增确诊病例202例。", "2020-03-02",
                       paper="国家卫健委", title="国家卫健委通报")
    answer = figure_answer(normalize("3月1日31个省区市新增确诊多少", profile, gaz), snapshot(national), profile, gaz, 2020)
    assert answer is not None and answer.answer.startswith("全国新增确诊202例")


@pytest.mark.parametrize(("question", "subject"), [("火星上有多少确诊病例", "火星"), ("月球累计确诊多少例", "月球"),
                                                   ("荷塘区有多少确诊病例", None), ("我市在院治疗的有多少人", None),
                                                   ("截至2月9日24时，广东累计确诊多少例？", None)])
def test_an_unknown_subject_is_not_the_home_city(profile, gaz, question, subject):
    from retrieval.facts import unknown_subject

    assert unknown_subject(normalize(question, profile, gaz), profile, gaz) == subject
