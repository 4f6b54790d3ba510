"""Tokenisation: jieba with a domain dictionary and a stop list, identical at index and query time.

Text is width-folded (:func:`indexer.parsing.normalise.fold`, one character in, one out) and cut by a
dedicated ``jieba.Tokenizer`` that knows this genre's vocabulary (``data/userdict.txt``). Search
mode: a word longer than two characters is emitted whole *and* as every dictionary word inside
it, so a domain term is one token yet findable by its parts. Stop phrases (``data/stopwords.txt``)
are dropped whole, parts included, and so are tokens made only of punctuation or spaces. Latin
letters are lower-cased.

    >>> tokenise_for_index("切实落实“三重一大”制度，医保基金管理不规范")
    ['三重', '一大', '三重一大', '制度', '医保', '基金', '医保基金', '管理', '不', '规范']

:data:`DICTIONARY_VERSION` (a short hash of both lists, the jieba version and
:data:`TOKENISER_CODE_VERSION`) is recorded in the index; an index tokenised with another
version is refused until it is rebuilt (``python -m indexer reindex``).

:func:`character_bigrams` is the second representation, for the bigram leg (issue #12): the
overlapping pairs of Chinese characters of a text, so that a query and a document meet whatever
jieba made of either.

jieba is loaded once per process, lazily and under a lock, over a compact copy of its dictionary
with the user words (:mod:`indexer.segmenter`: ~7 MiB instead of ~64, the same cuts); that table
is made once from jieba's own dictionary and kept, like jieba's prefix-dictionary cache, in a
private folder under the system temp dir, never in site-packages.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
import threading
import unicodedata
from array import array
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import jieba
import numpy as np

from indexer.parsing.normalise import fold
from indexer.segmenter import CompactTokenizer, WordTable

# Bump when the rules in this module change in a way that changes tokens (not for list edits:
# those change the version by themselves). 2: character bigrams (:func:`character_bigrams`).
TOKENISER_CODE_VERSION = 2

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

# A dictionary word without a frequency gets at least this one: high enough to stay whole in
# running text (jieba's own suggestion only beats the word's split in isolation), low enough not
# to swallow a common neighbour. Tested on the seed notices: see tests/test_tokenise.py.
MIN_USER_FREQ = 2000
QUERY_CACHE_SIZE = 4096
WORD_CACHE_SIZE = 200_000  # distinct cut words whose parts are remembered (a few MB)
# Fields met again (a section heading for each of its issues, a measure repeated): half of what
# ingest tokenised for the 300 generated notices (334k of 681k characters were distinct).
FIELD_CACHE_SIZE, FIELD_CACHE_CHARS = 1024, 256


class Token(NamedTuple):
    """One token and its span in the original text: ``text[start:end]`` folds to ``token``."""

    token: str
    start: int
    end: int


def read_entries(path: Path) -> list[str]:
    """Non-blank, non-comment lines of a list file, stripped."""
    lines = (line.strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def dictionary_version(userdict: Path = USERDICT_PATH, stopwords: Path = STOPWORDS_PATH) -> str:
    """Short hash of the entries of both lists (comments do not count), the jieba version and
    :data:`TOKENISER_CODE_VERSION`."""
    digest = hashlib.sha256()
    for part in (
        "\n".join(read_entries(userdict)),
        "\n".join(read_entries(stopwords)),
        f"jieba={jieba.__version__}",
        f"code={TOKENISER_CODE_VERSION}",
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def _is_noise(word: str) -> bool:
    """Only punctuation, symbols, separators, control characters or spaces."""
    return all(ch.isspace() or unicodedata.category(ch)[0] in "PSZC" for ch in word)


def _private_cache_dir() -> Path:
    """A folder only this user can write to (jieba's cache is unmarshalled on load)."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    path = Path(tempfile.gettempdir()) / f"xuncha-jieba-{uid if uid is not None else 'user'}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = path.lstat()
        if stat.S_ISDIR(st.st_mode) and (uid is None or st.st_uid == uid) and not st.st_mode & 0o022:
            return path
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="xuncha-jieba-"))  # fresh, private; the cache is not reused


