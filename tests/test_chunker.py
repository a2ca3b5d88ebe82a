"""Tests for index.chunker: sentence splitting and chunks with offsets that never cross articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings
from config.profile import load_profile
from index.chunker import chunk_article
from index.sources import scan
from news.records import Article, article_id
from news.text import split_sentences

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "articles"
SIZES = [(220, 60), (120, 40), (60, 0), (400, 150)]


@pytest.fixture(scope="module")
def seed_articles() -> list[Article]:
    corpus = scan(SEED_DIR, 2020, PROFILE)
    assert len(corpus.articles) == 18 and not corpus.problems
    return corpus.articles


def _article(text: str, title: str = "测试标题") -> Article:
    return Article(id=article_id(title, text), title=title, date="2020-02-20", byline="", source="t.txt", text=text)


def _sentence_texts(text: str, **kwargs) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, **kwargs)]


# --- sentences -----------------------------------------------------------------------------------------------


def test_sentences_end_at_chinese_marks_and_keep_closing_quotes() -> None:
    text = "他说：“好！”然后走了。真的吗？是的；不过……还要看。“目前，治愈率已达58.9%。”市卫健委介绍"
    assert _sentence_texts(text) == [
        "他说：“好！”",
        "然后走了。",
        "真的吗？",
        "是的；",
        "不过……",
        "还要看。",
        "“目前，治愈率已达58.9%。”",
        "市卫健委介绍",
    ]


def test_sentences_without_semicolons_keep_them_inside() -> None:
    text = "在院治疗38例；已解除医学观察1419人。下一句"
    assert _sentence_texts(text, semicolons=False) == ["在院治疗38例；已解除医学观察1419人。", "下一句"]
    assert _sentence_texts(text) == ["在院治疗38例；", "已解除医学观察1419人。", "下一句"]


def test_sentences_split_at_line_breaks_and_trim_white_space() -> None:
    text = "  第一段没有句号\n\n第二段。  \n  第三段！ "
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == ["第一段没有句号", "第二段。", "第三段！"]
    assert split_sentences("") == [] and split_sentences(" \n ") == []


def test_sentence_spans_are_offsets_into_the_text() -> None:
    text = "截至2月19日24时，我市累计报告确诊病例78例。死亡病例0例！出院病例40例？"
    spans = split_sentences(text)
    assert spans == [(0, 25), (25, 32), (32, 40)]
    assert "".join(text[a:b] for a, b in spans) == text


# --- chunks of the seed articles ------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "overlap"), SIZES)
def test_chunks_are_slices_of_one_article(seed_articles, size: int, overlap: int) -> None:
    for article in seed_articles:
        chunks = chunk_article(article, size, overlap)
        assert chunks, article.title
        for ordinal, chunk in enumerate(chunks):
            assert chunk.article_id == article.id
            assert chunk.id == f"{article.id}:{ordinal}" and chunk.ordinal == ordinal
            assert 0 <= chunk.start < chunk.end <= len(article.text)
            assert chunk.text == article.text[chunk.start : chunk.end]
            assert chunk.text == chunk.text.strip()
            assert (chunk.title, chunk.date, chunk.source) == (article.title, article.date, article.source)


@pytest.mark.parametrize(("size", "overlap"), SIZES)
def test_chunks_cover_the_whole_article_in_order(seed_articles, size: int, overlap: int) -> None:
    for article in seed_articles:
        chunks = chunk_article(article, size, overlap)
        assert chunks[0].start == 0
        assert chunks[-1].end == len(article.text)
        for previous, chunk in zip(chunks, chunks[1:]):
            assert previous.start < chunk.start <= previous.end or article.text[previous.end : chunk.start].isspace()
            assert chunk.end > previous.end  # every chunk adds text the previous one did not have


@pytest.mark.parametrize(("size", "overlap"), SIZES)
def test_chunk_size_respects_the_setting(seed_articles, size: int, overlap: int) -> None:
    for article in seed_articles:
        for chunk in chunk_article(article, size, overlap):
            # longer only if it is a single over-long sentence (which is then cut at `size` anyway)
            assert len(chunk.text) <= size or len(split_sentences(chunk.text)) == 1, (article.title, chunk.text)
            assert len(chunk.text) <= size


@pytest.mark.parametrize(("size", "overlap"), SIZES)
def test_overlap_repeats_whole_sentences(seed_articles, size: int, overlap: int) -> None:
    for article in seed_articles:
        starts = {a for a, _ in split_sentences(article.text)}
        ends = {b for _, b in split_sentences(article.text)}
        chunks = chunk_article(article, size, overlap)
        for previous, chunk in zip(chunks, chunks[1:]):
            if chunk.start < previous.end:
                repeated = article.text[chunk.start : previous.end]
                assert len(repeated) <= overlap
                assert chunk.start in starts and previous.end in ends, repeated
        if overlap == 0:
            assert all(c.start >= p.end for p, c in zip(chunks, chunks[1:]))


def test_some_seed_chunks_do_overlap(seed_articles) -> None:
    overlapping = 0
    for article in seed_articles:
        chunks = chunk_article(article, 220, 60)
        overlapping += sum(c.start < p.end for p, c in zip(chunks, chunks[1:]))
    assert overlapping > 0


def test_default_settings_chunk_count(seed_articles) -> None:
    settings = Settings(_env_file=None)
    total = sum(len(chunk_article(a, settings.chunk_size, settings.chunk_overlap)) for a in seed_articles)
    assert (settings.chunk_size, settings.chunk_overlap) == (220, 60)
    assert total == 88


def test_embed_text_starts_with_the_title(seed_articles) -> None:
    for article in seed_articles:
        for chunk in chunk_article(article, 220, 60):
            assert chunk.embed_text == f"{article.title}\n{chunk.text}"
            assert chunk.embed_text.startswith(article.title + "\n")


def test_chunks_never_cross_articles_even_when_both_would_fit() -> None:
    first = _article("我市无新增病例。", title="甲")
    second = _article("治愈出院人数增至46人。", title="乙")
    chunks = [c for a in (first, second) for c in chunk_article(a, 220, 60)]
    assert [(c.article_id, c.text) for c in chunks] == [(first.id, first.text), (second.id, second.text)]
    assert len({c.id for c in chunks}) == 2


def test_seed_chunk_ids_are_unique(seed_articles) -> None:
    ids = [c.id for a in seed_articles for c in chunk_article(a, 220, 60)]
    assert len(ids) == len(set(ids)) == 88


# --- synthetic texts ----------------------------------------------------------------------------------------------


def test_short_article_is_one_chunk() -> None:
    article = _article("株洲日报讯 2月20日，我市无新增病例。")
    chunks = chunk_article(article, 220, 60)
    assert len(chunks) == 1
    assert (chunks[0].start, chunks[0].end, chunks[0].text) == (0, len(article.text), article.text)


def test_long_sentence_without_punctuation_is_cut() -> None:
    text = "株洲" * 300  # 600 characters, no mark to cut at
    article = _article(text)
    chunks = chunk_article(article, 100, 30)
    assert len(chunks) == 6
    assert all(len(c.text) == 100 for c in chunks)
    assert "".join(c.text for c in chunks) == text
    assert all(c.text == text[c.start : c.end] for c in chunks)


def test_long_sentence_is_cut_at_a_clause_mark() -> None:
    clause = "全市累计完成客运量一千一百万人次"  # 16 characters
    text = "，".join([clause] * 12) + "。"  # one sentence of 203 characters
    chunks = chunk_article(_article(text), 100, 0)
    assert len(chunks) >= 3
    assert all(len(c.text) <= 100 for c in chunks)
    assert all(c.text.endswith("，") for c in chunks[:-1])  # cut just after a comma, not inside a word
    assert chunks[-1].text.endswith("。")


def test_next_chunk_never_just_repeats_the_previous_one() -> None:
    """Overlap must not step back so far that the next chunk cannot take a new sentence."""
    text = "甲" * 30 + "。" + "乙" * 29 + "。" + "丙" * 29 + "。" + "丁" * 89 + "。"
    chunks = chunk_article(_article(text), 100, 60)
    assert [(c.start, c.end) for c in chunks] == [(0, 91), (91, 181)]


def test_overlap_takes_the_trailing_sentences_that_fit() -> None:
    sentences = [f"第{i}句" + "文" * 16 + "。" for i in range(10)]  # 20 characters each
    text = "".join(sentences)
    chunks = chunk_article(_article(text), 100, 45)
    assert [(c.start, c.end) for c in chunks] == [(0, 100), (60, 160), (120, 200)]
    assert chunks[1].text.startswith(sentences[3])


def test_chunk_offsets_survive_paragraph_breaks() -> None:
    text = "第一段第一句。第一段第二句。\n第二段只有一句话。\n第三段。"
    chunks = chunk_article(_article(text), 40, 0)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
    assert "\n".join(c.text for c in chunks).replace("\n", "") == text.replace("\n", "")
