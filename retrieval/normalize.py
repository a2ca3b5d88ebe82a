"""Question normalisation: simplified Chinese, half-width, Arabic numerals (cn2an), the profile's vocabulary, places."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import partial

from config.profile import Profile
from news.places import SUFFIX, Gazetteer, Place
from news.text import chinese_to_int, dictionary_tag, is_english, pos_tags
from stores.lexical import to_simplified

CN_NUMBER = re.compile(r"(?<!哪)[零〇一二两三四五六七八九十百千]+(?=[月日号例人天家个名岁%点时])")  # not 哪一天


ASKING = ("year", "when", "clock", "ordinal", "duration", "which", "prose", "yesno")  # question-word patterns, not nouns
# 多少, 几条, 百分之几 ask too, but these patterns also match measured nouns (人数, 比例): left out of ASKING
TYPED_ASKING = ("quantity", "percent")
CALENDAR = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
            "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
            "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "spring", "festival",
            "spring festival", "chinese", "english"}  # capitalised after "in", and no place


@dataclass(frozen=True)
class Query:
    """A question as the engine sees it."""

    original: str
    text: str  # simplified, half-width, Arabic numerals
    lexical: str  # ``text`` plus vocabulary expansions, for BM25
    english: bool
    kind: str = "other"  # what the question word asks for: quantity | when | clock | other
    ask: tuple[int, int] | None = None  # span of the question word (多少, 几点, 什么时候) in ``lexical``
    places: tuple[Place, ...] = field(default=())  # divisions named outside the home city
    home_places: tuple[Place, ...] = field(default=())  # divisions of the home city named (荷塘区)
    place_words: tuple[str, ...] = field(default=())  # how the question wrote them ("长沙", "荷塘区")
    home_words: tuple[str, ...] = field(default=())  # 株洲, 株洲市, 我市 …: the default scope, no keyword
    respelled: tuple[tuple[str, str], ...] = field(default=())  # (misspelling, as read): ("株州", "株洲")
    asking: tuple[str, ...] = field(default=())  # question words (哪一年, 什么时候, 怎么办): no keywords, found once
    unknown_places: tuple[str, ...] = field(default=())  # English place names read as none ("in Paris")
    companies: tuple[str, ...] = field(default=())  # company names that begin with a place's (北京汽车 of 北京汽车株洲分公司)
    split: str = ""  # ``text`` as split for its keywords (株洲 市长是谁), without the words ``lexical`` adds


def arabic_numerals(text: str) -> str:
    """Chinese numerals before a counter or date word become digits: "二月十九日" → "2月19日"."""
    def repl(found: re.Match) -> str:
        value = chinese_to_int(found.group(0))
        return str(value) if value is not None else found.group(0)

    return CN_NUMBER.sub(repl, text)


def strip_invisible(text: str) -> str:
    """Drop control and zero-width characters (keeping ordinary white space)."""
    return "".join(ch for ch in text if ch in "\n\t " or unicodedata.category(ch) not in ("Cc", "Cf"))


def normalize(question: str, profile: Profile, gazetteer: Gazetteer | None = None) -> Query:
    """Normalise a user's question (traditional or simplified Chinese, or English); with a gazetteer, also
    find the places it names."""
    text = arabic_numerals(to_simplified(strip_invisible(question).strip()))
    text = re.sub(r"\s+", " ", text)
    respelled = tuple((wrong, right) for wrong, right in profile.misspellings.items() if wrong in text)
    if gazetteer is not None:  # a home-city name misspelt by sound: 荷糖区 for 荷塘区
        respelled += tuple(p for p in gazetteer.respell(text, partial(_whole_words, text)) if p[0] not in dict(respelled))
    for wrong, right in respelled:  # 株州 is the home city 株洲, misspelt (the reply says how it was read)
        text = text.replace(wrong, right)
    english = is_english(text)
    extra, unknown, located = [], [], []
    if english:
        lowered = text.lower()
        extra = [zh for en, zh in profile.english.items() if re.search(rf"\b{re.escape(en)}\b", lowered)]
        if gazetteer is not None:  # "Liling", "Hetang District": the divisions in pinyin
            written = strip_invisible(question)  # as typed: its capitals say what is a name
            roman = gazetteer.from_roman(written)
            named = [zh for _, zh in roman if not any(zh in e or e in zh for e in extra)]
            home_names = [zh for zh in named if (p := gazetteer.lookup(zh)) is not None and p.within(gazetteer.home)]
            extra += home_names  # a district's name searches too; another place only says where (not a keyword)
            located = [zh for zh in named if zh not in home_names]
            unknown = [name for name in _place_phrases(written) if not any(name in r or r in name for r, _ in roman)
                       and name.lower() not in profile.english and name.lower() not in CALENDAR]
    split = _split_suffixes(text, gazetteer) if gazetteer is not None else text
    lexical = " ".join([split, *extra])
    if profile.home_label and profile.home_label in lexical:  # the paper says 我市 / 全市 for its home city
        lexical = f"{lexical} {' '.join(profile.city_words[:2])} {profile.home_label}"
    places: list[Place] = []
    words: list[str] = []
    home: list[Place] = []
    if gazetteer is not None:
        marked = " ".join([lexical, *located])
        for word in profile.country_words[2:]:  # "31个省区市…" asks about 全国
            marked = marked.replace(word, "全国")
        found = gazetteer.find(marked, words=True)
        home = list(dict.fromkeys(p for _, _, p in found if p.within(gazetteer.home) and p != gazetteer.home))
        at_home = any(p.within(gazetteer.home) for _, _, p in found)
        for start, end, place in found:
            if place.within(gazetteer.home) or place in places or _inside_named(place, places):
                continue  # the home city and its districts are the default scope, not "another place"
            if at_home and gazetteer.home.within(place):
                continue  # "湖南株洲": the province only locates the home city
            places = [p for p in places if not place.within(p)] + [place]
            words = [w for w in words if gazetteer.lookup(w) in places] + [_surface(marked[start:end])]
    companies = tuple(gazetteer.companies(text)) if gazetteer is not None and not english else ()
    kind, ask = question_kind(lexical, profile)
    home_words = (profile.home_label, f"{profile.home_label}市", *profile.city_words) if profile.home_label else ()
    return Query(original=question, text=text, lexical=lexical, english=english, kind=kind, ask=ask,
                 places=tuple(places), place_words=tuple(words), home_places=tuple(home), home_words=home_words,
                 respelled=respelled, unknown_places=tuple(unknown), asking=asking_words(lexical, profile), split=split,
                 companies=companies)


def _split_suffixes(text: str, gazetteer: Gazetteer) -> str:
    """A place's division suffix that starts a noun with the next character is that noun's: "株洲市长是谁" is
    "株洲 市长是谁" (jieba cut 株洲市/长是), "株洲市区" is "株洲 市区" (for the keywords only; the place is kept)."""
    for _, end, _place in reversed(gazetteer.find(text)):
        suffix = text[end - 1]
        if suffix in "省市区县" and end < len(text) and (dictionary_tag(suffix + text[end]) or "").startswith("n"):
            text = f"{text[: end - 1]} {text[end - 1 :]}"
    return text


def _place_phrases(text: str) -> list[str]:
    """Capitalised words after in/at/from/for in an English question: what it names as a place ("in Paris")."""
    return [m.group(1) for m in re.finditer(r"\b(?:in|at|from|for)\s+(?:the\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)", text)]


def _whole_words(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` begins and ends where jieba's words do (株洲现 of 株洲现在 does not) and is no
    dictionary word other than a place name (路口 is a crossing, not 渌口 misspelt)."""
    words = pos_tags(text)
    bounds = {a for a, _, _ in words} | {b for _, b, _ in words}
    return start in bounds and end in bounds and dictionary_tag(text[start:end]) in (None, "ns")


