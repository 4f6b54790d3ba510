"""Token ids of a SentencePiece Unigram ``tokenizer.json`` (XLM-R's, e5's) in ~12 MiB, not ~280.

The ``tokenizers`` library keeps a Unigram vocabulary in a trie of hash maps: for XLM-R's 250,002
pieces that is ~282 MiB of the process (RSS delta of ``Tokenizer.from_file``), a quarter of the
API server at 1M issues. Here the pieces live in a character trie of flat arrays (:func:`build`
writes it once into the model cache; 505k nodes, ~12 MiB loaded), and the library's segmentation
(``Unigram::encode_optimized``: a Viterbi over the pieces that start at each character, scores
summed in float64, the first best path kept on ties, unknown characters at the lowest score minus
10, runs of unknowns fused into one ``<unk>``) is redone over it. Everything around the model stays
the library's own objects, cheap without the vocabulary: the normaliser and pre-tokeniser run as
they are; the added tokens are split out of the raw text first, as the library does with
non-normalised ones; the template's special tokens and right truncation are applied as there.
The ids equal the library's (tests/test_tokenizer_ids.py), at about its CPU cost (measured ~0.11 ms
a passage against its ~0.10, and ~14 ms to embed one; it held the GIL less, we hold it throughout).

Only the configurations reproduced exactly are built (:class:`Unsupported` names the others); the
caller then keeps the library (:func:`indexer.models.open_tokenizer`).
"""

from __future__ import annotations

import json
import re
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

TRIE_FILE = "unigram_trie.npz"
PIPELINE_FILE = "pipeline.json"  # the tokenizer.json less its vocabulary: normaliser, pre-tokeniser, specials
UNK_PENALTY = 10.0  # the library's K_UNK_PENALTY: an unknown character scores the lowest piece score minus this
_WORD_CACHE_SIZE = 8192  # words (whitespace-separated runs) remembered with their ids
_CACHED_WORD_CHARS = 64


class Unsupported(ValueError):
    """The tokenizer.json is not one :class:`UnigramTokenizer` reproduces exactly."""


def _special_ids(config: dict[str, Any]) -> tuple[list[int], list[int]]:
    """The ids the post-processor puts before and after a single sequence."""
    processor = config.get("post_processor")
    if processor is None:
        return [], []
    if processor.get("type") == "RobertaProcessing":
        return [processor["cls"][1]], [processor["sep"][1]]
    if processor.get("type") != "TemplateProcessing":
        raise Unsupported(f"post-processor {processor.get('type')}")
    ids = {name: token["ids"] for name, token in processor.get("special_tokens", {}).items()}
    before: list[int] = []
    after: list[int] = []
    seen_sequence = False
    for item in processor["single"]:
        if "Sequence" in item:
            if item["Sequence"]["id"] != "A" or seen_sequence:
                raise Unsupported(f"template {processor['single']}")
            seen_sequence = True
        elif "SpecialToken" in item:
            (after if seen_sequence else before).extend(ids[item["SpecialToken"]["id"]])
    if not seen_sequence:
        raise Unsupported(f"template without the sequence: {processor['single']}")
    return before, after


def check(config: dict[str, Any]) -> None:
    """Raise :class:`Unsupported` unless ``config`` (a parsed tokenizer.json) is reproduced exactly."""
    model = config.get("model") or {}
    if model.get("type") != "Unigram":
        raise Unsupported(f"model {model.get('type')}, not Unigram")
    if model.get("byte_fallback") or model.get("unk_id") is None:
        raise Unsupported("Unigram with byte fallback or without an unknown piece")
    pieces = [piece for piece, _ in model["vocab"]]
    if "" in pieces or len(set(pieces)) != len(pieces):
        raise Unsupported("an empty or repeated piece")
    for token in config.get("added_tokens") or []:
        if token["normalized"] or token["lstrip"] or token["rstrip"] or token["single_word"] or not token["content"]:
            raise Unsupported(f"added token {token['content']!r} matched after normalising or by word")
    _special_ids(config)


def build(tokenizer_file: Path, dest: Path) -> dict[str, Any]:
    """Write the trie of ``tokenizer_file``'s pieces and its pipeline into ``dest``; return figures
    for the marker. Raises :class:`Unsupported`.

    Nodes are in breadth-first order, so a node's children are contiguous and sorted by character:
    ``labels[k]`` is node ``k``'s character (as a code point), its children are ``first[k]`` to
    ``first[k + 1]``, and ``piece[k]`` is the id of the piece that ends there (or -1)."""
    config = json.loads(tokenizer_file.read_text(encoding="utf-8"))
    check(config)
    vocab = config["model"]["vocab"]
    scores = np.array([score for _, score in vocab], dtype=np.float64)
    ids = {piece: i for i, (piece, _) in enumerate(vocab)}
    by_length: dict[int, set[str]] = {}
    for piece in ids:
        for end in range(1, len(piece) + 1):
            by_length.setdefault(end, set()).add(piece[:end])
    order = {"": 0}
    nodes = [""]
    children = [0]
    for length in sorted(by_length):
        for prefix in sorted(by_length[length], key=lambda p: (order[p[:-1]], p[-1])):
            order[prefix] = len(nodes)
            nodes.append(prefix)
            children.append(0)
            children[order[prefix[:-1]]] += 1
    first = np.empty(len(nodes) + 1, dtype=np.int32)
    first[0] = 1
    np.cumsum(np.array(children, dtype=np.int64), out=first[1:])
    first[1:] += 1
    labels = np.array([0] + [ord(p[-1]) for p in nodes[1:]], dtype=np.uint32)
    piece = np.array([ids.get(p, -1) for p in nodes], dtype=np.int32)
    piece[0] = -1
    np.savez(dest / TRIE_FILE, labels=labels, first=first, piece=piece, scores=scores)
    config["model"] = {**config["model"], "vocab": []}
    (dest / PIPELINE_FILE).write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return {"pieces": len(vocab), "nodes": len(nodes)}


