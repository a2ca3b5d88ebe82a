"""The command lines as users run them: `python -m retrieval ask/latest`, `python -m bot` without a token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(args: list[str], settings, **env) -> subprocess.CompletedProcess:
    environ = os.environ | {
        "PYTHONPATH": str(ROOT), "DATA_DIR": str(settings.data_dir), "INDEX_DIR": str(settings.index_dir),
        "CACHE_DIR": str(settings.cache_dir), "EMBEDDING_MODEL": settings.embedding_model, "HF_HUB_OFFLINE": "1",
    } | env
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environ, cwd=ROOT,
                          timeout=300, check=False)


def test_ask_json(seed_settings, seed_index_copy):
    done = run(["-m", "retrieval", "ask", "株洲累计确诊多少", "--json"], seed_settings,
               INDEX_DIR=seed_index_copy)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["answered"] and "78" in data["answer"] and "2020年2月19日24时" in data["answer"]
    assert data["sources"][0]["source"] == "000_b7adce7465891e7b.txt"  # the file stays (admins, question sets)
    assert {k: data["sources"][0][k] for k in ("paper", "published", "page")} == {
        "paper": "株洲日报", "published": None, "page": "A1"}  # a page dump with no date: header


def test_ask_plain_text_has_the_bots_words(seed_settings, seed_index_copy):
    done = run(["-m", "retrieval", "ask", "株洲累计确诊多少"], seed_settings, INDEX_DIR=seed_index_copy)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "累计确诊78例（截至2020年2月19日24时）"
    assert "[1] “截至2月19日24时，我市累计报告新冠肺炎确诊病例78例" in done.stdout
    assert "    —— 好消息 我市连续5天无新增病例 治愈出院人数增至46人 · 株洲日报 A1版（2020年2月20日讯）" in done.stdout
    assert "000_b7adce7465891e7b.txt" not in done.stdout and "<" not in done.stdout  # the paper, not the file


def test_latest_json(seed_settings, seed_index_copy):
    done = run(["-m", "retrieval", "latest", "--json"], seed_settings, INDEX_DIR=seed_index_copy)
    rows = {(r["metric"], r["region"]): r for r in json.loads(done.stdout)}
    assert rows[("在院治疗", "株洲")]["value"] == "38" and rows[("在院治疗", "株洲")]["change"] == -7


def test_ask_without_index_says_what_to_run(seed_settings, tmp_path):
    done = run(["-m", "retrieval", "ask", "株洲累计确诊多少"], seed_settings, INDEX_DIR=str(tmp_path / "none"))
    assert done.returncode == 2 and "make index" in done.stderr


def test_ask_without_the_lexicon_names_the_file(seed_settings, seed_index_copy, tmp_path):
    """`make install`'s derived gazetteer rows missing: one line naming the file and the command, no traceback."""
    script = (f"import sys, news.lexicon; news.lexicon.DEFAULT_DIR = news.lexicon.Path({str(tmp_path)!r}); "
              "from retrieval.__main__ import main; sys.exit(main(['ask', '株洲累计确诊多少']))")
    done = run(["-c", script], seed_settings, INDEX_DIR=seed_index_copy)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"error: {tmp_path / 'places.json'} is missing: run `make install`" in done.stderr


def test_bot_without_token_exits_at_once_with_help(seed_settings):
    done = run(["-m", "bot"], seed_settings, BOT_TOKEN="")
    assert done.returncode == 2
    assert ".env.example" in done.stderr and "make chat" in done.stderr
