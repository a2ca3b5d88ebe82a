"""The CCTV news QA dev set: 175 numeric/date questions written blind over 135 新闻联播 stories (2022-2026),
answered over those stories and every other story of the same days (1,852 passages; none mentions 湖南 or 株洲).

    python -m bench.cctv_qa [SCALE_DIR] [--work DIR]   # writes DIR/cctv_dev.{corpus.jsonl,queries.jsonl,qrels.tsv}

The questions (data/eval/cctv/queries.jsonl) are this project's own; the stories stay in ../shared/scale and
are copied into var/ at eval time. The prefix it prints is what ``python -m bench.general_qa`` reads: each
question is split into TUNE or HELD by the same hash as CMRC2018/DRCD.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "data/eval/cctv/queries.jsonl"
HELD_BACK = ("湖南", "株洲")  # the blind checks' province and city: no passage about them


def materialise(scale: Path, work: Path, queries: Path = QUERIES) -> Path:
    """Write the set's corpus, queries and qrels under ``work``; the prefix (work/cctv_dev)."""
    rows = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    dates = {r["gold_pid"].split(":")[1].rsplit("_", 1)[0] for r in rows}
    by_date: dict[str, list[dict]] = defaultdict(list)
    with (scale / "cctv_stories.jsonl").open(encoding="utf-8") as f:
        for line in f:
            story = json.loads(line)
            if story["date"] in dates:
                by_date[story["date"]].append(story)
    work.mkdir(parents=True, exist_ok=True)
    prefix = work / "cctv_dev"
    texts = {}
    with open(f"{prefix}.corpus.jsonl", "w", encoding="utf-8") as out:
        for date in sorted(dates):
            for k, story in enumerate(by_date[date]):
                text = "".join(story["paragraphs"])
                if any(w in story["title"] + text for w in HELD_BACK):
                    continue
                pid = f"cctv_dev:{date}_{k}"
                texts[pid] = text
                out.write(json.dumps({"pid": pid, "title": story["title"], "text": text}, ensure_ascii=False) + "\n")
    for r in rows:  # the stories are the ones the questions were written on
        text = texts.get(r["gold_pid"], "")
        if text[r["answer_start"] : r["answer_start"] + len(r["answers"][0])] != r["answers"][0]:
            raise ValueError(f"{queries}: {r['qid']}: its answer is not at answer_start of {r['gold_pid']} in {scale}")
    Path(f"{prefix}.queries.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                               encoding="utf-8")
    Path(f"{prefix}.qrels.tsv").write_text("".join(f"{r['qid']}\t{r['gold_pid']}\n" for r in rows), encoding="utf-8")
    return prefix


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cctv_qa", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scale", nargs="?", default=str(ROOT.parent / "shared" / "scale"))
    parser.add_argument("--work", default=str(ROOT / "var/eval/cctv"))
    args = parser.parse_args(argv)
    print(materialise(Path(args.scale), Path(args.work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
