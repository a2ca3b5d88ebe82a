"""Check the DXY dev set against the vendored items: figures verbatim, "now" answers newest, nothing held back."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Held back for blind checks: anything about 湖南 / 株洲 (any Hunan prefecture), by province or by mention.
HELD_BACK_WORDS = ("湖南", "湘", "株洲", "长沙", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州",
                   "永州", "怀化", "娄底", "湘西")
HELD_BACK_PROVINCE = "湖南省"
DATE = re.compile(r"(\d{1,2})月(\d{1,2})日")


def held_back(item: dict) -> bool:
    """True for an item the dev set must never use (its province is 湖南, or it names a Hunan place)."""
    text = " ".join(str(item.get(k) or "") for k in ("title", "summary", "infoSource"))
    return item.get("provinceName") == HELD_BACK_PROVINCE or any(w in text for w in HELD_BACK_WORDS)


def squash(text: str) -> str:
    return "".join(text.split())


def item_text(item: dict) -> str:
    return squash(f"{item.get('title') or ''}{item.get('summary') or ''}")


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def newest_match(items: list[dict], patterns: list[list]) -> tuple[dict, str] | None:
    """The newest item (by pubDate) matching any [regex, provinces] pair (provinces None: any item), and group 1."""
    best = None
    for pattern, provinces in patterns:
        for item in items:
            if provinces is not None and item.get("provinceName") not in provinces:
                continue
            match = re.search(pattern, item_text(item))
            if match and (best is None or item["pubDate"] > best[0]["pubDate"]):
                best = (item, match.group(1))
    return best


def _digits(figure: str) -> str:
    return "".join(re.findall(r"\d+(?:\.\d+)?", figure))


def check_question(q: dict, items: list[dict], by_id: dict[str, dict]) -> list[str]:
    """Every problem with one question (empty when it is sound)."""
    qid, problems = q.get("id"), []
    if any(w in q["question"] for w in HELD_BACK_WORDS):
        problems.append(f"{qid}: the question names a held-back place")
    if q.get("unanswerable"):
        absent = q.get("absent")
        if not absent:
            problems.append(f"{qid}: an unanswerable question needs 'absent' (what the corpus lacks)")
        elif any(absent in item_text(i) for i in items):
            problems.append(f"{qid}: '{absent}' does occur in the vendored items")
        return problems
    item = by_id.get(str(q.get("item")))
    if item is None:
        return [f"{qid}: item {q.get('item')!r} is not in the vendored items"]
    if held_back(item):
        problems.append(f"{qid}: item {item['id']} is held back")
    text = item_text(item)
    for figure in q["answer_any"]:
        if squash(figure) not in text:
            problems.append(f"{qid}: answer {figure!r} is not in item {item['id']}")
    for source in q["source_any"]:
        if squash(source) not in text:
            problems.append(f"{qid}: source {source!r} is not in item {item['id']}")
    if not q["answer_any"] or not q["source_any"]:
        problems.append(f"{qid}: answer_any and source_any must not be empty")
    if set(map(_digits, q["answer_any"])) & set(map(_digits, q.get("answer_not", []))):
        problems.append(f"{qid}: answer_not repeats an expected figure")
    for month, day in DATE.findall(q["question"]):
        if f"{month}月{day}日" not in text and f"{day}日" not in text:
            problems.append(f"{qid}: the item does not carry the asked date {month}月{day}日")
    now = q.get("now")
    if now:
        found = newest_match(items, now["patterns"])
        if found is None:
            problems.append(f"{qid}: 'now' pattern matches no item")
        else:
            newest, figure = found
            if figure not in {_digits(a) for a in q["answer_any"]}:
                problems.append(f"{qid}: the newest report (item {newest['id']}, {newest['pubDate']}) says {figure}, "
                                f"not {q['answer_any']}")
    return problems


def check(questions: list[dict], items: list[dict]) -> list[str]:
    """All problems of the question set and of the vendored items."""
    problems = [f"vendored item {i['id']} is held back" for i in items if held_back(i)]
    by_id = {str(i["id"]): i for i in items}
    ids = [q.get("id") for q in questions]
    problems += [f"duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for q in questions:
        problems += check_question(q, items, by_id)
    return problems


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    questions = load_jsonl(Path(args[0]) if args else HERE / "questions.jsonl")
    items = load_jsonl(Path(args[1]) if len(args) > 1 else HERE / "items.jsonl")
    problems = check(questions, items)
    for problem in problems:
        print(problem)
    print(f"{len(questions)} questions, {len(items)} items: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
