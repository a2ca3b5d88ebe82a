"""`make bench`: speed, memory and scale, measured side by side → docs/benchmarks.md and a summary.

    python -m bench                       # default: seed corpus, small scale subset, 100k vectors
    python -m bench --parts scale --scale --cctv 5000  # all DXY + first 5000 CCTV stories
    python -m bench --parts vectors --vectors 1000000
    python -m bench --parts e2e --scale --cctv 5000 --e2e-rows 1000000
    python -m bench --parts serving  # `make eval-dev` first: its build replicated to 1M chunks on disk
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench import report
from bench.common import find_scale_dir, load_average, machine_info, table
from config import Settings
from config.logs import setup_logging
from config.settings import PROJECT_ROOT

PARTS = ("questions", "build", "scale", "vectors", "e2e", "serving", "bot")
DEFAULT_PARTS = "questions,build,scale,vectors,bot"
BOT_ARGS = ["--chats", "1,10,50", "--per-chat", "40,8,8", "--limiter", "production,off", "--repeat", "3"]
STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[bench {time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def _limit(value: str) -> int | None:
    return None if value == "all" else int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parts", default=DEFAULT_PARTS, help=f"comma-separated, of {', '.join(PARTS)} "
                   f"(default {DEFAULT_PARTS}; e2e runs when --e2e-rows is given)")
    p.add_argument("--repeat", type=int, default=5, help="passes over the question set for latency (5)")
    p.add_argument("--cold-runs", type=int, default=3, help="cold-start processes (3)")
    p.add_argument("--questions", default=str(PROJECT_ROOT / "data" / "eval" / "questions.jsonl"))
    p.add_argument("--scale", action="store_true", help="the larger-corpus run: all DXY items and --cctv "
                   "CCTV stories (default with --scale: all 24,100, several hours on 2 cores)")
    p.add_argument("--cctv", type=_limit, default=None, help="first N CCTV stories, or 'all' (default 100; "
                   "with --scale: all)")
    p.add_argument("--dxy", type=_limit, default=None, help="first N DXY items or 'all' (default 300; "
                   "with --scale: all)")
    p.add_argument("--scale-dir", help="folder with cctv_stories.jsonl / dxy_zh_news_unique.jsonl "
                   "(default ../shared/scale or /work/shared/scale)")
    p.add_argument("--cache-dir", help="keep the scale build's embedding cache here (a rerun then reuses it "
                   "and its build figures are marked warm-cache)")
    p.add_argument("--vectors", type=int, nargs="+", default=[100_000], help="synthetic sizes (100000)")
    p.add_argument("--kinds", default="flat,hnsw,hnsw_sq8,ivf,ivf_sq8,ivf_fp16,ivf_pq",
                   help="vector index kinds to compare")
    p.add_argument("--nlist", type=int, default=None, help="IVF lists (default: the ivf_nlist setting)")
    p.add_argument("--e2e-rows", type=int, default=0, help="answer latency over this many chunks: the larger "
                   "corpus (--scale/--cctv/--dxy) replicated, e.g. 1000000")
    p.add_argument("--e2e-index", default="ivf_sq8:32,ivf_fp16:32,flat:0",
                   help="KIND:NPROBE list for --e2e-rows")
    p.add_argument("--serving-rows", type=int, default=1_000_000, help="serving part: chunks of the replica build")
    p.add_argument("--serving-source", default=str(PROJECT_ROOT / "var" / "eval" / "dev" / "index"),
                   help="serving part: the embedded build to replicate (`make eval-dev` writes it)")
    p.add_argument("--serving-json", help="serving part: report this `python -m bench.serving --out` result "
                   "instead of running it")
    p.add_argument("--out", default=str(PROJECT_ROOT / "docs" / "benchmarks.md"))
    args = p.parse_args(argv)
    args.parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        p.error(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    if args.e2e_rows and "e2e" not in args.parts:
        args.parts.append("e2e")
    default = None if args.scale else 100
    args.cctv = default if args.cctv is None else args.cctv
    args.dxy = (None if args.scale else 300) if args.dxy is None else args.dxy
    return args


def provenance(command: str, machine: dict) -> str:
    return (f"_Measured {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')} with `{command}` · "
            f"load average {machine['load_start']} → {load_average()} (1/5/15 min) · torch threads "
            f"{machine['torch_threads']} · nice {machine['nice']}_")


def questions_markdown(d: dict) -> str:
    from bench.questions import latency_rows

    lat, cold = d["latency"], d["cold"]
    lines = [
        f"Cold start, `python -m retrieval ask \"{d['question']}\"` in a fresh process ({cold['runs']} runs): "
        f"**{cold['median_s']} s** median wall time (first run {cold['first_s']} s; answer printed after "
        f"{cold['median_first_output_s']} s), peak RSS {cold['peak_rss_mb']} MB. In this benchmark's process: "
        f"model load {d['model_load_s']} s, index load {d['index_load_s']} s.",
        f"Warm, `engine.ask` over the {d['questions']} questions × {d['repeat']} ({lat['answers']} answers; "
        f"{lat['declined_before_search']} declined before any search, e.g. another city). Parts are timed "
        "inside the same calls; composition is the rest (normalisation, scope checks, figures, fusion, "
        "sentence choice).",
        table(["corpus", "part", "p50 ms", "p95 ms", "mean ms"], latency_rows("seed", lat)),
        f"**Answer time / bare query-embedding time: {lat.get('ratio_p50')} at p50** ({lat.get('ratio_mean')} "
        "by means; target ≤ 1.3).",
    ]
    t = d.get("threads")
    if t:
        lines.append(f"Bare query embedding with torch's {t['default_threads']} threads vs 1 thread, interleaved: "
                     f"p50 {t['default']['p50']} vs {t['one']['p50']} ms, p95 {t['default']['p95']} vs "
                     f"{t['one']['p95']} ms.")
    return "\n\n".join(lines)


def scale_markdown(s: dict) -> str:
    from bench.questions import latency_rows
    from bench.vectors import vectors_markdown

    lim, full = s["limits"], s["full"]
    cache = "empty embedding cache" if s["cold_cache"] else "**embedding cache kept from an earlier run**"
    lines = [
        f"Data: the 2 seed pages + first {lim.get('cctv_stories.jsonl')} CCTV stories + first "
        f"{lim.get('dxy_zh_news_unique.jsonl')} DXY items → {s['articles']:,} articles, **{s['chunks']:,} "
        f"chunks**. The whole scale files would make {full['chunks']:,} chunks ({full['articles']:,} articles, "
        f"{full['chars'] / 1e6:.1f} M characters).",
        table(["measurement", "figure"], [
            ["`python -m index build --force` (" + cache + ")", f"{s['build_s']} s, {s['build_chunks_per_s']} "
             f"chunks/s, peak RSS {s['build_rss_mb']} MB"],
            ["bare `encode_passages` on 256 random chunks of this corpus, just before and just after the build",
             f"{s['bare_chunks_per_s']} chunks/s ({' / '.join(map(str, s.get('bare_before_after', [])))})"],
            ["build / bare throughput (target ≥ 0.9)", s.get("ratio", "–")],
            ["`python -m index build --force` again, every embedding cached (the build's work besides "
             "embedding and loading the model)", f"{s.get('warm_build_s', '–')} s, peak RSS "
             f"{s.get('warm_build_rss_mb', '–')} MB"],
            ["**extrapolated** build of all {:,} chunks at this rate".format(full["chunks"]),
             f"{s.get('full_estimate_h', '–')} h (estimate, not measured)"],
            ["index on disk", ", ".join(f"{k} {v} MB" for k, v in s["disk_mb"].items())
             + f"; embedding cache {s['cache_mb']} MB"],
            ["serving process: cold start / peak RSS", f"{s['serving']['median_s']} s / "
             f"{s['serving']['peak_rss_mb']} MB"],
        ]),
        table(["corpus", "part", "p50 ms", "p95 ms", "mean ms"], latency_rows(f"{s['chunks']:,} chunks",
                                                                          s["latency"])),
        f"Answer time / bare query embedding: {s['latency'].get('ratio_p50')} at p50.",
        "Seed question set, seed corpus vs this corpus:",
        table(["score", "seed corpus", f"with {s['chunks']:,} chunks"],
              [[k, v, s["scores_scale"].get(k, "–")] for k, v in s["scores_seed"].items()]),
        "Read the misses against data/eval/questions.jsonl: a question counts as missed when the answer "
        "lacks every `answer_any` (or an unanswerable one is answered).",
    ]
    if s.get("real_vectors"):
        lines.append(vectors_markdown(s["real_vectors"]))
    return "\n\n".join(lines)


def e2e_markdown(e: dict) -> str:
    from bench.questions import latency_rows

    rows, notes = [], []
    for run in e["runs"]:
        label = run["kind"] + (f" nprobe={run['nprobe']}" if run["kind"].startswith("ivf") else "")
        rows += latency_rows(label, run["latency"])
        notes.append(f"{label}: built in {run['vector_build_s']} s, process grew by ~{run['index_rss_growth_mb']} MB")
    return "\n\n".join([
        f"**{e['rows']:,} chunks**: the corpus above ({e['source_chunks']:,} chunks) copied {e['copies']}× "
        "(article ids suffixed, each copy's vectors jittered to cosine ≈ 0.96 with the original, BM25 over the "
        "copied jieba tokens), answered by the real engine with the real model: a stand-in for a 1M-chunk "
        "corpus that could not be embedded on this machine (it measures the serving cost, not answer quality). "
        f"Preparing it took {e['prepare_s']} s, BM25 {e['bm25_build_s']} s; articles, chunks, vectors and BM25 "
        f"grew this process by ~{e['corpus_rss_growth_mb']} MB.",
        table(["index", "part", "p50 ms", "p95 ms", "mean ms"], rows), "Vector indexes: " + "; ".join(notes) + "."])


def bot_markdown(tables: str, bot_args: list[str]) -> str:
    return "\n\n".join([
        f"`python -m bench.bot {' '.join(bot_args)}`: the bot as `bot.app.build_application` builds it "
        "(production HTTPXRequest pool, rate limiter, handlers, concurrent updates) long-polls an in-process Bot "
        "API stub over real HTTP on 127.0.0.1 (bench/botapi/: getUpdates is a real long poll, users "
        "are woken when their reply arrives, so no polling delay is measured). N chats each ask their questions "
        "in turn (send, wait for the reply, send the next). Floors measured in the same run, interleaved: "
        "\"sequential\" is `engine.ask` in a loop; \"concurrent\" is the same N chats × K questions through "
        "`asyncio.to_thread`, as the bot's handler calls the engine — the bot minus Telegram, PTB and HTTP. "
        "`off` removes the rate limiter, to show what it costs. Every run checks one reply per question.",
        tables.strip(),
    ])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    command = "python -m bench" + ("".join(" " + shlex.quote(a) for a in argv))
    settings = Settings()
    setup_logging("WARNING")
    logging.disable(logging.INFO)  # bm25s sets its own logger to DEBUG on import
    machine = machine_info()
    log(f"machine: {machine}")
    blocks: dict[str, str] = {}
    store: dict[str, dict] = {}

    def put(name: str, body: str, data: dict) -> None:
        blocks[name] = report.block(name, provenance(command, machine) + "\n\n" + body, data)
        store[name] = data

    from bench.questions import answer_latency, cold_start, embedding_threads, load_model, time_call
    from config.profile import load_profile
    from index.build import build_index
    from retrieval.engine import Engine
    from retrieval.snapshot import load_snapshot

    embedder, model_load = time_call(load_model, settings.embedding_model)
    build_index(settings, lambda: embedder, embedder.model_id, progress=False)  # what `make index` does
    snapshot, index_load = time_call(load_snapshot, settings.index_dir, embedder.model_id)
    engine = Engine(settings, embedder, snapshot, load_profile(settings.profile))
    items = [json.loads(x) for x in Path(args.questions).read_text(encoding="utf-8").splitlines() if x.strip()]
    questions = [i["question"] for i in items]
    model = f"{embedder.model_id} ({embedder.dimension} dimensions)"
    with tempfile.TemporaryDirectory(prefix="zz-bench-") as tmp:
        work = Path(tmp)
        if "questions" in args.parts:
            log("part 1: cold start")
            from bench.common import child_env

            cold = cold_start(child_env(), questions[0], runs=args.cold_runs)
            log("part 1: warm latency")
            d = {"question": questions[0], "cold": cold, "model_load_s": round(model_load, 2),
                 "index_load_s": round(index_load, 2), "questions": len(questions), "repeat": args.repeat,
                 "latency": answer_latency(engine, questions, args.repeat),
                 "threads": embedding_threads(embedder, questions, 2)}
            put("questions", questions_markdown(d), d)
        if "build" in args.parts:
            log("part 2: index build")
            from bench.build import bench_build, build_markdown

            (work / "build").mkdir()
            d = bench_build(settings, embedder, work / "build")
            put("build", build_markdown(d), d)
        scale_dir = find_scale_dir(args.scale_dir)
        wants_scale = "scale" in args.parts or ("e2e" in args.parts and args.e2e_rows)
        limits = {"cctv_stories.jsonl": args.cctv, "dxy_zh_news_unique.jsonl": args.dxy}
        cache_dir = Path(args.cache_dir) if args.cache_dir else None
        if wants_scale and scale_dir is None:
            log("part 3 skipped: no scale data (../shared/scale or /work/shared/scale; --scale-dir)")
        elif wants_scale:
            from bench.scale import bench_e2e, bench_scale, scale_engine

            (work / "scale").mkdir()
            if "scale" in args.parts:
                log(f"part 3: larger corpus {limits}")
                d, big = bench_scale(
                    settings, embedder, engine, questions, Path(args.questions), scale_dir, work / "scale", limits,
                    repeat=max(2, args.repeat // 2), cache_dir=cache_dir, real_ann=args.scale, log=log)
                put("scale-large" if args.scale else "scale", scale_markdown(d), d)
            else:
                big = scale_engine(settings, embedder, scale_dir, work / "scale", limits, cache_dir, log=log)
            if "e2e" in args.parts and args.e2e_rows:
                kinds = [(k, int(n)) for k, n in (x.split(":") for x in args.e2e_index.split(","))]
                e = bench_e2e(big, questions, args.e2e_rows, kinds, args.nlist or settings.faiss.ivf_nlist,
                              repeat=2, log=log)
                put(f"e2e-{args.e2e_rows}", e2e_markdown(e), e)
            del big
        if "vectors" in args.parts:
            from bench.vectors import param_label, pick, synthetic, vectors_markdown

            kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
            for n in args.vectors:
                log(f"part 4: {n:,} synthetic vectors")
                (work / f"v{n}").mkdir()
                results = synthetic(n, work / f"v{n}", nlist=args.nlist or settings.faiss.ivf_nlist, kinds=kinds, log=log)
                for res in results:
                    best = pick(res)
                    res["pick"] = best and {**best, "label": param_label(best)}
                put(f"vectors-{n}", "\n\n".join(vectors_markdown(r) for r in results), {"n": n, "results": results})
        if "serving" in args.parts:
            log(f"part 3b: the serving process at {args.serving_rows:,} chunks (bench/serving.py)")
            from bench.common import child_env, run_process
            from bench.serving_report import block_name
            from bench.serving_report import markdown as serving_markdown

            result = Path(args.serving_json) if args.serving_json else work / "serving.json"
            run = None if args.serving_json else run_process(["-m", "bench.serving", "--source", args.serving_source, "--rows",
                               str(args.serving_rows), "--work", str(work / "serving"), "--out", str(result)],
                              child_env(), timeout=3600)
            if (run and run.returncode != 0) or not result.is_file():
                raise RuntimeError(f"serving benchmark failed: {run.stdout[-500:]} {run.stderr[-1500:]}")
            d = json.loads(result.read_text(encoding="utf-8"))
            put(block_name(d), serving_markdown(d), d)
        if "bot" in args.parts:
            log("part 5: the bot through the in-process Bot API stub (bench/bot.py)")
            from bench.common import child_env, run_process

            result = work / "bot.json"
            run = run_process(["-m", "bench.bot", *BOT_ARGS, "--json", str(result)], child_env(),
                              timeout=3600)
            if run.returncode != 0 or not result.is_file():
                raise RuntimeError(f"bot benchmark failed: {run.stdout[-500:]} {run.stderr[-1500:]}")
            d = json.loads(result.read_text(encoding="utf-8"))
            put("bot", bot_markdown(run.stdout, BOT_ARGS), d)
    out = Path(args.out)
    data = report.all_data(out, blocks)
    summary = "## Summary: the targets\n\n" + table(["target", "figure", "", "block"], report.targets(data))
    header = HEADER.format(machine=machine, model=model, command=command,
                           date=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.render(out, blocks, header, summary), encoding="utf-8")
    print(summary.replace("## ", ""))
    print(f"\nwrote {out} ({', '.join(blocks) or 'no new blocks'}) in {time.perf_counter() - STARTED:.0f}s")
    return 0


HEADER = """# Benchmarks

