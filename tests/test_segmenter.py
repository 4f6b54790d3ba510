"""The compact word table (indexer/segmenter.py): the same words, frequencies and cuts as jieba
over the same dictionary, a table file made once and read after, and a fraction of jieba's memory."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import jieba
import pytest

from indexer.parsing.read import iter_files, read_path
from indexer.segmenter import CompactTokenizer, WordTable
from indexer.tokenise import Tokeniser, get_tokeniser

ROOT = Path(__file__).resolve().parent.parent


def stock_jieba(table_of: Tokeniser) -> jieba.Tokenizer:
    """jieba itself with the dictionary ``table_of`` was made from (user words added by jieba)."""
    items, total = table_of._load_jieba(Path(table_of.jieba.tmp_dir))
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(items), total, True
    return tokenizer


@pytest.fixture(scope="module")
def pair() -> tuple[CompactTokenizer, jieba.Tokenizer]:
    tokeniser = get_tokeniser()
    return tokeniser.jieba, stock_jieba(tokeniser)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """The project's own notices (samples and test data), whole and line by line."""
    paths = list(iter_files([ROOT / "indexer" / "samples", ROOT / "tests" / "data" / "pipeline"]))
    whole = [read_path(path).text for path in paths]
    assert len(whole) >= 10
    return whole + [line for text in whole for line in text.splitlines()]


def test_the_table_holds_jiebas_words_and_frequencies(pair):
    compact, stock = pair
    words = {word: freq for word, freq in stock.FREQ.items() if freq}
    assert compact.total == stock.total and len(compact.FREQ) == len(words) > 300_000
    assert dict(compact.FREQ.items()) == words
    assert compact.FREQ.get("医保基金") == stock.FREQ["医保基金"] and "医保基金" in compact.FREQ
    prefix = next(word for word, freq in stock.FREQ.items() if freq == 0)  # a prefix, no word
    assert prefix not in compact.FREQ and not compact.FREQ.get(prefix)


def test_cuts_are_jiebas(pair, texts):
    compact, stock = pair
    for text in texts:
        assert compact.words(text) == list(stock.cut(text)), text
        assert list(compact.cut(text)) == list(stock.cut(text))
    for text in texts[:40]:  # jieba's other modes run jieba's code over the table's get_DAG
        assert list(compact.cut(text, HMM=False)) == list(stock.cut(text, HMM=False))
        assert list(compact.cut(text, cut_all=True)) == list(stock.cut(text, cut_all=True))


def test_cuts_are_jiebas_on_random_text(pair, texts):
    # runs of unknown characters (the HMM), single letters and digits, whitespace, punctuation
    compact, stock = pair
    rng = random.Random(7)
    alphabet = sorted({ch for text in texts for ch in text}) + list("ab12 \n\r\t，。𠀀")
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        assert compact.words(text) == list(stock.cut(text)), text


def test_a_tie_goes_to_the_longer_word_as_in_jieba():
    # with a total of 1 the weights are log(freq): log(4) == log(2) + log(2) exactly
    freq = {"甲": 2, "乙": 2, "甲乙": 4}
    compact = CompactTokenizer(WordTable.from_frequencies(freq.items(), total=1))
    stock = jieba.Tokenizer()
    stock.FREQ, stock.total, stock.initialized = dict(freq), 1, True
    assert list(stock.cut("甲乙")) == compact.words("甲乙") == ["甲乙"]
    assert list(stock.cut("丙甲乙丁")) == compact.words("丙甲乙丁")


def test_the_table_file_is_made_once_and_read_after(tmp_path, monkeypatch):
    first = Tokeniser(cache_dir=tmp_path)
    tokens = first.for_index("违规使用医保基金，私设小金库")
    [saved] = tmp_path.glob("words-*.bin")

    def no_jieba(*args, **kwargs):
        raise AssertionError("jieba's dictionary was loaded again")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_jieba)
    second = Tokeniser(cache_dir=tmp_path)
    assert second.for_index("违规使用医保基金，私设小金库") == tokens
    assert second.jieba.total == first.jieba.total and second.jieba.FREQ is not first.jieba.FREQ
    monkeypatch.undo()

    saved.write_bytes(saved.read_bytes()[:100])  # damaged: made again, same cuts
    assert Tokeniser(cache_dir=tmp_path).for_index("违规使用医保基金，私设小金库") == tokens
    assert saved.stat().st_size > 1_000_000


def test_other_lists_get_their_own_table(tmp_path):
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("巡察整改专班\n", "utf-8")
    stopwords = tmp_path / "stopwords.txt"
    stopwords.write_text("专项\n", "utf-8")
    Tokeniser(cache_dir=tmp_path).for_index("预热")
    custom = Tokeniser(userdict, stopwords, cache_dir=tmp_path)
    assert "巡察整改专班" in custom.for_index("成立巡察整改专班")
    assert len(list(tmp_path.glob("words-*.bin"))) == 2


def test_a_table_read_from_its_file_is_small(tmp_path):
    Tokeniser(cache_dir=tmp_path).for_index("预热")
    [saved] = tmp_path.glob("words-*.bin")
    tracemalloc.start()
    try:
        table = WordTable.read(saved)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(table) > 300_000
    # frequencies as int32, weights as doubles (the trie is C++, untraced); jieba's dict: ~64 MiB
    assert held < 5 * 2**20


def test_the_table_is_read_only(pair):
    compact, _ = pair
    with pytest.raises(TypeError):
        compact.add_word("新词", 10)
    with pytest.raises(TypeError):
        compact.suggest_freq("新词")
    with pytest.raises(TypeError):
        compact.FREQ["新词"] = 10


def test_a_repeated_field_is_cut_once(monkeypatch):
    tokeniser = Tokeniser()
    cuts = []
    real = CompactTokenizer.words
    monkeypatch.setattr(CompactTokenizer, "words", lambda self, text: cuts.append(text) or real(self, text))
    heading = "（二）落实全面从严治党主体责任方面"
    first = tokeniser.for_index(heading)
    first.append("changed by the caller")
    assert tokeniser.for_index(heading) == first[:-1] and len(cuts) == 1
    long = "违规使用医保基金，" * 40  # over the memo's length: cut each time
    assert tokeniser.for_index(long) == tokeniser.for_index(long) and len(cuts) == 3