def asking_words(text: str, profile: Profile, names: tuple[str, ...] = ASKING) -> tuple[str, ...]:
    """The words of ``text`` that only ask (哪一年, 什么时候, 多久, 哪个, 怎么办, 是否 …: the profile's [questions]
    patterns ``names``, of what is asked, not of what is measured), so that no passage is found or missed for them."""
    return tuple(m.group(0) for name in names for m in profile.pattern(name).finditer(text) if m.group(0))


def question_kind(text: str, profile: Profile) -> tuple[str, tuple[int, int] | None]:
    """What the question word asks for, by the profile's [questions] words: a clock time (几点) before a
    date (什么时候, 几号) before a count (多少, 几个); and where that word is."""
    for kind in ("clock", "when", "quantity"):
        found = profile.pattern(kind).search(text)
        if found:
            return kind, found.span()
    return "other", None


def _inside_named(place: Place, places: list[Place]) -> bool:
    """A broader place than one already named ("湖南省株洲市荷塘区": 荷塘区 is what is asked)."""
    return any(p.within(place) for p in places)


def _surface(word: str) -> str:
    """The form to look for in passages: 长沙市 → 长沙 (passages write both)."""
    short = SUFFIX.sub("", word)
    return short if len(short) >= 2 else word


def named_places(query: Query) -> list[str]:
    """How the question wrote the places it names (other than the home city)."""
    return list(query.place_words)
