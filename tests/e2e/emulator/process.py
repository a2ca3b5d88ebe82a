"""The emulator process: telegram-test-api in a Node subprocess on 127.0.0.1, started and stopped."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench.botapi.lifecycle import LocalBotAPI
from tests.e2e.emulator.common import DEFAULT_TOKEN, HOST, EmulatorState
from tests.e2e.emulator.request import EmulatorRequest
from tests.e2e.emulator.user import TelegramUser

E2E_DIR = Path(__file__).resolve().parent.parent
SERVER_JS = E2E_DIR / "server.js"
INSTALL_HINT = "run `make install` (it runs tests/e2e/ensure_emulator.sh: npm ci of telegram-test-api 4.2.1)"


class EmulatorUnavailable(RuntimeError):
    """node, the npm package or the emulator process is missing or broken; the message says what to run."""


class Emulator(LocalBotAPI):
    """telegram-test-api in a Node subprocess on 127.0.0.1; ``with Emulator() as emu: ...``.

    ``port=0`` (default) lets the OS choose a free port, reported back by server.js. ``start()``
    raises :class:`EmulatorUnavailable` (message: run ``make install``) when node or the package is
    missing or the server does not come up within ``startup_timeout`` seconds.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        startup_timeout: float = 20.0,
        node: str | None = None,
        workdir: Path | str = E2E_DIR,
    ) -> None:
        self.port = port
        self.startup_timeout = startup_timeout
        self.node = node
        self.workdir = Path(workdir)
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []
        self._threads: list[threading.Thread] = []
        self._tokens = itertools.count(1)

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _check_installed(self) -> str:
        node = self.node or shutil.which("node")
        if not node or not Path(node).exists():
            raise EmulatorUnavailable(
                f"Node.js (`node`) is not installed or not on PATH: install Node.js >= 18 with npm, then {INSTALL_HINT}"
            )
        package = self.workdir / "node_modules" / "telegram-test-api" / "package.json"
        if not package.is_file():
            raise EmulatorUnavailable(
                f"telegram-test-api is not installed in {package.parent.parent}: {INSTALL_HINT}"
            )
        version = json.loads(package.read_text(encoding="utf-8")).get("version")
        if version != "4.2.1":
            raise EmulatorUnavailable(
                f"telegram-test-api {version} is installed, 4.2.1 is pinned: {INSTALL_HINT}"
            )
        if not (self.workdir / "server.js").is_file():
            raise EmulatorUnavailable(f"{self.workdir / 'server.js'} is missing")
        return node

    def start(self) -> Emulator:
        if self.running:
            return self
        node = self._check_installed()
        env = {**os.environ, "E2E_EMULATOR_PORT": str(self.port), "NODE_ENV": "test"}
        env.pop("DEBUG", None)  # telegram-test-api logs every request through `debug` when set
        try:
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [node, str(self.workdir / "server.js"), str(self.port)],
                cwd=self.workdir,
                stdin=subprocess.PIPE,  # server.js exits when this pipe closes (parent died)
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        except OSError as exc:
            raise EmulatorUnavailable(f"cannot run {node}: {exc}: {INSTALL_HINT}") from exc
        self._stderr = []
        self._threads = [threading.Thread(target=self._drain_stderr, daemon=True)]
        self._threads[0].start()
        try:
            self.port = self._wait_ready()
            self._wait_accepting()
        except BaseException:
            self.stop()
            raise
        return self

    def _drain_stderr(self) -> None:
        proc = self._proc
        if proc is None or proc.stderr is None:
            return
        for line in proc.stderr:
            self._stderr.append(line.rstrip())
            del self._stderr[:-50]

    def _wait_ready(self) -> int:
        """Read server.js's ``READY {...}`` line, bounded by startup_timeout."""
        assert self._proc is not None and self._proc.stdout is not None
        box: dict[str, Any] = {}

        def read() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                if line.startswith("READY "):
                    box["ready"] = json.loads(line[6:])
                    break
            # keep draining so the child never blocks on a full pipe
            for _ in self._proc.stdout:
                pass

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self._threads.append(reader)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and "ready" not in box:
            if self._proc.poll() is not None:
                time.sleep(0.1)  # let stderr drain
                raise EmulatorUnavailable(
                    f"the emulator exited with code {self._proc.returncode}: "
                    + " | ".join(self._stderr[-5:])
                    + f"; {INSTALL_HINT}"
                )
            time.sleep(0.02)
        if "ready" not in box:
            raise EmulatorUnavailable(
                f"the emulator did not start within {self.startup_timeout}s: {INSTALL_HINT}"
            )
        info = box["ready"]
        if info.get("host") != HOST:
            raise EmulatorUnavailable(f"the emulator listens on {info.get('host')}, not {HOST}")
        return int(info["port"])

    def _wait_accepting(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise EmulatorUnavailable(
                        f"the emulator does not accept connections on {HOST}:{self.port}"
                    )
                time.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate, then kill after ``timeout`` seconds. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        for thread in self._threads:  # they end at EOF, which the exit just caused
            thread.join(timeout=1.0)
        self._threads = []
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def stderr_tail(self) -> list[str]:
        return list(self._stderr)

    # -- tokens, users, bots ----------------------------------------------------------------
    def new_token(self) -> str:
        """A fresh bot token: the emulator files messages per token, so one per test isolates tests."""
        n = next(self._tokens)
        return f"{100000 + n}:E2E-TOKEN-{n}"

    def user(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        user_id: int = 1001,
        first_name: str = "测试用户",
        username: str | None = "e2e_user",
    ) -> TelegramUser:
        """A person in a private chat with the bot (chat id == user id, as in Telegram)."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        return TelegramUser(self, token, user, chat)

    def group_member(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        chat_id: int = -100200300,
        title: str = "株洲新闻测试群",
        chat_type: str = "group",
        user_id: int = 1002,
        first_name: str = "群友",
        username: str | None = "e2e_member",
    ) -> TelegramUser:
        """A person writing in a group (``chat_type`` "group" or "supergroup") the bot is in."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative in Telegram")
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        chat = {"id": chat_id, "type": chat_type, "title": title}
        return TelegramUser(self, token, user, chat)

    def request(self, state: EmulatorState | None = None, **kwargs: Any) -> EmulatorRequest:
        """An :class:`EmulatorRequest`; pass the same ``state`` to both of a bot's requests."""
        return EmulatorRequest(state, **kwargs)

