"""The in-memory vector index of the embedded backend, one per collection, rebuilt from the record
store on open (vectors are stored there in int8: :mod:`indexer.vector_codec`) and kept current by replaying its changes.

Rows are keyed by the store's ``rowid`` (ascending, never reused); position ``i`` in every array
is the ``i``-th row added. Deleted rows stay in place, masked (a snapshot keeps them too).

Two layouts, chosen by size (measured on the 2-core machine, 384 dims: scripts/bench_vectors.py
for the compressed layouts, scripts/bench_engine.py for the whole engine):

* up to :data:`EXACT_MAX_ROWS` rows: exact float32 matrix, one pass of faiss's SIMD inner-product
  loop per query (a few ms);
* above: faiss ``IndexPQFastScan``, product quantisation with one 4-bit code per
  :data:`DIMS_PER_SUBQUANTISER` dims (192 codes, 96 bytes a row at 384 dims) scanned with SIMD
  shuffles, trained on (up to :data:`TRAIN_ROWS` of) the rows present when the threshold is
  crossed, split in shards of :data:`SHARD_ROWS` scanned on ``threads`` threads. The top
  ``k + max(k, 200)`` candidates are re-scored exactly from a copy as stored in a private file
  (:class:`RowFile`: read with pread, so it sits in the page cache, not in the process's
  memory), so scores are true cosines of the stored vectors. Fast scan takes no IDSelector:
  a filtered shard over-fetches in proportion to the rows its mask drops (see _search_shard).

Measured (bench_vectors.py, one thread, CPU ms per top-10 query; recall@10 against exact search
with exact ties counted as hits, none / broad ~43% / selective ~3% filter), against the SQ8 layout
this replaces (``IndexScalarQuantizer`` 8-bit, top ``k + max(k, 40)`` re-scored, kept as
``compressed="sq8"`` to measure against):

* 22k real multilingual-e5-small passage embeddings of generated issues, 200 query texts
  (trained on 11k): PQ 0.990 / 0.998 / 1.000, SQ8 0.994 / 0.999 / 1.000;
* synthetic clustered vectors: recall 1.000 for both at 100k and 1M; CPU at 100k PQ 1.1 / 1.2 /
  2.4 ms against SQ8 7.6 / 3.5 / 0.8; at 1M PQ 11.8 / 12.8 / 22.1 (p95 12.8 / 13.7 / 23.4)
  against SQ8 75.5 / 55.0 / 13.5 (load average 3.1–4.1). Only a selective filter costs more
  (the over-fetch: ~8,000 rows per shard for 210 passing ones), still within budget;
* memory 100 MiB of codes per 1M rows against 375; build of 1M rows 13 s CPU (training on 50k:
  ~2 s) against 5 s. The server at 1M (bench_api.py, lean profile): RSS 911 MiB against 1,186,
  semantic request p95 31.6 ms against 112.5.

Rejected by measurement on the same machine: PQ fast scan with 4 dims a code (48 bytes a row:
0.25 ms a shard, but on the real embeddings recall@10 0.80 with 50 candidates re-scored, 0.93 with
110 and 0.99 only with 410), an OPQ rotation before it (training over a minute on 11k rows against 1 s, not
needed once 2 dims a code reached the target), centring the vectors before PQ (no change), faiss
IVF-SQ8 (recall@10 0.57–0.96 on the real embeddings at 1/16–1/4 of the lists probed), PCA to
64–128 dims before SQ8 (0.67–0.94), exact float32 (1.5 GiB at 1M and no faster than SQ8 there),
faiss SQ fp16 (as slow as SQ8 at twice the memory), faiss's own OpenMP threads for one query (on
the loaded machine they tripled latency: faiss runs with one OpenMP thread, and shards are
spread over ordinary threads instead).

Filters become a boolean mask over positions, computed from per-field code arrays built from the
same filter definition as the lexical leg (:class:`~indexer.backends.base.Filters`), so both legs
agree; ``id`` filters are resolved through the store.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from indexer.backends.base import Filters
from indexer.backends.vector_rows import Grow, IntegerColumn, KeywordColumn, RowFile
from indexer.errors import BadQuery
from indexer.vector_codec import CODECS, FLOAT16, INT8, VectorCodec

try:  # optional speed-up: without faiss every collection stays exact (slower past ~200k rows)
    import faiss
except ImportError:  # pragma: no cover - faiss-cpu is a dependency, but keep the numpy path alive
    faiss = None

EXACT_MAX_ROWS = 50_000  # above this many rows a collection switches to compressed codes + exact re-scoring
TRAIN_ROWS = 50_000  # rows the codes (PQ centroids, SQ8 ranges) are trained on
# The compressed layouts: "pq4fs" (the default) or "sq8" (the previous one, kept to measure against).
COMPRESSED = "pq4fs"
DIMS_PER_SUBQUANTISER = 2  # PQ fast scan: 2 dims a 4-bit code, 384 dims → 192 codes, 96 bytes a row
# Candidates re-scored exactly: k + max(k, RESCORE_EXTRA[layout]) (chosen by measured recall).
RESCORE_EXTRA = {"pq4fs": 200, "sq8": 40}
SHARD_ROWS = 1 << 16  # compressed rows per shard
# 5: the compressed layout is named in the meta ("compressed"). 6: the re-scoring copy ("rows") as
# the store keeps vectors, its codec named in the meta ("rows"); before, "f16" rows. Layouts 4 and 5
# still load (a layout-4 SQ8 one re-encoded from its float16 copy: see from_arrays).
SNAPSHOT_LAYOUT = 6

# (field name, kind) where kind is "keyword" (exact string values, maybe several per row) or
# "integer" (one int per row); "id" is resolved by the store, not kept here.
FilterSpec = Mapping[str, str]



class VectorIndex:
    """Cosine top-k over the vectors of one collection, with exact filters and deletions."""

    def __init__(self, dims: int, filter_spec: FilterSpec, *, exact_max_rows: int = EXACT_MAX_ROWS,
                 threads: int = 1, spill: Path | None = None, compressed: str | None = None,
                 codec: VectorCodec = INT8, rows_in_memory: int = 0) -> None:
        compressed = compressed or COMPRESSED
        if compressed not in RESCORE_EXTRA:
            raise ValueError(f"unknown compressed layout {compressed!r}")
        self.dims = dims
        self.compressed = compressed  # the layout used once the index passes exact_max_rows
        self.codec = codec  # how the store keeps the vectors given: the re-scoring copy's form
        self.spill = spill  # where the compressed layout's re-scoring file goes (None: the temporary folder)
        self.rows_in_memory = rows_in_memory  # bytes of re-scoring rows also kept in memory (RowFile)
        self.filter_spec = dict(filter_spec)
        self.exact_max_rows = exact_max_rows
        self.rowids = Grow(np.int64)
        self.alive = Grow(np.bool_)
        self._exact: Grow | None = Grow(np.float32, width=dims)
        self._scores = np.zeros(0, dtype=np.float32)
        self._shards: list[Any] = []  # faiss indexes of SHARD_ROWS positions each, searched in parallel
        self._rows: RowFile | None = None  # compressed only: the vectors as stored, to re-score exactly
        self._trained: Any = None  # an empty faiss index holding the trained codes, cloned per shard
        self._norms = Grow(np.float32)  # of the vectors as given
        self.threads = max(1, threads)
        self._pool: ThreadPoolExecutor | None = None
        self._columns: dict[str, KeywordColumn | IntegerColumn] = {
            name: IntegerColumn() if kind == "integer" else KeywordColumn() for name, kind in self.filter_spec.items()
        }
        self.deleted = 0

    @property
    def size(self) -> int:
        return self.rowids.size

    @property
    def kind(self) -> str:
        return "exact-float32" if self._trained is None else f"faiss-{self.compressed}+exact-rescore"

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
        # Kept as given (decoded from the store, so the encoded copy below is exact); cosines
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
            assert self._rows is not None
            self._rows.extend(vectors)
            return
        assert self._exact is not None
        self._exact.extend(vectors)
        if self._exact.size > self.exact_max_rows and faiss is not None:
            self._switch_to_compressed()

    def _empty_codes(self) -> Any:
        """An untrained faiss index of the configured compressed layout (inner product)."""
        if self.compressed == "sq8":
            return faiss.IndexScalarQuantizer(self.dims, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        # PQ needs dims divisible by the number of sub-quantisers: the most that keeps ≥ DIMS_PER_SUBQUANTISER dims each.
        m = next(m for m in range(max(1, self.dims // DIMS_PER_SUBQUANTISER), 0, -1) if self.dims % m == 0)
        return faiss.IndexPQFastScan(self.dims, m, 4, faiss.METRIC_INNER_PRODUCT)

    def _switch_to_compressed(self) -> None:
        assert self._exact is not None
        self._rows = RowFile(self.dims, self.spill, self.codec, memory_bytes=self.rows_in_memory)
        for start in range(0, self._exact.size, 65536):
            self._rows.extend(self._exact.view[start:start + 65536])
        self._encode_rows()
        self._exact.release()
        self._exact = None

    def _encode_rows(self) -> None:
        """Train the codes on up to TRAIN_ROWS rows of the re-scoring copy and encode every row
        (the copy holds the vectors as stored: exact)."""
        assert self._rows is not None
        norms = self._norms.view
        step = max(1, self._rows.size // TRAIN_ROWS)
        sample, start = [], 0
        for block in self._rows.blocks():  # every step-th row (copied: a view would keep the block)
            sample.append(block[(-start) % step::step].copy())
            start += len(block)
        trained = self._empty_codes()
        trained.train(np.concatenate(sample) / norms[::step, None])
        self._trained = trained
        del sample
        start = 0
        for block in self._rows.blocks():
            self._add_to_shards(block / norms[start:start + len(block), None])
            start += len(block)

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
            if not isinstance(column, IntegerColumn):
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

    def vectors_with(self, name: str, values: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """The live rows whose first value of the keyword field ``name`` is one of ``values``
        (a measure's ``issue_id``), in position order: each row's value, and the rows' vectors as
        they were added (float32, decoded from the store)."""
        column = self._columns.get(name)
        if not isinstance(column, KeywordColumn):
            raise BadQuery(f"field {name!r} is not a keyword column of this index")
        positions, codes = column.rows_with(values)
        live = self.alive.view[positions]
        positions, codes = positions[live], codes[live]
        value_of = {code: v for v in values if (code := column.vocab.get(v)) is not None}
        return [value_of[c] for c in codes.tolist()], self.vectors_at(positions)

    def vectors_at(self, positions: np.ndarray) -> np.ndarray:
        """The vectors at ``positions`` as they were added (float32: decoded from the store, exact)."""
        if self._trained is None:
            assert self._exact is not None
            return self._exact.view[positions]
        assert self._rows is not None
        return self._rows.take(positions)

    def facet_column(self, name: str) -> KeywordColumn | IntegerColumn:
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
        wanted = k + max(k, RESCORE_EXTRA[self.compressed])
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
        sure = [p[2] for p in parts if p[2].size]
        if sure:  # shards with few rows passing the mask: every one of them is re-scored
            positions = np.concatenate([positions, *sure])
        # Exact re-scoring from the copy as stored (a file: see RowFile). Reading the candidates
        # from SQLite instead cost 6–10 ms a query at 1M, and far more on a cold cache.
        assert self._rows is not None
        exact = self._rows.take(positions) @ q / self._norms.view[positions]
        rowids = self.rowids.view[positions]
        order = np.lexsort((rowids, -exact))[:k]
        return [(int(rowids[i]), float(exact[i])) for i in order]

    def _search_shard(self, number: int, shard: Any, q: np.ndarray, wanted: int, mask: np.ndarray | None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(approximate scores, positions) of one shard's best ``wanted`` rows passing ``mask``,
        and the positions to re-score whatever their approximate score (the shard's every row
        passing the mask, when they are no more than ``wanted``)."""
        start = number * SHARD_ROWS
        none = np.zeros(0, dtype=np.int64)
        if mask is None:
            scores, found = shard.search(q.reshape(1, -1), wanted)
            keep = found[0] >= 0
            return scores[0][keep], found[0][keep] + start, none
        part = mask[start:start + shard.ntotal]
        passing = int(np.count_nonzero(part))
        if passing <= wanted:
            return np.zeros(0, dtype=np.float32), none, np.flatnonzero(part) + start
        if self.compressed == "sq8":
            bits = np.packbits(part, bitorder="little")  # must outlive the search: faiss keeps a pointer
            selector = faiss.IDSelectorBitmap(shard.ntotal, faiss.swig_ptr(bits))
            scores, found = shard.search(q.reshape(1, -1), wanted, params=faiss.SearchParameters(sel=selector))
            del selector, bits
            keep = found[0] >= 0
            return scores[0][keep], found[0][keep] + start, none
        # PQ fast scan takes no IDSelector: over-fetch in proportion to the rows the mask drops,
        # then keep the passing ones. Any passing row scoring above the last one fetched is among
        # those fetched, so once ``wanted`` pass they are the shard's best passing rows, as a
        # selector would give. A large k costs little (reservoir: 0.8 ms at 8,000 of 65,536).
        fetch = min(shard.ntotal, int(wanted * shard.ntotal / passing * 1.3) + 32)
        while True:
            scores, found = shard.search(q.reshape(1, -1), fetch)
            scores, found = scores[0], found[0]
            keep = found >= 0
            scores, found = scores[keep], found[keep]
            keep = part[found]
            if int(keep.sum()) >= wanted or fetch >= shard.ntotal:
                return scores[keep][:wanted], found[keep][:wanted] + start, none
            fetch = min(shard.ntotal, fetch * 4)  # the mask is skewed against this query's neighbours

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
        rows_in_memory = self._rows is not None and self._rows.in_memory
        if self._trained is not None:
            # the codes (96 B a row for PQ fast scan, 384 for SQ8), and the re-scoring copy if not only a file
            memory += sum(s.ntotal * s.code_size for s in self._shards)
            memory += self.size * self.codec.blob_bytes(self.dims) if rows_in_memory else 0
        elif self._exact is not None:
            memory += self._exact.size * self.dims * 4
        return {"kind": self.kind, "rows": self.size, "deleted": self.deleted, "shards": len(self._shards),
                "rows_in_memory": rows_in_memory, "approx_mb": round(memory / 2**20, 1)}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
        if self._rows is not None:
            self._rows.close()

    # -- snapshots -------------------------------------------------------------------------
    def arrays(self, prefix: str) -> Iterator[tuple[str, np.ndarray]]:
        """Everything needed to restore this index, as named arrays, produced one at a time
        (see :func:`save_snapshot`)."""
        meta = {"dims": self.dims, "exact_max_rows": self.exact_max_rows, "deleted": self.deleted,
                "shards": len(self._shards), "layout": SNAPSHOT_LAYOUT,
                "compressed": None if self._trained is None else self.compressed, "rows": self.codec.name,
                "columns": {name: "integer" if isinstance(c, IntegerColumn) else "keyword"
                            for name, c in self._columns.items()}}
        yield f"{prefix}meta", _text_array(json.dumps(meta))
        yield f"{prefix}rowids", self.rowids.view
        yield f"{prefix}alive", self.alive.view
        yield f"{prefix}norms", self._norms.view
        if self._trained is not None:
            assert self._rows is not None
            yield f"{prefix}trained", faiss.serialize_index(self._trained)
            yield f"{prefix}rows", self._rows.view()
            for i, shard in enumerate(self._shards):
                yield f"{prefix}shard{i}", faiss.serialize_index(shard)
        else:
            assert self._exact is not None
            yield f"{prefix}exact", self._exact.view
        for name, column in self._columns.items():
            if isinstance(column, IntegerColumn):
                yield f"{prefix}col.{name}.values", column.saved()
            else:
                yield f"{prefix}col.{name}.vocab", _text_array(json.dumps(list(column.vocab), ensure_ascii=False))
                yield f"{prefix}col.{name}.codes", column.codes.view
                yield f"{prefix}col.{name}.extra_pos", column.extra_pos.view
                yield f"{prefix}col.{name}.extra_code", column.extra_code.view

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str, filter_spec: FilterSpec, *,
                    threads: int = 1, spill: Path | None = None, rows_in_memory: int = 0) -> VectorIndex:
        meta = json.loads(bytes(arrays[f"{prefix}meta"]).decode())
        layout = meta.get("layout")
        if layout not in (4, 5, SNAPSHOT_LAYOUT):
            raise ValueError(f"the snapshot has layout {layout}, this program reads {SNAPSHOT_LAYOUT}")
        if meta["columns"] != dict(filter_spec):
            raise ValueError("the snapshot's filter columns differ from the schema's")
        # Layout 4 (before PQ): exact, or SQ8 codes, re-encoded in the configured layout from
        # the snapshot's float16 copy (~14 s at 1M rows; from the store it took ~55). Before layout 6
        # the copy was float16, as the store kept vectors then.
        codec = CODECS.get(meta.get("rows", FLOAT16.name))
        if codec is None:
            raise ValueError(f"the snapshot's vectors are kept as {meta.get('rows')!r}, which this program does not read")
        compressed = ("sq8" if meta.get("sq8") else None) if layout == 4 else meta.get("compressed")
        if compressed is not None and compressed not in RESCORE_EXTRA:
            raise ValueError(f"the snapshot's compressed layout {compressed!r} is unknown")
        index = cls(meta["dims"], filter_spec, exact_max_rows=meta["exact_max_rows"], threads=threads, spill=spill,
                    compressed=None if layout == 4 else compressed, codec=codec, rows_in_memory=rows_in_memory)
        index.rowids.extend(arrays[f"{prefix}rowids"])
        index.alive.extend(arrays[f"{prefix}alive"])
        index._norms.extend(arrays[f"{prefix}norms"])
        index.deleted = int(meta["deleted"])
        if compressed is not None:
            if faiss is None:
                raise ValueError("the snapshot needs faiss")
            index._rows = RowFile(index.dims, spill, codec, memory_bytes=rows_in_memory)
            for rows in _chunks_of(arrays, f"{prefix}rows" if layout >= 6 else f"{prefix}f16"):
                if layout >= 6:
                    index._rows.extend_encoded(rows)
                else:
                    index._rows.extend(rows.astype(np.float32))
            index._exact = None
            if layout == 4:
                index._encode_rows()
            else:
                index._trained = faiss.deserialize_index(np.asarray(arrays[f"{prefix}trained"]))
                index._shards = [faiss.deserialize_index(np.asarray(arrays[f"{prefix}shard{i}"]))
                                 for i in range(meta["shards"])]
            if sum(s.ntotal for s in index._shards) != index.size or index._rows.size != index.size:
                raise ValueError("the snapshot's shards do not hold every row")
        else:
            assert index._exact is not None
            index._exact.extend(arrays[f"{prefix}exact"])
            if index._exact.size != index.size:
                raise ValueError("the snapshot's matrix does not hold every row")
        for name, column in index._columns.items():
            if isinstance(column, IntegerColumn):
                column.restore(arrays[f"{prefix}col.{name}.values"])
            else:
                column.restore(json.loads(bytes(arrays[f"{prefix}col.{name}.vocab"])), arrays[f"{prefix}col.{name}.codes"],
                               arrays[f"{prefix}col.{name}.extra_pos"], arrays[f"{prefix}col.{name}.extra_code"])
            if (column.values if isinstance(column, IntegerColumn) else column.codes).size != index.size:
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
                  spill: Path | None = None, rows_in_memory: int = 0) -> tuple[dict[str, Any], dict[str, VectorIndex]]:
    """(meta, indexes) from :func:`save_snapshot`'s file. Raises ValueError (or OSError) if it is
    missing, torn or of another layout: callers then rebuild from the record store."""
    try:
        # Arrays are read one at a time as the indexes take them: no second copy of the whole file.
        with np.load(path, allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["snapshot"]).decode())
            indexes = {name: VectorIndex.from_arrays(npz, f"{name}/", filter_specs[name], threads=threads, spill=spill,
                                                     rows_in_memory=rows_in_memory)
                       for name in meta["targets"]}
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ValueError(f"unreadable or incomplete snapshot {path}: {exc}") from exc
    return meta, indexes


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


def set_faiss_threads() -> None:
    """One OpenMP thread for faiss: a single query gains nothing from more, and on a busy machine
    OpenMP's barrier spinning made a compressed scan 3× slower (SQ8, measured: 42 ms against 15 at 100k rows). The
    vector index parallelises over its shards with ordinary threads instead."""
    try:
        import faiss
    except ImportError:  # pragma: no cover
        return
    faiss.omp_set_num_threads(1)
