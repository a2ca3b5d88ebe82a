"""Tests for index.sources: the three input formats, and bad input reported by file and line."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from config.profile import load_profile
from index.sources import parse_date, read_file, scan
from news.records import SourceProblem, article_id

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "articles"

# Three lines copied verbatim from ../shared/scale/dxy_zh_news_unique.jsonl (lines 1, 168, 376).
DXY_LINES = [
    '{"id": "1", "pubDate": "2019-12-31 13:38:05", "title": "武汉发现 27 例肺炎病例", "summary": "近期部分医疗机构发现接诊的多例肺炎病例与华南海鲜城有关联。目前已发现 27 例病例，其中 7 例病情严重，其余病例病情稳定可控，有 2 例病情好转拟于近期出院。", "infoSource": "武汉市卫健委", "sourceUrl": "http://wjw.wuhan.gov.cn/front/web/showDetail/2019123108989", "provinceName": "湖北省"}',
    '{"id": "171", "pubDate": "2020-01-24 10:24:49", "title": "湖南新增确诊 15 例：湖南累计确诊 24 例", "summary": "2020年1月23日0-24时，湖南省报告新型冠状病毒感染的肺炎新增确诊病例15例、疑似病例3例，新确诊病例中均有武汉暴露史或病例接触史。新增重症病例2例，新增死亡病例0例，新增出院病例0例。其中：株洲市、湘潭市、岳阳市、娄底市为报告首例确诊病例。", "infoSource": "湖南省卫健委", "sourceUrl": "http://dxys.com/xyJAVU", "provinceName": "湖南省"}',
    '{"id": "389", "pubDate": "2020-01-27 08:43:26", "title": "湖南累计确诊新型肺炎100例", "summary": "2020年1月26日0-24时，湖南省报告新型冠状病毒感染的肺炎新增确诊病例31例，新增重症病例2例，新增死亡病例0例，新增出院病例0例。其中：\u3000\u3000新增确诊病例中，长沙市4例、衡阳市1例、株洲市2例、湘潭市1例、邵阳市6例、岳阳市1例、常德市5例、...", "infoSource": "人民日报", "sourceUrl": "http://m.weibo.cn/2803301701/4465265867862274", "provinceName": "湖南省"}',
]

MD_ARTICLE = """title: 我市新增出院病例5例
date: 2020-02-22
source: 株洲日报
url: https://example.org/article
byline: 株洲日报记者 刘琼

株洲日报讯 2月22日，市卫健委通报，我市新增出院病例5例。

