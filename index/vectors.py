"""The vector index: the only module that imports faiss (faiss and torch can clash over OpenMP)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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
        raise RuntimeError("faiss is not installed: run `make install`") from err
    return faiss


class VectorIndex:
    """Inner-product search over unit vectors: exact (flat) by default, HNSW or IVF for large corpora."""

    def __init__(self, index, kind: str) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def build(
        cls, vectors: np.ndarray, kind: str = "flat", *, hnsw_m: int = 32, ivf_nlist: int = 1024,
        ivf_nprobe: int = 32, pq_m: int = 48,
    ) -> "VectorIndex":
        """Index ``vectors`` (unit rows). ``kind``: one of KINDS; ``pq_m`` must divide the dimension."""
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        ip = faiss.METRIC_INNER_PRODUCT
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
                index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, 8, ip)
            index.train(vectors)
            index.nprobe = min(ivf_nprobe, nlist)
        else:
            raise ValueError(f"unknown vector index type {kind!r} ({', '.join(KINDS)})")
        if len(vectors):
            index.add(vectors)
        return cls(index, kind)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def set_search_params(self, *, nprobe: int | None = None, ef_search: int | None = None) -> None:
        """Trade speed for recall at search time: IVF lists probed, HNSW candidate list length."""
        if nprobe is not None and self.kind.startswith("ivf"):
            ivf = _faiss().extract_index_ivf(self._index)
            ivf.nprobe = max(1, min(nprobe, ivf.nlist))
        if ef_search is not None and self.kind.startswith("hnsw"):
            self._index.hnsw.efSearch = max(1, ef_search)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, row ids) per query; ids are -1 where fewer than ``k`` rows exist."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(k, len(self))) if len(self) else 1
        if not len(self):
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        if len(queries) == 1 and self.kind == "flat" and SINGLE_QUERY_THREADS:
            faiss = _faiss()
            before = faiss.omp_get_max_threads()  # per calling thread; restored, torch shares it
            faiss.omp_set_num_threads(SINGLE_QUERY_THREADS)
            try:
                return self._index.search(queries, k)
            finally:
                faiss.omp_set_num_threads(before)
        return self._index.search(queries, k)

    def reconstruct(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of ``rows`` (for exact re-scoring of candidates from elsewhere)."""
        if self.kind.startswith("ivf"):
            ivf = _faiss().extract_index_ivf(self._index)
            if ivf.direct_map.type == _faiss().DirectMap.NoMap:  # build the row map once, not per call
                ivf.make_direct_map()
        return np.stack([self._index.reconstruct(int(r)) for r in rows]) if rows else np.zeros((0, 1))

    def save(self, path: Path) -> None:
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str, *, mmap: bool = False) -> "VectorIndex":
        faiss = _faiss()
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        return cls(faiss.read_index(str(path), flags), kind)
