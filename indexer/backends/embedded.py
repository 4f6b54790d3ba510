"""Embedded backend: one data folder, no server. SQLite is the source of truth; tantivy (lexical)
and an in-memory vector index are derived from it and catch up by replaying its changes.

Layout of the data folder::

    CURRENT                 name of the live generation, e.g. "gen-000001" (replaced atomically)
    writer.lock             flock()ed by the one process allowed to write
    gen-000001/
        store.sqlite3       notices (record JSON with the original text), issue and measure
                            documents (JSON), vectors (float16), a sequence number per write,
                            tombstones for deleted documents: see embedded_store.py
        issues/ measures/   one tantivy index per collection (BM25 statistics stay per collection)
        vectors.npz         snapshot of the in-memory vector indexes and the seq it covers, written
                            by the writer on close (temporary file + rename); only a shortcut
        .building           present only while rebuild() fills the generation

Writing (one ``write()`` call = one batch):

1. one SQLite transaction stores the batch's notices and documents (old versions tombstoned) under
   a new sequence number ``seq`` — a notice's documents appear and disappear together;
2. tantivy replays the rows with ``seq`` newer than ``meta.lexical_seq`` (delete by ``rowid``
   term, then add: idempotent), commits both indexes, then ``meta.lexical_seq`` is advanced;
3. the vector index replays the same rows in memory.

A ``kill -9`` anywhere leaves SQLite at its last commit and tantivy at its last commit; the next
open (by a process that can take the writer lock) replays what tantivy missed. Nothing is written
to a file that is not either SQLite, a tantivy commit, or a temporary file renamed into place.

Lexical: TOKENS fields use tantivy's ``whitespace`` tokenizer over the space-joined jieba tokens
(frequencies, no positions); a query is a boolean *should* of boosted term queries built here, so
user text never reaches a query parser. Tantivy's BM25 is Lucene's (k1=1.2, b=0.75, same idf);
should-clauses add up, so field scores sum as in the memory backend (document lengths are stored
in one byte, exact up to ~40 tokens, within ~2% above). KEYWORD and DATE fields are raw-tokenised
fast text fields, INTEGER fields fast integers; filters are constant-score (0) clauses.
Facets are tantivy terms aggregations over the same query.

Vectors: see vector_index.py (exact float32 up to 50k rows, faiss SQ8 + exact re-scoring above).
On open they come from the snapshot, then the rows written since it (a torn, stale or missing
snapshot only means loading every stored vector instead: ~10 s per million rows). Deleted rows
stay masked in memory until a full load, which happens when they pass a quarter of the rows.

BM25 caveat shared with Lucene: tantivy counts deleted documents in document frequencies and
lengths until their segment is merged, so after many replacements scores drift slightly from the
memory backend's (rankings of fresh indexes match exactly).

Readers: any number of processes may open the same folder. Every search first checks whether the
data changed (``PRAGMA data_version``, which moves when another process commits, and the
``CURRENT`` file); if so it reloads the tantivy searchers and replays new rows into its vector
index. So an API process sees an ingest's batches as they commit, with no extra call.
:meth:`EmbeddedBackend.refresh` does the same check on demand.

Rebuild: a new generation is filled beside the live one, then ``CURRENT`` is replaced (temporary
file + rename); the old generation serves until then and is deleted unless ``keep_old``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import tantivy
from tantivy import Occur, Query

from indexer.backends.base import Filters, IndexInfo, LexicalQuery, NoticeBundle, WriteResult, refuse_mismatch
from indexer.backends.embedded_store import Change, DocRow, NoticeRow, RecordStore, dumps
from indexer.backends.vector_index import EXACT_MAX_ROWS, VectorIndex, load_snapshot, save_snapshot
from indexer.errors import BackendError, BadQuery, IncompatibleIndex
from indexer.fields import SCHEMA_VERSION, Kind, fields_of
from indexer.types import DocId, Document, Hit, Leg, NoticeId, Target, Vector

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK = "writer.lock"
STORE = "store.sqlite3"
SNAPSHOT = "vectors.npz"
BUILDING = ".building"
STORE_VERSION = 1  # layout of store.sqlite3 and the tantivy schemas; another one is refused on open
GENERATION_PREFIX = "gen-"

KEY = "rowid"  # integer fast field: the document's row in the record store
FILTERABLE = (Kind.KEYWORD, Kind.INTEGER, Kind.DATE)
NOT_FAST = frozenset({"id"})  # unique per document: filterable (inverted index), never counted
REBUILD_BATCH = 200  # notices per transaction / tantivy commit while rebuilding
WRITER_HEAP = 64_000_000  # bytes of tantivy indexing memory per writer thread
FACET_SEGMENT_SIZE = 65_536  # terms kept per segment by a facet aggregation: counts exact below this


# -- schema ------------------------------------------------------------------------------------

def build_schema(target: Target) -> tantivy.Schema:
    """The tantivy schema of a collection, from :mod:`indexer.fields`. Nothing is stored in
    tantivy: documents are read from the record store by ``rowid``."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field(KEY, stored=False, indexed=True, fast=True)
    for f in fields_of(target, Kind.TOKENS, *FILTERABLE):
        if f.kind is Kind.TOKENS:
            builder.add_text_field(f.name, stored=False, tokenizer_name="whitespace", index_option="freq")
        elif f.kind is Kind.INTEGER:
            builder.add_integer_field(f.name, stored=False, indexed=True, fast=True)
        else:
            builder.add_text_field(f.name, stored=False, fast=f.name not in NOT_FAST, tokenizer_name="raw",
                                   index_option="basic")
    return builder.build()


