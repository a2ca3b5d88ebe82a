"""Typed, bound bold on the sentence path, on sentences written for these tests (real model, neutral profile)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import Settings
from index.build import build_index
from news.text import fold
from retrieval.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
NEUTRAL = ROOT / "bench" / "general_profile.toml"
ARTICLES = [
    ("青山水库", "青山水库位于城北山区。青山水库始建于1962年，1987年完成扩建，库容约3,150万立方米。"),
    ("石门溶洞", "石门溶洞是省级风景名胜区。石门溶洞于1996年起对游客开放，洞内有暗河两条。"),
    ("白龙峡谷", "白龙峡谷以瀑布闻名。这处峡谷直到2008年6月1日才对外开放，全长约12公里。"),
    ("新体育馆", "新体育馆于去年落成。新体育馆可以容纳8,352名观众，设有比赛馆和训练馆。"),
    ("红星中学", "红星中学是一所完全中学。红星中学占地面积120亩，有教职工210人。"),
    ("育才小学", "育才小学创办于1990年。育才小学现有学生900人，教学班24个。"),
    ("春运交通", "春运期间全市客运量同比下降60.1%，其中铁路客运量下降47.3%，高速公路出入口总流量下降55.2%。"),
    ("东湖港", "东湖港始建于民国二十年。东湖港年吞吐量位居全省第二，码头岸线长1.2公里。"),
    ("望江塔", "望江塔是城南地标。塔内有三层展厅和两部电梯，望江塔高86米。"),
]
# the same articles in traditional characters (OpenCC s2t): answers must not depend on the script
TRADITIONAL = {"青山水库": ("青山水庫", "青山水庫位於城北山區。青山水庫始建於1962年，1987年完成擴建，庫容約3,150萬立方米。")}


def _engine(root: Path, articles: list[tuple[str, str]], embedder) -> Engine:
    data = root / "data"
    data.mkdir(parents=True)
    lines = [json.dumps({"title": t, "text": x}, ensure_ascii=False) for t, x in articles]
    (data / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(_env_file=None, data_dir=data, index_dir=root / "index", cache_dir=root / "cache",
                        profile=NEUTRAL, embedding_model=str(ROOT / "models" / "multilingual-e5-small"))
    build_index(settings, lambda: embedder, embedder.model_id, progress=False)
    return Engine.open(settings, embedder=embedder)


@pytest.fixture(scope="module")
def engine(tmp_path_factory, real_embedder):
    return _engine(tmp_path_factory.mktemp("typed"), ARTICLES, real_embedder)


def bold(engine: Engine, question: str) -> str:
    answer = engine.ask(question)
    assert answer.answered, (question, answer.note)
    return answer.answer or ""


@pytest.mark.parametrize(("question", "right", "wrong"), [
    ("青山水库哪一年完成扩建？", "1987", "1962年，"),  # a year question wants the year bound to its verb
    ("石门溶洞什么时候开始对游客开放？", "1996", "2008"),  # "when" takes a year; not another place's date
    ("新体育馆可以容纳多少名观众？", "8,352名", "容纳8，"),  # thousands separators are one number
    ("红星中学占地面积有多大？", "120亩", "900人"),
    ("铁路客运量下降了多少？", "47.3%", "60.1%"),  # the number next to the measured noun
    ("东湖港年吞吐量位居全省第几？", "第二", "1.2公里"),  # 第几 asks for a rank, not a count
    ("东湖港始建于哪一年？", "民国二十年", "1.2"),  # a year of an era is a year
    ("望江塔有多高？", "86米", "三层"),  # 多高 wants a length, not a count of floors
])
def test_a_bold_answer_is_the_asked_type_bound_to_the_question(engine, question, right, wrong):
    text = bold(engine, question)
    assert right in text or not text, (question, text)
    assert wrong not in text


def test_another_entitys_number_is_never_the_answer(engine):
    text = bold(engine, "育才小学占地面积有多大？")  # only 红星中学 gives its area
    assert "120亩" not in text


def test_a_traditional_article_answers_like_its_simplified_twin(tmp_path, real_embedder):
    twin = _engine(tmp_path, [TRADITIONAL["青山水库"]], real_embedder)
    answer = twin.ask("青山水库哪一年完成扩建？")
    assert answer.answered and answer.sources
    assert "擴建" in answer.sources[0].quote  # the quote is the article's own characters
    assert fold(answer.sources[0].quote) in fold(TRADITIONAL["青山水库"][1])
    assert "1962年，" not in (answer.answer or "")


def test_a_thing_named_by_a_code_is_answered_only_where_the_code_is_said(tmp_path, real_embedder):
    routes = _engine(tmp_path, [("城北巴士线路", "城北巴士开办多条线路。城北巴士52A线于2004年6月5日投入服务。"
                                           "城北巴士52线于2010年2月27日起投入服务，途经火车站。")], real_embedder)
    assert "2004年6月5日" in bold(routes, "城北巴士52A线是什么时候投入服务的？")
    assert not bold(routes, "城北巴士52B线是什么时候投入服务的？")  # another route's date is no answer


@pytest.mark.parametrize("question", ["新体育馆在哪里？", "红星中学怎么样？", "白龙峡谷需要门票吗？",
                                      "白龙峡谷以什么闻名？", "望江塔是什么？"])  # untyped: no clause is a promise
def test_prose_and_yes_no_questions_get_passages_without_a_guessed_bold(engine, question):
    answer = engine.ask(question)
    assert not answer.answer, (question, answer.answer)  # how/where: passages; yes/no: no clause holds the question


def test_a_clause_that_only_repeats_the_question_is_no_answer(profile):
    from retrieval.compose import Candidate, direct_from_sentence
    from retrieval.normalize import normalize

    query = normalize("巴西再次主办世界杯是在哪次世界杯", profile)
    echo, told = "巴西再次主辦世界盃。", "2014年巴西再次主辦世界盃。"
    assert direct_from_sentence(query, Candidate("x", 0, len(echo), echo, 0.8, 0.5, 1.0), None, "", profile) is None
    assert direct_from_sentence(query, Candidate("y", 0, len(told), told, 0.8, 0.5, 1.0), None, "", profile)


@pytest.mark.parametrize(("question", "sentence", "span", "why"), [
    ("气象中心能预报多少日的天气？", "市气象中心每日24小时值班。", "24", "unit"),  # 小时 for 日: another unit of time
    ("北港镇下辖几个行政村？", "北港镇下辖3个社区和一个林场。", "3个", "counted"),  # 社区 for 行政村, none in the clause
    ("气象中心能预报多少天的天气？", "市气象中心能预报未来7天的天气。", "7天", None),
    ("红军于几月开始征兵？", "1918年6月开始征兵。", "1918年6月", None),  # the date says its month too
    ("该院捐赠了多少个口罩？", "该院捐赠了1050个医用口罩。", "1050个", None),  # 医用口罩 names the asked 口罩
    ("庙会哪天结束？", "2月18日，为期10天的2021年庙会结束。", "2021年", "no_day"),  # 哪天 wants a day, not the year
    ("庙会哪天结束？", "2月18日，为期10天的2021年庙会结束。", "2月18日", None),
    ("燕军在哪一天入松亭关？", "十月廿一，入松亭关。", "十月廿一", None),  # a lunar day is a day
    ("这部电影是哪一年代的作品？", "1998年她凭这部电影获奖。", "1998年", "no_decade"),  # a year is no decade
    ("这条大道在什么年代完成？", "这条大道在1920年代完成。", "1920年代", None),
    ("他在哪一年成为《生活杂志》的封面人物？", "1971年，他成为《电视指南》的封面人物。", "1971年", "title"),
    ("他在哪一年成为《生活杂志》的封面人物？", "1945年，他成为《生活杂志》的封面人物。", "1945年", None),
    ("《芝加哥》获得多少项大奖？", "获得6项大奖，这是自《孤雏泪》后首次。", "6项", "title"),  # unless the headline …
    ("这家工厂有多少员工？", "省、市两级检查组走访了这家工厂。", "两级", "unmeasured"),  # no 员工 in the sentence
    ("这家工厂有多少员工？", "这家工厂现有职工1200人。", "1200人", None),  # 职工: a synonym names them
])
def test_a_span_of_another_unit_or_another_counted_noun_is_no_bold(question, sentence, span, why):
    from config.profile import load_profile
    from news.spans import find_spans
    from retrieval.bold import Option
    from retrieval.compose import Candidate
    from retrieval.normalize import normalize
    from retrieval.question import analyse
    from retrieval.vetoes import unbound

    profile = load_profile(NEUTRAL)
    query = normalize(question, profile)
    cand = Candidate("x", 0, len(sentence), sentence, 1.0, 0.0, 1.0)
    found = next(s for s in find_spans(cand.match) if cand.match[s.start : s.end].startswith(span))
    option = Option(cand, 0, found, (0, len(sentence)), ())
    assert unbound(option, analyse(query, profile), query.text) == why
    if why == "title":  # … is the asked work's: the article is about it
        assert unbound(option, analyse(query, profile), query.text, "芝加哥 《芝加哥》 生活杂志") is None


@pytest.mark.parametrize(("question", "kind"), [
    ("他作为见习生毕业于哪一级？", "which"),  # 哪一 + a counter other than a time unit: which one, no typed span
    ("这是哪一个国家的条约？", "which"),  # like 哪个
    ("大桥在哪一年通车？", "year"),
    ("大桥在哪一天通车？", "when"),
])
def test_which_one_is_asked_with_any_counter_after_哪一(question, kind):
    from config.profile import load_profile
    from retrieval.normalize import normalize
    from retrieval.question import analyse

    profile = load_profile(NEUTRAL)
    assert analyse(normalize(question, profile), profile).type == kind


def test_a_respectively_list_pairs_each_value_with_its_item():
    from news.spans import find_spans
    from retrieval.binding import respective

    text = "全市客运量900万人次，其中公路500万人次、水路100万人次、铁路300万人次，分别下降40%、35%、20%。"
    paired = {}
    for span in find_spans(text):
        found = respective(text, span)
        if found:
            paired[text[span.start : span.end]] = (text[slice(*found[0])], found[1], found[4])
    assert paired == {
        "40%": ("其中公路500万人次", "分别下降", ""),
        "35%": ("水路100万人次", "分别下降", "其中公路"),  # a later item leaves out what the first one names
        "20%": ("铁路300万人次", "分别下降", "其中公路"),
    }
    short = "确诊、疑似分别为10人、20人。"  # items without numbers
    assert [respective(short, s)[0] for s in find_spans(short)] == [(0, 2), (3, 5)]
    assert respective("甲乙两地分别为10人。", find_spans("甲乙两地分别为10人。")[0]) is None  # one value: no list


@pytest.mark.parametrize(("question", "before"), [
    ("铁路客运量同比下降了多少？", "铁路客运量"),  # the thing that changed, not 下降
    ("今年出口额增长多少", "今年出口额"),
])
def test_a_change_question_wants_a_percentage_or_an_amount_of_the_noun_before_its_verb(question, before):
    from config.profile import load_profile
    from news.spans import Span, answers
    from retrieval.normalize import normalize
    from retrieval.question import analyse

    profile = load_profile(NEUTRAL)
    asked = analyse(normalize(question, profile), profile)
    assert (asked.type, asked.measure.before) == ("change", before)
    assert answers("change", Span(0, 3, "percent")) and answers("change", Span(0, 3, "number"))
    assert not answers("count", Span(0, 3, "percent"))


def test_the_noun_after_the_question_word_may_stand_between_verb_and_number():
    from config.profile import load_profile
    from retrieval.binding import number_binding
    from retrieval.normalize import normalize
    from retrieval.question import analyse

    profile = load_profile(NEUTRAL)
    asked = analyse(normalize("该院向板桥村捐赠了多少口罩", profile), profile).measure
    text = "该院已向板桥村捐赠口罩1050个、手套200双。"
    at = text.index("1050")
    assert number_binding(text, at, at + 4, asked, "该院向板桥村捐赠了多少口罩") >= 6  # 捐赠 and 口罩 both bind
    other = text.index("200")
    assert number_binding(text, other, other + 3, asked, "该院向板桥村捐赠了多少口罩") <= 2  # 口罩 only nearby


PLACES = [
    ("世界杯往事", "1934年世界杯首轮在热那亚举行，西班牙以3比1击败巴西。巴西队此后四年没有赢过欧洲球队。"),
    ("上海地铁十八号线", "这条线路是上海首条全地下的南北向地铁线路。一期工程分两段建设，南段先行通车，北段随后开通，"
                  "沿线设换乘站多座，方便市民出行。"),
]


@pytest.fixture(scope="module")
def places_engine(tmp_path_factory, real_embedder):
    return _engine(tmp_path_factory.mktemp("places"), PLACES, real_embedder)


def test_a_quantity_question_naming_two_places_is_no_epidemic_count(places_engine):
    answer = places_engine.ask("1934年世界杯巴西以多少比数输给西班牙？")  # no measured thing is asked
    assert answer.answered and "3比1" in answer.sources[0].quote, answer.decline


def test_a_place_named_in_the_headline_or_just_before_binds_the_sentence(places_engine):
    answer = places_engine.ask("上海地铁十八号线一期工程是怎么建设的？")  # the sentence itself does not say 上海
    assert answer.answered and "一期工程" in answer.sources[0].quote, answer.decline
    assert not places_engine.ask("北京地铁十八号线一期工程是怎么建设的？").answered  # no report names 北京


def _options(question: str, sentence: str):
    from config.profile import load_profile
    from retrieval.bold import FEATURES, options
    from retrieval.compose import Candidate
    from retrieval.normalize import normalize
    from retrieval.question import analyse

    profile = load_profile(NEUTRAL)
    query = normalize(question, profile)
    asked = analyse(query, profile)
    found = options(query, asked, [Candidate("x", 0, len(sentence), sentence, 1.0, 1.0, 1.0)], lambda c: "", profile)
    return query, asked, found, {sentence[o.span.start : o.span.end]: dict(zip(FEATURES, o.features)) for o in found}


def test_a_question_with_nothing_besides_its_subject_misses_no_event_word():
    *_, features = _options("全市高速公路出入口总流量是多少", "全市高速公路出入口总流量为35475万台次，下降56.3%。")
    assert features["35475万台"]["event_clause"] == features["35475万台"]["event_near"] == 1.0  # was 0: no words
    opened = _options("大桥哪一年通车？", "大桥于1998年通车。")[-1]["1998年"]["event_clause"]
    begun = _options("大桥哪一年通车？", "大桥于1998年动工。")[-1]["1998年"]["event_clause"]
    assert opened > begun  # 通车 is a word besides the subject: there, or not


@pytest.mark.parametrize(("question", "sentence", "span"), [
    ("这家工厂什么时候恢复生产？", "2月16日，这家工厂正式恢复生产。", "2月16日"),  # 时候 of 什么时候 asks
    ("大桥是哪一年建成的？", "大桥于1998年建成。", "1998年"),
    ("大桥建了多久？", "大桥建了3年。", "3年"),
])
def test_question_words_are_no_words_the_answer_must_hold(question, sentence, span):
    from retrieval.question import keywords

    query, _, _, features = _options(question, sentence)
    assert not any(word in keywords(query) for word in ("时候", "什么", "一年", "多久"))
    assert features[span]["clause"] == 1.0  # was 0.8 for 什么时候: the sentence cannot say 时候


def test_the_wholes_figure_is_no_answer_when_the_sentence_gives_the_parts():
    from retrieval.bold import dominated

    sentence = "全市累计完成客运量1171.73万人次，其中道路客运量20365万人次、水路1018万人次、城区公交736.44万人次。"
    query, asked, found, _ = _options("春运期间城区公交客运量多少", sentence)
    verdict = {sentence[o.span.start : o.span.end]: dominated(o, found, query, asked) for o in found}
    assert verdict["1171.73万人"] and verdict["20365万人"]  # 客运量 only: 城区公交's item says more
    assert not verdict["736.44万人"]  # 城区公交, and 客运量 from the list's first item
    query, asked, found, _ = _options("全市客运量多少", sentence)
    verdict = {sentence[o.span.start : o.span.end]: dominated(o, found, query, asked) for o in found}
    assert not verdict["1171.73万人"] and verdict["20365万人"]  # the whole asked: 道路's figure is the part


def test_a_later_list_item_reads_with_the_head_noun_the_first_item_gives():
    from retrieval.bold import load_model

    sentence = "去年全县接待游客312万人次，其中景区接待量180万人次、乡村民宿62.5万人次、农家乐69.5万人次。"
    query, asked, found, features = _options("乡村民宿接待量是多少", sentence)
    assert features["62.5万人"]["clause"] == 1.0  # 乡村民宿, and 接待量 from 景区接待量
    model = load_model()
    best = max(found, key=lambda o: model.score(o.features))
    assert sentence[best.span.start : best.span.end] == "62.5万人"
    fins = "背鳍硬棘13枚、软条8枚；臀鳍硬棘3枚、软条7枚。"
    features = _options("臀鳍硬棘有多少枚", fins)[-1]
    assert features["7枚"]["clause"] < features["3枚"]["clause"]  # 软条 is its own noun: no 硬棘 for it


def test_a_short_list_item_binds_its_number_with_the_head_noun_it_leaves_out():
    from retrieval.bold import dominated, load_model

    sentence = "春节期间，全市完成客运量800万人次，其中公路客运量500万人次、水路12万人次、铁路288万人次。"
    query, asked, found, features = _options("春节期间水路客运量多少", sentence)
    assert features["12万人"]["noun"] > 0.8  # 水路 + 客运量 bind it as 公路客运量 binds 500万 (was 0.33: 水路 alone)
    model = load_model()
    kept = [o for o in found if not dominated(o, found, query, asked)]  # the whole's 800万 is no answer for a part
    best = max(kept, key=lambda o: model.score(o.features))
    assert sentence[best.span.start : best.span.end] == "12万人"


def test_a_clause_opening_with_a_change_tells_the_change_of_the_clause_before():
    from retrieval.bold import load_model

    sentence = "全省旅客发送量为820万人次，同比下降12.4%；港口货物吞吐量为3.6亿吨，增长5.1%。"
    *_, features = _options("港口货物吞吐量增长了多少", sentence)
    assert features["5.1%"]["noun"] > 0 and features["5.1%"]["clause"] > features["12.4%"]["clause"]
    model = load_model()
    query, asked, found, _ = _options("港口货物吞吐量增长了多少", sentence)
    best = max(found, key=lambda o: model.score(o.features))
    assert sentence[best.span.start : best.span.end] == "5.1%"
    *_, features = _options("全省旅客发送量下降了多少", "全省旅客发送量为820万人次，其中铁路下降12.4%。")
    assert features["12.4%"]["noun"] <= 0  # 其中铁路…: no change opens the clause, it is another item's


@pytest.mark.parametrize(("question", "sentence", "span", "why"), [
    ("稳定就业6个月以上的村民有多少人？", "全村连续就业3个月以上的有342人。", "342人", "qualifier"),
    ("稳定就业6个月以上的村民有多少人？", "全村稳定就业6个月以上的有191人，3个月以上的更多。", "191人", None),
    ("2021年水果产量是多少？", "2020年全县水果产量12.6万吨。", "12.6万吨", "qualifier"),  # another year's
    ("2021年水果产量增长了多少？", "全县水果产量比2020年增长8.5%。", "8.5%", None),  # 比2020年: the base
    ("五月天哪一年举办了第一次演唱会？", "2001年8月18日五月天举办了第一次演唱会。", "2001年", None),  # no digits asked
])
def test_a_clause_about_another_year_or_group_is_no_bold(question, sentence, span, why):
    from retrieval.vetoes import unbound

    query, asked, found, _ = _options(question, sentence)
    option = next(o for o in found if sentence[o.span.start : o.span.end].startswith(span))
    assert unbound(option, asked, query.text, "", fold(question)) == why


def test_a_later_clause_saying_the_same_of_the_asked_item_overtakes_an_earlier_one():
    from retrieval.vetoes import overtaken

    sentence = "今年全省与东部地区贸易额增长12%，与中部地区增长21%，与西部地区增长9%。"
    query, asked, found, _ = _options("今年全省和中部地区的贸易额增长了百分之多少？", sentence)
    verdict = {sentence[o.span.start : o.span.end]: overtaken(o, found, query) for o in found}
    assert verdict == {"12%": True, "21%": False, "9%": False}  # 21% is 中部地区's; 9% names nothing asked
    other = "今年全省与东部地区贸易额增长12%，与中部地区的合作项目达到21%。"  # not the same words before the number
    query, asked, found, _ = _options("今年全省和中部地区的贸易额增长了百分之多少？", other)
    assert not any(overtaken(o, found, query) for o in found)


def test_a_day_question_takes_the_day_not_the_year_next_to_the_event(tmp_path, real_embedder):
    engine = _engine(tmp_path, [("庙会闭幕", "2月18日，为期10天的2021年庙会结束，共接待游客30万人次。"),
                                ("灯会开幕", "2021年灯会于2月26日开幕，展出花灯120组。")], real_embedder)
    # the year 2021年 stands right before 庙会结束; as no day it is no option, so it no longer outscores 2月18日
    assert "2月18日" in bold(engine, "庙会哪天结束？")


@pytest.mark.parametrize(("question", "sentence", "left_out", "kept"), [
    ("那次远征持续了多少天？", "这次长达78天的远征中，她抓紧每一分钟展开数据的分析。", "一分钟", "78天"),  # another unit
    ("庙会哪天结束？", "2月18日，为期10天的2021年庙会结束。", "2021年", "2月18日"),  # no day
])
def test_a_span_of_another_unit_or_grain_is_no_option(question, sentence, left_out, kept):
    """Such a span answers nothing asked: as an option it would still share the sentence with the right one
    (alone_sentence) and may dominate it, so it is left out before scoring, not only vetoed after."""
    from config.profile import load_profile
    from retrieval.bold import FEATURES, options
    from retrieval.compose import Candidate
    from retrieval.normalize import normalize
    from retrieval.question import analyse

    profile = load_profile(NEUTRAL)
    query = normalize(question, profile)
    found = options(query, analyse(query, profile), [Candidate("x", 0, len(sentence), sentence, 1.0, 0.0, 1.0)],
                    lambda c: "", profile)
    said = [o.cand.match[o.span.start : o.span.end] for o in found]
    assert not any(s.startswith(left_out) for s in said), said
    assert any(s.startswith(kept) for s in said) and all(o.features[FEATURES.index("alone_sentence")] == 1.0 for o in found), said


MEETING = ("市委调度志愿者进社区支援防疫工作",
           "本报讯 3月2日，市委召开会议，调度志愿者进社区支援防疫工作。会议听取了各区县志愿服务情况汇报。"
           "会议要求，进社区志愿者要当好宣传员、服务员、信息员，每天把社区的情况及时上报。"
           "会议强调，要充分发挥志愿者、网格员、楼栋长“三支力量”的作用，扎实做好疫情防控各项工作。"
           "各部门要加强协调配合，形成工作合力，为基层防控提供有力保障。")
COMMENTARY = ("春风送暖正当时",
              "春天的脚步越来越近。这段时间以来，全市上下齐心协力：卫健部门日夜奋战，守护群众健康；"
              "组织2600余名志愿者进社区、进小区服务群众，帮助居民代购生活物资；交通部门开通绿色通道，保障物资运输畅通；"
              "商务部门稳定市场供应，菜篮子货足价稳；教育部门开展线上教学，停课不停学……我们相信，春天终将到来。")


def test_a_report_on_the_asked_thing_without_its_figure_does_not_outrank_the_figure(tmp_path, real_embedder):
    """The meeting report is the search's best hit for 志愿者进社区 but gives no count of them; the commentary's
    clause gives it, bound in full, deep in a long sentence: its bold, with the quote marks it prints."""
    engine = _engine(tmp_path, [MEETING, COMMENTARY], real_embedder)
    assert bold(engine, "全市组织了多少志愿者进社区") == "组织2600余名志愿者进社区、进小区服务群众"


def test_only_a_figure_bound_in_full_is_lifted_and_only_by_chunks_holding_a_bound_one():
    from retrieval.bold import _rescale_retrieval

    found = [{"retrieval": 1.0, "noun": 0.0}, {"retrieval": 0.5, "noun": 1.0}, {"retrieval": 0.4, "noun": 1 / 3}]
    _rescale_retrieval(found)  # the top chunk holds nothing bound: the full binding's chunk counts as the best
    assert [f["retrieval"] for f in found] == [1.0, 1.0, 0.4]  # a 2-character binding lifts nothing
    found = [{"retrieval": 1.0, "noun": 1 / 3}, {"retrieval": 0.5, "noun": 1.0}]
    _rescale_retrieval(found)  # the top chunk's figure is bound too: nothing changes
    assert [f["retrieval"] for f in found] == [1.0, 0.5]


@pytest.mark.parametrize(("clause", "trimmed"), [
    ("驻企业当起“店小二”，", "驻企业当起“店小二”"),  # the closing mark pairs with one inside
    ("“三支力量”的作用。", "“三支力量”的作用"),
    ("“好消息”", "好消息"),  # a clause that is all quote: no marks
    ("力量”的作用，", "力量”的作用"),  # opened in the clause before: no mark the text does not print
])
def test_a_bold_clause_keeps_the_quote_marks_it_pairs(clause, trimmed):
    from retrieval.compose import trim_clause

    assert trim_clause(clause) == trimmed
