"""The record store of the embedded backend: one SQLite file (WAL), the source of truth.

It holds every notice record (with its original text), every issue and measure document (JSON),
their vectors (:mod:`indexer.vector_codec`: int8 from layout 4, float16 before) and a change log in the form of a sequence number on each row:

* ``meta``     key → value (model id, dims, dictionary and schema versions, ``seq``, ``lexical_seq``);
* ``notices``  one row per stored notice: id, source, the ``seq`` that wrote it, the record (JSON);
* ``docs``     one row per issue or measure document ever written. ``rowid`` (AUTOINCREMENT, never
               reused) is the document's key in tantivy and in the vector index; ``seq`` is the
               write that inserted it or, once ``deleted`` = 1, the write that deleted it (a
               tombstone: the JSON and the vector are dropped, the row stays so that readers and
               the lexical index can replay the deletion). ``shared`` and ``keys`` hold the
               filter values the vector index needs (JSON): ``shared`` those every document of the
               notice has in common (the same text on each of its rows, so loading parses it once
               per notice), ``keys`` the document's own.

Compact rows (store layout 2, issue "lean store"): the JSON of documents and notice records is
stored zlib-compressed with a preset dictionary (``codecs``: built once per store from the
documents of its first write, so the field names and metadata every document repeats cost a few
bytes each); the first byte of such a blob names its codec (0: zlib without a dictionary). Rows
of layout 1 (plain JSON text) are read as they are. ``shared`` and ``keys`` are kept only on
rows with a vector (the vector index is their only reader). Measured on 300 generated notices
(per issue): documents with their filter keys 5.4 → 1.9 KiB, notice records 0.46 → 0.20 KiB.

Layout 3 (lean store): measure rows without their issue's copies and derived fields
(:mod:`indexer.backends.embedded_rows`); the hash of the text each vector was computed from
(``text_hash``: the embedder's vector cache finds stored vectors by it); a row's own filter keys
packed, and the keys a notice's rows share stored once per notice and collection
(``shared_keys``; rows of older layouts keep theirs in ``shared``); 16 KiB pages for new files.
Layout 4: vectors in int8 with a scale each (float16 before: 1.4 KiB less per issue at 2.85
measure vectors an issue; a store of an older layout keeps float16: ``vector_codec``); issue rows
without the notice-level fields their notice's issues share (``notice_heads``, once per notice);
no index on ``docs.notice_id``: a notice's documents are the run of rowids its row names
(``docs_from``, ``docs_to``; a notice stored before has none and is found by that index); no
``docs_alive`` index on ``target`` either (counting live rows walks ``docs_id`` as fast).

One :meth:`RecordStore.write` call is one transaction with one new ``seq``: a notice's documents
appear and disappear together. Everything derived (tantivy, the in-memory vectors) catches up by
replaying rows with ``seq`` greater than what it has applied; see :mod:`indexer.backends.embedded`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from indexer.backends.embedded_rows import needs_head, needs_issue, whole
from indexer.backends.head_memo import HeadMemo
from indexer.backends.row_codec import Codec, build_zdict
from indexer.backends.store_schema import SCHEMA, TEXT_INDEX
from indexer.documents import issue_of_measure, measure_id_bounds
from indexer.errors import BackendError
from indexer.types import DocId, Document, NoticeId, Target
from indexer.vector_codec import FLOAT16, INT8, VectorCodec

TARGET_CODE = {Target.ISSUES: 0, Target.MEASURES: 1}
CODE_TARGET = {code: target for target, code in TARGET_CODE.items()}
BOTH_TARGETS = 2  # shared_keys.target of keys both collections of a notice share

PAGE_SIZE = 16384
# Reads may map the file (``map_bytes``, setting ``store_map_mib``) instead of copying each page into
# SQLite's cache: a search reads a few hundred rows, each on its own page (3-4x less CPU per row read
# at 100k issues). Mapped pages are the OS's page cache, shared and dropped under memory pressure,
# but RSS counts them (as file pages), so the default maps nothing. Nothing shrinks the file (no
# VACUUM), the one case where a mapping could fault.
# SQLite's page cache (KiB): searches read rows by rowid, leaf pages from the OS's cache (1M issues:
# 32 → 4 MiB, ~30 MiB less RSS); a connection that writes (B-tree inserts revisit pages) keeps more.
READ_CACHE_KIB, WRITE_CACHE_KIB = 4096, 32000
_ZDICT_MIN_DOCS = 8  # fewer documents in the first write: plain zlib until a write brings more

_CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
INT8_LAYOUT = 4  # the store layout from which vectors are int8 (embedded_generation.STORE_VERSION)


@dataclass(slots=True)
class DocRow:
    """One document ready to insert: its JSON, its filter keys (JSON) and its vector; ``value`` is the
    document itself, handed back by :meth:`RecordStore.write` (the lexical index need not decode it)."""

    target: Target
    doc_id: DocId
    doc: str
    shared: str
    keys: str
    vector: bytes | None
    value: Document | None = None
    text_hash: bytes | None = None  # of the text the vector was computed from (the vector cache's key)


@dataclass(slots=True)
class NoticeRow:
    notice_id: NoticeId
    source: str
    record: str
    docs: list[DocRow]
    head: str | None = None  # the notice-level fields its issue rows leave out (JSON; embedded_rows)


@dataclass(slots=True)
class Change:
    """A row written or deleted after some sequence number (what the derived indexes replay)."""

    rowid: int
    target: Target
    deleted: bool
    doc: str | None
    shared: str | bytes | None  # as stored: JSON, or packed (layout 3; the same bytes for one notice's rows)
    keys: str | bytes | None
    vector: bytes | None
    doc_id: DocId | None = None  # names a measure's issue (embedded_rows.whole_keys)


class StoreFull(BackendError):
    """SQLite found no space for a write (SQLITE_FULL); the transaction was rolled back."""


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class RecordStore:
    """A SQLite file in WAL mode, shared safely between threads (one lock) and processes (one
    writer at a time, enforced by the backend's lock file; readers never block)."""

    def __init__(self, path: Path, *, read_only: bool = False, map_bytes: int = 0) -> None:
        self.path = path
        self.read_only = read_only
        self.map_bytes = max(0, map_bytes)
        self._lock = threading.RLock()
        self._heads = HeadMemo()  # decoded notice heads, for the current sequence number
        # seq() remembered (a search asks ~12 times) until a write of this store or another
        # connection's commit, which data_version() sees (the backend checks it before reading)
        self._seq: int | None = None
        self._version: int | None = None
        self.packed = True  # write compact rows (layout 2); False keeps a layout-1 store as it is
        if read_only:
            self._db = self._open_read_only(path)
            self.codec = Codec(self._zdicts(), self._zdicts)
            self.vector_codec = self._vector_codec()
            return
        with self._errors("open"):
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            # Rows with a vector are ~1.5-2 KiB: two to a 4 KiB page left a quarter of the file empty
            # (300 generated notices: 4.2 → 3.4 KiB per issue at 16 KiB). Only a new file takes it.
            self._db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            self._db.execute("PRAGMA journal_mode=WAL")
            # checkpoint at ~4 MiB of log whatever the page size (the default counts 1000 pages: 16 MiB
            # at 16 KiB, which a nearly full disk may not have)
            page = self._db.execute("PRAGMA page_size").fetchone()[0]
            self._db.execute(f"PRAGMA wal_autocheckpoint={4 * 2**20 // page}")
            # NORMAL in WAL mode survives a killed process (not a power cut: that may lose the last
            # commits, never corrupt the file). The derived indexes replay whatever did commit.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")  # until the first write: see READ_CACHE_KIB
            self._db.execute(f"PRAGMA mmap_size={self.map_bytes}")
            self._db.executescript(SCHEMA)
            if "text_hash" not in {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}:
                self._db.execute("ALTER TABLE docs ADD COLUMN text_hash BLOB")  # layouts 1 and 2
            if "docs_from" not in {row[1] for row in self._db.execute("PRAGMA table_info(notices)")}:
                self._db.executescript("ALTER TABLE notices ADD COLUMN docs_from INTEGER; "  # layouts 1-3
                                       "ALTER TABLE notices ADD COLUMN docs_to INTEGER;")
            self._db.execute(TEXT_INDEX)
        self.codec = Codec(self._zdicts(), self._zdicts)
        self.vector_codec = self._vector_codec()

    def _vector_codec(self) -> VectorCodec:
        """How this store keeps vectors: int8 in a new store, float16 in one of an older layout."""
        version = self.meta().get("store_version")
        return FLOAT16 if version is not None and int(version) < INT8_LAYOUT else INT8

    def _zdicts(self) -> dict[int, bytes]:
        with self._lock:
            try:
                return {codec: bytes(zdict) for codec, zdict in self._db.execute("SELECT codec, zdict FROM codecs")}
            except sqlite3.OperationalError:  # a layout-1 store opened read-only: no codecs table
                return {}

    def _open_read_only(self, path: Path) -> sqlite3.Connection:
        """Open without writing anything. With no ``-wal`` file (every writer closed cleanly) the
        file is opened as immutable: SQLite then makes no ``-shm`` / ``-wal`` file either. With
        one, its writes are read in ``mode=ro``, which needs the ``-shm`` file: on a read-only file
        system that only works if the folder was copied with it."""
        uri = f"file:{quote(str(path))}"
        wal = path.with_name(path.name + "-wal")
        pending = wal.exists() and wal.stat().st_size > 0
        try:
            db = sqlite3.connect(f"{uri}?mode=ro" if pending else f"{uri}?immutable=1", uri=True,
                                 check_same_thread=False, isolation_level=None)
            db.execute(f"PRAGMA mmap_size={self.map_bytes}")
            db.execute("SELECT count(*) FROM meta").fetchone()
            return db
        except sqlite3.Error as exc:
            reason = (f"{wal.name} holds writes not yet merged into it; open the folder once where it can be "
                      "written (closing the index merges them), then copy it again") if pending else str(exc)
            raise BackendError(f"record store {path}: cannot be opened read-only: {reason}") from exc

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                raise StoreFull(f"record store {self.path}: {what} failed: {exc}") from exc
            raise BackendError(f"record store {self.path}: {what} failed: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._errors("write"):
            self._db.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                if self._db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                    self._db.execute("ROLLBACK")
                raise
            finally:
                self._seq = None  # under the lock: no reader remembers the value from before
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._lock, self._errors("read"):
            return self._db.execute(sql, params).fetchall()

    # -- meta ----------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self._query("SELECT key, value FROM meta"))

    def set_meta(self, values: Mapping[str, Any], db: sqlite3.Connection | None = None) -> None:
        rows = [(k, str(v)) for k, v in values.items()]
        if db is not None:
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)
            return
        with self.transaction() as tx:
            tx.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", rows)

    def seq(self) -> int:
        """The sequence number of the last write (as of this store's last write or data_version())."""
        with self._lock:
            if self._seq is None:
                rows = self._query("SELECT value FROM meta WHERE key = 'seq'")
                self._seq = int(rows[0][0]) if rows else 0
            return self._seq

    def data_version(self) -> int:
        """Changes whenever another connection (process) commits: a cheap freshness check."""
        with self._lock:
            version = int(self._query("PRAGMA data_version")[0][0])
            if version != self._version:
                self._version, self._seq = version, None
            return version

    # -- writing -------------------------------------------------------------------------
    def write(self, notices: Sequence[NoticeRow], replaces: Mapping[NoticeId, NoticeId]
              ) -> tuple[int, dict[int, Document]]:
        """Store whole notices in one transaction with one new sequence number.

        A notice already stored under the same id, and the notice it ``replaces``, lose their
        documents (tombstoned) in the same transaction. Returns the seq and the written
        documents' values by rowid (as far as known)."""
        written: dict[int, Document] = {}
        with self.transaction() as tx:
            seq = self._next_seq(tx)
            codec = self._codec_for(tx, notices) if self.packed else None
            pack = (lambda text: text) if codec is None else (lambda text: self.codec.pack(text, codec))

            def filter_keys(d: DocRow) -> tuple[Any, Any]:
                """(shared, keys) of a row: layout 1 keeps both on every row; later layouts only the
                row's own keys, packed, on rows with a vector (shared ones: the shared_keys table)."""
                if not self.packed:
                    return d.shared, d.keys
                return None, (pack(d.keys) if d.vector is not None else None)
            for notice in notices:
                for old in {notice.notice_id, replaces.get(notice.notice_id)} - {None}:
                    self._delete_notice(tx, old, seq)  # type: ignore[arg-type]
                before = self._last_rowid(tx)
                if self.packed:  # layout 3: a notice's shared filter keys once per collection, not per row
                    shared = {TARGET_CODE[d.target]: d.shared for d in notice.docs if d.vector is not None}
                    if len(shared) > 1 and len(set(shared.values())) == 1:  # layout 4: alike, kept once
                        shared = {BOTH_TARGETS: shared[0]}
                    tx.executemany("INSERT OR REPLACE INTO shared_keys (notice_id, target, keys) VALUES (?, ?, ?)",
                                   [(notice.notice_id, code, pack(keys)) for code, keys in shared.items()])
                tx.executemany(
                    "INSERT INTO docs (target, doc_id, notice_id, seq, doc, shared, keys, vector, text_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(TARGET_CODE[d.target], d.doc_id, notice.notice_id, seq, pack(d.doc), *filter_keys(d),
                      d.vector, d.text_hash if d.vector is not None else None)
                     for d in notice.docs],
                )
                after = self._last_rowid(tx)
                if after - before == len(notice.docs):  # AUTOINCREMENT in one transaction: consecutive
                    written.update((before + 1 + i, d.value) for i, d in enumerate(notice.docs) if d.value is not None)
                if notice.head is not None:
                    tx.execute("INSERT OR REPLACE INTO notice_heads (notice_id, head) VALUES (?, ?)",
                               (notice.notice_id, pack(notice.head)))
                tx.execute("INSERT INTO notices (notice_id, source, seq, record, docs_from, docs_to) "
                           "VALUES (?, ?, ?, ?, ?, ?)", (notice.notice_id, notice.source, seq, pack(notice.record),
                                                         before + 1, after))
        return seq, written

    def _codec_for(self, tx: sqlite3.Connection, notices: Sequence[NoticeRow]) -> int:
        """The codec new rows are packed with: the store's dictionary, made from this write's
        documents if it has none yet and they are enough (else plain zlib, for now)."""
        self.codec.zdicts.update(self._zdicts())  # under the writer lock: one another writer made counts
        if len(self.codec.zdicts) > 1:
            return max(self.codec.zdicts)
        issues = [d.doc for n in notices for d in n.docs if d.target is Target.ISSUES][:32]
        measures = [d.doc for n in notices for d in n.docs if d.target is Target.MEASURES][:32]
        if len(issues) + len(measures) < _ZDICT_MIN_DOCS:
            return 0
        mixed = [doc for pair in zip(measures, issues, strict=False) for doc in pair] or issues or measures
        zdict = build_zdict([*measures[len(issues):], *issues[len(measures):], *mixed])
        codec = tx.execute("INSERT INTO codecs (zdict) VALUES (?)", (zdict,)).lastrowid
        self.codec.zdicts[codec] = zdict  # (a rolled-back write leaves an unused entry: harmless)
        return codec

    @staticmethod
    def _last_rowid(tx: sqlite3.Connection) -> int:
        row = tx.execute("SELECT seq FROM sqlite_sequence WHERE name = 'docs'").fetchone()
        return int(row[0]) if row else 0

    def delete_notices(self, notice_ids: Sequence[NoticeId]) -> tuple[int, int]:
        """Remove notices and tombstone their documents; returns (how many existed, new seq)."""
        with self.transaction() as tx:
            seq = self._next_seq(tx)
            existed = sum(self._delete_notice(tx, n, seq) for n in dict.fromkeys(notice_ids))
        return existed, seq

    @staticmethod
    def _next_seq(tx: sqlite3.Connection) -> int:
        row = tx.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        seq = (int(row[0]) if row else 0) + 1
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (str(seq),))
        return seq

    @staticmethod
    def _delete_notice(tx: sqlite3.Connection, notice_id: NoticeId, seq: int) -> bool:
        """Tombstone a notice's documents: the run of rowids its write gave them (layout 4: no index
        on notice_id, 0.1 KiB an issue), or for a notice stored before, by notice_id (that index)."""
        run = tx.execute("SELECT docs_from, docs_to FROM notices WHERE notice_id = ?", (notice_id,)).fetchone()
        if run is None:  # documents are never stored without their notice
            return False
        where, found = ("rowid BETWEEN ? AND ? AND ", run) if run[0] is not None else ("", ())
        tx.execute("UPDATE docs SET deleted = 1, seq = ?, doc = NULL, shared = NULL, keys = NULL, vector = NULL, "
                   f"text_hash = NULL WHERE {where}notice_id = ? AND deleted = 0", (seq, *found, notice_id))
        tx.execute("DELETE FROM shared_keys WHERE notice_id = ?", (notice_id,))
        tx.execute("DELETE FROM notice_heads WHERE notice_id = ?", (notice_id,))
        return tx.execute("DELETE FROM notices WHERE notice_id = ?", (notice_id,)).rowcount > 0

    # -- change log ----------------------------------------------------------------------
    def changes_since(self, seq: int, *, upto: int, batch: int = 5000, with_doc: bool = True,
                      with_vector: bool = True, vectors_only: bool = False) -> Iterator[list[Change]]:
        """Rows written or tombstoned after ``seq`` up to ``upto`` (inclusive), in rowid order, a
        batch at a time. Rows of later writes wait for the next call: bounding the window keeps a
        replay consistent while a writer commits in between. ``vectors_only``: only rows with a
        vector and tombstones (all a vector index needs; no tombstones when ``seq`` is 0)."""
        doc = "doc" if with_doc else "NULL"
        vector = "vector" if with_vector else "NULL"
        where = "seq > ? AND seq <= ? AND rowid > ?"
        if vectors_only:
            where += " AND deleted = 0 AND vector IS NOT NULL" if seq == 0 else " AND (deleted = 1 OR vector IS NOT NULL)"
        # A window of recent writes is found through the seq index; left to itself SQLite walks the
        # whole table in rowid order (for ORDER BY rowid): at 3.5M rows that made every write() of
        # the 1M-issue benchmark several times slower than the first ones. A full replay (seq 0)
        # reads everything anyway, in rowid order.
        source = "docs" if seq == 0 else "docs INDEXED BY docs_seq"
        last = 0
        while True:
            rows = self._query(
                f"SELECT rowid, target, deleted, {doc}, coalesce(shared, (SELECT s.keys FROM shared_keys s WHERE "
                f"s.notice_id = docs.notice_id AND s.target IN (docs.target, {BOTH_TARGETS}))), keys, {vector}, doc_id "
                f"FROM {source} "
                f"WHERE {where} ORDER BY rowid LIMIT ?", (seq, upto, last, batch))
            if not rows:
                return
            last = rows[-1][0]
            yield [Change(r[0], CODE_TARGET[r[1]], bool(r[2]), None if r[3] is None else self.codec.unpack(r[3]),
                          r[4], r[5], r[6], r[7]) for r in rows]

    # -- reading -------------------------------------------------------------------------
    def counts(self) -> tuple[int, int, int]:
        """(notices, issues, measures) currently stored."""
        notices = self._query("SELECT count(*) FROM notices")[0][0]
        issues, measures = (self._query("SELECT count(*) FROM docs WHERE target = ? AND deleted = 0", (code,))[0][0]
                            for code in (0, 1))
        return notices, issues, measures

    def is_empty(self) -> bool:
        return not self._query("SELECT 1 FROM notices LIMIT 1") and not self._query(
            "SELECT 1 FROM docs WHERE deleted = 0 LIMIT 1")

    def has_notice(self, notice_id: NoticeId) -> bool:
        return bool(self._query("SELECT 1 FROM notices WHERE notice_id = ?", (notice_id,)))

    def notice_id_for_source(self, source: str) -> NoticeId | None:
        rows = self._query("SELECT notice_id FROM notices WHERE source = ? ORDER BY seq DESC LIMIT 1", (source,))
        return rows[0][0] if rows else None

    def get_notice(self, notice_id: NoticeId) -> Document | None:
        rows = self._query("SELECT record FROM notices WHERE notice_id = ?", (notice_id,))
        return self.codec.loads(rows[0][0]) if rows else None

    def iter_notices(self, batch: int = 200) -> Iterator[Document]:
        """Every notice record, paged by rowid so no cursor stays open between pages."""
        last = -1
        while True:
            rows = self._query("SELECT rowid, record FROM notices WHERE rowid > ? ORDER BY rowid LIMIT ?",
                               (last, batch))
            if not rows:
                return
            last = rows[-1][0]
            for _, record in rows:
                yield self.codec.loads(record)

    # No ORDER BY here: with it SQLite walks every live document in rowid order instead of using
    # the (target, doc_id) index (0.5 s instead of 0.1 ms at 100k); one live row per id anyway.
    def get_docs(self, target: Target, ids: Sequence[DocId], *, derived: bool = True,
                 rows: Mapping[DocId, int] | None = None) -> dict[DocId, Document]:
        """Whole documents by id; ``rows``: rowids known for some (a search's hits), read by rowid (``+target``:
        else SQLite walks the (target, doc_id) index for a hundred of them); any found gone are read by id."""
        wanted, code = list(dict.fromkeys(ids)), TARGET_CODE[target]
        found = self._decoded(f"SELECT doc_id, doc FROM docs WHERE +target = {code:d} AND deleted = 0 AND rowid IN",
                              [rows[i] for i in wanted if i in rows]) if rows else {}
        missing = [i for i in wanted if i not in found]
        found.update(self._decoded(f"SELECT doc_id, doc FROM docs WHERE target = {code:d} AND deleted = 0 AND doc_id IN", missing))
        return self._whole(target, found, derived=derived)

    def _decoded(self, select: str, values: Sequence[Any]) -> dict[Any, Any]:
        """{key: decoded record} of a two-column ``select`` ending in ``IN``, over ``values``."""
        found: dict[Any, Any] = {}
        for chunk in _chunks(list(values)):
            found.update((key, self.codec.loads(blob)) for key, blob in self._query(f"{select} ({_marks(chunk)})", chunk))
        return found

    def _whole(self, target: Target, rows: dict[Any, Document], *, derived: bool = True) -> dict[Any, Document]:
        """Stored rows made whole documents again (embedded_rows); a measure whose issue is gone
        (deleted between two reads) is left out."""
        wanted = [d.get("issue_id") for d in rows.values() if needs_issue(d)]
        issues = self.get_docs(Target.ISSUES, wanted, derived=False) if wanted else {}
        notices = [d.get("notice_id") for d in rows.values() if needs_head(d)]
        heads = self._heads.heads(self.seq(), notices, partial(
            self._decoded, "SELECT notice_id, head FROM notice_heads WHERE notice_id IN")) if notices else {}
        out = {}
        for key, row in rows.items():
            doc = whole(target, row, issues.get(row.get("issue_id")), derived=derived,
                        head=heads.get(row.get("notice_id")))
            if doc is not None:
                out[key] = doc
        return out

    def get_vectors(self, target: Target, ids: Sequence[DocId]) -> dict[DocId, np.ndarray]:
        found: dict[DocId, np.ndarray] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            for doc_id, blob in self._query(
                    f"SELECT doc_id, vector FROM docs WHERE target = ? AND deleted = 0 AND vector IS NOT NULL "
                    f"AND doc_id IN ({_marks(chunk)})", (TARGET_CODE[target], *chunk)):
                found[doc_id] = self.vector_codec.decode_one(blob)
        return found

    def issue_family_vectors(self, issue_ids: Sequence[DocId]) -> tuple[list[DocId], np.ndarray]:
        """Live vectors of the given issues and of their measures, rows labelled by their issue
        (:meth:`indexer.backends.base.RescoresIssueFamilies.issue_family_vectors`). An issue's
        measures are found by one range scan of the (target, doc_id) index per issue
        (:func:`indexer.documents.measure_id_bounds`)."""
        owners: list[DocId] = []
        blobs: list[bytes] = []
        for chunk in _chunks(list(dict.fromkeys(issue_ids)), _CHUNK // 2):
            for doc_id, blob in self._query(
                    f"SELECT doc_id, vector FROM docs WHERE target = ? AND deleted = 0 AND vector IS NOT NULL "
                    f"AND doc_id IN ({_marks(chunk)})", (TARGET_CODE[Target.ISSUES], *chunk)):
                owners.append(doc_id)
                blobs.append(blob)
            bounds = [bound for issue in chunk for bound in measure_id_bounds(issue)]
            ranges = ",".join(["(?, ?)"] * len(chunk))
            for doc_id, blob in self._query(
                    f"WITH r(low, high) AS (VALUES {ranges}) SELECT d.doc_id, d.vector FROM r JOIN docs d "
                    f"ON d.target = ? AND d.deleted = 0 AND d.doc_id >= r.low AND d.doc_id < r.high "
                    f"WHERE d.vector IS NOT NULL", (*bounds, TARGET_CODE[Target.MEASURES])):
                owners.append(issue_of_measure(doc_id))
                blobs.append(blob)
        return owners, self.vector_codec.decode(blobs)

    def cached_vectors(self, model_id: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """Live vectors by the hash of the text they were computed from, if they are of
        ``model_id`` (decoded; hashes not found are absent)."""
        if not hashes or self.meta().get("model_id") != model_id:
            return {}
        found: dict[bytes, np.ndarray] = {}
        try:
            for chunk in _chunks(list(dict.fromkeys(hashes))):
                for key, blob in self._query(f"SELECT text_hash, vector FROM docs INDEXED BY docs_text WHERE "
                                             f"text_hash IN ({_marks(chunk)}) AND vector IS NOT NULL", chunk):
                    found[bytes(key)] = self.vector_codec.decode_one(blob)
        except BackendError:
            if not self.read_only:
                raise
            return {}  # an older layout opened read-only: no text hashes to find vectors by
        return found

    def iter_live(self, target: Target, *, with_vector: bool, batch: int = 1000
                  ) -> Iterator[list[tuple[Document, bytes | None]]]:
        """(document, vector blob or None) of every live document, by rowid pages."""
        for rows, docs in self._live_pages(target, "rowid", "vector" if with_vector else "NULL", batch):
            yield [(docs[r[0]], r[3]) for r in rows if r[0] in docs]

    def live_by_id(self, target: Target, *, batch: int = 1000) -> Iterator[list[tuple[int, Document]]]:
        """(rowid, document) of every live document in id order (the id index's), ``batch`` at a time."""
        for rows, docs in self._live_pages(target, "doc_id", "NULL", batch):
            yield [(r[0], docs[r[0]]) for r in rows if r[0] in docs]

    def _live_pages(self, target: Target, order: str, column: str, batch: int
                    ) -> Iterator[tuple[list[tuple[Any, ...]], dict[int, Document]]]:
        """Pages of live rows ``(rowid, order key, doc, column)`` in ``order`` (rowid or doc_id, each
        indexed), with their whole documents by rowid."""
        last: int | str = 0 if order == "rowid" else ""
        while True:
            rows = self._query(f"SELECT rowid, {order}, doc, {column} FROM docs WHERE target = ? AND deleted = 0 "
                               f"AND {order} > ? ORDER BY {order} LIMIT ?", (TARGET_CODE[target], last, batch))
            if not rows:
                return
            last = rows[-1][1]
            yield rows, self._whole(target, {r[0]: self.codec.loads(r[2]) for r in rows})

    def get_derived(self, name: str) -> bytes | None:
        rows = self._query("SELECT value FROM derived WHERE name = ?", (name,))
        return bytes(rows[0][0]) if rows else None

    def put_derived(self, name: str, data: bytes) -> None:
        with self.transaction() as tx:
            tx.execute("INSERT OR REPLACE INTO derived (name, value) VALUES (?, ?)", (name, data))

    def rowids_of(self, target: Target, ids: Sequence[DocId]) -> list[int]:
        return [r[0] for chunk in _chunks(list(dict.fromkeys(ids))) for r in self._query(
            f"SELECT rowid FROM docs WHERE target = ? AND deleted = 0 AND doc_id IN ({_marks(chunk)})",
            (TARGET_CODE[target], *chunk))]

    def docs_by_rowid(self, rowids: Sequence[int]) -> dict[int, Document]:
        """Whole documents by rowid (live rows only)."""
        found: dict[Target, dict[int, Document]] = {target: {} for target in Target}
        for chunk in _chunks(list(rowids)):
            for rowid, target, doc in self._query(
                    f"SELECT rowid, target, doc FROM docs WHERE rowid IN ({_marks(chunk)}) AND deleted = 0", chunk):
                found[CODE_TARGET[target]][rowid] = self.codec.loads(doc)
        return {rowid: doc for target, rows in found.items() for rowid, doc in self._whole(target, rows).items()}

    def doc_ids_of(self, rowids: Sequence[int]) -> dict[int, DocId]:
        """Document ids by rowid (tombstoned rows included: callers decide)."""
        found: dict[int, DocId] = {}
        for chunk in _chunks(list(rowids)):
            found.update(self._query(f"SELECT rowid, doc_id FROM docs WHERE rowid IN ({_marks(chunk)}) AND deleted = 0", chunk))
        return found

    def close(self) -> None:
        with self._lock, suppress(sqlite3.Error):  # closing never matters more than the cause
            self._db.close()


def _marks(values: Sequence[Any]) -> str:  # the placeholders of an ``IN (…)`` list
    return ",".join("?" * len(values))


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
