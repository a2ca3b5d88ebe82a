"""Tests for index.page_parser on the two seed newspaper pages: counts, titles, dates, bylines, spans, ids.

The seed pages are parsed exactly as `make index` reads them (UTF-8, relative file name as source). The
expected titles, bylines, dates and line spans are pinned: a change to the parser that moves any of them
must be a deliberate one.
"""

from __future__ import annotations

import pytest

from config.profile import load_profile
from index.page_parser import CONTINUATION, parse_page
from tests.seedpages import PAGE_000, PAGE_001, _by_title, _raw, parse_seed_pages

PROFILE = load_profile()

TITLES = {
    PAGE_000: [
        "好消息 我市连续5天无新增病例 治愈出院人数增至46人",
        "市委常委会召开会议 传达贯彻习近平总书记近期重要讲话精神 研究部署疫情防控 产业项目建设 温暖企业等工作",
        "阳卫国调度寄递企业复工复产工作 畅通寄递渠道 全面恢复寄递服务",
        "雨水过后是惊蛰",
        "春运结束 客运量下降六成",
        "中车电动推出“云控净化”新能源客车 可实现远程消毒、实时杀菌，除菌率高达99%",
        "用心用情用功 演绎春天的故事 N 机关干部上前线 合力打赢防疫战",
        "醴陵市321家规模工业企业复工复产",
        "更坚决 更精准 做好“两防” “两确保” 疫情防控和复工复产怎样“两手抓”—— 这些部门运筹帷幄各有高招",
    ],
    PAGE_001: [
        "我市连续两天新增确诊病例为0 市卫健委提醒：谈“胜利”还为时尚早，防控措施仍要做实做细",
        "毛腾飞调度机关干部进社区(村)到企业支援疫情防控等工作时强调 切实防松懈防偏颇 扎实抓好疫情防控及经济社会发展",
        "毛腾飞走访市委网信办时强调 更好发挥网信战线在打赢疫情防控阻击战中的重要作用",
        "阳卫国赴醴陵督导时强调 坚持疫情防控和复工复产两手抓两不误",
        "多项利好“驰援”中小企业 多部门合力帮助企业复工复产渡难关",
        "出台系列硬核举措 开启“战疫情·保生产”模式 北汽株洲分公司正式复产",
        "9条硬核措施 规范社区(村)疫情防控",
        "防松懈 防偏颇 精准战疫情",
        "步步高集团为我市捐赠 16.29万元防疫物资",
    ],
}

DATES = {
    PAGE_000: ["2020-02-20", "2020-02-20", "2020-02-20", "2020-02-20", "2020-02-18", "2020-02-20", "2020-02-20",
               "2020-02-18", "2020-02-20"],
    PAGE_001: ["2020-02-17", "2020-02-17", "2020-02-17", "2020-02-17", "2020-02-17", "2020-02-16", "2020-02-16",
               "2020-02-17", "2020-02-17"],
}

BYLINES = {
    PAGE_000: [
        "株洲日报记者 刘琼 通讯员/朱卫健",
        "株洲日报记者 胡文洁",
        "株洲日报记者 邓伟勇",
        "李支国",
        "株洲日报记者 廖明 通讯员/夏四亮",
        "株洲日报记者 胡乐 通讯员/林乐 谢嘉",
        "株洲日报记者 沈全华 通讯员/刘杜艳 肖婧 陈华",
        "株洲日报记者 李逸峰 通讯员/张勇 彭丽娜 刘涛",
        "株洲日报记者 马文章 温琳 刘平 通讯员/凌应良 舒明生 马林 康伟传",
    ],
    PAGE_001: [
        "株洲日报记者 刘琼 通讯员/朱卫健",
        "株洲日报记者 胡文洁",
        "株洲日报记者 罗欣",
        "株洲日报记者 邓伟勇",
        "",  # 多项利好“驰援”中小企业: printed without a byline
        "株洲日报记者 俞强年 通讯员/黄进",
        "株洲日报记者 马文章",
        "朱理平",
        "株洲日报记者 高晓燕",
    ],
}

SPANS = {
    PAGE_000: [(5, 20), (22, 50), (52, 66), (68, 82), (84, 97), (99, 116), (118, 160), (162, 183), (185, 202)],
    PAGE_001: [(5, 20), (22, 48), (50, 72), (74, 88), (90, 130), (132, 147), (153, 173), (175, 197), (199, 205)],
}


@pytest.fixture(scope="module")
def pages() -> dict[str, list]:
    return parse_seed_pages()


# --- counts, titles, dates, bylines ------------------------------------------------------------------------


@pytest.mark.parametrize("name", [PAGE_000, PAGE_001])
def test_nine_articles_per_seed_page(pages, name: str) -> None:
    assert len(pages[name]) == 9


@pytest.mark.parametrize("name", [PAGE_000, PAGE_001])
def test_titles_are_pinned(pages, name: str) -> None:
    assert [a.title for a in pages[name]] == TITLES[name]


@pytest.mark.parametrize("name", [PAGE_000, PAGE_001])
def test_dates_from_datelines_and_page_date(pages, name: str) -> None:
    assert [a.date for a in pages[name]] == DATES[name]


def test_dateline_dates_of_named_articles(pages) -> None:
    assert _by_title(pages[PAGE_000], "春运结束").date == "2020-02-18"
    assert _by_title(pages[PAGE_000], "醴陵市321家").date == "2020-02-18"
    # no dateline (a commentary): the page's date, the latest dateline on the page
    assert _by_title(pages[PAGE_000], "雨水过后是惊蛰").date == "2020-02-20"
    assert _by_title(pages[PAGE_001], "北汽株洲分公司正式复产").date == "2020-02-16"
    assert _by_title(pages[PAGE_001], "9条硬核措施").date == "2020-02-16"
    assert _by_title(pages[PAGE_001], "防松懈 防偏颇").date == "2020-02-17"


