"""Language data derived once at `make install` from jionlp's and jieba's package files, read without them."""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import logging
import re
import sqlite3
import sys
import threading
import zipfile
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from config.settings import PROJECT_ROOT
from news.errors import GazetteerMissing, LexiconMissing

# `make install` writes both files here (python -m news.lexicon models/lexicon); answering reads them only
DEFAULT_DIR = PROJECT_ROOT / "models" / "lexicon"
PLACES = "places.json"  # the division lines of china_location, world_location and jieba's place words (ns)
PREFIX = "jieba_prefix.sqlite"  # jieba's prefix dictionary (its gen_pfdict of dict.txt), one row per key
FORMAT = 4  # 3: the tag table (jieba's part-of-speech tags); 4: the characters' readings (pinyin)
_MISSING = object()


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # found, never imported
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _data_dir() -> Path:
    found = _package_dir("jionlp")
    if found is None:
        raise GazetteerMissing("the place gazetteer needs jionlp: .venv/bin/pip install jionlp (see requirements.txt)")
    return found / "dictionary"


def _data_lines(name: str = "china_location.txt", folder: Path | None = None) -> Iterator[str]:
    """The lines of one of jionlp's data files. The wheel ships china_location as a .zip that jionlp unpacks
    beside itself on first use; read the .zip directly when it has not (a fresh install), never write there."""
    folder = folder or _data_dir()
    plain = folder / name
    if plain.is_file():
        with plain.open(encoding="utf-8") as handle:
            yield from handle
        return
    packed = plain.with_suffix(".zip")
    if not packed.is_file():
        raise GazetteerMissing(f"{plain} (or {packed.name}) is missing: reinstall jionlp (see requirements.txt)")
    with zipfile.ZipFile(packed) as archive, archive.open(name) as raw:
        yield from io.TextIOWrapper(raw, encoding="utf-8")


def _jieba_dict() -> Path:
    folder = _package_dir("jieba")
    if folder is None or not (folder / "dict.txt").is_file():
        raise GazetteerMissing("jieba's dict.txt is missing: reinstall jieba (see requirements.txt)")
    return folder / "dict.txt"


def sources() -> dict[str, list[int]]:
    """The package files everything here is derived from, by size — what the staleness check compares (not
    mtimes: a copied venv keeps the same files with new times).
    china_location is the wheel's .zip when present (jionlp may unpack a .txt beside it later: same data)."""
    data = _data_dir()
    division = data / "china_location.zip"
    files = [division if division.is_file() else data / "china_location.txt", data / "world_location.txt", _jieba_dict()]
    out = {}
    for path in files:
        if not path.is_file():
            raise GazetteerMissing(f"{path} is missing: reinstall jionlp and jieba (see requirements.txt)")
        stat = path.stat()
        out[f"{path.parent.name}/{path.name}"] = [stat.st_size]
    return out


def _stale(path: Path, stamp: dict) -> None:
    """Raise LexiconMissing naming ``path`` unless it was written by this FORMAT from today's package files."""
    if stamp.get("format") != FORMAT or stamp.get("sources") != sources():
        raise LexiconMissing(f"{path} is stale (written from other jionlp/jieba files or an older format): "
                             f"rebuild it with `.venv/bin/python -m news.lexicon {path.parent}` (part of `make install`)")


def _absent(path: Path) -> LexiconMissing:
    return LexiconMissing(f"{path} is missing: run `make install` "
                          f"(or `.venv/bin/python -m news.lexicon {path.parent}`)")