def filter_spec(target: Target) -> dict[str, str]:
    """Fields the vector index keeps per row for filtering (``id`` is looked up in the store)."""
    return {f.name: "integer" if f.kind is Kind.INTEGER else "keyword"
            for f in fields_of(target, *FILTERABLE) if f.name != "id"}


def _as_int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return [v for v in value if v is not None] if isinstance(value, list | tuple) else [value]


class _Collection:
    """What the backend knows about one target's fields."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.schema = build_schema(target)
        self.tokens = tuple(f.name for f in fields_of(target, Kind.TOKENS))
        self.kinds = {f.name: f.kind for f in fields_of(target, *FILTERABLE)}
        self.texts = tuple(name for name, kind in self.kinds.items() if kind is not Kind.INTEGER)
        self.integers = tuple(name for name, kind in self.kinds.items() if kind is Kind.INTEGER)
        self.filter_spec = filter_spec(target)

    def tantivy_doc(self, rowid: int, doc: Mapping[str, Any]) -> tantivy.Document:
        values: dict[str, Any] = {KEY: rowid}
        for name in self.tokens:
            value = doc.get(name)
            if value:
                # Extra or inner whitespace is harmless: the whitespace tokenizer drops empty tokens.
                values[name] = value if isinstance(value, str) else " ".join(map(str, value))
        for name in self.texts:
            value = doc.get(name)
            if value is None:
                continue
            if isinstance(value, str):
                values[name] = [value]
            else:
                present = [str(v) for v in _listed(value)]
                if present:
                    values[name] = present
        for name in self.integers:
            numbers = [n for n in map(_as_int, _listed(doc.get(name))) if n is not None]
            if numbers:
                values[name] = numbers
        # One call instead of one per field: 3.5× faster (42 µs against 145 per issue).
        return tantivy.Document.from_dict(values, self.schema)

    def keys(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The filter values the vector index keeps for a document."""
        return {name: doc[name] for name in self.filter_spec if doc.get(name) is not None}

    # -- queries -----------------------------------------------------------------------------
    def scoring_query(self, query: LexicalQuery) -> Query | None:
        """Should-clauses of boosted term queries, one per (field, distinct term); None if empty.

        A term repeated in the query counts as often as it is repeated (as in the reference)."""
        terms = Counter(t for t in query.terms if t and not t.isspace())
        clauses = [
            (Occur.Should, Query.boost_query(Query.term_query(self.schema, name, term, index_option="freq"),
                                             float(boost) * count * query.weight(term)))
            for name, boost in query.boosts.items() if boost > 0 and name in self.tokens
            for term, count in terms.items()
        ]
        return Query.boolean_query(clauses) if clauses else None

    def filter_clauses(self, filters: Filters) -> list[tuple[Occur, Query]]:
        """Constant-score (0) clauses: restrict, never change scores."""
        clauses: list[tuple[Occur, Query]] = []
        for name, values in filters.equals.items():
            clauses.append((Occur.Must, Query.const_score_query(self._any_of(name, values), 0.0)))
        for name, (low, high) in filters.ranges.items():
            if self._kind(name) is not Kind.INTEGER:
                raise BadQuery(f"cannot filter {self.target.value} on a range of {name!r}: not an integer field")
            if low is None and high is None:
                inner = Query.exists_query(name)
            else:
                inner = Query.range_query(self.schema, name, tantivy.FieldType.Integer,
                                          _as_int(low), _as_int(high), include_lower=True, include_upper=True)
            clauses.append((Occur.Must, Query.const_score_query(inner, 0.0)))
        for name, values in filters.excludes.items():
            clauses.append((Occur.MustNot, self._any_of(name, values)))
        return clauses

    def _kind(self, name: str) -> Kind:
        kind = self.kinds.get(name)
        if kind is None:
            raise BadQuery(f"cannot filter {self.target.value} on {name!r}: not a keyword, integer or date field")
        return kind

    def _any_of(self, name: str, values: Sequence[Any]) -> Query:
        if self._kind(name) is Kind.INTEGER:
            typed: list[Any] = [n for n in (_as_int(v) for v in values) if n is not None]
        else:
            typed = [str(v) for v in values]
        if not typed:
            return Query.empty_query()
        return Query.term_set_query(self.schema, name, typed)

    def filtered(self, scoring: Query, filters: Filters) -> Query:
        clauses = self.filter_clauses(filters)
        if not clauses:
            return scoring
        return Query.boolean_query([(Occur.Must, scoring), *clauses])


