"""FAISS vs Milvus side by side, and serving memory with metadata eager vs on demand: `python -m bench.backends`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.procmem import children_rss_mb, pct, rss_mb

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED", ROOT.parent / "shared"))  # the Makefile's SHARED (../shared)


def questions() -> list[str]:
    files = [ROOT / "data/eval/questions.jsonl", ROOT / "data/eval/extra_questions.jsonl",
             SHARED / "eval/questions.jsonl"]
    out = [json.loads(line)["question"] for f in files if f.is_file() for line in f.open(encoding="utf-8")]
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- seed corpus, real model, full engine
def child(backend: str, work: Path, repeat: int) -> dict:
    """In a fresh process: build (embeddings cached), open the engine, answer every question ``repeat`` times."""
    from config import Settings
    from index.build import build_index
    from model.embedder import make_embedder
    from retrieval.engine import Engine

    settings = Settings(_env_file=None, data_dir=ROOT / "data/articles", index_dir=work / f"index-{backend}",
                        cache_dir=work / "cache", vector_backend=backend,
                        embedding_model=str(ROOT / "models/multilingual-e5-small"))
    embedder = make_embedder(settings.embedding_model)
    build_index(settings, lambda: embedder, embedder.model_id, progress=False)  # fills the shared cache
    started = time.perf_counter()
    build_index(settings, lambda: embedder, embedder.model_id, force=True, progress=False)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    engine = Engine.open(settings, embedder=embedder)
    open_s = time.perf_counter() - started
    qs, times, answers = questions(), [], {}
    for q in qs:
        engine.ask(q)  # warm
    for _ in range(repeat):
        for q in qs:
            t = time.perf_counter()
            answer = engine.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            answers[q] = [answer.answer, [(s.article_id, s.start, s.end) for s in answer.sources[:3]]]
    return {"backend": backend, "build_s": round(build_s, 2), "open_s": round(open_s, 2), "answer_ms": pct(times),
            "rss_mb": round(rss_mb()), "engine_process_rss_mb": round(children_rss_mb()), "answers": answers,
            "chunks": len(engine.snapshot.chunks)}


class _Timed:
    """A vector store whose ``search`` calls are timed (everything else passes through)."""

    def __init__(self, store, times: list[float]) -> None:
        self._store, self._times = store, times

    def search(self, queries, k):
        t = time.perf_counter()
        try:
            return self._store.search(queries, k)
        finally:
            self._times.append((time.perf_counter() - t) * 1000)

    def __len__(self) -> int:
        return len(self._store)

    def __getattr__(self, name):
        return getattr(self._store, name)


def paired(work: Path, repeat: int) -> dict:
    """Both backends in one process, the same question to each in turn: the machine's load hits both alike."""
    from config import Settings
    from model.embedder import make_embedder
    from retrieval.engine import Engine

    embedder = make_embedder(str(ROOT / "models/multilingual-e5-small"))
    engines, answer, dense = {}, {}, {}
    for backend in ("faiss", "milvus"):
        settings = Settings(_env_file=None, data_dir=ROOT / "data/articles", index_dir=work / f"index-{backend}",
                            cache_dir=work / "cache", vector_backend=backend, embedding_model=embedder.model_id)
        engines[backend] = Engine.open(settings, embedder=embedder)
        answer[backend], dense[backend] = [], []
        engines[backend].snapshot.vectors = _Timed(engines[backend].snapshot.vectors, dense[backend])
    qs = questions()
    for q in qs:  # warm both
        for engine in engines.values():
            engine.ask(q)
    for times in dense.values():
        times.clear()
    for _ in range(repeat):
        for q in qs:
            for backend, engine in engines.items():
                t = time.perf_counter()
                engine.ask(q)
                answer[backend].append((time.perf_counter() - t) * 1000)
    return {b: {"answer_ms": pct(answer[b]), "dense_search_ms": pct(dense[b])} for b in engines}


