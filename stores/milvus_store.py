"""The Milvus vector store: embedded Milvus Lite (a file per build) or a Milvus server (a collection per build)."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import shutil
import tempfile
import threading
import time
import weakref
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stores import milvus_engine
from stores.errors import VectorStoreError
from stores.vector_store import VectorStore, empty_result

FILE, META = "milvus.db", "collection.json"
# pymilvus shares one connection per address among its clients, and stores/milvus_engine.py one Milvus Lite
# engine process per file: both are closed when the last store using them lets go, not when the first one does.
_USERS: Counter[str] = Counter()
_USERS_LOCK = threading.Lock()
BATCH = 2000  # rows per insert call (5000 × 384 floats took 20x longer: 69.5 vs 3.5 s for 19k rows)
# A question's search or row read gives up after this many seconds (pymilvus bounds its retries only by an int
# timeout: without one a search against a stopped server retried for 211 s before failing).
READ_TIMEOUT = 10
# Servers whose shared connection failed: the next read or load on it starts on a fresh gRPC channel. A channel
# that cannot reach its server backs off up to 120 s between attempts and fails every call meanwhile: after an
# outage of a few minutes a bot kept failing for 60-90 s after the server was back.
_BROKEN: set[str] = set()


def _pymilvus():
    try:
        with milvus_engine.third_party_import():
            import pymilvus
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise VectorStoreError("pymilvus is not installed: run `make install` (pymilvus, milvus-lite)") from err
    # every pymilvus failure reaches the caller as a VectorStoreError with its message: its own error logs
    # (a multi-line gRPC dump per failed call) would only repeat it
    for name in [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "pymilvus"]:
        logging.getLogger(name).setLevel(logging.CRITICAL)  # its modules set their own levels
    return pymilvus


def is_server(uri: str | None) -> bool:
    return bool(uri) and uri.split("://", 1)[0] in ("http", "https", "tcp", "grpc", "unix")


@contextlib.contextmanager
def _errors(what: str):
    """pymilvus and gRPC failures → VectorStoreError with what was attempted and what to do."""
    try:
        yield
    except VectorStoreError:
        raise
    except Exception as err:  # pymilvus raises MilvusException, gRPC errors and ValueError alike
        cause = " ".join(str(getattr(err, "message", None) or err).split())[:300]  # one line, not a gRPC dump
        raise VectorStoreError(f"Milvus: {what} failed ({type(err).__name__}: {cause}); check MILVUS_URI and "
                               "that the server is up, or run `make index FORCE=1` (docs/milvus.md)") from err


def _key(uri: str, file: Path | None) -> str:
    return str(Path(file).absolute().resolve()) if file is not None else uri


def _release(client, key: str, file: Path | None, scratch: Path | None = None) -> None:
    """Let go of one user of a file or server: pymilvus shares one connection per address among its clients and
    Milvus Lite one engine process per file, so the connection is closed (and an embedded file's engine stopped)
    only by the last store of this process that uses it. A working file that was never saved is deleted."""
    with _USERS_LOCK:
        _USERS[key] -= 1
        last = _USERS[key] <= 0
        if last:
            del _USERS[key]
    if last:
        with contextlib.suppress(Exception):
            client.close()
    if file is not None:
        milvus_engine.release(file)
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


class MilvusStore(VectorStore):
    """Inner product over unit vectors in one Milvus collection (primary key = row id).

    config: ``uri`` (None: an embedded Milvus Lite file that ``save`` puts inside the build directory; a
    local ``.db`` path shared by every build; or a server URL), ``alias`` (on a server, switched to the
    live build's collection by ``activate``), ``index`` (FLAT, HNSW, IVF_FLAT).
    Milvus Lite locks its file to one process: with the default, each build has its own file, so
    `make index` writes a new one while the bot keeps reading the old (docs/milvus.md).
    """

    backend = "milvus"

    def __init__(self, config: dict | None = None) -> None:
        super().__init__({"backend": "milvus", "uri": None, "alias": "zhuzhou_chunks", "index": "FLAT",
                          **(config or {})})
        self._client = None
        self._file: Path | None = None  # the embedded file this store uses
        self._scratch: Path | None = None  # the working directory of a not yet saved embedded file
        self._finalizer = None
        self._collection: str | None = None
        self._dim = 0
        self._count = 0

    @classmethod
    def configure(cls, settings, rows: int) -> dict:
        m = settings.milvus
        return {"uri": m.uri, "alias": m.collection, "index": m.index}

    # ------------------------------------------------------------------ connection
    def _connect(self, uri: str, file: Path | None, scratch: Path | None = None):
        pymilvus = _pymilvus()
        address = uri if file is None else milvus_engine.acquire(file).uri  # an embedded file: its engine's socket
        try:
            with _errors(f"connecting to {uri}"):
                client = pymilvus.MilvusClient(uri=address, timeout=5)
        except VectorStoreError:
            if file is not None:
                milvus_engine.release(file)
            raise
        key = _key(uri, file)
        with _USERS_LOCK:
            _USERS[key] += 1
        self._client, self._file, self._scratch, self._key = client, file, scratch, key
        self._finalizer = weakref.finalize(self, _release, client, key, file, scratch)
        return client

    def _live(self):
        """The open client: reconnects to this store's file or server after ``save`` or ``close``."""
        if self._client is not None:
            return self._client
        uri = self.config["uri"]
        if self._file is not None:
            return self._connect(str(self._file), self._file, self._scratch)
        if is_server(uri):
            return self._connect(uri, None)
        if uri is None:  # a private working file; `save` moves it into the build directory
            scratch = Path(tempfile.mkdtemp(prefix="milvus-build-"))
            return self._connect(str(scratch / FILE), scratch / FILE, scratch)
        file = Path(uri).absolute()
        file.parent.mkdir(parents=True, exist_ok=True)
        return self._connect(str(file), file)

    def _disconnect(self, keep_scratch: bool = True) -> None:
        if self._finalizer is not None:
            if keep_scratch:
                self._finalizer.detach()
                _release(self._client, self._key, self._file)
            else:
                self._finalizer()
        self._client, self._finalizer = None, None

    def _create_collection(self, dim: int) -> None:
        pymilvus, client = _pymilvus(), self._live()
        name = f"{self.config['alias']}_{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(3)}"
        with _errors(f"creating collection {name}"):
            schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("id", pymilvus.DataType.INT64, is_primary=True)
            schema.add_field("vector", pymilvus.DataType.FLOAT_VECTOR, dim=dim)
            params = client.prepare_index_params()
            extra = {"HNSW": {"M": 32, "efConstruction": 80}, "IVF_FLAT": {"nlist": 1024}}.get(self.config["index"])
            params.add_index("vector", index_type=self.config["index"], metric_type="IP", params=extra or {})
            client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong")
        self._collection, self._dim = name, dim

    def _read(self, what: str, call):
        """One call on the answer or load path (``call(client)``); on a server, a failure marks the shared
        connection broken and the next call, from any store of this process, first makes a fresh one."""
        with _errors(what):
            client = self._live()
            if self._file is not None:
                return call(client)
            with _USERS_LOCK:
                broken = self._key in _BROKEN
            if broken:
                from pymilvus import connections

                connections.disconnect(client._using)  # the clients of this server share it, by its name
                connections.connect(client._using, "", "", "", "", uri=self._key, timeout=5)
                with _USERS_LOCK:
                    _BROKEN.discard(self._key)
            try:
                return call(client)
            except Exception:
                with _USERS_LOCK:
                    _BROKEN.add(self._key)
                raise

    # ------------------------------------------------------------------ the interface
    def add(self, vectors: np.ndarray) -> None:
        vectors = np.asarray(np.atleast_2d(vectors), np.float32)
        if not len(vectors):
            return
        if self._collection is None:
            self._create_collection(vectors.shape[1])
        with _errors(f"inserting into {self._collection}"):
            for start in range(0, len(vectors), BATCH):
                part = vectors[start : start + BATCH]
                rows = [{"id": self._count + start + i, "vector": v} for i, v in enumerate(part)]
                self._live().insert(self._collection, rows)
        self._count += len(vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(np.atleast_2d(queries), np.float32)
        if not self._count or k <= 0:
            return empty_result(len(queries))
        k = min(k, self._count, 16384)  # Milvus caps topk at 16384
        results = self._read(f"searching {self._collection}", lambda client: client.search(
            self._collection, data=list(queries), limit=k, timeout=READ_TIMEOUT,
            search_params={"metric_type": "IP", "params": self._search_params()}, **self._read_level()))
        scores = np.full((len(queries), k), -np.inf, np.float32)
        ids = np.full((len(queries), k), -1, np.int64)  # an approximate index may return fewer
        for q, hits in enumerate(results):
            for j, hit in enumerate(hits[:k]):
                scores[q, j], ids[q, j] = hit["distance"], hit["id"]
        return scores, ids

    def _read_level(self) -> dict:
        """On a server, reads need not wait for the next time tick: the collection Strong (its default) costs
        ~200 ms a search, Bounded ~2 ms. A saved build's collection is never written again, and ``load`` counted
        its rows with the Strong default before serving, so Bounded reads see every row (docs/milvus.md)."""
        return {"consistency_level": "Bounded"} if self._client is not None and self._file is None else {}

    def _search_params(self) -> dict:
        return {"HNSW": {"ef": 64}, "IVF_FLAT": {"nprobe": 32}}.get(self.config["index"], {})

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        ids = [int(i) for i in ids]
        if not ids:
            return np.zeros((0, self._dim), np.float32)
        got = self._read(f"reading vectors from {self._collection}", lambda client: client.get(
            self._collection, ids=list(dict.fromkeys(ids)), output_fields=["vector"], timeout=READ_TIMEOUT,
            **self._read_level()))
        by_id = {int(row["id"]): row["vector"] for row in got}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise VectorStoreError(f"Milvus collection {self._collection} has no rows {missing[:5]}: "
                                   "run `make index FORCE=1`")
        return np.asarray([by_id[i] for i in ids], np.float32)

    def count(self) -> int:
        return self._count

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        meta = {"uri": self.config["uri"], "collection": self._collection, "dim": self._dim, "count": self._count}
        if self._collection is not None:
            with _errors(f"flushing {self._collection}"):
                self._live().flush(self._collection)
        if self._scratch is not None:  # the working file moves into the build directory
            scratch = self._scratch
            self._disconnect()
            shutil.move(str(scratch / FILE), str(path / FILE))
            shutil.rmtree(scratch, ignore_errors=True)
            self._file, self._scratch = (path / FILE).absolute(), None
        (path / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        self.config["collection"] = self._collection

    def load(self, path: Path) -> MilvusStore:
        try:
            meta = json.loads((path / META).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise VectorStoreError(f"{path / META} is missing or damaged: run `make index FORCE=1`") from err
        self._collection, self._dim, self._count = meta["collection"], meta["dim"], meta["count"]
        if self._collection is None:  # an empty build
            return self
        uri = meta["uri"]
        if uri is None:
            file = (path / FILE).absolute()
            if not file.is_file():
                raise VectorStoreError(f"{file} is missing: run `make index FORCE=1`")
            self._connect(str(file), file)
        elif is_server(uri):
            self._connect(uri, None)
        else:
            self._connect(str(Path(uri).absolute()), Path(uri).absolute())
        rows = self._read(f"opening collection {self._collection}", self._count_rows)
        if rows is None:
            raise VectorStoreError(f"Milvus at {uri or file} has no collection {self._collection}: "
                                   "run `make index FORCE=1`")
        if rows != self._count:
            raise VectorStoreError(f"Milvus collection {self._collection} holds {rows} rows, the build "
                                   f"{self._count}: run `make index FORCE=1`")
        return self

    def _count_rows(self, client) -> int | None:
        """The rows of this build's collection once loaded (None: it is gone), read at its Strong default."""
        if not client.has_collection(self._collection, timeout=READ_TIMEOUT):
            return None
        client.load_collection(self._collection)
        return client.query(self._collection, output_fields=["count(*)"], timeout=READ_TIMEOUT)[0]["count(*)"]

    def close(self) -> None:
        """Disconnect (and stop the embedded engine); an unsaved working file is deleted."""
        self._disconnect(keep_scratch=False)

    def activate(self) -> None:
        """On a server: point the alias at this build's collection (Milvus Lite has no aliases)."""
        if not is_server(self.config["uri"]) or self._collection is None:
            return
        client = self._live()
        alias = self.config["alias"]
        with _errors(f"switching alias {alias} to {self._collection}"):
            if alias in client.list_aliases().get("aliases", []):
                client.alter_alias(self._collection, alias)  # atomic on the server
            else:
                client.create_alias(self._collection, alias)

    def drop(self) -> None:
        """Drop this build's collection from a server or a shared file; an embedded file goes with its build."""
        name, uri = self.config.get("collection") or self._collection, self.config["uri"]
        if name is not None and uri is not None:
            self._collection = name
            with _errors(f"dropping collection {name}"):
                self._live().drop_collection(name)
        self.close()
