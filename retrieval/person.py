"""Who-questions: the person a report names right after the role the question asks about (中车电动总工程师是谁 →
中车电动总工程师汪伟) or right before the deed it asks the doer of (市委常委会是谁主持的 → 毛腾飞主持会议), bound to the
question's other words; anything less is passages without a bold."""

from __future__ import annotations

import re
from collections.abc import Callable

from news.text import pos_tags
from retrieval.compose import Candidate
from retrieval.normalize import Query
from retrieval.question import coverage, keywords

# "X是谁", "X为谁", "X是哪位": the role is the word before; "哪位X", "哪个X": the word after
ROLE_BEFORE = re.compile(r"(?:是|为)(?:谁|哪一?位)")
ROLE_AFTER = re.compile(r"哪一?位|哪个")
LEAD = re.compile(r"谁是[^？?，,。]+?(?=[？?。]?$)")  # 谁是中车电动的总工程师: the role is the question's last word
HAN = re.compile(r"[\u4e00-\u9fff]+")
PERSON = ("nr", "nrfg", "nrt")  # jieba's tags of a person's name
DOTS = "·・"  # between the parts of a transliterated name
NOT_NAMES = re.compile(r"[一二两三四五六七八九十几数众多诸各][人位名个]")  # 二人 (jieba may tag it a name): how many, not who
OTHER_WORDS = "vpucxdmr"  # jieba's verbs, prepositions, particles, conjunctions, punctuation, adverbs, numerals, pronouns
NOT_ROLES = frozenset("人 人物 名字 姓名 主角 对象 代表 成员 人士 之一".split())  # ask who, but name no role
SENTENCES = 6  # best candidate sentences searched for the role
PERSON_COVERAGE = 0.75  # share of the question's other words the sentence (its headline and the text before) holds


def asked_role(query: Query) -> str | None:
    """The role a who-question asks the holder of (总工程师 of 中车电动总工程师是谁 or 谁是中车电动的总工程师, 副市长 of
    哪个副市长参加了调度):
    a noun of two or more characters next to the question word, with the prefix that qualifies it (副, 总); None
    for any other question."""
    if query.english:
        return None
    text = query.split or query.text  # 株洲 市长是谁: jieba reads 株洲市 长是 in the text
    tags = pos_tags(text)
    before = ROLE_BEFORE.search(text)
    after = None if before else ROLE_AFTER.search(text)
    lead = None if before or after else LEAD.match(text)
    if lead:  # 谁是中车电动的总工程师: the last word
        i = next((i for i, (_, b, _) in enumerate(tags) if b == lead.end()), None)
    elif before:
        i = next((i for i, (_, b, _) in enumerate(tags) if b == before.start()), None)
    else:
        i = next((i for i, (a, _, _) in enumerate(tags) if a == after.end()), None) if after else None
        while i is not None and i + 1 < len(tags) and tags[i][2] == "b":  # 副 of 哪位副市长
            i += 1
    if i is None:
        return None
    a, b, flag = tags[i]
    if b - a < 2 or not flag.startswith("n") or flag in PERSON or flag.startswith("ns") or text[a:b] in NOT_ROLES:
        return None
    while i > 0 and tags[i - 1][2] == "b":  # 副市长: jieba's 副 and 市长
        i -= 1
    return text[tags[i][0] : b]


def person_after(text: str, role: str) -> list[tuple[int, int]]:
    """Where ``text`` names a person right after ``role`` (总工程师汪伟, 剧作家亨利·易卜生, 市长阳卫国): the name's
    spans. The role must begin and end where jieba's words do and have no prefix of its own (市长 of 副市长杨胜跃
    is another role); a one-character surname and the one or two characters after it are a name (阳 卫国)."""
    found, tags = [], pos_tags(text)
    starts = {a: i for i, (a, _, _) in enumerate(tags)}
    at = text.find(role)
    while at >= 0:
        i = starts.get(at)
        end_i = next((j for j in range(i, len(tags)) if tags[j][1] == at + len(role)), None) if i is not None else None
        if end_i is not None and (i == 0 or tags[i - 1][2] != "b"):
            j = end_i + 1
            while j < len(tags) and text[tags[j][0] : tags[j][1]] == "、":  # 市委副书记、市长阳卫国: one person's roles
                k = j + 1
                while k < len(tags) and tags[k][2][:1] in "nb" and tags[k][2] not in PERSON and k - j <= 4:
                    k += 1
                if k == j + 1 or k >= len(tags) or tags[k][2] not in PERSON:
                    break
                j = k
            if j < len(tags) and text[tags[j][0] : tags[j][1]] in ("为", "是"):  # 设计师为安东尼·巴卢奇
                j += 1
            start = end = tags[j - 1][1]
            rest = tags[j:]
            part = 0  # characters of the part after a transliterated name's dot so far (巴卢 奇 of 安东尼·巴卢奇)
            for k, (c, d, flag) in enumerate(rest):
                piece = text[c:d]
                if end > start and piece in DOTS:
                    end, part = d, 0
                elif flag in PERSON:
                    end, part = d, part + (d - c if part or text[c - 1] in DOTS else 0)
                elif HAN.fullmatch(piece) and (text[c - 1] in DOTS or 0 < part < 5) and flag[:1] not in OTHER_WORDS:
                    end, part = d, part + d - c
                elif k == 1 and end - start == 1 and d - c <= 2 and flag[:1] not in OTHER_WORDS:
                    end = d  # a one-character surname and its given name: 阳 卫国
                    break
                else:
                    break
            if end - start >= 2 and text[end - 1] not in DOTS and not NOT_NAMES.fullmatch(text[start:end]):
                found.append((start, end))
        at = text.find(role, at + 1)
    return found


