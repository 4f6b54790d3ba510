"""Row storage of the vector index (:mod:`indexer.backends.vector_index`): growable arrays, the
re-scoring file, and the per-field code columns that filters and facets read."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.backends.embedded_lexical import as_int
from indexer.vector_codec import VectorCodec


class Grow:
    """A numpy array that grows by doubling; ``view`` is its filled part. With ``blank``, rows
    that are all ``fill`` take no memory until the first other value comes (a filter field no
    document has: 1 MiB per 1M rows each)."""

    def __init__(self, dtype: Any, width: int = 0, fill: Any = 0, *, blank: bool = False) -> None:
        self._shape_tail = (width,) if width else ()
        self._fill = fill
        self._dtype = np.dtype(dtype)
        self._data: np.ndarray | None = None if blank else np.full((1024, *self._shape_tail), fill, dtype=dtype)
        self.size = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.size + len(values)
        if self._data is None:
            if not np.any(np.asarray(values) != self._fill):
                self.size = need
                return
            self._data = np.full((max(need, 1024), *self._shape_tail), self._fill, dtype=self._dtype)
        if need > len(self._data):
            grown = np.full((max(need, 2 * len(self._data)), *self._shape_tail), self._fill, dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size:need] = values
        self.size = need

    @property
    def view(self) -> np.ndarray:
        if self._data is None:  # read-only, no memory
            return np.broadcast_to(np.asarray(self._fill, dtype=self._dtype), (self.size, *self._shape_tail))
        return self._data[: self.size]

    @property
    def dtype(self) -> np.dtype:
        return self._dtype if self._data is None else self._data.dtype

    def widen(self, dtype: Any, fill: Any = None) -> None:
        """Hold values of ``dtype`` from now on (the filled part converted; ``fill``: what pads
        growth from now on, if not the same)."""
        if np.dtype(dtype).itemsize > self.dtype.itemsize:
            self._dtype = np.dtype(dtype)
            if self._data is not None:
                self._data = self._data.astype(dtype)
            if fill is not None:
                self._fill = fill

    def release(self) -> None:
        self._data = np.zeros((0, *self._shape_tail), dtype=self.dtype)
        self.size = 0


class RowFile:
    """Vectors as their store keeps them (``codec``: the copy is exact), in an unlinked temporary
    file written and read with pwrite / pread: the re-scoring copy lives in the page cache, not in
    the process's memory (386 B a row at 384 dims in int8: 0.36 GiB at 1M rows that the serving
    process's RSS does not hold). A query reads its ~400 candidates (0.1–0.3 ms); each process
    keeps its own file, so positions never disagree.

    ``memory_bytes`` (setting ``rescore_memory_mib``): while the rows take at most this, they are
    also kept in memory and read from there — a search gathers ~1,500 rows of candidates and
    measure families at 100k issues, ~1,000 reads, ~1.9 ms of its CPU from the file. Once they
    outgrow it the memory copy is dropped and the file serves alone."""

    def __init__(self, dims: int, folder: Path | None, codec: VectorCodec, *, memory_bytes: int = 0) -> None:
        self.dims = dims
        self.codec = codec
        self.row_bytes = codec.blob_bytes(dims)
        self.size = 0
        self._memory_rows = memory_bytes // self.row_bytes
        # grown by copying into a bigger array, never resized in place: a reader keeps the one it took
        self._memory: np.ndarray | None = np.empty((0, self.row_bytes), dtype=np.uint8) if self._memory_rows else None
        try:
            self._file = tempfile.TemporaryFile(prefix="rescore-", dir=folder)
        except OSError:  # a read-only data folder: the system's temporary folder
            self._file = tempfile.TemporaryFile(prefix="rescore-")
        self._fd = self._file.fileno()

    def extend(self, rows: np.ndarray) -> None:
        """Append float32 rows (encoded here)."""
        self.extend_encoded(b"".join(self.codec.encode(rows)) if len(rows) else b"")

    def extend_encoded(self, data: bytes | np.ndarray) -> None:
        """Append rows already encoded (a snapshot's, ``row_bytes`` each)."""
        data = bytes(np.ascontiguousarray(data).data) if isinstance(data, np.ndarray) else data
        if os.pwrite(self._fd, data, self.size * self.row_bytes) != len(data):
            raise OSError("short write to the re-scoring file")
        self._remember(data)
        self.size += len(data) // self.row_bytes

    @property
    def in_memory(self) -> bool:
        """Whether the rows are read from memory (they fit ``memory_bytes``)."""
        return self._memory is not None

    def _remember(self, data: bytes) -> None:
        """Copy rows just written at ``size`` into memory while they all fit; else drop the copy."""
        memory = self._memory
        if memory is None:
            return
        rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, self.row_bytes)
        start, end = self.size, self.size + len(rows)
        if end > self._memory_rows:
            self._memory = None  # outgrown: the file serves alone from now on
            return
        if end > len(memory):  # a new array, half as large again (capped): readers keep the old one
            grown = np.empty((min(self._memory_rows, max(end, len(memory) * 3 // 2, 1024)), self.row_bytes),
                             dtype=np.uint8)
            grown[:start] = memory[:start]
            memory = grown
        memory[start:end] = rows
        self._memory = memory

    def take(self, positions: np.ndarray) -> np.ndarray:
        """The rows at ``positions`` (float32), each run of consecutive positions read with one
        pread (an issue's measures are consecutive rows)."""
        positions = np.asarray(positions, dtype=np.int64).ravel()
        memory = self._memory
        if memory is not None:
            return self.codec.decode(memory[positions])
        order = np.argsort(positions, kind="stable")
        ordered = positions[order]
        # the runs' offsets and lengths in bytes, computed in numpy: per run Python only calls pread
        # (numpy scalars in a generator cost as much as the reads: ~700 runs a hybrid search)
        starts = np.flatnonzero(np.r_[True, np.diff(ordered) != 1])[:len(ordered)]
        ends = np.r_[starts[1:], len(ordered)][:len(starts)] - 1
        size, fd = self.row_bytes, self._fd
        data = b"".join([os.pread(fd, length, offset) for length, offset in zip(
            ((ordered[ends] - ordered[starts] + 1) * size).tolist(), (ordered[starts] * size).tolist(), strict=True)])
        rows = np.empty((len(positions), size), dtype=np.uint8)
        rows[order] = np.frombuffer(data, dtype=np.uint8).reshape(len(positions), size)
        return self.codec.decode(rows)

    def blocks(self, rows: int = 65536) -> Iterator[np.ndarray]:
        """Every row in order, ``rows`` at a time (float32), each block read with one pread: no
        mapping of the whole file, whose pages would count in the RSS while it is read."""
        for start in range(0, self.size, rows):
            count = min(rows, self.size - start)
            data = os.pread(self._fd, count * self.row_bytes, start * self.row_bytes)
            if len(data) != count * self.row_bytes:
                raise OSError("short read from the re-scoring file")
            yield self.codec.decode(np.frombuffer(data, dtype=np.uint8).reshape(count, self.row_bytes))

    def view(self) -> np.ndarray:
        """Every row as stored (uint8, ``row_bytes`` a row), memory-mapped (for a snapshot: read
        once, in order)."""
        if not self.size:
            return np.zeros((0, self.row_bytes), dtype=np.uint8)
        return np.memmap(self._file, dtype=np.uint8, mode="r", shape=(self.size, self.row_bytes))

    def close(self) -> None:
        self._file.close()


def code_type(values: int) -> type[np.signedinteger]:
    """The narrowest signed integer type that holds codes 0 … ``values`` - 1 and -1 (none): most
    filter fields have a handful of values (province, level, status), so a byte a row instead of
    four (1M issues: 19 columns, 96 → 51 MiB).

    >>> [code_type(n).__name__ for n in (0, 128, 129, 32768, 32769)]
    ['int8', 'int8', 'int16', 'int16', 'int32']
    """
    return next(t for t in (np.int8, np.int16, np.int32) if values - 1 <= np.iinfo(t).max)


class KeywordColumn:
    """Codes of one keyword field: the first value per row in ``codes`` (-1: none), further
    values of multi-valued rows as (position, code) pairs. Codes take the narrowest integer type
    the vocabulary fits (:func:`code_type`), widened as it grows."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.codes = Grow(np.int8, fill=-1, blank=True)
        self.extra_pos = Grow(np.int32)  # positions: < 2^31 rows
        self.extra_code = Grow(np.int8)
        self._by_code: tuple[np.ndarray, np.ndarray] | None = None  # see rows_with

    def _fit(self) -> None:
        """Widen the code arrays when the vocabulary outgrows them (before storing its codes)."""
        wanted = code_type(len(self.vocab))
        self.codes.widen(wanted)
        self.extra_code.widen(wanted)

    def restore(self, vocab: Sequence[str], codes: np.ndarray, extra_pos: np.ndarray, extra_code: np.ndarray) -> None:
        """The column as a snapshot saved it (codes of any integer type)."""
        self.vocab = {v: i for i, v in enumerate(vocab)}
        self._fit()
        self.codes.extend(codes)
        self.extra_pos.extend(extra_pos)
        self.extra_code.extend(extra_code)

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
        self._fit()
        self.codes.extend(codes)
        if extra_pos:
            self.extra_pos.extend(np.asarray(extra_pos, dtype=np.int32))
            self.extra_code.extend(np.asarray(extra_code, dtype=np.int32))

    def rows_with(self, values: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(positions, first-value codes) of the rows whose first value is one of ``values``, in
        position order: :meth:`match` for a few values of a single-valued field (a measure's
        ``issue_id``) without a pass over every row — binary searches in a sorted copy of the codes,
        built when first asked and again once the rows added since outnumber an eighth of it
        (those are scanned meanwhile). Costs 8 bytes a row, only in a process that asks.

        >>> column = KeywordColumn(); column.extend(0, ["a", "b", "a", None, "c"])
        >>> [p.tolist() for p in column.rows_with(["a", "c", "zz"])]
        [[0, 2, 4], [0, 0, 2]]
        """
        vocab = self.vocab
        wanted = np.unique(np.fromiter((code for v in values if (code := vocab.get(v)) is not None), dtype=np.int32))
        codes = self.codes.view
        built = self._by_code
        if built is None or len(codes) - len(built[0]) > max(4096, len(built[0]) // 8):
            order = np.argsort(codes, kind="stable").astype(np.int32)
            built = self._by_code = (order, codes[order])
        order, ordered = built
        low = np.searchsorted(ordered, wanted, "left")
        high = np.searchsorted(ordered, wanted, "right")
        parts = [order[a:b] for a, b in zip(low.tolist(), high.tolist(), strict=True) if b > a]
        if len(codes) > len(order):  # rows added since the copy was sorted
            parts.append(np.flatnonzero(np.isin(codes[len(order):], wanted)).astype(np.int32) + len(order))
        positions = np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
        return positions, codes[positions]

    def match(self, values: Iterable[str]) -> np.ndarray:
        wanted = np.asarray([self.vocab[v] for v in {str(v) for v in values} if v in self.vocab], dtype=np.int32)
        mask = np.isin(self.codes.view, wanted)
        if self.extra_pos.size and wanted.size:
            mask[self.extra_pos.view[np.isin(self.extra_code.view, wanted)]] = True
        return mask


class IntegerColumn:
    """Values of one integer field in the narrowest signed type that holds them (a year or a
    sequence number: int16; a yyyymmdd date: int32), the type's minimum standing for none; widened
    as values come. 1M issues: year, date and seq 22.9 → 7.6 MiB.

    >>> column = IntegerColumn(); column.extend(0, [2021, None, "7"])
    >>> column.values.view.dtype.name, column.between(2000, None).tolist()
    ('int16', [True, False, False])
    >>> column.extend(3, [20210315]); column.values.view.dtype.name, column.match(["7", "20210315"]).tolist()
    ('int32', [False, False, True, True])
    """

    _NONE = np.iinfo(np.int64).min  # none while values are gathered as int64

    def __init__(self) -> None:
        self.values = Grow(np.int16, fill=np.iinfo(np.int16).min)

    @property
    def MISSING(self) -> int:  # noqa: N802 - read like the constant it was
        """The value standing for none in the current type."""
        return int(np.iinfo(self.values.dtype).min)

    def extend(self, start: int, values: Sequence[Any]) -> None:
        converted = (v if type(v) is int else as_int(v) for v in values)
        self._append(np.fromiter((self._NONE if v is None else v for v in converted), dtype=np.int64, count=len(values)))

    def restore(self, values: np.ndarray) -> None:
        """The values as a snapshot saved them (any signed integer type, its minimum for none)."""
        numbers = np.asarray(values).astype(np.int64)
        numbers[np.asarray(values) == np.iinfo(values.dtype).min] = self._NONE
        self._append(numbers)

    def saved(self) -> np.ndarray:
        """The values as snapshots keep them: int64, its minimum for none (the format before
        columns were narrowed, which older programs read)."""
        view = self.values.view
        out = view.astype(np.int64)
        out[view == self.MISSING] = self._NONE
        return out

    def _append(self, numbers: np.ndarray) -> None:
        """Append int64 values (``_NONE``: none), widening the column first if they need it."""
        none = numbers == self._NONE
        if not none.all():
            present = numbers[~none]
            self._fit(int(present.min()), int(present.max()))
        numbers[none] = self.MISSING
        self.values.extend(numbers)

    def _fit(self, low: int, high: int) -> None:
        dtype = self.values.dtype
        if np.iinfo(dtype).min < low and high <= np.iinfo(dtype).max:
            return
        wanted = next(t for t in (np.int32, np.int64) if np.iinfo(t).min < low and high <= np.iinfo(t).max)
        missing = self.values.view == self.MISSING
        self.values.widen(wanted, fill=np.iinfo(wanted).min)
        self.values.view[missing] = self.MISSING

    def match(self, values: Iterable[str]) -> np.ndarray:
        wanted = [n for n in map(as_int, values) if n is not None]
        return np.isin(self.values.view, np.asarray(wanted, dtype=np.int64))

    def between(self, low: int | None, high: int | None) -> np.ndarray:
        view = self.values.view
        mask = view != self.MISSING
        if low is not None:
            mask &= view >= low
        if high is not None:
            mask &= view <= high
        return mask
