"""Question normalisation: simplified Chinese, half-width, Arabic numerals, this paper's vocabulary."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from index.lexical import to_simplified

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=[月日号例人天家个名岁%])")
# the paper says 我市 / 全市 / 本市 for 株洲; a question about 株洲 must find them
CITY_ALIASES = ("株洲市", "株洲")
CITY_EXPANSION = "我市 全市 株洲"
# English questions: the multilingual model understands them; these terms also feed BM25 and the
# figure matcher (keys are matched as lower-case words).
GLOSSARY = {
    "zhuzhou": "株洲", "confirmed": "确诊", "cases": "病例", "case": "病例", "cumulative": "累计",
    "total": "累计", "new": "新增", "discharged": "出院", "recovered": "治愈出院", "cured": "治愈",
    "deaths": "死亡", "died": "死亡", "death": "死亡", "severe": "重症", "critical": "危重症",
    "hospital": "在院治疗", "hospitalized": "在院治疗", "observation": "医学观察", "quarantine": "隔离",
    "isolation": "隔离", "recovery rate": "治愈率", "cure rate": "治愈率", "passengers": "客运量",
    "spring festival": "春运", "resume": "复工复产", "resumed": "复工复产", "enterprises": "企业",
    "companies": "企业", "masks": "口罩", "donated": "捐赠", "loan": "贷款", "district": "区",
    "how many": "多少", "how much": "多少", "what is the": "多少", "what was the": "多少", "when": "什么时候", "today": "今天",
}
OTHER_PLACES = (
    "北京 上海 天津 重庆 广州 深圳 杭州 南京 成都 西安 郑州 济南 青岛 沈阳 大连 哈尔滨 长春 福州 厦门 "
    "南昌 合肥 昆明 贵阳 南宁 海口 兰州 银川 西宁 乌鲁木齐 拉萨 呼和浩特 太原 石家庄 长沙 湘潭 衡阳 岳阳 "
    "常德 益阳 娄底 邵阳 永州 郴州 怀化 张家界 香港 澳门 台湾 台北 日本 美国 韩国 英国 法国 德国 纽约 伦敦 东京 "
    "武汉 湖北 广东 浙江 江西 河南 四川 全国 全省 湖南省"
).split()


@dataclass(frozen=True)
class Query:
    """A question as the engine sees it."""

    original: str
    text: str  # simplified, half-width, Arabic numerals
    lexical: str  # ``text`` plus vocabulary expansions, for BM25
    english: bool


def chinese_to_int(text: str) -> int | None:
    """"七十八" → 78, "十九" → 19, "二〇二〇" → 2020; None if it is not a plain numeral."""
    if all(ch in CN_DIGITS for ch in text):
        return int("".join(str(CN_DIGITS[ch]) for ch in text)) if len(text) > 1 else CN_DIGITS[text]
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if unit == 10000:
                total += (section + digit) * unit
                section, digit = 0, 0
            else:
                section += (digit or 1) * unit
                digit = 0
        else:
            return None
    return total + section + digit


def arabic_numerals(text: str) -> str:
    """Chinese numerals before a counter or date word become digits: "二月十九日" → "2月19日"."""
    def repl(found: re.Match) -> str:
        value = chinese_to_int(found.group(0))
        return str(value) if value is not None else found.group(0)

    return CN_NUMBER.sub(repl, text)


def strip_invisible(text: str) -> str:
    """Drop control and zero-width characters (keeping ordinary white space)."""
    return "".join(ch for ch in text if ch in "\n\t " or unicodedata.category(ch) not in ("Cc", "Cf"))


def normalize(question: str) -> Query:
    """Normalise a user's question (traditional or simplified Chinese, or English)."""
    text = arabic_numerals(to_simplified(strip_invisible(question).strip()))
    text = re.sub(r"\s+", " ", text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    english = latin > 2 * han
    extra = []
    if english:
        lowered = text.lower()
        extra = [zh for en, zh in GLOSSARY.items() if re.search(rf"\b{re.escape(en)}\b", lowered)]
    lexical = " ".join([text, *extra])
    if any(alias in lexical for alias in CITY_ALIASES):
        lexical = f"{lexical} {CITY_EXPANSION}"
    return Query(original=question, text=text, lexical=lexical, english=english)


def named_places(query: Query) -> list[str]:
    """Places other than 株洲 (and its districts) that the question names."""
    return [place for place in OTHER_PLACES if place in query.lexical]
