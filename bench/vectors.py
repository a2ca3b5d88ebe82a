"""Benchmark part 4: FAISS index kinds on synthetic unit vectors (uniform and clustered), and on real ones.

Every index goes through stores.faiss_store.VectorIndex (the only module that imports faiss).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from bench.common import child_env, ms, percentiles, run_process, table
from stores.faiss_store import VectorIndex

DIM = 384
K = 10
EF_SEARCH = (16, 32, 64, 128, 256)
NPROBE = (4, 8, 16, 32, 64, 128)
SWEEP = {"flat": (None,), "hnsw": EF_SEARCH, "hnsw_sq8": EF_SEARCH, "ivf": NPROBE, "ivf_sq8": NPROBE,
         "ivf_fp16": NPROBE, "ivf_pq": NPROBE}
ALL_KINDS = tuple(SWEEP)
RAM_BUDGET_MB = 1024.0
RECALL_TARGET = 0.95


def _normalise(x: np.ndarray) -> np.ndarray:
    for start in range(0, len(x), 65536):
        block = x[start : start + 65536]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return x


def uniform(n: int, rng: np.random.Generator, dim: int = DIM) -> np.ndarray:
    """Uniform on the unit sphere: every point about equally far from every other (ANN's worst case)."""
    return _normalise(rng.standard_normal((n, dim), dtype=np.float32))


def clustered(n: int, rng: np.random.Generator, dim: int = DIM, seed_centres: int = 7) -> np.ndarray:
    """A Gaussian mixture shaped like sentence embeddings: a shared direction (e5 vectors all have
    cosine ~0.7 with each other), n/1000 topics of skewed sizes and spreads, isotropic noise.

    The centres come from their own seed, so the base set and the queries share the same topics.
    """
    crng = np.random.default_rng(seed_centres)
    topics = max(64, n // 1000) if n > 20000 else 64
    centres = crng.standard_normal((topics, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    common = crng.standard_normal(dim).astype(np.float32)
    common *= 2.0 / np.linalg.norm(common)
    weights = crng.dirichlet(np.full(topics, 0.7))
    spread = crng.uniform(0.6, 1.3, size=topics).astype(np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 65536):
        m = min(65536, n - start)
        label = rng.choice(topics, size=m, p=weights)
        noise = rng.standard_normal((m, dim), dtype=np.float32) / np.float32(np.sqrt(dim))
        out[start : start + m] = common + centres[label] + spread[label, None] * noise
    return _normalise(out)


def dataset_stats(base: np.ndarray, queries: np.ndarray, truth_scores: np.ndarray, rng) -> dict:
    """Cosine of random pairs vs of each query's 1st and 10th neighbour: how much structure ANN can use."""
    a, b = rng.integers(0, len(base), 4000), rng.integers(0, len(base), 4000)
    return {"random_pair_cos": round(float(np.mean(np.sum(base[a] * base[b], axis=1))), 3),
            "top1_cos": round(float(truth_scores[:, 0].mean()), 3),
            "top10_cos": round(float(truth_scores[:, -1].mean()), 3)}


SERVING = """
import sys
import time
from pathlib import Path
import numpy as np
import stores.faiss_store
from stores.faiss_store import VectorIndex
stores.faiss_store.SINGLE_QUERY_THREADS = None if sys.argv[5] == "default" else 1
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
dim = int(sys.argv[3])
VectorIndex.build(np.ones((1, dim), np.float32), 'flat')  # imports faiss before the baseline
before = rss()
vi = VectorIndex.open(Path(sys.argv[1]), sys.argv[2])
vi.search(np.ones((1, dim), np.float32) / dim ** 0.5, 10)
grown = rss() - before
queries = np.random.default_rng(3).standard_normal((int(sys.argv[4]), dim)).astype(np.float32)
times = []
for q in queries:
    t0 = time.perf_counter()
    vi.search(q[None, :], 10)
    times.append(time.perf_counter() - t0)
print(round(grown, 1), round(float(np.median(times)) * 1000, 3) if times else "nan")
"""


def serving(path: Path, kind: str, dim: int, queries: int = 0, threads: str = "one") -> tuple[float, float]:
    """(RSS a fresh process gains by loading the saved index and answering one query, p50 ms of
    ``queries`` more single queries in that process). ``threads``: "one" (SINGLE_QUERY_THREADS=1, the
    default) or "default" (faiss's own OpenMP thread count, as before)."""
    run = run_process(["-c", SERVING, str(path), kind, str(dim), str(queries), threads], child_env(), timeout=1800)
    try:
        mem, p50 = run.stdout.strip().splitlines()[-1].split()
        return float(mem), float(p50)
    except (ValueError, IndexError):
        return float("nan"), float("nan")


def _set(index: VectorIndex, kind: str, value) -> None:
    if kind.startswith("ivf"):
        index.set_search_params(nprobe=value)
    elif kind.startswith("hnsw"):
        index.set_search_params(ef_search=value)


def bench_kinds(name: str, base: np.ndarray, queries: np.ndarray, work: Path, *, kinds: tuple[str, ...],
                nlist: int, latency_queries: int = 200, log=print) -> dict:
    """Build each kind on ``base``; recall@10 against exact search and single-query latency per setting."""
    rng = np.random.default_rng(1)
    started = time.perf_counter()
    exact = VectorIndex.build(base, "flat")
    flat_build = time.perf_counter() - started
    truth_scores, truth = exact.search(queries, K)
    result = {"name": name, "n": len(base), "dim": base.shape[1], "queries": len(queries), "nlist": nlist,
              "stats": dataset_stats(base, queries, truth_scores, rng), "rows": []}
    for kind in kinds:
        if kind == "flat":
            index, build_s = exact, flat_build
        else:
            log(f"  {name}: building {kind} over {len(base):,} vectors")
            started = time.perf_counter()
            index = VectorIndex.build(base, kind, ivf_nlist=nlist, ivf_nprobe=32, hnsw_m=32, pq_m=48)
            build_s = time.perf_counter() - started
        path = work / f"{name}-{kind}.faiss"
        index.save(path)
        size_mb = path.stat().st_size / 2**20
        mem_mb = serving(path, kind, base.shape[1])[0]
        if kind == "flat":  # OpenMP threads vs a busy machine: exact search in fresh processes
            result["flat_threads"] = {"default": serving(path, kind, base.shape[1], 100, "default")[1],
                                      "one": serving(path, kind, base.shape[1], 100, "one")[1]}
        path.unlink()
        for value in SWEEP[kind]:
            _set(index, kind, value)
            ids = index.search(queries, K)[1]
            recall = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth, strict=True)]))
            times = []
            for q in queries[:latency_queries]:
                t0 = time.perf_counter()
                index.search(q[None, :], K)
                times.append(time.perf_counter() - t0)
            lat = percentiles(times)
            result["rows"].append({"kind": kind, "param": value, "build_s": round(build_s, 2),
                                   "file_mb": round(size_mb, 1), "serving_mb": mem_mb, "p50_ms": lat["p50"],
                                   "p95_ms": lat["p95"], "recall": round(recall, 4)})
        if index is not exact:
            del index
    return result


