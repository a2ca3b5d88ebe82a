"""Telegram specifics of a reply: messages of at most 4096 characters, the answer's inline keyboard."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from retrieval.render import DISTRICTS_BUTTON, MORE_SOURCES_LABEL

LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
FULL_ARTICLE = "查看全文"
TRUNCATED = "\n……（全文过长，已截断）"


@dataclass(frozen=True)
class MoreSourcesButton:
    """Callback data of "更多来源": the question again (PTB keeps it; Telegram sees a short id)."""

    question: str


@dataclass(frozen=True)
class ArticleButton:
    """Callback data of "查看全文": the article to send whole."""

    article_id: str


@dataclass(frozen=True)
class DistrictsButton:
    """Callback data of /latest's button in a group chat: send the districts' figures."""


def districts_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(DISTRICTS_BUTTON, callback_data=DistrictsButton())]])


def answer_keyboard(question: str, article_id: str) -> InlineKeyboardMarkup:
    """更多来源 / 查看全文 under an answer (needs the bot built with ``arbitrary_callback_data``)."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(MORE_SOURCES_LABEL, callback_data=MoreSourcesButton(question)),
        InlineKeyboardButton(FULL_ARTICLE, callback_data=ArticleButton(article_id)),
    ]])


def split_blocks(blocks: list[str], limit: int = LIMIT) -> list[str]:
    """Join blocks into messages of at most ``limit`` characters, breaking only between blocks.

    A single block longer than the limit is cut at line breaks (or hard, as a last resort) after
    being closed: it must then be plain text without tags, which is what long article bodies are.
    """
    pieces = [p for block in blocks for p in ([block] if len(block) <= limit else _cut_plain(block, limit))]
    return _pack(pieces, limit, "\n\n")


def first_messages(blocks: list[str], max_messages: int = 5) -> list[str]:
    """At most ``max_messages`` messages of ``blocks`` (a whole article), the last saying it was cut."""
    messages = split_blocks(blocks)
    if len(messages) > max_messages:  # split again leaving room for the note, so the last stays in the limit
        messages = split_blocks(blocks, LIMIT - len(TRUNCATED))[:max_messages]
        messages[-1] += TRUNCATED
    return messages


def _pack(pieces: list[str], limit: int, sep: str) -> list[str]:
    """Greedily join pieces (each at most ``limit`` long) with ``sep`` into chunks of at most ``limit``."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = piece
    if current:
        out.append(current)
    return out


def _cut_plain(text: str, limit: int) -> list[str]:
    lines = [line[i : i + limit] for line in text.split("\n") for i in range(0, max(len(line), 1), limit)]
    return _pack(lines, limit, "\n")
