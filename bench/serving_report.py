"""The serving benchmark's report: its docs/benchmarks.md block name and markdown."""

from __future__ import annotations

from bench.common import table


def block_name(result: dict) -> str:
    """The docs/benchmarks.md block of a run: figures copied with their articles, or the source's only."""
    rep = result["replica"]
    return f"e2e-serving-{rep['rows']}" if rep.get("copy_figures", True) else f"e2e-serving-srcfig-{rep['rows']}"


def markdown(result: dict) -> str:
    """The before/after table of a run (pasted into docs/benchmarks.md, section "Serving at 1M chunks")."""
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