class Tokeniser:
    """jieba + user dictionary + stop list. Cheap to create; jieba is loaded on first use.

    Thread-safe: loading happens once under a lock, cutting only reads the dictionary."""

    def __init__(self, userdict: Path = USERDICT_PATH, stopwords: Path = STOPWORDS_PATH,
                 cache_dir: Path | None = None) -> None:
        self.userdict = Path(userdict)
        self.stopwords = Path(stopwords)
        self.cache_dir = cache_dir
        self.version = dictionary_version(self.userdict, self.stopwords)
        # a list for the order in which phrases are added to jieba (frequencies depend on it, and
        # a set's order changes with PYTHONHASHSEED), a set for look-ups
        self._stop_phrases = list(dict.fromkeys(fold(w).lower() for w in read_entries(self.stopwords)))
        self._stop = frozenset(self._stop_phrases)
        self._jieba: CompactTokenizer | None = None
        self._lock = threading.Lock()
        self._query_tokens = lru_cache(maxsize=QUERY_CACHE_SIZE)(self._tokens)
        self._field_tokens = lru_cache(maxsize=FIELD_CACHE_SIZE)(self._tokens)
        self._analyse = lru_cache(maxsize=WORD_CACHE_SIZE)(self._analyse_word)

    @property
    def jieba(self) -> CompactTokenizer:
        """The loaded jieba tokenizer (the same object for the life of this Tokeniser)."""
        tokenizer = self._jieba
        if tokenizer is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._load()
                tokenizer = self._jieba
        return tokenizer

    def _load(self) -> CompactTokenizer:
        """jieba over a compact copy of its dictionary with the user words (:mod:`indexer.segmenter`),
        read from the cache folder; made there from jieba's own dictionary the first time."""
        cache_dir = Path(self.cache_dir or _private_cache_dir())
        path = cache_dir / f"words-{self._table_key()}.bin"
        try:
            table = WordTable.read(path)
        except (OSError, ValueError):  # none yet, or unreadable: make it again
            table = WordTable.from_frequencies(*self._load_jieba(cache_dir))
            try:
                table.write(path)
            except OSError:  # a read-only cache folder: the next process makes the table again
                logging.getLogger(__name__).warning("could not save the word table to %s", path)
        return CompactTokenizer(table, str(cache_dir))

    def _table_key(self) -> str:
        """What a word table depends on: both lists, jieba's dictionary file, this module's rules."""
        dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME).stat()
        parts = (self.version, MIN_USER_FREQ, dictionary.st_size, dictionary.st_mtime_ns)
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    def _load_jieba(self, cache_dir: Path) -> tuple[Iterable[tuple[str, int]], int]:
        """jieba's dictionary with the user words and stop phrases added by jieba's own code:
        its words and frequencies, and its total."""
        logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs every load at DEBUG to stderr
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(cache_dir)
        tokenizer.initialize()
        for line in read_entries(self.userdict):
            word, freq, tag = _parse_entry(fold(line))
            if freq is None:
                freq = max(tokenizer.suggest_freq(word, False), MIN_USER_FREQ)
            tokenizer.add_word(word, freq, tag)
        for word in self._stop_phrases:
            # stop phrases become single tokens, so they are dropped whole
            if len(word) > 1 and not tokenizer.FREQ.get(word):
                tokenizer.add_word(word, max(tokenizer.suggest_freq(word, False), MIN_USER_FREQ))
        return tokenizer.FREQ.items(), tokenizer.total

    def with_offsets(self, text: str) -> list[Token]:
        """Tokens with their spans in ``text`` (the original, unfolded text).

        >>> Tokeniser().with_offsets("医保基金")
        [Token(token='医保', start=0, end=2), Token(token='基金', start=2, end=4), Token(token='医保基金', start=0, end=4)]
        """
        out: list[Token] = []
        pos = 0
        analyse = self._analyse
        for word in self.jieba.words(fold(text)):
            start, pos = pos, pos + len(word)
            analysed = analyse(word)
            if analysed is not None:
                key, parts = analysed
                out.extend(Token(part, start + i, start + j) for part, i, j in parts)
                out.append(Token(key, start, pos))
        return out

    def _analyse_word(self, word: str) -> tuple[str, tuple[tuple[str, int, int], ...]] | None:
        """A cut word → (token, its parts with their offsets in the word), or None if dropped.

        Parts are the dictionary words inside a word of three or more characters (jieba's
        search mode takes only those of two and three characters)."""
        key = word.lower()
        if key in self._stop or _is_noise(word):
            return None
        parts: list[tuple[str, int, int]] = []
        if len(word) > 2 and not word.isascii():
            freq = self.jieba.FREQ
            for i in range(len(word) - 1):
                for j in range(i + 2, len(word) + 1):
                    part = word[i:j]
                    if part != word and freq.get(part) and part.lower() not in self._stop:
                        parts.append((part.lower(), i, j))
        return key, tuple(parts)

    def _tokens(self, text: str) -> tuple[str, ...]:
        out: list[str] = []
        analyse = self._analyse
        for word in self.jieba.words(fold(text)):
            analysed = analyse(word)
            if analysed is not None:
                out.extend(part for part, _, _ in analysed[1])
                out.append(analysed[0])
        return tuple(out)

    def for_index(self, text: str) -> list[str]:
        """Tokens of a document field (a short one memoised: fields repeat)."""
        return list(self._field_tokens(text) if len(text) <= FIELD_CACHE_CHARS else self._tokens(text))

    def for_query(self, text: str) -> list[str]:
        """Tokens of a query: the same as :meth:`for_index`, memoised for repeated queries."""
        return list(self._query_tokens(text))


def _parse_entry(line: str) -> tuple[str, int | None, str | None]:
    """``WORD [FREQ] [POS]`` → (word, freq or None, pos tag or None)."""
    word, *rest = line.split()
    freq = int(rest[0]) if rest and rest[0].isdigit() else None
    tag = rest[-1] if rest and not rest[-1].isdigit() else None
    return word, freq, tag


