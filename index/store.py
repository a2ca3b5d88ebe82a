"""SQLite stores: the metadata of one build (articles, chunks, figures) and the embedding cache."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path

import numpy as np

from index.articles import Article
from index.chunker import Chunk

ARTICLE_COLUMNS = [f.name for f in fields(Article) if f.name != "extra"]
CHUNK_COLUMNS = ["id", "article_id", "ordinal", "start", "end", "text", "title", "date", "source"]
FIGURE_COLUMNS = [
    "metric", "region", "value", "number", "unit", "asof_key", "asof_label", "asof_date", "sentence",
    "article_id", "start", "end", "article_date",
]


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def write_meta(path: Path, articles: list[Article], chunks: list[Chunk], figures: Iterable) -> None:
    """Write a new metadata file (the build directory is fresh, so no migration is needed)."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE articles ({_quoted(ARTICLE_COLUMNS)}, PRIMARY KEY (id))")
        con.execute(f"CREATE TABLE chunks (row INTEGER PRIMARY KEY, {_quoted(CHUNK_COLUMNS)})")
        con.execute(f"CREATE TABLE figures ({_quoted(FIGURE_COLUMNS)})")
        con.executemany(
            f"INSERT INTO articles VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})",
            [tuple(getattr(a, c) for c in ARTICLE_COLUMNS) for a in articles],
        )
        con.executemany(
            f"INSERT INTO chunks VALUES (?, {', '.join('?' * len(CHUNK_COLUMNS))})",
            [(row, *(getattr(c, name) for name in CHUNK_COLUMNS)) for row, c in enumerate(chunks)],
        )
        con.executemany(
            f"INSERT INTO figures VALUES ({', '.join('?' * len(FIGURE_COLUMNS))})",
            [tuple(getattr(f, c) for c in FIGURE_COLUMNS) for f in figures],
        )
        con.commit()
    finally:
        con.close()


def read_meta(path: Path) -> tuple[list[Article], list[Chunk], list[dict]]:
    """Everything a build stored, in vector-row order for chunks."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        articles = [
            Article(**dict(zip(ARTICLE_COLUMNS, row, strict=False)))
            for row in con.execute(f"SELECT {_quoted(ARTICLE_COLUMNS)} FROM articles")
        ]
        chunks = [
            Chunk(**dict(zip(CHUNK_COLUMNS, row, strict=False)))
            for row in con.execute(f"SELECT {_quoted(CHUNK_COLUMNS)} FROM chunks ORDER BY row")
        ]
        figures = [
            dict(zip(FIGURE_COLUMNS, row, strict=False))
            for row in con.execute(f"SELECT {_quoted(FIGURE_COLUMNS)} FROM figures")
        ]
    finally:
        con.close()
    return articles, chunks, figures


class EmbeddingCache:
    """Vectors keyed by (model, sha256 of the embedded text): unchanged chunks are never re-embedded."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(path)
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, dim INTEGER, vec BLOB, "
            "PRIMARY KEY (model, hash))"
        )

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            batch = keys[i : i + 500]
            rows = self._con.execute(
                f"SELECT hash, vec FROM vectors WHERE model = ? AND hash IN ({', '.join('?' * len(batch))})",
                [model, *batch],
            )
            for digest, blob in rows:
                found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        self._con.executemany(
            "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
            [(model, k, int(v.shape[0]), np.asarray(v, np.float32).tobytes()) for k, v in items],
        )
        self._con.commit()

    def close(self) -> None:
        self._con.close()