def _as_array(typecode: str, values: np.ndarray) -> array:
    out = array(typecode)
    if out.itemsize != values.itemsize:
        raise Unsupported(f"array {typecode!r} holds {out.itemsize} bytes, the file {values.itemsize}")
    out.frombytes(values.tobytes())
    return out


class UnigramTokenizer:
    """Token ids of a folder written by :func:`build`, truncated to ``max_length`` (special tokens
    included) as the library's right truncation does. Thread-safe."""

    def __init__(self, folder: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        config = json.loads((folder / PIPELINE_FILE).read_text(encoding="utf-8"))
        with np.load(folder / TRIE_FILE) as trie:
            # array.array: indexing it from Python is several times faster than indexing numpy
            self._labels = _as_array("I", trie["labels"])
            self._first = _as_array("i", trie["first"])
            self._piece = _as_array("i", trie["piece"])
            self._scores = _as_array("d", trie["scores"])
        self._root = {chr(self._labels[k]): k for k in range(self._first[0], self._first[1])}
        self._unk_id: int = config["model"]["unk_id"]
        self._unk_score = min(self._scores) - UNK_PENALTY
        # the library's objects without the vocabulary (one stand-in piece): the same normaliser and pre-tokeniser
        shell = Tokenizer.from_str(json.dumps({**config, "model": {"type": "Unigram", "unk_id": 0,
                                                                   "vocab": [["<unk>", 0.0]]}}))  # fmt: skip
        self._normalizer = shell.normalizer
        self._pre_tokenizer = shell.pre_tokenizer
        added = {token["content"]: token["id"] for token in config.get("added_tokens") or []}
        self._added = added
        # leftmost-longest, as the library's Aho-Corasick matcher; a capturing group keeps them in split()
        self._added_pattern = (re.compile("(" + "|".join(map(re.escape, sorted(added, key=len, reverse=True))) + ")")
                               if added else None)  # fmt: skip
        self._before, self._after = _special_ids(config)
        self.max_length = max_length
        self._words: dict[str, list[int]] = {}

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(text) for text in texts]

    def encode(self, text: str) -> list[int]:
        limit = self.max_length - len(self._before) - len(self._after)
        ids: list[int] = []
        parts = self._added_pattern.split(text) if self._added_pattern else [text]
        for index, part in enumerate(parts):
            if len(ids) >= limit:  # what follows is cut anyway; words are segmented independently
                break
            if index % 2:
                ids.append(self._added[part])
            elif part:
                normalized = self._normalizer.normalize_str(part) if self._normalizer else part
                words = self._pre_tokenizer.pre_tokenize_str(normalized) if self._pre_tokenizer else [(normalized, None)]
                for word, _ in words:
                    if not word:
                        continue
                    ids += self._word_ids(word)
                    if len(ids) >= limit:
                        break
        return [*self._before, *ids[:limit], *self._after]

    def _word_ids(self, word: str) -> list[int]:
        found = self._words.get(word)
        if found is None:
            found = self._segment(word)
            if len(word) <= _CACHED_WORD_CHARS:
                if len(self._words) >= _WORD_CACHE_SIZE:
                    self._words.clear()
                self._words[word] = found
        return found

    def _segment(self, word: str) -> list[int]:
        """The best segmentation of one pre-token, as ``Unigram::encode_optimized`` finds it."""
        labels, first, piece, scores, root = self._labels, self._first, self._piece, self._scores, self._root
        n = len(word)
        codes = [ord(c) for c in word]
        best = [float("-inf")] * (n + 1)  # -inf: not reached yet (every candidate beats it)
        best[0] = 0.0
        starts = [0] * (n + 1)
        ends_with = [0] * (n + 1)  # the id of the last piece of the best path ending here
        for i in range(n):
            here = best[i]
            single = False
            node = root.get(word[i])
            j = i + 1
            while node is not None:
                token = piece[node]
                if token >= 0:
                    score = here + scores[token]
                    if score > best[j]:
                        best[j], starts[j], ends_with[j] = score, i, token
                    if j == i + 1:
                        single = True
                low, high = first[node], first[node + 1]
                if j == n or low == high:
                    break
                code = codes[j]
                node = bisect_left(labels, code, low, high)
                if node == high or labels[node] != code:
                    break
                j += 1
            if not single:
                score = here + self._unk_score
                if score > best[i + 1]:
                    best[i + 1], starts[i + 1], ends_with[i + 1] = score, i, self._unk_id
        out: list[int] = []
        end, unknown_end = n, -1
        while end > 0:  # back from the end; consecutive unknowns become one piece
            start, token = starts[end], ends_with[end]
            if token == self._unk_id:
                if unknown_end < 0:
                    unknown_end = end
            else:
                if unknown_end >= 0:
                    out.append(self._piece_id(word[end:unknown_end]))
                    unknown_end = -1
                out.append(token)
            end = start
        if unknown_end >= 0:
            out.append(self._piece_id(word[:unknown_end]))
        out.reverse()
        return out

    def _piece_id(self, text: str) -> int:
        """The id of the piece ``text`` (as the library looks a fused run of unknowns up), else unknown."""
        node = self._root.get(text[0])
        for char in text[1:]:
            if node is None:
                return self._unk_id
            low, high, code = self._first[node], self._first[node + 1], ord(char)
            node = bisect_left(self._labels, code, low, high)
            if node == high or self._labels[node] != code:
                return self._unk_id
        found = -1 if node is None else self._piece[node]
        return found if found >= 0 else self._unk_id
