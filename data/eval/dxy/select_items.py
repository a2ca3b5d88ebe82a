"""Re-create items.jsonl from ../shared/scale/dxy_zh_news_unique.jsonl: every item that is not held back."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_dev import held_back  # noqa: E402

FIELDS = ("id", "pubDate", "title", "summary", "infoSource", "sourceUrl", "provinceName")


def select(lines: list[str]) -> list[dict]:
    """The items that are not held back, in file order, with the DXY fields only."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        if held_back(item):
            continue
        out.append({k: item.get(k) for k in FIELDS})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", nargs="?", default="../shared/scale/dxy_zh_news_unique.jsonl")
    parser.add_argument("--out", default=str(Path(__file__).with_name("items.jsonl")))
    args = parser.parse_args()
    items = select(Path(args.source).read_text(encoding="utf-8").splitlines())
    Path(args.out).write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    print(f"{len(items)} items written to {args.out}")


if __name__ == "__main__":
    main()
