"""Text utilities both the build and the answering side use: sentence and clause boundaries."""

from __future__ import annotations

import re

# a sentence ends at 。！？；… (or ! ? ;) plus any closing quotes/brackets, or at a line break
SENTENCE_END = re.compile(r"(?:[。！？!?；;]|…+)[”’」』）)]*|\n")
FULL_STOP = re.compile(r"(?:[。！？!?]|…+)[”’」』）)]*|\n")  # a whole sentence, semicolons inside
CLAUSE_END = re.compile(r"[，、：,]")



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
