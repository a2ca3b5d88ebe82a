"""Tests for index.page_parser on the two seed newspaper pages (and a small synthetic page).

The seed pages are parsed exactly as `make index` reads them (UTF-8, relative file name as source). The
expected titles, bylines, dates and line spans are pinned: a change to the parser that moves any of them
must be a deliberate one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.page_parser import CONTINUATION, parse_page

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "articles"
PAGE_000 = "000_b7adce7465891e7b.txt"
PAGE_001 = "001_303c1fde1aee8707.txt"

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


def _raw(name: str) -> str:
    return (SEED_DIR / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages() -> dict[str, list]:
    return {name: parse_page(_raw(name), name, 2020) for name in (PAGE_000, PAGE_001)}


def _by_title(articles: list, fragment: str):
    found = [a for a in articles if fragment in a.title]
    assert len(found) == 1, f"expected one article titled with {fragment!r}, got {[a.title for a in found]}"
    return found[0]


def _all_text(pages: dict[str, list]) -> list[str]:
    return [a.text for articles in pages.values() for a in articles]


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


# --- layout repairs ------------------------------------------------------------------------------------------


def test_paragraph_cut_by_column_is_joined(pages) -> None:
    first = pages[PAGE_000][0]
    assert "在院治疗38例；已解除医学观察1419人" in first.text
    assert "在院治疗38\n" not in first.text


def test_join_across_break_in_long_paragraph(pages) -> None:
    meeting = _by_title(pages[PAGE_000], "市委常委会召开会议")
    assert "早治疗。要更加关心关爱医务人员" in meeting.text
    assert "要\n更加" not in meeting.text
    assert "防止返贫监测和帮扶机制" in meeting.text
    assert "紧紧抓住疫情防控带来的市场机遇" in meeting.text


def test_place_name_broken_over_lines_is_joined(pages) -> None:
    first = pages[PAGE_001][0]
    assert "石峰区9例、醴陵市8例、攸县7例" in first.text
    assert "醴\n陵" not in first.text
    assert all("醴\n陵" not in text for text in _all_text(pages))


def test_short_prose_line_cut_by_column_is_not_a_subheading(pages) -> None:
    """A cut line of prose that looks like a headline (no full stop at its end) is joined back."""
    bus = _by_title(pages[PAGE_000], "中车电动")
    assert "增加感染风险的主要原因。" in bus.text
    assert "的主\n要原因" not in bus.text
    mao = _by_title(pages[PAGE_001], "毛腾飞调度机关干部")
    assert "要密切监测疫情对经济运行的冲击和影响，" in mao.text
    assert "冲击\n和影响" not in mao.text


def test_only_subheadings_and_cut_endings_lack_a_full_stop(pages) -> None:
    """Every paragraph ends a sentence, except short sub-headings and an article cut by "下转"."""
    open_ended = []
    for name, articles in pages.items():
        for article in articles:
            for paragraph in article.text.split("\n"):
                if paragraph.rstrip("”’」』）)")[-1] not in "。！？；…!?;":
                    open_ended.append((name, paragraph))
    assert open_ended == [
        (PAGE_000, "用心，联防联控让病魔无所遁形"),
        (PAGE_000, "用情，群策群力织牢疫情防控网"),
        (PAGE_000, "用功，组织生产不负好春光"),
        (PAGE_000, "市人社局： 线上发布用工信息"),
        (PAGE_000, "同时，全市市社部门还组织安排接送农民工车辆31台次，"),  # continues on page A2
        (PAGE_001, "【财税支持】"),
        (PAGE_001, "重点保障物资免征增值税"),
        (PAGE_001, "【金融服务】"),
        (PAGE_001, "贷款利率下调"),
    ]


def test_continuation_markers_are_dropped(pages) -> None:
    for text in _all_text(pages):
        assert ">>>" not in text
        assert "下转" not in text
        assert "A2版" not in text and "A2 版" not in text
    assert pages[PAGE_001][0].text.endswith("取得了阶段性胜利？")
    assert pages[PAGE_001][6].text.endswith("送至定点发热门诊就诊。")
    assert pages[PAGE_000][8].text.endswith("接送农民工车辆31台次，")


def test_continuation_pattern_variants() -> None:
    for marker in (">>> 下转A2版", ">>> 下转 A2 版①", "（下转A3版）", "上接A1版", "(下转2版)"):
        assert CONTINUATION.sub("", f"正文。{marker}") == "正文。", marker


def test_photo_captions_and_credits_are_dropped(pages) -> None:
    texts = _all_text(pages)
    for fragment in ("郭韵云 摄", "北汽株洲分公司复工。", "中车电动推出的“云控净化”新能源客车。",
                     "湖南炎陵县能玻玻璃有限公司车间内", "调试深加工玻璃生产设备"):
        assert all(fragment not in text for text in texts), fragment
    # ... and the caption did not swallow the paragraph that was cut around it
    liling = _by_title(pages[PAGE_000], "醴陵市321家")
    assert "普通公路防疫卡点，清除乡、村道路物理隔离设施" in liling.text


def test_headline_dropped_into_a_paragraph_moves_out(pages) -> None:
    article = _by_title(pages[PAGE_000], "更坚决 更精准")
    assert "疫情防控和复工复产怎样“两手抓”" not in article.text
    assert "助力企业又快又好地复工复产。" in article.text
    assert "疫情防控和复工复产怎样“两手抓”" in article.title
    assert all("这些部门运筹帷幄各有高招" not in text for text in _all_text(pages))


def test_duplicated_paragraph_is_kept_once(pages) -> None:
    article = _by_title(pages[PAGE_001], "毛腾飞走访市委网信办")
    assert article.text.count("毛腾飞强调，当前，疫情防控工作到了最吃劲的关键阶段") == 1
    paragraphs = article.text.split("\n")
    assert len(paragraphs) == len(set(paragraphs))


def test_text_has_no_blank_or_padded_paragraphs(pages) -> None:
    for text in _all_text(pages):
        for paragraph in text.split("\n"):
            assert paragraph and paragraph == paragraph.strip()


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
        first = parse_page(_raw(name), name, 2020)
        again = parse_page(_raw(name), name, 2020)
        assert [a.id for a in first] == [a.id for a in again]
    both = [a.id for name in (PAGE_000, PAGE_001) for a in parse_page(_raw(name), name, 2020)]
    assert len(set(both)) == len(both) == 18
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in both)


def test_id_depends_on_content_not_on_file_name() -> None:
    raw = _raw(PAGE_000)
    here = parse_page(raw, PAGE_000, 2020)
    renamed = parse_page(raw, "copies/other.txt", 2020)
    assert [a.id for a in here] == [a.id for a in renamed]
    changed = parse_page(raw.replace("治愈出院人数增至46人。", "治愈出院人数增至47人。"), PAGE_000, 2020)
    assert changed[0].id != here[0].id
    assert [a.id for a in changed[1:]] == [a.id for a in here[1:]]


def test_windows_line_endings_parse_the_same() -> None:
    raw = _raw(PAGE_001)
    unix = parse_page(raw, PAGE_001, 2020)
    dos = parse_page(raw.replace("\n", "\r\n"), PAGE_001, 2020)
    assert [(a.id, a.line_start, a.line_end) for a in dos] == [(a.id, a.line_start, a.line_end) for a in unix]


# --- the year of a dateline -------------------------------------------------------------------------------------

SYNTHETIC = """date: 2021-03-05
paper: 湘江晚报

