"""Benchmark: the serving process at ~1M chunks, a replicated build (bench/replica.py) opened by fresh processes."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import load_average, rss_mb
from bench.replica import write_replica
from bench.serving_report import markdown

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = ("data/eval/questions.jsonl", "data/eval/extra_questions.jsonl", "data/eval/dxy/questions.jsonl")


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
    from bench.questions import answer_latency, load_model
    from config import Settings
    from config.profile import load_profile
    from retrieval.engine import Engine

    settings = Settings()
    out = {"mode": mode, "rss_start_mb": round(rss_mb())}
    questions = _questions(limit)
    t = time.perf_counter()
    embedder = load_model(settings.embedding_model)
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
    # objects mode: the place-mention text, joined on the first question naming a place
    out["corpus_text_chars"] = len(engine.scope._text or "")
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
