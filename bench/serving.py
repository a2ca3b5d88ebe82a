"""Benchmark: the serving process at ~1M chunks, a replicated build on disk opened by a fresh process.

    python -m bench.serving --source var/eval/dev/index --rows 1000000

writes a build directory (meta.sqlite, vectors/, lexical/, manifest.json) through the project's own writers
from an embedded corpus copied until it has ``rows`` chunks (ids suffixed, vectors jittered as in
bench/scale.py), then measures a fresh ``python -m bench.serving child`` process per mode: RSS after loading
the model, after ``load_snapshot`` + ``Engine``, after answering, the smaps breakdown, answer p50/p95.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sqlite3
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.common import dir_size_mb, load_average, rss_mb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = ("data/eval/questions.jsonl", "data/eval/extra_questions.jsonl", "data/eval/dxy/questions.jsonl")


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
    from stores.lexical import lexical_config, tokenize
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
    tokens = [tokenize(c.embed_text) or ["∅"] for c in chunks]  # the source's tokens, copied
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


def smaps(pid: str = "self") -> dict[str, float]:
    """Resident MB by mapping: the build's files by name, the model files, shared libraries, anonymous memory."""
    groups: dict[str, float] = {}
    name = "anon"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if not head:
            continue
        if not head[0].endswith(":") or "-" in head[0]:  # a mapping's header line
            path = head[5] if len(head) > 5 else ""
            if not path or path.startswith("[heap]") or path.startswith("[anon"):
                name = "anon (heap: Python objects, FAISS, torch, SQLite cache)"
            elif "/builds/" in path:
                name = "build file " + "/".join(path.split("/")[-2:])
            elif "/models/" in path or path.endswith((".safetensors", ".bin")):
                name = "model files"
            elif ".so" in path:
                name = "shared libraries"
            else:
                name = "other " + path.split("/")[-1][:40]
        elif head[0] == "Rss:":
            groups[name] = groups.get(name, 0.0) + int(head[1]) / 1024
    return {k: round(v, 1) for k, v in sorted(groups.items(), key=lambda kv: -kv[1]) if v >= 0.5}


