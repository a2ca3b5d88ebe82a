"""Epidemic figures (确诊/出院/在院治疗… per city and district) extracted verbatim at index time."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from index.articles import Article
from index.asof import resolve_asof
from index.chunker import split_sentences

# canonical metric -> phrase; matched left to right, so the longer phrases come first
METRIC_PHRASES = [
    ("新增确诊", r"新增(?:新冠肺炎|新型冠状病毒肺炎)?确诊(?:病例|患者|人数)?"),
    ("新增重症", r"新增重症(?:病例|患者)?"),
    ("新增死亡", r"新增死亡(?:病例|患者|人数)?"),
    ("新增出院", r"新增(?:治愈)?出院(?:病例|患者|人数)?"),
    ("治愈出院率", r"治愈出院率"),
    ("治愈率", r"治愈率"),
    ("解除医学观察", r"解除(?:了)?医学观察(?:人员|的密切接触者)?"),
    ("医学观察", r"(?:正在)?接受医学观察|医学观察(?:人员|的密切接触者)?"),
    ("在院治疗", r"在院治疗|住院治疗"),
    ("现有确诊", r"现有确诊(?:病例|患者)?|现存确诊(?:病例|患者)?"),
    ("危重症", r"危重症(?:病例|患者)?|危重(?:病例|患者)"),
    ("重症", r"重症(?:病例|患者)?"),
    ("死亡", r"死亡(?:病例|患者|人数)?"),
    ("累计出院", r"(?:累计)?(?:治愈)?出院(?:病例|患者|人数)?"),
    ("累计确诊", r"(?:累计)?确诊(?:病例|患者|人数)?"),
]
METRIC = re.compile("|".join(f"(?P<m{i}>{phrase})" for i, (_, phrase) in enumerate(METRIC_PHRASES)))
RATES = {"治愈率", "治愈出院率"}
METRIC_ORDER = [
    "累计确诊", "新增确诊", "现有确诊", "在院治疗", "累计出院", "新增出院", "治愈率", "治愈出院率",
    "重症", "新增重症", "危重症", "死亡", "新增死亡", "医学观察", "解除医学观察",
]
HOME = "株洲"
DISTRICTS = ["荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "云龙示范区", "醴陵市", "攸县", "茶陵县", "炎陵县"]
ALIASES = {"株洲县": "渌口区", "云龙区": "云龙示范区"}
ELSEWHERE = {"全省": "湖南省", "湖南省": "湖南省", "全国": "全国", "湖北省": "湖北省", "武汉市": "武汉市", "长沙市": "长沙市"}
HOME_WORDS = ["我市", "全市", "本市", "株洲市"]
PLACE = re.compile(
    "|".join(sorted(DISTRICTS + list(ALIASES) + list(ELSEWHERE) + HOME_WORDS, key=len, reverse=True))
    + r"|株洲(?!日报)"
)
# a number as printed, with its unit: "78例", "58.9%", "1419人", "1,419人"; not "1171.73万人次", "44880人份"
NUMBER = re.compile(r"(?<![\d.,])(?P<v>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<u>例|人|名|%|％)(?![次份数口])")
# what may stand between a metric and its number ("治愈率已达58.9%") or a number and its metric
GAP_BEFORE = re.compile(r"(?:为|是|有|达|达到|已达|已达到|增至|增加至|增加到|升至|上升至|降至|减至|共|共计|总计|仍|已|了|:|：|\s)*")
GAP_AFTER = re.compile(r"(?:正在|仍在|已经|已|均|全部)*")
ITEM_GAP = re.compile(r"(?:共有|有|为|共|:|：|\s)?")  # "荷塘区有21例", "茶陵县11例"
TOPIC = re.compile(r"新冠|肺炎|冠状病毒|确诊|病例|出院|医学观察|治愈|重症|在院治疗|患者")
DATELINE = re.compile(r"^\s*\S{0,12}讯")
AUTHOR = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


@dataclass(frozen=True)
class Figure:
    """One number of the epidemic report, with the verbatim sentence ``article.text[start:end]``."""

    metric: str
    region: str
    value: str  # exactly as printed: "78", "58.9"
    number: float
    unit: str  # 例 / 人 / 名 / %
    asof_key: str
    asof_label: str
    asof_date: str
    sentence: str
    article_id: str
    start: int
    end: int
    article_date: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def _metric_name(found: re.Match) -> str:
    return METRIC_PHRASES[int(found.lastgroup[1:])][0]


def _place(word: str, home: bool = True) -> str | None:
    """The region a place word names; 我市/全市/本市 are 株洲 only in a 株洲 paper's article."""
    if word in ("株洲", "株洲市"):
        return HOME
    if word in HOME_WORDS:
        return HOME if home else None
    return ALIASES.get(word) or ELSEWHERE.get(word) or word


def is_home(article: Article) -> bool:
    """Is the article a 株洲 report (so "我市" and unnamed places mean 株洲)? Its paper, headline or
    dateline ("株洲日报讯") says so."""
    return HOME in (article.paper or "") or HOME in article.title or article.text.lstrip().startswith(HOME)


def is_commentary(article: Article) -> bool:
    """An opinion piece: no "株洲日报讯"-style dateline and a bare author name as byline."""
    return not DATELINE.match(article.text) and bool(AUTHOR.match(article.byline.strip()))


