"""The in-memory vector index of the embedded backend, one per collection, rebuilt from the record
store on open (vectors are stored there as float16) and kept current by replaying its changes.

Rows are keyed by the store's ``rowid`` (ascending, never reused); position ``i`` in every array
is the ``i``-th row added. Deleted rows stay in place, masked (a snapshot keeps them too).

Two layouts, chosen by size (measured on the 2-core machine, 384 dims, see scripts/bench_engine.py
and the report of issue "embedded backend"):

* up to :data:`EXACT_MAX_ROWS` rows: exact float32 matrix, one pass of faiss's SIMD inner-product
  loop per query (a few ms);
* above: faiss ``IndexScalarQuantizer`` with 8 bits per dimension (SQ8: a quarter of float32's
  memory — 0.37 GiB instead of 1.5 at 1M × 384, which keeps the serving process under 2 GB — and
  faster than the float32 scan), trained on the rows present when the threshold is crossed, split
  in shards of :data:`SHARD_ROWS` scanned on ``threads`` threads. The top ``k + max(k, 40)``
  candidates are re-scored exactly from a float16 copy in a private file (:class:`_RowFile`: read
  with pread, so it sits in the page cache, not in the process's memory), so scores are true
  cosines of the stored vectors and recall@10 against exact search stays ≥ 0.98. Measured:
  SQ8 alone 0.977–0.985 (recall@10, clustered synthetic vectors) and 0.97–0.99 on 20k real
  multilingual-e5-small embeddings of generated notice texts; with re-scoring of ≥ 20
  candidates 1.000 on both (counting exact ties as hits: templated texts give identical vectors).

Rejected by measurement on the same machine: faiss IVF-SQ8 (recall@10 0.57–0.96 on the real
embeddings at 1/16–1/4 of the lists probed), PCA to 64–128 dims before SQ8 (0.67–0.94), exact
float32 (1.5 GiB at 1M and no faster than SQ8 there), faiss SQ fp16 (as slow as SQ8 at twice the
memory), faiss's own OpenMP threads for one query (on the loaded machine they tripled latency:
faiss runs with one OpenMP thread, and shards are spread over ordinary threads instead).

Filters become a boolean mask over positions, computed from per-field code arrays built from the
same filter definition as the lexical leg (:class:`~indexer.backends.base.Filters`), so both legs
agree; ``id`` filters are resolved through the store.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from indexer.backends.base import Filters
from indexer.errors import BadQuery

try:  # optional speed-up: without faiss every collection stays exact (slower past ~200k rows)
    import faiss
except ImportError:  # pragma: no cover - faiss-cpu is a dependency, but keep the numpy path alive
    faiss = None

EXACT_MAX_ROWS = 50_000  # above this many rows a collection switches to SQ8 + exact re-scoring
TRAIN_ROWS = 50_000  # rows the SQ8 ranges are trained on
RESCORE_EXTRA = 40  # candidates re-scored exactly: k + max(k, RESCORE_EXTRA)
SHARD_ROWS = 1 << 16  # SQ8 rows per shard
SNAPSHOT_LAYOUT = 4

# (field name, kind) where kind is "keyword" (exact string values, maybe several per row) or
# "integer" (one int per row); "id" is resolved by the store, not kept here.
FilterSpec = Mapping[str, str]


class _Grow:
    """A numpy array that grows by doubling; ``view`` is its filled part."""

    def __init__(self, dtype: Any, width: int = 0, fill: Any = 0) -> None:
        self._shape_tail = (width,) if width else ()
        self._fill = fill
        self._data = np.full((1024, *self._shape_tail), fill, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.size + len(values)
        if need > len(self._data):
            grown = np.full((max(need, 2 * len(self._data)), *self._shape_tail), self._fill, dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size:need] = values
        self.size = need

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.size]

    def release(self) -> None:
        self._data = np.zeros((0, *self._shape_tail), dtype=self._data.dtype)
        self.size = 0


class _RowFile:
    """float16 rows in an unlinked temporary file, written and read with pwrite / pread: the
    re-scoring copy lives in the page cache, not in the process's memory (768 B a row at 384
    dims: 0.75 GiB at 1M rows that the serving process's RSS no longer holds). A query reads its
    ~100 candidates (0.1–0.3 ms); each process keeps its own file, so positions never disagree."""

    def __init__(self, dims: int, folder: Path | None) -> None:
        self.dims = dims
        self.row_bytes = dims * 2
        self.size = 0
        try:
            self._file = tempfile.TemporaryFile(prefix="rescore-", dir=folder)
        except OSError:  # a read-only data folder: the system's temporary folder
            self._file = tempfile.TemporaryFile(prefix="rescore-")
        self._fd = self._file.fileno()

    def extend(self, rows: np.ndarray) -> None:
        data = np.ascontiguousarray(rows, dtype=np.float16).tobytes()
        if os.pwrite(self._fd, data, self.size * self.row_bytes) != len(data):
            raise OSError("short write to the re-scoring file")
        self.size += len(data) // self.row_bytes

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The rows at ``positions`` (float16)."""
        size = self.row_bytes
        data = b"".join(os.pread(self._fd, size, int(p) * size) for p in positions)
        return np.frombuffer(data, dtype=np.float16).reshape(len(positions), self.dims)

    def view(self) -> np.ndarray:
        """Every row, memory-mapped (for a snapshot: read once, in order)."""
        if not self.size:
            return np.zeros((0, self.dims), dtype=np.float16)
        return np.memmap(self._file, dtype=np.float16, mode="r", shape=(self.size, self.dims))

    def close(self) -> None:
        self._file.close()


