"""MILVUS_URI=<file path>, as documented, from the environment and from .env: build and answer, no warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``python -m <args>``, run from ``python -c``: without a main file, python-dotenv (which pymilvus calls when
    imported) looks for .env in the working directory, as it does for a project's .env next to its venv."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MILVUS_", "VECTOR_", "INDEX_", "DATA_"))}
    environ.update(PYTHONPATH=str(ROOT), EMBEDDING_MODEL="fake", LOG_LEVEL="WARNING", **env)
    code = f"import runpy, sys; sys.argv = {args!r}; runpy.run_module({args[0]!r}, run_name='__main__')"
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environ, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["environment", "dotenv"])
def test_a_file_path_in_milvus_uri_builds_and_answers(tmp_path: Path, where: str) -> None:
    shutil.copytree(ROOT / "data" / "articles", tmp_path / "data")
    db = tmp_path / "milvus" / "milvus.db"
    values = {"VECTOR_BACKEND": "milvus", "MILVUS_URI": str(db), "DATA_DIR": str(tmp_path / "data"),
              "INDEX_DIR": str(tmp_path / "index")}
    if where == "dotenv":  # the Settings read .env from the working directory; pymilvus must not read it
        (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
        values = {}
    for args in (["index", "build", "--quiet"], ["retrieval", "ask", "株洲累计确诊多少"]):
        done = _run(args, tmp_path, values)
        assert done.returncode == 0, done.stderr
        assert "Illegal uri" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert "78" in done.stdout
    assert db.is_file()  # the vectors went to the file MILVUS_URI names
