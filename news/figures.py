"""Facts extracted at index time: place · qualifier · measured thing · number · unit · as-of · sentence offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.profile import Profile
from news.asof import resolve_asof
from news.places import Gazetteer, Place, load_gazetteer
from news.records import Article, Figure
from news.text import AUTHOR, NUMBER_PATTERN, split_sentences

# a number as printed, with its unit: "78例", "58.9%", "1,419人"; not "1171.73万人次", "44880人份"
AMOUNT = re.compile(rf"(?<![\d.,])(?P<v>{NUMBER_PATTERN})(?P<u>例|人|名|%|％)(?![次份数口])")
# what may stand between a thing and its number ("治愈率已达58.9%", "在院治疗的患者有18人")
GAP_BEFORE = re.compile(
    r"(?:为|是|有|达|达到|已达|已达到|增至|增加至|增加到|升至|上升至|降至|减至|共|共计|总计|仍|已|了|"
    r"的?(?:患者|病人|人员)|:|：|\s)*"
)
GAP_AFTER = re.compile(r"(?:正在|仍在|已经|已|均|全部)*")  # "仍有45例在院治疗"
ITEM_GAP = re.compile(r"(?:共有|有|为|共|各|:|：|\s)?")  # "荷塘区有21例", "茶陵县11例", "…肇庆市各1例"
JOINER = re.compile(r"[、和及与]")
NONE = re.compile(r"无(?:新增|新发现|新报告)?[^，。；\d]{0,14}$")  # "江西省无新增新型冠状病毒肺炎确诊病例"
LIST_START = ("其中", "分别为", "分别是")
ITEM_NUMBER = re.compile(r"(?:共有|有|为|共|:|：|\s)?\d[\d,.]*(?:例|人|名)")
PARENS = re.compile(r"（[^（）]*）|\([^()]*\)")
RESET = re.compile(r"截至|截止|累计|目前|现有|[。；]")  # after these a bare thing no longer counts the period
CLAUSE_END = "，。；！？,;"


class Grammar:
    """The profile's phrases compiled once: things, qualifiers and the place words of a report."""

    def __init__(self, profile: Profile, gazetteer: Gazetteer) -> None:
        self.profile = profile
        self.gazetteer = gazetteer
        ordered = sorted(profile.things, key=lambda t: t.kind != "rate")  # 治愈出院率 before 出院
        self.things = ordered
        self.thing = re.compile("|".join(f"(?P<t{i}>{'|'.join(t.report)})" for i, t in enumerate(ordered)) or "(?!)")
        pairs = sorted(((p, q) for q, phrases in profile.qualifiers.items() for p in phrases), key=lambda x: -len(x[0]))
        self.qualifier_of = dict(pairs)
        self.qualifier = re.compile("|".join(re.escape(p) for p, _ in pairs) or "(?!)")
        words = [*profile.city_words, *profile.province_words, *profile.country_words]
        self.place_words = re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)) or "(?!)")
        self.subset = re.compile("|".join(map(re.escape, profile.subsets)) or "(?!)")
        words = sorted(((w, part) for part, ws in profile.parts.items() for w in ws), key=lambda x: -len(x[0]))
        self.part_of = dict(words)
        self.part = re.compile("|".join(re.escape(w) for w, _ in words) or "(?!)")


_GRAMMARS: dict[int, Grammar] = {}


def grammar(profile: Profile) -> Grammar:
    """The compiled grammar of ``profile``, built once per process."""
    found = _GRAMMARS.get(id(profile))
    if found is None:
        found = _GRAMMARS[id(profile)] = Grammar(profile, load_gazetteer(profile))
    return found


def article_place(article: Article, g: Grammar) -> Place | None:
    """Where an article reports from: a home paper's city, else the place its paper, headline or dateline names."""
    profile, gaz = g.profile, g.gazetteer
    if any(p in (article.paper or "") for p in profile.papers) or article.text.lstrip().startswith(profile.datelines):
        return gaz.home
    for text in (article.paper or "", article.title, article.text.lstrip()[:12]):
        found = gaz.find(text)
        if found:
            return found[0][2]
    return None


def is_commentary(article: Article) -> bool:
    """An opinion piece: no "株洲日报讯"-style dateline and a bare author name as byline."""
    return not re.match(r"^\s*\S{0,12}讯", article.text) and bool(AUTHOR.match(article.byline.strip()))


def _word_place(word: str, g: Grammar, home: Place | None) -> Place | None:
    """全市/全省/全国 … as the place they mean in an article reporting from ``home``."""
    profile, gaz = g.profile, g.gazetteer
    if word in profile.country_words:  # 全国 of a Chinese report, not of 巴拉圭's
        return gaz.lookup("全国") if home is None or home.level != "foreign" else None
    if home is None or home.level in ("foreign", "country"):
        return None
    if word in profile.province_words:
        return gaz.lookup(home.province) if home.province else home
    if home.level == "county":
        return gaz.lookup(home.city, home)
    return home  # a city, or a province-level city such as 北京市


