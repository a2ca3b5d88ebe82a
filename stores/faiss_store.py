"""The FAISS vector store: the only module that imports faiss (faiss and torch can clash over OpenMP)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stores.errors import VectorStoreError
from stores.vector_store import VectorStore, empty_result

# Compressed kinds (docs/benchmarks.md: which index at which corpus size): "sq8" stores one byte per
# dimension (4x smaller than float32), "fp16" two bytes, "pq" ``pq_m`` bytes per vector.
KINDS = ("flat", "hnsw", "ivf", "hnsw_sq8", "ivf_sq8", "ivf_fp16", "ivf_pq")
# OpenMP threads for an exact search of one query (None: faiss's default). On a busy machine a 2-thread
# flat search waits for its second thread: 16 ms instead of 1 ms at 20k vectors (docs/benchmarks.md).
SINGLE_QUERY_THREADS: int | None = 1


def choose_kind(setting: str, rows: int, auto_ann_rows: int = 200_000) -> str:
    """The index kind to build: the setting itself, or for "auto" exact search up to ``auto_ann_rows``
    vectors and IVF with fp16 codes beyond. Measured on 2 cores (docs/benchmarks.md, section 4): flat is
    exact and ~8 ms per query at 100k vectors but 64 ms and 1.5 GB at 1M; ivf_fp16 (nprobe 32) is
    ~5 ms with recall@10 ≥ 0.97 in 0.74 GB at 1M."""
    if setting != "auto":
        return setting
    return "flat" if rows < auto_ann_rows else "ivf_fp16"


def _faiss():
    try:
        import faiss
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise VectorStoreError("faiss is not installed: run `make install` (package faiss-cpu)") from err
    return faiss


class FaissStore(VectorStore):
    """Inner-product search over unit vectors: exact (flat) by default, HNSW or IVF for large corpora.

    config: ``kind`` (one of KINDS), ``hnsw_m``, ``ivf_nlist``, ``ivf_nprobe``, ``pq_m`` (must divide
    the dimension), ``mmap`` (load the file memory-mapped, read-only).
    """

    backend = "faiss"
    FILE = "faiss.index"

    def __init__(self, config: dict | None = None) -> None:
        super().__init__({"backend": "faiss", "kind": "flat", **(config or {})})
        self.kind: str = self.config["kind"]
        self._index = None

    @classmethod
    def configure(cls, settings, rows: int) -> dict:
        f = settings.faiss
        return {"kind": choose_kind(f.kind, rows, f.auto_ann_rows), "hnsw_m": f.hnsw_m, "ivf_nlist": f.ivf_nlist,
                "ivf_nprobe": f.ivf_nprobe}

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat", **params) -> FaissStore:
        """A store of ``kind`` holding ``vectors`` (``params``: the config knobs above)."""
        store = cls({"kind": kind, **params})
        store.add(vectors)
        return store

    def _create(self, vectors: np.ndarray):
        faiss, kind, cfg = _faiss(), self.kind, self.config
        dim, ip = vectors.shape[1], faiss.METRIC_INNER_PRODUCT
        hnsw_m, ivf_nlist = cfg.get("hnsw_m", 32), cfg.get("ivf_nlist", 1024)
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind in ("hnsw", "hnsw_sq8"):
            if kind == "hnsw":
                index = faiss.IndexHNSWFlat(dim, hnsw_m, ip)
            else:
                index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, hnsw_m, ip)
                index.train(vectors)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 64
        elif kind in ("ivf", "ivf_sq8", "ivf_fp16", "ivf_pq"):
            nlist = max(1, min(ivf_nlist, len(vectors) // 39 or 1))  # faiss wants ~39 points per list
            quantizer = faiss.IndexFlatIP(dim)
            if kind == "ivf":
                index = faiss.IndexIVFFlat(quantizer, dim, nlist, ip)
            elif kind in ("ivf_sq8", "ivf_fp16"):
                qtype = faiss.ScalarQuantizer.QT_8bit if kind == "ivf_sq8" else faiss.ScalarQuantizer.QT_fp16
                index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, qtype, ip)
            else:
                index = faiss.IndexIVFPQ(quantizer, dim, nlist, cfg.get("pq_m", 48), 8, ip)
            index.train(vectors)
            index.nprobe = min(cfg.get("ivf_nprobe", 32), nlist)
        else:
            raise ValueError(f"unknown vector index type {kind!r} ({', '.join(KINDS)})")
        return index

    def add(self, vectors: np.ndarray) -> None:
        """Append rows; the first call also chooses the structure and trains it (IVF, SQ) on these rows."""
        vectors = np.ascontiguousarray(np.atleast_2d(vectors), dtype=np.float32)
        if self._index is None:
            if self.kind not in KINDS:
                raise ValueError(f"unknown vector index type {self.kind!r} ({', '.join(KINDS)})")
            if not len(vectors):
                return
            self._index = self._create(vectors)
        if len(vectors):
            self._index.add(vectors)

    def count(self) -> int:
        return int(self._index.ntotal) if self._index is not None else 0

    def set_search_params(self, *, nprobe: int | None = None, ef_search: int | None = None) -> None:
        """Trade speed for recall at search time: IVF lists probed, HNSW candidate list length."""
        if nprobe is not None and self.kind.startswith("ivf"):
            ivf = _faiss().extract_index_ivf(self._index)
            ivf.nprobe = max(1, min(nprobe, ivf.nlist))
        if ef_search is not None and self.kind.startswith("hnsw"):
            self._index.hnsw.efSearch = max(1, ef_search)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if not len(self) or k <= 0:
            return empty_result(len(queries))
        k = min(k, len(self))
        if len(queries) == 1 and self.kind == "flat" and SINGLE_QUERY_THREADS:
            faiss = _faiss()
            before = faiss.omp_get_max_threads()  # per calling thread; restored, torch shares it
            faiss.omp_set_num_threads(SINGLE_QUERY_THREADS)
            try:
                return self._index.search(queries, k)
            finally:
                faiss.omp_set_num_threads(before)
        return self._index.search(queries, k)

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        if not len(ids) or self._index is None:
            return np.zeros((0, self._index.d if self._index is not None else 0), np.float32)
        if self.kind.startswith("ivf"):
            ivf = _faiss().extract_index_ivf(self._index)
            if ivf.direct_map.type == _faiss().DirectMap.NoMap:  # build the row map once, not per call
                ivf.make_direct_map()
        return np.stack([self._index.reconstruct(int(r)) for r in ids])

    reconstruct = vectors  # the name FAISS uses (benchmarks)

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        index = self._index if self._index is not None else _faiss().IndexFlatIP(1)
        _faiss().write_index(index, str(path / self.FILE))

    def load(self, path: Path) -> FaissStore:
        file = path / self.FILE
        if not file.is_file():
            raise VectorStoreError(f"{file} is missing: run `make index FORCE=1`")
        faiss = _faiss()
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if self.config.get("mmap") else 0
        try:
            self._index = faiss.read_index(str(file), flags)
        except RuntimeError as err:
            raise VectorStoreError(f"{file} cannot be read ({err}): run `make index FORCE=1`") from err
        return self

    @classmethod
    def open(cls, file: Path, kind: str, *, mmap: bool = False) -> FaissStore:
        """A FAISS index file written by ``save`` (or faiss itself), e.g. for the benchmarks."""
        store = cls({"kind": kind, "mmap": mmap})
        flags = _faiss().IO_FLAG_MMAP | _faiss().IO_FLAG_READ_ONLY if mmap else 0
        store._index = _faiss().read_index(str(file), flags)
        return store


VectorIndex = FaissStore  # the name before the VectorStore interface (benchmarks still use it)
