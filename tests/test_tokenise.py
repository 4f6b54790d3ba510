"""Tokenisation (indexer/tokenise.py): domain dictionary, search-mode parts, stop list, folding,
offsets, the dictionary version, and one jieba load per process."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import jieba
import pytest

from indexer import tokenise
from indexer.parsing.normalise import fold
from indexer.tokenise import (
    DICTIONARY_VERSION,
    STOPWORDS_PATH,
    USERDICT_PATH,
    Token,
    Tokeniser,
    character_bigrams,
    dictionary_version,
    get_tokeniser,
    read_entries,
    tokenise_for_index,
    tokenise_query,
    tokenise_with_offsets,
)

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


@pytest.mark.parametrize(
    ("text", "term", "parts"),
    [
        ("严格执行“三重一大”决策制度", "三重一大", ["三重"]),
        ("未落实一岗双责要求", "一岗双责", []),
        ("紧密型医共体建设推进缓慢", "医共体", []),
        ("党委会未落实第一议题制度", "第一议题", ["第一", "议题"]),
        ("支部三会一课制度落实不到位", "三会一课", []),
        ("违反中央八项规定精神", "中央八项规定精神", ["八项规定", "规定", "精神", "八项规定精神"]),
        ("医德医风教育流于形式", "医德医风", ["医德", "医风"]),
        ("私设小金库问题", "小金库", ["金库"]),
        ("民主集中制执行不严格", "民主集中制", ["民主", "集中", "集中制"]),
        ("违规使用医保基金", "医保基金", ["医保", "基金"]),
        ("班子会议未执行末位表态", "末位表态", ["末位", "表态"]),
    ],
)
def test_domain_terms_are_one_token_and_findable_by_their_parts(text, term, parts):
    tokens = tokenise_for_index(text)
    assert term in tokens
    assert set(parts) <= set(tokens)
    for part in parts:  # a query for a part finds the document
        assert part in tokenise_query(part)


def test_every_dictionary_entry_comes_out_whole():
    stop = set(read_entries(STOPWORDS_PATH))
    entries = [e.split()[0] for e in read_entries(USERDICT_PATH)]
    assert len(entries) >= 200 and len(set(entries)) == len(entries)
    not_whole = [e for e in entries if e not in stop and fold(e).lower() not in tokenise_for_index(e)]
    assert not_whole == []


def test_stop_phrases_are_dropped_whole_with_their_parts():
    assert tokenise_for_index("高度重视，认真落实，进一步加强管理，持续推进整改，切实履行职责") == [
        "管理", "整改", "职责",
    ]
    assert tokenise_for_index("一是建立台账。二是开展自查。") == ["建立", "台账", "自查"]


def test_punctuation_spaces_and_function_words_are_dropped():
    assert tokenise_for_index("《采购管理办法》（试行）、……\n\t 和 的 了") == ["采购", "管理", "采购管理", "办法", "试行"]


def test_index_and_query_tokens_are_identical():
    texts = ["违规使用医保基金，过度检查问题突出", "ＰＡＣＳ系统未接入医共体平台", "三重一大 末位表态", ""]
    for text in texts:
        assert tokenise_query(text) == tokenise_for_index(text)
    first = tokenise_query(texts[0])
    first.append("mutated")  # callers get a copy, never the memoised value
    assert tokenise_query(texts[0]) == tokenise_for_index(texts[0])


def test_lines_are_tokenised_independently():
    # the pipeline relies on it: tokens of joined measures = tokens of each measure in turn
    lines = ["一是修订三重一大决策制度", "二是退回违规费用3.2万元", "ＨＩＳ系统改造"]
    assert tokenise_for_index("\n".join(lines)) == [t for line in lines for t in tokenise_for_index(line)]


def test_full_width_is_folded_and_latin_lower_cased():
    assert tokenise_for_index("ＨＩＳ系统２０２４年") == tokenise_for_index("HIS系统2024年") == ["his", "系统", "2024", "年"]
    assert tokenise_for_index("ＰＡＣＳ") == ["pacs"]


def test_offsets_map_back_onto_the_original_text():
    text = "一、党的建设方面\n1.关于“三重一大”制度执行不严格的问题\u3000ＨＩＳ系统（２０２４年）退回3.2万元；医保基金"
    spans = tokenise_with_offsets(text)
    assert [s.token for s in spans] == tokenise_for_index(text)
    for token, start, end in spans:
        assert fold(text[start:end]).lower() == token
    assert Token("his", text.index("ＨＩＳ"), text.index("ＨＩＳ") + 3) in spans
    assert Token("医保", len(text) - 4, len(text) - 2) in spans


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the shared seeds folder {SEEDS} is absent")
def test_offsets_hold_on_real_notices():
    for path in sorted(SEEDS.glob("*.txt"))[:2]:
        text = path.read_text("utf-8")
        spans = tokenise_with_offsets(text)
        assert len(spans) > 1000
        assert all(fold(text[s:e]).lower() == t for t, s, e in spans)


def test_dictionary_version_is_stable_and_follows_the_lists(tmp_path, monkeypatch):
    assert DICTIONARY_VERSION == dictionary_version() == get_tokeniser().version
    assert len(DICTIONARY_VERSION) == 12 and int(DICTIONARY_VERSION, 16) >= 0

    userdict = tmp_path / "userdict.txt"
    stopwords = tmp_path / "stopwords.txt"
    shutil.copy(USERDICT_PATH, userdict)
    shutil.copy(STOPWORDS_PATH, stopwords)
    assert dictionary_version(userdict, stopwords) == DICTIONARY_VERSION

    with userdict.open("a", encoding="utf-8") as f:
        f.write("\n# a comment changes nothing\n")
    assert dictionary_version(userdict, stopwords) == DICTIONARY_VERSION
    with userdict.open("a", encoding="utf-8") as f:
        f.write("巡察整改专班\n")
    changed = dictionary_version(userdict, stopwords)
    assert changed != DICTIONARY_VERSION

    with stopwords.open("a", encoding="utf-8") as f:
        f.write("务实\n")
    assert dictionary_version(userdict, stopwords) not in (DICTIONARY_VERSION, changed)

    monkeypatch.setattr(tokenise, "TOKENISER_CODE_VERSION", tokenise.TOKENISER_CODE_VERSION + 1)
    assert dictionary_version() != DICTIONARY_VERSION
    monkeypatch.setattr(jieba, "__version__", "9.9.9")
    assert dictionary_version() != DICTIONARY_VERSION


def test_a_tokeniser_uses_its_own_lists(tmp_path):
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("# test\n巡察整改专班\n", "utf-8")
    stopwords = tmp_path / "stopwords.txt"
    stopwords.write_text("专项\n", "utf-8")
    custom = Tokeniser(userdict, stopwords)
    assert "巡察整改专班" in custom.for_index("成立巡察整改专班")
    assert "巡察整改专班" not in tokenise_for_index("成立巡察整改专班")
    assert "专项" not in custom.for_index("专项检查") and "专项" in tokenise_for_index("专项检查")
    assert custom.jieba is not get_tokeniser().jieba is not jieba.dt


def test_jieba_is_loaded_once_per_process(monkeypatch):
    tokenise_query("预热")
    tokeniser = get_tokeniser()
    loaded = tokeniser.jieba

    def no_reload(*args, **kwargs):
        raise AssertionError("jieba was loaded again")

    monkeypatch.setattr(jieba.Tokenizer, "initialize", no_reload)
    monkeypatch.setattr(Tokeniser, "_load", no_reload)
    for text in ("医保基金", "三重一大", "小金库问题", "医保基金"):
        tokenise_query(text)
        tokenise_for_index(text)
    assert get_tokeniser() is tokeniser and tokeniser.jieba is loaded


def test_concurrent_first_use_loads_once(monkeypatch):
    loads = []
    real_load = Tokeniser._load

    def counting_load(self):
        loads.append(1)
        return real_load(self)

    monkeypatch.setattr(Tokeniser, "_load", counting_load)
    fresh = Tokeniser()
    results: list[list[str]] = []
    barrier = threading.Barrier(6)

    def work():
        barrier.wait()
        results.append(fresh.for_index("违规使用医保基金，私设小金库"))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1
    assert results == [tokenise_for_index("违规使用医保基金，私设小金库")] * 6


def test_jieba_cache_goes_to_a_private_temp_folder():
    cache = Path(get_tokeniser().jieba.tmp_dir)
    assert cache.is_relative_to(tempfile.gettempdir())
    assert not stat.S_IMODE(cache.stat().st_mode) & 0o022
    assert not cache.is_relative_to(Path(jieba.__file__).parent)


def test_tokens_do_not_depend_on_the_process(tmp_path):
    # index and query run in different processes: hash seeds must not change the dictionary
    script = (
        "import glob, json; from indexer.tokenise import tokenise_for_index, get_tokeniser;"
        "texts = [open(f, encoding='utf-8').read() for f in sorted(glob.glob('tests/data/pipeline/*.txt'))];"
        "print(json.dumps([get_tokeniser().jieba.total, [tokenise_for_index(t) for t in texts]]))"
    )
    root = Path(__file__).resolve().parent.parent
    outputs = {
        subprocess.run([sys.executable, "-c", script], cwd=root, env={"PYTHONHASHSEED": seed, "PATH": ""},
                       capture_output=True, text=True, check=True).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())[1]) == 3


# -- character bigrams (the bigram leg) --------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("医保基金", ["医保", "保基", "基金"]),
    # full-width and traditional forms fold as for the word tokens (NFKC, then fold)
    ("醫保基金", ["医保", "保基", "基金"]),
    # digits, Latin words, punctuation and spaces break runs and give no bigrams themselves
    ("违规收费3.2万元，KTV消费 共计", ["违规", "规收", "收费", "万元", "消费", "共计"]),
    ("ＫＴＶ包厢", ["包厢"]),
    # a Han character standing alone gives nothing
    ("税 费", []),
    ("", []),
    ("qwzx plmk ？？？ 😀🎉", []),
])
def test_character_bigrams(text, expected):
    assert character_bigrams(text) == expected


def test_bigrams_meet_where_word_tokens_do_not():
    """规费 (a fee word) inside 违规费用 is cut 违规 / 费用: no word token matches, a bigram does."""
    assert "规费" not in tokenise_for_index("退回违规费用")
    assert "规费" in character_bigrams("退回违规费用")


def test_the_idf_table_loads_without_jiebas_part_of_speech_model():
    """jieba.analyse would load jieba.posseg (~100 MB a server never uses) just to find idf.txt."""
    code = ("import sys; from indexer.tokenise import general_idf; "
            "assert general_idf('医保') > general_idf('的'); "
            "print(sorted(m for m in sys.modules if m.startswith('jieba.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout
    assert "jieba.posseg" not in out and "jieba.analyse" not in out
