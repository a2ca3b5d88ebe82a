"""A chat's conversation state: the last question's context per user (for "那出院呢") and per answer (for replies)."""

from __future__ import annotations

import time
from typing import Any

from telegram import Message

KEY = "followup"  # chat_data[KEY]: {user id: (time, context)}
ANSWERS = "answered"  # chat_data[ANSWERS]: {bot message id: context}, the newest REPLIES answers
SAID = "coverage_said"  # chat_data[SAID]: truthy once this chat was told what the corpus covers (its first decline)
REPLIES = 200  # answers of a chat whose context a reply to them can still use


def previous(chat_data: dict | None, message: Message, bot_id: int, minutes: float) -> Any:
    """The context a question continues: that of the bot's answer it replies to (also in groups), else the
    asker's last question in this chat, if asked within ``minutes``; ``None`` for none."""
    if chat_data is None:
        return None
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        found = chat_data.get(ANSWERS, {}).get(replied.message_id)
        if found is not None:
            return found
    user = message.from_user.id if message.from_user else 0
    asked, context = chat_data.get(KEY, {}).get(user, (0.0, None))
    return context if time.time() - asked < minutes * 60 else None


def remember(chat_data: dict | None, message: Message, context: Any, sent: list[Message]) -> None:
    """Keep ``context`` as the asker's last question in this chat and as that of the answer's messages."""
    if chat_data is None or context is None:
        return
    user = message.from_user.id if message.from_user else 0
    chat_data.setdefault(KEY, {})[user] = (time.time(), context)
    answers = chat_data.setdefault(ANSWERS, {})
    for reply in sent:
        answers[reply.message_id] = context
    for old in list(answers)[: max(0, len(answers) - REPLIES)]:
        del answers[old]


def forget(chat_data: dict | None, user_id: int | None) -> None:
    """/start: the asker starts afresh in this chat."""
    if chat_data is not None:
        chat_data.get(KEY, {}).pop(user_id or 0, None)


def coverage_said(chat_data: dict | None, parts) -> bool:
    """Whether this chat was told what the corpus covers before (to leave it out now); notes it when a part
    declines (a decline says it)."""
    if chat_data is None:
        return False
    said = bool(chat_data.get(SAID))
    if any(not answer.answered for _, answer in parts):
        chat_data[SAID] = True
    return said