def place_data(folder: Path | None = None) -> dict[str, list[str]]:
    """What the gazetteer is read from: ``divisions`` (china_location's province, city and county lines),
    ``world`` (world_location's lines), ``place_words`` (the words jieba's dictionary tags ns) and
    ``readings`` (each character's pinyin, for place names misspelt by sound)."""
    path = Path(folder or DEFAULT_DIR) / PLACES
    if not path.is_file():
        raise _absent(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    _stale(path, data)
    return data


class PrefixDict(Mapping):
    """jieba's prefix dictionary (word → count; 0 for a prefix of a longer word), one SQLite lookup per key:
    a question is cut by jieba's own algorithm without loading its 500k keys (~1 s and ~60 MB per process).
    Keys looked up are remembered; the connection is shared by the bot's threads behind a lock."""

    TABLE, COLUMN = "prefix", "freq"

    def __init__(self, folder: Path | None = None) -> None:
        path = Path(folder or DEFAULT_DIR) / PREFIX
        if not path.is_file():
            raise _absent(path)
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        stamp = json.loads(self._db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()[0])
        _stale(path, stamp)
        self.total: int = stamp["total"]
        self._lock = threading.Lock()
        self._seen: dict[str, int | None] = {}

    def get(self, word, default=None):
        found = self._seen.get(word, _MISSING)
        if found is _MISSING:
            with self._lock:
                row = self._db.execute(f"SELECT {self.COLUMN} FROM {self.TABLE} WHERE word = ?", (word,)).fetchone()  # noqa: S608 (class constants)
            found = self._seen[word] = None if row is None else row[0]
            if len(self._seen) > 100_000:
                self._seen.clear()
        return default if found is None else found

    def __getitem__(self, word: str) -> int:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found

    def __contains__(self, word: object) -> bool:
        return self.get(word) is not None

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            words = [w for (w,) in self._db.execute(f"SELECT word FROM {self.TABLE}")]  # noqa: S608 (class constants)
        return iter(words)

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute(f"SELECT count(*) FROM {self.TABLE}").fetchone()[0]  # noqa: S608 (class constants)


class WordTags(PrefixDict):
    """jieba's part-of-speech tag of each dictionary word (dict.txt's third column), looked up like PrefixDict."""

    TABLE, COLUMN = "tag", "tag"


def import_jieba():
    """``import jieba`` without pkg_resources: jieba opens its bundled dictionary through pkg_resources when it
    can import it (a 0.3-0.9 s import on 2 cores and a deprecation warning); without it, the same files directly."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=1)
def question_jieba():
    """jieba reading its prefix dictionary from the SQLite copy key by key: the same cuts as the whole
    dictionary, and a question costs milliseconds instead of loading it."""
    tokenizer = import_jieba().Tokenizer()
    tokenizer.FREQ = PrefixDict()
    tokenizer.total, tokenizer.initialized = tokenizer.FREQ.total, True
    return tokenizer


@lru_cache(maxsize=1)
def question_posseg():
    """jieba.posseg over ``question_jieba`` with its tags from SQLite. Importing jieba.posseg reads all of
    dict.txt for its module-level tagger (~0.7 s); that read is skipped, and that tagger given the same tags."""
    jieba = import_jieba()
    read = jieba.Tokenizer.get_dict_file
    jieba.Tokenizer.get_dict_file = lambda self: io.BytesIO(b"")
    try:
        import jieba.posseg as posseg
    finally:
        jieba.Tokenizer.get_dict_file = read
    tags = WordTags()
    if not posseg.dt.word_tag_tab:  # emptied by the skipped read above (not when imported before)
        posseg.dt.word_tag_tab = tags
    tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    tagger.tokenizer, tagger.word_tag_tab = question_jieba(), tags
    return tagger


def _write_places(path: Path, stamp: dict) -> None:
    divisions = [line.rstrip("\n") for line in _data_lines() if not line.startswith("\t\t\t")]
    world = [line.rstrip("\n") for line in _data_lines("world_location.txt")]
    with _jieba_dict().open(encoding="utf-8") as handle:
        ns = sorted(line.split(" ", 1)[0] for line in handle if line.endswith(" ns\n"))
    data = {**stamp, "divisions": divisions, "world": world, "place_words": ns, "readings": _readings()}
    path.with_suffix(".tmp").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    path.with_suffix(".tmp").replace(path)


def _readings() -> dict[str, str]:
    """Each character's readings in pinyin with tone marks ("塘" → "táng"; a polyphone's joined by "|"), from
    jionlp's character dictionary (its definitions open each reading with "[táng]")."""
    out = {}
    for line in _data_lines("chinese_char_dictionary.txt"):
        fields = line.split("\t")
        found = re.findall(r"\[([^\]\s]+)\]", fields[-1]) if len(fields) > 1 else []
        if len(fields[0]) == 1 and found:
            out[fields[0]] = "|".join(dict.fromkeys(found))
    return out


def _write_prefix(path: Path, stamp: dict) -> None:
    with _jieba_dict().open("rb") as handle:  # jieba's own prefix dictionary, not a reimplementation
        freq, total = import_jieba().Tokenizer.gen_pfdict(handle)
    with _jieba_dict().open(encoding="utf-8") as handle:  # read as jieba.posseg's load_word_tag reads it
        tags = dict(line.split()[::2] for line in handle if line.strip())
    temp = path.with_suffix(".tmp")
    temp.unlink(missing_ok=True)
    with sqlite3.connect(temp) as db:
        db.execute("CREATE TABLE prefix (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO prefix VALUES (?, ?)", sorted(freq.items()))
        db.execute("CREATE TABLE tag (word TEXT PRIMARY KEY, tag TEXT NOT NULL) WITHOUT ROWID")
        db.executemany("INSERT INTO tag VALUES (?, ?)", sorted(tags.items()))
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('stamp', ?)", (json.dumps({**stamp, "total": total}),))
    db.close()
    temp.replace(path)


def build(folder: Path = DEFAULT_DIR) -> list[Path]:
    """Write (or rewrite) both files into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = {"format": FORMAT, "sources": sources()}
    _write_places(folder / PLACES, stamp)
    _write_prefix(folder / PREFIX, stamp)
    return [folder / PLACES, folder / PREFIX]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m news.lexicon", description=__doc__)
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_DIR), help="where to write (default: %(default)s)")
    for path in build(Path(parser.parse_args(argv).folder)):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
