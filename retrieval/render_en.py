"""The renderer's English wording: an English question gets English labels and words (the quotes stay Chinese)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.profile import Profile
    from retrieval.answer import Decline
    from retrieval.render import AnswerParts

QUALIFIERS = {"累计": "total", "新增": "new", "现有": "current"}
THINGS = {"确诊": "confirmed cases", "出院": "discharged", "死亡": "deaths", "重症": "severe cases",
          "危重症": "critical cases", "在院治疗": "in hospital", "疑似": "suspected cases", "疑似病例": "suspected cases",
          "医学观察": "under medical observation", "解除医学观察": "released from medical observation",
          "治愈率": "cure rate", "治愈出院率": "discharge rate"}
PARTS = {"境外输入": "imported", "无症状": "asymptomatic", "临床诊断": "clinically diagnosed"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DATE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日")
WORDS = [  # as-of and history words, longest first
    (re.compile(r"0—24时"), ""), (re.compile(r"(\d{1,2})—(\d{1,2})时"), r"\1:00–\2:00"),
    (re.compile(r"(\d{1,2})时"), r"\1:00"), (re.compile("截至"), "as of "), (re.compile("下午"), " afternoon"),
    (re.compile("上午"), " morning"), (re.compile("报道"), " (report)"), (re.compile("此前"), "before: "),
    (re.compile(r"为(\d)"), r" \1"), (re.compile("；"), "; "), (re.compile("（"), "("), (re.compile("）"), ")"),
    (re.compile(r"(\d)[例人名]"), r"\1"),
]
LATEST = ", or send /latest for the newest figures."  # after the questions to try, in the bot
LEADS = {
    "没有能直接给出的答案，以下是最相关的原文：": "No direct answer can be given; the most relevant passages:",
    "可以试试：": "Try: ",
}
REASONS = {  # declines (retrieval.answer.Reason) said in English; {subject} is the Decline's
    "empty": "the question is empty",
    "chitchat": "this is not a question. Ask about the news, e.g. “{subject}”",
    "not_covered": "the reports have nothing on {subject}",
    "no_figures": "the reports have no epidemic figures for {subject}",
    "live": "this is a news archive, with no live weather or traffic",
    "other_year": "there are only reports from {subject}",
    "not_found": "no report on this was found",
    "place_unanswered": "the reports do not answer this question about {subject}",
}


def _metrics(profile: Profile) -> list[tuple[str, str]]:
    """Every shown metric name and its English, longest first: 累计境外输入确诊 → total imported confirmed cases."""
    named = {}
    for thing in profile.things:
        for qualifier in ("", *profile.qualifiers):
            for part in ("", *profile.parts):
                words = [QUALIFIERS.get(qualifier, ""), PARTS.get(part, ""), THINGS.get(thing.name, thing.name)]
                named.setdefault(profile.metric(qualifier, thing.name, part), " ".join(w for w in words if w))
    return sorted(named.items(), key=lambda kv: -len(kv[0]))


def _when(text: str) -> str:
    """"截至2020年2月19日24时" → "as of 24:00, 19 Feb 2020"."""
    def day(found: re.Match) -> str:
        year = f" {found.group(1)}" if found.group(1) else ""
        return f"{int(found.group(3))} {MONTHS[int(found.group(2)) - 1]}{year} "

    text = DATE.sub(day, text)
    for pattern, words in WORDS:
        text = pattern.sub(words, text)
    return " ".join(text.split())


def figure(text: str, profile: Profile) -> str:
    """A figure answer ("醴陵市累计出院5例（截至2020年2月16日24时）") in English: "醴陵市 total discharged: 5 (as of
    16 Feb 2020 24:00)"; the place stays as the reports write it, the home city by its English name."""
    english = {zh: en for en, zh in profile.english.items()}
    for metric, words in _metrics(profile):
        found = re.match(rf"(?P<where>.*?){re.escape(metric)}(?P<value>[\d.]+|无)(?P<unit>[^（\d]*)(?:（(?P<when>.*)）)?$",
                         text)
        if found:
            where = found.group("where") or profile.home_label
            where = english.get(where, where).title() if where in english else where
            value = "none" if found.group("value") == "无" else found.group("value") + ("%" if "%" in found.group("unit") else "")
            when = f" ({_when(found.group('when'))})" if found.group("when") else ""
            return f"{where} {words}: {value}{when}"
    return text


def translate(parts: AnswerParts, profile: Profile, decline: Decline | None = None) -> AnswerParts:
    """The reply's own words in English; quotes and citations stay as printed. ``decline``: why the question
    was declined, if it was (what the archive covers is left out: it is said in Chinese)."""
    lead = LEADS.get(parts.lead, parts.lead)
    if parts.strong:
        lead = figure(parts.lead, profile)
    elif decline is not None:
        lead = f"Sorry: {REASONS[decline.reason].format(subject=decline.subject)}."
    hint = parts.hint
    if hint:
        hint = "Try: " + " / ".join(e for e in profile.examples if e.isascii()) if any(
            e.isascii() for e in profile.examples) else hint
    return replace(parts, lead=lead, note=_when(parts.note) if parts.note else None, hint=hint)
