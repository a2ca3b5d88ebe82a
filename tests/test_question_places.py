"""Reading a question: places without false positives, a misspelt home city, what is no subject or no count."""

from __future__ import annotations

import pytest

from retrieval.facts import unknown_subject
from retrieval.normalize import normalize


@pytest.mark.parametrize("question", [
    "巴西龟能活多少年",  # a species
    "西湖醋鱼怎么做",  # a dish
    "吉林大学有多少学生",  # an organisation
    "萧山国际机场旅客有多少",  # a county's short name in a longer name
    "顺德双皮奶多少钱一碗",
])
def test_a_place_name_inside_a_longer_word_is_no_place(profile, gaz, question):
    assert normalize(question, profile, gaz).places == ()


@pytest.mark.parametrize(("question", "place"), [
    ("巴西累计确诊多少", "巴西"), ("吉林有多少确诊病例", "吉林省"), ("萧山区新增多少例", "萧山区"),
    ("长沙市中心的医院", "长沙市"), ("湖北武汉累计确诊", "武汉市"),
])
def test_a_place_that_is_a_word_is_still_found(profile, gaz, question, place):
    assert [p.name for p in normalize(question, profile, gaz).places] == [place]


def test_a_misspelt_home_city_is_read_as_it(profile, gaz):
    query = normalize("株州累计确诊多少", profile, gaz)
    assert query.respelled == (("株州", "株洲"),)
    assert "株洲" in query.text and query.places == ()


@pytest.mark.parametrize(("question", "wrong", "right"), [
    ("荷糖区累计确诊多少", "荷糖区", "荷塘区"),  # 糖 and 塘: both táng
    ("芦松区有几例", "芦松区", "芦淞区"),
    ("石锋新增了多少", "石锋", "石峰"),  # a district's short name
])
def test_a_home_district_misspelt_by_sound_is_read_as_it(profile, gaz, question, wrong, right):
    query = normalize(question, profile, gaz)
    assert query.respelled == ((wrong, right),)
    assert right in query.text and [p.name for p in query.home_places] == [right if right.endswith("区") else right + "区"]


@pytest.mark.parametrize("question", [
    "哪个路口封闭了",  # 路口 (lù kǒu) is a word, not 渌口 misspelt
    "炎林县有病例吗",  # 林 (lín) does not sound like 陵 (líng)
    "长纱有多少确诊",  # 长沙 is not the home city: only the home city's names are read by sound
    "株洲现在还有多少人在医院",  # 株洲现 (xiàn, as 县) cuts the word 现在
])
def test_a_word_or_another_sound_is_no_misspelling(profile, gaz, question):
    assert normalize(question, profile, gaz).respelled == ()


def test_a_short_place_name_before_a_noun_abbreviation_is_no_place(profile, gaz):
    assert normalize("望江塔是什么时候建的", profile, gaz).places == ()  # a tower, not 望江县
    assert [p.name for p in normalize("望江县累计确诊多少", profile, gaz).places] == ["望江县"]


@pytest.mark.parametrize(("question", "company", "places"), [
    ("杭州钢铁长沙分公司的产量多少", "杭州钢铁", ["长沙市"]),  # the branch is in 长沙
    ("重庆啤酒长沙工厂停产了吗", "重庆啤酒", ["长沙市"]),
    ("广州汽车集团株洲工厂有多少工人", "广州汽车集团", []),  # in the home city
])
def test_a_place_that_begins_a_companys_name_before_its_branch_is_no_place(profile, gaz, question, company, places):
    query = normalize(question, profile, gaz)
    assert query.companies == (company,) and [p.name for p in query.places] == places


@pytest.mark.parametrize("question", ["北京的口罩生产企业有多少家", "长沙地铁什么时候恢复运营", "上海新增确诊多少"])
def test_a_place_before_nouns_without_a_branch_is_still_a_place(profile, gaz, question):
    query = normalize(question, profile, gaz)
    assert query.companies == () and len(query.places) == 1


def test_a_company_is_found_by_the_short_name_the_paper_prints(seed_engine):
    answer = seed_engine.ask("北京汽车株洲分公司的冲压车间恢复运行了吗")  # the paper says 北汽株洲分公司
    assert answer.answered and "北汽株洲分公司" in answer.sources[0].quote, answer.decline
    answer = seed_engine.ask("北京银行株洲分行放了多少贷款")  # the paper names 建行株洲分行 only
    assert not answer.answered and (answer.decline.reason, answer.decline.subject) == ("not_covered", "北京银行")


def test_the_reply_says_how_a_misspelling_was_read(seed_engine):
    answer = seed_engine.ask("株州累计确诊多少")
    assert answer.answered and "78例" in (answer.answer or "")
    assert "按“株洲”理解“株州”" in (answer.note or "")
    answer = seed_engine.ask("荷糖区有多少确诊病例")
    assert "21例" in (answer.answer or "") and "按“荷塘区”理解“荷糖区”" in (answer.note or "")


@pytest.mark.parametrize("question", ["有多少人在接受医学观察", "目前有多少人正在接受隔离观察"])
def test_how_many_people_is_no_unknown_subject(profile, gaz, question):
    assert unknown_subject(normalize(question, profile, gaz), profile, gaz) is None


