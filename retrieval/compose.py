"""Turn ranked chunks into an answer: a dated figure, or the answering clause, with verbatim quotes."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from config.profile import Profile
from news.asof import resolve_asof
from news.text import split_sentences
from retrieval.answer import Source
from retrieval.normalize import Query, named_places
from retrieval.search import Hit
from retrieval.snapshot import IndexSnapshot
from stores.lexical import tokenize

GENERIC = frozenset("现在 目前 如今 当前 今天 明天 昨天 一共 总共 共 累计 情况 有 人 the of in".split())
CLAUSE = re.compile(r"[^，；：。！？,;!?]+[，；：。！？,;!?]*")
HAS_NUMBER = re.compile(r"\d")
NUMBERS = re.compile(r"\d+(?:\.\d+)?")
DATE_EXPR = re.compile(r"\d{1,2}月\d{1,2}日(?:\d{1,2}时许?|上午|下午|晚|凌晨)?|\d{1,2}日(?:\d{1,2}时许?)?")
CLOCK_EXPR = re.compile(r"\d{1,2}(?:时|点)(?:\d{1,2}分)?许?|凌晨|上午|中午|下午|傍晚|晚上")


@dataclass
class Candidate:
    """A sentence (or a headline) that might answer, with how well it matches."""

    article_id: str
    start: int
    end: int
    text: str
    own: float  # share of the question's keywords in the sentence
    context: float  # … in the headline and the sentence before it
    retrieval: float  # the chunk's fused score (0..1)
    asof_key: str = ""

    @property
    def relevance(self) -> float:
        return 0.55 * self.own + 0.3 * self.context + 0.15 * self.retrieval


def keywords(query: Query, boost: bool = True) -> dict[str, float]:
    """Content words of the question, weighted by length (longer words say more); the words right
    around 多少/几 (what is being counted: 复工率, 口罩, 干部) weigh three times more."""
    near = ""
    if query.ask:
        near = query.lexical[max(0, query.ask[0] - 4) : query.ask[1] + 6]
    words = {}
    for token in tokenize(query.lexical):
        if token in GENERIC or token in query.home_words or (query.english and token.isascii()):
            continue
        weight = math.log1p(len(token)) if len(token) > 1 else 0.25  # 会, 能, 率: weak on their own
        words[token] = weight * (3.0 if boost and token in near else 1.0)
    return words


def coverage(words: dict[str, float], text: str) -> float:
    total = sum(words.values())
    return sum(w for t, w in words.items() if t in text) / total if total else 0.0


MEASURE = re.compile(r"^(?:[余多近约]?(?:万|亿)?[个家名件人例天次元台条项户位所座辆批份棵]?)(?:的)?")
FILLER = re.compile(r"[已了有共为是达的]")  # "寄递企业已复工43家" answers "寄递企业复工了多少家"
GAP = re.compile(r"(?:高达|达到|已达|增至|共计|总计|约为|超过|累计|达|为|是|有|已|共|约|近|了|的)+$")


def asked_phrases(query: Query) -> tuple[str, str]:
    """The words just before and just after the question word: "复工率" 是多少, 多少个 "口罩"."""
    if not query.ask or query.ask[0] >= len(query.text):
        return "", ""
    start, end = query.ask
    before = GAP.sub("", query.text[max(0, start - 8) : start])
    after = MEASURE.sub("", query.text[end : end + 10])
    return before, after


QUALIFIERS = (("累计", "新增", "现有"), ("确诊", "死亡", "出院", "治愈", "重症", "疑似", "密切接触"))


def asked_unit(query: Query) -> str | None:
    """The counter word the question asks in: 天 in "多少天", 个 in "几个"."""
    found = re.search(r"(?:多少|几)([个家名件人例天次元台条项户位所座辆批份棵张岁])", query.text)
    return found.group(1) if found else None


def _common_edge(phrase: str, window: str, suffix: bool, touching: bool = False) -> int:
    """Length of the longest end (suffix=True) or start of ``phrase`` that occurs in ``window``
    (with ``touching``: that ends the window, for a suffix, or starts it, for a prefix)."""
    for n in range(min(len(phrase), 6), 1, -1):
        piece = phrase[-n:] if suffix else phrase[:n]
        if (window.endswith(piece) if suffix else window.startswith(piece)) if touching else piece in window:
            return n
    return 0


def _common_run(phrase: str, window: str) -> int:
    """Length of the longest run of characters (2 or more) shared by ``phrase`` and ``window``."""
    best = 0
    for i in range(len(phrase)):
        for j in range(i + max(2, best + 1), len(phrase) + 1):
            if phrase[i:j] in window:
                best = j - i
            else:
                break
    return best


def binding(text: str, query: Query) -> int:
    """How directly a number in ``text`` measures what was asked: "复工率84%" for "复工率是多少",
    "17万个口罩" for "多少个口罩", "班线170条" for "多少条班线". 0 when no number sits next to the
    asked words. The words before 多少 must end right before the number; those after it may sit on
    either side of the number."""
    before, after = asked_phrases(query)
    unit = asked_unit(query)
    best = 0
    for found in re.finditer(r"\d+(?:\.\d+)?", text):
        left = FILLER.sub("", GAP.sub("", text[max(0, found.start() - 10) : found.start()].rstrip()))
        right = MEASURE.sub("", text[found.end() : found.end() + 12].lstrip("%万亿"))
        raw_left = GAP.sub("", text[max(0, found.start() - 10) : found.start()].rstrip())
        score = max(  # the asked noun touches the number: "复工率84%", "33514件瓷瓶"
            _common_edge(before, left, True, touching=True), _common_edge(before, raw_left, True, touching=True),
            next((n for n in range(min(len(before), 6), 1, -1) if right.startswith(before[-n:])), 0),
        ) if before else 0
        if score and len(before) - score >= 2:  # the rest of the asked noun just before: "寄递企业…复工率84%"
            score += _common_run(before[:-score], text[max(0, found.start() - 40) : found.start()])
        if after:
            score += max(_common_edge(after, right[:8], False), _common_run(after, left))
        if unit and re.match(rf"[余多]?[万亿]?[余多]?{unit}", text[found.end() : found.end() + 4]):
            score += 2  # "隔离多少天" → "14天"
        near = re.split(r"[，。；：,;]", text[: found.start()])[-1]  # the clause up to the number
        for group in QUALIFIERS:  # a 新增 figure does not answer a 累计 question, nor 死亡 a 确诊 one
            asked = [w for w in group if w in query.text]
            if asked and not any(w in near for w in asked) and any(w in near for w in group):
                score -= 3
        best = max(best, score)
    return best


def full_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Whole sentences (to 。！？) of ``text`` that overlap ``[start, end)``."""
    return [(a, b) for a, b in split_sentences(text, semicolons=False) if a < end and b > start]


