"""`make index`: scan data/, chunk, embed what changed, write a new build and switch it in atomically."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from config import Settings
from config.profile import load_profile
from index.chunker import chunk_article
from index.report import changes, undated
from index.sources import scan
from model.embedder import Embedder
from news.figures import extract_figures, grammar
from news.records import Chunk, SourceProblem
from news.text import fold
from stores.errors import VectorStoreError
from stores.layout import (
    FORMAT_VERSION,
    KEEP_BUILDS,
    MANIFEST,
    current_dir,
    read_manifest,
    sha256_file,
    write_build_status,
)
from stores.lexical import create_lexical_index, lexical_config
from stores.meta import EmbeddingCache, write_meta
from stores.vector_store import create_vector_store, vector_config

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    """What a build did, for the one summary line and for tests."""

    files: int = 0
    articles: int = 0
    chunks: int = 0
    figures: int = 0
    embedded: int = 0
    reused: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    build_dir: Path | None = None
    problems: list[SourceProblem] = field(default_factory=list)
    undated: list[SourceProblem] = field(default_factory=list)  # articles served without a date

    def summary(self) -> str:
        if self.up_to_date:
            return (f"index up to date: {self.files} files, {self.articles} articles, {self.chunks} chunks "
                    f"({self.seconds:.1f}s)")
        return (
            f"indexed {self.files} files: {self.articles} articles, {self.chunks} chunks, "
            f"{self.figures} figures; embedded {self.embedded}, reused {self.reused}; "
            f"{self.duplicates} duplicates skipped; {len(self.problems)} problems; {self.seconds:.1f}s"
        )


class BuildError(RuntimeError):
    """The build could not produce an index; the previous one (if any) keeps serving."""


def _code_version() -> str:
    """A hash of the build's code (index/ and news/): a parser or extractor change rebuilds (embeddings are cached)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted([*(root / "index").glob("*.py"), *(root / "news").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _fingerprint(settings: Settings, model_id: str, file_hashes: dict[str, str]) -> str:
    """Everything that, if changed, makes the current index stale."""
    backend = getattr(settings, settings.vector_backend, None)  # its settings group, if it has one
    payload = {
        "format": FORMAT_VERSION, "code": _code_version(), "model": model_id, "size": settings.chunk_size,
        "overlap": settings.chunk_overlap, "year": settings.default_year, "inputs": file_hashes,
        "vectors": {"backend": settings.vector_backend, **(backend.model_dump(mode="json") if backend else {})},
        "lexical": lexical_config(settings),
        "profile": hashlib.sha256(Path(settings.profile).read_bytes()).hexdigest()[:16],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def build_index(
    settings: Settings,
    embedder_factory: Callable[[], Embedder],
    model_id: str,
    *,
    force: bool = False,
    progress: bool = True,
) -> BuildReport:
    """Build (or confirm up to date) the index for ``settings.data_dir``.

    Args:
        embedder_factory: called only if some chunk is not in the embedding cache.
        model_id: the embedder's id, known without loading it (cache key and manifest).
    """
    started = time.perf_counter()
    index_dir = settings.index_dir
    (index_dir / "builds").mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time; readers never take this lock
        try:
            report = _build_locked(settings, embedder_factory, model_id, force, progress)
        except Exception as err:  # the running bot tells the admins why, once
            write_build_status(index_dir, None, str(err) if isinstance(err, BuildError) else f"{type(err).__name__}: {err}")
            raise
        write_build_status(index_dir, report.build_dir.name, None)
    report.seconds = time.perf_counter() - started
    return report


def _build_locked(settings, embedder_factory, model_id, force, progress) -> BuildReport:
    profile = load_profile(settings.profile)
    corpus = scan(settings.data_dir, settings.default_year, profile, settings.max_file_mb)
    report = BuildReport(
        files=len(corpus.file_hashes), articles=len(corpus.articles), duplicates=corpus.duplicates,
        problems=corpus.problems, undated=undated(corpus.articles),
    )
    for problem in [*corpus.problems, *report.undated]:
        log.warning("%s", problem)
    if not corpus.articles:
        raise BuildError(f"no article could be read from {settings.data_dir}; the previous index is kept")
    fingerprint = _fingerprint(settings, model_id, corpus.file_hashes)
    live = current_dir(settings.index_dir)
    if live is not None and not force:
        try:
            manifest = read_manifest(live)
        except (OSError, ValueError):
            manifest = {}
        if manifest.get("fingerprint") == fingerprint:
            report.up_to_date, report.build_dir = True, live
            report.chunks = manifest.get("counts", {}).get("chunks", 0)
            return report

    chunks: list[Chunk] = []
    for article in corpus.articles:
        chunks.extend(chunk_article(article, settings.chunk_size, settings.chunk_overlap))
    figures = [f for article in corpus.articles for f in extract_figures(article, profile)]
    vectors, embedded, dimension = _embed(settings, chunks, embedder_factory, model_id, progress)
    report.chunks, report.figures, report.embedded = len(chunks), len(figures), embedded
    report.reused = len(chunks) - embedded

    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
    work = settings.index_dir / "builds" / f".{build_id}.partial"
    work.mkdir(parents=True)
    store = None
    try:
        store = _write_vectors(settings, vectors, work / "vectors")
        lexical = create_lexical_index(lexical_config(settings))
        lexical.index([c.embed_text for c in chunks])
        lexical.save(work / "lexical")
        write_meta(work / "meta.sqlite", corpus.articles, chunks, figures, _place_names(corpus.articles, profile))
        dates = sorted(a.date for a in corpus.articles if a.date)
        manifest = {
            "format_version": FORMAT_VERSION,
            "build_id": build_id,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "fingerprint": fingerprint,
            "model": {"id": model_id, "dimension": dimension},
            "chunking": {"size": settings.chunk_size, "overlap": settings.chunk_overlap},
            "vector_store": store.config,
            "lexical": lexical.config,
            "inputs": corpus.file_hashes,
            "counts": {
                "files": report.files, "articles": report.articles, "chunks": report.chunks,
                "figures": report.figures, "problems": len(report.problems),
            },
            "date_range": [dates[0], dates[-1]] if dates else None,
            "report": changes(live, corpus.articles, figures, corpus.problems),  # for the admins (bot)
            "checksums": _checksums(work),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        try:
            store.activate()  # e.g. a Milvus server's alias; before `current`: a failure keeps the old build
        except VectorStoreError as err:
            raise BuildError(f"{err}; the previous index is kept") from err
        final = work.with_name(build_id)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        if store is not None:
            store.drop()
        raise
    switch_current(settings.index_dir, final)
    report.build_dir = final
    _prune(settings.index_dir, keep=final)
    return report


def _place_names(articles, profile) -> set[str]:
    """The gazetteer names the corpus contains (titles and texts), for the scope check at serving time."""
    gazetteer = grammar(profile).gazetteer
    found: set[str] = set()
    for article in articles:
        found |= gazetteer.names_in(fold.__wrapped__(f"{article.title}\n{article.text}"))  # not the answers' cache
    return found


def _write_vectors(settings, vectors: np.ndarray, path: Path):
    """Fill a new store of the configured backend and save it; a store error becomes a BuildError."""
    store = create_vector_store(vector_config(settings, len(vectors)))
    try:
        store.add(vectors)
        store.save(path)
    except VectorStoreError as err:
        store.drop()
        raise BuildError(f"{err}; the previous index is kept") from err
    finally:
        store.close()
    return store


def _checksums(build_dir: Path) -> dict[str, str]:
    return {
        p.relative_to(build_dir).as_posix(): sha256_file(p)
        for p in sorted(build_dir.rglob("*")) if p.is_file() and p.name != MANIFEST
    }


def _embed(settings, chunks, embedder_factory, model_id, progress) -> tuple[np.ndarray, int, int]:
    cache = EmbeddingCache(settings.cache_dir / "embeddings.sqlite")
    try:
        keys = [EmbeddingCache.key(c.embed_text) for c in chunks]
        found = cache.get_many(model_id, list(dict.fromkeys(keys)))
        missing = [i for i, k in enumerate(keys) if k not in found]
        missing = list({keys[i]: i for i in missing}.values())  # one embedding per distinct text
        if missing:
            embedder = embedder_factory()
            batch = 256
            bar = _progress(len(missing), progress)
            for start in range(0, len(missing), batch):
                rows = missing[start : start + batch]
                vecs = embedder.encode_passages(
                    [chunks[i].embed_text for i in rows], batch_size=settings.embedding_batch_size
                )
                cache.put_many(model_id, [(keys[i], v) for i, v in zip(rows, vecs, strict=False)])
                found.update({keys[i]: v for i, v in zip(rows, vecs, strict=False)})
                bar.update(len(rows))
            bar.close()
        if not chunks:
            return np.zeros((0, 1), np.float32), 0, 0
        vectors = np.stack([found[k] for k in keys]).astype(np.float32)
        return vectors, len(missing), int(vectors.shape[1])
    finally:
        cache.close()


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding chunks", unit="chunk", disable=not enabled, leave=False)


def switch_current(index_dir: Path, build: Path) -> None:
    """Point `current` at ``build`` with one atomic rename: readers see the old or the new, never half."""
    tmp = index_dir / f".current.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(Path("builds") / build.name)
    os.replace(tmp, index_dir / "current")


def _prune(index_dir: Path, keep: Path) -> None:
    """Drop old builds (and leftovers of failed ones), keeping the newest few for running readers."""
    builds = sorted(p for p in (index_dir / "builds").iterdir() if p.is_dir() and not p.name.startswith("."))
    for old in builds[:-KEEP_BUILDS]:
        if old != keep:
            _drop_store(old)
            shutil.rmtree(old, ignore_errors=True)
    for partial in (index_dir / "builds").glob(".*.partial"):  # a crashed build's server data may remain
        if time.time() - partial.stat().st_mtime > 3600:
            shutil.rmtree(partial, ignore_errors=True)


def _drop_store(build: Path) -> None:
    """Drop what an old build keeps outside its directory (a Milvus server's collection)."""
    try:
        config = read_manifest(build).get("vector_store")
        if config:
            create_vector_store(config).drop()
    except (OSError, ValueError, VectorStoreError) as err:
        log.warning("could not drop the vector store of %s: %s", build.name, err)
