"""The vector index's compressed layouts (PQ 4-bit fast scan, SQ8) with exact re-scoring, on
small data: ``exact_max_rows`` is lowered so a few thousand rows use them."""

import json

import numpy as np
import pytest

from indexer.backends import embedded_generation, vector_index, vector_rows
from indexer.backends.base import Filters
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.vector_index import VectorIndex, load_snapshot, save_snapshot
from indexer.errors import BadQuery
from indexer.types import Target
from indexer.vector_codec import INT8
from tests.test_embedded_backend import _random_bundles  # clustered notices with vectors

DIMS = 64
SPEC = {"province": "keyword", "year": "integer"}
NO_IDS = lambda ids: []  # noqa: E731 - no "id" filter here


def _clustered(rng: np.random.Generator, rows: int) -> np.ndarray:
    centres = rng.standard_normal((60, DIMS)).astype(np.float32)
    vectors = centres[rng.integers(len(centres), size=rows)] + 0.7 * rng.standard_normal((rows, DIMS))
    return INT8.rounded(vectors)  # what the store gives back


def _rows_as_float16(arrays: dict) -> None:
    """A snapshot's re-scoring copies made what layouts 4 and 5 kept: float16 rows named "f16"."""
    for name in [n for n in arrays if n.endswith("/rows")]:
        arrays[name[:-len("rows")] + "f16"] = INT8.decode(arrays.pop(name)).astype(np.float16)


def _keys(rows: int) -> list[dict]:
    return [{"province": f"p{i % 25}", "year": 2019 + i % 7} for i in range(rows)]


def _index(rng: np.random.Generator, rows: int = 4000, **kwargs) -> tuple[VectorIndex, np.ndarray]:
    vectors = _clustered(rng, rows)
    index = VectorIndex(DIMS, SPEC, exact_max_rows=1500, **kwargs)
    for start in range(0, rows, 700):  # in batches, as writes come: rows past the switch are added to trained codes
        index.add(range(start + 1, min(rows, start + 700) + 1), vectors[start:start + 700], _keys(rows)[start:start + 700])
    return index, vectors


def _exact(vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray, k: int = 10) -> list[int]:
    cosines = vectors @ query / np.linalg.norm(vectors, axis=1) / np.linalg.norm(query)
    cosines[~allowed] = -np.inf
    return [int(i) + 1 for i in np.argsort(-cosines, kind="stable")[:k] if np.isfinite(cosines[i])]


@pytest.mark.parametrize("layout", ["pq4fs", "sq8"])
def test_recall_after_exact_rescoring_with_and_without_filters(monkeypatch, layout):
    monkeypatch.setattr(vector_index, "SHARD_ROWS", 1024)  # several shards, the last one partly filled
    rng = np.random.default_rng(11)
    index, vectors = _index(rng, compressed=layout, threads=2)
    assert (index.kind, index.stats()["shards"]) == (f"faiss-{layout}+exact-rescore", 4)
    keys = _keys(len(vectors))
    province = np.array([k["province"] for k in keys])
    year = np.array([k["year"] for k in keys])
    cases = [(Filters(), np.ones(len(vectors), bool)),  # every row
             (Filters(ranges={"year": (2022, None)}), year >= 2022),  # ~4/7 of the rows: over-fetch
             (Filters(equals={"province": ("p3",)}), province == "p3")]  # 4%: a shard's every passing row
    for filters, allowed in cases:
        mask = index.mask(filters, NO_IDS)
        recalls = []
        for _ in range(30):
            query = vectors[rng.integers(len(vectors))] + 0.4 * rng.standard_normal(DIMS).astype(np.float32)
            got = index.search(query, 10, mask)
            assert len(got) == 10 and all(allowed[rowid - 1] for rowid, _ in got)
            assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
            recalls.append(len(set(_exact(vectors, query, allowed)) & {r for r, _ in got}) / 10)
        assert np.mean(recalls) >= 0.98, (layout, filters)
    index.close()