def _questions(limit: int | None) -> list[str]:
    out = []
    for name in QUESTION_FILES:
        path = PROJECT_ROOT / name
        if path.is_file():
            out += [json.loads(x)["question"] for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return out[:limit] if limit else out


def child(mode: str, repeat: int, limit: int | None) -> dict:
    """One serving process (run fresh by ``measure``): model, then the index as ``mode`` loads it, then answers.

    ``mode`` "now": ``load_snapshot`` + ``Engine`` as the bot does. "objects": the same build with every
    article and chunk read into Python objects and BM25 read into memory (the way serving worked before).
    """
    from bench.questions import answer_latency
    from config import Settings
    from config.profile import load_profile
    from model.embedder import make_embedder
    from retrieval.engine import Engine

    settings = Settings()
    out = {"mode": mode, "rss_start_mb": round(rss_mb())}
    questions = _questions(limit)
    t = time.perf_counter()
    embedder = make_embedder(settings.embedding_model)
    out["model_load_s"] = round(time.perf_counter() - t, 1)
    from stores.lexical import tokenize

    for question in questions:  # torch's buffers per input length, jieba's and OpenCC's dictionaries:
        embedder.encode_queries([question])  # the query side's memory, the same at any corpus size
        tokenize(question)
    out["rss_model_mb"] = round(rss_mb())
    t = time.perf_counter()
    if mode == "now":
        from retrieval.snapshot import load_snapshot

        snap = load_snapshot(settings.index_dir, embedder.model_id)
    elif mode == "steps":
        snap = _snapshot_by_steps(settings.index_dir, out)
    else:
        snap = _objects_snapshot(settings.index_dir)
    out["snapshot_load_s"], out["rss_snapshot_mb"] = round(time.perf_counter() - t, 1), round(rss_mb())
    engine = Engine(settings, embedder, snap, load_profile(settings.profile))
    out["index_load_s"], out["rss_loaded_mb"] = round(time.perf_counter() - t, 1), round(rss_mb())
    out["index_mb"] = out["rss_loaded_mb"] - out["rss_model_mb"]
    if mode == "steps":  # the load's breakdown only; answers are measured in the other modes
        out["smaps_mb"] = smaps()
        return out
    out["questions"], out["repeat"] = len(questions), repeat
    out["latency"] = answer_latency(engine, questions, repeat)
    out["rss_answered_mb"] = round(rss_mb())
    out["peak_rss_mb"] = round(_status("VmHWM"))
    out["smaps_mb"] = smaps()
    out["engine_rss_mb"] = _children_rss_mb()  # an embedded Milvus Lite engine runs as a child process
    out["chunks"], out["articles"] = len(snap.chunks), len(snap.articles)
    out["answers"] = [_digest(engine.ask(q)) for q in questions]  # to compare backends question by question
    # objects mode: the place-mention text, built on the first question naming a place
    out["corpus_text_chars"] = len(getattr(engine.scope, "_text", None) or "")
    return out


def _children_rss_mb() -> float:
    """Resident MB of this process's children (the Milvus Lite engine; 0 with FAISS)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == os.getpid():
                total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            continue
    return round(total, 1)


def _digest(answer) -> str:
    """An answer as compared across backends: declined or not, its text, its top-3 sources."""
    top = " | ".join(f"{s.article_id}:{s.start}" for s in answer.sources[:3])
    return f"{answer.kind} · {answer.answer or ''} · {top}"


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _snapshot_by_steps(index_dir: Path, out: dict):
    """``load_snapshot``'s steps one by one (checksums left out), with the RSS after each."""
    from retrieval.snapshot import IndexSnapshot
    from stores.layout import current_dir, read_manifest
    from stores.lexical import create_lexical_index
    from stores.meta import open_meta
    from stores.vector_store import create_vector_store

    build = current_dir(index_dir)
    manifest = read_manifest(build)
    steps = {}
    before = rss_mb()
    articles, chunks, figures = open_meta(build / "meta.sqlite")
    steps["meta.sqlite (open_meta)"], before = round(rss_mb() - before), rss_mb()
    vectors = create_vector_store(manifest["vector_store"]).load(build / "vectors")
    steps[f"vectors ({manifest['vector_store']['kind']})"], before = round(rss_mb() - before), rss_mb()
    lexical = create_lexical_index(manifest["lexical"]).load(build / "lexical")
    steps["BM25 (bm25s, mmap)"] = round(rss_mb() - before)
    out["steps_mb"] = steps
    return IndexSnapshot(build, manifest, vectors, lexical, articles, chunks, figures)


def _objects_snapshot(index_dir: Path):
    """The build opened the pre-issue-12 way: every article and chunk as objects, BM25 not memory-mapped."""
    from retrieval.snapshot import IndexSnapshot
    from stores.layout import current_dir, read_manifest
    from stores.lexical import create_lexical_index
    from stores.meta import open_meta, read_meta
    from stores.vector_store import create_vector_store

    build = current_dir(index_dir)
    manifest = read_manifest(build)
    articles, chunks, _ = read_meta(build / "meta.sqlite")
    figures = open_meta(build / "meta.sqlite")[2]  # the facts are read from SQLite in every mode
    vectors = create_vector_store(manifest["vector_store"]).load(build / "vectors")
    lexical = create_lexical_index({**manifest["lexical"], "mmap": False}).load(build / "lexical")
    return IndexSnapshot(build, manifest, vectors, lexical, {a.id: a for a in articles}, chunks, figures)


def measure(index_dir: Path, mode: str, repeat: int, limit: int | None) -> dict:
    """``child`` in a fresh process with INDEX_DIR=index_dir; its JSON result."""
    from bench.common import child_env, run_process

    args = ["-m", "bench.serving", "child", "--mode", mode, "--repeat", str(repeat)]
    run = run_process(args + (["--limit", str(limit)] if limit else []), child_env(index_dir=str(index_dir)),
                      timeout=1800)
    if run.returncode != 0:
        raise RuntimeError(f"serving child ({mode}) failed: {run.stderr[-1500:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    result["process_s"] = round(run.seconds, 1)
    return result


def block_name(result: dict) -> str:
    """The docs/benchmarks.md block of a run: figures copied with their articles, or the source's only."""
    rep = result["replica"]
    return f"e2e-serving-{rep['rows']}" if rep.get("copy_figures", True) else f"e2e-serving-srcfig-{rep['rows']}"


def markdown(result: dict) -> str:
    """The before/after table of a run (pasted into docs/benchmarks.md, section "Serving at 1M chunks")."""
    from bench.common import table

    rows = []
    for mode, label in (("objects", "before: articles and chunks as objects, BM25 in memory"),
                        ("now", "now: `load_snapshot` + `Engine` (SQLite on demand, BM25 mmap)")):
        r = result.get(mode)
        if not r:
            continue
        lat = r["latency"]["total"]
        rows.append([label, r["rss_model_mb"], r["rss_loaded_mb"], r["index_mb"], r["rss_answered_mb"],
                     r["rss_answered_mb"] - r["rss_model_mb"], r["peak_rss_mb"], r["index_load_s"],
                     lat["p50"], lat["p95"]])
    rep, now = result["replica"], result.get("now", {})
    parts = [
        f"**Serving at {rep['rows']:,} chunks, from disk.** A build directory written by `bench/serving.py` "
        f"through the project's writers (`write_meta`, the vector store's and BM25's `save`, a manifest with "
        f"checksums): the {rep['source_chunks']:,} embedded chunks of `--source` copied {rep['copies']}× (ids "
        f"suffixed, vectors jittered to cosine ≈ 0.96; {rep['articles']:,} articles, {rep['figures']:,} figures"
        f"{'' if rep.get('copy_figures', True) else ': the source build’s only, not copied'}), "
        f"vector store `{rep['vector_store'].get('kind') or rep['vector_store']['backend'] + ' ' + rep['vector_store'].get('index', '')}` (the `auto` setting at this size). On disk: "
        + ", ".join(f"{k} {v:,.0f} MB" for k, v in rep["disk_mb"].items() if v >= 1)
        + f"; written in {rep['write_s']} s. Each row below is a fresh process: the model is loaded and every "
        f"question encoded and tokenized once (torch's buffers, jieba's and OpenCC's dictionaries), then the index, then {now.get('questions', '?')} questions "
        f"(data/eval) × {now.get('repeat', '?')} are answered. \"index part\" = RSS minus RSS with the model only.",
        f"_`bench/serving.py` run started {result.get('started', '?')} (writing + "
        f"{sum(m in result for m in ('now', 'steps', 'objects'))} fresh processes: "
        f"{sum(result[m]['process_s'] for m in ('now', 'steps', 'objects') if m in result):.0f} s of them), load "
        f"average {result.get('load_start', '?')} → {result.get('load_end', '?')}; the machine was shared with "
        "other jobs, so embedding p95s are the machine's._",
        table(["serving process", "RSS model only MB", "RSS loaded MB", "index part MB", "RSS after answers MB",
               "index part after answers MB", "peak MB", "index load s", "answer p50 ms", "answer p95 ms"], rows),
    ]
    if now:
        parts.append(table(["part of the answer (now)", "p50 ms", "p95 ms"], [
            [k, now["latency"][k]["p50"], now["latency"][k]["p95"]]
            for k in ("total", "embed", "dense", "lexical", "compose", "bare_embed")]))
    steps = result.get("steps", {}).get("steps_mb")
    if steps:
        facts = result["steps"]["rss_loaded_mb"] - result["steps"]["rss_snapshot_mb"]
        parts.append("Where the loaded index's memory goes (`load_snapshot`'s steps one at a time, RSS growth): "
                     + "; ".join(f"{k} {v:,} MB" for k, v in steps.items())
                     + f"; `Engine` (per-build corpus facts) {facts:,} MB.")
    if now.get("smaps_mb"):
        parts.append("Resident memory of the \"now\" process after answering, by mapping (/proc/self/smaps): "
                     + "; ".join(f"{k} {v:,.0f} MB" for k, v in now["smaps_mb"].items())
                     + (f". The place-mention text built by the scope check holds {now['corpus_text_chars']:,}"
                        " characters." if now.get("corpus_text_chars") else ". The scope check holds no copy of the "
                        "corpus text (place names are looked up in the build's place_names table)."))
    return "\n\n".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.serving", description=__doc__.splitlines()[0])
    p.add_argument("command", nargs="?", default="run", choices=("run", "child"))
    p.add_argument("--source", default="var/eval/dev/index", help="an index dir with an embedded build "
                   "(`make eval-dev` writes var/eval/dev/index)")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--work", default="var/bench-serving", help="where the replica build is written (deleted after)")
    p.add_argument("--modes", default="now,steps,objects", help="comma-separated: now (the bot's load), steps "
                   "(the same load step by step, no answers), objects (articles/chunks as objects, BM25 in memory)")
    p.add_argument("--mode", default="now")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="questions (0: all of data/eval's question files)")
    p.add_argument("--figures", default="copy", choices=("copy", "source"), help="copy the figures with their "
                   "articles (a real corpus of this kind), or keep only the source's")
    p.add_argument("--keep", action="store_true", help="keep the replica build")
    p.add_argument("--out", default="", help="also write the JSON result here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "child":
        import logging

        logging.disable(logging.INFO)
        print(json.dumps(child(args.mode, args.repeat, args.limit or None), ensure_ascii=False))
        return 0
    work = Path(args.work).resolve()
    if work.exists():
        shutil.rmtree(work)
    result = {"load_start": load_average(), "started": datetime.now(UTC).isoformat(timespec="minutes")}
    try:
        result["replica"] = write_replica(Path(args.source), work, args.rows, args.figures == "copy", log=print)
        print(json.dumps(result["replica"]), flush=True)
        for mode in args.modes.split(","):
            print(f"serving: fresh process, mode {mode}", flush=True)
            result[mode] = measure(work, mode, args.repeat, args.limit or None)
            print(json.dumps(result[mode], ensure_ascii=False), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result["load_end"] = load_average()
    if args.out:
        Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
