"""One generation of an embedded data folder: its record store, tantivy indexes and vector indexes,
and the replay that keeps the derived indexes in step with the store.

    gen-000001/
        store.sqlite3       notices (record JSON with the original text), issue and measure
                            documents (JSON), vectors (int8), a sequence number per write,
                            tombstones for deleted documents: see embedded_store.py
        issues/ measures/   one tantivy index per collection (BM25 statistics stay per collection)
        vectors.npz         snapshot of the in-memory vector indexes and the seq it covers, written
                            by the writer on close (temporary file + rename); only a shortcut

Vectors: see vector_index.py. On open they come from the snapshot, then the rows written since it
(a torn, stale or missing snapshot only means loading every stored vector instead: ~10 s per
million rows). Deleted rows stay masked in memory until a full load, which happens when they pass
a quarter of the rows.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import tantivy

from indexer.backends.base import NoticeBundle
from indexer.backends.embedded_compact import is_ordered, ordered_segments, segment_ids
from indexer.backends.embedded_lexical import COLLECTIONS, KEY, as_int, tantivy_errors
from indexer.backends.embedded_rows import notice_head, stored_form, stored_keys, whole_keys
from indexer.backends.embedded_store import Change, DocRow, NoticeRow, RecordStore, dumps
from indexer.backends.vector_index import VectorIndex, load_snapshot, save_snapshot
from indexer.bundles import embedding_text
from indexer.errors import BackendError
from indexer.types import Document, Target
from indexer.vector_cache import text_hash
from indexer.vector_codec import INT8, VectorCodec

log = logging.getLogger(__name__)

STORE = "store.sqlite3"
SNAPSHOT = "vectors.npz"
# Layout of store.sqlite3 and the tantivy schemas written. 2: compact rows (embedded_store); 3: rows
# without what reading puts back (embedded_rows), text hashes beside vectors (the vector cache), shared
# filter keys once per notice, 16 KiB pages; 4: int8 vectors (embedded_store.INT8_LAYOUT), issue rows
# without their notice's head, measure rows without their text and tokens, no notice_id index.
STORE_VERSION = 4
# Older layouts are read and written on in their own row and vector format: rows of every layout are
# read alike, and opening one for writing adds the text hash column (its vectors are found by the
# cache once rewritten). Re-indexing into a new folder writes the current layout.
READABLE_STORE_VERSIONS = (1, 2, 3, 4)
# Below this many vectors the snapshot is not written (and an old one is removed): loading them from
# the record store takes well under a second there, and the file cost ~1.6 KiB per issue on disk.
SNAPSHOT_MIN_ROWS = 20_000
WRITER_HEAP = 64_000_000  # bytes of tantivy indexing memory per writer thread


class Searching(NamedTuple):
    """A collection's searcher and whether it searches one segment in id order (embedded_compact.py)."""

    searcher: tantivy.Searcher
    ordered: bool