def candidates(query: Query, snapshot: IndexSnapshot, hits: list[Hit], limit_chunks: int = 8) -> list[Candidate]:
    """Sentences of the best chunks, and their articles' headlines, scored against the question."""
    words = keywords(query)
    places = named_places(query)
    top = max((h.score for h in hits), default=1.0) or 1.0
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for hit in hits[:limit_chunks]:
        chunk = snapshot.chunks[hit.row]
        article = snapshot.articles[chunk.article_id]
        retrieval = max(0.0, hit.score / top)
        title_cov = coverage(words, article.title)
        if (article.id, -1) not in seen and all(p in article.title for p in places):
            seen.add((article.id, -1))
            out.append(Candidate(article.id, -1, -1, article.title, title_cov, 0.0, retrieval))
        for start, end in full_sentences(article.text, chunk.start, chunk.end):
            if (article.id, start) in seen:
                continue
            seen.add((article.id, start))
            around = article.text[max(0, start - 80) : start] + article.text[end : end + 40]
            ctx = max(title_cov, coverage(words, around))
            text = article.text[start:end]
            if places and not all(p in article.title + around + text for p in places):
                continue  # a question about 武汉 is not answered by a sentence about 株洲
            out.append(Candidate(article.id, start, end, text, coverage(words, text), ctx, retrieval))
    return sorted(out, key=lambda c: c.relevance, reverse=True)