Speed, memory and scale of the question path, the index build and the vector index, measured side by side.
Wherever possible a figure is a ratio of two measurements taken in the same run, so the machine's load (this
box is shared) cancels out; every block below says when and with which command it was measured.

| run | command | what | time on 2 cores |
|---|---|---|---|
| default | `make bench` (`python -m bench`) | parts 1–5: seed corpus, a small scale subset (first 100 CCTV stories + 300 DXY items), 100k synthetic vectors, the bot through the in-process Bot API stub | 13 min (9 + 3.6) |
| larger corpus and 1M answers | `python -m bench --parts scale,e2e --scale --cctv 5000 --e2e-rows 1000000` | all 2,777 DXY items + the first 5,000 CCTV stories (19,404 chunks, embedded from scratch), real-vector index comparison; then that corpus replicated to 1M chunks and answered end to end | 28–38 min |
| all of it | `python -m bench --parts scale --scale` | all 24,100 CCTV stories (84,627 chunks) | 1.6–2.4 h build (extrapolated in section 3, not run) |
| serving at 1M chunks | `make eval-dev` then `python -m bench --parts serving` (or `python -m bench.serving --out F` and `--serving-json F`) | the dev build (3,311 chunks) replicated to 1M chunks as a build on disk; fresh serving processes: RSS, smaps, answer p50/p95, before/after | 13 min + 11 min eval-dev build |
| 1M vectors | `python -m bench --parts vectors --vectors 1000000` | FAISS kinds over 1M synthetic vectors (HNSW only on the clustered set) | 18 min |

A run rewrites only the blocks it measured and keeps the others (and the hand-written sections at the end).
The scale parts are skipped with a message when `../shared/scale` is absent.

## Machine (latest run)

- `nproc` {machine[nproc]}, CPU {machine[cpu]}, RAM {machine[ram_gib]} GiB; shared with other jobs (load average
  {machine[load_start]} at the start of the latest run)
- Python {machine[python]}, torch {machine[torch]} ({machine[torch_threads]} threads), faiss-cpu {machine[faiss]},
  numpy {machine[numpy]}
- model: {model}
- latest run: {date}, `{command}`
"""


if __name__ == "__main__":
    sys.exit(main())