def seed(work: Path, repeat: int) -> dict:
    runs = {}
    for backend in ("faiss", "milvus"):
        out = subprocess.run(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "bench.backends", "child", backend, str(work), str(repeat)],
                             capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        runs[backend] = json.loads(out.stdout.strip().splitlines()[-1])
    out = subprocess.run(  # noqa: S603 - this interpreter, this module
        [sys.executable, "-m", "bench.backends", "paired", str(work), str(repeat)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    for backend, figures in json.loads(out.stdout.strip().splitlines()[-1]).items():
        runs[backend]["paired"] = figures
    a, b = runs["faiss"].pop("answers"), runs["milvus"].pop("answers")
    same = sum(a[q] == b[q] for q in a)
    return {"runs": runs, "questions": len(a), "same_answer_and_top3": same,
            "differ": [q for q in a if a[q] != b[q]]}


# ---------------------------------------------------------------- vector stores alone at 19k and 100k rows
def measure_store(backend: str, rows: int, work: Path) -> dict:
    """In this (fresh) process: build, save, load and search ``rows`` clustered unit vectors (384 d)."""
    import numpy as np

    from stores.vector_store import create_vector_store

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(200, 384)).astype(np.float32)
    vectors = centres[rng.integers(0, 200, rows)] + 0.6 * rng.normal(size=(rows, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[rng.choice(rows, 200, replace=False)] + 0.05 * rng.normal(size=(200, 384)).astype(np.float32)
    config = {"backend": backend, "kind": "flat"} if backend == "faiss" else {"backend": backend}
    started = time.perf_counter()
    store = create_vector_store(config)
    store.add(vectors)
    store.save(work / f"{backend}-{rows}")
    store.close()
    build_s = time.perf_counter() - started
    del store
    before, before_children = rss_mb(), children_rss_mb()
    started = time.perf_counter()
    store = create_vector_store(config).load(work / f"{backend}-{rows}")
    load_s = time.perf_counter() - started
    times, top3 = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = store.search(q, 50)
        times.append((time.perf_counter() - t) * 1000)
        top3.append(ids[0][:3].tolist())
    return {"backend": backend, "rows": rows, "build_s": round(build_s, 2), "load_s": round(load_s, 2),
            "search_ms": pct(times), "rss_growth_mb": round(rss_mb() - before, 1),
            "engine_rss_mb": round(children_rss_mb() - before_children, 1), "top3": top3}


def stores(work: Path, sizes: list[int]) -> list[dict]:
    out = []
    for rows in sizes:
        runs = {}
        for backend in ("faiss", "milvus"):
            res = subprocess.run(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", "bench.backends", "store", backend, str(rows), str(work)],
                capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            runs[backend] = json.loads(res.stdout.strip().splitlines()[-1])
        same = sum(a == b for a, b in zip(runs["faiss"].pop("top3"), runs["milvus"].pop("top3"), strict=True))
        out.append({"rows": rows, "same_top3_of_200": same, **runs})
        print(out[-1], file=sys.stderr)
    return out


# ---------------------------------------------------------------- metadata memory, eager vs on demand
def corpus_build(work: Path, stories: int) -> Path:
    """A build of the first ``stories`` CCTV stories (fake vectors: only the metadata is measured)."""
    from config import Settings
    from index.build import build_index
    from model.embedder import FakeEmbedder
    from stores.layout import current_dir

    data = work / "scale-data"
    data.mkdir(parents=True, exist_ok=True)
    with (SHARED / "scale/cctv_stories.jsonl").open(encoding="utf-8") as src, \
            (data / "cctv.jsonl").open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= stories:
                break
            dst.write(line)
    settings = Settings(_env_file=None, data_dir=data, index_dir=work / "scale-index", cache_dir=work / "scale-cache",
                        embedding_model="fake-384", max_file_mb=500)
    embedder = FakeEmbedder(384)
    build_index(settings, lambda: embedder, embedder.model_id, progress=False)
    return current_dir(settings.index_dir) / "meta.sqlite"


def replicate(meta: Path, target: Path, rows: int) -> Path:
    """A copy of ``meta`` with its articles and chunks repeated (new ids) up to ``rows`` chunks, in SQL."""
    shutil.copy(meta, target)
    con = sqlite3.connect(target)
    n = con.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    a0 = con.execute("SELECT MAX(rowid) FROM articles").fetchone()[0]
    cols = [r[1] for r in con.execute("PRAGMA table_info(chunks)")][1:]
    acols = [r[1] for r in con.execute("PRAGMA table_info(articles)")]

    def tagged(columns: list[str], keys: tuple[str, ...], k: int) -> str:
        return ", ".join(f"\"{c}\" || '~{k}'" if c in keys else f'"{c}"' for c in columns)

    k = 1
    while n * (k + 1) <= rows:
        con.execute(f"INSERT INTO chunks SELECT row + {k * n}, {tagged(cols, ('id', 'article_id'), k)} "  # noqa: S608
                    f"FROM chunks WHERE row < {n}")
        con.execute(f"INSERT INTO articles SELECT {tagged(acols, ('id',), k)} FROM articles WHERE rowid <= {a0}")  # noqa: S608
        k += 1
    con.commit()
    con.close()
    return target


def measure_meta(path: Path, mode: str) -> dict:
    """In this (fresh) process: RSS growth of loading the metadata, and the cost of one lookup."""
    import random

    from stores.meta import open_meta, read_meta

    before = rss_mb()
    started = time.perf_counter()
    if mode == "eager":
        articles_list, chunks, figures = read_meta(path)
        articles = {a.id: a for a in articles_list}
        del articles_list
    else:
        articles, chunks, figures = open_meta(path)
    load_s = time.perf_counter() - started
    grown = rss_mb() - before
    rows = random.Random(0).sample(range(len(chunks)), 2000)  # noqa: S311 - a sample, not a secret
    started = time.perf_counter()
    for r in rows:
        chunk = chunks[r]
        articles.get(chunk.article_id)
    lookup_us = (time.perf_counter() - started) / len(rows) * 1e6
    return {"mode": mode, "chunks": len(chunks), "articles": len(articles), "load_s": round(load_s, 2),
            "rss_growth_mb": round(grown, 1), "chunk_and_article_lookup_us": round(lookup_us, 1)}


def measure_lexical(path: Path, mode: str) -> dict:
    """In this (fresh) process: RSS growth of loading the BM25 index, eager or memory-mapped, and a query."""
    from stores.lexical import create_lexical_index

    before = rss_mb()
    index = create_lexical_index({"backend": "bm25s", "mmap": mode == "mmap"}).load(path)
    loaded = rss_mb() - before
    times = []
    for q in ("株洲累计确诊多少", "春运期间客运量", "习近平总书记重要讲话", "新冠肺炎疫情防控", "经济增长"):
        t = time.perf_counter()
        index.search(q, 50)
        times.append((time.perf_counter() - t) * 1000)
    return {"mode": f"bm25s-{mode}", "rows": index.count(), "rss_growth_mb": round(loaded, 1),
            "after_queries_mb": round(rss_mb() - before, 1), "query_ms": round(sorted(times)[2], 2)}


def memory(work: Path, stories: int, big: int) -> list[dict]:
    meta = corpus_build(work, stories)
    out = []
    for mode in ("eager", "mmap"):
        res = subprocess.run(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "bench.backends", "lexical", str(meta.parent / "lexical"), mode],
            capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        out.append(json.loads(res.stdout.strip().splitlines()[-1]))
        print(out[-1], file=sys.stderr)
    for path in (meta, replicate(meta, work / "meta-big.sqlite", big)):
        for mode in ("eager", "lazy"):
            res = subprocess.run(  # noqa: S603 - this interpreter, this module
                [sys.executable, "-m", "bench.backends", "meta", str(path), mode],
                                 capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            out.append(json.loads(res.stdout.strip().splitlines()[-1]))
            print(out[-1], file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "child":
        print(json.dumps(child(args[1], Path(args[2]), int(args[3])), ensure_ascii=False))
        return 0
    if args and args[0] == "paired":
        print(json.dumps(paired(Path(args[1]), int(args[2]))))
        return 0
    if args and args[0] == "store":
        print(json.dumps(measure_store(args[1], int(args[2]), Path(args[3]))))
        return 0
    if args and args[0] == "lexical":
        print(json.dumps(measure_lexical(Path(args[1]), args[2])))
        return 0
    if args and args[0] == "meta":
        print(json.dumps(measure_meta(Path(args[1]), args[2])))
        return 0
    p = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__)
    p.add_argument("--parts", default="seed,stores,memory")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--sizes", type=int, nargs="+", default=[19_404, 100_000], help="rows for --parts stores")
    p.add_argument("--stories", type=int, default=5500, help="CCTV stories for the ~19k-chunk metadata")
    p.add_argument("--big", type=int, default=1_000_000, help="chunks of the replicated metadata")
    p.add_argument("--out", default=str(ROOT / "var/bench/backends.json"))
    ns = p.parse_args(args)
    result: dict = {"measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    with tempfile.TemporaryDirectory(prefix="bench-backends-") as tmp:
        work = Path(tmp)
        if "seed" in ns.parts:
            result["seed"] = seed(work, ns.repeat)
            print(json.dumps(result["seed"], ensure_ascii=False), file=sys.stderr)
        if "stores" in ns.parts:
            result["stores"] = stores(work, ns.sizes)
        if "memory" in ns.parts:
            if (SHARED / "scale/cctv_stories.jsonl").is_file():
                result["memory"] = memory(work, ns.stories, ns.big)
            else:
                print(f"skipping memory: {SHARED}/scale not found", file=sys.stderr)
    Path(ns.out).parent.mkdir(parents=True, exist_ok=True)
    Path(ns.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items()}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
