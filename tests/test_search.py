"""Query normalisation and score fusion, without the model (fake embedder, real FAISS and BM25)."""

from __future__ import annotations

import numpy as np
import pytest

from config.profile import load_profile
from news.text import chinese_to_int
from retrieval.normalize import arabic_numerals, normalize
from retrieval.search import FusionConfig, HybridSearcher, fuse
from stores.faiss_store import FaissStore
from stores.lexical import LexicalIndex, tokenize
from tests.fakes import FakeEmbedder

PROFILE = load_profile()


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("株洲累計確診多少", "株洲累计确诊多少"),  # traditional → simplified
        ("株洲累计确诊多少？１２３", "株洲累计确诊多少?123"),  # full-width → half-width
        ("二月十九日新增确诊多少", "2月19日新增确诊多少"),  # Chinese numerals before date/counter words
        ("株\u200b洲\u0007累计确诊多少", "株洲累计确诊多少"),  # invisible characters dropped
    ],
)
def test_normalize_text(question, text):
    assert normalize(question, PROFILE).text == text


def test_city_name_also_finds_this_papers_words():
    query = normalize("株洲累计确诊多少", PROFILE)
    assert "我市" in query.lexical and "全市" in query.lexical
    assert "我市" in tokenize(query.lexical)


def test_english_question_gets_chinese_terms():
    query = normalize("How many confirmed cases in Zhuzhou?", PROFILE)
    assert query.english and "确诊" in query.lexical and "株洲" in query.lexical and "多少" in query.lexical


@pytest.mark.parametrize(("text", "value"), [("七十八", 78), ("十九", 19), ("二〇二〇", 2020), ("一千四百一十九", 1419)])
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


def test_numerals_only_where_they_matter():
    assert arabic_numerals("一手抓防控") == "一手抓防控"  # not a count
    assert arabic_numerals("七十八例") == "78例"
    assert arabic_numerals("会议是哪一天召开的") == "会议是哪一天召开的"  # a question word, not a count


def test_a_two_character_word_is_found_spelt_out():
    from retrieval.question import coverage

    assert coverage({"复产": 1.0}, "北汽株洲分公司正式恢复生产") == 1.0  # 复产 shortens 恢复生产
    assert coverage({"复产": 1.0}, "复工情况良好，生产有序") == 0.0  # not across a clause


def test_tokenizer_never_splits_on_spaces_only():
    assert tokenize("我市累计报告新冠肺炎确诊病例78例")[:4] == ["我市", "累计", "报告", "新冠"]


def scores(pairs):
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    vals = np.array([s for _, s in pairs], dtype=np.float32)
    return vals, rows


def test_weighted_fusion_combines_normalised_scores():
    dense = scores([(1, 0.90), (2, 0.80), (3, 0.70)])
    lexical = scores([(3, 10.0), (2, 9.0)])
    hits = fuse(dense, lexical, FusionConfig(mode="weighted", dense_weight=0.4), limit=3)
    # row 2: 0.6·0.9 + 0.4·0.5 = 0.74; row 3: 0.6·1 + 0 = 0.6; row 1: 0.4·1 = 0.4
    assert [h.row for h in hits] == [2, 3, 1]
    assert hits[0].score == pytest.approx(0.74, abs=1e-6)


def test_bm25_dense_and_rrf_modes():
    dense = scores([(1, 0.9), (2, 0.8)])
    lexical = scores([(2, 5.0), (3, 4.0)])
    assert [h.row for h in fuse(dense, lexical, FusionConfig(mode="bm25"), 5)] == [2, 3]
    assert [h.row for h in fuse(dense, lexical, FusionConfig(mode="dense"), 5)] == [1, 2]
    assert fuse(dense, lexical, FusionConfig(mode="rrf"), 5)[0].row == 2  # in both lists


def test_rescoring_gives_lexical_only_candidates_their_real_cosine():
    base = ["株洲累计确诊病例78例", "春运客运量1171.73万人次", "醴陵市321家规模工业企业复工复产"]
    texts = [f"{t}，第{i}条消息{'补充说明' * (i % 7)}" for i, t in enumerate(base * 20)]
    embedder = FakeEmbedder()
    vectors = FaissStore.build(embedder.encode_passages(texts))
    searcher = HybridSearcher(embedder, vectors, LexicalIndex.build(texts))
    shallow = FusionConfig(mode="weighted", dense_weight=0.5, depth=2)
    hits = searcher.search("累计确诊", "累计确诊", shallow, limit=10)
    assert all(not np.isnan(h.dense) for h in hits)  # every candidate has a cosine
    no_rescore = searcher.search("累计确诊", "累计确诊", FusionConfig(mode="weighted", dense_weight=0.5, depth=2,
                                                               rescore=False), limit=10)
    assert any(np.isnan(h.dense) for h in no_rescore)
