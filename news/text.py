"""Text utilities both the build and the answering side use: sentences, clauses, numbers, numerals, author names."""

from __future__ import annotations

import re
from functools import lru_cache

# a sentence ends at 。！？；… (or ! ? ;) plus any closing quotes/brackets, or at a line break
SENTENCE_END = re.compile(r"(?:[。！？!?；;]|…+)[”’」』）)]*|\n")
FULL_STOP = re.compile(r"(?:[。！？!?]|…+)[”’」』）)]*|\n")  # a whole sentence, semicolons inside
CLAUSE_END = re.compile(r"[，、：,]")
NUMBER = re.compile(r"\d+(?:\.\d+)?")  # a number as written: "78", "58.9"
AUTHOR = re.compile(r"^[\u4e00-\u9fff]{2,4}$")  # a bare author name as a byline or a line of its own: "李支国"


def split_sentences(text: str, semicolons: bool = True) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text`` (white space trimmed, empty ones dropped).

    With ``semicolons=False`` a sentence runs to 。！？ or a line break, keeping "；" inside.
    """
    spans = []
    start = 0
    for found in (SENTENCE_END if semicolons else FULL_STOP).finditer(text):
        spans.append((start, found.end()))
        start = found.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


@lru_cache(maxsize=4096)
def chinese_to_int(text: str) -> int | None:
    """"七十八" → 78, "十九" → 19, "二〇二〇" → 2020 (by cn2an); None if it is not a whole number."""
    import cn2an  # a kept numeral library; ~0.1 s to import, so only when a text has a Chinese numeral

    try:
        value = cn2an.cn2an(text.replace("〇", "零"), "smart")
    except (ValueError, KeyError):
        return None
    return int(value) if float(value).is_integer() else None