def pick(result: dict, flat_ok_ms: float = 10.0) -> dict | None:
    """The setting to use at this size: exact search while it takes ≤ ``flat_ok_ms``, otherwise the
    fastest setting with recall@10 ≥ 0.95 that fits the 1 GB RAM budget."""
    fits = [r for r in result["rows"] if r["recall"] >= RECALL_TARGET and not r["serving_mb"] > RAM_BUDGET_MB]
    flat = [r for r in fits if r["kind"] == "flat" and r["p50_ms"] <= flat_ok_ms]
    if flat:
        return flat[0]
    return min(fits, key=lambda r: (r["p50_ms"], r["serving_mb"])) if fits else None


def param_label(row: dict) -> str:
    if row["param"] is None:
        return "exact"
    return f"nprobe={row['param']}" if row["kind"].startswith("ivf") else f"efSearch={row['param']}"


def vectors_markdown(result: dict) -> str:
    s = result["stats"]
    head = (f"**{result['name']}**: {result['n']:,} vectors × {result['dim']}, {result['queries']} queries "
            f"(recall@10 against exact search over all of them; latency = one query, k=10, over the first "
            f"200); IVF nlist={result['nlist']}, HNSW M=32 efConstruction=80, PQ 48 bytes/vector. "
            f"Cosine of random pairs {s['random_pair_cos']}, of each query's 1st / 10th neighbour "
            f"{s['top1_cos']} / {s['top10_cos']}.")
    rows = [[r["kind"], param_label(r), r["build_s"], r["file_mb"], r["serving_mb"], r["p50_ms"], r["p95_ms"],
             r["recall"]] for r in result["rows"]]
    best = pick(result)
    threads = result.get("flat_threads")
    if threads:
        head += (f" Exact search of one query, p50 in a fresh process: {threads['default']} ms with faiss's "
                 f"default OpenMP threads (before), {threads['one']} ms with one thread "
                 "(`SINGLE_QUERY_THREADS = 1`, now).")
    choice = (f"Pick at this size: **{best['kind']} {param_label(best)}** (p50 {best['p50_ms']} ms, recall@10 "
              f"{best['recall']}, {best['serving_mb']} MB)." if best else
              "No setting reaches recall@10 ≥ 0.95 within 1 GB here.")
    return "\n\n".join([head, table(["kind", "setting", "build s", "file MB", "RAM MB (serving)", "p50 ms",
                                     "p95 ms", "recall@10"], rows), choice])


def synthetic(n: int, work: Path, *, nlist: int, kinds: tuple[str, ...], queries: int = 1000, log=print) -> list:
    """Both synthetic sets at size ``n`` (uniform first: it is the pessimistic case).

    Above 100k vectors HNSW is left out on uniform data: at 100k it reaches recall@10 0.43 at
    efSearch 256 there, and its build takes most of an hour at 1M on 2 cores.
    """
    out = []
    for name, make in (("uniform", uniform), ("clustered", clustered)):
        these = tuple(k for k in kinds if not (name == "uniform" and n > 100_000 and k.startswith("hnsw")))
        rng = np.random.default_rng(42)
        started = time.perf_counter()
        data = make(n + queries, rng)
        log(f"vectors: {name} {n:,} generated in {time.perf_counter() - started:.1f}s")
        base, qs = data[:n], np.ascontiguousarray(data[n:])
        out.append(bench_kinds(f"{name} {n:,}", base, qs, work, kinds=these, nlist=nlist, log=log))
        del data, base
    return out


__all__ = ["bench_kinds", "clustered", "ms", "pick", "synthetic", "uniform", "vectors_markdown"]
