"""What Telegram's HTML parse mode accepts: the check both Bot API test servers apply to a bot's texts."""

from __future__ import annotations

import html
import re

MAX_MESSAGE_LENGTH = 4096
# Tags Telegram's HTML parse mode accepts (anything else: "Unsupported start tag").
HTML_TAGS = {
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "tg-emoji", "tg-time", "code", "pre", "blockquote",
}  # fmt: skip
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)>")


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets/lengths and message length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def check_telegram_html(text: str) -> str | None:
    """None if Telegram would accept ``text`` with parse_mode=HTML, else its kind of error."""
    stack: list[str] = []
    visible: list[str] = []
    pos = 0
    while True:
        lt = text.find("<", pos)
        if lt < 0:
            visible.append(text[pos:])
            break
        visible.append(text[pos:lt])
        match = _TAG_RE.match(text, lt)
        byte_offset = len(text[:lt].encode("utf-8"))
        if not match:
            return f'can\'t parse entities: Unsupported start tag "" at byte offset {byte_offset}'
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in HTML_TAGS:
            kind = "end" if closing else "start"
            return f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {byte_offset}'
        if closing:
            if not stack:
                return f"can't parse entities: Unexpected end tag at byte offset {byte_offset}"
            if stack[-1] != name:
                return (
                    f"can't parse entities: Unmatched end tag at byte offset {byte_offset}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
        else:
            if name == "span" and "tg-spoiler" not in attrs:
                return 'can\'t parse entities: Tag "span" must have class "tg-spoiler"'
            stack.append(name)
        pos = match.end()
    if stack:
        return f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\""
    plain = html.unescape("".join(visible))
    if not plain.strip():
        return "message text is empty"
    if utf16_len(plain) > MAX_MESSAGE_LENGTH:
        return "message is too long"
    return None