def test_scores_are_exact_cosines_and_a_rare_filter_gives_the_exact_answer():
    rng = np.random.default_rng(5)
    index, vectors = _index(rng)
    # 3 rows pass: fewer than the candidates wanted, so all three are re-scored, whatever their code
    allowed = np.zeros(len(vectors), bool)
    allowed[[10, 2500, 3999]] = True
    mask = index.mask(Filters(), NO_IDS)
    assert mask is None
    query = rng.standard_normal(DIMS).astype(np.float32)
    got = index.search(query, 10, allowed)
    assert [r for r, _ in got] == _exact(vectors, query, allowed)
    cosines = vectors @ query / np.linalg.norm(vectors, axis=1) / np.linalg.norm(query)
    assert np.allclose([s for _, s in got], [cosines[r - 1] for r, _ in got], atol=1e-5)
    index.close()


def test_deleted_rows_never_come_back_and_new_rows_are_found():
    rng = np.random.default_rng(6)
    index, vectors = _index(rng)
    query = vectors[123]
    top = [r for r, _ in index.search(query, 10, None)]
    assert top[0] == 124  # the row itself
    index.remove(top[:5])
    mask = index.mask(Filters(), NO_IDS)
    got = [r for r, _ in index.search(query, 10, mask)]
    assert not set(got) & set(top[:5]) and got[:5] == top[5:]
    # rows added after training are coded with the trained centroids and found like the others
    fresh = INT8.rounded(rng.standard_normal((3, DIMS)) * 3)
    index.add([5001, 5002, 5003], fresh, _keys(3))
    for i, vector in enumerate(fresh):
        assert index.search(vector, 1, index.mask(Filters(), NO_IDS))[0][0] == 5001 + i
    index.close()


@pytest.mark.parametrize("layout", ["pq4fs", "sq8"])
def test_snapshot_round_trip_keeps_the_layout_and_the_answers(tmp_path, layout):
    rng = np.random.default_rng(8)
    index, vectors = _index(rng, compressed=layout)
    index.remove([7, 8, 9])
    queries = rng.standard_normal((5, DIMS)).astype(np.float32)
    filters = Filters(equals={"province": ("p1", "p2")})
    before = [index.search(q, 10, index.mask(filters, NO_IDS)) for q in queries]
    save_snapshot(tmp_path / "v.npz", {"issues": index}, {"seq": 3})
    with np.load(tmp_path / "v.npz") as npz:  # the re-scoring copy as the store keeps vectors (layout 6)
        assert npz["issues/rows"].shape == (4000, DIMS + 2) and json.loads(bytes(npz["issues/meta"]))["rows"] == "int8"
    meta, loaded = load_snapshot(tmp_path / "v.npz", {"issues": SPEC}, spill=tmp_path)
    again = loaded["issues"]
    assert meta["seq"] == 3 and again.kind == index.kind and again.deleted == 3
    assert [again.search(q, 10, again.mask(filters, NO_IDS)) for q in queries] == before
    again.add([4001], vectors[:1], _keys(1))  # still growing after a load
    assert again.search(vectors[0], 2, again.mask(Filters(), NO_IDS))[0][1] == pytest.approx(1.0, abs=1e-5)
    index.close()
    again.close()


