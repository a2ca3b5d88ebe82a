"""The profile is the one place a newsroom edits: another city's profile changes the home label in /latest, the
help's examples, the declines' hints, the default place and the datelines — with no code change."""

from __future__ import annotations

import re

import pytest

from config import Settings
from config.profile import DEFAULT_PROFILE, load_profile
from news.places import load_gazetteer
from retrieval.answer import Answer, Coverage, Decline
from retrieval.normalize import normalize
from retrieval.render import answer_text, help_html, latest_html, latest_text
from retrieval.service import Service

PROFILE = load_profile()

FOSHAN_HOME = """[home]
city = "广东省佛山市"
label = "佛山"
papers = ["佛山日报"]
city_words = ["我市", "全市", "本市"]
province_words = ["全省", "我省", "本省"]
country_words = ["全国", "我国"]
extra_places = {}
renamed = {}
datelines = ["佛山日报讯", "本报讯"]
examples = ["佛山累计确诊多少", "截至2月16日，佛山累计出院多少例？"]

"""


@pytest.fixture(scope="module")
def foshan(tmp_path_factory):
    """config/profile.toml with another [home]: 佛山日报 in 广东省佛山市 (nothing else changed)."""
    text = DEFAULT_PROFILE.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[home\].*?(?=^\[coverage\])", lambda _: FOSHAN_HOME, text)
    path = tmp_path_factory.mktemp("profile") / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


ROWS = [
    {"metric": "累计确诊", "region": "佛山", "value": "84", "unit": "例", "asof_label": "2020年2月19日24时"},
    {"metric": "累计确诊", "region": "南海区", "value": "21", "unit": "例", "asof_label": "2020年2月16日24时"},
]


def test_latest_titles_name_the_profiles_home_city(foshan):
    text = latest_text(ROWS, foshan)
    assert text.startswith("佛山最新疫情数字\n• 累计确诊：84例")
    assert "各区县（截至2020年2月16日24时）\n• 南海区：累计确诊21例" in text
    assert "<b>佛山最新疫情数字</b>" in latest_html(ROWS, profile=foshan)[0]
    assert "株洲" not in text
    assert latest_text(ROWS, PROFILE).startswith("株洲最新疫情数字\n\n各区县（截至2020年2月19日24时）\n• 佛山：累计确诊")  # not home


def test_help_and_declines_show_the_profiles_examples(foshan):
    covered = Coverage(("佛山日报",), False, 10, "2021-03-01", "2021-03-05", ("佛山",), False, ("疫情通报",))
    page = help_html(covered, foshan)
    assert "<b>佛山本地新闻</b>" in page and "• 佛山累计确诊多少" in page and "株洲" not in page
    assert "现有佛山日报10篇报道（2021年3月1日至2021年3月5日），主要是佛山的疫情通报。" in page
    declined = answer_text(Answer.declined("明天会下雨吗", Decline("live", covered)), foshan)
    assert declined.endswith("可以试试：佛山累计确诊多少 / 截至2月16日，佛山累计出院多少例？")
    assert "株洲累计确诊多少" in help_html(covered, PROFILE)  # the default profile is still 株洲's


def test_the_default_place_is_the_profiles_home_city(foshan):
    gazetteer = load_gazetteer(foshan)
    assert (gazetteer.home.name, gazetteer.home.province) == ("佛山市", "广东省")
    assert gazetteer.label(gazetteer.home) == "佛山"
    query = normalize("南海区累计确诊多少", foshan, gazetteer)
    assert [p.name for p in query.home_places] == ["南海区"] and query.places == ()  # home scope, not "elsewhere"
    assert "佛山" in query.home_words
    elsewhere = normalize("株洲累计确诊多少", foshan, gazetteer)
    assert [p.name for p in elsewhere.places] == ["株洲市"]  # 株洲 is another city for 佛山日报


def test_datelines_and_question_words_come_from_the_profile(foshan):
    assert foshan.strip_dateline("佛山日报讯 2月19日，全市…") == "2月19日，全市…"
    assert foshan.strip_dateline("株洲日报讯 2月19日") == "株洲日报讯 2月19日"
    assert load_profile().strip_dateline("株洲日报讯 2月19日") == "2月19日"
    assert foshan.is_chitchat("谢谢！") and not foshan.is_chitchat("谢谢，佛山累计确诊多少")
    assert foshan.asks_live("今天佛山天气怎么样") and not foshan.asks_live("佛山累计确诊多少")


def test_the_service_words_replies_by_the_configured_profile(foshan, tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index", profile=foshan.path)
    service = Service(settings)  # no index yet: the wording is still the newsroom's
    assert service.profile is foshan and service.profile.example == "佛山累计确诊多少"


FOSHAN_PAGE = """南海区举行春季植树活动

佛山日报记者 王测试

佛山日报讯 3月4日，南海区在千灯湖公园举行春季植树活动，共栽种树苗500余株。

活动现场，志愿者们分工协作，挖坑、扶苗、培土、浇水。
"""


def test_page_dumps_are_read_as_the_profiles_paper(foshan):
    from index.page_parser import parse_page

    [article] = parse_page(FOSHAN_PAGE, "p.txt", 2021, foshan)
    assert (article.paper, article.byline, article.date) == ("佛山日报", "佛山日报记者 王测试", "2021-03-04")
    assert article.title == "南海区举行春季植树活动" and article.text.startswith("佛山日报讯 3月4日")
    [default] = parse_page(FOSHAN_PAGE, "p.txt", 2021, PROFILE)  # 株洲日报's profile: not its dateline, not its reporter
    assert default.paper == "株洲日报" and default.date is None and "佛山日报记者" not in default.byline
