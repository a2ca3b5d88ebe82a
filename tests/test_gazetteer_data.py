"""news/lexicon.py reads jionlp's data as the wheel ships it: china_location only as a .zip on a fresh install."""

from __future__ import annotations

import shutil

import pytest

from news.errors import GazetteerMissing
from news.lexicon import _data_dir, _data_lines


def test_zipped_division_data_is_read_without_unpacking(tmp_path):
    """A fresh `pip install jionlp` has china_location.zip and no .txt (jionlp unpacks it on first use only);
    the gazetteer must read the .zip and leave site-packages alone."""
    shutil.copy(_data_dir() / "china_location.zip", tmp_path)
    lines = list(_data_lines("china_location.txt", tmp_path))
    assert len(lines) > 3000 and any(line.strip().startswith("荷塘区") for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["china_location.zip"]  # nothing unpacked


def test_plain_file_wins_and_missing_data_names_the_fix(tmp_path):
    (tmp_path / "world_location.txt").write_text("秘鲁\t利马\n", encoding="utf-8")
    assert list(_data_lines("world_location.txt", tmp_path)) == ["秘鲁\t利马\n"]
    with pytest.raises(GazetteerMissing, match="reinstall jionlp"):
        list(_data_lines("china_location.txt", tmp_path))
