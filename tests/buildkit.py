"""Shared by the build tests: the seed corpus, fake-embedder settings and builds, and the shared build fixtures."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from config import Settings
from index.build import build_index
from model.embedder import FakeEmbedder, make_embedder
from news.records import Article
from retrieval.engine import Engine
from stores.layout import current_dir

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "articles"
SEED_FILES = sorted(p.name for p in SEED_DIR.glob("*.txt"))
FAKE_ID = make_embedder("fake").model_id  # "fake-64"

NEW_ARTICLE = """title: 我市新增出院病例5例
date: 2020-02-22
source: 株洲日报

株洲日报讯 2月22日，市卫健委通报，我市又有5名新冠肺炎患者治愈出院，累计治愈出院51人。

出院患者均按要求回当地进行隔离观察，社区将做好健康监测。
"""


def paper_article(title: str, text: str, date: str = "2020-02-20", paper: str = "株洲日报") -> Article:
    """An article of the home paper written in a test, its id from its text (for ``small_build``)."""
    return Article(id=f"t{abs(hash(text)) % 10**8}", title=title, date=date, byline="", source="t.jsonl",
                   text=text, paper=paper)


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every passage it was asked to embed."""

    def __init__(self) -> None:
        super().__init__(64)
        self.texts: list[str] = []

    def encode_passages(self, texts, batch_size=32, progress=False):
        self.texts.extend(texts)
        return super().encode_passages(texts, batch_size, progress)


def _no_embedder():
    raise AssertionError("the embedding model was loaded although every chunk was cached")


def _settings(root: Path, data: Path | None = None, **overrides) -> Settings:
    return Settings(
        data_dir=data or root / "data", index_dir=root / "index", cache_dir=root / "cache",
        embedding_model="fake", _env_file=None, **{"vector_backend": "faiss", **overrides},
    )


def _seed(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name in SEED_FILES:
        shutil.copy2(SEED_DIR / name, data / name)
    return data


def _build(settings: Settings, embedder=None, factory=None, model_id: str = FAKE_ID, **kwargs):
    embedder = embedder if embedder is not None else CountingEmbedder()
    return build_index(settings, factory or (lambda: embedder), model_id, progress=False, **kwargs)


def _builds(index_dir: Path) -> list[str]:
    """Everything inside builds/, hidden entries included."""
    return sorted(p.name for p in (index_dir / "builds").iterdir())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One fake-embedder build of the seed corpus, shared by the read-only tests."""
    root = tmp_path_factory.mktemp("built")
    _seed(root)
    settings = _settings(root)
    embedder = CountingEmbedder()
    report = _build(settings, embedder)
    return settings, report, embedder


@pytest.fixture
def fresh(built, tmp_path: Path):
    """A private copy of the shared build (data, index and embedding cache), with the shared build's report
    pointed at the copy; tests then change it."""
    source = built[0].data_dir.parent
    for part in ("data", "index", "cache"):
        shutil.copytree(source / part, tmp_path / part, symlinks=True)
    settings = _settings(tmp_path)
    return settings, replace(built[1], build_dir=current_dir(settings.index_dir))


@pytest.fixture(scope="session")
def small_build(tmp_path_factory):
    """``small_build(*articles)``: an engine over a real build (fake embedder, FAISS) of a test's own articles,
    written as one JSONL file (title, date, text, paper) and read back from the build as the bot reads it."""

    def build(*articles: Article) -> Engine:
        root = tmp_path_factory.mktemp("small")
        (root / "data").mkdir()
        rows = [{"title": a.title, "date": a.date, "text": a.text, "paper": a.paper} for a in articles]
        (root / "data" / "t.jsonl").write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
        settings = _settings(root)
        embedder = FakeEmbedder()
        _build(settings, embedder)
        return Engine.open(settings, embedder)

    return build