我市举行春季植树活动

株洲日报记者 王测试

株洲日报讯 3月4日，我市在神农公园举行春季植树活动，共栽种树苗500余株。

活动现场，志愿者们分工协作，挖坑、扶苗、培土、浇水。

全市多家单位开展学雷锋志愿服务

株洲日报记者 李测试

株洲日报讯 3月5日，全市多家单位组织志愿者走进社区，开展学雷锋志愿服务。
"""


def test_year_comes_from_the_header_line() -> None:
    articles = parse_page(SYNTHETIC, "page.txt", 2020)
    assert [a.title for a in articles] == ["我市举行春季植树活动", "全市多家单位开展学雷锋志愿服务"]
    assert [a.date for a in articles] == ["2021-03-04", "2021-03-05"]
    assert [a.byline for a in articles] == ["株洲日报记者 王测试", "株洲日报记者 李测试"]
    assert {a.paper for a in articles} == {"湘江晚报"}
    assert all("date:" not in a.text and "湘江晚报" not in a.text for a in articles)
    assert articles[0].line_start == 4  # header lines count: spans are lines of the file as it is
    assert articles[0].text.endswith("挖坑、扶苗、培土、浇水。")


def test_default_year_without_header() -> None:
    body = SYNTHETIC.split("\n", 2)[2]
    assert [a.date for a in parse_page(body, "page.txt", 2020)] == ["2020-03-04", "2020-03-05"]
    assert [a.date for a in parse_page(body, "page.txt", 2019)] == ["2019-03-04", "2019-03-05"]
    for key in ("edition: 2022-03-06", "year: 2023", "Date：2024年3月6日"):
        dated = parse_page(f"{key}\n\n{body}", "page.txt", 2020)
        year = key.split("20", 1)[1][:2]
        assert [a.date for a in dated] == [f"20{year}-03-04", f"20{year}-03-05"], key


def test_impossible_dateline_falls_back_to_page_date() -> None:
    page = SYNTHETIC.replace("3月5日，全市", "2月30日，全市")
    articles = parse_page(page, "page.txt", 2020)
    assert [a.date for a in articles] == ["2021-03-04", "2021-03-04"]


def test_continuation_markers_in_a_synthetic_page() -> None:
    page = SYNTHETIC.replace("共栽种树苗500余株。", "共栽种树苗500余株。>>> 下转A2版").replace(
        "活动现场，", "（上接A1版）活动现场，"
    )
    articles = parse_page(page, "page.txt", 2020)
    assert articles[0].text == (
        "株洲日报讯 3月4日，我市在神农公园举行春季植树活动，共栽种树苗500余株。\n"
        "活动现场，志愿者们分工协作，挖坑、扶苗、培土、浇水。"
    )
