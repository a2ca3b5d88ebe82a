"""The sentence path: which sentences may answer, the bold they give (a typed span bound to the question), quotes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from config.profile import Profile
from news.asof import YEAR, parse_question_date, resolve_asof
from news.figures import Grammar, article_place
from news.spans import CN, answers, find_spans
from news.text import fold, pos_tags
from retrieval.answer import Answer
from retrieval.binding import binding
from retrieval.bold import TYPES, Option, bold_text, choose, dominated, load_model, options
from retrieval.compose import CLAUSE, Candidate, _source, dated, direct_from_sentence, trim_clause
from retrieval.facts import named_thing, question_qualifier
from retrieval.normalize import Query, named_places
from retrieval.person import person_answer
from retrieval.question import Asked
from retrieval.snapshot import IndexSnapshot
from retrieval.vetoes import overtaken, unbound

YESNO_COVERAGE = 0.8  # share of a yes/no question's words its bold clause must hold (a direct answer)
RUNNERS_UP = 2  # quotes after the chosen sentence: the sentences of the next best-scored spans, if scored above
ALONE_RELEVANCE = 0.8  # a sentence about the asked district alone leads if about as relevant as one listing it
RUNNER_UP_SCORE = 0.2  # … this; then the most relevant sentences
NUMERIC = re.compile(rf"[\d{CN}]")
FIGURES = ("count", "percent", "duration", "change")  # figures: a later report restates them with a new value


def sentence_answer(
    query: Query, asked: Asked, snap: IndexSnapshot, ranked: list[Candidate], g: Grammar, default_year: int
) -> Answer | None:
    """A typed question gets the best-scored span of the answering sentences as bold when the model is sure
    enough (else those sentences as quotes, the best span's first); a yes/no question the clause that holds
    nearly all of it; any other (what, why, who, where, how) its passages, no bold: a clause chosen for holding
    the question's words showed the answer in 4 of 10 cases on CMRC2018/DRCD's other questions.
    When the question names a place the chosen sentence, its headline and the text before it do not, the
    best sentence of the pool that does leads the quotes; None when none does: the reports do not answer it."""
    group = answer_pool(query, asked, snap, ranked, g, default_year)
    text, chosen, runners_up = None, group[0], []
    if asked.type in TYPES:
        model = load_model()
        found = options(query, asked, group, lambda c: snap.articles[c.article_id].title, g.profile)
        scored = [(model.score(o.features), o) for o in found]
        option, score = choose([(v, o) for v, o in scored if _names_subject(snap, o.cand, asked)])
        runners_up = by_score(scored)[1:RUNNERS_UP + 1]
        if option is not None:
            chosen = option.cand
            article = snap.articles[chosen.article_id]
            newer = _superseded(option, ranked, snap, asked, query, default_year) if score >= RUNNER_UP_SCORE else None
            if newer is not None:  # the newer report's passage leads the quotes; no bold
                chosen = newer
            elif (score >= model.threshold
                    and unbound(option, asked, query.text, fold(article.title), fold(query.original)) is None
                    and not dominated(option, found, query, asked) and not overtaken(option, found, query)
                    and not _a_divisions(option, snap, g, query, asked) and not _unnamed_code(option, snap, query)):
                text = dated(bold_text(option), chosen, article.date, _before(snap, chosen), asked.type)
    elif asked.type == "which" and (found := person_answer(query, ranked, lambda c: fold(
            f"{snap.articles[c.article_id].title}\n{_before(snap, c)}"))) is not None:
        # 总工程师是谁: the name right after the role; 是谁主持的: the name right before the verb; its clause in bold
        chosen, (start, _) = found
        clause = next(m for m in CLAUSE.finditer(chosen.match) if m.start() <= start < m.end())
        body = trim_clause(g.profile.strip_dateline(chosen.text[clause.start() : clause.end()]))
        text = dated(body, chosen, snap.articles[chosen.article_id].date, _before(snap, chosen), "who")
    elif asked.type == "yesno":  # 吗: a clause that holds it all; 怎么办, 哪次, 是什么: passages, no bold
        least = YESNO_COVERAGE
        for cand in sorted(group, key=lambda c: c.asof_key, reverse=True):  # the newest report that says it
            article = snap.articles[cand.article_id]
            text = direct_from_sentence(query, cand, article.date, _before(snap, cand), g.profile, least)
            if text and (_other_qualifier(text, query, g.profile) or _no_rule(text, query)):
                text = None  # 有死亡病例吗 (累计, the default) is not answered by 新增死亡病例0例: the next clause
            if text:
                chosen = cand
                break
    places = named_places(query)
    if text is None and places and not _names(snap, chosen, places):
        # the best sentence is about somewhere else: the passages that name the place (in the sentence, its
        # headline or just before it), or None when none does
        chosen = next((c for c in group if c.own > 0 and _names(snap, c, places)), None)
        if chosen is None:
            return None
        runners_up = [c for c in runners_up if _names(snap, c, places)]
    elif text is None and asked.type not in TYPES:  # 攸县还有病人吗: 攸县的7例确诊病例已全部治愈出院 leads the quotes
        chosen = place_first(query, snap, [chosen, *(c for c in group if c is not chosen)], g)[0]
    shown = {id(chosen)}
    quotes = [_source(snap, chosen, g.profile)]
    for cand in runners_up:
        if id(cand) not in shown:
            shown.add(id(cand))
            quotes.append(_source(snap, cand, g.profile))
    return Answer(query.original, True, text, quotes, kind="sentence" if text else "quotes")


def _other_qualifier(text: str, query: Query, profile: Profile) -> bool:
    """The clause names the question's measured thing with another qualifier than the one asked (or the
    thing's default when none is): 新增死亡病例 for 有死亡病例吗."""
    thing = named_thing(query, profile)
    if thing is None:
        return False
    asked = question_qualifier(query, profile) or thing.default
    folded = fold(text)
    return any(re.search(f"(?:{'|'.join(words)})(?:{'|'.join(thing.report)})", folded)
               for qualifier, words in profile.qualifiers.items() if qualifier != asked)


MUST_ASKED = re.compile(r"要不要|需不需要|需要|要.{0,12}吗|能不能|可不可以|可以|能.{0,12}吗|会不会|必须|应该|允许")
RULE = re.compile(r"[须需应得可能准禁]|要求|一律|务必|严格|不再")  # what a rule or a notice says: must, may, need not


def _no_rule(text: str, query: Query) -> bool:
    """The question asks what one must, may or need do (要隔离吗, 能堵路吗, 需要开证明吗) and the clause says no such
    thing: it reports what was done (对11名从武汉返乡人员进行居家隔离), which answers no rule."""
    return bool(MUST_ASKED.search(query.text)) and not RULE.search(fold(text))


ANAPHORA = ("该市", "该县", "该区", "当地")  # a sentence about the place named before it


CODE = re.compile(r"(?<![a-z0-9])(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{2,}(?![a-z0-9])")  # 41R, E23P, K9


def _unnamed_code(option: Option, snap: IndexSnapshot, query: Query) -> bool:
    """The question names a thing by a code of letters and digits (九龙巴士41R线, E23P) that the sentence, its headline
    and the text before it never say: the date of another route is no answer."""
    codes = CODE.findall(fold(query.text))
    return bool(codes) and not _names(snap, option.cand, codes)


def _a_divisions(option: Option, snap: IndexSnapshot, g: Grammar, query: Query, asked: Asked) -> bool:
    """A figure of one of the home city's divisions, asked of the whole city by its name: the sentence names a division
    (攸县的7例确诊病例已全部治愈出院，治愈出院率达100%) or refers back to one its headline or the text before names
    (该市已有321家规模工业企业 under 阳卫国赴醴陵督导), and not the city (我市, 全市, 株洲) before the span."""
    if asked.type not in FIGURES or query.places or query.home_places or not any(
            w in query.text for w in query.home_words):  # asked of the city by name (株洲, 全市), nothing else
        return False
    gaz, profile = g.gazetteer, g.profile
    left = option.cand.match[: option.span.start]
    if any(w in left for w in (profile.home_label, *profile.city_words)):
        return False
    def divisions(text: str) -> bool:
        return any(p.within(gaz.home) and p != gaz.home for _, _, p in gaz.find(text))
    if divisions(left):
        return True
    article = snap.articles[option.cand.article_id]
    return any(a in left for a in ANAPHORA) and divisions(fold(f"{article.title}\n{_before(snap, option.cand)}"))


SAME_MEASURE = 0.6  # share of the chosen clause's words a later report's clause must hold to restate it


def _superseded(option: Option, ranked: list[Candidate], snap: IndexSnapshot, asked: Asked, query: Query,
                default_year: int) -> Candidate | None:
    """A figure from an older report when a newer one restates the same measure with another value: "我市已连续
    两天新增确诊病例为0" (2月17日) when the 2月20日 paper says "我市连续5天无新增病例". The newest report wins for
    "how many now"; a question naming a date or a year asks that date's or year's figure and is left alone
    (德国2023年GDP…下降了多少 is not answered by a later forecast of 今年第一季度's). The newer candidate, or None."""
    if asked.type not in FIGURES or parse_question_date(query.text, default_year) or YEAR.search(query.text):
        return None
    own = snap.articles[option.cand.article_id].date
    if not own:
        return None
    clause = option.cand.match[slice(*option.clause)]
    value = option.cand.match[option.span.start : option.span.end]
    words = {w for a, b, _ in pos_tags(clause) if len(w := clause[a:b]) > 1 and not NUMERIC.search(w)}
    if len(words) < 2:
        return None
    least = SAME_MEASURE * len(words)
    for cand in ranked:
        date = snap.articles[cand.article_id].date
        if not date or date <= own or sum(w in cand.match for w in words) < least:
            continue  # an older report, or a sentence that does not say the measure at all
        for span in find_spans(cand.match):
            if not answers(asked.type, span) or cand.match[span.start : span.end] == value:
                continue
            around = cand.match[max(0, span.start - 20) : span.end + 20]
            if sum(w in around for w in words) >= least:
                return cand
    return None


def by_score(scored: list[tuple[float, Option]]) -> list[Candidate]:
    """The sentences of the (score, option) pairs by their best span's score, best first (those scored above
    RUNNER_UP_SCORE)."""
    best: dict[int, tuple[float, Candidate]] = {}
    for score, o in scored:
        if score >= RUNNER_UP_SCORE and score > best.get(id(o.cand), (-1.0, None))[0]:
            best[id(o.cand)] = (score, o.cand)
    return [c for _, c in sorted(best.values(), key=lambda t: -t[0])]


def answer_pool(
    query: Query, asked: Asked, snap: IndexSnapshot, ranked: list[Candidate], g: Grammar, default_year: int
) -> list[Candidate]:
    """The sentences that can answer, best first: with a span of the asked type when a type is asked; the home
    city's reports when no other place is named; the named date's report (the named year's, or a sentence naming
    it); for a count, the number next to the asked words, then the newest report."""
    if asked.type in TYPES:  # only sentences with a span of the asked type (a year, a date, a number …) can answer
        pool = [c for c in ranked if c.own > 0 and any(answers(asked.type, s) for s in find_spans(c.match))]
    else:
        pool = [c for c in ranked if c.own > 0]
    pool = pool or ranked[:1]
    if not named_places(query):  # a question naming no other place asks about the home city: its reports first
        pool = [c for c in pool if is_home(snap, c, g)] or pool
    counting = asked.type in FIGURES
    group = [c for c in pool if c.relevance >= (0.75 if counting else 0.85) * pool[0].relevance]
    for cand in group:
        article = snap.articles[cand.article_id]
        asof = resolve_asof(cand.match, article.date, fold(_before(snap, cand)))
        cand.asof_key = asof.key if asof else (article.date or "")
    named = parse_question_date(query.text, default_year)
    if named:  # a question naming a date gets that date's report
        return [c for c in group if c.asof_key.startswith(named)] or group
    year = YEAR.search(query.text)
    if year:  # a question naming a year: that year's reports, or sentences that name it (2022年一季度: not 2023's)
        group = [c for c in group if not c.asof_key or c.asof_key.startswith(year.group()[:4])
                 or year.group() in c.match] or group
    if counting:  # a number about what was asked first, then the newest report among equally good answers
        return sorted(group, key=lambda c: (binding(c.match, query), c.asof_key, c.relevance), reverse=True)
    return group


def _names_subject(snap: IndexSnapshot, cand: Candidate, asked: Asked) -> bool:
    """The sentence, its headline or the text just before it names what the question is about (its first
    subject word: 育才 of 育才小学占地面积有多大); another school's area is no answer."""
    return not asked.subject or _names(snap, cand, asked.subject[:1])


def _names(snap: IndexSnapshot, cand: Candidate, names: Sequence[str]) -> bool:
    """The sentence, its headline or the text just before it says one of ``names`` (places, a subject word)."""
    if any(n in cand.match for n in names):
        return True
    around = fold(f"{snap.articles[cand.article_id].title}\n{_before(snap, cand)}")
    return any(n in around for n in names)


def place_first(query: Query, snap: IndexSnapshot, cands: list[Candidate], g: Grammar) -> list[Candidate]:
    """``cands`` with a sentence that names a division of the home city the question names moved to the front: in
    its own words (醴陵 for 醴陵市), or as 该市 after a headline or text that names it. Of those about as relevant
    as the first, one about that division alone leads (攸县的7例…已全部治愈出院, not a list of every district's
    count). As they are when none does or none is named."""
    wanted = set(query.home_places)
    if not wanted or not cands:
        return cands
    home, names = g.gazetteer.home, [p.name for p in wanted]
    naming = []  # (index, names no other division of the home city)
    for i, c in enumerate(cands):
        named = {p for _, _, p in g.gazetteer.find(c.match) if p.within(home) and p != home}
        if c.own > 0 and (named & wanted or (not named and any(a in c.match for a in ANAPHORA)
                                             and _names(snap, c, names))):
            naming.append((i, named <= wanted))
    if not naming:
        return cands
    least = ALONE_RELEVANCE * cands[naming[0][0]].relevance
    i = next((i for i, alone in naming if alone and cands[i].relevance >= least), naming[0][0])
    return [cands[i], *cands[:i], *cands[i + 1:]] if i else cands


def _before(snap: IndexSnapshot, cand: Candidate) -> str:
    """Up to 200 characters of the article before the sentence (where its as-of date may be)."""
    return snap.articles[cand.article_id].text[max(0, cand.start - 200) : max(0, cand.start)]


def is_home(snap: IndexSnapshot, cand: Candidate, g: Grammar) -> bool:
    """A home-city report (paper, headline or dateline), or a sentence that names the home city."""
    place = article_place(snap.articles[cand.article_id], g)
    return (place is not None and place.within(g.gazetteer.home)) or g.profile.home_label in cand.match


def with_more_quotes(
    answer: Answer, snap: IndexSnapshot, ranked: list[Candidate], top_k: int, min_relevance: float, profile: Profile
) -> Answer:
    """Add the next best sentences as quotes, up to ``top_k`` (never the same sentence twice, no headlines)."""
    for cand in ranked:
        if len(answer.sources) >= top_k:
            break
        if cand.start < 0 or cand.relevance < min_relevance:
            continue
        quote = _source(snap, cand, profile)
        if all(quote.quote not in s.quote and s.quote not in quote.quote for s in answer.sources):
            answer.sources.append(quote)
    return answer
