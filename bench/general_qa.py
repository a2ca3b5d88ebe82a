"""General-QA dev harness: CMRC2018/DRCD numeric and date questions answered over their own corpus (make eval).

    python -m bench.general_qa ../shared/eval/external/cmrc2018_dev [more prefixes] [--out FILE] [--simplified]

Each set's passages are indexed as a corpus of their own (var/eval/general/<set>) with a neutral profile
(bench/general_profile.toml: no home city, no measured things), then every selected question is asked through
the engine. Questions are split into two halves by a fixed hash of their id: TUNE (look at it, fit on it) and
HELD (report on it, never tune on it). Per answer type: bold rate, bold precision (right bold / bold), coverage
(right bold / asked), gold answer in the bold or the top-3 quotes, declined.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from news.text import NUMBER
from retrieval.render import answer_json
from stores.lexical import to_simplified

ROOT = Path(__file__).resolve().parent.parent
PROFILE = Path(__file__).resolve().parent / "general_profile.toml"
# what a numeric or date question asks with, and what a numeric gold answer holds
ASKS = re.compile(r"多少|几|哪一年|哪年|年份|何年|何时|什么时候|什么时间|哪个年代|什么年代|哪天|哪一天|何日|"
                  r"多久|多长|多大|多高|多远|多重|多深|多宽|百分之|比例")
NUMERAL = re.compile(r"\d|[零〇一二两三四五六七八九十百千万亿]")
DATE_SHAPED = re.compile(r"^(?:公元前?)?\d{1,4}年(?:\d{1,2}月(?:\d{1,2}日)?)?$|^\d{1,2}月\d{1,2}日$")
TYPES = (  # answer type by the question's words, first match wins
    ("year", re.compile(r"哪一年|哪年|年份|何年|哪个年代|什么年代")),
    ("when", re.compile(r"何时|什么时候|什么时间|哪天|哪一天|何日|几月|几号|时间是")),
    ("percent", re.compile(r"百分之|百分比|比例|比率|%")),
    ("duration", re.compile(r"多久|多长时间|(?:几|多少)(?:个)?(?:年|月|天|日|小时|分钟|秒|周|星期|时间)")),
    ("count", re.compile(r"多少|几|多大|多高|多长|多远|多重|多深|多宽")),
)
HEDGE = re.compile(r"^(?:大约|大概|约为|约|近|逾|超过|共有|共|达到|达|仅|只有)|(?:左右|以上|之多|多|余)$")
HALVES = ("TUNE", "HELD")


@dataclass(frozen=True)
class Item:
    """One selected question: what it asks, the gold answers (simplified), its type and its half."""

    qid: str
    question: str
    answers: tuple[str, ...]
    gold_pid: str
    type: str
    half: str


def norm(text: str) -> str:
    """Simplified, half-width, lower case, no white space: how bold, quotes and gold answers are compared."""
    return "".join(to_simplified(text).split())


def half_of(qid: str) -> str:
    """TUNE or HELD, by a fixed hash of the question id (the same split on every machine and every run)."""
    return HALVES[hashlib.sha256(qid.encode("utf-8")).digest()[0] % 2]


def answer_type(question: str, answers: tuple[str, ...]) -> str:
    """year | when | percent | duration | count by the question's words; by the gold's shape when it has none."""
    for name, pattern in TYPES:
        if pattern.search(question):
            return name
    return "year" if any(re.fullmatch(r"(?:公元前?)?\d{1,4}年", a) for a in answers) else "when"


def load_queries(prefix: Path) -> list[dict]:
    lines = Path(f"{prefix}.queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


WHO = re.compile(r"谁|哪一?位")  # a who-question (its answer is a person, or a group of people)


def select(queries: list[dict], people: bool = False) -> list[Item]:
    """The numeric and date questions: a numeric question word and a gold answer with a numeral, or a gold
    answer that is a year or a date. With ``people``, the who-questions instead (谁, 哪位)."""
    items = []
    for query in queries:
        question = norm(query["question"])
        answers = tuple(dict.fromkeys(norm(a) for a in query["answers"] if a.strip()))
        if people:
            if answers and WHO.search(question) and not ASKS.search(question):
                items.append(Item(query["qid"], query["question"], answers, query.get("gold_pid", ""), "person",
                                  half_of(query["qid"])))
            continue
        numeric = ASKS.search(question) and any(NUMERAL.search(a) for a in answers)
        if answers and (numeric or any(DATE_SHAPED.match(a) for a in answers)):
            items.append(Item(query["qid"], query["question"], answers, query.get("gold_pid", ""),
                              answer_type(question, answers), half_of(query["qid"])))
    return items


def holds(text: str, piece: str) -> bool:
    """``piece`` is in ``text``, as a whole number where it starts or ends with a digit ("6" is not in "6,476")."""
    before = r"(?<!\d)(?<!\d[.,])" if piece[:1].isdigit() else ""  # "，1892年" folds to ",1892年"
    after = r"(?![.,]?\d)" if piece[-1:].isdigit() else ""
    return bool(piece) and re.search(before + re.escape(piece) + after, text) is not None


def shows(text: str, answers: tuple[str, ...]) -> bool:
    """A gold answer (or the same without a hedge: 约, 左右) is in ``text``."""
    text = norm(text)
    return any(holds(text, a) or holds(text, HEDGE.sub("", a)) for a in answers)


def is_right(bold: str, span: str, answers: tuple[str, ...]) -> bool:
    """A bold answer and the span it was chosen for are right: the bold shows a gold answer, and the span is
    that answer, holds it, or is a part of it ("2008年6月14日" of "2008年6月14日8时43分", "1809年" of
    "1807-1809年间")."""
    if not shows(bold, answers):
        return False
    span, numbers = norm(span), NUMBER.findall(norm(span))
    for answer in answers:
        bare = HEDGE.sub("", answer) or answer
        if holds(span, bare) or span in bare or (numbers and set(numbers) <= set(NUMBER.findall(bare))):
            return True
    return False


def verdict(item: Item, answer: dict) -> dict:
    """bold · right (the bold shows a gold answer) · shown (in the bold or the top-3 quotes) · declined."""
    bold = answer["answer"] if answer["answered"] and answer.get("answer") else ""
    right = bool(bold) and shows(bold, item.answers)
    quotes = [s["quote"] for s in answer.get("sources", [])[:3]]
    return {"bold": bool(bold), "right": right, "shown": right or any(shows(q, item.answers) for q in quotes),
            "declined": not answer["answered"]}


@lru_cache(maxsize=1)
def _embedder(model: str):
    """One model per process, whichever sets and halves are indexed and fitted."""
    from model.embedder import make_embedder

    return make_embedder(model)


def build_engine(prefix: Path, work: Path, cache: Path, simplified: bool = False):
    """Index the set's passages (one article each; url = passage id) with the neutral profile; the engine."""
    from config import Settings
    from index.build import build_index
    from retrieval.engine import Engine

    name = prefix.name + ("-simplified" if simplified else "")
    data = work / name / "articles"
    data.mkdir(parents=True, exist_ok=True)
    lines = []
    for line in Path(f"{prefix}.corpus.jsonl").read_text(encoding="utf-8").splitlines():
        passage = json.loads(line)
        title, text = passage.get("title") or passage["pid"], passage["text"]
        if simplified:
            title, text = to_simplified(title), to_simplified(text)
        lines.append(json.dumps({"title": title, "text": text, "url": passage["pid"]}, ensure_ascii=False))
    target = data / "passages.jsonl"
    if not target.is_file() or target.read_text(encoding="utf-8") != "\n".join(lines) + "\n":
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(_env_file=None, data_dir=data, index_dir=work / name / "index", cache_dir=cache,
                        profile=PROFILE, vector_backend="faiss")
    embedder = _embedder(settings.embedding_model)
    build_index(settings, lambda: embedder, embedder.model_id, progress=True)
    return Engine.open(settings, embedder=embedder)


