"""Milvus Lite engine processes for embedded files, whose life hangs on a lock file no other code can touch."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

from stores.errors import VectorStoreError

# Milvus Lite's own start (pymilvus given a `.db` path) takes a POSIX lock (lockf) on `.<file>.lock` next to
# the file, and its engine process exits as soon as it can take that lock itself. POSIX drops a process's lock
# when the process closes ANY descriptor of the file: whatever opens and closes the lock file in this process
# (shutil.copytree of a served build, a checksum walk) silently stopped the engine, and every later search
# failed with a missing unix socket. So this module starts the engine itself, tied to a lock in a private
# directory, and keeps the file's usual lock only to keep other processes out.
_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()
# read by pymilvus when imported: a file path there ("MILVUS_URI=var/milvus.db", as documented) fails its import
# with "Illegal uri"; the project's own settings read MILVUS_URI (config/settings.py: milvus.uri)
PYMILVUS_ENV = ("MILVUS_URI", "MILVUS_DEFAULT_CONNECTION")


@contextlib.contextmanager
def third_party_import():
    """Import pymilvus or milvus_lite inside this: as if MILVUS_URI were unset, with python-dotenv off (pymilvus
    loads a .env itself when imported) and without milvus_lite's pkg_resources deprecation warning."""
    saved = {name: os.environ.pop(name) for name in PYMILVUS_ENV if name in os.environ}
    dotenv = os.environ.get("PYTHON_DOTENV_DISABLED")
    os.environ["PYTHON_DOTENV_DISABLED"] = "1"
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            yield
    finally:
        os.environ.update(saved)
        if dotenv is None:
            os.environ.pop("PYTHON_DOTENV_DISABLED", None)
        else:
            os.environ["PYTHON_DOTENV_DISABLED"] = dotenv


class Engine:
    """One Milvus Lite engine process serving one `.db` file for this process (``uri``: its unix socket)."""

    def __init__(self, file: Path) -> None:
        self.file, self.users = file, 0
        self._runtime = Path(tempfile.mkdtemp(prefix="milvus-lite-"))
        self._guard = None
        self._server = None
        try:
            self._guard = _exclusive(file)
            with third_party_import():  # the wheel's launcher: binary path, environment, socket
                from milvus_lite.server import Server

            server = Server(str(file))
            server._lock_path = str(self._runtime / "engine.lock")  # the engine lives while this is locked
            if not server.init() or not server.start():
                raise VectorStoreError(f"the Milvus Lite engine for {file} did not start (see the log above); "
                                       "run `make index FORCE=1` if the file is damaged")
            self._server = server
        except ImportError as err:  # pragma: no cover - depends on the environment
            self.stop()
            raise VectorStoreError("milvus-lite is not installed: run `make install` (pymilvus, milvus-lite)") from err
        except BaseException:
            self.stop()
            raise

    @property
    def uri(self) -> str:
        return self._server.uds_path

    def stop(self) -> None:
        """Stop the engine (it exits when its private lock is released), then let other processes in."""
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.stop()
            self._server = None
        if self._guard is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._guard.name)  # as Milvus Lite does; removed while still held
            self._guard.close()
            self._guard = None
        shutil.rmtree(self._runtime, ignore_errors=True)


def _exclusive(file: Path):
    """Hold `.<file>.lock` for this process: flock keeps this project's other processes out (a flock survives
    other descriptors of the file being closed) and lockf keeps out a plain Milvus Lite, which takes that."""
    guard = open(file.parent / f".{file.name}.lock", "a")  # noqa: SIM115 - held for the engine's life
    try:
        fcntl.flock(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(guard, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        guard.close()
        raise VectorStoreError(
            f"Milvus Lite cannot open {file} (it is locked): another process (a running bot or `make index`) "
            "may hold it; embedded files serve one process (docs/milvus.md)") from err
    return guard


def acquire(file: Path) -> Engine:
    """The engine serving ``file`` in this process, started for the first user."""
    key = str(Path(file).absolute().resolve())
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = Engine(Path(key))
        engine.users += 1
        return engine


def release(file: Path) -> None:
    """One user less; the last one stops the engine."""
    key = str(Path(file).absolute().resolve())
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            return
        engine.users -= 1
        if engine.users > 0:
            return
        del _ENGINES[key]
    engine.stop()