class Generation:
    """One complete index: a record store, a tantivy index per collection, vector indexes."""

    def __init__(self, path: Path, *, threads: int, exact_max_rows: int, read_only: bool = False,
                 store_map_bytes: int = 0, rescore_memory_bytes: int = 0) -> None:
        self.path = path
        self.name = path.name
        self.threads = max(1, threads)
        self.exact_max_rows = exact_max_rows
        self.rescore_memory_bytes = rescore_memory_bytes  # a vector index's re-scoring rows kept in memory up to this
        self.read_only = read_only
        self.private: Path | None = None  # read-only: where the tantivy indexes are searched from
        if not read_only:
            path.mkdir(parents=True, exist_ok=True)
        self.store = RecordStore(path / STORE, read_only=read_only, map_bytes=store_map_bytes)
        self.indexes: dict[Target, tantivy.Index] = {}
        self.folders: dict[Target, Path] = {}  # where each index is searched from
        self.searching: dict[Target, Searching] = {}
        if read_only:
            # tantivy takes a lock file even to search: a read-only folder is searched through a
            # private copy of its tantivy indexes (a temporary folder, removed on close).
            self.private = Path(tempfile.mkdtemp(prefix="xuncha-read-only-"))
        for target, collection in COLLECTIONS.items():
            folder = path / target.value
            if self.private is not None:
                copy = self.private / target.value
                with tantivy_errors(f"copying {folder} to search it"):
                    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
                folder = copy
            else:
                folder.mkdir(exist_ok=True)
            with tantivy_errors(f"opening {folder}"):
                index = (tantivy.Index.open(str(folder)) if tantivy.Index.exists(str(folder))
                         else tantivy.Index(collection.schema, path=str(folder), reuse=True))
                # searchers change only when reloaded here (after the store says the data changed),
                # so each comes with what is known of its segments (reload_searcher)
                index.config_reader(reload_policy="Manual")
            self.indexes[target], self.folders[target] = index, folder
        # seq of the last change in the tantivy indexes searched (read-only: kept here, not stored)
        self.lexical_seq = int(self.store.meta().get("lexical_seq", 0))
        self.writers: dict[Target, Any] = {}
        self.vectors: dict[Target, VectorIndex] = {}
        self.vector_seq = 0
        self.snapshot_seq = 0
        self.data_version = self.store.data_version()
        version = self.store.meta().get("store_version")
        if version is not None and int(version) not in READABLE_STORE_VERSIONS:
            self.store.close()
            raise BackendError(f"{path} was written by another version of the embedded backend (store layout "
                               f"{version}, this one reads {READABLE_STORE_VERSIONS}): ingest into a new data folder")
        self.reload_searchers()
        self.store.packed = version is None or int(version) >= 2

    @property
    def _spill(self) -> Path | None:
        """Where vector indexes keep their re-scoring files (unlinked: nothing stays behind)."""
        return None if self.read_only else self.path

    # -- tantivy -----------------------------------------------------------------------------
    def index_folder(self, target: Target) -> Path:
        return self.folders[target]

    def lexical_lag(self) -> bool:
        meta = self.store.meta()
        if not self.read_only:
            self.lexical_seq = int(meta.get("lexical_seq", 0))
        return self.lexical_seq < int(meta.get("seq", 0))

    def _writer(self, target: Target) -> Any:
        if target not in self.writers:
            threads = min(self.threads, 2)
            with tantivy_errors(f"opening a writer on {self.path / target.value}"):
                self.writers[target] = self.indexes[target].writer(heap_size=WRITER_HEAP * threads,
                                                                   num_threads=threads)
        return self.writers[target]

    def sync_lexical(self, written: Mapping[int, Document] | None = None) -> int:
        """Replay rows newer than ``lexical_seq`` into tantivy, commit, record the new seq.

        Needs the writer lock (read-only: replays into the private copy, records nothing).
        Idempotent: each row is deleted by its rowid before it is added. ``written`` holds
        documents just written, by rowid (the others are read back from SQLite)."""
        meta = self.store.meta()
        applied = self.lexical_seq if self.read_only else int(meta.get("lexical_seq", 0))
        upto = int(meta.get("seq", 0))
        if applied >= upto:
            return 0
        written = written or {}
        # Rows inserted by the one write tantivy has not seen cannot be in tantivy yet (rowids of a
        # rolled-back transaction never reached it): no delete needed. Any other replay deletes first.
        just_written = written if applied == upto - 1 else {}
        touched: set[Target] = set()
        replayed = 0
        try:
            with tantivy_errors(f"updating the lexical index of {self.path}"):
                for batch in self.store.changes_since(applied, upto=upto, with_doc=False, with_vector=False):
                    missing = [c.rowid for c in batch if not c.deleted and c.rowid not in written]
                    stored = self.store.docs_by_rowid(missing) if missing else {}
                    for change in batch:
                        if change.rowid not in just_written:
                            self._writer(change.target).delete_documents_by_term(KEY, change.rowid)
                        doc = None if change.deleted else written.get(change.rowid)
                        if doc is None:
                            doc = stored.get(change.rowid)
                        if doc is not None:
                            tantivy_doc = COLLECTIONS[change.target].tantivy_doc(change.rowid, doc)
                            self._writer(change.target).add_document(tantivy_doc)
                        touched.add(change.target)
                        replayed += 1
                for target in touched:
                    self.writers[target].commit()
                    self.reload_searcher(target)
        except BackendError:
            # A failed writer (a full disk kills it) is dropped here, not kept alive by the
            # traceback: it holds tantivy's writer lock, which the next writer needs.
            self.writers.clear()
            raise
        self.lexical_seq = upto
        if not self.read_only:
            self.store.set_meta({"lexical_seq": upto})
        return replayed

    def drop_writers(self, *, wait_for_merges: bool = False) -> None:
        """Release the tantivy writers (and tantivy's own lock). Nothing is pending: every sync
        commits. On close, background segment merges are waited for so readers find few segments."""
        failed: BackendError | None = None
        while self.writers:
            _, writer = self.writers.popitem()
            try:
                with tantivy_errors("closing a writer"):
                    if wait_for_merges:
                        writer.wait_merging_threads()
                    else:
                        writer.rollback()
            except BackendError as exc:  # close the others all the same
                failed = failed or exc
            finally:
                del writer  # dropping it releases tantivy's writer lock
        if failed is not None:
            raise failed

    def drop_writer(self, target: Target) -> None:
        """Release one collection's writer (nothing is pending: every sync commits)."""
        writer = self.writers.pop(target, None)
        if writer is not None:
            with tantivy_errors("closing a writer"):
                writer.rollback()
            del writer

    def reload_searchers(self) -> None:
        for target in self.indexes:
            self.reload_searcher(target)

    def reload_searcher(self, target: Target) -> None:
        """Load the collection's last commit; note whether it is one segment in id order."""
        folder = self.folders[target]
        with tantivy_errors(f"reloading {folder}"):
            before = segment_ids(folder)
            self.indexes[target].reload()
            searcher = self.indexes[target].searcher()
        ordered = is_ordered(searcher, before, segment_ids(folder), ordered_segments(self).get(target.value))
        self.searching[target] = Searching(searcher, ordered)

    # -- vectors -----------------------------------------------------------------------------
    def load_vectors(self) -> None:
        """Fill the vector indexes: from the snapshot if there is a usable one, then the rows
        written since; else from every stored vector (1M × 384 rows: tens of seconds)."""
        path = self.path / SNAPSHOT
        if path.exists():
            try:
                meta, indexes = load_snapshot(path, {t.value: COLLECTIONS[t].filter_spec for t in Target},
                                              threads=self.threads, spill=self._spill,
                                              rows_in_memory=self.rescore_memory_bytes)
                if meta.get("store_version") != STORE_VERSION or int(meta["seq"]) > self.store.seq():
                    raise ValueError("the snapshot is of another layout or ahead of the store")
            except (ValueError, OSError) as exc:
                log.warning("vector snapshot %s ignored (%s); loading the vectors from the record store", path, exc)
            else:
                if all(i.deleted <= max(1000, i.size // 4) for i in indexes.values()):
                    self.vectors = {Target(name): index for name, index in indexes.items()}
                    self.vector_seq = self.snapshot_seq = int(meta["seq"])
                else:  # many deleted rows ride along: a full load drops them (the writer re-snapshots)
                    for index in indexes.values():
                        index.close()
        self.sync_vectors()

    def save_vectors(self) -> None:
        """Write the vector snapshot if it is behind (temporary file + rename)."""
        if self.vector_seq <= self.snapshot_seq:
            return
        if sum(index.size for index in self.vectors.values()) < SNAPSHOT_MIN_ROWS:
            (self.path / SNAPSHOT).unlink(missing_ok=True)  # one written when there were more rows is stale
            self.snapshot_seq = self.vector_seq
            return
        try:
            save_snapshot(self.path / SNAPSHOT, {t.value: index for t, index in self.vectors.items()},
                          {"seq": self.vector_seq, "store_version": STORE_VERSION})
        except OSError as exc:  # only a start-up cost is lost
            log.warning("could not write the vector snapshot of %s: %s", self.path, exc)
            return
        self.snapshot_seq = self.vector_seq

    def sync_vectors(self) -> None:
        """Bring the in-memory vector indexes up to the store's current seq."""
        upto = self.store.seq()
        if upto <= self.vector_seq:
            return
        dims = as_int(self.store.meta().get("dims"))
        removed: dict[Target, list[int]] = {}
        shared_text, shared = None, {}
        for batch in self.store.changes_since(self.vector_seq, upto=upto, with_doc=False, vectors_only=True):
            adds: dict[Target, list[tuple[Change, dict[str, Any]]]] = {}
            for change in batch:
                if change.deleted:
                    removed.setdefault(change.target, []).append(change.rowid)
                elif change.vector is not None:
                    # The rows of one notice carry the same ``shared`` text: parse it once, and
                    # hand the same value objects on, which the columns recognise (see extend()).
                    if change.shared != shared_text:
                        shared_text = change.shared
                        shared = self.store.codec.loads(change.shared) if change.shared else {}
                    keys = {**shared, **whole_keys(change.doc_id, self.store.codec.loads(change.keys))} \
                        if change.keys else shared
                    adds.setdefault(change.target, []).append((change, keys))
            for target, items in adds.items():
                dims = dims or self.store.vector_codec.dims(len(items[0][0].vector))  # type: ignore[arg-type]
                index = self.vectors.get(target)
                if index is None:
                    index = self.vectors[target] = VectorIndex(dims, COLLECTIONS[target].filter_spec,
                                                               exact_max_rows=self.exact_max_rows,
                                                               threads=self.threads, spill=self._spill,
                                                               rows_in_memory=self.rescore_memory_bytes,
                                                               codec=self.store.vector_codec)
                last = index.rowids.view[-1] if index.size else 0
                items = [(c, k) for c, k in items if c.rowid > last]
                if not items:
                    continue
                matrix = self.store.vector_codec.decode([c.vector for c, _ in items])  # type: ignore[misc]
                index.add([c.rowid for c, _ in items], matrix, [k for _, k in items])
        for target, rowids in removed.items():
            if target in self.vectors:
                self.vectors[target].remove(rowids)
        self.vector_seq = upto

    def close(self, *, wait_for_merges: bool = False) -> None:
        self.drop_writers(wait_for_merges=wait_for_merges)
        self.store.close()
        for index in self.vectors.values():
            index.close()
        self.vectors.clear()
        self.indexes.clear()
        if self.private is not None:
            shutil.rmtree(self.private, ignore_errors=True)


def space_needed(rows: Sequence[NoticeRow]) -> int:
    """Bytes a batch takes on disk, roughly: its SQLite rows, their copy in the write-ahead log
    and the tantivy segments (measured on generated notices: about 3× the rows' payload)."""
    return 3 * sum(len(r.record) + sum(len(d.doc) + len(d.shared) + len(d.keys) + len(d.vector or b"")
                                       for d in r.docs) for r in rows)


def notice_row(bundle: NoticeBundle, dims: int | None, codec: VectorCodec = INT8) -> tuple[NoticeRow, int | None]:
    """The rows of one notice, checked, vectors kept by ``codec`` (the store's); raises ValueError
    naming what is wrong."""
    docs: list[DocRow] = []
    seen: set[tuple[Target, str]] = set()
    issues = {d.get("id"): {k: v for k, v in d.items() if k != "vector"} for d in bundle.issues}
    head = notice_head(list(issues.values()))
    for target, items in ((Target.ISSUES, bundle.issues), (Target.MEASURES, bundle.measures)):
        collection = COLLECTIONS[target]
        prepared = []
        for doc in items:
            doc_id = doc.get("id")
            if not isinstance(doc_id, str) or not doc_id:
                raise ValueError(f"a {target.value[:-1]} document has no id")
            if (target, doc_id) in seen:
                raise ValueError(f"document id {doc_id} appears twice")
            seen.add((target, doc_id))
            stored = {k: v for k, v in doc.items() if k != "vector"}
            kept = stored_form(target, stored, issues.get(doc.get("issue_id")),  # a head is found by notice_id
                               head if doc.get("notice_id") == bundle.notice_id else None)
            blob = None
            if doc.get("vector") is not None:
                vector = np.asarray(doc["vector"], dtype=np.float32).ravel()
                if dims is None:
                    dims = int(vector.shape[0])
                if vector.shape[0] != dims:
                    raise ValueError(f"document {doc_id}: vector has {vector.shape[0]} dimensions, the index {dims}")
                if not np.all(np.isfinite(vector)):
                    raise ValueError(f"document {doc_id}: vector has non-finite values")
                blob = codec.encode(vector)[0]
            prepared.append((doc_id, stored, kept, collection.keys(stored), blob, _text_hash(target, doc)))
        # Filter values all the notice's documents share (its metadata) are stored as one text.
        first = prepared[0][3] if prepared else {}
        common = {k: v for k, v in first.items() if all(p[3].get(k) == v for p in prepared)}
        shared = dumps(common)
        for doc_id, stored, kept, keys, blob, hashed in prepared:
            own = stored_keys(target, doc_id, {k: v for k, v in keys.items() if k not in common})
            docs.append(DocRow(target, doc_id, dumps(kept), shared, dumps(own), blob, stored, hashed))
    record = {**bundle.notice, "notice_id": bundle.notice_id}
    record.setdefault("issue_ids", [d["id"] for d in bundle.issues])
    return NoticeRow(bundle.notice_id, bundle.source, dumps(record), docs, dumps(head) if head else None), dims


def _text_hash(target: Target, doc: Document) -> bytes | None:
    """The hash of the passage a vector was computed from (the key the vector cache finds it by):
    an issue's embedding text, a measure item's own text; None for documents without them."""
    if target is Target.MEASURES:
        text = doc.get("text")
        return text_hash(text) if doc.get("vector") is not None and isinstance(text, str) else None
    problem, measures = doc.get("problem"), doc.get("measures")
    if target is not Target.ISSUES or doc.get("vector") is None or not isinstance(problem, str) \
            or not isinstance(measures, list):
        return None
    return text_hash(embedding_text(problem, measures))


def disk_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total

