"""The same answers with FAISS and Milvus on every question set, question by question: `python -m bench.backend_answers`."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED", ROOT.parent / "shared"))  # the Makefile's SHARED (../shared)
MODEL = ROOT / "models" / "multilingual-e5-small"
BACKENDS = ("faiss", "milvus")


def question_sets() -> dict[str, tuple[str, list[Path]]]:
    """name → (corpus, question files): the seed sets over the seed pages, the DXY sets over `make eval-dev`'s corpus."""
    seed = SHARED / "eval/questions.jsonl"
    return {
        "seed": ("seed", [seed if seed.is_file() else ROOT / "data/eval/questions.jsonl"]),
        "extra": ("seed", [ROOT / "data/eval/extra_questions.jsonl"]),
        "dxy dev": ("dev", [ROOT / "data/eval/dxy/questions.jsonl"]),
        "dxy blind": ("dev", [ROOT / "data/eval/dxy/blind_questions.jsonl"]),
    }


def corpus_dir(kind: str, work: Path) -> Path:
    """The seed pages, or the seed pages plus the DXY items (the corpus `make eval-dev` builds)."""
    if kind == "seed":
        return ROOT / "data/articles"
    target = work / "dev-articles"
    if not target.exists():
        (target / "dxy").mkdir(parents=True)
        for page in (ROOT / "data/articles").iterdir():
            if page.is_file():
                shutil.copy2(page, target / page.name)
        shutil.copy2(ROOT / "data/eval/dxy/items.jsonl", target / "dxy/items.jsonl")
    return target


def essentials(row: dict) -> dict:
    """What must not differ between backends: declined or not, the (bold) answer, the top-3 sources."""
    return {"answered": row["answered"], "answer": row.get("answer"),
            "top3": [(s["source"], s.get("title"), s["quote"]) for s in row.get("sources", [])[:3]]}


def run_backend(backend: str, kind: str, files: list[Path], work: Path, cache: Path, embedder) -> dict:
    """Build the corpus with ``backend`` and answer every question of ``files``."""
    from config import Settings
    from index.build import build_index
    from retrieval.engine import Engine
    from retrieval.evaluate import load_questions, metrics, run_items

    settings = Settings(_env_file=None, data_dir=corpus_dir(kind, work), index_dir=work / f"index-{kind}-{backend}",
                        cache_dir=cache, vector_backend=backend, embedding_model=str(MODEL))
    report = build_index(settings, lambda: embedder, embedder.model_id, progress=False)
    engine = Engine.open(settings, embedder=embedder)
    try:
        rows, verdicts, started = [], [], time.perf_counter()
        for path in files:
            got_rows, got_verdicts = run_items(engine, load_questions(path))
            rows += got_rows
            verdicts += got_verdicts
        seconds = time.perf_counter() - started
        return {"rows": rows, "metrics": metrics(verdicts), "seconds": round(seconds, 1), "chunks": report.chunks,
                "store": engine.snapshot.vectors.config}
    finally:
        engine.snapshot.vectors.close()


def compare(a: dict, b: dict) -> tuple[int, list[dict]]:
    """(identical count, the differing questions with both sides)."""
    same, differ = 0, []
    for ra, rb in zip(a["rows"], b["rows"], strict=True):
        if essentials(ra) == essentials(rb):
            same += 1
        else:
            differ.append({"id": ra.get("id"), "question": ra["question"], BACKENDS[0]: essentials(ra),
                           BACKENDS[1]: essentials(rb)})
    return same, differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backend_answers", description=__doc__)
    parser.add_argument("--cache", default=str(ROOT / "var/cache"), help="embedding cache dir (read, filled if missing)")
    parser.add_argument("--out", default=str(ROOT / "var/bench/backend_answers.json"), help="differences, as JSON")
    parser.add_argument("--sets", nargs="*", help="only these sets (default: all)")
    args = parser.parse_args(argv)

    from model.embedder import make_embedder

    embedder = make_embedder(str(MODEL))
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    sets = {k: v for k, v in question_sets().items() if not args.sets or k in args.sets}
    lines = ["| question set | questions | identical | differing | right faiss / milvus "
             "| WRONG BOLD faiss / milvus | answer time faiss / milvus (s) |", "|---|---|---|---|---|---|---|"]
    report = {}
    with tempfile.TemporaryDirectory(prefix="backend-answers-") as tmp:
        work = Path(tmp)
        for name, (kind, files) in sets.items():
            res = {b: run_backend(b, kind, files, work, cache, embedder) for b in BACKENDS}
            same, differ = compare(res["faiss"], res["milvus"])
            f, m = res["faiss"]["metrics"], res["milvus"]["metrics"]
            lines.append(f"| {name} ({res['faiss']['chunks']} chunks) | {len(res['faiss']['rows'])} | {same} "
                         f"| {len(differ)} | {f['right']} / {m['right']} | {f['wrong_bold_all']} / "
                         f"{m['wrong_bold_all']} | {res['faiss']['seconds']} / {res['milvus']['seconds']} |")
            report[name] = {"files": [str(p) for p in files], "identical": same, "differing": differ,
                            "stores": {b: res[b]["store"] for b in BACKENDS},
                            "metrics": {b: res[b]["metrics"] for b in BACKENDS}}
            print(lines[-1], flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print("\n".join(lines))
    print(f"per-question differences: {args.out}")
    return 0 if all(not r["differing"] for r in report.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
