"""Importing the answering side (CLI, engine, bot) loads no model runtime, dictionary or Milvus client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "sentencepiece", "tokenizers", "jieba",
         "jionlp", "pymilvus", "milvus_lite", "pkg_resources", "faiss", "bm25s", "scipy", "opencc")


def test_importing_the_answering_side_loads_nothing_heavy() -> None:
    script = ("import sys; import retrieval.__main__, retrieval.engine, retrieval.service, bot.app; "
              f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
