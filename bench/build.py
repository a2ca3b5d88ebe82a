"""Benchmark part 2: index build throughput vs bare encoding, unchanged rebuilds, adding one article."""

from __future__ import annotations

import re
import shutil
import statistics
import time
from pathlib import Path

from bench.common import Stopwatch, Timed, child_env, run_process
from config import Settings
from config.profile import load_profile
from index.build import build_index
from index.chunker import chunk_article
from index.sources import scan

EMBEDDED = re.compile(r"embedded (\d+), reused (\d+)")


def chunk_texts(settings: Settings) -> tuple[list[str], list]:
    """The distinct texts a build of ``settings.data_dir`` embeds, and the parsed articles."""
    corpus = scan(settings.data_dir, settings.default_year, load_profile(settings.profile), settings.max_file_mb)
    texts = [c.embed_text for a in corpus.articles for c in chunk_article(a, settings.chunk_size,
                                                                          settings.chunk_overlap)]
    return list(dict.fromkeys(texts)), corpus.articles


def settings_in(base: Settings, data_dir: Path, work: Path) -> Settings:
    return base.model_copy(update={"data_dir": data_dir, "index_dir": work / "index", "cache_dir": work / "cache"})


def env_for(settings: Settings) -> dict[str, str]:
    return child_env(data_dir=str(settings.data_dir), index_dir=str(settings.index_dir),
                     cache_dir=str(settings.cache_dir), embedding_model=settings.embedding_model)


