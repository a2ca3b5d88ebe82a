"""Answers from the facts table: the figure whose thing, qualifier, place and as-of match the question, or a list's top item."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from config.profile import Profile, Thing
from news.asof import parse_question_date, parse_question_hour
from news.places import Gazetteer, Place
from news.records import Figure
from news.text import pos_tags, split_sentences
from retrieval.answer import Answer, Source
from retrieval.latest import asof_phrase, stale_note
from retrieval.normalize import Query
from retrieval.question import measure
from retrieval.snapshot import IndexSnapshot

OTHER_ASK = re.compile(r"什么|怎么|怎样|如何|为什么|为何|吗|嘛|呢|哪|谁|是否|是不是|有没有|能否|[?？]$|\b(?:what|why|how|is|are|do|does)\b", re.I)
SUBJECT_FILLER = re.compile(
    r"截至|截止|到|至|目前|现在|如今|当前|今天|昨天|昨日|当日|当天|的|了|有|共|一共|总共|都|还|已经|已|"
    r"报告|在|中|里|上|是|因为|由于|，|,|、|\s|请问|我想知道|你好"
)
RATIO = re.compile(r"比例|比率|占.{0,8}(?:的)?(?:比|百分)")
AMONG = re.compile(r"(?:病例|患者|病人|人员|人)(?:当中|之中|中|里)(?P<part>[^，,。？?的]{2,6}?)(?:的|有|占|是)")  # 确诊病例中男性有多少
NOT_A_COUNT = re.compile(r"(?:几|多少)(?:天|日|次|个?月|年|号|岁|点)|什么时候|何时")  # days, ages, times


def named_thing(query: Query, profile: Profile) -> Thing | None:
    """The first of the profile's things whose words the question uses; a count's word followed by 率 (死亡率)
    asks a rate no count answers, so it names no thing."""
    lexical = query.lexical
    for thing in profile.things:
        pattern = any_of(thing.question)
        if not pattern.search(lexical):
            continue
        if thing.kind == "rate" or "率" not in lexical or any(
                not lexical.startswith("率", found.end()) for found in pattern.finditer(lexical)):
            return thing
    return None


@lru_cache(maxsize=256)
def any_of(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(words), re.I)


def question_thing(query: Query, profile: Profile) -> Thing | None:
    """The measured thing a question asks about: the one it names (``named_thing``); with a qualifier but no
    thing ("新增多少例"), the profile's default thing, unless the question names another noun by its question
    word ("现有多少家企业复工", "累计完成客运量多少": a general question)."""
    thing = named_thing(query, profile)
    if thing is not None:
        return thing
    if profile.default_thing and question_qualifier(query, profile) is not None and not _other_noun(query, profile):
        return profile.thing(profile.default_thing)
    return None


def _other_noun(query: Query, profile: Profile) -> bool:
    """A noun (企业, 客运量) right before or after the question word, places and 全国/全市 aside."""
    around = measure(query, query.ask)
    text = around.before + around.after
    for word in (*query.place_words, *query.home_words, *profile.city_words, *profile.province_words,
                 *profile.country_words):
        text = text.replace(word, " ")
    text = SUBJECT_FILLER.sub(" ", text)  # 报告, 目前 …: words of any count question
    return any(b - a >= 2 and flag in ("n", "nz", "nt", "vn") for a, b, flag in pos_tags(text))


def asks_part(query: Query, profile: Profile) -> bool:
    """The question asks for a part no fact counts (本地, 港澳台 …), a ratio of two, or which place ("…是哪个市的")
    — never answered by a figure of the whole measure."""
    text = query.text
    rest = query.lexical
    for words in profile.parts.values():  # a part the facts count on their own (境外输入) is answerable
        for word in words:
            rest = rest.replace(word, "")
    return (any(word in rest for word in (*profile.subsets, *profile.question_subsets)) or bool(RATIO.search(text))
            or (bool(profile.pattern("which").search(text)) and not profile.pattern("superlative").search(text))
            or _among(query, profile))


def _among(query: Query, profile: Profile) -> bool:
    """"确诊病例中男性有多少": a part of the cases (男性, 儿童, 医护人员) that no measured thing, part or place names
    (新增病例中黄冈有几例 asks 黄冈's figure)."""
    found = AMONG.search(query.text)
    if found is None:
        return False
    part = found.group("part")
    places = (*query.place_words, *(p.name for p in query.home_places), *(p.name[:2] for p in query.home_places))
    if any(w in part or part in w for w in places):
        return False
    named = [w for t in profile.things for w in t.question] + [w for ws in profile.parts.values() for w in ws]
    return not any(re.search(w, part) for w in named)


def question_qualifier(query: Query, profile: Profile) -> str | None:
    """累计 / 新增 / 现有 when the question says so; None when it names none."""
    for qualifier, words in profile.question_qualifiers.items():
        if re.search("|".join(words), query.lexical, re.I):
            return qualifier
    return None


def asked_metric(query: Query, profile: Profile) -> str | None:
    """qualifier + thing of the question ("新增确诊"); a bare thing takes its default qualifier."""
    thing = question_thing(query, profile)
    if thing is None:
        return None
    qualifier = question_qualifier(query, profile)
    part = next((p for p, words in profile.parts.items() if any(w in query.lexical for w in words)), "")
    return profile.metric(thing.default if qualifier is None or thing.kind == "rate" else qualifier, thing.name, part)


def asked_place(query: Query, gaz: Gazetteer) -> Place | None:
    """The one place asked about (the home city when none is named); None when several are named."""
    named = query.places or query.home_places
    if len(named) > 1:
        return None
    return named[0] if named else gaz.home


def counts_thing(query: Query, profile: Profile) -> bool:
    """A count of a measured thing ("确诊多少", or a bare "截至3月23日黄冈累计确诊病例"), not days, ages or times
    ("连续几天无新增病例") nor another kind of question (吗, 什么, 怎么 …)."""
    counting = query.kind == "quantity" or (query.kind == "other" and not OTHER_ASK.search(query.text))
    return (counting and not NOT_A_COUNT.search(query.text) and asked_metric(query, profile) is not None
            and not _counts_another(query, profile) and not _share_of_a_count(query, profile))


PERCENT_ASKED = re.compile(r"百分之(?:多少|几)|百分比|多少个?百分点|几个百分点")


def _share_of_a_count(query: Query, profile: Profile) -> bool:
    """A percentage asked of a counted thing (死亡人数比"十三五"期末下降了百分之多少): a change or a share, not the
    count; a rate the profile measures (治愈出院率) stays a fact."""
    thing = question_thing(query, profile)
    return bool(PERCENT_ASKED.search(query.text)) and thing is not None and thing.kind == "count"


COUNTED = re.compile(r"(?:几|多少)(?:个|家|所|座|条|项|名|位)")  # a counter right after the question word


def _counts_another(query: Query, profile: Profile) -> bool:
    """The question word counts another noun with its counter (几个县区没有确诊病例, 多少家医院收治): not the cases."""
    found = COUNTED.search(query.text)
    if found is None:
        return False
    rest = query.text[found.end() : found.end() + 8]
    noun = next((rest[a:b] for a, b, flag in pos_tags(rest) if a == 0 and flag.startswith("n")), "")
    words = [w for t in profile.things for w in (*t.question, *t.report)]
    return len(noun) >= 2 and not any(re.match(w, noun) for w in words) and noun not in CASE_WORDS


CASE_WORDS = ("病例", "患者", "病人", "人员")  # what a count of the cases counts


def unknown_subject(query: Query, profile: Profile, gaz: Gazetteer) -> str | None:
    """What a count question names before its measure when that is neither a known place, a date nor a time
    word ("火星上有多少确诊病例", "格陵兰累计确诊"): the home city is no default for it."""
    if query.english or not counts_thing(query, profile):
        return None
    words = [w for t in profile.things for w in t.question] + [w for ws in profile.question_qualifiers.values()
                                                               for w in ws]
    found = re.search("|".join(words), query.text)
    head = query.text[: found.start()] if found else ""
    for _, end, _ in reversed(gaz.find(head)):
        head = head[end:] if end else head
    for word in (*profile.city_words, *profile.province_words, *profile.country_words, *profile.story_words):
        head = head.replace(word, "")
    head = re.sub(r"\d+\s*(?:年|月|日|号|时|点)?", "", head)  # dates and hours
    head = SUBJECT_FILLER.sub("", profile.pattern("quantity").sub("", head))
    head = "".join(head[a:b] for a, b, flag in pos_tags(head) if flag.startswith("n"))  # not 人接受 of 多少人在接受
    return head if len(head) >= 2 else None


def _next_day(iso: str) -> str:
    return (date.fromisoformat(iso) + timedelta(days=1)).isoformat()


def figure_source(snapshot: IndexSnapshot, fig: Figure, score: float, profile: Profile) -> Source:
    """The whole sentence a figure was printed in, led by the earlier sentences of its paragraph that carry
    its as-of when it has none of its own ("新增确诊病例中，温州市16例" after "2月9日0-24时，…")."""
    article = snapshot.articles[fig.article_id]
    sentences = split_sentences(article.text, semicolons=False)
    idx = [i for i, (a, b) in enumerate(sentences) if a < fig.end and b > fig.start]
    if not idx:
        start, end = fig.start, fig.end
    else:
        first, end = idx[0], sentences[idx[-1]][1]
        wanted = set(re.findall(r"\d+", fig.asof_label.split("年", 1)[-1]))
        while first > 0 and not wanted <= set(re.findall(r"\d+", article.text[sentences[first][0] : end])):
            if "\n" in article.text[sentences[first - 1][1] : sentences[first][0]] or idx[0] - first >= 2:
                break  # not past the paragraph, nor more than two sentences back
            first -= 1
        start = sentences[first][0]
    return Source.quoting(article, start, end, score, profile)


def figure_answer(
    query: Query, snapshot: IndexSnapshot, profile: Profile, gaz: Gazetteer, default_year: int
) -> Answer | None:
    """A "how many" question about a measured thing, answered from the facts; None when no fact matches
    the thing, qualifier, place and date asked (the caller then shows quotes, never another figure)."""
    if not counts_thing(query, profile):
        return None
    metric, place = asked_metric(query, profile), asked_place(query, gaz)
    if metric is None or place is None or asks_part(query, profile):
        return None
    region = gaz.label(place)
    figures = snapshot.figures  # queried through the table's indexes: no scan of every fact
    named = parse_question_date(query.text, default_year)
    period = profile.is_period(metric)
    hour = parse_question_hour(query.text) if named else None
    whole = period and hour is None  # a day's 新增, not that of "0—12时" or "12—24时" (a part of the day)
    if named:  # "截至3月3日0时" is the end of 3月2日: it answers either date
        rows = figures.chosen(metric, region, whole, (named, f"{_next_day(named)}T00:00"))
        if hour is not None:  # "截至1月27日24时": that report, not the same day's 12时 one
            rows = [f for f in rows if f.asof_key.endswith(f"T{hour:02d}:00")] or [
                f for f in rows if "T" not in f.asof_key  # "12日当天…累计出院284例": the day, no hour
            ]
    else:  # the newest as-of date's facts only
        rows = figures.newest_rows(metric, region, whole)
    if not rows:
        return None
    best = rows[0]
    same = [f for f in rows if f.asof_key == best.asof_key]
    if len({f.value for f in same}) > 1:  # two figures for one as-of: the whole, not the part ("本地确诊…")
        whole = [f for f in same if not any(w in f.sentence for w in profile.question_subsets)]
        if len({f.value for f in whole}) != 1:
            return None  # reports disagree: quote them, don't choose
        best = whole[0]
    shown = "" if place == gaz.home else region
    text = f"{shown}{_amount(metric, best)}（{asof_phrase(period, best.asof_label)}）"
    sources = [figure_source(snapshot, best, 1.0, profile)]
    notes = []
    if not named:
        stale = stale_note(best.asof_date, best.article_date, figures.newest(region))
        if stale:
            later = _titles(snapshot.articles, figures.reports_after(region, best.article_date))
            if any(_headline_gives(title, metric, region, profile, gaz) for title in later):
                return None  # a later report gives this measure in its headline, where no fact is read: quote
            notes.append(stale)
        prev = figures.first_older(metric, region, best.asof_key, whole)
        if prev is not None:
            sources.append(figure_source(snapshot, prev, 0.9, profile))
            notes.append(f"此前（{asof_phrase(period, prev.asof_label)}）{_amount(metric, prev, short=True)}")
    return Answer(query.original, True, text, sources, "；".join(notes) or None, kind="figure", asof=best.asof_key)


def _titles(articles, ids: list[str]) -> set[str]:
    """The distinct headlines of ``ids`` (one query per batch from a build's table)."""
    if hasattr(articles, "titles"):
        return articles.titles(ids)
    return {articles[i].title for i in ids}


def _headline_gives(title: str, metric: str, region: str, profile: Profile, gaz: Gazetteer) -> bool:
    """A headline about ``region`` (the first place it names) that gives ``metric`` with a number."""
    found = gaz.find(title)
    return bool(found) and gaz.label(found[0][2]) == region and mentions_metric(title, metric, profile)


def mentions_metric(text: str, metric: str, profile: Profile) -> bool:
    """Whether a clause of ``text`` names ``metric`` (its part, thing and qualifier) next to a number: a report
    that gives the measure in words the facts did not bind (a headline) cannot be called silent on it."""
    named = [(q, t, p) for q in profile.qualifiers for t in profile.things for p in ("", *profile.parts)
             if profile.metric(q, t.name, p) == metric]
    if not named:
        return False
    qualifier, thing, part = named[0]
    others = [w for q, words in profile.qualifiers.items() if q != qualifier for w in words]
    for clause in re.split(r"[，,。；;：:！!？?\s]", text):
        if not (re.search(r"\d", clause) and re.search("|".join(thing.report), clause)):
            continue
        if any(w in clause for p, words in profile.parts.items() if p != part for w in words):
            continue  # another part ("累计境外输入10例" is not 累计确诊)
        if part and not any(w in clause for w in profile.parts[part]):
            continue
        if any(w in clause for w in profile.qualifiers[qualifier]) or (
            qualifier == thing.default and not any(w in clause for w in others)
        ):
            return True
    return False


def _amount(metric: str, fig: Figure, short: bool = False) -> str:
    """"新增确诊2例", or "无新增确诊" for a reported zero ("为2例" / "无" with ``short``)."""
    if fig.value == "无":
        return "无" if short else f"无{metric}"
    return f"为{fig.value}{fig.unit}" if short else f"{metric}{fig.value}{fig.unit}"


def superlative_answer(
    query: Query, snapshot: IndexSnapshot, profile: Profile, gaz: Gazetteer, default_year: int
) -> Answer | None:
    """"哪个区确诊最多": the top item of the newest list of that measure for the divisions of the place asked."""
    found = profile.pattern("superlative").search(query.text)
    if not found or not profile.pattern("which").search(query.text):
        return None
    metric, scope = asked_metric(query, profile), asked_place(query, gaz)
    if metric is None or scope is None:
        return None
    named = parse_question_date(query.text, default_year)
    figures = snapshot.figures
    lists: dict[tuple[str, int], list[Figure]] = {}
    for region in figures.regions(metric):  # the divisions of the place asked, then only their facts
        place = gaz.lookup(region, scope)
        if place is None or place == scope or not place.within(scope):
            continue
        for fig in figures.matching(metric, region):
            if not named or fig.asof_date == named:
                lists.setdefault((fig.article_id, fig.start), []).append(fig)
    lists = {k: v for k, v in lists.items() if len(v) >= 2}
    if not lists:
        return None
    items = max(lists.values(), key=lambda v: v[0].rank)
    lowest = found.group() in ("最少", "最低", "最小")
    top = (min if lowest else max)(items, key=lambda f: f.number)
    if sum(f.number == top.number for f in items) > 1:
        return None  # a tie has no single answer: quote the list
    period = profile.is_period(metric)
    text = f"{top.region}（{metric}{top.value}{top.unit}，{asof_phrase(period, top.asof_label)}）"
    return Answer(query.original, True, text, [figure_source(snapshot, top, 1.0, profile)], kind="figure", asof=top.asof_key)