def _source(snapshot: IndexSnapshot, cand: Candidate, profile: Profile) -> Source:
    """The quote of a candidate (a sentence without the paper's dateline, or a headline as it is)."""
    article = snapshot.articles[cand.article_id]
    quote = profile.strip_dateline(cand.text) if cand.start >= 0 else cand.text
    return Source(
        title=article.title, date=article.date, quote=quote, source=article.source,
        score=round(cand.relevance, 4), article_id=article.id, start=cand.start, end=cand.end,
        paper=article.paper, url=article.url, published=article.published, page=article.page,
    )


def _clauses(text: str) -> list[str]:
    return [c for c in CLAUSE.findall(text) if c.strip()]


def direct_from_sentence(
    query: Query, cand: Candidate, article_date: str | None, context: str, profile: Profile | None = None
) -> str | None:
    """The answering clause of a sentence, with its as-of date: "复工率84%（截至2020年2月17日）"; ``profile``
    (its datelines) keeps the paper's "本报讯" out of the clauses."""
    words = keywords(query)
    clauses = _clauses(profile.strip_dateline(cand.text) if profile else cand.text)
    if not clauses:
        return None
    scored = [(coverage(words, c), i, c) for i, c in enumerate(clauses)]
    wants_when = query.kind in ("when", "clock")
    wants_number = query.kind == "quantity"
    stamp = CLOCK_EXPR if query.kind == "clock" else DATE_EXPR
    pick: list[int] = []
    best = max(scored, key=lambda s: (s[0], -s[1]))
    if wants_when:
        dated = [s for s in scored if stamp.search(s[2])]
        if not dated:
            return None
        date_clause = max(dated, key=lambda s: (s[0], -s[1]))
        pick = sorted({date_clause[1], best[1]})
    elif wants_number:
        numeric = [s for s in scored if HAS_NUMBER.search(s[2]) and not DATE_EXPR.fullmatch(s[2].strip("，；：。 "))]
        numeric = [s for s in numeric if not re.fullmatch(r"\s*(?:截至)?\d{1,2}月\d{1,2}日[^，]{0,6}[，：]?", s[2])]
        numeric = [s for s in numeric if binding(s[2], query) > 0]
        if not numeric:
            return None  # no number here measures what was asked: quote, don't claim
        pick = [max(numeric, key=lambda s: (binding(s[2], query), s[0], -s[1]))[1]]
    else:
        if best[0] <= 0:
            return None
        pick = [best[1]]
    parts = [clauses[i].strip().rstrip("，；：。！？,;!?").strip("“”\"") for i in pick]
    if wants_number and len(parts) == 1 and "、" in parts[0] and len(NUMBERS.findall(parts[0])) > 1:
        parts = [_narrow(parts[0], query)]
    body = "，".join(parts)
    lead = "".join(clauses[: pick[-1] + 1]) if pick else ""
    if not body or any(place not in lead for place in named_places(query)):
        return None  # an answer about 武汉 must say 武汉 (in the clause or before it in the sentence)
    asof = resolve_asof(cand.text, article_date, context) if cand.start >= 0 else None
    if asof is not None and not wants_when and re.search(r"截至|\d+时", cand.text):
        return f"{body}（截至{asof.label}）"
    label = _date_label(article_date)
    return f"{body}（{label}报道）" if label else body


def _narrow(clause: str, query: Query) -> str:
    """From an enumeration ("捐赠口罩1050个、84消毒液420公斤、…") keep the item that was asked about."""
    words = keywords(query, boost=False)  # items share the measure word; what tells them apart counts
    words = {w: v for w, v in words.items() if not any(w != o and w in o for o in words)}  # 客运 ⊂ 客运量
    items = clause.split("、")
    scores = [(coverage(words, item), binding(item, query)) if NUMBERS.search(item) else (-1.0, 0) for item in items]
    best = max(range(len(items)), key=lambda i: (scores[i], -i))
    return items[best] if scores[best][0] > 0 or scores[best][1] > 0 else clause


def _date_label(iso: str | None) -> str | None:
    if not iso:
        return None
    y, m, d = (int(p) for p in iso.split("-"))
    return f"{y}年{m}月{d}日"
