"""The layout of an index directory both sides agree on: builds/, the `current` link, the manifest and its format."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

FORMAT_VERSION = 4  # 2: vectors/ and lexical/ through the store interfaces; 3: figures indexed, place_names;
# 4: articles' publication date and page
MANIFEST = "manifest.json"
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
