"""Benchmark part 1: cold start of `python -m retrieval ask` and warm answer latency, part by part."""

from __future__ import annotations

import statistics
import time

from bench.common import ProcessRun, Stopwatch, Timed, ms, percentiles, run_process
from config.profile import load_profile
from retrieval.normalize import normalize


def cold_start(env: dict[str, str], question: str, runs: int = 3) -> dict:
    """Process start → first answer of `python -m retrieval ask`, ``runs`` times (the first may be a
    cold page cache); the peak RSS is that of a process serving one question."""
    done: list[ProcessRun] = []
    for _ in range(runs):
        run = run_process(["-m", "retrieval", "ask", question], env, timeout=900)
        if run.returncode != 0:
            raise RuntimeError(f"`python -m retrieval ask` failed ({run.returncode}): {run.stderr[-800:]}")
        done.append(run)
    return {
        "runs": runs,
        "first_s": round(done[0].seconds, 2),
        "median_s": round(statistics.median(r.seconds for r in done), 2),
        "median_first_output_s": round(statistics.median(r.first_output_s or r.seconds for r in done), 2),
        "peak_rss_mb": round(max(r.peak_rss_mb for r in done), 1),
        "answer": done[-1].stdout.strip().splitlines()[0] if done[-1].stdout.strip() else "",
    }


def answer_latency(engine, questions: list[str], repeat: int) -> dict:
    """Time ``engine.ask`` over the questions ``repeat`` times, split into its parts.

    The engine's embedder and the snapshot's indexes are swapped for timed stand-ins while this runs,
    so each part is measured inside the very call it belongs to. Right after each answer the bare query
    embedding of the same text (``SentenceTransformer.encode`` as documented) is timed, adjacent in time
    so both see the same machine load.
    """
    watch = Stopwatch()
    snap = engine.snapshot
    floor = getattr(engine.embedder, "encode_queries_library", engine.embedder.encode_queries)
    embedder, vectors, lexical = engine.embedder, snap.vectors, snap.lexical
    engine.embedder = Timed(embedder, watch, {"encode_queries": "embed"})
    snap.vectors = Timed(vectors, watch, {"search": "dense", "vectors": "dense"})
    snap.lexical = Timed(lexical, watch, {"search": "lexical"})
    scope = engine.scope
    scope.decline = watch.wrap("scope", scope.decline)  # instance attribute, removed below
    rows = []
    try:
        for question in questions[:3]:  # warm-up: jieba, OpenCC, the corpus text cache
            engine.ask(question)
        for _ in range(repeat):
            for question in questions:
                watch.reset()
                started = time.perf_counter()
                answer = engine.ask(question)
                total = time.perf_counter() - started
                parts = dict(watch.parts)
                text = normalize(question, engine.profile).text
                started = time.perf_counter()
                floor([text])
                bare = time.perf_counter() - started
                rows.append({"total": total, "bare": bare, "kind": answer.kind, **parts})
    finally:
        engine.embedder, snap.vectors, snap.lexical = embedder, vectors, lexical
        del scope.decline
    return summarize_latency(rows)


def summarize_latency(rows: list[dict]) -> dict:
    searched = [r for r in rows if r.get("embed", 0.0) > 0]
    compose = [r["total"] - r.get("embed", 0) - r.get("dense", 0) - r.get("lexical", 0) for r in searched]
    out = {
        "answers": len(rows),
        "declined_before_search": len(rows) - len(searched),
        "total": percentiles([r["total"] for r in rows]),
        "searched_total": percentiles([r["total"] for r in searched]),
        "embed": percentiles([r["embed"] for r in searched]),
        "dense": percentiles([r.get("dense", 0.0) for r in searched]),
        "lexical": percentiles([r.get("lexical", 0.0) for r in searched]),
        "compose": percentiles(compose),
        "scope": percentiles([r.get("scope", 0.0) for r in searched]),
        "bare_embed": percentiles([r["bare"] for r in searched]),
    }
    if searched:
        out["ratio_p50"] = round(out["searched_total"]["p50"] / out["bare_embed"]["p50"], 3)
        out["ratio_mean"] = round(sum(r["total"] for r in searched) / sum(r["bare"] for r in searched), 3)
    return out


def embedding_threads(embedder, questions: list[str], repeat: int) -> dict | None:
    """Bare query embedding with torch's default thread count vs one thread, in alternating blocks of
    the whole question set (default, 1, default, 1, …), so both see the same machine load.

    On a machine shared with other busy processes, OpenMP threads that spin at barriers lose their
    time slices and a 2-thread encode can be many times slower than a 1-thread one.
    """
    import torch

    default = torch.get_num_threads()
    if default <= 1:
        return None
    texts = [normalize(q, load_profile()).text for q in questions]
    times: dict[int, list[float]] = {default: [], 1: []}
    try:
        for _ in range(repeat):
            for threads in (default, 1):
                torch.set_num_threads(threads)
                embedder.encode_queries(texts[:1])  # let the thread pool settle
                for text in texts:
                    started = time.perf_counter()
                    embedder.encode_queries([text])
                    times[threads].append(time.perf_counter() - started)
    finally:
        torch.set_num_threads(default)
    return {"default_threads": default, "default": percentiles(times[default]), "one": percentiles(times[1])}


def load_model(name: str):
    """The embedder with its question side loaded: an ONNX export's encoder loads on the first question."""
    from model.embedder import make_embedder

    embedder = make_embedder(name)
    embedder.encode_queries(["株洲"])
    return embedder


def time_call(fn, *args, **kwargs) -> tuple[object, float]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def latency_rows(name: str, lat: dict) -> list[list]:
    """Markdown rows for one latency summary (ms)."""
    return [
        [name, "answer (all questions)", lat["total"]["p50"], lat["total"]["p95"], lat["total"]["mean"]],
        [name, "answer (questions that search)", lat["searched_total"]["p50"], lat["searched_total"]["p95"],
         lat["searched_total"]["mean"]],
        [name, "· query embedding", lat["embed"]["p50"], lat["embed"]["p95"], lat["embed"]["mean"]],
        [name, "· dense search (FAISS + rescoring)", lat["dense"]["p50"], lat["dense"]["p95"],
         lat["dense"]["mean"]],
        [name, "· lexical search (BM25)", lat["lexical"]["p50"], lat["lexical"]["p95"], lat["lexical"]["mean"]],
        [name, "· answer composition (the rest)", lat["compose"]["p50"], lat["compose"]["p95"],
         lat["compose"]["mean"]],
        *([[name, "·· of which the scope check (`Scope.decline`)", lat["scope"]["p50"], lat["scope"]["p95"],
            lat["scope"]["mean"]]] if "scope" in lat else []),
        [name, "bare `SentenceTransformer.encode` of the same text (the floor)", lat["bare_embed"]["p50"], lat["bare_embed"]["p95"],
         lat["bare_embed"]["mean"]],
    ]


__all__ = ["answer_latency", "cold_start", "embedding_threads", "latency_rows", "ms", "time_call"]
