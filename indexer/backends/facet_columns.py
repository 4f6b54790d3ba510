"""Facet counts over a list of hits: a numpy count over integer-coded columns per field instead of
reading and decoding every hit's stored document (issue #14 item 4).

The column store is the one the embedded backend's vector index already keeps for its filters
(:mod:`indexer.backends.vector_index`): per filter field a code per row (``-1``: none) with its
value table, the further values of a multi-valued field as ``(row, code)`` pairs in row order,
integers as int64. Every facet field is a filter field, so these columns hold the facets too, kept
current with the generation (replay, snapshot) at no extra memory. A hit is found in them by its
rowid (the backend's internal document number): ``np.searchsorted`` over the index's rowids.

Rows the vector index does not hold (a document written without a vector; measures when measure
vectors are off) are counted from their documents by :func:`count_documents`, which is also how
the memory and Elasticsearch backends count. Both paths give the same numbers: each distinct value
of a document once, values as strings, most frequent first, ties by value.

    >>> count_documents([{"province": "江西省", "year": 2024}, {"province": "江西省", "year": 2025}],
    ...                 ["province", "year"], size=5)
    {'province': [('江西省', 2)], 'year': [('2024', 1), ('2025', 1)]}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np

from indexer.backends.embedded_family import live_positions
from indexer.types import DocId, Document, Target

if TYPE_CHECKING:  # the memory and Elasticsearch backends count documents only: no embedded imports
    from indexer.backends.embedded_store import RecordStore
    from indexer.backends.vector_index import VectorIndex

Counts = dict[str, list[tuple[str, int]]]


def values_of(value: Any) -> set[str]:
    """The distinct values a document has in a field, as strings (a list gives each once)."""
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value if v is not None}
    return {str(value)}


def top(counters: Mapping[str, Counter[str]], size: int) -> Counts:
    """(value, count) pairs per field, most frequent first, ties by value, at most ``size``."""
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:size] for name, c in counters.items()}


def document_counters(docs: Iterable[Document], fields: Sequence[str]) -> dict[str, Counter[str]]:
    counters: dict[str, Counter[str]] = {name: Counter() for name in fields}
    for doc in docs:
        for name in fields:
            counters[name].update(values_of(doc.get(name)))
    return counters


def count_documents(docs: Iterable[Document], fields: Sequence[str], size: int) -> Counts:
    """Facet counts over documents (the path without columns)."""
    return top(document_counters(docs, fields), size)


class FacetColumns:
    """Counting over the filter columns of one vector index; :meth:`of` gives the one instance per
    index (it keeps each keyword column's value table in code order). Callers hold the lock that
    guards the index against a concurrent replay."""

    _instances: WeakKeyDictionary[VectorIndex, FacetColumns] = WeakKeyDictionary()

    def __init__(self, index: VectorIndex) -> None:
        self.index = index
        self._values: dict[str, list[str]] = {}

    @classmethod
    def of(cls, index: VectorIndex) -> FacetColumns:
        made = cls._instances.get(index)
        if made is None:
            made = cls._instances[index] = cls(index)
        return made

    def split(self, rowids: Sequence[int]) -> tuple[np.ndarray, list[int]]:
        """(positions of the given rows this index holds alive, rowids it does not hold)."""
        wanted = np.asarray(rowids, dtype=np.int64)
        held = self.index.rowids.view
        if not wanted.size or not held.size:
            return np.zeros(0, dtype=np.int64), [int(r) for r in wanted]
        pos = np.minimum(np.searchsorted(held, wanted), len(held) - 1)
        found = held[pos] == wanted
        found[found] &= self.index.alive.view[pos[found]]
        return pos[found], [int(r) for r in wanted[~found]]

    def counters(self, positions: np.ndarray, fields: Sequence[str]) -> dict[str, Counter[str]]:
        """Per field, the count of each value over the rows at ``positions`` (distinct positions)."""
        out: dict[str, Counter[str]] = {}
        for name in fields:
            column = self.index.facet_column(name)
            if hasattr(column, "vocab"):
                codes, found = self._keyword_counts(column, positions)
                values = self._value_table(name, column.vocab)
                out[name] = Counter({values[c]: int(n) for c, n in zip(codes.tolist(), found.tolist(), strict=True)})
            else:
                numbers = column.values.view[positions]
                numbers, found = np.unique(numbers[numbers != column.MISSING], return_counts=True)
                out[name] = Counter({str(v): int(n) for v, n in zip(numbers.tolist(), found.tolist(), strict=True)})
        return out

    @staticmethod
    def _keyword_counts(column: Any, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(codes, counts): each row's first value and its further ones, each distinct value once."""
        first = column.codes.view[positions]
        if not column.extra_pos.size:
            return np.unique(first[first >= 0], return_counts=True)
        rows = np.arange(len(positions), dtype=np.int64)
        extra_pos, extra_code = column.extra_pos.view, column.extra_code.view
        needles = positions.astype(extra_pos.dtype)  # as the column's (int32): else numpy copies the column to int64
        low = np.searchsorted(extra_pos, needles, "left")
        many = np.searchsorted(extra_pos, needles, "right") - low
        total = int(many.sum())
        # the extra entries of every row: its offset in extra_pos, repeated row by row
        starts = np.repeat(low - (np.cumsum(many) - many), many)
        pairs_row = np.concatenate([rows[first >= 0], np.repeat(rows, many)])
        pairs_code = np.concatenate([first[first >= 0], extra_code[starts + np.arange(total)]]).astype(np.int64)
        width = int(pairs_code.max()) + 1 if pairs_code.size else 1
        distinct = np.unique(pairs_row * width + pairs_code)  # a value listed twice counts once
        return np.unique(distinct % width, return_counts=True)

    def values_at(self, positions: np.ndarray, name: str) -> list[list[str]]:
        """The values of the keyword field ``name`` of each row at ``positions``: its first, then its further ones."""
        column = self.index.facet_column(name)
        values = self._value_table(name, column.vocab)  # type: ignore[union-attr]
        out = [[values[c]] if c >= 0 else [] for c in column.codes.view[positions].tolist()]  # type: ignore[union-attr]
        extra_pos = column.extra_pos.view  # type: ignore[union-attr]
        if extra_pos.size:
            needles = positions.astype(extra_pos.dtype)  # see _keyword_counts
            low, high = np.searchsorted(extra_pos, needles, "left"), np.searchsorted(extra_pos, needles, "right")
            for i in np.flatnonzero(high > low).tolist():
                out[i].extend(values[c] for c in column.extra_code.view[low[i]:high[i]].tolist())  # type: ignore[union-attr]
        return out

    def _value_table(self, name: str, vocab: Mapping[str, int]) -> list[str]:
        # codes are given in insertion order (vector_rows.KeywordColumn): the table only grows
        values = self._values.setdefault(name, [])
        if len(values) < len(vocab):
            values.extend(islice(vocab, len(values), None))
        return values


def count_stored(store: RecordStore, index: VectorIndex | None, target: Target, ids: Sequence[DocId],
                 fields: Sequence[str], size: int, known: Mapping[DocId, int] | None = None) -> Counts:
    """Facet counts over the given (distinct) documents of an embedded generation: ``known`` gives
    the rowids of those the search legs just found (:mod:`indexer.backends.row_ids`), the record
    ``store`` the others', the vector ``index`` (None: the collection has none) the columns;
    documents the index does not hold are read and counted."""
    known, ids = known or {}, list(dict.fromkeys(ids))
    rowids = [known[i] for i in ids if i in known]
    unknown = [i for i in ids if i not in known]
    if unknown:  # a hit whose row the legs did not look up (~7 µs a row from SQLite)
        rowids += store.rowids_of(target, unknown)
    if index is None:
        positions, rest = np.zeros(0, dtype=np.int64), rowids
        counters = {name: Counter() for name in fields}
    else:
        columns = FacetColumns.of(index)
        positions, rest = columns.split(rowids)
        counters = columns.counters(positions, fields)
    if rest:
        for name, counter in document_counters(store.docs_by_rowid(rest).values(), fields).items():
            counters[name].update(counter)
    return top(counters, size)


def stored_values(index: VectorIndex | None, known: Mapping[DocId, int], ids: Sequence[DocId],
                  name: str) -> dict[DocId, list[str]]:
    """The values of the keyword field ``name`` of those of ``ids`` whose rows are ``known`` (the
    search legs found them) and held alive by the vector ``index``; the others are left out."""
    if index is None or index.filter_spec.get(name) != "keyword":
        return {}
    with_row = [i for i in dict.fromkeys(ids) if i in known]
    positions, found = live_positions(index.rowids.view, index.alive.view,
                                      np.asarray([known[i] for i in with_row], dtype=np.int64))
    held = [i for i, ok in zip(with_row, found.tolist(), strict=True) if ok]
    return dict(zip(held, FacetColumns.of(index).values_at(positions, name), strict=True))
