"""EmulatorRequest: PTB's HTTPXRequest made to digest telegram-test-api 4.2.1, recording every Bot API call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from telegram.request import HTTPXRequest, RequestData

from bench.botapi.telegram_html import MAX_MESSAGE_LENGTH, check_telegram_html, utf16_len
from tests.e2e.emulator.common import (
    BOT_FIRST_NAME,
    BOT_USERNAME,
    BotCall,
    EmulatorState,
    inline_markup,
    maybe_json,
    seconds,
)

# Answered locally with `true`: the emulator has no route for them (HTTP 500).
_LOCAL_TRUE = {
    "sendchataction",
    "setmycommands",
    "deletemycommands",
    "setmydescription",
    "setmyshortdescription",
    "setmyname",
    "setchatmenubutton",
}
# The emulator answers `result: null` where Telegram answers `true`.
_NULL_IS_TRUE = {"answercallbackquery", "deletemessage", "setwebhook", "deletewebhook"}


def _ok(result: Any) -> tuple[int, bytes]:
    return 200, json.dumps({"ok": True, "result": result}).encode()


def _bad_request(description: str) -> tuple[int, bytes]:
    body = {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}
    return 400, json.dumps(body, ensure_ascii=False).encode()


class EmulatorRequest(HTTPXRequest):
    """``HTTPXRequest`` for telegram-test-api 4.2.1, fixing what PTB 22.8 cannot digest.

    1. getMe lacks ``is_bot`` -> added (with first_name/username when missing).
    2. sent/edited messages carry ``date`` in milliseconds, ``chat.type`` always "private", the raw
       request fields (JSON strings) and no ``from`` -> rebuilt as a proper Message (date in
       seconds, the real chat as seen in updates, the bot as sender, JSON fields parsed).
       editMessageText/ReplyMarkup answer ``null`` -> the edited Message; a missing message or an
       unchanged one gives Telegram's 400 errors; editMessageText without reply_markup removes the
       inline keyboard, as Telegram does.
    3. sendChatAction, setMyCommands (and deleteMyCommands, setMyDescription, setMyShortDescription,
       setMyName, setChatMenuButton) have no route (HTTP 500) -> answered ``true`` locally and
       recorded; getMyCommands answers the commands last set. getFile -> 400 (no files here).
       Any other unsupported method -> 400 "telegram-test-api does not support X" (PTB raises
       BadRequest instead of a retried NetworkError).
    4. callback queries lack ``chat_instance`` -> a placeholder is added in getUpdates.
    5. getUpdates ignores ``timeout`` and answers at once -> an empty answer is delayed by
       ``empty_poll_delay`` seconds (never more than the requested timeout).

    Also: answerCallbackQuery/deleteMessage/setWebhook ``null`` -> ``true``; the ``botToken`` field the
    emulator leaves in user messages is removed; with ``strict=True`` sendMessage/editMessageText
    texts are checked like Telegram does for parse_mode=HTML (supported tags, nesting) and length
    (<= 4096 UTF-16 units, not empty) and refused with 400 "can't parse entities ..." etc.

    Every call except getUpdates is recorded in ``state.calls``.
    """

    def __init__(
        self,
        state: EmulatorState | None = None,
        *,
        empty_poll_delay: float = 0.3,
        strict: bool = True,
        **kwargs: Any,
    ) -> None:
        httpx_kwargs = {"trust_env": False, **(kwargs.pop("httpx_kwargs", None) or {})}
        super().__init__(httpx_kwargs=httpx_kwargs, **kwargs)
        self.state = state if state is not None else EmulatorState()
        self.empty_poll_delay = empty_poll_delay
        self.strict = strict

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        head, _, api_method = url.rpartition("/")
        root, _, bot_token = head.rpartition("/")
        token = bot_token[3:] if bot_token.startswith("bot") else bot_token
        name = api_method.lower()
        params = dict(request_data.parameters) if request_data else {}
        timeouts = {
            "read_timeout": read_timeout,
            "write_timeout": write_timeout,
            "connect_timeout": connect_timeout,
            "pool_timeout": pool_timeout,
        }

        if name != "getupdates":
            code, payload = await self._answer(root, token, url, method, request_data, name, params, timeouts)
            description = None
            if code != 200:
                with contextlib.suppress(ValueError):
                    description = json.loads(payload).get("description")
            self.state.calls.append(BotCall(api_method, params, code == 200, description))
            return code, payload

        started = time.monotonic()
        code, payload = await super().do_request(url, method, request_data, **timeouts)
        if code != 200:
            return code, payload
        data = json.loads(payload)
        updates = data.get("result") or []
        for update in updates:
            self._fix_update(update)
        if not updates:
            wanted = float(params.get("timeout") or 0)
            delay = min(self.empty_poll_delay, wanted) - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
        return 200, json.dumps(data).encode()

    # -- per method ------------------------------------------------------------------------
    async def _answer(
        self,
        root: str,
        token: str,
        url: str,
        method: str,
        request_data: RequestData | None,
        name: str,
        params: dict[str, Any],
        timeouts: dict[str, Any],
    ) -> tuple[int, bytes]:
        if name in _LOCAL_TRUE:
            if name == "setmycommands":
                self.state.commands = list(params.get("commands") or [])
            elif name == "deletemycommands":
                self.state.commands = []
            return _ok(True)
        if name == "getmycommands":
            return _ok(self.state.commands)
        if name == "getfile":
            return _bad_request("telegram-test-api 4.2.1 stores no files (getFile is not supported)")

        if self.strict and name in {"sendmessage", "editmessagetext"}:
            text = params.get("text")
            if not isinstance(text, str):
                return _bad_request("message text is empty")
            error = check_telegram_html(text) if params.get("parse_mode") == "HTML" else None
            if error is None and not params.get("parse_mode"):
                error = "message is too long" if utf16_len(text) > MAX_MESSAGE_LENGTH else None
                error = error or ("message text is empty" if not text.strip() else None)
            if error:
                return _bad_request(error)

        if name in {"editmessagetext", "editmessagereplymarkup"} and "inline_message_id" not in params:
            return await self._edit(root, token, url, method, name, params, request_data, timeouts)

        code, payload = await super().do_request(url, method, request_data, **timeouts)
        if code >= 500:
            try:
                message = json.loads(payload).get("message", "")
            except ValueError:
                message = payload[:200].decode("utf-8", "replace")
            if "is not supported" in message:
                return _bad_request(f"telegram-test-api 4.2.1 does not support {url.rpartition('/')[2]}")
            return code, payload
        if code != 200:
            return code, payload
        data = json.loads(payload)
        if name == "getme":
            me = data.get("result") or {}
            me.setdefault("is_bot", True)
            me.setdefault("first_name", BOT_FIRST_NAME)
            me.setdefault("username", BOT_USERNAME)
            self.state.bot_user = {k: me[k] for k in ("id", "is_bot", "first_name", "username")}
            return _ok(me)
        if name == "sendmessage":
            return _ok(self._bot_message(data.get("result") or {}))
        if name in _NULL_IS_TRUE and data.get("result") is None:
            return _ok(True)
        return 200, payload

    async def _history(self, root: str, token: str) -> list[dict[str, Any]]:
        response = await self._client.post(f"{root}/getUpdatesHistory", json={"token": token})
        response.raise_for_status()
        return response.json().get("result") or []

    async def _edit(
        self,
        root: str,
        token: str,
        url: str,
        method: str,
        name: str,
        params: dict[str, Any],
        request_data: RequestData | None,
        timeouts: dict[str, Any],
    ) -> tuple[int, bytes]:
        chat_id, message_id = str(params.get("chat_id")), str(params.get("message_id"))

        def find(items: list[dict[str, Any]]) -> dict[str, Any] | None:
            for item in items:
                msg = item.get("message")
                if (
                    "callbackQuery" not in item
                    and isinstance(msg, dict)
                    and str(msg.get("chat_id")) == chat_id
                    and str(item.get("messageId")) == message_id
                ):
                    return item
            return None

        before = find(await self._history(root, token))
        if before is None:
            return _bad_request("message to edit not found")
        old = before["message"]
        new_markup = inline_markup(params.get("reply_markup"))
        old_markup = inline_markup(old.get("reply_markup"))
        if name == "editmessagetext":
            same_text = params.get("text") == old.get("text") and params.get("parse_mode") == old.get(
                "parse_mode"
            )
            if same_text and new_markup == old_markup:
                return _bad_request(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
        elif new_markup == old_markup:
            return _bad_request("message is not modified")

        form = dict(request_data.json_parameters) if request_data else {}
        if "reply_markup" not in form:
            # Telegram drops the inline keyboard when an edit carries none; the emulator would keep it.
            form["reply_markup"] = json.dumps({"inline_keyboard": []})
        response = await self._client.post(url, data=form)
        if response.status_code != 200:
            return response.status_code, response.content
        after = find(await self._history(root, token))
        if after is None:
            return _bad_request("message to edit not found")
        message = self._bot_message(
            {**after["message"], "message_id": after["messageId"], "date": after.get("time")}
        )
        message["edit_date"] = int(time.time())
        return _ok(message)

    def _bot_message(self, stored: dict[str, Any]) -> dict[str, Any]:
        """A Telegram Message for something the bot sent, from the emulator's stored request fields."""
        message: dict[str, Any] = {
            "message_id": int(stored.get("message_id") or 0),
            "date": int(seconds(stored.get("date") or time.time())),
            "chat": self.state.chat(stored.get("chat_id", (stored.get("chat") or {}).get("id"))),
            "from": dict(self.state.bot_user),
        }
        if stored.get("text") is not None:
            message["text"] = stored["text"]
        entities = maybe_json(stored.get("entities"))
        if isinstance(entities, list):
            message["entities"] = entities
        markup = inline_markup(stored.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        preview = maybe_json(stored.get("link_preview_options"))
        if isinstance(preview, dict):
            message["link_preview_options"] = preview
        if stored.get("message_thread_id") not in (None, ""):
            with contextlib.suppress(TypeError, ValueError):
                message["message_thread_id"] = int(stored["message_thread_id"])
        return message

    def _fix_message(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        message.pop("botToken", None)
        if "date" in message:
            message["date"] = seconds(message["date"])
        self.state.remember_chat(message.get("chat"))
        self._fix_message(message.get("reply_to_message"))

    def _fix_update(self, update: dict[str, Any]) -> None:
        for key in ("message", "edited_message", "channel_post"):
            self._fix_message(update.get(key))
        query = update.get("callback_query")
        if isinstance(query, dict):
            self._fix_message(query.get("message"))
            chat = (query.get("message") or {}).get("chat") or {}
            query.setdefault("chat_instance", f"e2e-chat-instance-{chat.get('id', 0)}")

