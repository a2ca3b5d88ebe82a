"""Question vectors without torch: the exported ONNX encoder on onnxruntime, SentencePiece ids, a mmapped table."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

SUBDIR = "onnx"  # inside the sentence-transformers folder; written by `make model` (model/onnx_export.py)
ENCODER = "encoder.onnx"
WORD_EMBEDDINGS = "word_embeddings.npy"
TOKENIZER = "tokenizer.model"  # SentencePiece, the same Unigram pieces and ids as tokenizer.json
NORMALIZER = "normalizer.json"  # tokenizer.json without its vocabulary: its normaliser
MARKER = "export.json"
FORMAT_VERSION = 1


def has_export(model_dir: str | Path) -> bool:
    """Whether ``make model`` left an ONNX query encoder in this folder."""
    return (Path(model_dir) / SUBDIR / MARKER).is_file()


def export_meta(folder: str | Path) -> dict:
    """The export's marker (prompt, dimension, template ids), read without loading the encoder."""
    return json.loads((Path(folder) / MARKER).read_text())


class OnnxQueryEncoder:
    """One question at a time through the 4-bit ONNX graph: ~50 MB and no torch in the answering process.

    The word-embedding table (250k × 384) is a memory-mapped float16 array: a question reads its ~20 rows, and
    only those pages are ever resident. Each text runs alone, so its vector never depends on what it was
    batched with (padding would change nothing in float32 maths, but keeps the runs comparable).
    """

    def __init__(self, folder: str | Path) -> None:
        import onnxruntime
        import sentencepiece
        from tokenizers import Tokenizer

        folder = Path(folder)
        meta = export_meta(folder)
        self.prompt: str = meta["query_prompt"]
        self.dimension: int = meta["dimension"]
        self._prefix, self._suffix = meta["prefix_ids"], meta["suffix_ids"]
        self._room = meta["max_tokens"] - len(self._prefix) - len(self._suffix)
        self._normalizer = Tokenizer.from_file(str(folder / NORMALIZER)).normalizer
        self._pieces = sentencepiece.SentencePieceProcessor(model_file=str(folder / TOKENIZER))
        self._table = np.load(folder / WORD_EMBEDDINGS, mmap_mode="r")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        # idle pool threads sleep instead of spinning: on 2 shared cores a spinning pool ran questions 2x slower
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(folder / ENCODER), options, providers=["CPUExecutionProvider"]
        )

    def token_ids(self, text: str) -> list[int]:
        """tokenizer.json's ids for ``text`` (normalised by its own normaliser, then SentencePiece)."""
        ids = self._pieces.encode(self._normalizer.normalize_str(text))
        return self._prefix + ids[: self._room] + self._suffix

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (float32, one row per text) for questions; the query prompt is added here."""
        rows = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            # stripped after the prompt is added, as sentence-transformers' Transformer module does
            ids = np.asarray([self.token_ids((self.prompt + text).strip())], np.int64)
            embeds = self._table[ids].astype(np.float32)
            rows[row] = self._session.run(None, {"inputs_embeds": embeds, "attention_mask": np.ones_like(ids)})[0][0]
        return rows
