"""SQLite stores: the metadata of one build (articles, chunks, figures), read on demand, and the embedding cache."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np

from news.records import Article, Chunk, Figure
from news.text import written_forms
from stores.figure_table import FIGURE_COLUMNS, FigureTable

ARTICLE_COLUMNS = [f.name for f in fields(Article) if f.name != "extra"]
ARTICLES_KEPT = 64  # articles an ArticleTable keeps after reading them
CHUNK_COLUMNS = ["id", "article_id", "ordinal", "start", "end", "text", "title", "date", "source"]


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def write_meta(
    path: Path, articles: list[Article], chunks: list[Chunk], figures: Iterable[Figure], place_names: Iterable[str] = (),
) -> None:
    """Write a new metadata file (the build directory is fresh, so no migration is needed). ``place_names``:
    the gazetteer names the articles contain (the scope check's "does the corpus name this place")."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"CREATE TABLE articles ({_quoted(ARTICLE_COLUMNS)}, PRIMARY KEY (id))")
        con.execute(f"CREATE TABLE chunks (row INTEGER PRIMARY KEY, {_quoted(CHUNK_COLUMNS)})")
        con.execute(f"CREATE TABLE figures ({_quoted(FIGURE_COLUMNS)}, report_day TEXT)")
        con.executemany(
            f"INSERT INTO articles VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})",
            [tuple(getattr(a, c) for c in ARTICLE_COLUMNS) for a in articles],
        )
        con.executemany(
            f"INSERT INTO chunks VALUES (?, {', '.join('?' * len(CHUNK_COLUMNS))})",
            [(row, *(getattr(c, name) for name in CHUNK_COLUMNS)) for row, c in enumerate(chunks)],
        )
        con.executemany(
            f"INSERT INTO figures VALUES ({', '.join('?' * len(FIGURE_COLUMNS))}, ?)",
            [(*(getattr(f, c) for c in FIGURE_COLUMNS), f.report_day) for f in figures],
        )
        con.execute("CREATE INDEX figures_key ON figures (metric, region, asof_date, article_date, asof_key)")
        con.execute("CREATE INDEX figures_day ON figures (region, report_day, article_id)")
        con.execute("CREATE TABLE place_names (name TEXT PRIMARY KEY) WITHOUT ROWID")
        con.executemany("INSERT OR IGNORE INTO place_names VALUES (?)", ((n,) for n in place_names))
        con.commit()
    finally:
        con.close()


def read_meta(path: Path) -> tuple[list[Article], list[Chunk], list[Figure]]:
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
        figures = [Figure(*row) for row in con.execute(f"SELECT {_quoted(FIGURE_COLUMNS)} FROM figures")]
    finally:
        con.close()
    return articles, chunks, figures


class MetaReader:
    """One read-only connection to a build's meta.sqlite, shared by threads (a lock per query: lookups by
    primary key take microseconds). The build directory never changes, so SQLite need not lock the file."""

    def __init__(self, path: Path) -> None:
        self._con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        weakref.finalize(self, self._con.close)

    def one(self, sql: str, args: tuple = ()) -> tuple | None:
        with self._lock:
            return self._con.execute(sql, args).fetchone()

    def all(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._con.execute(sql, args).fetchall()

    def scan(self, table: str, columns: str, key: str = "rowid", batch: int = 2000) -> Iterator[tuple]:
        """Every row of ``table`` in ``key`` order, fetched in batches: a full scan holds one batch at a
        time, not the table, and never keeps the lock between batches."""
        last = -1
        while True:
            with self._lock:
                rows = self._con.execute(
                    f"SELECT {key}, {columns} FROM {table} WHERE {key} > ? ORDER BY {key} LIMIT {batch}", (last,)
                ).fetchall()
            yield from (r[1:] for r in rows)
            if len(rows) < batch:
                return
            last = rows[-1][0]


class ChunkTable(Sequence):
    """The chunks of a build in vector-row order, read from SQLite when indexed (``chunks[row]``)."""

    def __init__(self, meta: MetaReader) -> None:
        self._meta = meta
        self._len = meta.one("SELECT COUNT(*) FROM chunks")[0]
        self._select = f"SELECT {_quoted(CHUNK_COLUMNS)} FROM chunks"

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(self._len))]
        row = int(row) + (self._len if row < 0 else 0)
        found = self._meta.one(f"{self._select} WHERE row = ?", (row,)) if 0 <= row < self._len else None
        if found is None:
            raise IndexError(f"chunk row {row} out of range ({self._len} chunks)")
        return Chunk(**dict(zip(CHUNK_COLUMNS, found, strict=True)))

    def __iter__(self) -> Iterator[Chunk]:  # a full scan: only the benchmarks and tests walk every chunk
        for found in self._meta.scan("chunks", _quoted(CHUNK_COLUMNS), key="row"):
            yield Chunk(**dict(zip(CHUNK_COLUMNS, found, strict=True)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


class ArticleTable(Mapping):
    """The articles of a build by id, read from SQLite when looked up (``articles[id]``, ``.get(id)``)."""

    def __init__(self, meta: MetaReader) -> None:
        self._meta = meta
        self._len = meta.one("SELECT COUNT(*) FROM articles")[0]
        self._select = f"SELECT {_quoted(ARTICLE_COLUMNS)} FROM articles"
        # an answer looks up the same few articles many times (sentences, headlines, dates): the last ones read
        # are kept (the build never changes; Article is frozen)
        self._recent: dict[str, Article] = {}
        self._recent_lock = threading.Lock()  # the bot answers from several threads

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, article_id: str) -> Article:
        article = self._recent.get(article_id) if isinstance(article_id, str) else None
        if article is None:
            found = self._meta.one(f"{self._select} WHERE id = ?", (article_id,)) if isinstance(article_id, str) else None
            if found is None:
                raise KeyError(article_id)
            article = Article(**dict(zip(ARTICLE_COLUMNS, found, strict=True)))
            with self._recent_lock:
                if len(self._recent) >= ARTICLES_KEPT:
                    self._recent.pop(next(iter(self._recent)))  # the oldest read (dicts keep insertion order)
                self._recent[article_id] = article
        return article

    def __contains__(self, article_id: object) -> bool:
        return isinstance(article_id, str) and self._meta.one(
            "SELECT 1 FROM articles WHERE id = ?", (article_id,)) is not None

    def __iter__(self) -> Iterator[str]:
        return (found[0] for found in self._meta.scan("articles", "id"))

    def titles(self, ids: list[str]) -> set[str]:
        """The distinct titles of the articles ``ids``, read in batches (no article text)."""
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            batch = ids[i : i + 500]
            sql = f"SELECT DISTINCT title FROM articles WHERE id IN ({', '.join('?' * len(batch))})"
            found.update(t for (t,) in self._meta.all(sql, tuple(batch)))
        return found

    def dated_after(self, day: str) -> list[Article]:
        """The articles printed (or, publication date unknown, filed) after ``day``, oldest first."""
        rows = self._meta.all(f"{self._select} WHERE COALESCE(published, date) > ? "
                              "ORDER BY COALESCE(published, date), title", (day,))
        return [Article(**dict(zip(ARTICLE_COLUMNS, found, strict=True))) for found in rows]

    def names_place(self, name: str) -> bool:
        """Whether any title or text contains the gazetteer name ``name`` (looked up, not scanned)."""
        return self._meta.one("SELECT 1 FROM place_names WHERE name = ?", (name,)) is not None

    def contains_text(self, text: str) -> bool:
        """Whether any title or text contains ``text`` in any of its written forms (simplified or traditional):
        a scan of every article inside SQLite (no Python objects), for the rare word that is not a place name."""
        return any(self._meta.one(
            "SELECT 1 FROM articles WHERE instr(title, ?) > 0 OR instr(text, ?) > 0 LIMIT 1", (form, form)
        ) is not None for form in sorted(written_forms(text)))

    def values(self) -> Iterator[Article]:  # type: ignore[override]  # one pass, not a lookup per id
        """Every article, streamed (a full scan: the engine's per-build corpus facts, the benchmarks)."""
        return (Article(**dict(zip(ARTICLE_COLUMNS, found, strict=True)))
                for found in self._meta.scan("articles", _quoted(ARTICLE_COLUMNS)))


def open_meta(path: Path) -> tuple[ArticleTable, ChunkTable, FigureTable]:
    """A build's metadata for serving: articles, chunks and figures all read on demand."""
    meta = MetaReader(path)
    return ArticleTable(meta), ChunkTable(meta), FigureTable(meta)


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
