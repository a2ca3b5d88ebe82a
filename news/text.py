"""Text utilities both the build and the answering side use: sentences, clauses, numbers, numerals, folding, author names, English."""

from __future__ import annotations

import re
from functools import lru_cache

from news.lexicon import question_posseg

# a sentence ends at 。！？；… (or ! ? ;) plus any closing quotes/brackets, or at a line break
SENTENCE_END = re.compile(r"(?:[。！？!?；;]|…+)[”’」』）)]*|\n")
FULL_STOP = re.compile(r"(?:[。！？!?]|…+)[”’」』）)]*|\n")  # a whole sentence, semicolons inside
CLAUSE_END = re.compile(r"[，、：,]")
# a number as printed: thousands separators kept ("6,476", "1,771,000"), decimals ("58.9"); the one pattern
# every reader of numbers uses (figures, spans, the sentence path)
NUMBER_PATTERN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
NUMBER = re.compile(rf"(?<![\d.,])(?:{NUMBER_PATTERN})")
AUTHOR = re.compile(r"^[\u4e00-\u9fff]{2,4}$")  # a bare author name as a byline or a line of its own: "李支国"
# full-width letters, digits and ％ → ASCII, then ASCII upper → lower case (punctuation keeps its width: the
# answer rules are written for the paper's "，" and "（", and both widths where a question may use either)
_FOLD = {c: ord(chr(c - 0xFEE0).lower()) for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum() or c == 0xFF05}
_FOLD |= {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


@lru_cache(maxsize=4)
def _opencc(config: str):
    import opencc  # a kept converter (OpenCC); imported when first needed

    return opencc.OpenCC(config)


def _t2s():
    return _opencc("t2s")


def written_forms(word: str) -> set[str]:
    """How a (simplified) word may be printed: as it is, and in traditional characters (OpenCC s2t, s2tw, s2hk)."""
    return {word, *(_opencc(config).convert(word) for config in ("s2t", "s2tw", "s2hk"))}


def to_simplified_chars(text: str) -> str:
    """Traditional → simplified (OpenCC t2s), the whole text at once."""
    return _t2s().convert(text)


@lru_cache(maxsize=65536)  # the same sentences and headlines are folded for question after question
def fold(text: str) -> str:
    """``text`` as questions are read, character for character (same length, so offsets found in the result
    slice ``text`` itself): traditional → simplified, full-width letters and digits → ASCII, lower case. Where
    OpenCC would change the length (a phrase mapped to a longer one), each character is converted alone."""
    simple = _t2s().convert(text)
    if len(simple) != len(text):
        simple = "".join(one if len(one := _t2s().convert(ch)) == 1 else ch for ch in text)
    return simple.translate(_FOLD)



def is_english(text: str, letters: int = 1) -> bool:
    """Written in English: Latin letters outnumber Chinese characters two to one, and number at least ``letters``
    (replies ask for 4, a word or two, not a stray "q")."""
    latin = sum(c.isascii() and c.isalpha() for c in text)
    return latin >= letters and latin > 2 * sum("\u4e00" <= c <= "\u9fff" for c in text)


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


@lru_cache(maxsize=8192)
def pos_tags(text: str) -> tuple[tuple[int, int, str], ...]:
    """jieba's words of ``text`` with their part-of-speech tags: (start, end, flag), "ns" for a place name."""
    out, at = [], 0
    for word, flag in question_posseg().lcut(text):
        out.append((at, at + len(word), flag))
        at += len(word)
    return tuple(out)


def dictionary_tag(word: str) -> str | None:
    """jieba's dictionary tag of ``word`` ("n", "ns" …); None when the dictionary does not hold it."""
    return question_posseg().word_tag_tab.get(word)
