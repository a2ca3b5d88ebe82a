"""Builds, alias switches, pruning, hot reload and outages on a real Milvus server (opt-in: MILVUS_SERVER_URI)."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from config import Settings
from config.settings import MilvusSettings
from index.build import build_index
from model.embedder import FakeEmbedder
from retrieval.engine import Engine
from retrieval.errors import SearchUnavailable, StoreUnreachable
from retrieval.service import Service
from retrieval.snapshot import load_snapshot
from stores.layout import current_dir, read_manifest
from tests.buildkit import NEW_ARTICLE

ROOT = Path(__file__).resolve().parent.parent
URI = os.environ.get("MILVUS_SERVER_URI", "")
pytestmark = pytest.mark.skipif(
    not URI, reason="needs a Milvus server: `make milvus-server` (python -m bench.milvus_server start), then "
    "MILVUS_SERVER_URI=http://127.0.0.1:19530; docs/milvus.md, 'Tested against a real server'")


@pytest.fixture(scope="module")
def server():
    """A client of the server; drops every alias and collection these tests made (their names are unique)."""
    from pymilvus import MilvusClient

    prefix = f"t{os.getpid()}_{secrets.token_hex(2)}"
    # its own connection: pymilvus shares one per URI, and the stores close theirs when the last one lets go
    client = MilvusClient(uri=URI, timeout=10, alias=f"{prefix}_tests")
    client.test_prefix = prefix
    yield client
    for alias in client.list_aliases().get("aliases", []):
        if alias.startswith(prefix):
            client.drop_alias(alias)
    for name in client.list_collections():
        if name.startswith(prefix):
            client.drop_collection(name)
    client.close()


def make_settings(tmp_path: Path, server, uri: str = URI) -> Settings:
    if not (tmp_path / "data").exists():
        shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    alias = f"{server.test_prefix}_{secrets.token_hex(3)}"
    return Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                    cache_dir=tmp_path / "cache", embedding_model="fake", vector_backend="milvus",
                    milvus=MilvusSettings(uri=uri, collection=alias))


def build(settings: Settings, force: bool = False):
    embedder = FakeEmbedder()
    return build_index(settings, lambda: embedder, embedder.model_id, force=force, progress=False)


def collection(report) -> str:
    return read_manifest(report.build_dir)["vector_store"]["collection"]


def test_a_build_points_the_alias_at_its_collection(tmp_path, server) -> None:
    settings = make_settings(tmp_path, server)
    report = build(settings)
    name = collection(report)
    assert name.startswith(settings.milvus.collection + "_") and report.chunks > 50
    assert server.describe_alias(settings.milvus.collection)["collection_name"] == name
    assert server.query(name, output_fields=["count(*)"])[0]["count(*)"] == report.chunks
    engine = Engine.open(settings, embedder=FakeEmbedder())  # reads at Bounded consistency: every row is there
    chunk = engine.snapshot.chunks[11]
    scores, rows = engine.snapshot.vectors.search(FakeEmbedder().encode_queries([chunk.embed_text]), 3)
    assert rows[0][0] == 11 and scores[0][0] > 0.999
    assert engine.snapshot.vectors.vectors([11, 3]).shape == (2, 64)
    assert "累计确诊78例" in (engine.ask("株洲累计确诊多少").answer or "")


def test_builds_switch_the_alias_and_prune_old_collections(tmp_path, server) -> None:
    settings = make_settings(tmp_path, server)
    alias = settings.milvus.collection
    first = build(settings)
    c1 = collection(first)
    second = build(settings, force=True)
    c2 = collection(second)
    assert server.describe_alias(alias)["collection_name"] == c2 != c1
    assert server.has_collection(c1)  # the newest two builds are kept for running readers
    third = build(settings, force=True)
    assert server.describe_alias(alias)["collection_name"] == collection(third)
    assert not first.build_dir.exists() and not server.has_collection(c1)
    ours = sorted(n for n in server.list_collections() if n.startswith(alias + "_"))
    assert ours == sorted([c2, collection(third)])


def test_a_running_engine_picks_up_the_switch(tmp_path, server) -> None:
    settings = make_settings(tmp_path, server)
    first = build(settings)
    service = Service(settings, Engine.open(settings, embedder=FakeEmbedder()))
    assert service.refresh() is None
    (settings.data_dir / "002_new.md").write_text(NEW_ARTICLE, encoding="utf-8")
    second = build(settings)
    assert server.describe_alias(settings.milvus.collection)["collection_name"] == collection(second)
    assert service.refresh().build_id == second.build_dir.name
    assert collection(second) != collection(first)  # the new build's collection answers below
    answer = service.answer("累计治愈出院多少人")
    assert any(s.source == "002_new.md" for s in answer.sources), answer


class Relay:
    """A TCP relay to the server: ``down()`` makes it unreachable (refused, live connections cut), ``up()``
    reachable again on the same port, so an outage needs no restart of the shared server."""

    def __init__(self, target: str) -> None:
        host, port = target.split("://", 1)[-1].rsplit(":", 1)
        self.target = (host, int(port))
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        with_suppressed(self._listener.shutdown, socket.SHUT_RDWR)  # wakes the accept() (close alone does not)
        self._listener.close()
        for sock in self._open:
            with_suppressed(sock.shutdown, socket.SHUT_RDWR)
            sock.close()
        self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        with_suppressed(dst.shutdown, socket.SHUT_WR)


def with_suppressed(call, *args) -> None:
    try:
        call(*args)
    except OSError:
        pass


def test_server_down_is_a_typed_error_and_the_last_good_index_serves(tmp_path, server) -> None:
    relay = Relay(URI)
    relay.up()
    try:
        settings = make_settings(tmp_path, server, uri=relay.uri)
        first = build(settings)
        engine = Engine.open(settings, embedder=FakeEmbedder())
        service = Service(settings, engine)
        assert engine.ask("株洲累计确诊多少").answered
        relay.down()
        started = time.monotonic()
        with pytest.raises(SearchUnavailable) as caught:  # a question fails fast, with one line naming the server
            engine.ask("株洲累计确诊多少")
        assert time.monotonic() - started < 30
        assert (caught.value.backend, caught.value.where) == ("milvus", relay.uri)
        assert "\n" not in str(caught.value) and "Retry timeout" in str(caught.value)

        (settings.data_dir / "002_new.md").write_text(NEW_ARTICLE, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": str(settings.data_dir),
               "INDEX_DIR": str(settings.index_dir), "CACHE_DIR": str(settings.cache_dir),
               "EMBEDDING_MODEL": "fake", "VECTOR_BACKEND": "milvus", "MILVUS_URI": relay.uri,
               "MILVUS_COLLECTION": settings.milvus.collection}
        made = subprocess.run([sys.executable, "-m", "index", "build"], env=env, capture_output=True, text=True,
                              timeout=120)  # `make index` in its own process, as in production
        assert made.returncode != 0 and "previous index is kept" in made.stderr, made.stderr
        assert current_dir(settings.index_dir) == first.build_dir
        asked = subprocess.run([sys.executable, "-m", "retrieval", "ask", "株洲累计确诊多少"], env=env,
                               capture_output=True, text=True, timeout=120)
        assert asked.returncode == 2 and asked.stdout == ""
        assert asked.stderr.strip().count("\n") == 0 and asked.stderr.startswith(f"error: Milvus: connecting to {relay.uri}")
        with pytest.raises(StoreUnreachable):
            load_snapshot(settings.index_dir, FakeEmbedder().model_id, verify=False)  # a fresh process's view
        assert engine.snapshot.build_dir == first.build_dir  # the engine kept its snapshot

        relay.up()  # back: the same engine answers the next question (on a fresh channel), without a reload
        started = time.monotonic()
        assert "累计确诊78例" in (engine.ask("株洲累计确诊多少").answer or "")
        assert time.monotonic() - started < 5
        second = build(settings)
        assert service.refresh().build_id == second.build_dir.name
    finally:
        relay.down()
