"""Small talk: greetings, thanks, goodbyes and emoji-only messages are not questions; which kind a message is."""

from __future__ import annotations

import re
import unicodedata

from config.profile import Profile

THANKS = re.compile(r"谢|感谢|thank|thx", re.I)
BYE = re.compile(r"再见|拜拜|晚安|\bbye\b", re.I)
ENGLISH = re.compile(r"[a-z]", re.I)
ADDRESSED = re.compile(r"(?:你们|你|您|大家|了|啦|\s+(?:so much|a lot|very much|bot))+(?=[\s!！。.~～？?啊呀呢吧哈]*$)", re.I)


def small_talk(text: str, profile: Profile) -> str | None:
    """"thanks", "bye", "greeting" (你好, 好的, ok …: the profile's chitchat words), "emoji" (a message of
    symbols only: 😷, 👍); ``None`` for anything else (a question). Suffixed "_en" when written in English."""
    text = text.strip()
    if not text:
        return None
    if all(unicodedata.category(ch)[0] in "SPZC" or ch in "\u200d\ufe0f" for ch in text):
        return "emoji"
    if not profile.is_chitchat(ADDRESSED.sub("", text)):  # 谢谢你啊, thanks a lot
        return None
    kind = "thanks" if THANKS.search(text) else "bye" if BYE.search(text) else "greeting"
    return f"{kind}_en" if ENGLISH.search(text) else kind