截至目前，全市累计出院51例。
"""


def _read(raw: bytes | str, rel: str, year: int = 2020) -> tuple[list, list[SourceProblem]]:
    problems: list[SourceProblem] = []
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return read_file(data, rel, year, problems, PROFILE), problems


# --- one article per .md / .txt with a header ----------------------------------------------------------------


def test_markdown_with_header() -> None:
    (article,), problems = _read(MD_ARTICLE, "news/a.md")
    assert problems == []
    assert article.title == "我市新增出院病例5例"
    assert article.date == "2020-02-22"
    assert article.paper == "株洲日报"
    assert article.url == "https://example.org/article"
    assert article.byline == "株洲日报记者 刘琼"
    assert article.source == "news/a.md"
    assert article.text == "株洲日报讯 2月22日，市卫健委通报，我市新增出院病例5例。\n截至目前，全市累计出院51例。"
    assert article.id == article_id(article.title, article.text)
    # lines 1..9: the header through the last line of text (not the trailing newline)
    assert (article.line_start, article.line_end) == (1, 9)


def test_front_matter_variant() -> None:
    raw = "---\ntitle: 我市新增出院病例5例\ndate: 2020/2/22\nsource: 株洲日报\n---\n\n正文第一段。\n正文第二段。\n"
    (article,), problems = _read(raw, "b.md")
    assert problems == []
    assert (article.title, article.date, article.paper) == ("我市新增出院病例5例", "2020-02-22", "株洲日报")
    assert article.published == "2020-02-22"  # a header's date: is the day the paper printed it
    assert article.text == "正文第一段。\n正文第二段。"
    assert "---" not in article.text and "title" not in article.text
    assert (article.line_start, article.line_end) == (1, 8)


def test_chinese_keys_and_full_width_colons() -> None:
    raw = "标题：株洲新增确诊0例\n日期：2020年2月22日\n来源：株洲日报\n链接：https://example.org/x\n作者：记者 张三\n\n株洲日报讯 正文。\n"
    (article,), problems = _read(raw, "c.txt")
    assert problems == []
    assert (article.title, article.date, article.paper, article.url, article.byline) == (
        "株洲新增确诊0例", "2020-02-22", "株洲日报", "https://example.org/x", "记者 张三",
    )
    assert article.text == "株洲日报讯 正文。"


def test_header_date_without_year_uses_default_year() -> None:
    (article,), _ = _read("title: 标题\ndate: 2月22日\n\n正文。", "d.md", year=2021)
    assert article.date == "2021-02-22"


def test_unreadable_header_date_keeps_the_article_undated() -> None:
    (article,), problems = _read("title: 标题\ndate: 下周二\n\n正文。", "d.md")
    assert article.date is None and article.text == "正文。"
    assert len(problems) == 1 and problems[0].path == "d.md" and "下周二" in problems[0].message


def test_header_without_text_is_a_problem() -> None:
    articles, problems = _read("title: 只有标题\ndate: 2020-02-22\n\n\n", "e.md")
    assert articles == []
    assert len(problems) == 1 and problems[0].path == "e.md" and "no article text" in problems[0].message


def test_byte_order_mark_and_crlf() -> None:
    raw = "\ufefftitle: 标题\r\ndate: 2020-02-22\r\n\r\n第一段。\r\n第二段。\r\n"
    (article,), problems = _read(raw, "f.md")
    assert problems == []
    assert (article.title, article.date, article.text) == ("标题", "2020-02-22", "第一段。\n第二段。")


# --- .jsonl --------------------------------------------------------------------------------------------------------


def test_jsonl_with_dxy_field_names() -> None:
    articles, problems = _read("\n".join(DXY_LINES) + "\n", "dxy.jsonl")
    assert problems == []
    assert [a.title for a in articles] == [
        "武汉发现 27 例肺炎病例", "湖南新增确诊 15 例：湖南累计确诊 24 例", "湖南累计确诊新型肺炎100例",
    ]
    assert [a.date for a in articles] == ["2019-12-31", "2020-01-24", "2020-01-27"]
    assert [a.published for a in articles] == [a.date for a in articles]  # pubDate is the publication date
    assert [a.paper for a in articles] == ["武汉市卫健委", "湖南省卫健委", "人民日报"]
    assert [a.url for a in articles] == [
        "http://wjw.wuhan.gov.cn/front/web/showDetail/2019123108989",
        "http://dxys.com/xyJAVU",
        "http://m.weibo.cn/2803301701/4465265867862274",
    ]
    assert articles[1].text == json.loads(DXY_LINES[1])["summary"]
    assert "株洲市、湘潭市" in articles[1].text
    assert [(a.line_start, a.line_end) for a in articles] == [(1, 1), (2, 2), (3, 3)]
    assert all(a.source == "dxy.jsonl" for a in articles)
    assert len({a.id for a in articles}) == 3


def test_jsonl_pub_date_in_epoch_milliseconds_is_a_china_date() -> None:
    record = json.loads(DXY_LINES[1])
    # 2020-02-19T16:00:00Z is already 2020-02-20 in China (UTC+8)
    record["pubDate"] = 1582128000000
    (article,), problems = _read(json.dumps(record, ensure_ascii=False), "ms.jsonl")
    assert problems == []
    assert article.date == "2020-02-20"
    record["pubDate"] = 1582127999000  # one second earlier: still the 19th in China
    (article,), _ = _read(json.dumps(record, ensure_ascii=False), "ms.jsonl")
    assert article.date == "2020-02-19"


def test_jsonl_plain_fields_and_paragraph_lists() -> None:
    lines = [
        {"title": "标题一", "date": "2020-02-22", "text": "第一段。\n\n 第二段。 ", "source": "株洲日报", "url": "u1"},
        {"title": "标题二", "date": "2020年2月23日", "paragraphs": ["甲段。", "乙段。"]},
    ]
    articles, problems = _read("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "plain.jsonl")
    assert problems == []
    assert [(a.title, a.date, a.text, a.paper, a.url) for a in articles] == [
        ("标题一", "2020-02-22", "第一段。\n第二段。", "株洲日报", "u1"),
        ("标题二", "2020-02-23", "甲段。\n乙段。", "", ""),
    ]


def test_jsonl_bad_lines_are_reported_and_good_lines_kept() -> None:
    raw = "\n".join([
        DXY_LINES[0],
        '{"title": "坏行", "summary": "没有结束',
        "",
        '{"title": "缺正文", "pubDate": "2020-01-24 10:24:49"}',
        DXY_LINES[1],
        '["不是对象"]',
        '{"title": "   ", "text": "只有空白标题。"}',
        '{"title": "空白正文", "text": "  \\n  "}',
        DXY_LINES[2],
    ])
    articles, problems = _read(raw, "mixed.jsonl")
    assert [a.line_start for a in articles] == [1, 5, 9]
    assert [(p.path, p.line) for p in problems] == [
        ("mixed.jsonl", 2), ("mixed.jsonl", 4), ("mixed.jsonl", 6), ("mixed.jsonl", 7), ("mixed.jsonl", 8),
    ]
    assert "not valid JSON" in problems[0].message
    assert "text" in problems[1].message and "title" not in problems[1].message
    assert "JSON object" in problems[2].message
    assert "title" in problems[3].message
    assert "text" in problems[4].message
    assert str(problems[1]).startswith("mixed.jsonl:4: ")


# --- bad files -------------------------------------------------------------------------------------------------------


def test_non_utf8_file_is_named_with_its_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SEED_DIR, data)
    bad = "第一行\n第二行\n株洲日报讯 2月20日".encode("gbk")
    (data / "gbk.txt").write_bytes("第一行\n第二行\n".encode() + "株洲日报讯 2月20日".encode("gbk"))
    corpus = scan(data, 2020, PROFILE)
    assert len(corpus.articles) == 18  # the other files are still read
    assert len(corpus.problems) == 1
    problem = corpus.problems[0]
    assert (problem.path, problem.line) == ("gbk.txt", 3)
    assert "UTF-8" in problem.message
    assert str(problem).startswith("gbk.txt:3: ")
    # the whole file in GBK: the first line is the bad one
    (data / "gbk.txt").write_bytes(bad)
    assert [(p.path, p.line) for p in scan(data, 2020, PROFILE).problems] == [("gbk.txt", 1)]


def test_empty_and_blank_files(tmp_path: Path) -> None:
    for name, content in (("empty.txt", b""), ("blank.md", b" \n\n\t\n"), ("empty.jsonl", b"\n")):
        articles, problems = _read(content, name)
        assert articles == []
        assert [(p.path, p.message) for p in problems] == [(name, "empty file")]


def test_page_dump_without_any_article_is_a_problem() -> None:
    articles, problems = _read("只有一行字\n", "lonely.txt")
    assert articles == []
    assert len(problems) == 1 and "no article" in problems[0].message


def test_missing_data_directory(tmp_path: Path) -> None:
    corpus = scan(tmp_path / "nowhere", 2020, PROFILE)
    assert corpus.articles == [] and corpus.file_hashes == {}
    assert len(corpus.problems) == 1 and "does not exist" in corpus.problems[0].message


# --- scanning a directory ---------------------------------------------------------------------------------------


def test_scan_seed_corpus_hashes_every_file() -> None:
    corpus = scan(SEED_DIR, 2020, PROFILE)
    assert len(corpus.articles) == 18 and corpus.problems == [] and corpus.duplicates == 0
    assert corpus.file_hashes == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(SEED_DIR.glob("*.txt"))
    }


def test_duplicate_article_in_two_files_is_indexed_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "a.md").write_text(MD_ARTICLE, encoding="utf-8")
    (data / "sub" / "copy.md").write_text(MD_ARTICLE.replace("date: 2020-02-22", "date: 2020-02-23"), encoding="utf-8")
    (data / "other.md").write_text(MD_ARTICLE.replace("51例", "52例"), encoding="utf-8")
    corpus = scan(data, 2020, PROFILE)
    assert corpus.duplicates == 1
    assert len(corpus.articles) == 2
    assert sorted(a.source for a in corpus.articles) == ["a.md", "other.md"]  # the first in name order is kept
    assert set(corpus.file_hashes) == {"a.md", "sub/copy.md", "other.md"}


def test_same_article_in_a_page_and_a_jsonl_is_indexed_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(SEED_DIR, data)
    first = scan(SEED_DIR, 2020, PROFILE).articles[0]
    record = {"title": first.title, "text": first.text, "date": first.date}
    (data / "zz.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    corpus = scan(data, 2020, PROFILE)
    assert corpus.duplicates == 1 and len(corpus.articles) == 18


def test_scan_is_recursive_sorted_and_skips_other_suffixes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "b").mkdir(parents=True)
    (data / "b" / "two.md").write_text("title: 二\n\n二的正文。", encoding="utf-8")
    (data / "a.jsonl").write_text('{"title": "一", "text": "一的正文。"}', encoding="utf-8")
    (data / "c.TXT").write_text("title: 三\n\n三的正文。", encoding="utf-8")
    (data / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")
    (data / "image.jpg").write_bytes(b"\xff\xd8\xff")
    corpus = scan(data, 2020, PROFILE)
    assert [a.title for a in corpus.articles] == ["一", "二", "三"]
    assert list(corpus.file_hashes) == ["a.jsonl", "b/two.md", "c.TXT"]
    assert corpus.problems == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-02-20", "2020-02-20"),
        ("2020/2/2", "2020-02-02"),
        ("2020.02.20", "2020-02-20"),
        ("2020年2月20日", "2020-02-20"),
        ("2020-01-24 10:24:49", "2020-01-24"),
        ("20200220", "2020-02-20"),
        ("2月20日", "2021-02-20"),
        (1582128000000, "2020-02-20"),
        ("1582128000000", "2020-02-20"),
        (1582128000, "2020-02-20"),
        ("2020-02-30", None),
        ("下周二", None),
        ("", None),
    ],
)
def test_parse_date(value, expected) -> None:
    assert parse_date(value, 2021) == expected