COLLECTIONS = {target: _Collection(target) for target in Target}


# -- one generation ----------------------------------------------------------------------------

class _Generation:
    """One complete index: a record store, a tantivy index per collection, vector indexes."""

    def __init__(self, path: Path, *, threads: int, exact_max_rows: int) -> None:
        self.path = path
        self.name = path.name
        self.threads = max(1, threads)
        self.exact_max_rows = exact_max_rows
        path.mkdir(parents=True, exist_ok=True)
        self.store = RecordStore(path / STORE)
        self.indexes: dict[Target, tantivy.Index] = {}
        for target, collection in COLLECTIONS.items():
            folder = path / target.value
            folder.mkdir(exist_ok=True)
            with _tantivy_errors(f"opening {folder}"):
                self.indexes[target] = (tantivy.Index.open(str(folder)) if tantivy.Index.exists(str(folder))
                                        else tantivy.Index(collection.schema, path=str(folder), reuse=True))
        self.writers: dict[Target, Any] = {}
        self.vectors: dict[Target, VectorIndex] = {}
        self.vector_seq = 0
        self.snapshot_seq = 0
        self.data_version = self.store.data_version()
        version = self.store.meta().get("store_version")
        if version is not None and int(version) != STORE_VERSION:
            self.store.close()
            raise BackendError(f"{path} was written by another version of the embedded backend (store layout "
                               f"{version}, this one reads {STORE_VERSION}): ingest into a new data folder")

    # -- tantivy -----------------------------------------------------------------------------
    def lexical_lag(self) -> bool:
        meta = self.store.meta()
        return int(meta.get("lexical_seq", 0)) < int(meta.get("seq", 0))

    def _writer(self, target: Target) -> Any:
        if target not in self.writers:
            threads = min(self.threads, 2)
            with _tantivy_errors(f"opening a writer on {self.path / target.value}"):
                self.writers[target] = self.indexes[target].writer(heap_size=WRITER_HEAP * threads,
                                                                   num_threads=threads)
        return self.writers[target]

    def sync_lexical(self, written: Mapping[int, Document] | None = None) -> int:
        """Replay rows newer than ``lexical_seq`` into tantivy, commit, record the new seq.

        Needs the writer lock. Idempotent: each row is deleted by its rowid before it is added.
        ``written`` holds documents just written, by rowid (the others are read back from SQLite)."""
        meta = self.store.meta()
        applied, upto = int(meta.get("lexical_seq", 0)), int(meta.get("seq", 0))
        if applied >= upto:
            return 0
        written = written or {}
        # Rows inserted by the one write tantivy has not seen cannot be in tantivy yet (rowids of a
        # rolled-back transaction never reached it): no delete needed. Any other replay deletes first.
        just_written = written if applied == upto - 1 else {}
        touched: set[Target] = set()
        replayed = 0
        with _tantivy_errors(f"updating the lexical index of {self.path}"):
            for batch in self.store.changes_since(applied, upto=upto, with_doc=False, with_vector=False):
                missing = [c.rowid for c in batch if not c.deleted and c.rowid not in written]
                stored = self.store.docs_by_rowid(missing) if missing else {}
                for change in batch:
                    writer = self._writer(change.target)
                    if change.rowid not in just_written:
                        writer.delete_documents_by_term(KEY, change.rowid)
                    doc = None if change.deleted else written.get(change.rowid)
                    if doc is None and change.rowid in stored:
                        doc = json.loads(stored[change.rowid])
                    if doc is not None:
                        writer.add_document(COLLECTIONS[change.target].tantivy_doc(change.rowid, doc))
                    touched.add(change.target)
                    replayed += 1
            for target in touched:
                self.writers[target].commit()
                self.indexes[target].reload()
        self.store.set_meta({"lexical_seq": upto})
        return replayed

    def drop_writers(self, *, wait_for_merges: bool = False) -> None:
        """Release the tantivy writers (and tantivy's own lock). Nothing is pending: every sync
        commits. On close, background segment merges are waited for so readers find few segments."""
        for target in list(self.writers):
            writer = self.writers.pop(target)
            with _tantivy_errors("closing a writer"):
                if wait_for_merges:
                    writer.wait_merging_threads()
                else:
                    writer.rollback()
            del writer

    def reload_searchers(self) -> None:
        with _tantivy_errors(f"reloading {self.path}"):
            for index in self.indexes.values():
                index.reload()

    # -- vectors -----------------------------------------------------------------------------
    def load_vectors(self) -> None:
        """Fill the vector indexes: from the snapshot if there is a usable one, then the rows
        written since; else from every stored vector (1M × 384 float16 rows: tens of seconds)."""
        path = self.path / SNAPSHOT
        if path.exists():
            try:
                meta, indexes = load_snapshot(path, {t.value: COLLECTIONS[t].filter_spec for t in Target},
                                              threads=self.threads)
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
        dims = _as_int(self.store.meta().get("dims"))
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
                        shared_text, shared = change.shared, json.loads(change.shared) if change.shared else {}
                    keys = {**shared, **json.loads(change.keys)} if change.keys else shared
                    adds.setdefault(change.target, []).append((change, keys))
            for target, items in adds.items():
                dims = dims or len(items[0][0].vector) // 2  # type: ignore[arg-type]
                index = self.vectors.get(target)
                if index is None:
                    index = self.vectors[target] = VectorIndex(dims, COLLECTIONS[target].filter_spec,
                                                               exact_max_rows=self.exact_max_rows,
                                                               threads=self.threads)
                last = index.rowids.view[-1] if index.size else 0
                items = [(c, k) for c, k in items if c.rowid > last]
                if not items:
                    continue
                matrix = np.frombuffer(b"".join(c.vector for c, _ in items), dtype=np.float16)  # type: ignore[misc]
                index.add([c.rowid for c, _ in items],
                          matrix.reshape(len(items), index.dims).astype(np.float32), [k for _, k in items])
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


