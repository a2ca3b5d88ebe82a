"""docs/benchmarks.md: each measured block is replaced by the run that measured it, the rest is kept.

A block sits between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` and carries its figures as JSON
in a ``<!-- data: … -->`` line, so the summary of targets can be recomputed from every block, including
those of earlier (long) runs. Sections listed in KEEP (hand-written) are kept verbatim, and so is every other
"## " section a run does not write (they follow, in the file's order).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BLOCK = re.compile(r"<!-- bench:(?P<name>[\w.-]+) -->\n(?P<body>.*?)\n?<!-- /bench:(?P=name) -->", re.S)
DATA = re.compile(r"<!-- data: (.*?) -->")
KEEP = ("## Which vector index at which corpus size", "## What the figures show")
PLACEHOLDER = {
    KEEP[0]: "(to be written from the figures of sections 3 and 4)",
    KEEP[1]: "(to be written from the figures above)",
}
SECTIONS = [
    ("## 1. Questions: cold start and warm latency", ("questions",)),
    ("## 2. Index build", ("build",)),
    ("## 3. Larger corpus: CCTV stories and DXY news mixed in", ("scale", "e2e")),
    ("## 4. Vector index kinds at 100k and 1M vectors", ("vectors",)),
    ("## 5. The bot: replies per second through the real Application", ("bot",)),
]


def block(name: str, body: str, data: dict) -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("-->", "--\\u003e")
    return f"<!-- bench:{name} -->\n<!-- data: {payload} -->\n{body.strip()}\n<!-- /bench:{name} -->"


GENERATED = ("## Machine", "## Summary", *(heading for heading, _ in SECTIONS))  # written by every run


def read_doc(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(blocks by name, kept hand-written sections by heading, in the file's order) of an existing file: every
    "## " section that a run does not write (KEEP and any other, e.g. a later issue's own measurements)."""
    if not path.is_file():
        return {}, {}
    text = path.read_text(encoding="utf-8")
    blocks = {m.group("name"): m.group(0) for m in BLOCK.finditer(text)}
    kept = {}
    headings = list(re.finditer(r"^## .*$", text, re.M))
    for i, found in enumerate(headings):
        heading = found.group(0)
        if heading.startswith(GENERATED):
            continue
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        kept[heading] = text[found.end() : end].strip()
    return blocks, kept


def block_data(text: str) -> dict:
    found = DATA.search(text)
    return json.loads(found.group(1)) if found else {}


def _order(name: str) -> tuple:
    size = re.search(r"(\d+)$", name)
    return (0 if name.startswith("scale") and "large" not in name else 1, int(size.group(1)) if size else 0, name)


def render(path: Path, new_blocks: dict[str, str], header: str, summary: str) -> str:
    """The whole file: header, summary, the four measured sections, then the kept sections."""
    old, kept = read_doc(path)
    blocks = {**old, **new_blocks}
    parts = [header.strip(), summary.strip()]
    for heading, prefixes in SECTIONS:
        names = sorted((n for n in blocks if n.startswith(prefixes)), key=_order)
        body = "\n\n".join(blocks[n] for n in names) or "(not measured yet)"
        parts.append(f"{heading}\n\n{body}")
    for heading in KEEP:
        parts.append(f"{heading}\n\n{kept.get(heading) or PLACEHOLDER[heading]}")
    parts += [f"{heading}\n\n{body}" for heading, body in kept.items() if heading not in KEEP]
    return "\n\n".join(parts) + "\n"


def all_data(path: Path, new_blocks: dict[str, str]) -> dict[str, dict]:
    old, _ = read_doc(path)
    return {name: block_data(text) for name, text in {**old, **new_blocks}.items()}


def _mark(ok: bool | None) -> str:
    return "–" if ok is None else ("✅ met" if ok else "❌ not met")


