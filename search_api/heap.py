"""Python's cyclic garbage collector in a serving process: the loaded search service frozen out of
its scans, and the youngest generation collected less often.

The collector scans every tracked container of a generation it collects; a full (generation 2)
collection scans them all. A worker that has loaded the index and the model holds ~90,000 tracked
objects (~130,000 after its first searches fill the memos), which a full collection scanned in
60–140 ms of CPU, about once every 200 searches of issue 14's load test: the searches queued behind
it on that worker (~8) each waited that long, a p99 effect. Frozen (``gc.freeze``: moved to a
generation the collector never scans) they cost nothing; what the searches keep after that (memos,
caches) is what a full collection still scans: ~13 ms (docs/scaling.md, "Session 11").

With the first generation collected every 700 allocations (the default), objects still in use by
the running search (its hits, documents, query) are promoted and counted as long-lived, which is
what triggers the full collections; collected every ``YOUNG_THRESHOLD`` most of a search's objects
are freed by their reference counts first: the collector's CPU per search halves (0.62 → 0.31 ms,
measured in process), and no full collection ran in 2,000 searches (the largest pause left: ~20 ms,
a generation-1 collection).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # allocations between two collections of the youngest generation (default 700)


def settle() -> None:
    """Collect once, freeze every object left (the loaded service), and collect the youngest
    generation every ``YOUNG_THRESHOLD`` allocations. For a serving process, once its search service
    has loaded: a frozen object is still freed when its reference count drops to 0, but never as part
    of a garbage cycle (the service's objects live as long as the process)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
