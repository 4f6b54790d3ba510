"""An issue's family of vectors in the embedded backend: its own and its measures', what the
search core scores measure vectors from for its candidate issues
(:class:`~indexer.backends.base.RescoresIssueFamilies`).

Both come from the vector indexes, which hold every stored vector as the store gives it back
(decoded by its codec), so the rows are the same as SQLite's: the measures' found by the measure
index's ``issue_id`` column, the issues' by their rows, which the search legs just looked up
(:mod:`indexer.backends.row_ids`); an issue whose row is not known is read from the store. Read
from SQLite — a range scan of the id index and a table row per measure, a row per issue, ~800
rows a search at 100k issues — they cost ~7 ms of a search's CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from indexer.types import DocId, Target

if TYPE_CHECKING:
    from indexer.backends.embedded_generation import Generation


def family_vectors(gen: Generation, known_rows: Mapping[DocId, int],
                   issue_ids: Sequence[DocId]) -> tuple[list[DocId], np.ndarray]:
    """``(owners, matrix)``: the issues' rows, then their measures'. ``known_rows``: the rows of
    (some of) the issues. Call with the indexes held still (the backend's search gate)."""
    issues_index, measures = gen.vectors.get(Target.ISSUES), gen.vectors.get(Target.MEASURES)
    if issues_index is None or measures is None:  # no vectors of that kind: the store has none either
        return gen.store.issue_family_vectors(issue_ids)
    issues = list(dict.fromkeys(issue_ids))
    with_row = [i for i in issues if i in known_rows]
    positions, found = live_positions(issues_index.rowids.view, issues_index.alive.view,
                                      np.asarray([known_rows[i] for i in with_row], dtype=np.int64))
    owners = [i for i, ok in zip(with_row, found.tolist(), strict=True) if ok]
    held = set(owners)
    rest = gen.store.get_vectors(Target.ISSUES, [i for i in issues if i not in held])
    measure_owners, measure_rows = measures.vectors_with("issue_id", issues)
    rows = [issues_index.vectors_at(positions), np.asarray(list(rest.values()), dtype=np.float32).reshape(-1, measures.dims),
            measure_rows]
    return [*owners, *rest, *measure_owners], np.concatenate(rows)


def live_positions(held: np.ndarray, alive: np.ndarray, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(positions, found): the positions of the given rows among ``held`` (ascending rowids)
    that are alive, and for each row whether it is one.

    >>> [p.tolist() for p in live_positions(np.array([2, 5, 9]), np.array([True, False, True]), np.array([9, 5, 7]))]
    [[2], [True, False, False]]
    """
    if not len(held) or not len(rowids):
        return np.zeros(0, dtype=np.int64), np.zeros(len(rowids), dtype=np.bool_)
    pos = np.minimum(np.searchsorted(held, rowids), len(held) - 1)
    found = (held[pos] == rowids) & alive[pos]
    return pos[found], found
