"""The shared suite every LexicalIndex backend passes: one parametrised module, like the vector stores'."""

from __future__ import annotations

import numpy as np
import pytest

from stores.lexical import BACKENDS, LexicalIndex, create_lexical_index

CONFIGS = {"bm25s": {"backend": "bm25s"}}
TEXTS = [
    "株洲市累计确诊新冠肺炎病例78例，其中治愈出院30例。",
    "醴陵市加强交通管控，暂停客运班线。",
    "湖南省新增确诊病例12例。",
    "株洲日报记者走访社区，了解复工复产情况。",
    "炎陵县无新增病例。",
]


@pytest.fixture(params=list(CONFIGS))
def make(request):
    return lambda: create_lexical_index(dict(CONFIGS[request.param]))


def test_every_backend_is_in_the_suite() -> None:
    assert set(BACKENDS) == {c["backend"] for c in CONFIGS.values()}


def test_search_ranks_the_matching_row_first(make) -> None:
    index = make()
    index.index(TEXTS)
    assert index.count() == len(index) == 5
    scores, rows = index.search("株洲累计确诊多少", 3)
    assert rows[0] == 0 and scores[0] > 0
    assert (np.diff(scores) <= 0).all() and (scores > 0).all()
    assert len(index.scores("株洲累计确诊多少")) == 5


def test_traditional_and_full_width_queries_match(make) -> None:
    index = make()
    index.index(TEXTS)
    assert index.search("醴陵 交通", 1)[1].tolist() == [1]
    assert index.search("醴陵交通管控", 1)[1].tolist() == [1]
    assert index.search("株洲累計確診", 1)[1].tolist() == [0]  # traditional → simplified


def test_no_shared_word_gives_nothing(make) -> None:
    index = make()
    index.index(TEXTS)
    scores, rows = index.search("天气预报", 5)
    assert len(rows) == len(scores) == 0
    assert not index.scores("天气预报").any()
    assert len(index.search("株洲", 0)[1]) == 0


def test_limit_above_matches(make) -> None:
    index = make()
    index.index(TEXTS)
    rows = index.search("病例", 50)[1].tolist()
    assert sorted(rows) == [0, 2, 4]


def test_top_k_is_the_best_scores_with_ties_to_the_lower_rows(make) -> None:
    index = make()
    index.index(TEXTS * 40)  # 200 rows, every text 40 times: ties at every score
    full = index.scores("株洲累计确诊病例")
    expected = sorted((r for r in range(len(full)) if full[r] > 0), key=lambda r: (-full[r], r))
    for k in (1, 7, 40, 41, 85, 500):
        scores, rows = index.search("株洲累计确诊病例", k)
        assert rows.tolist() == expected[:k], k
        assert np.array_equal(scores, full[rows])


def test_save_load_round_trip(make, tmp_path) -> None:
    index = make()
    index.index(TEXTS)
    before = index.search("新增确诊病例", 5)
    index.save(tmp_path / "lexical")
    loaded = make().load(tmp_path / "lexical")
    assert loaded.count() == 5
    after = loaded.search("新增确诊病例", 5)
    assert np.array_equal(before[1], after[1]) and np.allclose(before[0], after[0])


def test_empty_index(make, tmp_path) -> None:
    index = make()
    index.index([])
    assert index.count() == 0 and len(index.search("株洲", 3)[1]) == 0
    index.save(tmp_path / "empty")
    assert make().load(tmp_path / "empty").count() == 0


def test_build_on_the_interface_uses_the_default_backend() -> None:
    index = LexicalIndex.build(TEXTS)
    assert index.backend == "bm25s" and index.search("醴陵", 1)[1].tolist() == [1]


def test_a_prebuilt_bm25s_retriever_can_be_wrapped() -> None:
    import bm25s

    from stores.bm25s_index import BM25sIndex
    from stores.lexical import tokenize

    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([tokenize(t) for t in TEXTS], show_progress=False)
    wrapped = BM25sIndex.from_retriever(retriever, len(TEXTS))
    assert wrapped.count() == 5
    assert np.array_equal(wrapped.search("醴陵", 3)[1], LexicalIndex.build(TEXTS).search("醴陵", 3)[1])
