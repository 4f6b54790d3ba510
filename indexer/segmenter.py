"""Word segmentation: jieba's cuts over a compact copy of its dictionary (a MARISA trie).

jieba holds its dictionary as a dict of ~500k Python strings (every word and every prefix of one):
~64 MiB in each process that tokenises, the search server included, which only cuts queries.
:class:`WordTable` holds the same words and frequencies in a trie and two arrays (~6 MiB), and
:class:`CompactTokenizer` is a ``jieba.Tokenizer`` over it. jieba's own code still splits text
into blocks and runs its HMM over runs of unknown characters; the steps that read the dictionary
at every character (``get_DAG``, and ``calc`` with the route walk of ``cut``) are rewritten over
the table with jieba's arithmetic — each word's weight ``log(freq) - log(total)`` added to the
best route after it, ties going to the longer word — so every cut is jieba's
(tests/test_segmenter.py compares them).

A table is made once from a jieba dictionary as loaded (user words included: see
``indexer.tokenise.Tokeniser``) and kept in a file (:meth:`WordTable.write`); a later process
reads the file and never builds jieba's dict.
"""

from __future__ import annotations

import math
import os
import struct
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import jieba
import marisa_trie
from jieba import finalseg

MAGIC = b"xuncha-word-table-1\n"
_HEADER = struct.Struct("<qII")  # total, longest word, trie bytes


class WordTable:
    """jieba's dictionary, read-only: its words (frequency > 0) → frequency. A trie numbers the
    words; arrays hold each one's frequency and weight. A prefix that is no word is not a key
    (jieba keeps those at frequency 0: ``get`` gives the default for them, falsy either way).

    >>> table = WordTable.from_frequencies({"医": 5, "医保": 20, "医保基": 0, "医保基金": 10}.items())
    >>> table.get("医保"), table.get("医保基"), "医保基金" in table, len(table), table.total
    (20, None, True, 3, 35)
    """

    def __init__(self, trie: marisa_trie.Trie, freqs: array, total: int, longest: int) -> None:
        if len(freqs) != len(trie):
            raise ValueError(f"{len(freqs)} frequencies for {len(trie)} words")
        self._trie = trie
        self._freqs = freqs  # the file holds int64 (array "q")
        self.total = total
        self.longest = longest
        log_total = math.log(total)
        # jieba's calc: log(FREQ.get(word) or 1) - logtotal + route[end][0]; the first difference
        # is the same double computed once here
        self._weights = array("d", (math.log(f) - log_total for f in freqs))
        self.unknown_weight = math.log(1) - log_total  # a character that is no word

    @classmethod
    def from_frequencies(cls, items: Iterable[tuple[str, int]], total: int | None = None) -> WordTable:
        """From jieba's ``FREQ.items()`` (``total``: jieba's, which counts repeated entries; by
        default the sum of the frequencies)."""
        words = {word: freq for word, freq in items if freq}
        trie = marisa_trie.Trie(words)
        freqs = array("q", bytes(8 * len(trie)))
        for word, freq in words.items():
            freqs[trie[word]] = freq
        return cls(trie, freqs, sum(words.values()) if total is None else total, max(map(len, words), default=1))

    def write(self, path: Path) -> None:
        """Save to ``path`` (atomically: a reader sees the old file or the whole new one)."""
        blob = self._trie.tobytes()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
        try:
            with os.fdopen(fd, "wb") as out:
                freqs = array("q", self._freqs).tobytes()
                out.write(MAGIC + _HEADER.pack(self.total, self.longest, len(blob)) + blob + freqs)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def read(cls, path: Path) -> WordTable:
        """A table saved by :meth:`write`; ``ValueError`` if the file is not one."""
        data = path.read_bytes()
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _HEADER.size:
            raise ValueError(f"{path} is not a word table")
        total, longest, size = _HEADER.unpack_from(data, len(MAGIC))
        start = len(MAGIC) + _HEADER.size
        if len(data) < start + size or (len(data) - start - size) % 8:
            raise ValueError(f"{path} is cut short")
        freqs = array("q")
        freqs.frombytes(data[start + size:])
        if not freqs or max(freqs) < 2**31:
            freqs = array("i", freqs)  # jieba's are below a million: half the memory
        try:
            trie = marisa_trie.Trie().frombytes(data[start:start + size])
        except RuntimeError as exc:  # marisa's own check of its bytes
            raise ValueError(f"{path}: {exc}") from None
        return cls(trie, freqs, total, longest)

    def __len__(self) -> int:
        return len(self._trie)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self._trie

    def __getitem__(self, word: str) -> int:
        return self._freqs[self._trie[word]]

    def get(self, word: str, default: int | None = None) -> int | None:
        at = self._trie.get(word)
        return default if at is None else self._freqs[at]

    def items(self) -> Iterator[tuple[str, int]]:
        freqs = self._freqs
        return ((word, freqs[at]) for word, at in self._trie.iteritems())

    def starts(self, sentence: str, k: int) -> list[int]:
        """Where the words beginning at ``k`` end (inclusive, as jieba's ``get_DAG`` lists them)."""
        return [k + len(word) - 1 for word in self._trie.prefixes(sentence[k:k + self.longest])]

    def route(self, sentence: str) -> list[int]:
        """The best cut of ``sentence`` as jieba's ``calc`` finds it: the end (exclusive) of the
        word that starts at each position of the route."""
        n = len(sentence)
        prefixes, weights, longest, unknown = self._trie.iter_prefixes_with_ids, self._weights, self.longest, self.unknown_weight
        score = [0.0] * (n + 1)
        after = list(range(1, n + 2))  # a character that begins no word stands alone
        for k in range(n - 1, -1, -1):
            best = None
            for word, at in prefixes(sentence[k:k + longest]):
                end = k + len(word)
                value = weights[at] + score[end]
                if best is None or value >= best:  # ascending ends: a tie goes to the longer word
                    best, after[k] = value, end
            score[k] = unknown + score[k + 1] if best is None else best
        return after


