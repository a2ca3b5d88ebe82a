"""Follow-up resolution measured: two- and three-turn exchanges made from the DXY dev questions, asked through Service.converse.

    python -m bench.followups make   # writes data/eval/followups.jsonl from data/eval/dxy/questions.jsonl
    python -m bench.followups run    # asks every exchange (DATA_DIR/INDEX_DIR: the dev index, make eval-dev)

An exchange starts with a dev question; each next turn names only what differs from the turn before (its measure,
place or date: "那出院呢", "湖北呢", "那2月9日呢"), and is scored against the dev question it stands for, so the
expected figure is the one read off the item by hand. Seed exchanges (株洲) are written out in SEED.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from config import Settings
from config.profile import load_profile
from news.figures import grammar
from retrieval.evaluate import load_questions, score_one
from retrieval.facts import asks_part
from retrieval.followup import Context, merge
from retrieval.normalize import normalize

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "data" / "eval" / "dxy" / "questions.jsonl"
OUT = ROOT / "data" / "eval" / "followups.jsonl"
KINDS = {"cumulative", "daily", "now", "deaths", "discharged", "in_hospital"}
CAPS = {"measure": 25, "date": 20, "place": 15}  # two-turn exchanges of each kind
CHAINS = 15  # three-turn exchanges
PHRASES = ["那{}呢", "{}呢", "那么{}呢", "还有{}呢", "{}的呢"]
# the seed pages (株洲): question, expected figure per turn
SEED = [
    [("株洲累计确诊多少", "78"), ("那出院呢", "46"), ("醴陵呢", "5"), ("确诊呢", "8")],
    [("2月19日新增出院几例", "3"), ("那新增确诊呢", "0")],
    [("株洲累计确诊多少", "78"), ("那重症呢", "6")],
    [("株洲累计确诊多少", "78"), ("那在院的呢", "38")],
    [("荷塘区有多少确诊病例", "21"), ("醴陵呢", "8")],
    [("截至2月16日，株洲累计出院多少例？", "33"), ("醴陵呢", "5")],
]


def _key(ctx: Context, profile) -> tuple:
    thing = profile.thing(ctx.thing)
    return (ctx.thing, ctx.qualifier or thing.default, ctx.place, ctx.date)


def _turn(before: tuple, after: tuple, profile, n: int) -> tuple[str, str] | None:
    """The follow-up that turns question ``before`` into ``after`` ("那湖北呢"), and what it changes; the
    measure by its bare thing when that reads the same ("那出院呢"), else with its qualifier ("那新增确诊呢")."""
    (thing0, q0, place0, date0), (thing1, q1, place1, date1) = before, after
    if date1 is None and date0 is not None:
        return None  # a follow-up cannot take a date back
    said, changed = [], []
    if place1 != place0:
        said.append(place1 or profile.home_label)
        changed.append("place")
    if date1 != date0:
        day = date.fromisoformat(date1)
        said.append(f"{day.month}月{day.day}日")
        changed.append("date")
    if (thing1, q1) != (thing0, q0):
        bare = profile.thing(thing1).kind == "rate" or (q1 == profile.thing(thing1).default and q0 != "新增")
        said.append(thing1 if bare else f"{q1}{thing1}")
        changed.append("measure")
    return (PHRASES[n % len(PHRASES)].format("".join(said)), changed[0]) if len(changed) == 1 else None


def make() -> list[dict]:
    """The exchanges: seed ones, then dev pairs per kind of change, then three-turn chains."""
    profile = load_profile()
    gaz = grammar(profile).gazetteer
    items = [i for i in load_questions(DEV) if not i["unanswerable"] and i.get("kind") in KINDS
             and not asks_part(normalize(i["question"], profile, gaz), profile)]
    keyed = []
    for item in items:
        ctx = merge(None, item["question"], profile, gaz, 2020).context
        if ctx.thing is not None and not ctx.part:
            keyed.append((item, _key(ctx, profile)))
    random.Random(17).shuffle(keyed)  # noqa: S311 - a fixed order of the exchanges, not a secret
    pairs: dict[str, list] = {kind: [] for kind in CAPS}
    for a, ka in keyed:
        for b, kb in keyed:
            same = a["province"] == b["province"] and ka[2] == kb[2]
            turn = _turn(ka, kb, profile, len(pairs["measure"]) + len(pairs["date"])) if kb != ka else None
            if turn and (same or turn[1] == "place") and len(pairs[turn[1]]) < CAPS[turn[1]]:
                pairs[turn[1]].append((a, b, turn[0]))
    exchanges = [{"id": f"s{n:02d}", "kind": "seed", "turns": [{"q": q, "answer_any": [a]} for q, a in turns]}
                 for n, turns in enumerate(SEED, 1)]
    for kind, found in pairs.items():
        exchanges += [{"id": f"{kind[0]}{n:02d}", "kind": kind, "turns": [_expect(a["question"], a), _expect(q, b)]}
                      for n, (a, b, q) in enumerate(found, 1)]
    keys = {id(item): key for item, key in keyed}
    chains = []
    for a, b, q1 in pairs["measure"] + pairs["date"]:
        third = ((c, _turn(keys[id(b)], kc, profile, len(chains))) for c, kc in keyed if c is not a and c is not b)
        found = next(((c, t[0]) for c, t in third if t and t[1] == "place"), None)
        if found and len(chains) < CHAINS:
            chains.append((a, b, found[0], q1, found[1]))
    exchanges += [{"id": f"c{n:02d}", "kind": "chain", "turns": [_expect(a["question"], a), _expect(q1, b),
                                                                  _expect(q2, c)]}
                  for n, (a, b, c, q1, q2) in enumerate(chains, 1)]
    return exchanges


def _expect(question: str, item: dict) -> dict:
    return {"q": question, "item": item["id"], "answer_any": item["answer_any"],
            "source_any": item.get("source_any", []), "answer_not": item.get("answer_not", [])}


def run(exchanges: list[dict]) -> Counter:
    """Ask each exchange turn by turn through Service.converse; count every scored follow-up turn's class."""
    from retrieval.render import answer_json
    from retrieval.service import Service

    service = Service.open(Settings())
    counts: Counter = Counter()
    for exchange in exchanges:
        previous = None
        for n, turn in enumerate(exchange["turns"]):
            done = service.converse(turn["q"], previous)
            previous = done.context
            reading, answer = done.parts[-1]
            verdict = score_one(turn, answer_json(answer))
            counts[("first" if n == 0 else "follow-up", verdict["class"])] += 1
            if n and verdict["class"] != "right":
                print(f"{exchange['id']} {turn['q']} → {reading.question}: {verdict['class']} {answer.answer}")
    return counts


def main(argv: list[str]) -> None:
    if argv[:1] == ["make"]:
        exchanges = make()
        OUT.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in exchanges), encoding="utf-8")
        print(f"{len(exchanges)} exchanges → {OUT}: {Counter(e['kind'] for e in exchanges)}")
    else:
        exchanges = load_questions(argv[1] if len(argv) > 1 else OUT)
        if any(e["kind"] != "seed" for e in exchanges) and "--seed" in argv:
            exchanges = [e for e in exchanges if e["kind"] == "seed"]
        counts = run(exchanges)
        for (turn, cls), n in sorted(counts.items()):
            print(f"{turn:9s} {cls:16s} {n}")


if __name__ == "__main__":
    main(sys.argv[1:])
