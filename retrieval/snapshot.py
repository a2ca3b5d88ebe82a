"""Load a finished build (what index/ wrote) for searching: checked against its manifest."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from news.records import Article, Chunk
from retrieval.errors import IndexCorrupt, IndexMismatch, IndexNotReady, StoreUnreachable
from stores.errors import LexicalIndexError, VectorStoreError
from stores.figure_table import FigureTable
from stores.layout import FORMAT_VERSION, MANIFEST, current_dir, read_manifest, sha256_file
from stores.lexical import LexicalIndex, create_lexical_index
from stores.meta import open_meta
from stores.vector_store import VectorStore, create_vector_store


@dataclass
class IndexSnapshot:
    """One immutable build: indexes loaded (or connected), articles, chunks and figures read from SQLite on
    demand (``articles[id]``, ``chunks[row]``, ``figures.matching(metric, region)``), so memory does not grow
    with the corpus."""

    build_dir: Path
    manifest: dict
    vectors: VectorStore
    lexical: LexicalIndex
    articles: Mapping[str, Article]
    chunks: Sequence[Chunk]
    figures: FigureTable

    @property
    def build_id(self) -> str:
        return self.manifest["build_id"]


def load_snapshot(index_dir: Path, model_id: str | None = None, *, verify: bool = True) -> IndexSnapshot:
    """Load the build `current` points at.

    Raises:
        IndexNotReady, IndexMismatch, IndexCorrupt, StoreUnreachable (all IndexUnavailable): each with a
        message that says what to run.
    """
    build = current_dir(index_dir)
    if build is None or not (build / MANIFEST).is_file():
        raise IndexNotReady(f"no index in {index_dir}: run `make index`")
    manifest = read_manifest(build)
    if model_id is not None and manifest["model"]["id"] != model_id:
        raise IndexMismatch(
            f"the index in {build} was built with model {manifest['model']['id']!r} but the configured "
            f"model is {model_id!r}: run `make index` to rebuild it"
        )
    if verify:
        for name, expected in manifest.get("checksums", {}).items():
            path = build / name
            if not path.is_file() or sha256_file(path) != expected:
                raise IndexCorrupt(f"{path} is missing or damaged: run `make index FORCE=1` to rebuild")
    if "vector_store" not in manifest or manifest.get("format_version", 0) < FORMAT_VERSION:
        raise IndexMismatch(f"the index in {build} has an older format: run `make index` to rebuild it")
    try:
        articles, chunks, figures = open_meta(build / "meta.sqlite")
    except sqlite3.DatabaseError as err:
        raise IndexCorrupt(f"{build / 'meta.sqlite'} cannot be read ({err}): run `make index FORCE=1`") from err
    try:
        vectors = create_vector_store(manifest["vector_store"]).load(build / "vectors")
    except VectorStoreError as err:
        raise StoreUnreachable(str(err)) from err
    try:
        lexical = create_lexical_index(manifest["lexical"]).load(build / "lexical")
    except LexicalIndexError as err:
        raise IndexCorrupt(str(err)) from err
    if len(vectors) != len(chunks):
        raise IndexCorrupt(f"{build}: {len(vectors)} vectors for {len(chunks)} chunks: run `make index FORCE=1`")
    return IndexSnapshot(build, manifest, vectors, lexical, articles, chunks, figures)
