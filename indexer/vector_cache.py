"""Vectors already computed, by (model id, text hash): a reindex of unchanged text embeds nothing.

Two kinds: :class:`StoredVectors` finds them among the vectors an index already stores (the
embedded backend keeps each vector once, beside the hash of its text: no copy elsewhere);
:class:`VectorCache` keeps its own copy in a SQLite file in the data dir (for backends that
cannot look vectors up by text, such as Elasticsearch).

Vectors are kept as the store keeps them (:mod:`indexer.vector_codec`; int8 here: 386 bytes at
384 dims, so a row fits in its B-tree page instead of spilling into an overflow page, and ten
share a 4 KiB page). The embedder that uses a cache rounds fresh vectors through the cache's codec
(``rounded``), so a cached vector is bit-identical to a fresh one: results never depend on whether
the cache was warm. The hash is BLAKE2b-128 of the UTF-8 text; the prompt is part of the model,
not of the key.

    >>> import tempfile, numpy as np
    >>> cache = VectorCache(Path(tempfile.mkdtemp()) / "vectors.sqlite3")
    >>> cache.put_many("m", [(text_hash("整改"), np.full(4, 0.1, dtype=np.float32))])
    >>> cache.get_many("m", [text_hash("整改"), text_hash("未整改")])[text_hash("整改")].tolist()
    [0.09998178482055664, 0.09998178482055664, 0.09998178482055664, 0.09998178482055664]
    >>> cache.rounded(np.full((1, 4), 0.1)).tolist()  # what a fresh vector is made
    [[0.09998178482055664, 0.09998178482055664, 0.09998178482055664, 0.09998178482055664]]
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.errors import BackendError
from indexer.vector_codec import INT8, VectorCodec

# Earlier layouts are dropped, not converted: they are only a cache, and a vector converted would
# differ from a fresh one by a rounding step (the float32 table spilled one overflow page per row).
_SCHEMA = """
DROP TABLE IF EXISTS vectors;
DROP TABLE IF EXISTS vectors16;
CREATE TABLE IF NOT EXISTS models (
    model     INTEGER PRIMARY KEY,
    model_id  TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS vectors8 (
    model     INTEGER NOT NULL,
    text_hash BLOB NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
) WITHOUT ROWID;
"""
_CHUNK = 500  # keys per query: well under SQLite's variable limit

log = logging.getLogger(__name__)


def text_hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class StoredVectors:
    """A vector cache over an index's own vectors: ``lookup(model_id, hashes)`` finds stored ones.

    Vectors embedded but not yet written (the batch in flight) are kept here, the latest
    ``pending`` of them, so that a text repeated in the next batch is not embedded again."""

    def __init__(self, lookup: Callable[[str, Sequence[bytes]], dict[bytes, np.ndarray]], codec: VectorCodec, *,
                 pending: int = 20_000) -> None:
        self._lookup = lookup
        self.rounded = codec.rounded  # the index's vectors as they read back
        self._codec = codec
        self._pending: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()  # encoded
        self._limit = pending
        self._lock = threading.Lock()

    def get_many(self, model_id: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        with self._lock:
            found = {key: self._codec.decode_one(blob) for key in hashes
                     if (blob := self._pending.get((model_id, key))) is not None}
        missing = [key for key in dict.fromkeys(hashes) if key not in found]
        if missing:
            found.update(self._lookup(model_id, missing))
        return found

    def put_many(self, model_id: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        with self._lock:
            for key, blob in _encoded(self._codec, items):
                self._pending[(model_id, key)] = blob
                self._pending.move_to_end((model_id, key))
            while len(self._pending) > self._limit:
                self._pending.popitem(last=False)

    def close(self) -> None:
        with self._lock:
            self._pending.clear()


class VectorCache:
    """A SQLite table of int8 vectors; safe to share between threads, and between processes
    (WAL mode; a writer waits up to 30 s for another)."""

    rounded = staticmethod(INT8.rounded)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._full = False  # a write found the disk full (warned once)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a lost cache row only costs a re-embed
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise BackendError(f"vector cache {path}: {exc} (it is only a cache: delete it to start afresh)") from exc

    def get_many(self, model_id: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``hashes`` (missing ones are absent from the result)."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self._guard():
            model = self._model(model_id, create=False)
            for start in range(0, len(unique) if model is not None else 0, _CHUNK):
                chunk = unique[start : start + _CHUNK]
                rows = self._db.execute(
                    f"SELECT text_hash, vector FROM vectors8 WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                    [model, *chunk],
                ).fetchall()
                for key, blob in rows:
                    found[bytes(key)] = INT8.decode_one(blob)
        return found

    def _model(self, model_id: str, *, create: bool) -> int | None:
        """The small integer standing for ``model_id`` in every row (the id itself is ~45 bytes)."""
        row = self._db.execute("SELECT model FROM models WHERE model_id = ?", [model_id]).fetchone()
        if row is None and create:
            return self._db.execute("INSERT INTO models (model_id) VALUES (?)", [model_id]).lastrowid
        return row[0] if row else None

    def put_many(self, model_id: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Remember vectors. A full disk only means they are not remembered (logged once)."""
        rows = _encoded(INT8, items)
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    model = self._model(model_id, create=True)
                    self._db.executemany("INSERT OR REPLACE INTO vectors8 VALUES (?, ?, ?)",
                                         [(model, key, blob) for key, blob in rows])
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_FULL:
                    raise BackendError(f"vector cache {self.path}: {exc} (it is only a cache: delete it to "
                                       "start afresh)") from exc
                if not self._full:
                    log.warning("vector cache %s: no space left on device; vectors are not cached", self.path)
                self._full = True

    def count(self, model_id: str | None = None) -> int:
        with self._guard():
            if model_id is None:
                return self._db.execute("SELECT count(*) FROM vectors8").fetchone()[0]
            return self._db.execute("SELECT count(*) FROM vectors8 JOIN models USING (model) WHERE model_id = ?",
                                    [model_id]).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Our lock held, and SQLite errors translated where they enter."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise BackendError(f"vector cache {self.path}: {exc} (it is only a cache: delete it to start afresh)") from exc


def _encoded(codec: VectorCodec, items: Iterable[tuple[bytes, np.ndarray]]) -> list[tuple[bytes, bytes]]:
    """(key, blob) of each (key, vector), encoded in one go."""
    pairs = list(items)
    blobs = codec.encode(np.stack([vector for _, vector in pairs])) if pairs else []
    return [(key, blob) for (key, _), blob in zip(pairs, blobs, strict=True)]