def _qualifier(sentence: str, thing: re.Match, g: Grammar, floor: int) -> str | None:
    """The qualifier written before ``thing`` in its clause, with no other thing in between."""
    window = sentence[floor : thing.start()]
    cut = max((window.rfind(c) for c in CLAUSE_END), default=-1)
    window = window[cut + 1 :]
    found = list(g.qualifier.finditer(window))
    return g.qualifier_of[found[-1].group()] if found else None


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    metric: str
    kind: str  # count | rate
    none: bool  # "无新增确诊病例": a reported zero
    subset: bool = False  # "境外输入确诊病例": a part of the thing, not the thing
    explicit: bool = True  # the qualifier is written (累计/新增/仍有 …), not a bare mention's default
    part: str = ""  # "境外输入": the metric counts that part of the thing


def _mentions(sentence: str, g: Grammar) -> list[_Mention]:
    """The measured things of a sentence with their qualifiers; "现有住院确诊病例" is one mention (现有确诊)."""
    profile = g.profile
    out: list[_Mention] = []
    floor, last, said = 0, None, None
    for found in g.thing.finditer(sentence):
        thing = g.things[int(found.lastgroup[1:])]
        compound = bool(out) and found.start() == out[-1].end  # "现有住院确诊病例": the last noun is the head
        qualifier = said if compound else _qualifier(sentence, found, g, floor)
        said = qualifier
        start = out.pop().start if compound else found.start()
        inherited = False
        if qualifier is None and last in profile.period_qualifiers and thing.default == "累计" and not RESET.search(
            sentence, floor, found.start()
        ):
            qualifier, inherited = last, True  # "新增确诊病例6例，治愈出院病例1例": still the period's count
        qualifier = qualifier if qualifier is not None else thing.default
        if thing.kind == "rate":
            qualifier = thing.default
        none = qualifier in profile.period_qualifiers and bool(NONE.search(sentence[floor:start]))
        clause = sentence[:start]
        clause = clause[max(clause.rfind(c) for c in CLAUSE_END + "（(") + 1 :]
        span = clause + sentence[start : found.end()]
        carried = bool(out) and not _in_parens(sentence, out[-1].start) and not _in_parens(sentence, start)
        subset = bool(g.subset.search(g.part.sub("", span))) or (carried and out[-1].subset)
        parts = g.part.findall(span)  # "累计报告境外输入确诊病例29例，累计出院6例": both the imported cases
        part = g.part_of[parts[-1]] if parts else (out[-1].part if carried else "")
        metric = profile.metric(qualifier, thing.name, part)
        out.append(_Mention(start, found.end(), metric, thing.kind, none, subset, said is not None or inherited, part))
        floor, last = found.end(), qualifier
    return out


def _sentence_facts(
    sentence: str, g: Grammar, home: Place | None, carry: _Mention | None = None
) -> list[tuple[str, Place, str, str, int]]:
    """(metric, place, value, unit, offset) for each fact of one sentence; ``carry``, the last mention of
    the sentence before, heads a list that starts "其中…" with no thing of its own."""
    mentions = _mentions(sentence, g)
    if not mentions and carry is not None and sentence.lstrip().startswith(LIST_START):
        mentions = [_Mention(0, 0, carry.metric, carry.kind, False, carry.subset, True, carry.part)]
    if not mentions:
        return []
    spans = [(m.start(), m.end(), m.group()) for m in g.place_words.finditer(sentence)]
    words = [(a, b, p) for a, b, w in spans if (p := _word_place(w, g, home)) is not None]
    found = [(a, b, p) for a, b, p in g.gazetteer.find(sentence, home)  # 全国 is resolved per article above
             if p.level != "country" and not any(x <= a < y for x, y, _ in spans)]  # "…和新疆生产建设兵团"
    places = [(a, b, p) for a, b, p in found if not _excluded(sentence, a, b)]
    left_out = [b for a, b, p in found if _excluded(sentence, a, b)]
    named = sorted(places + words, key=lambda x: x[0])  # 本市/全省 name a subject, never a list item

    parens = [m.span() for m in PARENS.finditer(sentence)]

    def aside(at: int) -> tuple[int, int] | None:
        """The parenthesis ``at`` lies in ("（杭州市核减12例）"), if any."""
        return next((span for span in parens if span[0] <= at < span[1]), None)

    def subject(at: int) -> Place | None:
        """The last place named before ``at`` that is not a list item nor in another aside, else the article's;
        in an aside right after a list item ("香港特别行政区256例（出院98例）") that item's place."""
        span = aside(at)
        if span is not None:
            owner = [p for a, b, p in places if b <= span[0] and ITEM_NUMBER.fullmatch(sentence, b, span[0])]
            if owner:
                return owner[-1]
        found = [(b, p) for a, b, p in named
                 if b <= at and not _is_item(sentence, b) and aside(a) in (aside(at), None)]
        if any((found[-1][0] if found else 0) <= b <= at for b in left_out):
            return None  # "全国除湖北以外地区新增…": neither 全国 nor 湖北
        return found[-1][1] if found else home

    out = []
    for m in mentions:
        if m.none and not m.subset and not AMOUNT.match(sentence, GAP_BEFORE.match(sentence, m.end).end()):
            place = subject(m.start)
            if place is not None and place.level != "foreign":
                out.append((m.metric, place, "无", "", m.start))
    for num in AMOUNT.finditer(sentence):
        unit, mention = num.group("u"), None
        before = [m for m in mentions if m.end <= num.start()]
        if before and GAP_BEFORE.fullmatch(sentence, before[-1].end, num.start()):
            mention = before[-1]  # "确诊病例78例", "治愈率已达58.9%"
        else:
            after_at = GAP_AFTER.match(sentence, num.end()).end()
            mention = next((m for m in mentions if num.end() <= m.start <= after_at), None)  # "仍有45例在院治疗"
            if mention is not None and not mention.explicit and mention.kind != "rate":
                mention = None  # "1例新冠肺炎病例…出院", "6名患者治愈出院": an event, not a reported count
        items: list[Place] = []
        if mention is None and before:  # a list item inherits the header's qualifier and thing
            items = _items(sentence, places, num.start())
            headers = [m for m in before if aside(m.start) is None]
            mention = headers[-1] if items and headers else None
        if mention is None or (mention.subset and not items) or (mention.kind == "rate") != (unit in "%％"):
            continue  # a subset header's items are places of their own ("港澳台…：香港特别行政区256例")
        if aside(num.start()) is not None and aside(mention.start) != aside(num.start()):
            continue  # "确诊病例771例（核减宜春市1例）": an aside is no list item of the header
        for place in items or [subject(num.start())]:
            if place is not None and place.level != "foreign":  # "全球累计确诊…", "秘鲁累计确诊…": not ours
                out.append((mention.metric, place, num.group("v"), "%" if unit == "％" else unit, num.start()))
    return out


