"""A small server (issue 20): questions through the ONNX export vs torch, cold and warm, the bot's memory, passages.

    PYTHONPATH=. .venv/bin/python -m bench.small_server [--runs 3] [--repeat 3] [--passages 64] [--json FILE]

Uses the index in INDEX_DIR (`make index`). "torch" is the same model folder without its onnx/ export (a folder
of links), which make_embedder serves with sentence-transformers as before. CPU seconds (user + system) are given
beside wall times: on a machine shared with other busy processes they are the steadier figure. Prints markdown.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import child_env, run_process, table
from bench.questions import answer_latency
from config import Settings

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "株洲累计确诊多少"
SEED_SETS = ("data/eval/questions.jsonl", "data/eval/extra_questions.jsonl")
BOT_PROCESS = """
import json, sys
import bot.app  # python-telegram-bot and the handlers, as `python -m bot` imports them
from config import Settings
from retrieval.engine import Engine
engine = Engine.open(Settings())
answered = sum(engine.ask(json.loads(line)["question"]).answered for f in sys.argv[1:] for line in open(f))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"answered": answered, "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
                  "peak_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def torch_folder(model: Path, work: Path) -> Path:
    """The model folder without its ONNX export: links to everything else, under the same name (same model id)."""
    folder = work / model.name
    folder.mkdir()
    for entry in model.iterdir():
        if entry.name != "onnx":
            (folder / entry.name).symlink_to(entry)
    return folder


def cold(models: dict[str, Path], runs: int) -> dict:
    """`python -m retrieval ask` in fresh processes, each variant in turn, beside a bare `python -c pass`."""
    rows: dict[str, list[dict]] = {"bare python": [], **{name: [] for name in models}}
    for _ in range(runs):
        for name in rows:
            env = child_env(**({"embedding_model": str(models[name])} if name in models else {}))
            cpu = _children_cpu()
            run = run_process(["-c", "pass"] if name == "bare python" else ["-m", "retrieval", "ask", QUESTION], env)
            if run.returncode != 0:
                raise RuntimeError(f"{name}: {run.stderr[-800:]}")
            rows[name].append({"s": run.seconds, "first": run.first_output_s or run.seconds,
                               "cpu": _children_cpu() - cpu, "rss": run.peak_rss_mb})
    return {name: {"median_s": round(statistics.median(r["s"] for r in runs_), 2),
                   "median_first_output_s": round(statistics.median(r["first"] for r in runs_), 2),
                   "median_cpu_s": round(statistics.median(r["cpu"] for r in runs_), 2),
                   "peak_rss_mb": round(max(r["rss"] for r in runs_), 1)} for name, runs_ in rows.items()}


def warm(settings: Settings, models: dict[str, Path], questions: list[str], repeat: int, passages: int) -> dict:
    """Answer latency by parts (bench.questions), CPU ms per bare question embedding, passages per second."""
    from model.embedder import SentenceTransformerEmbedder, make_embedder
    from retrieval.engine import Engine

    out = {}
    for name, folder in models.items():
        engine = Engine.open(settings, embedder=make_embedder(str(folder), "cpu"))
        latency = answer_latency(engine, questions, repeat)
        floor = engine.embedder.encode_queries_library
        cpu = time.process_time()
        for question in questions * repeat:
            floor([question])
        texts = [c.embed_text for c in engine.snapshot.chunks[:passages]]
        passage_side = (engine.embedder if isinstance(engine.embedder, SentenceTransformerEmbedder)
                        else SentenceTransformerEmbedder(str(folder), "cpu"))
        out[name] = {"answer_p50_ms": latency["total"]["p50"], "embed_p50_ms": latency["embed"]["p50"],
                     "bare_p50_ms": latency["bare_embed"]["p50"], "ratio_p50": latency["ratio_p50"],
                     "bare_cpu_ms": round((time.process_time() - cpu) * 1000 / (len(questions) * repeat), 2),
                     "torch_passages_per_s": _per_second(passage_side.encode_passages, texts)}
        if name == "onnx":  # the same runtime for passages, as it runs questions (one text per pass)
            queries = engine.embedder._queries
            prompt, queries.prompt = queries.prompt, "passage: "
            out[name]["onnx_passages_per_s"] = _per_second(queries.encode, texts)
            queries.prompt = prompt
    return out


def _per_second(encode, texts: list[str]) -> dict:
    encode(texts[:4])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    return {"wall": round(len(texts) / (time.perf_counter() - wall), 1),
            "cpu": round(len(texts) / (time.process_time() - cpu), 1)}


def bot_memory(models: dict[str, Path]) -> dict:
    """A fresh process with the bot's imports and engine, after answering the seed question sets."""
    out = {}
    for name, folder in models.items():
        run = run_process(["-c", BOT_PROCESS, *[str(ROOT / f) for f in SEED_SETS]],
                          child_env(embedding_model=str(folder)))
        if run.returncode != 0:
            raise RuntimeError(f"{name}: {run.stderr[-800:]}")
        out[name] = json.loads(run.stdout.strip().splitlines()[-1])
    return out


def markdown(d: dict) -> str:
    c, w, b = d["cold"], d["warm"], d["bot"]
    lines = [f"_load average {d['load'][0]} → {d['load'][1]} (1/5/15 min), {d['runs']} runs_", "",
             table(["process", "median wall s", "answer printed s", "median CPU s", "peak RSS MB"],
                   [[n, r["median_s"], r["median_first_output_s"], r["median_cpu_s"], r["peak_rss_mb"]]
                    for n, r in c.items()]), "",
             table(["questions", "answer p50 ms", "embedding in the answer p50 ms", "bare embedding p50 ms",
                    "answer / bare p50", "bare embedding CPU ms", "bot RSS after the seed sets MB (peak)"],
                   [[n, r["answer_p50_ms"], r["embed_p50_ms"], r["bare_p50_ms"], r["ratio_p50"], r["bare_cpu_ms"],
                     f"{b[n]['rss_mb']:.0f} ({b[n]['peak_mb']:.0f})"] for n, r in w.items()]), "",
             table(["passages through", "per s (wall)", "per s (CPU)"],
                   [["sentence-transformers (torch, CPU)", w["torch"]["torch_passages_per_s"]["wall"],
                     w["torch"]["torch_passages_per_s"]["cpu"]],
                    ["the ONNX export (one text per pass)", w["onnx"]["onnx_passages_per_s"]["wall"],
                     w["onnx"]["onnx_passages_per_s"]["cpu"]]])]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--passages", type=int, default=64)
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    settings = Settings()
    model = Path(settings.embedding_model)
    questions = [json.loads(line)["question"] for line in (ROOT / SEED_SETS[0]).read_text(encoding="utf-8").splitlines()]
    load = [Path("/proc/loadavg").read_text().split()[:3]]
    with tempfile.TemporaryDirectory(prefix="zz-small-") as tmp:
        models = {"onnx": model, "torch": torch_folder(model, Path(tmp))}
        d = {"runs": args.runs, "cold": cold(models, args.runs), "bot": bot_memory(models),
             "warm": warm(settings, models, questions, args.repeat, args.passages)}
    d["load"] = [" ".join(x) for x in load + [Path("/proc/loadavg").read_text().split()[:3]]]
    if args.json:
        Path(args.json).write_text(json.dumps(d, indent=1))
    print(markdown(d))


if __name__ == "__main__":
    main()
