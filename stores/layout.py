"""The layout of an index directory both sides agree on: builds/, the `current` link, the manifest and its format."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

FORMAT_VERSION = 4  # 2: vectors/ and lexical/ through the store interfaces; 3: figures indexed, place_names;
# 4: articles' publication date and page
MANIFEST = "manifest.json"
BUILD_STATUS = "last_build.json"  # the last build attempt: when, which build, or why it failed
KEEP_BUILDS = 2


def current_dir(index_dir: Path) -> Path | None:
    """The build directory `current` points at, or None if no index was built yet."""
    link = index_dir / "current"
    return link.resolve() if link.exists() else None


def read_manifest(build_dir: Path) -> dict:
    return json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_build_status(index_dir: Path, build_id: str | None, error: str | None) -> None:
    """Record the last build attempt (atomically): its time, the build it made (or kept), the error if it failed."""
    status = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "build_id": build_id, "error": error}
    tmp = index_dir / f".{BUILD_STATUS}.{os.getpid()}"
    tmp.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, index_dir / BUILD_STATUS)


def read_build_status(index_dir: Path) -> dict | None:
    """The last build attempt as written by :func:`write_build_status`; None when none was recorded."""
    try:
        return json.loads((index_dir / BUILD_STATUS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
