"""`python -m index` as users run it; builds with the real model (dense search) and the IVF switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from config.profile import load_profile
from index.sources import scan
from model.embedder import FakeEmbedder
from retrieval.snapshot import load_snapshot
from stores.layout import read_manifest
from tests.buildkit import (
    FAKE_ID,
    ROOT,
    SEED_FILES,
    _build,
    _seed,
    _settings,
)

PROFILE = load_profile()

# --- command line ------------------------------------------------------------------------------------------------


def _cli(args: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATA_DIR", "INDEX_DIR", "CACHE_DIR"))}
    env.update({"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING"}, **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "index", *args], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", timeout=120, check=False,
    )


def test_cli_articles_json(tmp_path: Path) -> None:
    data = _seed(tmp_path)
    result = _cli(["articles", "--json"], {"DATA_DIR": str(data)}, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().split("\n")
    assert len(lines) == 18
    records = [json.loads(line) for line in lines]
    expected = scan(data, 2020, PROFILE).articles
    for record, article in zip(records, expected):
        assert {"id", "title", "date", "byline", "source", "text"} <= set(record)
        assert (record["id"], record["title"], record["date"], record["byline"], record["source"], record["text"]) == (
            article.id, article.title, article.date, article.byline, article.source, article.text,
        )
    assert records[0]["title"] == "好消息 我市连续5天无新增病例 治愈出院人数增至46人"
    assert records[0]["date"] == "2020-02-20" and records[0]["source"] == SEED_FILES[0]


def test_cli_build_on_unreadable_corpus_fails_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "gbk.txt").write_bytes("株洲日报讯".encode("gbk"))
    env = {"DATA_DIR": str(data), "INDEX_DIR": str(tmp_path / "index"), "CACHE_DIR": str(tmp_path / "cache"),
           "EMBEDDING_MODEL": "fake"}
    result = _cli(["build", "--quiet"], env, tmp_path)
    assert result.returncode == 1
    assert "error:" in result.stderr and "gbk.txt:1" in result.stderr
    assert "Traceback" not in result.stderr


# --- the real model --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_dense_search_finds_the_total(real_embedder, seed_build) -> None:
    settings, report = seed_build  # the seed pages built from scratch with the real model (tests/conftest.py)
    assert report.embedded == report.chunks == 88
    snapshot = load_snapshot(settings.index_dir, real_embedder.model_id)
    assert snapshot.manifest["model"] == {"id": "multilingual-e5-small", "dimension": 384}
    query = real_embedder.encode_queries(["株洲累计确诊多少"])
    assert query.shape == (1, 384)
    scores, rows = snapshot.vectors.search(query, 3)
    top = [snapshot.chunks[r].text for r in rows[0]]
    assert any("78例" in text for text in top), top


def test_a_build_never_loads_the_question_encoder(tmp_path: Path, monkeypatch) -> None:
    """The build's embedder (the model folder with its ONNX export) encodes passages only: the question encoder
    is never constructed. The passage model is replaced by the fake one here: what is checked is what is loaded."""
    import model.embedder as embedder_module
    from tests.conftest import MODEL_DIR

    def no_encoder(folder):
        raise AssertionError(f"the build loaded the question encoder from {folder}")

    monkeypatch.setattr(embedder_module, "OnnxQueryEncoder", no_encoder)
    monkeypatch.setattr(embedder_module, "SentenceTransformerEmbedder", lambda folder, device: FakeEmbedder(384))
    _seed(tmp_path)
    report = _build(_settings(tmp_path), factory=lambda: embedder_module.make_embedder(str(MODEL_DIR)),
                    model_id="multilingual-e5-small")
    assert report.embedded == report.chunks == 88


def test_fast_query_path_gives_the_library_vectors(real_embedder) -> None:
    """encode_queries skips encode()'s per-call bookkeeping; the vectors must be the documented ones."""
    questions = ["株洲累计确诊多少", "醴陵推出了多少专项信贷资金？", "How many confirmed cases in Zhuzhou?", "株洲"]
    fast = real_embedder.encode_queries(questions)
    library = real_embedder.encode_queries_library(questions)
    assert fast.shape == library.shape == (4, real_embedder.dimension) and fast.dtype == np.float32
    assert np.abs(fast - library).max() < 1e-5
    single = real_embedder.encode_queries([questions[1]])[0]
    assert float(single @ library[1]) > 0.99999
    assert real_embedder.encode_queries([]).shape == (0, real_embedder.dimension)


def test_auto_index_kind_switches_to_ivf_at_the_threshold(tmp_path: Path) -> None:
    from stores.faiss_store import choose_kind

    assert choose_kind("auto", 199_999) == "flat" and choose_kind("auto", 200_000) == "ivf_fp16"
    assert choose_kind("hnsw", 10) == "hnsw"
    _seed(tmp_path)
    settings = _settings(tmp_path, faiss={"auto_ann_rows": 50})
    report = _build(settings)
    assert read_manifest(report.build_dir)["vector_store"]["kind"] == "ivf_fp16"
    snapshot = load_snapshot(settings.index_dir, FAKE_ID)
    query = FakeEmbedder(64).encode_queries([snapshot.chunks[5].embed_text])
    scores, rows = snapshot.vectors.search(query, 3)
    assert rows[0][0] == 5 and scores[0][0] > 0.99  # a chunk finds itself through the IVF lists