def _in_parens(sentence: str, at: int) -> bool:
    return any(a <= at < b for a, b in (m.span() for m in PARENS.finditer(sentence)))


def _excluded(sentence: str, start: int, end: int) -> bool:
    """"除湖北以外", "湖北以外地区": a place named to be left out."""
    return sentence.startswith(("以外", "之外"), end) or sentence[max(0, start - 1) : start] == "除"


def _is_item(sentence: str, end: int) -> bool:
    """A place directly followed by its number ("荷塘区21例") or by the next place of an enumeration
    ("美国、英国各2例") is a list item, not a subject."""
    return bool(AMOUNT.match(sentence, ITEM_GAP.match(sentence, end).end()) or JOINER.match(sentence, end))


def _items(sentence: str, places: list, at: int) -> list[Place]:
    """The places a number at ``at`` belongs to as a list item: "茶陵县11例", "深圳市、珠海市和肇庆市各1例"."""
    before = [p for p in places if p[1] <= at]
    if not before or not ITEM_GAP.fullmatch(sentence, before[-1][1], at):
        return []
    a, _, place = before[-1]
    chain = [place]
    if "各" in sentence[before[-1][1] : at]:
        for a2, b2, other in reversed(before[:-1]):
            if not JOINER.fullmatch(sentence, b2, a):
                break
            chain.append(other)
            a = a2
    return chain


def extract_figures(article: Article, profile: Profile, include_commentary: bool = False) -> list[Figure]:
    """The facts of ``article`` read with ``profile``'s grammar; opinion pieces are skipped unless ``include_commentary``."""
    if not include_commentary and is_commentary(article):
        return []
    g = grammar(profile)
    gaz = g.gazetteer
    text = article.text
    home = article_place(article, g)
    figures: list[Figure] = []
    seen: set[tuple[str, str, str, str]] = set()
    previous: list[tuple[int, int]] = []  # earlier sentences of the current paragraph
    carry: _Mention | None = None
    for a, b in split_sentences(text):
        if previous and "\n" in text[previous[-1][1]:a]:
            previous, carry = [], None
        sentence = text[a:b]
        context = "\n".join(text[x:y] for x, y in reversed(previous))
        mentions = _mentions(sentence, g)
        for metric, place, value, unit, offset in _sentence_facts(sentence, g, home, carry):
            asof = resolve_asof(sentence, article.date, context, position=offset)
            if asof is None:
                continue
            region = gaz.label(place)
            key = (metric, region, asof.key, value)
            if key in seen:  # "攸县的7例确诊病例" repeats the list's "攸县7例"
                continue
            seen.add(key)
            number = 0.0 if value == "无" else float(value.replace(",", ""))
            figures.append(
                Figure(
                    metric=metric, region=region, value=value, number=number, unit=unit, asof_key=asof.key,
                    asof_label=asof.label, asof_date=asof.date, sentence=sentence, article_id=article.id,
                    start=a, end=b, article_date=article.date,
                )
            )
        previous.append((a, b))
        carry = mentions[-1] if mentions else None
    return figures
