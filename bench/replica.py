"""A replicated build for the serving benchmark: an embedded build copied to N chunks, written as index/build.py writes one."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.common import dir_size_mb


def write_replica(source: Path, target: Path, rows: int, copy_figures: bool = True, log=print) -> dict:
    """A build in ``target`` (an index dir: builds/<id> + current) of ``rows`` chunks copied from the build
    ``source/current`` points at, written as index/build.py writes one (same writers, manifest, checksums).
    ``copy_figures`` False keeps the source's figures only (the earlier in-memory e2e bench did that)."""
    import bm25s

    from config import Settings
    from index.build import switch_current
    from retrieval.snapshot import load_snapshot
    from stores.bm25s_index import BM25sIndex
    from stores.layout import FORMAT_VERSION, MANIFEST, current_dir, read_manifest, sha256_file
    from stores.lexical import lexical_config, tokenize_corpus
    from stores.meta import read_meta, write_meta
    from stores.vector_store import create_vector_store, vector_config

    started = time.perf_counter()
    build = current_dir(source)
    snap = load_snapshot(source)
    manifest = read_manifest(build)
    articles, chunks, figures = read_meta(build / "meta.sqlite")
    n = len(chunks)
    vectors = snap.vectors.reconstruct(list(range(n))).astype(np.float32)
    copies = math.ceil(rows / n)
    rng = np.random.default_rng(5)
    noise = np.float32(0.3 / math.sqrt(vectors.shape[1]))  # cosine ~0.96 with the original
    by_article: dict[str, list] = {}
    for f in figures:
        by_article.setdefault(f.article_id, []).append(f)
    out_articles, out_chunks, out_figures, blocks = [], [], [], []
    for j in range(copies):
        tag = f"~{j}" if j else ""
        part = chunks[: rows - j * n]
        used = {c.article_id for c in part}
        out_chunks += [replace(c, id=c.id + tag, article_id=c.article_id + tag) for c in part]
        out_articles += [replace(a, id=a.id + tag) for a in articles if a.id in used]
        out_figures += [] if j and not copy_figures else [replace(f, article_id=f.article_id + tag)
                        for a in articles if a.id in used for f in by_article.get(a.id, ())]
        if j == 0:
            blocks.append(vectors[: len(part)])
        else:
            noisy = vectors[: len(part)] + noise * rng.standard_normal((len(part), vectors.shape[1]), dtype=np.float32)
            blocks.append(noisy / np.linalg.norm(noisy, axis=1, keepdims=True))
    matrix = np.vstack(blocks)
    del blocks
    log(f"serving: {rows:,} rows ({copies} copies of {n:,}) prepared in {time.perf_counter() - started:.0f}s")

    settings = Settings()
    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-x{rows}"
    work = target / "builds" / build_id
    work.mkdir(parents=True)
    timings = {}
    t = time.perf_counter()
    store = create_vector_store(vector_config(settings, rows))  # "auto": ivf_fp16 beyond 200k rows
    store.add(matrix)
    store.save(work / "vectors")
    timings["vectors_s"] = round(time.perf_counter() - t, 1)
    del matrix
    t = time.perf_counter()
    tokens = [t or ["∅"] for t in tokenize_corpus([c.embed_text for c in chunks])]  # the source's tokens, copied
    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([tokens[i % n] for i in range(rows)], show_progress=False)
    lexical = BM25sIndex.from_retriever(retriever, rows)
    lexical.config = {**lexical.config, **lexical_config(settings)}
    lexical.save(work / "lexical")
    timings["bm25_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    with sqlite3.connect(build / "meta.sqlite") as con:  # the copies name the same places as the source
        names = [n for (n,) in con.execute("SELECT name FROM place_names")]
    write_meta(work / "meta.sqlite", out_articles, out_chunks, out_figures, names)
    timings["meta_s"] = round(time.perf_counter() - t, 1)
    out = dict(manifest, build_id=build_id, built_at=datetime.now(UTC).isoformat(timespec="seconds"),
               format_version=FORMAT_VERSION, fingerprint=f"replica-x{rows}-{manifest['fingerprint']}",
               vector_store=store.config, lexical=lexical.config,
               counts={**manifest["counts"], "articles": len(out_articles), "chunks": rows,
                       "figures": len(out_figures)})
    out["checksums"] = {p.relative_to(work).as_posix(): sha256_file(p)
                        for p in sorted(work.rglob("*")) if p.is_file() and p.name != MANIFEST}
    (work / MANIFEST).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    switch_current(target, work)
    return {"rows": rows, "copies": copies, "source_chunks": n, "articles": len(out_articles), "copy_figures": copy_figures,
            "figures": len(out_figures), "vector_store": store.config, "write_s": round(time.perf_counter() - started, 1),
            **timings, "disk_mb": {p.name: dir_size_mb(p) if p.is_dir() else round(p.stat().st_size / 2**20, 1)
                                   for p in sorted(work.iterdir())}}