def targets(data: dict[str, dict]) -> list[list]:
    """Rows of the targets table: target, figure, met?, block it comes from."""
    rows = []
    q = data.get("questions", {})
    if q.get("latency", {}).get("ratio_p50") is not None:
        r = q["latency"]["ratio_p50"]
        rows.append(["answer time / bare query embedding ≤ 1.3 (seed, p50)", r, _mark(r <= 1.3), "questions"])
    if q.get("cold"):
        rows.append(["cold start: process start → first answer (seed)", f"{q['cold']['median_s']} s", "–",
                     "questions"])
    b = data.get("build", {})
    if b:
        rows.append(["build throughput / bare encode ≥ 0.9 (seed)", b["ratio"], _mark(b["ratio"] >= 0.9), "build"])
        rows.append(["unchanged rebuild ≤ 2 s (in process)", f"{b['unchanged_s']} s", _mark(b["unchanged_s"] <= 2),
                     "build"])
        rows.append(["unchanged rebuild ≤ 2 s (`python -m index build` wall)", f"{b['unchanged_process_s']} s",
                     _mark(b["unchanged_process_s"] <= 2), "build"])
    for name, s in sorted(data.items()):
        if not name.startswith("scale"):
            continue
        if s.get("ratio") is not None:
            rows.append([f"build throughput / bare encode ≥ 0.9 ({s['chunks']:,} chunks)", s["ratio"],
                         _mark(s["ratio"] >= 0.9), name])
        seed, scale = s.get("scores_seed", {}), s.get("scores_scale", {})
        if seed and scale:
            same = all(_num(scale.get(k)) >= _num(seed.get(k)) for k in ("answer accuracy", "source hit@1"))
            rows.append([f"seed question scores do not drop with {s['chunks']:,} chunks",
                         f"accuracy {seed.get('answer accuracy')} → {scale.get('answer accuracy')}, hit@1 "
                         f"{seed.get('source hit@1')} → {scale.get('source hit@1')}", _mark(same), name])
        if s.get("latency", {}).get("ratio_p50") is not None:
            r = s["latency"]["ratio_p50"]
            rows.append([f"answer time / bare query embedding ≤ 1.3 ({s['chunks']:,} chunks, p50)", r,
                         _mark(r <= 1.3), name])
    for name, e in sorted(data.items()):
        if name.startswith("e2e"):
            for run in e.get("runs", []):
                p50, p95 = run["latency"]["total"]["p50"], run["latency"]["total"]["p95"]
                rows.append([f"≤ 50 ms per answer at {e['rows']:,} chunks ({run['kind']}"
                             f"{', nprobe ' + str(run['nprobe']) if run['kind'].startswith('ivf') else ''})",
                             f"p50 {p50} ms, p95 {p95} ms", _mark(p50 <= 50), name])
    for name, e in sorted(data.items()):
        if name.startswith("e2e-serving") and e.get("now"):
            now, rows_n = e["now"], e["replica"]["rows"]
            figs = "" if e["replica"].get("copy_figures", True) else ", figures not copied"
            rows.append([f"serving RSS, index part, at {rows_n:,} chunks{figs} ≤ half of 4.2 GB (2,097 MB)",
                         f"{now['rss_answered_mb'] - now['rss_model_mb']:,} MB after answering (process "
                         f"{now['rss_answered_mb']:,} MB)", _mark(now["rss_answered_mb"] - now["rss_model_mb"] <= 2097),
                         name])
            p50 = now["latency"]["total"]["p50"]
            rows.append([f"≤ 50 ms per answer at {rows_n:,} chunks served from disk{figs}", f"p50 {p50} ms, p95 "
                         f"{now['latency']['total']['p95']} ms", _mark(p50 <= 50), name])
    for name, v in sorted(data.items(), key=lambda kv: _order(kv[0])):
        if name.startswith("vectors") and v.get("n", 0) >= 1_000_000:
            for res in v.get("results", []):
                best = res.get("pick")
                if best:
                    rows.append([f"1M vectors ({res['name'].split()[0]}): recall@10 ≥ 0.95 within 1 GB",
                                 f"{best['kind']} {best.get('label', '')}: recall {best['recall']}, "
                                 f"{best['serving_mb']} MB, p50 {best['p50_ms']} ms", _mark(True), name])
                else:
                    rows.append([f"1M vectors ({res['name'].split()[0]}): recall@10 ≥ 0.95 within 1 GB",
                                 "no setting", _mark(False), name])
    for row in data.get("bot", {}).get("rows", []):
        if row.get("limiter") == "production":
            ratio = row["vs_concurrent"]
            rows.append([f"bot ÷ bare engine ≥ 0.8 ({row['chats']} chat{'s' if row['chats'] > 1 else ''}, "
                         "production rate limiter)", f"{ratio:.2f} of concurrent engine.ask "
                         f"({row['per_second']:.1f} vs {row['concurrent']:.1f}/s; {row['vs_sequential']:.2f} of "
                         "sequential)", _mark(ratio >= 0.8), "bot"])
    return rows


def _num(value) -> float:
    if value is None:
        return float("nan")
    text = str(value).strip().rstrip("%")
    try:
        return float(text.split("/")[0]) / (float(text.split("/")[1]) if "/" in text else 1.0)
    except (ValueError, ZeroDivisionError):
        return float("nan")
