"""Stored vectors: float32 vectors ⇄ the bytes kept for them (one blob per vector), both ways.

:data:`INT8` (store layout 4 on, and the vector cache): each component as an int8 in units of the
vector's own scale, ``max |x| / 127``, kept as float16 before them: 386 bytes at 384 dims, half of
float16. A cosine moves by ~5e-4 at most (measured on e5-small vectors), far below what separates
the results of a search. :data:`FLOAT16`: what older stores keep (768 bytes at 384 dims); they are
read and written on in it.

Every writer encodes and every reader decodes with the store's codec, and an embedder that fills a
cache returns ``codec.rounded(vectors)``: the values a later read gives back, so a vector is the
same whether it was just computed or read back. Decoding then encoding again gives the same bytes
(the scale is a float16 and the components at most 7 bits, so ``q * scale`` is exact in float32 and
the largest component comes back as ±127 × scale).

    >>> v = np.array([[0.5, -0.25, 0.125, 0.0]], dtype=np.float32)
    >>> INT8.decode(INT8.encode(v)).tolist()  # each component within half a step (0.5 / 127 / 2)
    [[0.499969482421875, -0.251953125, 0.1259765625, 0.0]]
    >>> len(INT8.encode(v)[0]), len(FLOAT16.encode(v)[0]), INT8.dims(6)
    (6, 8, 4)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_SCALE = np.dtype("<f2")
_SCALE_BYTES = _SCALE.itemsize
_LEVELS = 127  # symmetric: -127..127, so the scale maps the largest component exactly
# The scale is kept a normal float16: rounding moves it by at most 2^-11, so the largest component is
# always ±127 and encoding a decoded vector gives its bytes back. (A vector whose largest component
# is under 127 × 2^-14 ≈ 0.0078 is kept in steps of 2^-14: an L2-normalised vector never is.)
_MIN_SCALE, _MAX_SCALE = float(np.finfo(np.float16).tiny), float(np.finfo(np.float16).max)


class VectorCodec:
    """One way of keeping a vector as bytes (see the module docstring)."""

    name = ""

    def encode(self, vectors: np.ndarray) -> list[bytes]:
        """One blob per row of ``vectors`` ((n, dims), or one vector)."""
        raise NotImplementedError

    def decode(self, blobs: Sequence[bytes] | np.ndarray) -> np.ndarray:
        """(len(blobs), dims) float32, the blobs being of one length (or the rows of a uint8 matrix)."""
        raise NotImplementedError

    def dims(self, blob_bytes: int) -> int:
        """The dimensions of a vector kept in ``blob_bytes`` bytes."""
        raise NotImplementedError

    def blob_bytes(self, dims: int) -> int:
        """The bytes a vector of ``dims`` dimensions is kept in."""
        return len(self.encode(np.zeros((1, dims), dtype=np.float32))[0])

    def decode_one(self, blob: bytes) -> np.ndarray:
        return self.decode([blob])[0]

    def rounded(self, vectors: np.ndarray) -> np.ndarray:
        """``vectors`` as they read back once stored ((n, dims) float32)."""
        matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        return self.decode(self.encode(matrix)) if len(matrix) else matrix.copy()

    def __repr__(self) -> str:
        return f"<{self.name} vectors>"


class _Int8(VectorCodec):
    name = "int8"

    def encode(self, vectors: np.ndarray) -> list[bytes]:
        matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        n, dims = matrix.shape
        scale = np.clip(np.abs(matrix).max(axis=1, initial=0.0) / _LEVELS, _MIN_SCALE, _MAX_SCALE).astype(_SCALE)
        codes = np.clip(np.rint(matrix / scale.astype(np.float32)[:, None]), -_LEVELS, _LEVELS).astype(np.int8)
        out = np.empty((n, _SCALE_BYTES + dims), dtype=np.uint8)
        out[:, :_SCALE_BYTES] = scale.view(np.uint8).reshape(n, _SCALE_BYTES)
        out[:, _SCALE_BYTES:] = codes.view(np.uint8)
        return [row.tobytes() for row in out]

    def decode(self, blobs: Sequence[bytes] | np.ndarray) -> np.ndarray:
        data = _rows(blobs)
        scale = np.ascontiguousarray(data[:, :_SCALE_BYTES]).view(_SCALE).astype(np.float32)
        # one pass, the codes widened inside the multiply (exact: int8 -> float32), as astype then
        # multiply gave but without the intermediate array: 0.18 against 0.31 ms a thousand rows (a
        # search decodes ~1,000 family and re-scoring rows)
        return np.multiply(data[:, _SCALE_BYTES:].view(np.int8), scale, dtype=np.float32)

    def dims(self, blob_bytes: int) -> int:
        return blob_bytes - _SCALE_BYTES


class _Float16(VectorCodec):
    name = "float16"

    def encode(self, vectors: np.ndarray) -> list[bytes]:
        return [row.tobytes() for row in np.atleast_2d(np.asarray(vectors, dtype=np.float32)).astype("<f2")]

    def decode(self, blobs: Sequence[bytes] | np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(_rows(blobs)).view("<f2").astype(np.float32)

    def dims(self, blob_bytes: int) -> int:
        return blob_bytes // 2


def _rows(blobs: Sequence[bytes] | np.ndarray) -> np.ndarray:
    """Blobs of one length as the rows of a byte matrix."""
    if isinstance(blobs, np.ndarray):
        return blobs.view(np.uint8)
    width = len(blobs[0]) if blobs else 0
    return np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), width)


INT8: VectorCodec = _Int8()
FLOAT16: VectorCodec = _Float16()
CODECS = {codec.name: codec for codec in (INT8, FLOAT16)}
