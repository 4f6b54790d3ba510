"""Document ids by row, and rows by document id, as the embedded backend's record store last gave
them: each search leg turns the rows its index found into ids (a SQLite read per row: ~7 µs, a
few hundred rows a search, ~950 for a measure search whose cut falls in a tie), and what follows
in the same request (an issue's family of vectors, facet counts) wants the rows of those ids back.
Rows by id are kept per target in plain ``{id: row}`` dicts: keyed by ``(target, id)`` tuples they
were ~90,000 objects the cyclic collector scanned (a tuple holding an enum member stays tracked;
a dict of strings and ints is not) and made each look-up build a tuple (0.20 against 0.08 ms a
thousand).

A row's id never changes, but whether it is live does: the memo belongs to one state of the
store — its generation and sequence number — and is dropped as soon as either moves (a write, a
deletion, a rebuild, another process's commit). It holds at most ``limit`` rows and starts over
when full (~120 bytes a row in both directions).

    >>> memo = RowIds(limit=10)
    >>> memo.ids_of(("g1", 7), Target.ISSUES, [3, 4], lambda rows: {r: f"n-00{r}" for r in rows if r != 4})
    {3: 'n-003'}
    >>> memo.ids_of(("g1", 7), Target.ISSUES, [3], lambda rows: {})  # known: no lookup
    {3: 'n-003'}
    >>> memo.rows_of(("g1", 7), Target.ISSUES, ["n-003", "n-009"]), memo.rows_of(("g1", 8), Target.ISSUES, ["n-003"])
    ({'n-003': 3}, {})
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING

from indexer.types import DocId, Target

if TYPE_CHECKING:
    from indexer.backends.embedded_generation import Generation

LIMIT = 100_000  # rows remembered (a server's concurrent searches touch a few thousand)


class RowIds:
    """The memo (see the module docstring); thread-safe."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._state: Hashable = None
        self._ids: dict[int, DocId] = {}
        self._rows: dict[Target, dict[DocId, int]] = {}
        self._lock = threading.Lock()

    def _at(self, state: Hashable) -> None:
        if state != self._state:
            self._state = state
            self._ids, self._rows = {}, {}

    def ids_of(self, state: Hashable, target: Target, rowids: Sequence[int],
               lookup: Callable[[list[int]], dict[int, DocId]]) -> dict[int, DocId]:
        """The ids of the live rows among ``rowids`` of ``target`` (``lookup`` asks the store for
        those not known in ``state``)."""
        with self._lock:
            self._at(state)
            known = self._ids
            found = {r: i for r in rowids if (i := known.get(r)) is not None}
        missing = [r for r in rowids if r not in found]
        if not missing:
            return found
        fresh = lookup(missing)
        found.update(fresh)
        with self._lock:
            if state == self._state:
                if len(self._ids) + len(fresh) > self.limit:
                    self._ids, self._rows = {}, {}
                self._ids.update(fresh)
                self._rows.setdefault(target, {}).update((i, r) for r, i in fresh.items())
        return found

    def rows_of(self, state: Hashable, target: Target, ids: Sequence[DocId]) -> dict[DocId, int]:
        """The rows of those of ``ids`` known in ``state`` (the others are left out)."""
        with self._lock:
            self._at(state)
            rows = self._rows.get(target)
            return {i: r for i in ids if (r := rows.get(i)) is not None} if rows else {}


def state_of(gen: Generation) -> tuple[str, int]:
    """What a memo's facts hold for: the generation and its store's sequence number."""
    return gen.name, gen.store.seq()


class GenerationRows(RowIds):
    """:class:`RowIds` over the live generation of an embedded backend."""

    def doc_ids(self, gen: Generation, target: Target, rowids: Sequence[int]) -> dict[int, DocId]:
        """The ids of the live rows among ``rowids`` (of ``target``)."""
        return self.ids_of(state_of(gen), target, rowids, gen.store.doc_ids_of)

    def known_rows(self, gen: Generation, target: Target, ids: Sequence[DocId]) -> dict[DocId, int]:
        return self.rows_of(state_of(gen), target, ids)
