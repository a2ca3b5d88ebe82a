"""QueryBatcher: concurrent question embeddings share forward passes, each caller gets its own rows."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from model.embedder import QueryBatcher


class SlowEncoder:
    """Stands in for the model: one row per text (the text's length), 50 ms per pass."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on
        self.inside = 0
        self.max_inside = 0
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self.inside += 1
            self.max_inside = max(self.max_inside, self.inside)
        try:
            self.calls.append(list(texts))
            time.sleep(0.05)
            if self.fail_on in texts:
                raise RuntimeError("model failed")
            return np.array([[len(t), i] for i, t in enumerate(texts)], dtype=np.float32)
        finally:
            with self._lock:
                self.inside -= 1


def test_a_lone_call_goes_straight_through():
    enc = SlowEncoder()
    batcher = QueryBatcher(enc)
    out = batcher(["株洲累计确诊多少"])
    assert out.shape == (1, 2) and out[0, 0] == 8 and enc.calls == [["株洲累计确诊多少"]]


def test_concurrent_calls_share_passes_and_get_their_own_rows():
    enc = SlowEncoder()
    batcher = QueryBatcher(enc)
    texts = ["x" * n for n in range(1, 21)]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda t: batcher([t]), texts))
    for text, row in zip(texts, results, strict=True):
        assert row.shape == (1, 2) and row[0, 0] == len(text)  # each caller its own vector
    assert sum(len(c) for c in enc.calls) == 20
    assert len(enc.calls) < 10 and batcher.passes == len(enc.calls)  # shared passes, not 20
    assert enc.max_inside == 1  # never two passes at once


def test_batches_respect_the_size_limit():
    enc = SlowEncoder()
    batcher = QueryBatcher(enc, max_texts=4)
    with ThreadPoolExecutor(12) as pool:
        list(pool.map(lambda i: batcher([f"q{i}", f"r{i}"]), range(12)))
    assert all(len(c) <= 4 for c in enc.calls) and sum(len(c) for c in enc.calls) == 24


def test_an_error_reaches_every_caller_of_that_pass_and_the_next_still_work():
    enc = SlowEncoder(fail_on="bad")
    batcher = QueryBatcher(enc)
    first = threading.Thread(target=batcher, args=(["slow first"],))
    first.start()
    time.sleep(0.01)  # "bad" and "good" queue behind the first pass and share the next one
    with ThreadPoolExecutor(2) as pool:
        bad = pool.submit(batcher, ["bad"])
        good = pool.submit(batcher, ["good"])
        with pytest.raises(RuntimeError):
            bad.result(timeout=5)
        with pytest.raises(RuntimeError):
            good.result(timeout=5)
    first.join(timeout=5)
    assert batcher(["after"])[0, 0] == 5  # not stuck


def test_real_model_vectors_are_the_same_batched_or_alone(real_embedder):
    questions = ["株洲累计确诊多少", "荷塘区有多少确诊病例", "寄递企业复工率是多少", "How many cases?"]
    alone = np.vstack([real_embedder.encode_queries_library([q]) for q in questions])
    with ThreadPoolExecutor(4) as pool:
        together = np.vstack(list(pool.map(lambda q: real_embedder.encode_queries([q]), questions)))
    assert np.abs(alone - together).max() < 1e-5
