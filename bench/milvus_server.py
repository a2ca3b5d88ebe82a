"""A real Milvus standalone server without Docker, in its own venv: `python -m bench.milvus_server start|stop|status`.

The PyPI package `milvus` ("Embedded Milvus", not milvus-lite) ships the Milvus standalone binary with an
embedded etcd and local storage. Its newest Linux x86_64 wheel is 2.3.5 (2.3.6-2.3.9 are macOS-only), and it
must not go into the project's venv (it would sit beside pymilvus 2.5), so `start` makes a side venv first:

    python -m bench.milvus_server start          # → MILVUS_SERVER_URI=http://127.0.0.1:19530
    MILVUS_SERVER_URI=http://127.0.0.1:19530 python -m pytest -q tests/test_milvus_server.py
    python -m bench.milvus_server stop

`make milvus-server` runs `start`. The venv, the server's data and its logs live under var/milvus-server/
(--home). `stop` ends the process group it started (graceful SIGTERM, then SIGKILL after --grace seconds).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2.3.5"  # the newest `milvus` wheel for Linux x86_64
PORT, HEALTH = 19530, "http://127.0.0.1:{}/healthz"


def ensure_venv(home: Path, python: str) -> Path:
    """The side venv with `milvus` installed; made once."""
    venv = home / "venv"
    exe = venv / "bin" / "milvus-server"
    if exe.is_file():
        return exe
    print(f"creating {venv} with milvus=={VERSION} (the Milvus standalone binary, ~60 MB) ...", flush=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)  # noqa: S603
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",  # noqa: S603
                    f"milvus=={VERSION}"], check=True)
    return exe


def healthy() -> bool:
    """The server's /healthz answers OK (its port, like the others, is the first free one from 9091)."""
    for port in range(9091, 9096):
        try:
            with urllib.request.urlopen(HEALTH.format(port), timeout=2) as resp:  # noqa: S310 - local URL
                if b"OK" in resp.read():
                    return True
        except OSError:
            continue
    return False


def port_open(port: int = PORT) -> bool:
    with contextlib.closing(socket.socket()) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pid(home: Path) -> int | None:
    try:
        pid = int((home / "server.pid").read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(home: Path, python: str, wait: float) -> int:
    if _pid(home):
        print(f"already running (pid {_pid(home)}): MILVUS_SERVER_URI=http://127.0.0.1:{PORT}")
        return 0
    if port_open() or healthy():
        print(f"a server already answers on port {PORT} or 9091: stop it first", file=sys.stderr)
        return 1
    exe = ensure_venv(home, python)
    (home / "data").mkdir(parents=True, exist_ok=True)
    log = (home / "server.log").open("ab")
    # the wrapper gives each service the first free port from its default: right after a stop, 19530 is
    # still held by TIME_WAIT sockets and the server came up on 19532; the proxy port is pinned instead
    proc = subprocess.Popen([str(exe), "--data", str(home / "data"), "--extra-config", f"proxy.port={PORT}"],  # noqa: S603
                            stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    (home / "server.pid").write_text(str(proc.pid))
    started = time.perf_counter()
    while time.perf_counter() - started < wait:
        if proc.poll() is not None:
            print(f"the server exited ({proc.returncode}): see {home / 'server.log'} and {home / 'data/logs'}",
                  file=sys.stderr)
            return 1
        if healthy() and port_open():
            print(f"Milvus {VERSION} standalone up in {time.perf_counter() - started:.1f} s (pid {proc.pid}, "
                  f"data {home / 'data'}): MILVUS_SERVER_URI=http://127.0.0.1:{PORT}")
            return 0
        time.sleep(0.5)
    print(f"not healthy after {wait:.0f} s: see {home / 'data/logs'}; `stop` ends it", file=sys.stderr)
    return 1


def stop(home: Path, grace: float) -> int:
    pid = _pid(home)
    if pid is None:
        print("not running")
        return 0
    os.killpg(pid, signal.SIGTERM)  # the wrapper and the server binary: its own session, started by `start`
    deadline = time.perf_counter() + grace
    while time.perf_counter() < deadline and (_group_alive(pid) or port_open()):
        time.sleep(0.2)
    if _group_alive(pid):
        os.killpg(pid, signal.SIGKILL)
    (home / "server.pid").unlink(missing_ok=True)
    print(f"stopped (pid {pid})")
    return 0


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--home", type=Path, default=ROOT / "var" / "milvus-server",
                        help="side venv, data and logs (default var/milvus-server)")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the side venv (default: this one)")
    parser.add_argument("--wait", type=float, default=180, help="seconds to wait for the server to be healthy")
    parser.add_argument("--grace", type=float, default=10, help="seconds to shut down before SIGKILL (2.3.5 rarely stops on SIGTERM alone)")
    args = parser.parse_args(argv)
    args.home.mkdir(parents=True, exist_ok=True)
    if args.action == "start":
        return start(args.home.absolute(), args.python, args.wait)
    if args.action == "stop":
        return stop(args.home, args.grace)
    pid = _pid(args.home)
    print(f"running (pid {pid}), healthy: {healthy()}" if pid else f"not running (port {PORT} open: {port_open()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