class _KeywordColumn:
    """Codes of one keyword field: the first value per row in ``codes`` (-1: none), further
    values of multi-valued rows as (position, code) pairs."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.codes = _Grow(np.int32, fill=-1)
        self.extra_pos = _Grow(np.int64)
        self.extra_code = _Grow(np.int32)

    def _code(self, value: Any) -> int:
        return self.vocab.setdefault(str(value), len(self.vocab))

    def extend(self, start: int, values: Sequence[Any]) -> None:
        codes = np.full(len(values), -1, dtype=np.int32)
        extra_pos: list[int] = []
        extra_code: list[int] = []
        vocab = self.vocab
        last_value: Any = None
        last_code = -1
        last_extra: list[int] = []
        for i, value in enumerate(values):
            if value is None:
                continue
            if value is last_value:  # the same object as the row before (a notice's shared values)
                codes[i] = last_code
                for other in last_extra:
                    extra_pos.append(start + i)
                    extra_code.append(other)
                continue
            last_extra = []
            if isinstance(value, str):
                code = vocab.get(value)
                if code is None:
                    code = vocab[value] = len(vocab)
            elif isinstance(value, list | tuple):
                present = [v for v in value if v is not None]
                if not present:
                    continue
                code = self._code(present[0])
                last_extra = [self._code(other) for other in present[1:]]
                for other in last_extra:
                    extra_pos.append(start + i)
                    extra_code.append(other)
            else:
                code = self._code(value)
            codes[i] = code
            last_value, last_code = value, code
        self.codes.extend(codes)
        if extra_pos:
            self.extra_pos.extend(np.asarray(extra_pos, dtype=np.int64))
            self.extra_code.extend(np.asarray(extra_code, dtype=np.int32))

    def match(self, values: Iterable[str]) -> np.ndarray:
        wanted = np.asarray([self.vocab[v] for v in {str(v) for v in values} if v in self.vocab], dtype=np.int32)
        mask = np.isin(self.codes.view, wanted)
        if self.extra_pos.size and wanted.size:
            mask[self.extra_pos.view[np.isin(self.extra_code.view, wanted)]] = True
        return mask


class _IntegerColumn:
    MISSING = np.iinfo(np.int64).min

    def __init__(self) -> None:
        self.values = _Grow(np.int64, fill=self.MISSING)

    def extend(self, start: int, values: Sequence[Any]) -> None:
        self.values.extend(np.fromiter((v if type(v) is int else _as_int(v, self.MISSING) for v in values),
                                       dtype=np.int64, count=len(values)))

    def match(self, values: Iterable[str]) -> np.ndarray:
        wanted = [n for n in (_as_int(v, None) for v in values) if n is not None]
        return np.isin(self.values.view, np.asarray(wanted, dtype=np.int64))

    def between(self, low: int | None, high: int | None) -> np.ndarray:
        view = self.values.view
        mask = view != self.MISSING
        if low is not None:
            mask &= view >= low
        if high is not None:
            mask &= view <= high
        return mask


def _as_int(value: Any, default: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class VectorIndex:
    """Cosine top-k over the vectors of one collection, with exact filters and deletions."""

    def __init__(self, dims: int, filter_spec: FilterSpec, *, exact_max_rows: int = EXACT_MAX_ROWS,
                 threads: int = 1, spill: Path | None = None) -> None:
        self.dims = dims
        self.spill = spill  # where the SQ8 layout's re-scoring file goes (None: the temporary folder)
        self.filter_spec = dict(filter_spec)
        self.exact_max_rows = exact_max_rows
        self.rowids = _Grow(np.int64)
        self.alive = _Grow(np.bool_)
        self._exact: _Grow | None = _Grow(np.float32, width=dims)
        self._scores = np.zeros(0, dtype=np.float32)
        self._shards: list[Any] = []  # SQ8 indexes of SHARD_ROWS positions each, searched in parallel
        self._f16: _RowFile | None = None  # SQ8 only: the vectors in float16, to re-score candidates exactly
        self._trained: Any = None  # an empty SQ8 index holding the trained ranges, cloned per shard
        self._norms = _Grow(np.float32)  # of the vectors as given
        self.threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._columns: dict[str, _KeywordColumn | _IntegerColumn] = {
            name: _IntegerColumn() if kind == "integer" else _KeywordColumn() for name, kind in self.filter_spec.items()
        }
        self.deleted = 0

    @property
    def size(self) -> int:
        return self.rowids.size

    @property
    def kind(self) -> str:
        return "exact-float32" if self._trained is None else "faiss-sq8+exact-rescore"

    @property
    def live(self) -> int:
        return self.rowids.size - self.deleted

    # -- changes -------------------------------------------------------------------------
    def add(self, rowids: Sequence[int], vectors: np.ndarray, keys: Sequence[Mapping[str, Any]]) -> None:
        """Append rows (rowids must be greater than every rowid already added)."""
        if not len(rowids):
            return
        if self.rowids.size and rowids[0] <= self.rowids.view[-1]:
            raise ValueError("vector rows must be added in increasing rowid order")
        # Kept as given (float16 values from the store, so the copies below are exact); cosines
        # divide by the norms, computed the same way as any exact check would.
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(rowids), self.dims)
        norms = np.linalg.norm(vectors, axis=1).astype(np.float32)
        norms[norms == 0] = 1.0
        start = self.rowids.size
        self._norms.extend(norms)
        self.rowids.extend(np.asarray(rowids, dtype=np.int64))
        self.alive.extend(np.ones(len(rowids), dtype=np.bool_))
        for name, column in self._columns.items():
            column.extend(start, [k.get(name) for k in keys])
        if self._trained is not None:
            self._add_to_shards(vectors / norms[:, None])
            assert self._f16 is not None
            self._f16.extend(vectors.astype(np.float16))
            return
        assert self._exact is not None
        self._exact.extend(vectors)
        if self._exact.size > self.exact_max_rows and faiss is not None:
            self._switch_to_sq8()

    def _switch_to_sq8(self) -> None:
        assert self._exact is not None
        matrix, norms = self._exact.view, self._norms.view
        trained = faiss.IndexScalarQuantizer(self.dims, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        step = max(1, len(matrix) // TRAIN_ROWS)
        trained.train(np.ascontiguousarray(matrix[::step] / norms[::step, None]))
        self._trained = trained
        self._f16 = _RowFile(self.dims, self.spill)
        for start in range(0, len(matrix), 65536):
            chunk = matrix[start:start + 65536]
            self._add_to_shards(np.ascontiguousarray(chunk / norms[start:start + 65536, None]))
            self._f16.extend(chunk.astype(np.float16))
        self._exact.release()
        self._exact = None

    def _add_to_shards(self, vectors: np.ndarray) -> None:
        # (faiss 1.15's QT_8bit_direct would scan 2× faster, but with the inner product and
        # d ≥ 16 it returns zero scores: measured, not used.)
        while len(vectors):
            if not self._shards or self._shards[-1].ntotal >= SHARD_ROWS:
                self._shards.append(faiss.clone_index(self._trained))
            shard = self._shards[-1]
            room = SHARD_ROWS - shard.ntotal
            shard.add(np.ascontiguousarray(vectors[:room]))
            vectors = vectors[room:]

    def remove(self, rowids: Iterable[int]) -> None:
        positions = self.positions(rowids)
        if positions.size:
            self.deleted += int(self.alive.view[positions].sum())
            self.alive.view[positions] = False

    def positions(self, rowids: Iterable[int]) -> np.ndarray:
        """Positions of the given rowids that are in this index."""
        wanted = np.fromiter(rowids, dtype=np.int64)
        view = self.rowids.view
        if not wanted.size or not view.size:
            return np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(view, wanted)
        pos = pos[pos < len(view)]
        return pos[np.isin(view[pos], wanted)]

    # -- filters -------------------------------------------------------------------------
    def mask(self, filters: Filters, rowids_for_ids: Callable[[Sequence[str]], list[int]]) -> np.ndarray | None:
        """Positions passing the filters and not deleted; None when every position passes."""
        mask = None if not self.deleted else self.alive.view.copy()

        def both(part: np.ndarray) -> None:
            nonlocal mask
            mask = part if mask is None else mask & part

        for name, allowed in filters.equals.items():
            both(self._match(name, allowed, rowids_for_ids))
        for name, (low, high) in filters.ranges.items():
            column = self._columns.get(name)
            if not isinstance(column, _IntegerColumn):
                raise BadQuery(f"field {name!r} cannot take a range: it is not an integer field")
            both(column.between(low, high))
        for name, banned in filters.excludes.items():
            both(~self._match(name, banned, rowids_for_ids))
        return mask

    def _match(self, name: str, values: Sequence[str], rowids_for_ids: Callable[[Sequence[str]], list[int]]
               ) -> np.ndarray:
        if name == "id":
            mask = np.zeros(self.size, dtype=np.bool_)
            mask[self.positions(rowids_for_ids([str(v) for v in values]))] = True
            return mask
        column = self._columns.get(name)
        if column is None:
            raise BadQuery(f"field {name!r} cannot be filtered on")
        return column.match(values)

    def facet_column(self, name: str) -> _KeywordColumn | _IntegerColumn:
        """The code column of a filter field: facet counts read it (indexer.backends.facet_columns)."""
        return self._columns[name]

    # -- search --------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """(rowid, cosine) of the top ``k`` positions passing ``mask``, best first (ties: lower rowid)."""
        if k <= 0 or not self.size:
            return []
        q = _normalised(np.asarray(query, dtype=np.float32).reshape(1, self.dims))[0]
        if self._trained is None:
            return self._top(self._exact_scores(q), k, mask)
        wanted = k + max(k, RESCORE_EXTRA)
        tasks = [(i, shard) for i, shard in enumerate(self._shards) if shard.ntotal]
        if len(tasks) > 1 and self.threads > 1:
            # faiss releases the GIL: shards are scanned on ``threads`` threads. With the second
            # core free this halved the 1M scan (43 ms p50 against ~80); with it busy it gains
            # nothing and costs a few %.
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="vector-shard")
            parts = list(self._pool.map(lambda t: self._search_shard(t[0], t[1], q, wanted, mask), tasks))
        else:
            parts = [self._search_shard(i, shard, q, wanted, mask) for i, shard in tasks]
        scores = np.concatenate([p[0] for p in parts])
        positions = np.concatenate([p[1] for p in parts])
        positions = positions[np.argsort(-scores, kind="stable")[:wanted]]
        # Exact re-scoring from the float16 copy (a file: see _RowFile). Reading the candidates
        # from SQLite instead cost 6–10 ms a query at 1M, and far more on a cold cache.
        assert self._f16 is not None
        exact = self._f16.take(positions).astype(np.float32) @ q / self._norms.view[positions]
        rowids = self.rowids.view[positions]
        order = np.lexsort((rowids, -exact))[:k]
        return [(int(rowids[i]), float(exact[i])) for i in order]

    def _search_shard(self, number: int, shard: Any, q: np.ndarray, wanted: int, mask: np.ndarray | None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """(approximate scores, positions) of one shard's best ``wanted`` rows passing ``mask``."""
        start = number * SHARD_ROWS
        if mask is None:
            scores, found = shard.search(q.reshape(1, -1), wanted)
        else:
            part = mask[start:start + shard.ntotal]
            if not part.any():
                return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
            bits = np.packbits(part, bitorder="little")  # must outlive the search: faiss keeps a pointer
            selector = faiss.IDSelectorBitmap(shard.ntotal, faiss.swig_ptr(bits))
            scores, found = shard.search(q.reshape(1, -1), wanted, params=faiss.SearchParameters(sel=selector))
            del selector, bits
        keep = found[0] >= 0
        return scores[0][keep], found[0][keep] + start

    def _exact_scores(self, q: np.ndarray) -> np.ndarray:
        assert self._exact is not None
        matrix = self._exact.view
        if faiss is None:
            return matrix @ q / self._norms.view
        # faiss's SIMD loop, one thread: numpy's matmul goes through OpenBLAS, whose threads made a
        # 5,000-row product take 24 ms instead of 0.7 on the busy 2-core machine.
        if len(self._scores) < len(matrix):
            self._scores = np.zeros(max(len(matrix), 2 * len(self._scores)), dtype=np.float32)
        faiss.fvec_inner_products_ny(faiss.swig_ptr(self._scores), faiss.swig_ptr(q), faiss.swig_ptr(matrix),
                                     self.dims, len(matrix))
        return self._scores[: len(matrix)] / self._norms.view

    def _top(self, scores: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        if mask is not None:
            scores[~mask] = -np.inf
            k = min(k, int(mask.sum()))
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        rows = self.rowids.view[top]
        order = np.lexsort((rows, -scores[top]))
        return [(int(rows[i]), float(scores[top][i])) for i in order]

    def stats(self) -> dict[str, Any]:
        memory = self.rowids.size * 9
        if self._trained is not None:
            memory += sum(s.ntotal for s in self._shards) * self.dims  # SQ8 codes (the float16 copy: a file)
        elif self._exact is not None:
            memory += self._exact.size * self.dims * 4
        return {"kind": self.kind, "rows": self.size, "deleted": self.deleted, "shards": len(self._shards),
                "approx_mb": round(memory / 2**20, 1)}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._f16 is not None:
            self._f16.close()

    # -- snapshots -------------------------------------------------------------------------
    def arrays(self, prefix: str) -> Iterator[tuple[str, np.ndarray]]:
        """Everything needed to restore this index, as named arrays, produced one at a time
        (see :func:`save_snapshot`)."""
        meta = {"dims": self.dims, "exact_max_rows": self.exact_max_rows, "deleted": self.deleted,
                "shards": len(self._shards), "sq8": self._trained is not None, "layout": SNAPSHOT_LAYOUT,
                "columns": {name: "integer" if isinstance(c, _IntegerColumn) else "keyword"
                            for name, c in self._columns.items()}}
        yield f"{prefix}meta", _text_array(json.dumps(meta))
        yield f"{prefix}rowids", self.rowids.view
        yield f"{prefix}alive", self.alive.view
        yield f"{prefix}norms", self._norms.view
        if self._trained is not None:
            assert self._f16 is not None
            yield f"{prefix}trained", faiss.serialize_index(self._trained)
            yield f"{prefix}f16", self._f16.view()
            for i, shard in enumerate(self._shards):
                yield f"{prefix}shard{i}", faiss.serialize_index(shard)
        else:
            assert self._exact is not None
            yield f"{prefix}exact", self._exact.view
        for name, column in self._columns.items():
            if isinstance(column, _IntegerColumn):
                yield f"{prefix}col.{name}.values", column.values.view
            else:
                yield f"{prefix}col.{name}.vocab", _text_array(json.dumps(list(column.vocab), ensure_ascii=False))
                yield f"{prefix}col.{name}.codes", column.codes.view
                yield f"{prefix}col.{name}.extra_pos", column.extra_pos.view
                yield f"{prefix}col.{name}.extra_code", column.extra_code.view

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str, filter_spec: FilterSpec, *,
                    threads: int = 1, spill: Path | None = None) -> VectorIndex:
        meta = json.loads(bytes(arrays[f"{prefix}meta"]).decode())
        if meta.get("layout") != SNAPSHOT_LAYOUT:
            raise ValueError(f"the snapshot has layout {meta.get('layout')}, this program reads {SNAPSHOT_LAYOUT}")
        if meta["columns"] != dict(filter_spec):
            raise ValueError("the snapshot's filter columns differ from the schema's")
        index = cls(meta["dims"], filter_spec, exact_max_rows=meta["exact_max_rows"], threads=threads, spill=spill)
        index.rowids.extend(arrays[f"{prefix}rowids"])
        index.alive.extend(arrays[f"{prefix}alive"])
        index._norms.extend(arrays[f"{prefix}norms"])
        index.deleted = int(meta["deleted"])
        if meta["sq8"]:
            if faiss is None:
                raise ValueError("the snapshot needs faiss")
            index._trained = faiss.deserialize_index(np.asarray(arrays[f"{prefix}trained"]))
            index._f16 = _RowFile(index.dims, spill)
            for rows in _chunks_of(arrays, f"{prefix}f16"):
                index._f16.extend(rows)
            index._shards = [faiss.deserialize_index(np.asarray(arrays[f"{prefix}shard{i}"]))
                             for i in range(meta["shards"])]
            index._exact = None
            if sum(s.ntotal for s in index._shards) != index.size or index._f16.size != index.size:
                raise ValueError("the snapshot's shards do not hold every row")
        else:
            assert index._exact is not None
            index._exact.extend(arrays[f"{prefix}exact"])
            if index._exact.size != index.size:
                raise ValueError("the snapshot's matrix does not hold every row")
        for name, column in index._columns.items():
            if isinstance(column, _IntegerColumn):
                column.values.extend(arrays[f"{prefix}col.{name}.values"])
            else:
                column.vocab = {v: i for i, v in enumerate(json.loads(bytes(arrays[f"{prefix}col.{name}.vocab"])))}
                column.codes.extend(arrays[f"{prefix}col.{name}.codes"])
                column.extra_pos.extend(arrays[f"{prefix}col.{name}.extra_pos"])
                column.extra_code.extend(arrays[f"{prefix}col.{name}.extra_code"])
            if (column.values if isinstance(column, _IntegerColumn) else column.codes).size != index.size:
                raise ValueError(f"the snapshot's column {name} does not cover every row")
        return index


