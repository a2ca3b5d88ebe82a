"""Place names from a kept gazetteer (jionlp's china_location data): every province, city and county, with
and without its 省/市/县/区 suffix, plus the profile's home-city extras. Loaded once per process, lazily."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from config.profile import Profile
from news.lexicon import place_data
from news.text import pos_tags

COUNTRY = "全国"
LEVELS = {"none": 0, "country": 0, "foreign": 0, "province": 1, "city": 2, "county": 3}
# full names that are ordinary words more often than places ("城区", "郊区", "市中区"): two characters ending
# in 区, and names that only make sense with their city
_GENERIC = re.compile(r"^.区$|^市[中辖]区$|^和县$")
NOT_A_PLACE = ("时间",)
# what a company's branch in a place is called: "北京汽车株洲分公司" is 北京汽车's branch in 株洲, and 北京 names the company
BRANCH = ("分公司", "子公司", "分行", "支行", "分厂", "分店", "分院", "分校", "分部", "办事处", "工厂", "基地")
ROMAN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")  # capitalised words of an English question
ROMAN_SUFFIX = {"district", "county", "city", "province", "prefecture"}
SUFFIX = re.compile(r"(?:省|市|自治区|自治州|自治县|特别行政区|地区|盟|县|区|旗)$")


@dataclass(frozen=True)
class Place:
    """One administrative division: its full name, level and the divisions above it (full names)."""

    name: str
    level: str  # country | province | city | county | foreign (a country or city abroad) | none (NOWHERE)
    province: str = ""
    city: str = ""

    @property
    def rank(self) -> int:
        return LEVELS[self.level]

    def within(self, other: Place) -> bool:
        """This place is ``other`` or lies inside it (全国 holds every Chinese division, nothing abroad)."""
        if {self.level, other.level} & {"foreign", "none"}:
            return other == self
        return other.level == "country" or other == self or other.name in (self.province, self.city)


NOWHERE = Place("", "none")  # the home of a profile without a home city: no place lies within it


def _foreign(lines: list[str]) -> list[tuple[str, Place]]:
    """Countries abroad, their capitals and big cities (jionlp's world_location data): a figure about 秘鲁 or
    东京 is no figure about any Chinese place."""
    out = []
    for line in lines:
        fields = line.split("\t")
        if len(fields) < 2 or fields[0] == "中国":
            continue
        place = Place(fields[0], "foreign")
        names = [fields[0], fields[1], *(fields[2:3]), *(fields[3].split("/") if len(fields) > 3 else [])]
        out += [(name, place) for name in names if len(name) >= 2]
    return out


def _toneless(syllable: str) -> str:
    """"táng" → "tang", "lǚ" → "lv" (pinyin as typed: ü is v)."""
    plain = unicodedata.normalize("NFD", syllable.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v")
                                  .replace("ǚ", "v").replace("ǜ", "v"))
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


class Gazetteer:
    """Name → places lookups and a longest-match scan of text; ``home`` is the profile's home city."""

    def __init__(self, places: list[tuple[str, Place]], home: Place, home_label: str,
                 readings: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.home_label = home_label
        self._readings = readings or {}  # character → its pinyin readings, "|"-joined
        self._roman: dict[str, tuple[str, str]] | None = None  # pinyin → (name, stem), on first use
        self._names: dict[str, list[Place]] = {}
        for name, place in places:
            bucket = self._names.setdefault(name, [])
            if place not in bucket:
                bucket.append(place)
        self._starts = {name[:2] for name in self._names}
        self._longest = max(map(len, self._names), default=2)
        self._cache: dict[str, list[tuple[int, int, Place]]] = {}
        home_names = [name for name, bucket in self._names.items()
                      if home.level in ("city", "province") and any(p.within(home) for p in bucket)]
        self._one_off: dict[str, list[str]] = {}  # a home-city name with one character blanked → the names
        for name in sorted(home_names, key=len, reverse=True):  # longest first
            for at in range(len(name)):
                self._one_off.setdefault(f"{name[:at]}\x00{name[at + 1:]}", []).append(name)
        self._one_off_lengths = sorted({len(n) for n in home_names}, reverse=True)
        # a piece one character off a name shares its first or its second character: most pieces are skipped on that
        self._leads = ({n[0] for n in home_names}, {n[1] for n in home_names if len(n) > 1})

    def lookup(self, name: str, near: Place | None = None) -> Place | None:
        """The division a name means; among namesakes the one inside ``near`` (or the home city's
        province), else the highest level, else the first listed."""
        options = self._names.get(name)
        if not options:
            return None
        if len(options) == 1:
            return options[0]
        for anchor in (near, self.home):
            if anchor is None:
                continue
            inside = [p for p in options if p.within(anchor) or (anchor.province and p.province == anchor.province)]
            if inside:
                return min(inside, key=lambda p: p.rank)
        return min(options, key=lambda p: p.rank)

    def find(self, text: str, near: Place | None = None, words: bool = False) -> list[tuple[int, int, Place]]:
        """Every place named in ``text``: (start, end, place), longest match first, left to right. With
        ``words`` (a question), only names that are words of the text (``mentions``)."""
        key = f"{near.name if near else ''}\x00{int(words)}\x00{text}"
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        tagged = pos_tags(text) if words else None
        out, i = [], 0
        while i < len(text) - 1:
            if text[i : i + 2] in self._starts:
                for length in range(min(self._longest, len(text) - i), 1, -1):
                    place = self.lookup(text[i : i + length], near) if text[i : i + length] in self._names else None
                    if place is not None and text.startswith(NOT_A_PLACE, i + length):
                        place = None  # "北京时间" is a clock, not Beijing
                    if place is not None and tagged is not None and (
                            not self._mentions(tagged, i, i + length, place, text[i : i + length])
                            or self._company_end(text, tagged, i + length) is not None):
                        place = None
                    if place is not None:
                        out.append((i, i + length, place))
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1
        if len(self._cache) < 50_000:
            self._cache[key] = out
        return out

    def _mentions(self, tagged: tuple[tuple[int, int, str], ...], start: int, end: int, place: Place, name: str) -> bool:
        """A name is a place mention when jieba's words begin and end where it does (挪威海螯虾, 天门冬, 四川大学
        are not 挪威, 天门, 四川); a county's short name outside the home city (湘东 of 湘东区) also not when a
        noun or a noun's abbreviation follows it (湘东红润医药, 西贡商信银行: a company's name; 望江塔: a tower)."""
        bounds = {a for a, _, _ in tagged} | {b for _, b, _ in tagged}
        if start not in bounds or end not in bounds:
            return False
        if place.level != "county" or name == place.name or place.within(self.home):
            return True
        after = next((flag for a, _, flag in tagged if a == end), "")
        return not after.startswith(("n", "vn", "j")) or after == "ns"

    def companies(self, text: str) -> list[str]:
        """The company names a question begins with a place's name ("北京汽车" of 北京汽车株洲分公司)."""
        if not any(word in text for word in BRANCH):
            return []
        tagged = pos_tags(text)
        ends = [(start, self._company_end(text, tagged, end)) for start, end, _ in self.find(text)]
        return [text[start:end] for start, end in ends if end is not None]

    def _company_end(self, text: str, tagged: tuple[tuple[int, int, str], ...], end: int) -> int | None:
        """Where the company's name that a place's name ending at ``end`` begins ends, or None when it begins none:
        nouns follow the place, then another place and a branch's word (北京汽车 of 北京汽车株洲分公司, 北京银行 of
        北京银行株洲分行: the branch is in 株洲, not in 北京)."""
        nouns = 0
        for a, b, flag in tagged:
            if a < end:
                if b > end:
                    return None  # the place's name is no whole word here
                continue
            if flag.startswith("n") and flag != "ns" and text[a:b] not in self._names:
                nouns += 1
                continue
            if nouns and (flag == "ns" or text[a:b] in self._names) and text.startswith(BRANCH, b):
                return a
            return None
        return None

    def respell(self, text: str, fits=lambda start, end: True) -> list[tuple[str, str]]:
        """The home city's place names that ``text`` misspells by one character of the same sound ("株州",
        "荷糖区", "芦松区" for 株洲, 荷塘区, 芦淞区): (as written, as read) pairs. Another place's name is no
        misspelling, nor one whose odd character is the division's suffix (株洲线), nor a piece that
        ``fits(start, end)`` refuses (the question's words: 路口 is a word, not 渌口 misspelt; 株洲现 of 株洲现在
        cuts a word)."""
        found: list[tuple[str, str]] = []
        taken = [False] * len(text)
        for length in self._one_off_lengths:  # longest first
            for i in range(len(text) - length + 1):
                if text[i] not in self._leads[0] and text[i + 1] not in self._leads[1]:
                    continue
                piece = text[i : i + length]
                if piece in self._names or any(taken[i : i + length]):
                    continue
                for at in range(length):
                    for name in self._one_off.get(f"{piece[:at]}\x00{piece[at + 1:]}", ()):
                        if ((at == length - 1 and name[-1] in "省市区县镇乡")  # 株洲线 is no 株洲县
                                or not self._sounds_alike(piece[at], name[at]) or not fits(i, i + length)):
                            continue
                        found.append((piece, name))
                        taken[i : i + length] = [True] * length
                        break
                    if taken[i]:
                        break
        return found

    def from_roman(self, text: str) -> list[tuple[str, str]]:
        """The home city's divisions, the provinces and the cities an English question names in pinyin
        ("Liling", "Hetang District", "Chaling County", "You County"): (as written, the Chinese name) pairs, the
        home city's divisions first among namesakes. Capitalised words only; a one-character stem (攸 of 攸县)
        only with its English suffix (County)."""
        found = []
        for match in ROMAN.finditer(text):
            words = match.group().split()
            suffixed = words[-1].lower() in ROMAN_SUFFIX
            stem = "".join(w.lower() for w in (words[:-1] if suffixed and len(words) > 1 else words))
            name = self._roman_index().get(stem)
            if name and (len(name[1]) > 1 or suffixed):
                found.append((match.group(), name[0]))
        return found

    def _roman_index(self) -> dict[str, tuple[str, str]]:
        """pinyin without tones → (a name, its stem), built on first use from the characters' readings."""
        if self._roman is None:
            self._roman = {}
            ranked = sorted(self._names.items(), key=lambda kv: (not any(p.within(self.home) for p in kv[1]),
                                                                 min(p.rank for p in kv[1]), len(kv[0])))
            for name, bucket in ranked:
                if not any(p.within(self.home) or p.level in ("province", "city") for p in bucket):
                    continue
                stem = SUFFIX.sub("", name) or name
                for spelling in self._spellings(stem):
                    self._roman.setdefault(spelling, (name, stem))
        return self._roman

    def _spellings(self, word: str) -> list[str]:
        """``word``'s pinyin, tones dropped, every reading of a polyphone (at most 8 spellings)."""
        out = [""]
        for char in word:
            readings = self._readings.get(char)
            if not readings:
                return []
            plain = dict.fromkeys(_toneless(r) for r in readings.split("|"))
            out = [o + r for o in out for r in plain][:8]
        return out

    def _sounds_alike(self, a: str, b: str) -> bool:
        """Two characters share a reading, tone included (糖 and 塘: táng)."""
        left, right = self._readings.get(a), self._readings.get(b)
        return bool(left and right and set(left.split("|")) & set(right.split("|")))

    def is_name(self, name: str) -> bool:
        return name in self._names

    def names_in(self, text: str) -> set[str]:
        """Every name of the gazetteer that occurs in ``text``, overlaps included (so that "does the text
        contain this name" is a set lookup, exactly as ``name in text`` would answer)."""
        found: set[str] = set()
        starts, names, longest = self._starts, self._names, self._longest
        for i in range(len(text) - 1):
            if text[i : i + 2] in starts:
                found.update(text[i : i + n] for n in range(2, min(longest, len(text) - i) + 1) if text[i : i + n] in names)
        return found

    def label(self, place: Place) -> str:
        """How answers and facts name a place: the home city by its label (株洲), others by full name."""
        return self.home_label if place == self.home else place.name


def _read(profile: Profile, data: dict[str, list[str]]) -> list[tuple[str, Place]]:
    # a short form like 长沙 or 醴陵 is safe to recognise without its suffix only when jieba's dictionary tags
    # it a place name (ns); 平安, 通道, 新华 are not
    ns = frozenset(data["place_words"])
    entries: list[tuple[str, Place]] = []
    province = city = ""
    home_province, home_city = _split_home(profile.home_city)
    for line in data["divisions"]:
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if len(fields) != 3:
            continue
        name, _code, alias = fields
        if depth == 0:
            province, city = name, ""
            place = Place(name, "province")
        elif depth == 1:
            city = name
            if name == province:  # 北京市 is listed as its own city: one place
                continue
            place = Place(name, "city", province)
        else:
            place = Place(name, "county", province, city)
        if _GENERIC.match(name):
            continue
        entries.append((name, place))
        home = place.province == home_province and (place.city == home_city or place.name == home_city)
        shorts = {alias.split("/")[0], SUFFIX.sub("", name)}
        if name.endswith("自治州"):  # 甘孜藏族自治州 is written 甘孜州
            shorts.add(alias.split("/")[0] + "州")
        for short in shorts:
            if len(short) >= 2 and short != name and (depth < 2 or short in ns or home):
                entries.append((short, place))
    return entries


def _split_home(full: str) -> tuple[str, str]:
    """("湖南省", "株洲市") from "湖南省株洲市"."""
    found = re.match(r"(.+?(?:省|自治区|市))(.+?市)?$", full)
    return (found.group(1), found.group(2) or found.group(1)) if found else ("", full)


@lru_cache(maxsize=4)
def load_gazetteer(profile: Profile, folder: Path | None = None) -> Gazetteer:
    """The gazetteer for ``profile`` (read once per process from what `make install` derived in ``folder``,
    default models/lexicon: ~20 ms); a profile without a home city gets NOWHERE as its home,
    so no place is the default scope."""
    data = place_data(folder)
    entries = _read(profile, data)
    home_province, home_city = _split_home(profile.home_city)
    names = {name: place for name, place in entries}
    home = NOWHERE if not profile.home_city else next(
        (p for n, p in entries if n == home_city and p.province == home_province), Place(home_city, "city", home_province)
    )
    for extra, parent in profile.extra_places.items():
        _, city = _split_home(parent)
        entries.append((extra, Place(extra, "county", home_province if city == home_city else "", city)))
    for old, new in profile.renamed.items():
        if new in names:
            entries.append((old, names[new]))
    known = {name for name, _ in entries}
    entries += [(name, place) for name, place in _foreign(data["world"]) if name not in known]
    entries.append((COUNTRY, Place(COUNTRY, "country")))
    return Gazetteer(entries, home, profile.home_label, data.get("readings"))
