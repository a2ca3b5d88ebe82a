"""EMBED_DEVICE: the setting, the choice with a stand-in torch.cuda, the CUDA batch rule, the CPU path's vectors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from config import Settings
from model.device import CUDA_BATCH, choose_device
from model.embedder import SentenceTransformerEmbedder
from tests.conftest import MODEL_DIR


def _torch(gpu: bool) -> SimpleNamespace:
    return SimpleNamespace(cuda=SimpleNamespace(is_available=lambda: gpu))


@pytest.mark.parametrize(("setting", "gpu", "device"), [
    ("auto", True, "cuda"), ("auto", False, "cpu"), ("cpu", True, "cpu"), ("cpu", False, "cpu"), ("cuda", True, "cuda"),
])
def test_choice(setting: str, gpu: bool, device: str) -> None:
    assert choose_device(setting, _torch(gpu)) == device


def test_cuda_without_a_gpu_and_unknown_names_are_refused() -> None:
    with pytest.raises(RuntimeError, match="no CUDA device"):
        choose_device("cuda", _torch(False))
    with pytest.raises(ValueError):
        choose_device("tpu", _torch(True))


def test_the_setting(monkeypatch) -> None:
    assert Settings(_env_file=None).embed_device == "auto"
    monkeypatch.setenv("EMBED_DEVICE", "cpu")
    assert Settings(_env_file=None).embed_device == "cpu"
    monkeypatch.setenv("EMBED_DEVICE", "gpu")
    with pytest.raises(ValueError):
        Settings(_env_file=None)


def test_on_cuda_passages_go_in_large_batches() -> None:
    seen = []
    embedder = object.__new__(SentenceTransformerEmbedder)  # the encode rule alone, without a model or a GPU
    embedder.device, embedder.dimension, embedder._passage = "cuda", 2, "passage"
    embedder.model = SimpleNamespace(encode=lambda texts, batch_size, **kw: seen.append(batch_size) or
                                     np.zeros((len(texts), 2), np.float32))
    embedder.encode_passages(["a", "b"], batch_size=32)
    embedder.device = "cpu"
    embedder.encode_passages(["a", "b"], batch_size=32)
    assert seen == [CUDA_BATCH, 32]


@pytest.mark.slow
def test_auto_on_this_machine_gives_the_cpu_vectors() -> None:
    """No GPU here: auto resolves to the CPU, and passages come out as sentence-transformers' own encode."""
    from model.embedder import make_embedder

    texts = ["截至2月19日24时，我市累计报告新冠肺炎确诊病例78例", "株洲市卫健委通报"]
    auto = make_embedder(str(MODEL_DIR), "auto")
    cpu = SentenceTransformerEmbedder(str(MODEL_DIR), "cpu")
    library = cpu.model.encode(texts, prompt_name="passage", normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(auto.encode_passages(texts) - library).max() < 1e-6
    assert auto._passages.device == "cpu"
