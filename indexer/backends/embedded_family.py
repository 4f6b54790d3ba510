"""An issue's family of vectors in the embedded backend: its own and its measures', what the
search core scores measure vectors from for its candidate issues
(:class:`~indexer.backends.base.RescoresIssueFamilies`).

The issues' vectors are read from the record store; their measures' from the measure vector
index, found by its ``issue_id`` column: reading them from SQLite (a range scan of the id index
and a table row apiece, ~575 rows a search at 100k issues) cost ~3.8 ms of a search's CPU. The
index holds the vectors as the store gives them back (decoded by its codec), so the rows are the
same either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexer.backends.embedded_store import RecordStore
from indexer.backends.vector_index import VectorIndex
from indexer.types import DocId, Target


def family_vectors(store: RecordStore, measures: VectorIndex | None,
                   issue_ids: Sequence[DocId]) -> tuple[list[DocId], np.ndarray]:
    """``(owners, matrix)``: the issues' rows, then their measures' (``measures``: the measure
    vector index, None when the collection has no vectors: then the store is asked for both).
    Call with the index held still (the backend's search gate)."""
    if measures is None:
        return store.issue_family_vectors(issue_ids)
    issues = list(dict.fromkeys(issue_ids))
    own = store.get_vectors(Target.ISSUES, issues)
    owners, rows = measures.vectors_with("issue_id", issues)
    return [*own, *owners], np.concatenate([np.asarray(list(own.values()), dtype=np.float32).reshape(-1, measures.dims),
                                            rows])