def bare_encode(embedder, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    embedder.encode_passages(texts, batch_size=batch_size)
    return time.perf_counter() - started


def timed_build(settings: Settings, embedder, *, force: bool) -> dict:
    """One in-process build with an already loaded model; embedding time measured inside it."""
    watch = Stopwatch()
    timed = Timed(embedder, watch, {"encode_passages": "embed"})
    report = build_index(settings, lambda: timed, embedder.model_id, force=force, progress=False)
    return {"seconds": report.seconds, "embedded": report.embedded, "chunks": report.chunks,
            "embed_s": watch.parts.get("embed", 0.0), "up_to_date": report.up_to_date}


def _no_model():
    raise AssertionError("an unchanged rebuild must not load the model")


def bench_build(base: Settings, embedder, work: Path, rounds: int = 3) -> dict:
    """Full builds (empty cache) vs bare encode of the same texts, then the incremental cases."""
    data = work / "articles"
    shutil.copytree(base.data_dir, data)
    texts, articles = chunk_texts(settings_in(base, data, work))
    batch = base.embedding_batch_size
    embedder.encode_passages(texts[:8], batch_size=batch)  # warm-up
    bare, builds = [], []
    for r in range(rounds):  # alternate (bare-build, build-bare, …) so both see the same machine load
        steps = ["bare", "build"] if r % 2 == 0 else ["build", "bare"]
        for step in steps:
            if step == "bare":
                bare.append(bare_encode(embedder, texts, batch))
            else:
                builds.append(timed_build(settings_in(base, data, work / f"full{r}"), embedder, force=True))
    best_bare, best_build = min(bare), min(builds, key=lambda b: b["seconds"])
    out: dict = {
        "articles": len(articles), "chunks": best_build["chunks"], "texts": len(texts),
        "bare_s": [round(b, 2) for b in bare], "build_s": [round(b["seconds"], 2) for b in builds],
        "bare_chunks_per_s": round(len(texts) / best_bare, 2),
        "build_chunks_per_s": round(best_build["embedded"] / best_build["seconds"], 2),
        "build_embed_s": round(best_build["embed_s"], 2),
        "build_other_s": round(best_build["seconds"] - best_build["embed_s"], 2),
        "pair_ratios": [round((b["embedded"] / b["seconds"]) / (len(texts) / s), 3) for b, s in zip(builds, bare,
                                                                                                    strict=True)],
    }
    out["ratio"] = round(statistics.median(out["pair_ratios"]), 3)
    out["embed_share"] = round(best_build["embed_s"] / best_build["seconds"], 3)

    live = settings_in(base, data, work / f"full{rounds - 1}")
    unchanged = [build_index(live, _no_model, embedder.model_id, progress=False) for _ in range(3)]
    assert all(u.up_to_date for u in unchanged), "an unchanged rebuild was not recognised as up to date"
    out["unchanged_s"] = round(statistics.median(u.seconds for u in unchanged), 3)
    runs = [run_process(["-m", "index", "build", "--quiet"], env_for(live), timeout=600) for _ in range(3)]
    assert all("up to date" in r.stdout for r in runs), runs[-1].stdout + runs[-1].stderr
    out["unchanged_process_s"] = round(statistics.median(r.seconds for r in runs), 2)
    out["unchanged_process_rss_mb"] = round(max(r.peak_rss_mb for r in runs), 1)

    by_size = sorted(articles, key=lambda a: len(a.text))
    picks = [by_size[len(by_size) // 2], by_size[len(by_size) // 2 + 1]]
    _add_copy(data, picks[0], 1)
    added = timed_build(live, embedder, force=False)
    out["add_s"] = round(added["seconds"], 2)
    out["add_embedded"] = added["embedded"]
    out["add_embed_s"] = round(added["embed_s"], 2)
    _add_copy(data, picks[1], 2)
    run = run_process(["-m", "index", "build", "--quiet"], env_for(live), timeout=900)
    found = EMBEDDED.search(run.stdout)
    out["add_process_s"] = round(run.seconds, 2)
    out["add_process_embedded"] = int(found.group(1)) if found else None

    cold = settings_in(base, data, work / "cold")  # what `make index FORCE=1` costs with an empty cache
    run = run_process(["-m", "index", "build", "--force", "--quiet"], env_for(cold), timeout=3600)
    found = EMBEDDED.search(run.stdout)
    out["cold_process_s"] = round(run.seconds, 2)
    out["cold_process_rss_mb"] = round(run.peak_rss_mb, 1)
    out["cold_process_chunks"] = int(found.group(1)) + int(found.group(2)) if found else None
    return out


def _add_copy(data: Path, article, n: int) -> None:
    """A new article file: a seed article under a new title, so all its chunks are new texts."""
    header = f"title: {article.title}（基准测试副本{n}）\ndate: {article.date or ''}\nsource: 基准测试\n\n"
    (data / f"bench_added_{n}.md").write_text(header + article.text + "\n", encoding="utf-8")


def build_markdown(b: dict) -> str:
    from bench.common import table

    rows = [
        ["full build, empty embedding cache, model already loaded (best of "
         f"{len(b['build_s'])}: {', '.join(map(str, b['build_s']))} s)",
         f"{b['build_chunks_per_s']} chunks/s ({b['chunks']} chunks)"],
        ["· of which embedding / everything else", f"{b['build_embed_s']} s / {b['build_other_s']} s"],
        ["bare `encode_passages` of the same texts (best of "
         f"{len(b['bare_s'])}: {', '.join(map(str, b['bare_s']))} s)", f"{b['bare_chunks_per_s']} chunks/s"],
        ["**build / bare throughput** (target ≥ 0.9): median of the per-round ratios",
         f"**{b['ratio']}** (rounds: {', '.join(map(str, b['pair_ratios']))})"],
        ["share of the build spent in `encode_passages` (the build's own overhead is the rest)",
         f"{b['embed_share']}"],
        ["`python -m index build --force` in a fresh process, empty cache (model load included)",
         f"{b['cold_process_s']} s for {b['cold_process_chunks']} chunks, peak RSS {b['cold_process_rss_mb']} MB"],
        ["rebuild with nothing changed, in process (target ≤ 2 s)", f"{b['unchanged_s']} s"],
        ["rebuild with nothing changed, `python -m index build` process wall time",
         f"{b['unchanged_process_s']} s (peak RSS {b['unchanged_process_rss_mb']} MB)"],
        ["add one article, in process (model loaded)",
         f"{b['add_s']} s, {b['add_embedded']} chunks embedded ({b['add_embed_s']} s of it embedding)"],
        ["add one article, `python -m index build` process (loads the model)",
         f"{b['add_process_s']} s, {b['add_process_embedded']} chunks embedded"],
    ]
    return table(["measurement", "figure"], rows)