@contextmanager
def _tantivy_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except (ValueError, RuntimeError, OSError) as exc:
        raise BackendError(f"tantivy: {doing} failed: {exc}") from exc


def _write_atomically(path: Path, text: str) -> None:
    """Write a small file so that readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# -- the backend -------------------------------------------------------------------------------

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
                 exact_max_rows: int = EXACT_MAX_ROWS) -> None:
        self.data_dir = Path(data_dir)
        self.threads = max(1, threads)
        self.lock_timeout = lock_timeout
        self.exact_max_rows = exact_max_rows
        # _lock guards the live generation and its vector indexes (short sections: refresh, vector
        # search, swapping generations); _write_lock serialises write / delete / rebuild, which do
        # their slow parts (SQLite, tantivy, building a generation) without blocking searches.
        self._lock = threading.RLock()
        self._write_lock = threading.RLock()
        self._lock_fd: int | None = None
        self._requested: tuple[str, int, str] | None = None  # the last check_compatible() values
        self._current_stat: tuple[int, int] | None = None
        self._holding_for_writes = False  # took the writer lock for writes (kept until close)
        self._closed = False
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackendError(f"cannot create the data folder {self.data_dir}: {exc}") from exc
        _set_faiss_threads()
        self._gen = self._open_current()

    @classmethod
    def from_settings(cls, settings: Any) -> EmbeddedBackend:
        return cls(settings.data_path, threads=settings.threads)

    # -- generations and the writer lock ------------------------------------------------------
    def _read_current(self) -> str | None:
        path = self.data_dir / CURRENT
        try:
            stat = path.stat()
            name = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        self._current_stat = (stat.st_ino, stat.st_mtime_ns)
        return name or None

    def _open_current(self) -> _Generation:
        name = self._read_current()
        if name is None:
            with self._writing_briefly():
                name = self._read_current()
                if name is None:
                    name = f"{GENERATION_PREFIX}{1:06d}"
                    generation = self._new_generation(name)
                    generation.store.set_meta({"schema_version": SCHEMA_VERSION, "store_version": STORE_VERSION})
                    (generation.path / BUILDING).unlink()
                    _write_atomically(self.data_dir / CURRENT, name + "\n")
                    self._read_current()
                    generation.sync_vectors()
                    return generation
        path = self.data_dir / name
        if not (path / STORE).exists():
            raise BackendError(f"{self.data_dir / CURRENT} names {name}, which is missing: the data folder is damaged; "
                               "restore it from a backup or start a new one")
        generation = _Generation(path, threads=self.threads, exact_max_rows=self.exact_max_rows)
        if generation.lexical_lag():
            self._heal(generation)
        generation.load_vectors()
        return generation

    def _new_generation(self, name: str) -> _Generation:
        path = self.data_dir / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        (path / BUILDING).touch()
        return _Generation(path, threads=self.threads, exact_max_rows=self.exact_max_rows)

    def _heal(self, generation: _Generation) -> None:
        """Replay into tantivy what a crashed writer committed to SQLite only. Done by whoever can
        take the writer lock now; a reader that cannot leaves it to the live writer."""
        if self._lock_fd is None and not self._try_lock(timeout=0):
            return
        try:
            generation.sync_lexical()
            self._remove_unfinished()
        finally:
            if not self._holding_for_writes:
                generation.drop_writers()
                self._release_lock()

    def _remove_unfinished(self) -> None:
        """Delete generations a crashed rebuild left half-built (they carry a .building marker)."""
        current = self._read_current()
        for path in self.data_dir.glob(f"{GENERATION_PREFIX}*"):
            if path.name != current and (path / BUILDING).exists():
                shutil.rmtree(path, ignore_errors=True)

    def _try_lock(self, timeout: float) -> bool:
        path = self.data_dir / LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd
        return True

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _acquire_for_writes(self) -> _Generation:
        """Become the writer (once; held until close) and return the live generation. Raises
        BackendError if another process (or another instance) is the writer."""
        with self._lock:
            if self._closed:
                raise BackendError("the embedded backend is closed")
            if not self._holding_for_writes:
                if self._lock_fd is None and not self._try_lock(self.lock_timeout):
                    raise BackendError(self._lock_message())
                self._holding_for_writes = True
                # Another writer may have written since we opened: start from what is committed.
                self._refresh()
                if self._gen.lexical_lag():
                    self._gen.sync_lexical()
                self._remove_unfinished()
            return self._gen

    def _lock_message(self) -> str:
        path = self.data_dir / LOCK
        try:
            holder = path.read_text().strip() or "?"
        except OSError:
            holder = "?"
        return (f"another process (pid {holder}) is writing to the index in {self.data_dir} (lock {path}); "
                "only one writer at a time: wait for it to finish or stop it (searching needs no lock)")

    @contextmanager
    def _writing_briefly(self) -> Iterator[None]:
        had = self._lock_fd is not None
        if not had and not self._try_lock(self.lock_timeout):
            raise BackendError(self._lock_message())
        try:
            yield
        finally:
            if not had:
                self._release_lock()

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
        try:
            stat = (self.data_dir / CURRENT).stat()
            moved = (stat.st_ino, stat.st_mtime_ns) != self._current_stat
        except FileNotFoundError:
            moved = False
        if moved and self._read_current() != self._gen.name:
            old, self._gen = self._gen, self._open_current()
            old.close()
            return True
        version = self._gen.store.data_version()
        if version == self._gen.data_version:
            return False
        self._gen.data_version = version
        self._gen.reload_searchers()
        self._gen.sync_vectors()
        return True

    # -- bookkeeping ---------------------------------------------------------------------------
    def info(self) -> IndexInfo:
        with self._lock:
            self._refresh()
            gen = self._gen
            meta = gen.store.meta()
            notices, issues, measures = gen.store.counts()
            lexical = {}
            for target, index in gen.indexes.items():
                with _tantivy_errors("counting"):
                    lexical[target.value] = index.searcher().num_docs
            extra = {
                "generation": gen.name,
                "seq": int(meta.get("seq", 0)),
                "lexical_seq": int(meta.get("lexical_seq", 0)),
                "lexical_docs": lexical,
                "vectors": {t.value: v.stats() for t, v in gen.vectors.items()},
                "disk_mb": round(_disk_bytes(gen.path) / 2**20, 1),
            }
            return IndexInfo(
                backend=self.name, location=str(self.data_dir), model_id=meta.get("model_id"),
                dims=_as_int(meta.get("dims")), dictionary_version=meta.get("dictionary_version"),
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
            have_model, have_dims, have_dict = meta.get("model_id"), _as_int(meta.get("dims")), meta.get(
                "dictionary_version")
            empty = store.is_empty()
            if empty or (have_model is None and have_dims in (None, dims)):
                # A new (or emptied) index adopts the values; so does one created by a write before
                # any check, whose dims came from its vectors.
                store.set_meta({"model_id": model_id, "dims": dims, "dictionary_version": dictionary_version})
                return
            refuse_mismatch((have_model, have_dims, have_dict), model_id, dims, dictionary_version)

    def notice_id_for_source(self, source: str) -> NoticeId | None:
        with self._lock:
            self._refresh()
            return self._gen.store.notice_id_for_source(source)

    def has_notice(self, notice_id: NoticeId) -> bool:
        with self._lock:
            self._refresh()
            return self._gen.store.has_notice(notice_id)

    # -- writing -----------------------------------------------------------------------------
    def write(self, bundles: Sequence[NoticeBundle],
              replaces: Mapping[NoticeId, NoticeId] | None = None) -> WriteResult:
        with self._write_lock:
            return self._write_into(self._acquire_for_writes(), bundles, replaces or {}, live=True)

    def _write_into(self, gen: _Generation, bundles: Sequence[NoticeBundle],
                    replaces: Mapping[NoticeId, NoticeId], *, live: bool) -> WriteResult:
        result = WriteResult()
        dims = _as_int(gen.store.meta().get("dims"))
        rows: list[NoticeRow] = []
        for bundle in bundles:
            try:
                row, dims = _notice_row(bundle, dims)
            except ValueError as exc:
                result.failed[bundle.notice_id] = str(exc)
                continue
            rows.append(row)
            result.written.append(bundle.notice_id)
        if not rows:
            return result
        if dims is not None and gen.store.meta().get("dims") is None:
            gen.store.set_meta({"dims": dims})
        _, written = gen.store.write(rows, {k: v for k, v in replaces.items() if k in set(result.written)})
        self._apply(gen, live, written)
        return result

    def _apply(self, gen: _Generation, live: bool, written: Mapping[int, Document] | None = None) -> None:
        """Bring the derived indexes up to the store (tantivy's searchers are snapshots: no lock)."""
        gen.sync_lexical(written)
        if live:
            with self._lock:
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
            model = self._requested or (meta.get("model_id"), _as_int(meta.get("dims")), meta.get("dictionary_version"))
            number = max([int(p.name[len(GENERATION_PREFIX):]) for p in self.data_dir.glob(f"{GENERATION_PREFIX}*")
                          if p.name[len(GENERATION_PREFIX):].isdigit()] + [0]) + 1
            name = f"{GENERATION_PREFIX}{number:06d}"
            fresh = self._new_generation(name)
            result = WriteResult()
            try:
                values = {"schema_version": SCHEMA_VERSION, "store_version": STORE_VERSION, "model_id": model[0],
                          "dims": model[1], "dictionary_version": model[2]}
                fresh.store.set_meta({k: v for k, v in values.items() if v is not None})
                for batch in _batched(bundles, REBUILD_BATCH):
                    part = self._write_into(fresh, batch, {}, live=False)
                    result.written += part.written
                    result.failed.update(part.failed)
                fresh.save_vectors()  # readers that switch find it
                (fresh.path / BUILDING).unlink()
                _write_atomically(self.data_dir / CURRENT, name + "\n")
            except BaseException:
                fresh.close()
                shutil.rmtree(fresh.path, ignore_errors=True)
                raise
            with self._lock:
                self._read_current()
                self._gen = fresh
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
        with self._lock:
            self._refresh()
            gen = self._gen
            searcher = gen.indexes[target].searcher()
        with _tantivy_errors("searching"):
            limit = k + 10
            while True:
                found = searcher.search(full, limit=limit, count=False).hits
                if len(found) < limit or found[-1][0] < found[k - 1][0]:
                    break
                limit *= 4  # ties at the cut: fetch them all so the order below matches the reference
            rowids = searcher.fast_field_values(KEY, [address for _, address in found])
        ids = gen.store.doc_ids_of([int(r) for r in rowids if r is not None])
        hits = [Hit(ids[int(r)], float(score), Leg.LEXICAL) for (score, _), r in zip(found, rowids, strict=True)
                if r is not None and int(r) in ids]
        hits.sort(key=lambda h: (-h.score, h.doc_id))
        return hits[:k]

    def vector(self, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
        query = np.asarray(vector, dtype=np.float32).ravel()
        if k <= 0 or not np.any(query):
            return []
        with self._lock:
            self._refresh()
            gen = self._gen
            index = gen.vectors.get(target)
            if index is None:
                COLLECTIONS[target].filter_clauses(filters)  # same errors as the lexical leg
                return []
            if query.shape[0] != index.dims:
                raise BadQuery(f"the query vector has {query.shape[0]} dimensions, the index {index.dims}")
            COLLECTIONS[target].filter_clauses(filters)
            mask = index.mask(filters, lambda ids: gen.store.rowids_of(target, ids))
            if mask is not None and not mask.any():
                return []
            found = index.search(query, k, mask)
        ids = gen.store.doc_ids_of([rowid for rowid, _ in found])
        return [Hit(ids[rowid], score, Leg.VECTOR) for rowid, score in found if rowid in ids]

    def facets(self, target: Target, filters: Filters, fields: Sequence[str], query: LexicalQuery | None = None,
               size: int = 50) -> dict[str, list[tuple[str, int]]]:
        collection = COLLECTIONS[target]
        for name in fields:
            if collection.kinds.get(name) not in FILTERABLE or name in NOT_FAST:
                raise BadQuery(f"cannot count {target.value} by {name!r}: not a keyword, integer or date field")
        empty: dict[str, list[tuple[str, int]]] = {name: [] for name in fields}
        if not fields or size <= 0:
            return empty
        if query is not None:
            scoring = collection.scoring_query(query)
            if scoring is None:
                collection.filter_clauses(filters)
                return empty
        else:
            scoring = Query.all_query()
        full = collection.filtered(scoring, filters)
        wanted = max(size * 4, 100)
        aggs = {name: {"terms": {"field": name, "size": wanted, "segment_size": max(wanted, FACET_SEGMENT_SIZE)}}
                for name in dict.fromkeys(fields)}
        with self._lock:
            self._refresh()
            searcher = self._gen.indexes[target].searcher()
        with _tantivy_errors("counting facets"):
            result = searcher.aggregate(full, aggs)
        out: dict[str, list[tuple[str, int]]] = {}
        for name in fields:
            integer = collection.kinds[name] is Kind.INTEGER
            pairs = [(str(int(b["key"])) if integer else str(b["key"]), int(b["doc_count"]))
                     for b in result.get(name, {}).get("buckets", []) if b["doc_count"] > 0]
            out[name] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:size]
        return out

    # -- reading -----------------------------------------------------------------------------
    def _store(self) -> RecordStore:
        with self._lock:
            self._refresh()
            return self._gen.store

    def get(self, target: Target, ids: Sequence[DocId]) -> list[Document]:
        found = self._store().get_docs(target, ids)
        return [found[i] for i in ids if i in found]

    def get_vectors(self, target: Target, ids: Sequence[DocId]) -> dict[DocId, Vector]:
        return {i: v.tolist() for i, v in self._store().get_vectors(target, ids).items()}

    def get_notice(self, notice_id: NoticeId) -> Document | None:
        return self._store().get_notice(notice_id)

    def iter_notices(self) -> Iterator[Document]:
        return self._store().iter_notices()

    def close(self) -> None:
        with self._write_lock, self._lock:
            if self._closed:
                return
            self._closed = True
            if self._holding_for_writes:
                self._gen.save_vectors()
            self._gen.close(wait_for_merges=True)
            self._holding_for_writes = False
            self._release_lock()

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- helpers -----------------------------------------------------------------------------------

def _notice_row(bundle: NoticeBundle, dims: int | None) -> tuple[NoticeRow, int | None]:
    """The rows of one notice, checked; raises ValueError naming what is wrong."""
    docs: list[DocRow] = []
    seen: set[tuple[Target, str]] = set()
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
            blob = None
            if doc.get("vector") is not None:
                vector = np.asarray(doc["vector"], dtype=np.float32).ravel()
                if dims is None:
                    dims = int(vector.shape[0])
                if vector.shape[0] != dims:
                    raise ValueError(f"document {doc_id}: vector has {vector.shape[0]} dimensions, the index {dims}")
                if not np.all(np.isfinite(vector)):
                    raise ValueError(f"document {doc_id}: vector has non-finite values")
                blob = vector.astype(np.float16).tobytes()
            prepared.append((doc_id, stored, collection.keys(stored), blob))
        # Filter values all the notice's documents share (its metadata) are stored as one text.
        first = prepared[0][2] if prepared else {}
        common = {k: v for k, v in first.items() if all(p[2].get(k) == v for p in prepared)}
        shared = dumps(common)
        for doc_id, stored, keys, blob in prepared:
            own = {k: v for k, v in keys.items() if k not in common}
            docs.append(DocRow(target, doc_id, dumps(stored), shared, dumps(own), blob, stored))
    record = {**bundle.notice, "notice_id": bundle.notice_id}
    record.setdefault("issue_ids", [d["id"] for d in bundle.issues])
    return NoticeRow(bundle.notice_id, bundle.source, dumps(record), docs), dims


def _disk_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def _set_faiss_threads() -> None:
    """One OpenMP thread for faiss: a single query gains nothing from more, and on a busy machine
    OpenMP's barrier spinning made an SQ8 search 3× slower (42 ms against 15 at 100k rows). The
    vector index parallelises over its shards with ordinary threads instead."""
    try:
        import faiss
    except ImportError:  # pragma: no cover
        return
    faiss.omp_set_num_threads(1)