def _chunks_of(arrays: Mapping[str, np.ndarray], key: str, rows: int = 65536) -> Iterator[np.ndarray]:
    """An array of a snapshot, a block of rows at a time: read straight from the .npz member, so
    the whole array (0.75 GiB at 1M rows for the re-scoring copy) is never in memory at once."""
    archive = getattr(arrays, "zip", None)
    if archive is None:
        yield np.asarray(arrays[key])
        return
    with archive.open(f"{key}.npy") as member:
        version = np.lib.format.read_magic(member)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(member)
        if fortran or len(shape) != 2:
            raise ValueError(f"snapshot array {key} has an unexpected layout")
        row_bytes = shape[1] * dtype.itemsize
        for start in range(0, shape[0], rows):
            count = min(rows, shape[0] - start)
            data = member.read(count * row_bytes)
            if len(data) != count * row_bytes:
                raise ValueError(f"snapshot array {key} is truncated")
            yield np.frombuffer(data, dtype=dtype).reshape(count, shape[1])


def _text_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def save_snapshot(path: Path, indexes: Mapping[str, VectorIndex], meta: Mapping[str, Any]) -> None:
    """Write vector indexes and ``meta`` (e.g. the seq they cover) to one .npz file, atomically:
    a temporary file, fsync, rename. A crash leaves the old snapshot or none, never a torn one.
    Arrays are written one at a time (a serialised shard is a copy: not all of them at once)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
                def put(name: str, array: np.ndarray) -> None:
                    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)

                put("snapshot", _text_array(json.dumps({**meta, "targets": list(indexes)})))
                for name, index in indexes.items():
                    for key, array in index.arrays(f"{name}/"):
                        put(key, array)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load_snapshot(path: Path, filter_specs: Mapping[str, FilterSpec], *, threads: int = 1,
                  spill: Path | None = None) -> tuple[dict[str, Any], dict[str, VectorIndex]]:
    """(meta, indexes) from :func:`save_snapshot`'s file. Raises ValueError (or OSError) if it is
    missing, torn or of another layout: callers then rebuild from the record store."""
    try:
        # Arrays are read one at a time as the indexes take them: no second copy of the whole file.
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["snapshot"]).decode())
            indexes = {name: VectorIndex.from_arrays(npz, f"{name}/", filter_specs[name], threads=threads, spill=spill)
                       for name in meta["targets"]}
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ValueError(f"unreadable or incomplete snapshot {path}: {exc}") from exc
    return meta, indexes


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)