def test_a_layout_4_snapshot_still_loads_and_sq8_codes_become_pq_codes():
    """Snapshots written before the PQ layout (layout 4, no "compressed" in the meta): an exact
    one is read as it is; an SQ8 one is re-encoded from its float16 copy, same answers."""
    rng = np.random.default_rng(9)
    for layout, rows in (("exact", 1000), ("sq8", 4000)):
        index, vectors = _index(rng, rows, compressed="sq8")
        arrays = dict(index.arrays("issues/"))
        meta = json.loads(bytes(arrays["issues/meta"]))
        meta = {**{k: v for k, v in meta.items() if k != "compressed"}, "layout": 4, "sq8": layout == "sq8"}
        arrays["issues/meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        _rows_as_float16(arrays)
        loaded = VectorIndex.from_arrays(arrays, "issues/", SPEC)
        expected = "exact-float32" if layout == "exact" else "faiss-pq4fs+exact-rescore"
        assert (loaded.kind, loaded.size, loaded.compressed) == (expected, rows, "pq4fs")
        query = vectors[17] + 0.3 * rng.standard_normal(DIMS).astype(np.float32)
        assert [r for r, _ in loaded.search(query, 10, None)] == [r for r, _ in index.search(query, 10, None)]
        loaded.close()
        index.close()


def test_an_old_sq8_snapshot_opens_as_pq_codes(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(embedded_generation, "SNAPSHOT_MIN_ROWS", 500)
    monkeypatch.setattr(vector_index, "COMPRESSED", "sq8")  # the previous program's layout
    rng = np.random.default_rng(4)
    backend = EmbeddedBackend(tmp_path, exact_max_rows=1000)
    backend.write(_random_bundles(rng, 150, 10, 48))
    assert backend.info().extra["vectors"]["issues"]["kind"] == "faiss-sq8+exact-rescore"
    probe = rng.standard_normal(48).tolist()
    before = [h.doc_id for h in backend.vector(Target.ISSUES, probe, Filters(), 10)]
    backend.close()
    monkeypatch.setattr(vector_index, "COMPRESSED", "pq4fs")
    [snapshot] = tmp_path.glob("gen-*/vectors.npz")
    with np.load(snapshot) as npz:  # its SQ8 shards, with the meta that program wrote (layout 4)
        arrays = {name: npz[name] for name in npz.files}
    for name in [n for n in arrays if n.endswith("/meta")]:
        meta = json.loads(bytes(arrays[name]))
        old = {**{k: v for k, v in meta.items() if k != "compressed"}, "layout": 4, "sq8": bool(meta["compressed"])}
        arrays[name] = np.frombuffer(json.dumps(old).encode(), dtype=np.uint8)
    _rows_as_float16(arrays)
    np.savez(snapshot, **arrays)
    again = EmbeddedBackend(tmp_path, exact_max_rows=1000)
    assert "ignored" not in caplog.text  # read, not rebuilt from the store
    stats = again.info().extra["vectors"]["issues"]
    assert (stats["kind"], stats["rows"]) == ("faiss-pq4fs+exact-rescore", 1500)
    assert [h.doc_id for h in again.vector(Target.ISSUES, probe, Filters(), 10)] == before
    again.close()


def test_a_mask_skewed_against_the_query_still_gives_its_best_passing_rows():
    """The query's 1,500 nearest rows are masked out: the first over-fetch finds none passing,
    the shard is searched again with more, and the candidates are what a selector would give:
    the best passing rows by the codes' approximate score, then re-scored exactly."""
    rng = np.random.default_rng(12)
    index, vectors = _index(rng)
    [shard] = index._shards  # 4,000 rows: one shard
    wanted = 10 + vector_index.RESCORE_EXTRA["pq4fs"]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for _ in range(5):
        query = vectors[rng.integers(len(vectors))]
        q = (query / np.linalg.norm(query)).astype(np.float32)
        cosines = unit @ q
        allowed = np.ones(len(vectors), bool)
        allowed[np.argsort(-cosines)[:1500]] = False
        _, approx_order = shard.search(q[None], shard.ntotal)
        candidates = [int(p) for p in approx_order[0] if allowed[p]]
        got = index.search(query, 10, allowed)
        assert len(got) == 10 and all(allowed[rowid - 1] for rowid, _ in got)
        # the index's candidates hold these (rows tied on the codes' score may differ at the edge),
        # so its i-th best is at least theirs
        floor = np.sort(cosines[candidates[:wanted - 20]])[::-1][:10]
        assert all(score >= f - 1e-6 for (_, score), f in zip(got, floor, strict=True))
    index.close()


@pytest.mark.parametrize("rows", [1000, 4000])  # exact layout; compressed (vectors read back from the file)
def test_vectors_with_a_keyword_value_are_the_live_rows_as_added(rows):
    rng = np.random.default_rng(8)
    index, vectors = _index(rng, rows)
    index.remove([4, 29])  # rows 4 and 29 (positions 3 and 28) hold p3
    owners, matrix = index.vectors_with("province", ["p3", "p7", "p3", "nowhere"])
    positions = [i for i in range(rows) if i % 25 in (3, 7) and i not in (3, 28)]
    assert owners == [f"p{i % 25}" for i in positions]
    assert np.array_equal(matrix, vectors[positions])  # the very values added, in position order
    # rows added after the sorted copy was made are found too, and a read of scattered positions
    # (repeated, unordered) gives each row where it was asked for
    fresh = INT8.rounded(rng.standard_normal((2, DIMS)))
    index.add([rows + 1, rows + 2], fresh, [{"province": "p7"}, {"province": "new"}])
    owners, matrix = index.vectors_with("province", ["new", "p7"])
    assert owners[-2:] == ["p7", "new"] and np.array_equal(matrix[-2:], fresh)
    scattered = np.array([rows + 1, 5, 6, 5, 0])
    assert np.array_equal(index.vectors_at(scattered), np.concatenate([vectors, fresh])[scattered])
    with pytest.raises(BadQuery):
        index.vectors_with("year", ["2020"])
    index.close()


def test_keyword_codes_widen_as_the_vocabulary_grows_and_survive_a_snapshot(tmp_path):
    """Codes start a byte wide and widen past 127 and 32,767 values: filters, facet rows and a
    snapshot round trip see the same values as before the widening."""
    rng = np.random.default_rng(3)
    rows = 34_000
    index = VectorIndex(DIMS, {"institution": "keyword", "province": "keyword"}, exact_max_rows=100_000)
    vectors = _clustered(rng, rows)
    keys = [{"institution": f"inst{i}", "province": [f"p{i % 3}", f"q{i % 2}"] if i % 5 == 0 else f"p{i % 3}"}
            for i in range(rows)]
    widths = []
    for start in range(0, rows, 100):  # the first batch fits a byte, later ones do not
        index.add(range(start + 1, start + 101), vectors[start:start + 100], keys[start:start + 100])
        widths.append(index._columns["institution"].codes.view.dtype.itemsize)
    assert widths[0] == 1 and widths[2] == 2 and widths[-1] == 4
    assert index._columns["province"].codes.view.dtype.itemsize == 1

    def answers(ix: VectorIndex) -> list:
        masks = [ix.mask(Filters(equals=f), NO_IDS) for f in
                 ({"institution": ("inst5", "inst200", "inst33999")}, {"province": ("q1",)}, {"province": ("p2",)})]
        return [np.flatnonzero(m).tolist() for m in masks] + [p.tolist() for p in
                                                              ix._columns["institution"].rows_with(["inst40000", "inst129"])]

    expected = [[5, 200, 33999], [i for i in range(rows) if i % 10 == 5],
                [i for i in range(rows) if i % 3 == 2], [129], [129]]
    assert answers(index) == expected
    save_snapshot(tmp_path / "v.npz", {"issues": index}, {"seq": 1})
    _, loaded = load_snapshot(tmp_path / "v.npz", {"issues": {"institution": "keyword", "province": "keyword"}},
                              spill=tmp_path)
    again = loaded["issues"]
    assert answers(again) == expected
    assert again._columns["province"].codes.view.dtype.itemsize == 1
    index.close()
    again.close()


def test_integer_columns_start_narrow_widen_and_survive_a_snapshot(tmp_path):
    """Integer filter values start two bytes wide and widen for a date or a huge number; none stays
    none through the widening; ranges, equality and a snapshot (written as int64, as older programs
    wrote and read it) give the same rows."""
    rng = np.random.default_rng(5)
    spec = {"year": "integer", "date": "integer"}
    index = VectorIndex(DIMS, spec, exact_max_rows=100_000)
    vectors = _clustered(rng, 300)
    keys = [{"year": None if i % 7 == 0 else 2015 + i % 9, "date": None if i % 5 == 0 else 20200101 + i}
            for i in range(300)]
    index.add(range(1, 101), vectors[:100], [{"year": k["year"], "date": None} for k in keys[:100]])
    assert index._columns["date"].values.view.dtype == np.int16  # nothing but none so far
    index.add(range(101, 301), vectors[100:], keys[100:])
    index.add(range(301, 302), vectors[:1], [{"year": -(2**40), "date": None}])
    assert index._columns["year"].values.view.dtype == np.int64
    assert index._columns["date"].values.view.dtype == np.int32

    def answers(ix: VectorIndex) -> list:
        return [np.flatnonzero(ix.mask(f, NO_IDS)).tolist() for f in (
            Filters(ranges={"year": (2020, 2022)}), Filters(equals={"year": ("2016", str(-(2**40)))}),
            Filters(ranges={"date": (None, 20200150)}), Filters(ranges={"date": (20200101, None)}))]

    years = [k["year"] for k in keys]
    expected = [[i for i, y in enumerate(years) if y is not None and 2020 <= y <= 2022],
                [i for i, y in enumerate(years) if y == 2016] + [300],
                [i for i in range(100, 300) if i % 5 and 20200101 + i <= 20200150],
                [i for i in range(100, 300) if i % 5]]
    assert answers(index) == expected
    save_snapshot(tmp_path / "v.npz", {"issues": index}, {"seq": 1})
    with np.load(tmp_path / "v.npz") as npz:
        assert npz["issues/col.date.values"].dtype == np.int64
        assert int(npz["issues/col.date.values"][0]) == np.iinfo(np.int64).min
    _, loaded = load_snapshot(tmp_path / "v.npz", {"issues": spec}, spill=tmp_path)
    again = loaded["issues"]
    assert answers(again) == expected
    assert again._columns["date"].values.view.dtype == np.int32
    index.close()
    again.close()


def test_a_keyword_field_no_row_has_takes_no_memory_until_one_does(tmp_path):
    """A filter field left empty by every document keeps no codes; its filters and a snapshot work
    as before, and the first value makes it a real column with every earlier row still none."""
    rng = np.random.default_rng(9)
    spec = {"city": "keyword", "province": "keyword"}
    index = VectorIndex(DIMS, spec, exact_max_rows=100_000)
    vectors = _clustered(rng, 3000)
    index.add(range(1, 2001), vectors[:2000], [{"city": None, "province": f"p{i % 4}"} for i in range(2000)])
    city = index._columns["city"]
    assert city.codes._data is None and city.codes.view.tolist() == [-1] * 2000
    assert not index.mask(Filters(equals={"city": ("c1",)}), NO_IDS).any()
    save_snapshot(tmp_path / "v.npz", {"issues": index}, {"seq": 1})
    _, loaded = load_snapshot(tmp_path / "v.npz", {"issues": spec}, spill=tmp_path)
    assert loaded["issues"]._columns["city"].codes._data is None  # stays blank after loading
    for ix in (index, loaded["issues"]):
        ix.add(range(2001, 3001), vectors[2000:], [{"city": "c1" if i % 2 else None, "province": "p0"} for i in range(1000)])
        assert np.flatnonzero(ix.mask(Filters(equals={"city": ("c1",)}), NO_IDS)).tolist() == list(range(2001, 3000, 2))
        assert ix._columns["city"].codes.view[:2000].tolist() == [-1] * 2000
        ix.close()


@pytest.mark.parametrize("memory_rows, in_memory", [(0, False), (300, True), (200, False)])
def test_the_rescoring_file_gives_rows_in_the_order_asked_runs_repeats_and_none(memory_rows, in_memory):
    """Read from the file, or from memory while the rows fit ``memory_bytes`` (300 do, 200 are
    outgrown by the second write): the same rows either way."""
    rng = np.random.default_rng(7)
    stored = _clustered(rng, 300)
    rows = vector_rows.RowFile(DIMS, None, INT8, memory_bytes=memory_rows * INT8.blob_bytes(DIMS))
    rows.extend(stored[:120])
    assert rows.in_memory is (memory_rows > 0)
    rows.extend(stored[120:])
    assert rows.in_memory is in_memory
    for positions in ([], [5], [9, 8, 7], [40, 41, 42, 3, 41, 299, 0, 1], rng.integers(0, 300, 250).tolist()):
        got = rows.take(np.asarray(positions, dtype=np.int64))
        assert got.shape == (len(positions), DIMS) and got.dtype == np.float32
        assert np.array_equal(got, stored[positions].reshape(-1, DIMS))
    rows.close()