def asked_verb(query: Query) -> str | None:
    """What a who-question asks the doer of (主持 of 市委常委会是谁主持的, 陪 of 谁陪阳卫国去醴陵): the verb right after
    谁; None for 谁的 (whose), 被谁 (by whom: the name stands elsewhere) and any other question."""
    if query.english or "被谁" in query.text:
        return None
    text = query.split or query.text  # 株洲 市长是谁: jieba reads 株洲市 长是 in the text
    tags = pos_tags(text)
    i = next((i for i, (a, b, _) in enumerate(tags) if text[a:b] == "谁"), None)
    if i is None or i + 1 >= len(tags):
        return None
    a, b, flag = tags[i + 1]
    verb = text[a:b]
    if not flag.startswith("v") or verb in ("是", "有", "在", "为"):
        return None
    return verb


def person_before(text: str, verb: str) -> list[tuple[int, int]]:
    """Where ``text`` names a person right before ``verb`` (毛腾飞主持召开会议, 由陈立主持, 市长阳卫国主持会议): the
    name's spans. The verb must begin where one of jieba's words does (主持 of 主持会议)."""
    found, tags = [], pos_tags(text)
    ends = {b: i for i, (_, b, _) in enumerate(tags)}
    starts = {a for a, _, _ in tags}
    at = text.find(verb)
    while at >= 0:
        i = ends.get(at)
        if at in starts and i is not None:
            a, b, flag = tags[i]
            start = None
            if flag in PERSON:
                start = a
                while i > 0 and (tags[i - 1][2] in PERSON or text[tags[i - 1][0] : tags[i - 1][1]] in DOTS
                                 or (text[tags[i - 1][1] - 1 : tags[i - 1][1]] in DOTS)):
                    i -= 1  # 毛 腾飞, 安东尼 · 巴卢奇
                    start = tags[i][0]
            elif b - a <= 2 and HAN.fullmatch(text[a:b]) and flag[:1] not in OTHER_WORDS and i > 0:
                c, d, before = tags[i - 1]
                if before in PERSON and d - c == 1:
                    start = c  # a one-character surname and its given name: 阳 卫国
            if start is not None and at - start >= 2 and text[start] not in DOTS and not NOT_NAMES.fullmatch(text[start:at]):
                found.append((start, at))
        at = text.find(verb, at + 1)
    return found


def person_answer(query: Query, ranked: list[Candidate], context: Callable[[Candidate], str]
                  ) -> tuple[Candidate, tuple[int, int]] | None:
    """The sentence and the name's span that answer a who-question, or None (no role nor deed asked, nobody, or
    two people): the best sentences that name a person right after the asked role (or right before the asked
    verb) and hold (with ``context(cand)``: the headline and the text before) nearly all of the question's other
    words."""
    role = asked_role(query)
    asked = role or asked_verb(query)
    if not asked:
        return None
    words = {w: v for w, v in keywords(query).items() if w not in asked and asked not in w}
    found: list[tuple[float, Candidate, tuple[int, int]]] = []
    for cand in [c for c in ranked if c.own > 0 and c.start >= 0][:SENTENCES]:
        spans = person_after(cand.match, role) if role else person_before(cand.match, asked)
        if not spans:
            continue
        held = coverage(words, f"{context(cand)}\n{cand.match}") if words else 1.0
        if held >= PERSON_COVERAGE:
            found.extend((held, cand, span) for span in spans)
    names = {c.match[a:b] for _, c, (a, b) in found}
    if len(names) != 1:
        return None  # no one, or two people: the passages say it, no bold
    _, cand, span = max(found, key=lambda t: t[0])
    if cand.match[span[0] : span[1]] in query.text:
        return None  # the question already names them
    return cand, span