class CompactTokenizer(jieba.Tokenizer):
    """A ``jieba.Tokenizer`` over a :class:`WordTable`: its cuts are jieba's for the dictionary the
    table was made from. Read-only: words cannot be added (make a new table)."""

    def __init__(self, table: WordTable, tmp_dir: str | None = None) -> None:
        super().__init__()
        self.FREQ = table  # jieba's code reads FREQ with get(), which the table answers
        self.total = table.total
        self.tmp_dir = tmp_dir
        self.initialized = True

    def initialize(self, dictionary: str | None = None) -> None:
        if dictionary is not None:
            raise TypeError("a CompactTokenizer's dictionary is its WordTable")

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        raise TypeError("a CompactTokenizer is read-only: make a new WordTable")

    def suggest_freq(self, segment: object, tune: bool = False) -> int:
        raise TypeError("a CompactTokenizer cannot suggest frequencies: prefixes are not in its table")

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
        starts = self.FREQ.starts
        return {k: starts(sentence, k) or [k] for k in range(len(sentence))}

    def cut(self, sentence: str, cut_all: bool = False, HMM: bool = True,  # noqa: N803 (jieba's name)
            use_paddle: bool = False) -> Iterator[str]:
        if cut_all or not HMM or use_paddle:
            return super().cut(sentence, cut_all, HMM, use_paddle)
        return iter(self.words(sentence))

    def words(self, sentence: str) -> list[str]:
        """``list(jieba.Tokenizer.cut(sentence))``: accurate mode with the HMM."""
        out: list[str] = []
        blocks = jieba.re_han_default.split(sentence)
        for at, block in enumerate(blocks):
            if at % 2:  # a run of Han characters, letters and digits (the split's captured group)
                self._cut_block(block, out)
            elif block:  # the rest: whitespace runs whole, every other character alone
                for at2, piece in enumerate(jieba.re_skip_default.split(block)):
                    if at2 % 2:
                        out.append(piece)
                    else:
                        out.extend(piece)
        return out

    def _cut_block(self, sentence: str, out: list[str]) -> None:
        """jieba's ``__cut_DAG``: the route's words; runs of single characters go through the
        HMM unless the run is itself a word."""
        after = self.FREQ.route(sentence)
        n, x, buf = len(sentence), 0, ""
        while x < n:
            y = after[x]
            if y - x == 1:
                buf += sentence[x]
            else:
                if buf:
                    self._flush(buf, out)
                    buf = ""
                out.append(sentence[x:y])
            x = y
        if buf:
            self._flush(buf, out)

    def _flush(self, buf: str, out: list[str]) -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not self.FREQ.get(buf):
            out.extend(finalseg.cut(buf))
        else:
            out.extend(buf)