@pytest.mark.parametrize(("question", "metric"), [
    ("现有多少家企业复工", None), ("累计完成客运量多少", None), ("共有多少家企业捐款", None),
    ("新增多少例", "新增确诊"), ("湖北省累计多少例", "累计确诊"), ("全国现有多少", "现有确诊"),
])
def test_a_qualifier_alone_is_an_epidemic_count_only_without_another_noun(profile, gaz, question, metric):
    from retrieval.facts import asked_metric

    assert asked_metric(normalize(question, profile, gaz), profile) == metric


@pytest.mark.parametrize(("question", "asking"), [
    ("柏林影展是哪一年改为2月举行的", "哪一年"),
    ("芙蓉洞大约什么时候开始对游人开放", "什么时候"),
    ("我发烧咳嗽了怎么办", "怎么办"),
])
def test_question_words_are_no_keywords(profile, question, asking):
    from retrieval.question import keywords

    query = normalize(question, profile)
    assert asking in query.asking  # found once, by normalize
    plain = keywords(query)
    assert not any(word in asking for word in plain) and "大约" not in plain
    assert plain  # what the question is about stays


@pytest.mark.parametrize(("written", "name"), [
    ("How many confirmed cases in Liling?", "醴陵"), ("in Hetang District", "荷塘"), ("Chaling County", "茶陵"),
    ("in You County", "攸县"), ("Lukou District", "渌口"), ("Hunan", "湖南"), ("Zhuzhou", "株洲"),
])
def test_a_place_written_in_pinyin_is_found(gaz, written, name):
    assert name in [zh for _, zh in gaz.from_roman(written)]


@pytest.mark.parametrize("written", ["How many in Paris?", "You are welcome", "What happened in February?"])
def test_other_capitalised_words_are_no_places(gaz, written):
    assert gaz.from_roman(written) == []


def test_an_english_question_about_an_unknown_place_is_declined_not_answered_for_the_home_city(profile, gaz):
    assert normalize("How many confirmed cases in Paris?", profile, gaz).unknown_places == ("Paris",)
    assert normalize("How many new cases in Zhuzhou on February 19?", profile, gaz).unknown_places == ()
    assert normalize("How many cases in February?", profile, gaz).unknown_places == ()
    liling = normalize("How many people recovered in Liling?", profile, gaz)
    assert [p.name for p in liling.home_places] == ["醴陵市"] and not liling.unknown_places


@pytest.mark.parametrize(("question", "bold"), [
    ("How many confirmed cases in Hetang District?", "荷塘区累计确诊21例"),
    ("How many people recovered in Liling?", "醴陵市累计出院5例"),
])
def test_an_english_question_about_a_district_gets_the_districts_figure(seed_engine, question, bold):
    assert (seed_engine.ask(question).answer or "").startswith(bold), seed_engine.ask(question).answer


def test_an_english_question_about_a_place_the_reports_lack_is_declined(seed_engine):
    answer = seed_engine.ask("How many confirmed cases in Paris?")
    assert not answer.answered and answer.decline.reason == "not_covered" and answer.decline.subject == "Paris"


@pytest.mark.parametrize(("question", "word"), [("株洲市长是谁", "市长"), ("株洲市区有多少确诊", "市区")])
def test_a_division_suffix_that_starts_a_noun_is_that_nouns(profile, gaz, question, word):
    from retrieval.question import keywords

    assert word in keywords(normalize(question, profile, gaz))  # jieba alone cut 株洲市/长是


def test_a_question_about_the_mayor_is_not_declined(seed_engine):
    answer = seed_engine.ask("株洲市长是谁")
    assert answer.answered and "市长阳卫国" in answer.sources[0].quote, answer.decline


@pytest.mark.parametrize(("question", "part"), [
    ("株洲的确诊病例中男性有多少", True), ("确诊病例当中儿童有几个", True),  # a part no fact counts: quotes
    ("湖北新增病例中黄冈有几例", False), ("确诊患者中危重症有几例", False),  # a place's or a thing's figure
    ("株洲累计确诊多少", False),
])
def test_a_part_of_the_cases_is_asked_with_among(profile, gaz, question, part):
    from retrieval.facts import asks_part

    assert asks_part(normalize(question, profile, gaz), profile) == part


@pytest.mark.parametrize(("question", "counts"), [
    ("株洲有几个县区没有确诊病例", False),  # counts districts, not cases
    ("多少名医护人员确诊", False),  # counts medical staff: a part
    ("株洲有几个确诊病例", True), ("株洲有多少个新增确诊病例", True), ("醴陵有几个确诊", True),
])
def test_a_counter_before_another_noun_counts_that_noun(profile, gaz, question, counts):
    from retrieval.facts import counts_thing

    assert counts_thing(normalize(question, profile, gaz), profile) == counts


def test_released_from_observation_is_its_own_measure(profile, gaz):
    from retrieval.facts import named_thing

    assert named_thing(normalize("株洲有多少密切接触者解除了医学观察", profile, gaz), profile).name == "解除医学观察"
