"""Stored vectors (indexer.vector_codec): int8 with a scale per vector, float16 of older stores."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.vector_codec import FLOAT16, INT8


def _unit(rows: int, dims: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dims)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_int8_is_within_half_a_step_and_keeps_cosines() -> None:
    vectors = _unit(2000, 384)
    blobs = INT8.encode(vectors)
    assert {len(b) for b in blobs} == {384 + 2} and INT8.dims(386) == 384
    back = INT8.decode(blobs)
    step = np.abs(vectors).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(back - vectors) <= step * (0.5 + 2**-10))  # the float16 scale may move it a little
    cosines = np.sum(back * vectors, axis=1) / np.linalg.norm(back, axis=1)
    assert cosines.min() > 0.9995
    queries = _unit(20, 384, seed=1)
    assert np.abs(back @ queries.T - vectors @ queries.T).max() < 2e-3


def test_encoding_a_decoded_vector_gives_its_bytes_back() -> None:
    """So a vector read back from a store or cache is the one a fresh embedding was rounded to."""
    rng = np.random.default_rng(2)
    for vectors in (_unit(500, 384), 3 * rng.standard_normal((300, 16)), 1e-6 * rng.standard_normal((300, 8)),
                    np.zeros((2, 8))):
        blobs = INT8.encode(vectors)
        assert INT8.encode(INT8.decode(blobs)) == blobs
        assert np.array_equal(INT8.rounded(INT8.rounded(vectors)), INT8.rounded(vectors))


def test_int8_decodes_to_each_code_times_its_scale_in_float32() -> None:
    """The float32 values every search scores with (re-scoring, issue families) and stores compare
    with: code × scale, both as float32, one rounding; bit for bit, whatever the rows' layout."""
    rng = np.random.default_rng(3)
    vectors = np.concatenate([_unit(300, 384), 1e3 * rng.standard_normal((50, 384)), np.zeros((1, 384))])
    rows = np.frombuffer(b"".join(INT8.encode(vectors)), dtype=np.uint8).reshape(len(vectors), 386)
    scale = rows[:, :2].copy().view("<f2").astype(np.float32)
    expected = rows[:, 2:].view(np.int8).astype(np.float32) * scale
    for given in (rows, rows[::-1][::-1], list(INT8.encode(vectors))):
        got = INT8.decode(given)
        assert got.dtype == np.float32 and got.flags.c_contiguous
        assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))


def test_one_vector_and_none() -> None:
    vector = _unit(1, 16)[0]
    assert np.array_equal(INT8.decode_one(INT8.encode(vector)[0]), INT8.rounded(vector)[0])
    assert INT8.decode([]).shape == FLOAT16.decode([]).shape == (0, 0)
    assert INT8.rounded(np.zeros((0, 16))).shape == (0, 16)
    assert not INT8.decode(INT8.encode(np.zeros(16))).any()


def test_float16_blobs_of_older_stores_read_as_they_were_written() -> None:
    vectors = _unit(50, 384)
    old = [row.astype("<f2").tobytes() for row in vectors]  # what layouts 1-3 wrote
    assert FLOAT16.encode(vectors) == old and FLOAT16.dims(768) == 384
    assert np.array_equal(FLOAT16.decode(old), vectors.astype(np.float16).astype(np.float32))


@pytest.mark.parametrize("codec", [INT8, FLOAT16])
def test_blobs_are_rows_of_their_own(codec) -> None:
    vectors = _unit(3, 8)
    blobs = codec.encode(vectors)
    assert [codec.decode_one(b).tolist() for b in blobs] == codec.decode(blobs).tolist()
    assert codec.decode(blobs[1:2]).tolist() == codec.rounded(vectors[1]).tolist()
