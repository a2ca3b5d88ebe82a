"""Builds on the real embedded Milvus (Milvus Lite): a file per build, hot reload, clear errors, no lost index."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import Settings
from index.build import BuildError, build_index
from model.embedder import FakeEmbedder
from retrieval.engine import Engine
from retrieval.errors import IndexCorrupt, IndexUnavailable, StoreUnreachable
from retrieval.service import Service
from retrieval.snapshot import load_snapshot
from stores.errors import VectorStoreError
from stores.layout import current_dir, read_manifest
from stores.milvus_store import MilvusStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path) -> Settings:
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    return Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                    cache_dir=tmp_path / "cache", embedding_model="fake", vector_backend="milvus")


def build(settings: Settings, force: bool = False):
    embedder = FakeEmbedder()
    return build_index(settings, lambda: embedder, embedder.model_id, force=force, progress=False)


def test_each_build_has_its_own_file_and_the_engine_switches(settings) -> None:
    gc.collect()
    engines = len(_engine_processes())  # other tests' (a session's seed engine on Milvus)
    first = build(settings)
    config = read_manifest(first.build_dir)["vector_store"]
    assert config["backend"] == "milvus" and config["uri"] is None and config["collection"]
    assert (first.build_dir / "vectors" / "milvus.db").is_file()
    engine = Engine.open(settings, embedder=FakeEmbedder())
    chunk = engine.snapshot.chunks[11]
    scores, rows = engine.snapshot.vectors.search(FakeEmbedder().encode_queries([chunk.embed_text]), 3)
    assert rows[0][0] == 11 and scores[0][0] > 0.999
    assert engine.ask("株洲累计确诊多少").answered
    service = Service(settings, engine)
    del engine

    second = build(settings, force=True)  # written while the engine holds the first file open
    assert read_manifest(second.build_dir)["vector_store"]["collection"] != config["collection"]
    assert service.refresh().build_id == second.build_dir.name
    assert service.answer("株洲累计确诊多少").answered
    third = build(settings, force=True)
    assert not first.build_dir.exists() and second.build_dir.exists()  # pruned like every build
    assert service.refresh().build_id == third.build_dir.name
    gc.collect()  # the replaced snapshots' engines stop when they are released: one engine process is left
    assert len(_engine_processes()) == engines + 1


def _engine_processes() -> list[str]:
    """This process's Milvus Lite engine children."""
    me, found = str(os.getpid()), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me and "milvus" in (stat.parent / "cmdline").read_text():
                found.append(stat.parent.name)
        except (OSError, IndexError):
            continue
    return found