@pytest.mark.parametrize("name", [PAGE_000, PAGE_001])
def test_bylines_are_pinned(pages, name: str) -> None:
    assert [a.byline for a in pages[name]] == BYLINES[name]


def test_commentary_author_is_the_byline_not_the_text(pages) -> None:
    rain = _by_title(pages[PAGE_000], "雨水过后是惊蛰")
    assert rain.byline == "李支国"
    assert "李支国" not in rain.text
    comment = _by_title(pages[PAGE_001], "防松懈 防偏颇")
    assert comment.byline == "朱理平"
    assert "朱理平" not in comment.text
    assert comment.subtitle == "——全力“两手抓”奋战“两确保”系列评论之一"
    assert comment.text.startswith("疫情防控“要切实防松懈、防偏颇”。")


def test_bylines_never_leak_into_text(pages) -> None:
    for name, articles in pages.items():
        for article in articles:
            assert not article.text.startswith(("株洲日报记者", "通讯员")), (name, article.title)
            assert "通讯员/" not in article.text, (name, article.title)


def test_subtitle_dash_line_is_kept_apart(pages) -> None:
    story = _by_title(pages[PAGE_000], "用心用情用功")
    assert story.subtitle == "——我市1500余名驻村帮扶队员抓防疫促生产侧记"
    assert "——我市1500余名" not in story.title
    assert "——我市1500余名" not in story.text


def test_paper_defaults_to_zhuzhou_daily(pages) -> None:
    assert {a.paper for articles in pages.values() for a in articles} == {"株洲日报"}


def test_article_starting_mid_quote_gets_its_headline(pages) -> None:
    article = next(a for a in pages[PAGE_001] if a.text.startswith("帮了我们大忙！”"))
    assert "多项利好“驰援”中小企业" in article.title
    assert "多部门合力帮助企业复工复产渡难关" in article.title
    assert article.byline == ""
    assert article.date == "2020-02-17"
    # its section marks and sub-headings stay inside the article, not split into new ones
    assert "【财税支持】" in article.text and "贷款利率下调" in article.text


# --- line spans and ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [PAGE_000, PAGE_001])
def test_line_spans_are_pinned(pages, name: str) -> None:
    assert [(a.line_start, a.line_end) for a in pages[name]] == SPANS[name]


@pytest.mark.parametrize("name", [PAGE_000, PAGE_001])
def test_line_spans_point_into_the_file(pages, name: str) -> None:
    lines = _raw(name).split("\n")
    previous_end = 0
    for article in pages[name]:
        assert previous_end < article.line_start <= article.line_end <= len(lines)
        previous_end = article.line_end
        # the span opens on the headline and closes on the article's last words
        assert lines[article.line_start - 1].strip() in article.title
        last = CONTINUATION.sub("", lines[article.line_end - 1]).strip()
        assert last and article.text.endswith(last), (article.title, last)
        assert article.source == name


def test_ids_are_stable_and_distinct() -> None:
    for name in (PAGE_000, PAGE_001):
        first = parse_page(_raw(name), name, 2020, PROFILE)
        again = parse_page(_raw(name), name, 2020, PROFILE)
        assert [a.id for a in first] == [a.id for a in again]
    both = [a.id for name in (PAGE_000, PAGE_001) for a in parse_page(_raw(name), name, 2020, PROFILE)]
    assert len(set(both)) == len(both) == 18
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in both)


def test_id_depends_on_content_not_on_file_name() -> None:
    raw = _raw(PAGE_000)
    here = parse_page(raw, PAGE_000, 2020, PROFILE)
    renamed = parse_page(raw, "copies/other.txt", 2020, PROFILE)
    assert [a.id for a in here] == [a.id for a in renamed]
    changed = parse_page(raw.replace("治愈出院人数增至46人。", "治愈出院人数增至47人。"), PAGE_000, 2020, PROFILE)
    assert changed[0].id != here[0].id
    assert [a.id for a in changed[1:]] == [a.id for a in here[1:]]


def test_windows_line_endings_parse_the_same() -> None:
    raw = _raw(PAGE_001)
    unix = parse_page(raw, PAGE_001, 2020, PROFILE)
    dos = parse_page(raw.replace("\n", "\r\n"), PAGE_001, 2020, PROFILE)
    assert [(a.id, a.line_start, a.line_end) for a in dos] == [(a.id, a.line_start, a.line_end) for a in unix]


def test_page_and_publication_date_from_the_header_or_the_jump_lines() -> None:
    """A reader knows a report by paper, publication date and page: a header says them (``edition:`` /
    ``page:``); without one, "下转A2版" says this is page A1 and the publication date stays unknown."""
    bare = parse_page(_raw(PAGE_001), PAGE_001, 2020, PROFILE)
    assert {(a.paper, a.published, a.page) for a in bare} == {("株洲日报", None, "A1")}
    dated = parse_page("edition: 2020-02-18\npage: 第A3版\n\n" + _raw(PAGE_001).replace("下转", "转"), PAGE_001, 2020, PROFILE)
    assert {(a.published, a.page) for a in dated} == {("2020-02-18", "A3")}
    assert [a.date for a in dated] == [a.date for a in bare]  # the dateline's date is kept apart
    undated = parse_page(_raw(PAGE_001).replace("下转 A2 版", "下转 A3 版"), PAGE_001, 2020, PROFILE)
    assert {a.page for a in undated} == {""}  # a jump to A3 may come from A1 or A2: not guessed
