"""The ONNX query encoder: same ids as tokenizer.json, torch's vectors, no torch in the answering process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.onnx_export import ExportError, _normalizer_json, _sentencepiece_model, _template_ids, up_to_date
from model.onnx_query import SUBDIR, OnnxQueryEncoder
from tests.conftest import MODEL_DIR, ROOT

EDGES = ["", " ", "trailing ", " lead", "a  b", "x\u3000\u3000y", "tab\there", "nl\n\nx", "ＡＢＣ１２３", "①②", "™ ﬁ",
         "emoji 😀 ok", "\u200b零宽", "株洲  累计", "Wuhan COVID-19 cases?"]
HEAVY = ("torch", "sentence_transformers", "transformers")
MILVUS = ("pymilvus", "milvus_lite", "pkg_resources")  # imported on the Milvus backend only


def _questions() -> list[str]:
    files = [ROOT / "data/eval/questions.jsonl", ROOT / "data/eval/extra_questions.jsonl",
             ROOT / "data/eval/dxy/questions.jsonl"]
    return [json.loads(line)["question"] for f in files for line in f.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def onnx_encoder() -> OnnxQueryEncoder:
    if not up_to_date(MODEL_DIR):
        pytest.fail(f"{MODEL_DIR / SUBDIR} is missing or stale: run `make model`")
    return OnnxQueryEncoder(MODEL_DIR / SUBDIR)


def test_sentencepiece_ids_are_tokenizer_json_ids(onnx_encoder) -> None:
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    chunks = (ROOT / "data/eval/dxy/items.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    texts = _questions() + EDGES + [json.loads(line).get("text", "")[:600] for line in chunks]
    for text in texts:
        prompt = "query: " + text
        assert onnx_encoder.token_ids(prompt) == reference.encode(prompt).ids, prompt


@pytest.mark.slow
def test_query_vectors_match_torch(onnx_encoder) -> None:
    """Every seed, extra and DXY dev question, and the edge cases, within 1e-4 of sentence-transformers."""
    from model.embedder import SentenceTransformerEmbedder

    texts = _questions() + EDGES
    torch_vectors = SentenceTransformerEmbedder(str(MODEL_DIR), "cpu").encode_queries_library(texts)
    onnx_vectors = onnx_encoder.encode(texts)
    assert onnx_vectors.shape == torch_vectors.shape == (len(texts), 384) and onnx_vectors.dtype == np.float32
    assert np.abs(onnx_vectors - torch_vectors).max() < 1e-4


def test_a_texts_vector_does_not_depend_on_its_batch(onnx_encoder) -> None:
    texts = ["株洲累计确诊多少", "截至2月16日，株洲累计出院多少例？这是一个更长的问题，用来让两段长度不同。"]
    together = onnx_encoder.encode(texts)
    alone = np.vstack([onnx_encoder.encode([t]) for t in texts])
    assert np.array_equal(together, alone)
    assert onnx_encoder.encode([]).shape == (0, 384)


def test_make_embedder_uses_the_export(real_embedder) -> None:
    from model.embedder import OnnxEmbedder

    assert isinstance(real_embedder, OnnxEmbedder) and real_embedder.model_id == "multilingual-e5-small"
    assert real_embedder.dimension == 384


def test_export_is_stale_when_the_weights_change(tmp_path: Path) -> None:
    for name in ("model.safetensors", SUBDIR):
        (tmp_path / name).symlink_to(MODEL_DIR / name)
    assert up_to_date(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    (tmp_path / "model.safetensors").write_bytes(b"other weights")
    assert not up_to_date(tmp_path)


def test_only_sentencepiece_unigram_tokenizers_are_converted() -> None:
    wordpiece = {"model": {"type": "WordPiece", "vocab": {}}, "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "added_tokens": []}
    with pytest.raises(ExportError):
        _sentencepiece_model(wordpiece)
    tok = json.loads((MODEL_DIR / "tokenizer.json").read_text(encoding="utf-8"))
    assert _template_ids(tok) == ([0], [2])
    small = json.loads(_normalizer_json(tok))
    assert len(small["model"]["vocab"]) == len(tok["added_tokens"]) and small["normalizer"] == tok["normalizer"]


@pytest.mark.slow
def test_answering_never_imports_torch(seed_index_copy, seed_settings) -> None:
    """`python -m retrieval ask` in a fresh process: answered from the ONNX encoder; torch and sentence-transformers
    never imported, nor pymilvus and pkg_resources on FAISS, nor jionlp; jieba's dictionary never loaded (the
    question is cut from `make install`'s SQLite copy); no warning on the terminal."""
    heavy = HEAVY + ("jionlp",) + (MILVUS if seed_settings.vector_backend != "milvus" else ())
    script = ("import sys; from retrieval.__main__ import main; rc = main(['ask', '株洲累计确诊多少']); "
              f"print('HEAVY', sorted(m for m in {heavy!r} if m in sys.modules)); "
              "print('JIEBA DICTIONARY', sys.modules['jieba'].dt.initialized); sys.exit(rc)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INDEX_DIR": seed_index_copy, "LOG_LEVEL": "WARNING",
           "DATA_DIR": str(seed_settings.data_dir), "EMBEDDING_MODEL": str(MODEL_DIR)}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=seed_index_copy, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "78例" in done.stdout and "HEAVY []" in done.stdout and "JIEBA DICTIONARY False" in done.stdout
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr
