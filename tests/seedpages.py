"""The two seed newspaper pages as the parser tests read them: raw text, parsed articles, lookups by title."""

from __future__ import annotations

from pathlib import Path

from config.profile import load_profile
from index.page_parser import parse_page

PROFILE = load_profile()

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "articles"
PAGE_000 = "000_b7adce7465891e7b.txt"
PAGE_001 = "001_303c1fde1aee8707.txt"


def _raw(name: str) -> str:
    return (SEED_DIR / name).read_text(encoding="utf-8")


def parse_seed_pages() -> dict[str, list]:
    """Both pages parsed exactly as `make index` reads them (UTF-8, the file name as source)."""
    return {name: parse_page(_raw(name), name, 2020, PROFILE) for name in (PAGE_000, PAGE_001)}


def _by_title(articles: list, fragment: str):
    found = [a for a in articles if fragment in a.title]
    assert len(found) == 1, f"expected one article titled with {fragment!r}, got {[a.title for a in found]}"
    return found[0]


def _all_text(pages: dict[str, list]) -> list[str]:
    return [a.text for articles in pages.values() for a in articles]
