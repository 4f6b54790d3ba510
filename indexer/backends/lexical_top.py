"""The embedded backend's lexical top k: tantivy's best hits as ids, best first, equal scores in id
order — the order every backend ranks by, which tantivy's own (the lower address first) is only
within one segment written in id order (embedded_compact.py).

Elsewhere a tie at the k-th score is fetched whole and ordered by the ids of its rows: ties are
common (short texts, a bigram query's common bigrams; a measure search's cut falls in a tie of
~850 rows with identical texts), and each widening of the fetch runs the whole search again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import tantivy

from indexer.backends.embedded_lexical import KEY, tantivy_errors
from indexer.types import DocId, Hit, Leg

# Hits fetched per wanted one: 200 word- and bigram-leg searches at 1M took 280 runs from k + 10,
# 200 from 4k (docs/scaling.md); a longer heap costs next to nothing.
FIRST_FETCH = 4

IdsOf = Callable[[Sequence[int]], dict[int, DocId]]  # the live ones among rows, by row


def top_k(searcher: tantivy.Searcher, query: tantivy.Query, k: int, ids_of: IdsOf, *, ordered: bool) -> list[Hit]:
    """The ``k`` best hits of ``query`` (``ordered``: the searcher is one segment in id order)."""
    if ordered:
        hits = _as_they_come(searcher, query, k, ids_of)
        if hits is not None:
            return hits
    with tantivy_errors("searching"):
        limit = FIRST_FETCH * k + 10  # one search, not one per widening, at the usual ties at the cut
        while True:
            found = searcher.search(query, limit=limit, count=False).hits
            if len(found) < limit or found[-1][0] < found[k - 1][0]:
                break
            limit *= 4  # ties at the cut: fetch them all so the order below matches the reference
        rowids = searcher.fast_field_values(KEY, [address for _, address in found])
    scored = [(float(s), int(r)) for (s, _), r in zip(found, rowids, strict=True) if r is not None]
    # ids only for hits that can make the cut (a tie-grown list is 3/4 below it); all if some went since
    head = [p for p in scored if p[0] >= found[k - 1][0]] if len(found) >= k else scored
    ids = ids_of([r for _, r in head])
    if len(ids) < k and len(head) < len(scored):
        head, ids = scored, ids_of([r for _, r in scored])
    # best first, ties by id; Hits for the k kept only (a tie at the cut brings hundreds of rows)
    return [Hit(i, -s, Leg.LEXICAL) for s, i in sorted((-s, ids[r]) for s, r in head if r in ids)[:k]]


def _as_they_come(searcher: tantivy.Searcher, query: tantivy.Query, k: int, ids_of: IdsOf) -> list[Hit] | None:
    """The top ``k`` as tantivy ranks them, from a searcher whose address order is the id order;
    None if a row it found is gone from the store since (the general path then fetches past it)."""
    with tantivy_errors("searching"):
        found = searcher.search(query, limit=k, count=False).hits
        rowids = searcher.fast_field_values(KEY, [address for _, address in found])
    ids = ids_of([r for r in rowids if r is not None])
    if len(ids) < len(found):
        return None
    return [Hit(ids[r], float(s), Leg.LEXICAL) for (s, _), r in zip(found, rowids, strict=True)]
