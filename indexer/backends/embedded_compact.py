"""Compaction of a generation's tantivy indexes: after a bulk write (or a rebuild), each collection is
written again from the record store into one segment with its documents in id order, as
Elasticsearch's force-merge does for its segments. tantivy-py has no merge call, and its merge
policy leaves a bulk ingest in several segments (100k issues: 8, of ~24k rows at most), each of
which a search pays for: the term dictionary of every term × field, a scorer, a collector.

In that one segment, tantivy's order among equal scores (the lower address first) is the id order
the search core breaks ties by, so the lexical leg takes its top k from tantivy as they come,
without fetching and reading the ids of every row tied at the cut (a measure search's cut falls
in a tie of ~850 rows with identical texts). Whether a searcher is that segment is told by
:func:`is_ordered`: the store's meta names the segment the compaction wrote; a later write adds a
segment (a deletion keeps it: the live rows stay in order).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.backends.embedded_lexical import COLLECTIONS, tantivy_errors
from indexer.errors import BackendError
from indexer.types import Target

if TYPE_CHECKING:
    from indexer.backends.embedded_generation import Generation

# tantivy's indexing memory for the rewrite, at most (one thread: one segment until it is full; its
# limit is just under 4 GiB). Measured peaks of the whole process: 0.44 GB at 100k issues; at 1M, 1.4 GB
# with a 1 GB limit, which left the 3M measures in two segments
COMPACT_HEAP = 3_000_000_000
# a writer's session is a bulk write when it wrote this many rows and at least a quarter of the
# store's live rows (a first ingest, a large batch): closing it compacts
BULK_MIN_ROWS = 10_000
ORDERED = "lexical_ordered"  # store meta: {collection: id of the segment written in id order}
BATCH = 2000  # documents read from the store at a time

log = logging.getLogger(__name__)


def segment_ids(folder: Path) -> list[str]:
    """The ids of the segments tantivy's last commit in ``folder`` lists ([] if it cannot be read)."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return [str(s["segment_id"]) for s in meta["segments"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def ordered_segments(gen: Generation) -> dict[str, str]:
    """The store's record of the segments compaction wrote in id order, by collection."""
    try:
        value = json.loads(gen.store.meta().get(ORDERED) or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def is_ordered(searcher: Any, before: list[str], after: list[str], recorded: str | None) -> bool:
    """Whether ``searcher`` — loaded between two readings of its index's commit, ``before`` and
    ``after`` (tantivy's reader reloads only when asked) — searches the one segment compaction
    wrote in id order: both readings list only that segment, and so does the searcher."""
    return recorded is not None and before == after == [recorded] and searcher.num_segments == 1


def compact(gen: Generation, target: Target) -> int:
    """Write ``target``'s tantivy index again, from the store's live documents in id order, in one
    commit (a reader sees the old segments or the new one); returns the documents written. Needs
    the writer lock, and the index caught up with the store (nothing is replayed here)."""
    collection = COLLECTIONS[target]
    gen.drop_writer(target)  # one writer per index: the usual one has nothing pending (syncs commit)
    folder = gen.index_folder(target)
    written = 0
    with tantivy_errors(f"compacting {folder}"):
        writer = gen.indexes[target].writer(heap_size=COMPACT_HEAP, num_threads=1)
        try:
            writer.delete_all_documents()
            for batch in gen.store.live_by_id(target, batch=BATCH):
                for rowid, doc in batch:
                    writer.add_document(collection.tantivy_doc(rowid, doc))
                written += len(batch)
            writer.commit()
        except BaseException:
            writer.rollback()  # nothing of it committed: the old segments stay
            del writer  # releases tantivy's writer lock
            raise
        writer.wait_merging_threads()
        del writer
    segments = segment_ids(folder)
    recorded = ordered_segments(gen)
    if len(segments) == 1:
        recorded[target.value] = segments[0]
    else:  # past COMPACT_HEAP: several segments, fewer than before, in no order tantivy keeps
        recorded.pop(target.value, None)
    gen.store.set_meta({ORDERED: json.dumps(recorded, sort_keys=True)})
    gen.reload_searcher(target)
    return written


def compact_all(gen: Generation) -> dict[Target, int]:
    """Compact every collection not yet one segment in id order (an empty one is left alone);
    returns the documents written, by collection."""
    done: dict[Target, int] = {}
    for target, (searcher, ordered) in gen.searching.items():
        if not ordered and searcher.num_docs:
            done[target] = compact(gen, target)
    return done


def compact_after(gen: Generation, rows_written: int) -> None:
    """Compact after a writer's session that wrote ``rows_written`` documents if that was a bulk
    write (BULK_MIN_ROWS); a failure (a full disk) only leaves the indexes as they were."""
    if rows_written < BULK_MIN_ROWS or 4 * rows_written < sum(gen.store.counts()[1:]):
        return
    try:
        compact_all(gen)
    except BackendError as exc:
        log.warning("could not compact the lexical indexes of %s: %s", gen.path, str(exc))
