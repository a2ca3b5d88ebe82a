"""The shared suite every VectorStore backend passes (txtai's testann style): one parametrised module."""

from __future__ import annotations

import numpy as np
import pytest

from stores.vector_store import BACKENDS, VectorStore, create_vector_store

# One config per backend (and per FAISS structure worth checking); a backend missing here fails the suite.
CONFIGS = {
    "faiss-flat": {"backend": "faiss", "kind": "flat"},
    "faiss-ivf": {"backend": "faiss", "kind": "ivf_fp16", "ivf_nlist": 4, "ivf_nprobe": 4},
    "numpy": {"backend": "numpy"},
    "milvus": {"backend": "milvus"},  # embedded Milvus Lite: the real engine
}
DIM = 16


def unit(rows: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(params=list(CONFIGS))
def store(request, tmp_path):
    created: list[VectorStore] = []

    def make() -> VectorStore:
        config = dict(CONFIGS[request.param])
        created.append(create_vector_store(config))
        return created[-1]

    yield make
    for s in created:
        s.close()


def test_every_backend_is_in_the_suite() -> None:
    assert set(BACKENDS) == {c["backend"] for c in CONFIGS.values()}


def test_add_and_search_find_each_vector_itself(store) -> None:
    s, vectors = store(), unit(200)
    s.add(vectors)
    assert s.count() == len(s) == 200
    scores, ids = s.search(vectors[:20], 5)
    assert ids.shape == scores.shape == (20, 5)
    assert ids[:, 0].tolist() == list(range(20))
    assert np.allclose(scores[:, 0], 1.0, atol=2e-3)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first
    exact = vectors @ vectors[:20].T
    assert np.allclose(scores[:, 1], np.sort(exact, axis=0)[-2], atol=2e-3)  # second best is the true one


def test_save_load_round_trip(store, tmp_path) -> None:
    s, vectors = store(), unit(120, seed=1)
    s.add(vectors)
    before = s.search(vectors[3:6], 4)
    s.save(tmp_path / "vectors")
    s.close()
    loaded = store()
    assert loaded.load(tmp_path / "vectors") is loaded
    assert loaded.count() == 120
    after = loaded.search(vectors[3:6], 4)
    assert np.array_equal(before[1], after[1]) and np.allclose(before[0], after[0], atol=1e-5)
    assert np.allclose(loaded.vectors([5, 0]), vectors[[5, 0]], atol=2e-3)


def test_limit_above_count_returns_every_row_once(store) -> None:
    s, vectors = store(), unit(5, seed=2)
    s.add(vectors)
    scores, ids = s.search(vectors[:1], 100)
    assert ids.shape == (1, 5) and sorted(ids[0].tolist()) == [0, 1, 2, 3, 4]
    assert s.search(vectors[:1], 0)[1].shape == (1, 0)


def test_empty_store(store, tmp_path) -> None:
    s = store()
    assert s.count() == 0
    scores, ids = s.search(unit(2), 3)
    assert ids.shape == scores.shape == (2, 0)
    s.add(np.zeros((0, DIM), np.float32))
    assert s.count() == 0
    s.save(tmp_path / "empty")
    assert store().load(tmp_path / "empty").count() == 0


def test_vectors_by_id_in_the_order_asked(store) -> None:
    s, vectors = store(), unit(60, seed=3)
    s.add(vectors)
    got = s.vectors([41, 2, 17])
    assert got.shape == (3, DIM)
    assert np.allclose(got, vectors[[41, 2, 17]], atol=2e-3)
    assert s.vectors([]).shape[0] == 0


def test_ids_continue_across_adds(store) -> None:
    s, vectors = store(), unit(90, seed=4)
    s.add(vectors[:60])
    s.add(vectors[60:])
    assert s.count() == 90
    scores, ids = s.search(vectors[[75, 10]], 1)
    assert ids[:, 0].tolist() == [75, 10]