def summary(name: str, rows: list[tuple[Item, dict]]) -> list[str]:
    """One markdown table per half: a row per answer type and one for all."""
    lines = []
    for half in HALVES:
        groups: dict[str, list[dict]] = defaultdict(list)
        for item, v in rows:
            if item.half == half:
                groups[item.type].append(v)
                groups["all"].append(v)
        lines += [f"#### {name} · {half} half" + (" (tuned on)" if half == "TUNE" else " (never tuned on)"), "",
                  "| type | asked | bold rate | bold precision | coverage | gold in bold or top-3 | declined |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for kind in (*(t for t, _ in TYPES), "all"):
            vs = groups.get(kind, [])
            if not vs:
                continue
            n, bold = len(vs), sum(v["bold"] for v in vs)
            right, shown, declined = (sum(v[k] for v in vs) for k in ("right", "shown", "declined"))
            precision = f"{right / bold:.2f} ({right}/{bold})" if bold else "–"
            lines.append(f"| {kind} | {n} | {bold / n:.2f} | {precision} | {right / n:.2f} | {shown / n:.2f} "
                         f"| {declined} ({declined / n:.0%}) |")
        lines.append("")
    return lines


def run_set(prefix: Path, work: Path, cache: Path, simplified: bool, out: Path | None, people: bool = False) -> str:
    """Build, ask every selected question, return the report (and write per-question rows to ``out``)."""
    started = time.perf_counter()
    queries = load_queries(prefix)
    items = select(queries, people)
    engine = build_engine(prefix, work, cache, simplified)
    rows, records = [], []
    try:
        for item in items:
            answer = answer_json(engine.ask(item.question))
            v = verdict(item, answer)
            rows.append((item, v))
            records.append({"qid": item.qid, "half": item.half, "type": item.type, "question": item.question,
                            "gold": item.answers, "gold_pid": item.gold_pid} | answer | {"verdict": v})
    finally:
        engine.snapshot.vectors.close()
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    name = prefix.name + (" (converted to simplified)" if simplified else "")
    head = [f"### {name}: {len(items)} {'who' if people else 'numeric/date'} questions of {len(queries)}", ""]
    tail = [f"time: {time.perf_counter() - started:.0f} s" + (f" · per-question rows: {out}" if out else "")]
    return "\n".join(head + summary(name, rows) + tail)


def fit_model(prefixes: list[Path], work: Path, cache: Path, simplified: bool) -> str:
    """Fit the bold model on the TUNE halves of ``prefixes`` (bench/bold_fit.py); a one-line summary."""
    from bench.bold_fit import collect, fit

    rows = []
    for prefix in prefixes:
        queries = load_queries(prefix)
        engine = build_engine(prefix, work, cache, simplified)
        try:
            rows += collect(engine, [i for i in select(queries) if i.half == "TUNE"])
        finally:
            engine.snapshot.vectors.close()
    data = fit(rows, [p.name for p in prefixes])
    return f"bold model fitted: {data['fitted_on']}; threshold {data['threshold']:.3f} ({data['tune_cross_validated']})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.general_qa", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="+", help="PREFIX.corpus.jsonl and PREFIX.queries.jsonl")
    parser.add_argument("--work", default=str(ROOT / "var/eval/general"), help="where the sets are indexed")
    parser.add_argument("--cache", default=None, help="embedding cache dir (default: the CACHE_DIR setting)")
    parser.add_argument("--simplified", action="store_true", help="index the passages converted to simplified")
    parser.add_argument("--out", default=None, help="directory for per-question rows (<set>.jsonl)")
    parser.add_argument("--fit", action="store_true", help="first fit retrieval/bold_model.json on the TUNE halves")
    parser.add_argument("--people", action="store_true", help="the who-questions (谁, 哪位) instead of numeric/date ones")
    args = parser.parse_args(argv)
    from config import Settings
    from config.logs import setup_logging

    settings = Settings()
    setup_logging("WARNING")
    cache = Path(args.cache) if args.cache else settings.cache_dir
    if args.fit:
        print(fit_model(list(map(Path, args.prefixes)), Path(args.work), cache, args.simplified), flush=True)
    for prefix in map(Path, args.prefixes):
        name = f"{prefix.name}{'-simplified' if args.simplified else ''}{'-who' if args.people else ''}"
        out = Path(args.out) / f"{name}.jsonl" if args.out else None
        print(run_set(prefix, Path(args.work), cache, args.simplified, out, args.people), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