DICTIONARY_VERSION = dictionary_version()

_default: Tokeniser | None = None
_default_lock = threading.Lock()


def get_tokeniser() -> Tokeniser:
    """The process-wide tokeniser over the packaged lists (created once)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Tokeniser()
    return _default


def tokenise_for_index(text: str) -> list[str]:
    """Tokens of a document field: ``" ".join(...)`` is what a TOKENS field stores."""
    return get_tokeniser().for_index(text)


def tokenise_query(text: str) -> list[str]:
    """Tokens of a query: exactly what :func:`tokenise_for_index` gives for the same text."""
    return get_tokeniser().for_query(text)


def tokenise_with_offsets(text: str) -> list[Token]:
    """(token, start, end) on the original text, for highlighting."""
    return get_tokeniser().with_offsets(text)


# Runs of Han characters (CJK unified ideographs, extension A, compatibility, extensions B+): a
# bigram never spans punctuation, digits, Latin letters or spaces.
_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]{2,}")


def character_bigrams(text: str) -> list[str]:
    """The overlapping pairs of Han characters of a text, in order, repeats kept (a field stores them
    space-joined; the bigram leg searches the query's). NFKC and :func:`fold` first (full-width,
    traditional → simplified), as the word tokens are; digits, punctuation and Latin words give
    none — the word tokens carry those, and random letters must not match anything here; a Han
    character standing alone gives none either.

    >>> character_bigrams("违规套取医保基金，涉及2023年")
    ['违规', '规套', '套取', '取医', '医保', '保基', '基金', '涉及']
    """
    folded = bigram_text(text)
    return [run[i:i + 2] for run in _HAN_RUN.findall(folded) for i in range(len(run) - 1)]


def bigram_text(text: str) -> str:
    """The text as :func:`character_bigrams` reads it (NFKC, folded): a pair of Han characters is
    one of the text's bigrams exactly when it occurs in this string, so a bigram can be looked
    up without listing them all (the relevance floor's check of a hit).

    >>> "医保" in bigram_text("醫保基金"), "医保" in character_bigrams("醫保基金")
    (True, True)
    """
    return fold(unicodedata.normalize("NFKC", text))


class IdfTable:
    """jieba's idf values by the hash of their word (``hash(str)``: stable within a process): two
    sorted arrays, 4 MiB against 34 as a dict of its 270k words (a server holds it for its life).
    Two words sharing a 64-bit hash would share a value; at 270k words the odds are ~1 in 10^8.

    >>> table = IdfTable([("医保", 9.0), ("基金", 6.5), ("医保", 9.5)])
    >>> table.get("医保", 0.0), table.get("基金", 0.0), table.get("整改", 1.0), len(table)
    (9.5, 6.5, 1.0, 2)
    """

    def __init__(self, pairs: Iterable[tuple[str, float]]) -> None:
        keys, values = array("q"), array("d")  # no Python object kept per word while reading
        for word, value in pairs:
            keys.append(hash(word))
            values.append(value)
        hashes, numbers = np.frombuffer(keys, dtype=np.int64), np.frombuffer(values, dtype=np.float64)
        order = np.argsort(hashes, kind="stable")
        hashes, numbers = hashes[order], numbers[order]
        last = np.append(hashes[1:] != hashes[:-1], True) if len(hashes) else np.zeros(0, dtype=bool)
        self._hashes, self._values = hashes[last], numbers[last]  # a repeated word: its last value

    def __len__(self) -> int:
        return len(self._hashes)

    def get(self, word: str, default: float) -> float:
        key = hash(word)
        at = int(np.searchsorted(self._hashes, key))
        return float(self._values[at]) if at < len(self._hashes) and self._hashes[at] == key else default

    def median(self) -> float:
        return float(np.sort(self._values)[len(self._values) // 2]) if len(self._values) else 0.0


_IDF: IdfTable | None = None
_IDF_MEDIAN = 0.0
_IDF_LOCK = threading.Lock()


def _idf_table() -> tuple[IdfTable, float]:
    """jieba's idf table of general Chinese, loaded once per process on first need. The file is
    found beside ``jieba.analyse`` without importing it (that import loads jieba's part-of-speech
    model, ~100 MB of process memory this program never uses) and read a line at a time."""
    global _IDF, _IDF_MEDIAN
    with _IDF_LOCK:
        if _IDF is None:
            path = Path(jieba.__file__).with_name("analyse") / "idf.txt"
            with path.open(encoding="utf-8") as lines:
                parts = (line.rstrip("\n").rpartition(" ") for line in lines)
                table = IdfTable((word, float(value)) for word, _, value in parts if word)
            _IDF_MEDIAN = table.median()
            _IDF = table
    return _IDF, _IDF_MEDIAN


def general_idf(term: str) -> float:
    """How specific a word is in general Chinese (jieba's idf; unknown words get its median): the
    query's term selection (search_api.lexical) and the families' key terms drop the common ones."""
    table, median = _idf_table()
    return table.get(term, median)
