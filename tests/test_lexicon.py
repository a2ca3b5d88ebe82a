"""What `make install` derives from jionlp and jieba (news/lexicon.py): the same cuts and places, checked files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from news.errors import LexiconMissing
from news.lexicon import DEFAULT_DIR, PLACES, PREFIX, PrefixDict, build, place_data
from news.places import load_gazetteer
from stores.lexical import tokenize, tokenize_corpus

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lexicon")
    build(folder)
    return folder


def _texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "data" / "eval").rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            texts += [item[k] for k in ("question", "title", "text") if isinstance(item.get(k), str)]
    return texts + ["株洲累计确诊多少", "醴陵市新增确诊病例3例", "COVID-19 cases in 北京 2020年2月", "　全角ＡＢＣ１２３"]


def test_questions_are_cut_as_the_corpus_is() -> None:
    """The question tokenizer reads jieba's prefix dictionary from SQLite key by key, the build's has it in
    memory: the tokens must be the same, or BM25 would score words the index never saw."""
    texts = _texts()
    assert len(texts) > 1000
    assert tokenize_corpus(texts) == [tokenize(t) for t in texts]


def test_the_prefix_dictionary_is_jiebas(lexicon) -> None:
    from news.lexicon import import_jieba

    jieba = import_jieba()
    with open(jieba.get_dict_file().name, "rb") as handle:
        freq, total = jieba.Tokenizer.gen_pfdict(handle)
    prefix = PrefixDict(lexicon)
    assert prefix.total == total and len(prefix) == len(freq)
    for word in ("株洲", "醴陵", "确诊", "新型冠状病毒", "株", "新型冠"):  # words and bare prefixes (count 0)
        assert prefix.get(word) == freq.get(word) and (word in prefix) == (word in freq)
    assert prefix.get("株洲累计确诊") is None and "株洲累计确诊" not in prefix


def test_the_installed_files_are_the_ones_build_writes(lexicon) -> None:
    assert place_data(DEFAULT_DIR) == place_data(lexicon)


def test_a_missing_file_is_named_with_the_command_that_writes_it(tmp_path) -> None:
    with pytest.raises(LexiconMissing, match=rf"{tmp_path / PLACES} is missing: run `make install`"):
        place_data(tmp_path)
    with pytest.raises(LexiconMissing, match=rf"{tmp_path / PREFIX} is missing"):
        PrefixDict(tmp_path)
    with pytest.raises(LexiconMissing, match="places.json is missing"):
        load_gazetteer(_profile(), tmp_path)


def _profile():
    from config.profile import load_profile

    return load_profile()


def test_files_from_other_package_data_are_refused(lexicon, tmp_path) -> None:
    """A reinstalled or upgraded jionlp/jieba changes the sources' size or time: the files must be rebuilt."""
    data = json.loads((lexicon / PLACES).read_text(encoding="utf-8"))
    data["sources"]["jieba/dict.txt"][0] += 1
    (tmp_path / PLACES).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LexiconMissing, match=rf"{tmp_path / PLACES} is stale.*python -m news.lexicon"):
        place_data(tmp_path)
    copy = tmp_path / PREFIX
    copy.write_bytes((lexicon / PREFIX).read_bytes())
    with sqlite3.connect(copy) as db:
        stamp = json.loads(db.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()[0])
        db.execute("UPDATE meta SET value = ? WHERE key = 'stamp'", (json.dumps({**stamp, "format": 0}),))
    db.close()
    with pytest.raises(LexiconMissing, match=rf"{copy} is stale"):
        PrefixDict(tmp_path)


def test_the_gazetteer_reads_the_derived_rows(lexicon) -> None:
    gazetteer = load_gazetteer(_profile(), lexicon)
    hetang, liling = gazetteer.lookup("荷塘区"), gazetteer.lookup("醴陵")  # a county; its short form (jieba ns)
    assert (hetang.level, hetang.city, liling.name) == ("county", "株洲市", "醴陵市")
    assert gazetteer.lookup("秘鲁").level == "foreign" and gazetteer.lookup("平安") is None
    readings = place_data(lexicon)["readings"]  # jionlp's character dictionary: a polyphone keeps every reading
    assert readings["塘"] == readings["糖"] == "táng" and {"háng", "xíng"} <= set(readings["行"].split("|"))


@pytest.mark.parametrize("text", ["挪威海螯虾的价格", "湘东红润医药收到发票", "株洲累计确诊多少", "天门冬是一种植物",
                                  "北汽株洲分公司2月16日正式复产", "從武漢回來要隔離嗎"])
def test_question_tags_are_jiebas_whole_dictionary_tags(text) -> None:
    """pos_tags (SQLite prefixes and tags, module tagger's dict.txt read skipped) = jieba.posseg over dict.txt."""
    import jieba
    import jieba.posseg

    from news.text import pos_tags

    whole, at = [], 0
    for word, flag in jieba.posseg.POSTokenizer(jieba.Tokenizer()).lcut(text):
        whole.append((at, at + len(word), flag))
        at += len(word)
    assert pos_tags(text) == tuple(whole)
    assert jieba.posseg.dt.word_tag_tab.get("株洲") == "ns"  # the module's tagger still has every tag
