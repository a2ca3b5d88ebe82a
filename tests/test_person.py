"""Who-questions (issue 16: a person is a type too): the name a report prints right after the role the question asks
about is bold, bound to the question's other words; two people for one role, a role that is a piece of another
(市长 of 副市长) or a question that names them already give passages without a bold. Sentences written for these tests."""

from __future__ import annotations

import pytest

from config.profile import load_profile
from news.figures import grammar
from retrieval.normalize import normalize
from retrieval.person import asked_role, asked_verb, person_after, person_before
from tests.buildkit import paper_article as article

PROFILE = load_profile()


@pytest.mark.parametrize(("question", "role"), [
    ("中车电动总工程师是谁", "总工程师"),
    ("哪位副市长参加了寄递企业复工调度", "副市长"),  # jieba's 副 and 市长: one role
    ("株洲市长是谁", "市长"),  # 株洲市 长是: read as 株洲 市长
    ("医院的设计师是哪位", "设计师"),
    ("谁是中车电动的总工程师？", "总工程师"),  # 谁是 …: the last word
    ("谁是株洲市长", "市长"),
    ("谁是他", None),
    ("谁主持了会议", None),  # no role: passages
    ("他是谁", None),
    ("哪个区确诊最多", None),  # 区: one character, a place, no role
    ("Who is the chief engineer?", None),
])
def test_the_role_a_who_question_asks_about(question, role):
    assert asked_role(normalize(question, PROFILE, grammar(PROFILE).gazetteer)) == role


@pytest.mark.parametrize(("text", "role", "names"), [
    ("中车电动总工程师王明介绍，系统安全稳定。", "总工程师", ["王明"]),
    ("市委副书记、市长李华来到现场。", "市长", ["李华"]),  # one person's two roles
    ("副市长赵刚参加调度。", "市长", []),  # 市长 is a piece of 副市长: another role
    ("设计师为安东尼·巴卢奇。", "设计师", ["安东尼·巴卢奇"]),  # 为 between, a transliterated name
    ("总工程师介绍了新车。", "总工程师", []),  # nobody named
])
def test_a_name_right_after_the_role(text, role, names):
    assert [text[a:b] for a, b in person_after(text, role)] == names


@pytest.mark.parametrize(("question", "verb"), [
    ("2月20日市委常委会是谁主持的", "主持"),
    ("谁推荐他担任县尉", "推荐"),
    ("他受谁重用过", "重用"),
    ("他被谁杀害", None),  # by whom: the doer stands after 被, not before the verb
    ("这是谁的书", None),  # whose
    ("谁是总工程师", None),
])
def test_the_deed_a_who_question_asks_the_doer_of(question, verb):
    assert asked_verb(normalize(question, PROFILE, grammar(PROFILE).gazetteer)) == verb


@pytest.mark.parametrize(("text", "verb", "names"), [
    ("市委书记、市人大常委会主任刘强主持会议并讲话。", "主持", ["刘强"]),  # 主持 begins jieba's 主持会议
    ("会议由陈立主持。", "主持", ["陈立"]),
    ("会议由他主持。", "主持", []),  # a pronoun is no name
    ("路上遇左伯桃，二人结为兄弟。", "结为", []),  # 二人: how many, not who (jieba may tag it a name)
    ("主持人介绍了嘉宾。", "主持", []),
])
def test_a_name_right_before_the_verb(text, verb, names):
    assert [text[a:b] for a, b in person_before(text, verb)] == names


@pytest.fixture(scope="module")
def engine(small_build):
    return small_build(
        article("新能源客车", "株洲日报讯 近日，中车电动推出新能源客车。中车电动总工程师王明介绍，该车除菌率高达99%。"),
        article("寄递企业调度", "株洲日报讯 2月20日，市长李华调度寄递企业复工复产工作。副市长赵刚参加调度。"),
        article("两所学校", "株洲日报讯 红星中学校长陈立主持开学仪式。育才小学校长周敏带领教师家访。"),
        article("市委常委会召开会议", "株洲日报讯 2月20日，市委常委会召开会议。市委书记刘强主持会议并讲话。"),
    )


@pytest.mark.parametrize(("question", "right"), [
    ("中车电动总工程师是谁", "王明"),
    ("哪位副市长参加了寄递企业复工调度", "赵刚"),
    ("市长是谁", "李华"),  # not 赵刚, whose 市长 is 副市长
    ("2月20日市委常委会是谁主持的", "刘强"),  # the name right before 主持
])
def test_the_person_after_the_asked_role_is_bold(engine, question, right):
    answer = engine.ask(question)
    assert answer.answer and right in answer.answer, (question, answer.answer)
    assert answer.sources and right in answer.sources[0].quote


@pytest.mark.parametrize("question", [
    "校长是谁",  # two schools, two 校长: no bold
    "中车电动总工程师王明是谁",  # names him already
])
def test_no_bold_when_the_role_does_not_bind_one_person(engine, question):
    answer = engine.ask(question)
    assert not answer.answer, (question, answer.answer)
