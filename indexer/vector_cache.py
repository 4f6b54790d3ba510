"""Vectors already computed, by (model id, text hash), in SQLite in the data dir: a reindex of
unchanged text embeds nothing.

Vectors are stored as float32 bytes, so a cached vector is bit-identical to a fresh one (the index
may store float16; the cache must not change results depending on whether it was warm).
The hash is BLAKE2b-128 of the UTF-8 text; the prompt is part of the model, not of the key.

    >>> import tempfile, numpy as np
    >>> cache = VectorCache(Path(tempfile.mkdtemp()) / "vectors.sqlite3")
    >>> cache.put_many("m", [(text_hash("整改"), np.ones(4, dtype=np.float32))])
    >>> cache.get_many("m", [text_hash("整改"), text_hash("未整改")])[text_hash("整改")].tolist()
    [1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.errors import BackendError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model_id  TEXT NOT NULL,
    text_hash BLOB NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
) WITHOUT ROWID
"""
_CHUNK = 500  # keys per query: well under SQLite's variable limit


log = logging.getLogger(__name__)

def text_hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class VectorCache:
    """A SQLite table of float32 vectors; safe to share between threads, and between processes
    (WAL mode; a writer waits up to 30 s for another)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._full = False  # a write found the disk full (warned once)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a lost cache row only costs a re-embed
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise BackendError(f"vector cache {path}: {exc} (it is only a cache: delete it to start afresh)") from exc

    def get_many(self, model_id: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``hashes`` (missing ones are absent from the result)."""
        found: dict[bytes, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self._guard():
            for start in range(0, len(unique), _CHUNK):
                chunk = unique[start : start + _CHUNK]
                rows = self._db.execute(
                    f"SELECT text_hash, vector FROM vectors WHERE model_id = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                    [model_id, *chunk],
                ).fetchall()
                for key, blob in rows:
                    found[bytes(key)] = np.frombuffer(blob, dtype="<f4")
        return found

    def put_many(self, model_id: str, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        """Remember vectors. A full disk only means they are not remembered (logged once)."""
        rows = [(model_id, key, np.asarray(vector, dtype="<f4").tobytes()) for key, vector in items]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
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
                return self._db.execute("SELECT count(*) FROM vectors").fetchone()[0]
            return self._db.execute("SELECT count(*) FROM vectors WHERE model_id = ?", [model_id]).fetchone()[0]

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