def _sentence_figures(text: str, a: int, b: int, home: bool = True) -> list[tuple[str, str, re.Match, int]]:
    """(metric, region, number match, offset in sentence) for each figure of ``text[a:b]``."""
    sentence = text[a:b]
    metrics = list(METRIC.finditer(sentence))
    places = list(PLACE.finditer(sentence))
    items = {p.start(): p for p in places if NUMBER.match(sentence, ITEM_GAP.match(sentence, p.end()).end())}
    out = []
    for num in NUMBER.finditer(sentence):
        metric = region = None
        before = [m for m in metrics if m.end() <= num.start()]
        if before and GAP_BEFORE.fullmatch(sentence, before[-1].end(), num.start()):
            metric = _metric_name(before[-1])  # "确诊病例78例", "治愈率已达58.9%"
        else:
            after = METRIC.match(sentence, GAP_AFTER.match(sentence, num.end()).end())
            if after is not None:
                metric = _metric_name(after)  # "仍有45例在院治疗"
        if metric is None:  # "其中荷塘区有21例": a list item inherits the metric named before it
            item = [p for p in items.values() if ITEM_GAP.fullmatch(sentence, p.end(), num.start())]
            if item and before:
                metric, region = _metric_name(before[-1]), _place(item[0].group(), home)
        if metric is None or (metric in RATES) != (num.group("u") in "%％"):
            continue
        if region is None:  # the subject: the last place named before that is not a list item
            subjects = [p for p in places if p.end() <= num.start() and p.start() not in items]
            region = _place(subjects[-1].group(), home) if subjects else (HOME if home else None)
        if region is None:  # "全球累计确诊…" in a national news item is no 株洲 figure
            continue
        out.append((metric, region, num, num.start()))
    return out


def extract_figures(article: Article, include_commentary: bool = False) -> list[Figure]:
    """The epidemic figures of ``article``; opinion pieces are skipped unless ``include_commentary``."""
    if not include_commentary and is_commentary(article):
        return []
    text = article.text
    home = is_home(article)
    figures: list[Figure] = []
    seen: set[tuple[str, str, str, str]] = set()
    previous: list[tuple[int, int]] = []  # earlier sentences of the current paragraph
    for a, b in split_sentences(text):
        if previous and "\n" in text[previous[-1][1]:a]:
            previous = []
        sentence = text[a:b]
        if TOPIC.search(sentence):
            context = "\n".join(text[x:y] for x, y in reversed(previous))
            for metric, region, num, offset in _sentence_figures(text, a, b, home):
                asof = resolve_asof(sentence, article.date, context, position=offset)
                if asof is None:
                    continue
                value = num.group("v")
                key = (metric, region, asof.key, value)
                if key in seen:  # "攸县的7例确诊病例" repeats the list's "攸县7例"
                    continue
                seen.add(key)
                figures.append(
                    Figure(
                        metric=metric, region=region, value=value, number=float(value.replace(",", "")),
                        unit="%" if num.group("u") == "％" else num.group("u"), asof_key=asof.key,
                        asof_label=asof.label, asof_date=asof.date, sentence=sentence, article_id=article.id,
                        start=a, end=b, article_date=article.date,
                    )
                )
        previous.append((a, b))
    return figures


def _format_change(new: Figure, old: Figure) -> tuple[float | int, str]:
    decimals = max(len(v.partition(".")[2]) for v in (new.value, old.value))
    diff = round(new.number - old.number, decimals)
    if decimals == 0:
        diff = int(diff)
    shown = f"{abs(diff):.{decimals}f}"
    if diff == 0:
        return diff, "持平"
    unit = "个百分点" if new.unit == "%" else new.unit
    return diff, f"{'增加' if diff > 0 else '减少'}{shown}{unit}"


def _sort_key(row: dict) -> tuple:
    region, metric = row["region"], row["metric"]
    place = (0, 0) if region == HOME else (1, DISTRICTS.index(region)) if region in DISTRICTS else (2, region)
    rank = METRIC_ORDER.index(metric) if metric in METRIC_ORDER else len(METRIC_ORDER)
    return place, rank, metric


def latest_figures(figures: Iterable[Figure]) -> list[dict]:
    """The newest figure per (metric, region) as a dict, with ``previous`` (the next older as-of),
    ``change`` (number difference, e.g. -7), ``change_label`` ("减少7例") and ``history`` (one
    entry per as-of, newest first). Ties on as-of go to the later article."""
    groups: dict[tuple[str, str], list[Figure]] = {}
    for figure in figures:
        groups.setdefault((figure.metric, figure.region), []).append(figure)
    rows = []
    for group in groups.values():
        group.sort(key=lambda f: (f.asof_key, f.article_date or ""), reverse=True)
        distinct: list[Figure] = []
        for figure in group:
            if not distinct or figure.asof_key != distinct[-1].asof_key:
                distinct.append(figure)
        newest = distinct[0]
        previous = distinct[1] if len(distinct) > 1 else None
        change, label = _format_change(newest, previous) if previous else (None, None)
        row = newest.to_json()
        row.update(
            previous=previous.to_json() if previous else None, change=change, change_label=label,
            history=[
                {"value": f.value, "unit": f.unit, "asof_key": f.asof_key, "asof_label": f.asof_label,
                 "article_id": f.article_id}
                for f in distinct
            ],
        )
        rows.append(row)
    return sorted(rows, key=_sort_key)
