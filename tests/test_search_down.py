"""A vector store that fails while answering (Milvus down) is a typed error: the engine names the backend and
its URI, the bot replies in one short Chinese line and logs the cause once per outage, the CLI prints one line
and exits 2 — never a traceback, never the generic "出了点问题"."""

from __future__ import annotations

import dataclasses
import logging
import shutil

import numpy as np
import pytest

from bot.app import build_application
from bot.handlers import SEARCH_DOWN
from config import Settings
from model.embedder import FakeEmbedder
from retrieval import __main__ as cli
from retrieval.errors import SearchUnavailable
from stores.errors import VectorStoreError
from stores.vector_store import VectorStore
from tests.conftest import ROOT
from tests.fakes import FakeEngine, RecordingRequest, message_update

URI = "http://milvus.example:19530"


class DownStore(VectorStore):
    """A Milvus store whose server went away after the build was loaded: every search fails."""

    backend = "milvus"

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        raise VectorStoreError(f"Milvus: search failed (MilvusException: <connection to {URI} lost>)")

    def vectors(self, ids) -> np.ndarray:
        raise VectorStoreError("Milvus: query failed")

    def count(self) -> int:
        return 10  # known from the build's metadata, as MilvusStore does

    def save(self, path) -> None: ...

    def load(self, path) -> VectorStore:
        return self


@pytest.fixture(scope="module")
def down_engine(tmp_path_factory):
    """The real engine over the seed pages (fake embedder: fast), its vector store swapped for a failing one."""
    from index.build import build_index
    from retrieval.engine import Engine

    base = tmp_path_factory.mktemp("down")
    shutil.copytree(ROOT / "data" / "articles", base / "data")
    settings = Settings(_env_file=None, data_dir=base / "data", index_dir=base / "index", cache_dir=base / "cache",
                        embedding_model="fake", bot_token="123456:TEST-TOKEN-abcdef")
    embedder = FakeEmbedder()
    build_index(settings, lambda: embedder, embedder.model_id, progress=False)
    engine = Engine.open(settings, embedder=embedder)
    return engine.serving(dataclasses.replace(engine.snapshot, vectors=DownStore({"backend": "milvus", "uri": URI})))


def test_the_engine_names_the_backend_and_its_uri(down_engine):
    with pytest.raises(SearchUnavailable) as caught:
        down_engine.ask("株洲累计确诊多少")
    err = caught.value
    assert (err.backend, err.where) == ("milvus", URI) and "connection to" in err.cause
    assert str(err).startswith(f"the milvus vector store at {URI} failed: Milvus: search failed")
    assert isinstance(err.__cause__, VectorStoreError)
    assert down_engine.ask("你好").kind == "declined"  # what needs no search still works


class DownEngine(FakeEngine):
    """The fake engine while the store is down (``down``), answering again once it is back."""

    down = True

    def ask(self, question: str, max_sources: int | None = None):
        if self.down:
            self.asked.append((question, max_sources))
            raise SearchUnavailable("milvus", URI, "Milvus: search failed (MilvusException: unavailable)")
        return super().ask(question, max_sources)


async def test_the_bot_says_the_index_service_is_down_and_logs_once(tmp_path, caplog):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", index_dir=tmp_path / "index",
                        bot_token="123456:TEST-TOKEN-abcdef", embedding_model="fake")
    engine, request = DownEngine(settings), RecordingRequest()
    app = build_application(settings, engine=engine, request=request, get_updates_request=request)
    await app.initialize()
    try:
        with caplog.at_level(logging.INFO, logger="bot.handlers"):
            for text in ("株洲累计确诊多少", "荷塘区确诊多少", "/ask 累计确诊多少"):
                await app.process_update(message_update(app, text))
            assert [m["text"] for m in request.sent()] == [SEARCH_DOWN] * 3
            assert SEARCH_DOWN.startswith("索引服务暂时不可用")
            errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert len(errors) == 1 and URI in errors[0].getMessage() and errors[0].exc_info is None
            engine.down = False
            await app.process_update(message_update(app, "株洲累计确诊多少"))
            assert "累计确诊78例" in request.sent()[-1]["text"]
            assert any("answers again" in r.getMessage() for r in caplog.records)
            engine.down = True  # a second outage is logged again
            await app.process_update(message_update(app, "株洲累计确诊多少"))
            assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 2
    finally:
        await app.shutdown()


def test_the_cli_prints_one_line_and_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setattr(cli, "_engine", lambda settings: DownEngine(settings))
    assert cli.main(["ask", "株洲累计确诊多少"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().count("\n") == 0
    assert err.startswith(f"error: the milvus vector store at {URI} failed") and "Traceback" not in err
