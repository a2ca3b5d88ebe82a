"""index.page_parser's layout repairs on the seed pages, and the year of a dateline on a synthetic page."""

from __future__ import annotations

import pytest

from config.profile import load_profile
from index.page_parser import CONTINUATION, parse_page
from tests.seedpages import PAGE_000, PAGE_001, _all_text, _by_title, parse_seed_pages

PROFILE = load_profile()


@pytest.fixture(scope="module")
def pages() -> dict[str, list]:
    return parse_seed_pages()


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
    articles = parse_page(SYNTHETIC, "page.txt", 2020, PROFILE)
    assert [a.title for a in articles] == ["我市举行春季植树活动", "全市多家单位开展学雷锋志愿服务"]
    assert [a.date for a in articles] == ["2021-03-04", "2021-03-05"]
    assert [a.byline for a in articles] == ["株洲日报记者 王测试", "株洲日报记者 李测试"]
    assert {a.paper for a in articles} == {"湘江晚报"}
    assert all("date:" not in a.text and "湘江晚报" not in a.text for a in articles)
    assert articles[0].line_start == 4  # header lines count: spans are lines of the file as it is
    assert articles[0].text.endswith("挖坑、扶苗、培土、浇水。")


def test_default_year_without_header() -> None:
    body = SYNTHETIC.split("\n", 2)[2]
    assert [a.date for a in parse_page(body, "page.txt", 2020, PROFILE)] == ["2020-03-04", "2020-03-05"]
    assert [a.date for a in parse_page(body, "page.txt", 2019, PROFILE)] == ["2019-03-04", "2019-03-05"]
    for key in ("edition: 2022-03-06", "year: 2023", "Date：2024年3月6日"):
        dated = parse_page(f"{key}\n\n{body}", "page.txt", 2020, PROFILE)
        year = key.split("20", 1)[1][:2]
        assert [a.date for a in dated] == [f"20{year}-03-04", f"20{year}-03-05"], key


def test_impossible_dateline_falls_back_to_page_date() -> None:
    page = SYNTHETIC.replace("3月5日，全市", "2月30日，全市")
    articles = parse_page(page, "page.txt", 2020, PROFILE)
    assert [a.date for a in articles] == ["2021-03-04", "2021-03-04"]


def test_continuation_markers_in_a_synthetic_page() -> None:
    page = SYNTHETIC.replace("共栽种树苗500余株。", "共栽种树苗500余株。>>> 下转A2版").replace(
        "活动现场，", "（上接A1版）活动现场，"
    )
    articles = parse_page(page, "page.txt", 2020, PROFILE)
    assert articles[0].text == (
        "株洲日报讯 3月4日，我市在神农公园举行春季植树活动，共栽种树苗500余株。\n"
        "活动现场，志愿者们分工协作，挖坑、扶苗、培土、浇水。"
    )