def test_a_file_held_by_another_process_is_a_clear_error_and_the_last_index_serves(settings) -> None:
    first = build(settings)
    service = Service(settings, Engine.open(settings, embedder=FakeEmbedder()))
    second = build(settings, force=True)
    holder = subprocess.Popen(  # another process (say, a second bot) opens the new build's file first
        [sys.executable, "-c", "import sys, time; from pymilvus import MilvusClient; "
         f"MilvusClient({str(second.build_dir / 'vectors' / 'milvus.db')!r}); print('open', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreUnreachable, match="another process") as err:
            service.refresh()
        assert isinstance(err.value, IndexUnavailable)  # every edge that keeps the last good index catches it
        assert service.info()["build_id"] == first.build_dir.name and service.answer("株洲累计确诊多少").answered
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 15  # the holder's engine process exits with it
    while True:
        try:
            assert service.reload().changed  # force: retry the build that failed
            break
        except IndexUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    assert service.info()["build_id"] == second.build_dir.name


def test_damaged_file_is_corrupt(settings) -> None:
    report = build(settings)
    with (report.build_dir / "vectors" / "milvus.db").open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\xff" * 64)
    with pytest.raises(IndexCorrupt, match="make index"):
        load_snapshot(settings.index_dir, "fake-64")
    with pytest.raises(StoreUnreachable, match="make index"):  # without the checksums, Milvus itself refuses
        load_snapshot(settings.index_dir, "fake-64", verify=False)


def test_unreachable_server_fails_the_build_and_keeps_the_previous_index(settings) -> None:
    first = build(settings)
    down = settings.model_copy(update={"milvus": settings.milvus.model_copy(update={"uri": "http://127.0.0.1:9"})})
    (settings.data_dir / "new.md").write_text("title: 新闻\ndate: 2020-02-23\n\n株洲新增病例0例。\n", encoding="utf-8")
    with pytest.raises(BuildError, match="127.0.0.1:9.*previous index is kept"):
        build(down)
    assert current_dir(settings.index_dir) == first.build_dir
    assert load_snapshot(settings.index_dir, "fake-64").build_id == first.build_dir.name


def test_server_alias_switch_is_one_call(monkeypatch) -> None:
    """On a server, activate() points the alias at the new collection: created once, then altered."""
    calls = []

    class Server:
        aliases: list[str] = []

        def list_aliases(self):
            return {"aliases": list(self.aliases)}

        def create_alias(self, collection, alias):
            calls.append(("create", collection, alias))
            self.aliases.append(alias)

        def alter_alias(self, collection, alias):
            calls.append(("alter", collection, alias))

    server = Server()
    monkeypatch.setattr(MilvusStore, "_live", lambda self: server)
    for name in ("chunks_1", "chunks_2"):
        store = MilvusStore({"uri": "http://milvus:19530", "alias": "chunks"})
        store._collection = name
        store.activate()
    assert calls == [("create", "chunks_1", "chunks"), ("alter", "chunks_2", "chunks")]
    embedded = MilvusStore({"uri": None})  # embedded: no alias (Milvus Lite has none)
    embedded._collection = "x"
    embedded.activate()
    assert len(calls) == 2


def test_missing_collection_is_a_store_error(tmp_path) -> None:
    store = MilvusStore({"uri": str(tmp_path / "shared.db")})
    store.add(FakeEmbedder().encode_passages(["株洲", "醴陵"]))
    store.save(tmp_path / "vectors")
    store.drop()  # a shared file: the collection goes, the pointer stays
    with pytest.raises(VectorStoreError, match="no collection"):
        MilvusStore({"uri": str(tmp_path / "shared.db")}).load(tmp_path / "vectors")


def test_two_snapshots_of_one_build_share_its_engine_until_the_last_lets_go(settings) -> None:
    """Milvus Lite runs one engine process per file: letting go of one snapshot of a build (a second
    Engine.open, a reload that reopens it) must not stop the engine another snapshot still searches."""
    build(settings)
    embedder = FakeEmbedder()
    first = Engine.open(settings, embedder=embedder)
    second = load_snapshot(settings.index_dir, embedder.model_id)
    second.vectors.close()
    del second
    gc.collect()
    assert first.ask("株洲累计确诊多少").answered  # still searching after the other snapshot let go


def test_copying_a_served_build_and_serving_the_copy_elsewhere_keeps_its_engine(settings, tmp_path) -> None:
    """Milvus Lite stops its engine when the lock on the file's lock file is released, and POSIX drops a
    process's lock as soon as that process closes *any* descriptor of the file: copying a served build
    directory (as tests hand a copy to the CLI) read the lock file and stopped this process's engine."""
    build(settings)
    engine = Engine.open(settings, embedder=FakeEmbedder())
    running = set(_engine_processes())
    assert running
    shutil.copytree(settings.index_dir, tmp_path / "copy", symlinks=True)
    child = _search_in_child(tmp_path / "copy")  # another process serves the copy and exits, as the CLI does
    assert child.returncode == 0 and child.stdout.strip().isdigit(), child.stderr
    time.sleep(1.0)  # a stopped engine exits within milliseconds of losing its lock
    assert running <= set(_engine_processes())
    assert engine.ask("株洲累计确诊多少").answered
    other = _search_in_child(settings.index_dir)  # the copy read the lock file: other processes are still kept out
    assert other.returncode != 0 and "another process" in other.stderr


def _search_in_child(index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from model.embedder import FakeEmbedder; "
         "from retrieval.snapshot import load_snapshot; s = load_snapshot(Path(sys.argv[1]), 'fake-64'); "
         "print(s.vectors.search(FakeEmbedder().encode_queries(['株洲']), 3)[1][0][0])", str(index_dir)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, check=False)


@pytest.mark.backends
def test_the_suite_serves_from_the_backend_it_was_asked_for(seed_engine, backend, monkeypatch) -> None:
    """`make test` runs every test marked `backends` once per backend (tests/conftest.py): the seed engine those
    tests share must really search the asked-for backend's store, or the Milvus half proves nothing."""
    store = seed_engine.snapshot.vectors
    assert store.config["backend"] == backend and isinstance(store, MilvusStore) == (backend == "milvus")
    if backend == "milvus":
        assert _engine_processes()  # the embedded engine runs as a child of this process
    searched = []
    search = type(store).search
    monkeypatch.setattr(type(store), "search", lambda self, *a, **k: searched.append(self) or search(self, *a, **k))
    assert seed_engine.ask("株洲累计确诊多少").answered and any(s is store for s in searched)
