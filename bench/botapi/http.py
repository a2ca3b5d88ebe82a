"""A small HTTP/1.1 JSON server in the caller's event loop (asyncio streams: keep-alive, chunked bodies)."""

from __future__ import annotations

import asyncio
import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"
MAX_HEADER = 64 * 1024
# Bot API parameters whose values are plain strings (PTB JSON-encodes every other value of a form)
STRING_FIELDS = frozenset({
    "text", "parse_mode", "action", "caption", "callback_query_id", "inline_message_id", "url",
    "business_connection_id", "description", "short_description", "language_code", "name", "emoji",
    "secret_token", "ip_address", "query", "message_effect_id",
})
Answer = tuple[int, dict[str, Any]]


def ok(result: Any) -> Answer:
    return 200, {"ok": True, "result": result}


def error(code: int, description: str) -> Answer:
    return code, {"ok": False, "error_code": code, "description": description}


def _decode(name: str, value: str) -> Any:
    if name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # e.g. chat_id="@channel"


def request_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
    """A Bot API call's parameters from the query string and a JSON or form body (None: unreadable body)."""
    params: dict[str, Any] = {k: _decode(k, v) for k, v in parse_qsl(query, keep_blank_values=True)}
    ctype = headers.get("content-type", "")
    if body and ctype.startswith("application/json"):
        params.update(json.loads(body))
    elif body and ctype.startswith("application/x-www-form-urlencoded"):
        params.update({k: _decode(k, v) for k, v in parse_qsl(body.decode("utf-8"), keep_blank_values=True)})
    elif body and ctype.startswith("multipart/form-data"):  # a file upload (sendPhoto): files stay bytes
        form = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + body)
        for part in form.iter_parts():
            name, data = part.get_param("name", header="content-disposition"), part.get_payload(decode=True)
            params[name] = data if part.get_filename() else _decode(name, data.decode("utf-8"))
    elif body:
        return None
    return params


def split_target(target: str) -> tuple[list[str], str]:
    """``/bot<token>/<method>?query`` → (["bot<token>", "<method>"], "query")."""
    parts = urlsplit(target)
    return parts.path.strip("/").split("/"), parts.query


class JSONServer:
    """Serves ``dispatch(verb, target, headers, body) -> (status, payload)`` on 127.0.0.1:``port``."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._connections: set[asyncio.Task] = set()
        self._closing = False

    async def dispatch(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError

    async def start_serving(self) -> None:
        """Listen (``port`` 0: the OS chooses; ``port`` then holds the one chosen)."""
        self._closing = False
        self._server = await asyncio.start_server(self._serve, HOST, self.port, limit=MAX_HEADER)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop_serving(self) -> None:
        """Close every connection (waiting up to 2 s for answers being written) and the listening socket."""
        self._closing = True
        await asyncio.sleep(0)  # let pending handlers write their answers
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._connections:
            _, pending = await asyncio.wait(list(self._connections), timeout=2)
            for task in pending:
                task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while not self._closing:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    verb, target, version = lines[0].split(" ", 2)
                except ValueError:
                    await self._respond(writer, *error(400, "Bad Request: malformed request line"), close=True)
                    return
                headers = {}
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                try:
                    body = await self._read_body(reader, headers)
                except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                    return
                keep_alive = version.upper() == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
                status, payload = await self.dispatch(verb, target, headers, body)
                await self._respond(writer, status, payload, close=not keep_alive)
                if not keep_alive:
                    return
        finally:
            self._writers.discard(writer)
            self._connections.discard(task)
            writer.close()

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
        length = int(headers.get("content-length") or 0)
        return await reader.readexactly(length) if length else b""

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, payload: dict[str, Any], *, close: bool) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                  404: "Not Found"}.get(status, "Error")
        head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n")
        try:
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except ConnectionError:
            pass
