"""Embedded backend: one data folder, no server. SQLite is the source of truth; tantivy (lexical)
and an in-memory vector index are derived from it and catch up by replaying its changes.

The folder (embedded_folder.py) holds a ``CURRENT`` pointer to the live generation, a
``writer.lock`` and the generations (embedded_generation.py: record store, tantivy indexes,
vector snapshot). Lexical schemas and queries: embedded_lexical.py; vectors: vector_index.py.

Writing (one ``write()`` call = one batch):

1. one SQLite transaction stores the batch's notices and documents (old versions tombstoned) under
   a new sequence number ``seq`` — a notice's documents appear and disappear together;
2. tantivy replays the rows with ``seq`` newer than ``meta.lexical_seq`` (delete by ``rowid``
   term, then add: idempotent), commits both indexes, then ``meta.lexical_seq`` is advanced;
3. the vector index replays the same rows in memory.

A ``kill -9`` anywhere leaves SQLite at its last commit and tantivy at its last commit; the next
open (by a process that can take the writer lock) replays what tantivy missed. Nothing is written
to a file that is not either SQLite, a tantivy commit, or a temporary file renamed into place.

Readers: any number of processes may open the same folder. Every search first checks whether the
data changed (``PRAGMA data_version``, which moves when another process commits, and the
``CURRENT`` file); if so it reloads the tantivy searchers and replays new rows into its vector
index. So an API process sees an ingest's batches as they commit, with no extra call.
:meth:`EmbeddedBackend.refresh` does the same check on demand.

Rebuild: a new generation is filled beside the live one, then ``CURRENT`` is replaced (temporary
file + rename); the old generation serves until then and is deleted unless ``keep_old``. A rebuild,
and closing after a bulk write, compact the tantivy indexes (embedded_compact.py).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np
from tantivy import Query

from indexer.backends import base
from indexer.backends.base import Filters, IndexInfo, LexicalQuery, NoticeBundle, WriteResult, refuse_mismatch
from indexer.backends.embedded_compact import compact_after, compact_all
from indexer.backends.embedded_family import family_vectors
from indexer.backends.embedded_folder import (
    BUILDING,
    CURRENT,
    DataFolder,
    WriterLock,
    folder_is_read_only,
    free_mb,
    no_space,
)
from indexer.backends.embedded_generation import (
    STORE,
    STORE_VERSION,
    Generation,
    disk_bytes,
    notice_row,
    space_needed,
)
from indexer.backends.embedded_lexical import COLLECTIONS, FILTERABLE, NOT_FAST, as_int, tantivy_errors
from indexer.backends.embedded_store import NoticeRow, RecordStore, StoreFull
from indexer.backends.facet_columns import count_stored, stored_values
from indexer.backends.lexical_top import top_k
from indexer.backends.pinned import Pin
from indexer.backends.row_ids import GenerationRows
from indexer.backends.search_gate import SearchGate
from indexer.backends.vector_index import EXACT_MAX_ROWS, set_faiss_threads
from indexer.errors import BackendError, BadQuery, IncompatibleIndex, ReadOnlyIndex
from indexer.fields import SCHEMA_VERSION
from indexer.lru import Lru
from indexer.types import DocId, Document, Hit, Leg, NoticeId, Target, Vector
from indexer.vector_cache import StoredVectors

log = logging.getLogger(__name__)

FACET_CACHE_SIZE = 256  # facet counts kept per (query, filters) or hit list, until the index changes

REBUILD_BATCH = 200  # notices per transaction / tantivy commit while rebuilding


class EmbeddedBackend:
    """The default backend: SQLite + tantivy + an in-memory vector index in one data folder.

    >>> import tempfile
    >>> backend = EmbeddedBackend(tempfile.mkdtemp())
    >>> (backend.info().backend, backend.info().notices)
    ('embedded', 0)
    >>> backend.close()
    """

    name = "embedded"

    def __init__(self, data_dir: Path | str, *, threads: int = 2, lock_timeout: float = 5.0,
                 exact_max_rows: int = EXACT_MAX_ROWS, read_only: bool | None = None, store_map_mib: int = 0,
                 rescore_memory_mib: int = 0) -> None:
        self.data_dir = Path(data_dir)
        # A folder on a read-only mount (or one this user cannot write) is opened for searching
        # only: nothing in it is written, not even on open.
        self.read_only = folder_is_read_only(self.data_dir) if read_only is None else read_only
        self.threads = max(1, threads)
        self.lock_timeout = lock_timeout
        self.exact_max_rows = exact_max_rows
        self.store_map_bytes = max(0, store_map_mib) * 2**20
        self.rescore_memory_bytes = max(0, rescore_memory_mib) * 2**20
        # _lock guards the live generation and its vector indexes (short sections: refresh, swapping
        # generations; vector scans run outside it: search_gate.py); _write_lock serialises write /
        # delete / rebuild, which do their slow parts (SQLite, tantivy, building a generation)
        # without blocking searches.
        self._lock = threading.RLock()
        self._write_lock = threading.RLock()
        self._scans = SearchGate(self._lock)  # vector scans run outside _lock; changes wait for them
        self._facet_cache: Lru[tuple, dict[str, list[tuple[str, int]]]] = Lru(FACET_CACHE_SIZE)
        self._row_ids = GenerationRows()  # ids of the rows the legs found (row_ids.py)
        self._pin = Pin()
        self._requested: tuple[str, int, str] | None = None  # the last check_compatible() values
        self._holding_for_writes = False  # took the writer lock for writes (kept until close)
        self._rows_written = 0  # documents this writer wrote (a bulk write is compacted on close)
        self._closed = False
        if not self.read_only:
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BackendError(f"cannot create the data folder {self.data_dir}: {exc}") from exc
        self.folder = DataFolder(self.data_dir)
        self._writer_lock = WriterLock(self.data_dir)
        set_faiss_threads()
        self._gen = self._open_current()

    @classmethod
    def from_settings(cls, settings: Any) -> EmbeddedBackend:
        return cls(settings.data_path, threads=settings.threads, lock_timeout=settings.writer_wait_seconds,
                   store_map_mib=settings.store_map_mib, rescore_memory_mib=settings.rescore_memory_mib)

    # -- generations and the writer lock ------------------------------------------------------
    def _open_current(self) -> Generation:
        name = self.folder.read_current()
        if name is None and self.read_only:
            raise BackendError(f"{self.data_dir} holds no index (no {CURRENT} file), and it is read-only")
        if name is None:
            with self._writing_briefly():
                name = self.folder.read_current()
                if name is None:
                    return self._create_first()
        path = self.data_dir / name
        if not (path / STORE).exists():
            raise BackendError(f"{self.data_dir / CURRENT} names {name}, which is missing: the data folder is damaged; "
                               "restore it from a backup or start a new one")
        generation = self._generation(path)
        if generation.lexical_lag():
            self._heal(generation)
        generation.load_vectors()
        return generation

    def _create_first(self) -> Generation:
        name = self.folder.next_generation_name()
        generation = self._generation(self.folder.new_generation_path(name))
        generation.store.set_meta({"schema_version": SCHEMA_VERSION, "store_version": STORE_VERSION})
        (generation.path / BUILDING).unlink()
        self.folder.set_current(name)
        generation.sync_vectors()
        return generation

    def _generation(self, path: Path) -> Generation:
        return Generation(path, threads=self.threads, exact_max_rows=self.exact_max_rows, read_only=self.read_only,
                          store_map_bytes=self.store_map_bytes, rescore_memory_bytes=self.rescore_memory_bytes)

    def _heal(self, generation: Generation) -> None:
        """Replay into tantivy what a crashed writer committed to SQLite only. Done by whoever can
        take the writer lock now; a reader that cannot leaves it to the live writer. A read-only
        folder is healed in its private copy only."""
        if self.read_only:
            generation.sync_lexical()
            return
        if not self._writer_lock.try_acquire(timeout=0):
            return
        try:
            generation.sync_lexical()
            self.folder.remove_unfinished()
        except BackendError as exc:  # a full disk, say: the index must stay readable
            log.warning("the lexical index of %s lags its record store and could not catch up (%s); "
                        "searches miss the words of the notices written last until it does", generation.path,
                        str(exc))  # the text only: a kept exception would keep tantivy's writer alive
        finally:
            if not self._holding_for_writes:
                with suppress(BackendError):
                    generation.drop_writers()
                self._writer_lock.release()

    def _acquire_for_writes(self) -> Generation:
        """Become the writer (once; held until close) and return the live generation. Raises
        WriterBusy if another process (or another instance) is the writer."""
        with self._lock:
            if self._closed:
                raise BackendError("the embedded backend is closed")
            self._refuse_if_read_only()
            if not self._holding_for_writes:
                self._writer_lock.acquire(self.lock_timeout)
                self._holding_for_writes = True
                # Another writer may have written since we opened: start from what is committed.
                self._refresh()
                if self._gen.lexical_lag():
                    self._gen.sync_lexical()
                self.folder.remove_unfinished()
            return self._gen

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnlyIndex(f"the data folder {self.data_dir} is read-only: it can be searched, not written")

    @contextmanager
    def _writing_briefly(self) -> Iterator[None]:
        self._refuse_if_read_only()
        had = self._writer_lock.held
        self._writer_lock.acquire(self.lock_timeout)
        try:
            yield
        finally:
            if not had:
                self._writer_lock.release()

    @property
    def holds_writer_lock(self) -> bool:
        """True from this backend's first write until it is closed: it is the data folder's writer."""
        return self._holding_for_writes

    # -- freshness ---------------------------------------------------------------------------
    def refresh(self) -> bool:
        """See what other processes committed (new batches, a rebuilt generation). Every search
        calls this; it costs one stat() and one SQLite pragma when nothing changed. True if
        anything was reloaded."""
        with self._lock:
            return self._refresh()

    def _refresh(self) -> bool:
        if self._closed:
            raise BackendError("the embedded backend is closed")
        if self._pin.holds():  # checked when the block began (pinned)
            return False
        if self.folder.current_moved() and self.folder.read_current() != self._gen.name:
            old, self._gen = self._gen, self._open_current()
            self._scans.drain()
            old.close()
            return True
        version = self._gen.store.data_version()
        if version == self._gen.data_version:
            return False
        self._gen.data_version = version
        self._gen.reload_searchers()
        self._scans.drain()
        self._gen.sync_vectors()
        return True

    def pinned(self) -> AbstractContextManager[None]:
        """One freshness check for the reads in the block (a search request: pinned.py)."""
        return self._pin.block(self.refresh)

    # -- bookkeeping ---------------------------------------------------------------------------
    def info(self) -> IndexInfo:
        with self._lock:
            self._refresh()
            gen = self._gen
            meta = gen.store.meta()
            notices, issues, measures = gen.store.counts()
            lexical = {}
            for target, index in gen.indexes.items():
                with tantivy_errors("counting"):
                    lexical[target.value] = index.searcher().num_docs
            extra = {
                "generation": gen.name,
                "seq": int(meta.get("seq", 0)),
                "lexical_seq": int(meta.get("lexical_seq", 0)),
                "lexical_docs": lexical,
                "vectors": {t.value: v.stats() for t, v in gen.vectors.items()},
                "disk_mb": round(disk_bytes(gen.path) / 2**20, 1),
            }
            return IndexInfo(
                backend=self.name, location=str(self.data_dir), model_id=meta.get("model_id"),
                dims=as_int(meta.get("dims")), dictionary_version=meta.get("dictionary_version"),
                schema_version=int(meta.get("schema_version", SCHEMA_VERSION)),
                notices=notices, issues=issues, measures=measures, extra=extra,
            )

    def check_compatible(self, model_id: str, dims: int, dictionary_version: str) -> None:
        with self._lock:
            self._requested = (model_id, dims, dictionary_version)
            self._refresh()
            store = self._gen.store
            meta = store.meta()
            schema = int(meta.get("schema_version", SCHEMA_VERSION))
            if schema != SCHEMA_VERSION:
                raise IncompatibleIndex(
                    f"the index in {self._gen.path} has schema version {schema}, this program writes "
                    f"{SCHEMA_VERSION}; reindex"
                )
            have_model, have_dims, have_dict = meta.get("model_id"), as_int(meta.get("dims")), meta.get(
                "dictionary_version")
            empty = store.is_empty()
            if empty or (have_model is None and have_dims in (None, dims)):
                # A new (or emptied) index adopts the values; so does one created by a write before
                # any check, whose dims came from its vectors (a read-only one records nothing).
                if not self.read_only:
                    store.set_meta({"model_id": model_id, "dims": dims, "dictionary_version": dictionary_version})
                return
            refuse_mismatch((have_model, have_dims, have_dict), model_id, dims, dictionary_version)

    def notice_id_for_source(self, source: str) -> NoticeId | None:
        return self._live().store.notice_id_for_source(source)

    def has_notice(self, notice_id: NoticeId) -> bool:
        return self._live().store.has_notice(notice_id)

    # -- writing -----------------------------------------------------------------------------
    def begin_writing(self) -> bool:
        with self._write_lock:
            was_writer = self._holding_for_writes
            self._acquire_for_writes()
            return not was_writer

    def write(self, bundles: Sequence[NoticeBundle],
              replaces: Mapping[NoticeId, NoticeId] | None = None) -> WriteResult:
        with self._write_lock:
            return self._write_into(self._acquire_for_writes(), bundles, replaces or {}, live=True)

    def _write_into(self, gen: Generation, bundles: Sequence[NoticeBundle],
                    replaces: Mapping[NoticeId, NoticeId], *, live: bool) -> WriteResult:
        result = WriteResult()
        dims = as_int(gen.store.meta().get("dims"))
        rows: list[NoticeRow] = []
        for bundle in bundles:
            try:
                row, dims = notice_row(bundle, dims, gen.store.vector_codec)
            except ValueError as exc:
                result.failed[bundle.notice_id] = str(exc)
                continue
            rows.append(row)
            result.written.append(bundle.notice_id)
        if not rows:
            return result
        self._rows_written += sum(len(r.docs) for r in rows) if live else 0
        needed = space_needed(rows)
        try:
            if dims is not None and gen.store.meta().get("dims") is None:
                gen.store.set_meta({"dims": dims})
            _, written = gen.store.write(rows, {k: v for k, v in replaces.items() if k in set(result.written)})
        except StoreFull as exc:  # rolled back: nothing of this batch is stored
            raise no_space(gen.path, needed, f"storing {len(rows)} notice(s)") from exc
        try:
            self._apply(gen, live, written)
        except BackendError as exc:
            if free_mb(gen.path) * 2**20 >= needed:
                raise
            # Stored (SQLite is the source of truth) but not yet in the lexical index: kept, and
            # replayed into it by the next open with room to write.
            with suppress(BackendError):
                gen.drop_writers()
            raise no_space(gen.path, needed, "updating the lexical index", written=result.written) from exc
        return result

    def _apply(self, gen: Generation, live: bool, written: Mapping[int, Document] | None = None) -> None:
        """Bring the derived indexes up to the store (tantivy's searchers are snapshots: no lock)."""
        gen.sync_lexical(written)
        if live:
            with self._lock:
                self._scans.drain()
                gen.sync_vectors()
        else:
            gen.sync_vectors()

    def delete_notices(self, notice_ids: Sequence[NoticeId]) -> int:
        with self._write_lock:
            gen = self._acquire_for_writes()
            existed, _ = gen.store.delete_notices(list(notice_ids))
            self._apply(gen, live=True)
            return existed

    def rebuild(self, bundles: Iterable[NoticeBundle], *, keep_old: bool = False) -> WriteResult:
        with self._write_lock:
            old = self._acquire_for_writes()
            meta = old.store.meta()
            model = self._requested or (meta.get("model_id"), as_int(meta.get("dims")), meta.get("dictionary_version"))
            name = self.folder.next_generation_name()
            fresh = self._generation(self.folder.new_generation_path(name))
            result = WriteResult()
            try:
                values = {"schema_version": SCHEMA_VERSION, "store_version": STORE_VERSION, "model_id": model[0],
                          "dims": model[1], "dictionary_version": model[2]}
                fresh.store.set_meta({k: v for k, v in values.items() if v is not None})
                for batch in base.batched(bundles, REBUILD_BATCH):
                    part = self._write_into(fresh, batch, {}, live=False)
                    result.written += part.written
                    result.failed.update(part.failed)
                compact_all(fresh)  # before readers find it
                fresh.save_vectors()  # readers that switch find it
                (fresh.path / BUILDING).unlink()
                self.folder.set_current(name)
            except BaseException:
                fresh.close()
                shutil.rmtree(fresh.path, ignore_errors=True)
                raise
            with self._lock:
                self._gen = fresh
                self._scans.drain()
                old.close()
            if not keep_old:
                shutil.rmtree(old.path, ignore_errors=True)
            return result

    # -- searching ---------------------------------------------------------------------------
    def lexical(self, target: Target, query: LexicalQuery, filters: Filters, k: int) -> list[Hit]:
        collection = COLLECTIONS[target]
        collection.filter_clauses(filters)  # a bad filter is an error even when nothing can match
        scoring = collection.scoring_query(query)
        full = collection.filtered(scoring, filters) if scoring is not None else None
        if full is None or k <= 0:
            return []
        searcher, ordered = (gen := self._live()).searching[target]
        return top_k(searcher, full, k, lambda rows: self._row_ids.doc_ids(gen, target, rows), ordered=ordered)

    def vector(self, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
        query = np.asarray(vector, dtype=np.float32).ravel()
        if k <= 0 or not np.any(query):
            return []
        with self._scanning() as gen:
            index = gen.vectors.get(target)
            COLLECTIONS[target].filter_clauses(filters)  # same errors as the lexical leg
            if index is None:
                return []
            if query.shape[0] != index.dims:
                raise BadQuery(f"the query vector has {query.shape[0]} dimensions, the index {index.dims}")
            mask = index.mask(filters, lambda ids: gen.store.rowids_of(target, ids))
            if mask is not None and not mask.any():
                return []
            found = index.search(query, k, mask)
            ids = self._row_ids.doc_ids(gen, target, [rowid for rowid, _ in found])
        return [Hit(ids[rowid], score, Leg.VECTOR) for rowid, score in found if rowid in ids]

    @contextmanager
    def _scanning(self) -> Iterator[Generation]:
        """The live generation, its vector indexes held still until the block ends (search_gate.py)."""
        with self._lock:
            self._scans.admit()
            self._refresh()
            gen = self._gen
            self._scans.enter()
        try:
            yield gen
        finally:
            self._scans.leave()

    def facets(self, target: Target, filters: Filters, fields: Sequence[str], query: LexicalQuery | None = None,
               size: int = 50) -> dict[str, list[tuple[str, int]]]:
        collection = COLLECTIONS[target]
        for name in fields:
            if collection.kinds.get(name) not in FILTERABLE or name in NOT_FAST:
                raise BadQuery(f"cannot count {target.value} by {name!r}: not a keyword, integer or date field")
        empty: dict[str, list[tuple[str, int]]] = {name: [] for name in fields}
        if not fields or size <= 0:
            return empty
        with self._lock:
            self._refresh()
            # the same counts until the index changes: a page or filter click repeats the query
            key = (self._gen.name, self._gen.store.seq(), target, repr(filters), tuple(fields), repr(query), size)
            cached = self._facet_cache.get(key)
            if cached is not None:
                return {name: list(pairs) for name, pairs in cached.items()}
        counts = self._count_facets(target, filters, fields, query, size, empty)
        self._facet_cache.put(key, counts)
        return {name: list(pairs) for name, pairs in counts.items()}

    def count_facets(self, target: Target, ids: Sequence[DocId], fields: Sequence[str],
                     size: int = 50) -> dict[str, list[tuple[str, int]]]:
        # the columns are the vector index's (facet_columns.py): counted under the lock a replay takes
        with self._lock:
            self._refresh()
            gen = self._gen
            key = ("hits", gen.name, gen.store.seq(), target, tuple(fields), size, tuple(ids))
            counts = self._facet_cache.get(key)
            if counts is None:
                counts = count_stored(gen.store, gen.vectors.get(target), target, ids, fields, size,
                                      self._row_ids.known_rows(gen, target, ids))
                self._facet_cache.put(key, counts)
            return {name: list(pairs) for name, pairs in counts.items()}

    def _count_facets(self, target: Target, filters: Filters, fields: Sequence[str], query: LexicalQuery | None,
                      size: int, empty: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, int]]]:
        collection = COLLECTIONS[target]
        if query is not None:
            scoring = collection.scoring_query(query)
            if scoring is None:
                collection.filter_clauses(filters)
                return empty
        else:
            scoring = Query.all_query()
        searcher = self._live().indexes[target].searcher()
        return collection.facet_counts(searcher, collection.filtered(scoring, filters), fields, size)

    # -- reading -----------------------------------------------------------------------------
    def _live(self) -> Generation:
        """The live generation, once it has seen what other processes committed (refresh)."""
        with self._lock:
            self._refresh()
            return self._gen

    def _store(self) -> RecordStore:
        return self._live().store

    def get(self, target: Target, ids: Sequence[DocId], *, derived: bool = True) -> list[Document]:
        gen = self._live()
        # the rows of ids a search leg just found are known: read by rowid (embedded_store.get_docs)
        found = gen.store.get_docs(target, ids, derived=derived, rows=self._row_ids.known_rows(gen, target, ids))
        return [found[i] for i in ids if i in found]

    def keyword_values(self, target: Target, ids: Sequence[DocId], name: str) -> dict[DocId, list[str]]:
        with self._lock:  # the columns are the vector index's (facet_columns.py): read under the lock a replay takes
            self._refresh()
            gen = self._gen
            return stored_values(gen.vectors.get(target), self._row_ids.known_rows(gen, target, ids), ids, name)

    def terms_held(self, target: Target, ids: Sequence[DocId], fields: Sequence[str],
                   terms: Sequence[str]) -> dict[DocId, set[str]]:
        gen = self._live()
        rows = self._row_ids.known_rows(gen, target, ids)  # the rows a leg just found: the others are left out
        held = COLLECTIONS[target].terms_held(gen.indexes[target].searcher(), list(rows.values()), fields, terms)
        return {doc_id: held[row] for doc_id, row in rows.items() if row in held}

    def get_vectors(self, target: Target, ids: Sequence[DocId]) -> dict[DocId, Vector]:
        return {i: v.tolist() for i, v in self._store().get_vectors(target, ids).items()}

    def issue_family_vectors(self, issue_ids: Sequence[DocId]) -> tuple[list[DocId], np.ndarray]:
        with self._scanning() as gen:
            return family_vectors(gen, self._row_ids.known_rows(gen, Target.ISSUES, issue_ids), issue_ids)

    def vector_cache(self) -> StoredVectors:
        """The embedder's vector cache: vectors already stored, found by the hash of their text
        (in the generation serving now, also while a rebuild writes the next one)."""
        return StoredVectors(lambda model, hashes: self._store().cached_vectors(model, hashes), self._store().vector_codec)

    def get_notice(self, notice_id: NoticeId) -> Document | None:
        return self._store().get_notice(notice_id)

    def iter_notices(self) -> Iterator[Document]:
        return self._store().iter_notices()

    def scan(self, target: Target, fields: Sequence[str], *, vectors: bool = False,
             batch: int = 1000) -> Iterator[tuple[list[Document], np.ndarray | None]]:
        store = self._store()
        dims = as_int(store.meta().get("dims")) or 0
        keep = ("id", *fields)
        for rows in store.iter_live(target, with_vector=vectors, batch=batch):
            out = [{k: d[k] for k in keep if k in d} for d, _ in rows]
            matrix = None
            if vectors:
                matrix = np.zeros((len(rows), dims), dtype=np.float32)
                present = [n for n, (_, blob) in enumerate(rows) if blob is not None]
                if present:
                    matrix[present] = store.vector_codec.decode([rows[n][1] for n in present])
            yield out, matrix

    def put_derived(self, name: str, data: bytes) -> None:
        with self._write_lock, self._writing_briefly():
            self._store().put_derived(name, data)

    def get_derived(self, name: str) -> bytes | None:
        return self._store().get_derived(name)

    def compact(self) -> dict[Target, int]:
        """Write each lexical index again as one segment in id order (embedded_compact.py); done on
        closing after a bulk write and by a rebuild. Returns the documents written, by collection."""
        with self._write_lock:
            return compact_all(self._acquire_for_writes())

    def close(self) -> None:
        with self._write_lock:
            if self._holding_for_writes and not self._closed:
                compact_after(self._gen, self._rows_written)
            self._close()

    def _close(self) -> None:
        with self._write_lock, self._lock:
            if self._closed:
                return
            self._closed = True
            self._scans.drain()
            if self._holding_for_writes:
                self._gen.save_vectors()
            self._gen.close(wait_for_merges=True)
            self._holding_for_writes = False
            self._writer_lock.release()

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

