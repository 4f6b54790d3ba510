"""The embedded backend beyond the shared contract: persistence, readers beside a writer,
generations (rebuild, keep_old), healing after a crash, the approximate vector index, the lock."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from indexer.backends import embedded_generation, vector_index
from indexer.backends.base import Filters, LexicalQuery, NoticeBundle
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.embedded_folder import CURRENT
from indexer.errors import BackendError, BadQuery, IncompatibleIndex, WriterBusy
from indexer.fields import SCHEMA_VERSION, lexical_boosts
from indexer.types import Target
from indexer.vector_codec import FLOAT16, INT8
from tests.contract_corpus import EMBEDDER, make_bundles

ISSUES = Target.ISSUES
MEASURES = Target.MEASURES


def _query(*terms: str, target: Target = ISSUES) -> LexicalQuery:
    return LexicalQuery(terms, lexical_boosts(target))


def _open(path: Path, **kwargs) -> EmbeddedBackend:
    return EmbeddedBackend(path, threads=1, **kwargs)


def _loaded(path: Path, **kwargs) -> EmbeddedBackend:
    backend = _open(path, **kwargs)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    assert backend.write(make_bundles()).written == ["n1", "n2", "n3"]
    return backend


def _counts(backend: EmbeddedBackend) -> tuple[int, int, int]:
    info = backend.info()
    return info.notices, info.issues, info.measures


def _ids(hits) -> list[str]:
    return [h.doc_id for h in hits]


QUERY_VECTOR = EMBEDDER.embed_queries(["违规使用医保基金"])[0].tolist()


def test_everything_survives_close_and_reopen(tmp_path):
    backend = _loaded(tmp_path)
    lexical = _ids(backend.lexical(ISSUES, _query("医保", "基金"), Filters(), 5))
    vector = backend.vector(ISSUES, QUERY_VECTOR, Filters(), 10)
    backend.delete_notices(["n3"])
    backend.close()

    again = _open(tmp_path)
    assert _counts(again) == (2, 5, 7)
    assert _ids(again.lexical(ISSUES, _query("医保", "基金"), Filters(), 5)) == lexical
    assert again.vector(ISSUES, QUERY_VECTOR, Filters(), 10) == [h for h in vector if not h.doc_id.startswith("n3")]
    assert again.get_notice("n1")["issue_ids"] == ["n1-001", "n1-002", "n1-003"]
    assert again.get(MEASURES, ["n2-001-m1"])[0]["issue_id"] == "n2-001"
    info = again.info()
    assert (info.model_id, info.dims, info.dictionary_version) == (EMBEDDER.model_id, 32, "test-dict")
    assert info.extra["lexical_docs"] == {"issues": 5, "measures": 7}
    again.close()


def test_a_reader_sees_the_writers_commits_without_reopening(tmp_path):
    writer = _loaded(tmp_path)
    reader = _open(tmp_path)
    assert _counts(reader) == (3, 7, 10)
    [extra] = make_bundles([("n4", "东山县卫生健康局", "health_bureau", "江西省", 2024,
                             [("医保基金拨付滞后", "completed", ["建立拨付台账"])])])
    writer.write([extra])
    assert "n4-001" in _ids(reader.lexical(ISSUES, _query("医保", "基金"), Filters(), 10))
    assert "n4-001" in _ids(reader.vector(ISSUES, QUERY_VECTOR, Filters(), 10))
    writer.delete_notices(["n4", "n2"])
    assert _ids(reader.lexical(ISSUES, _query("医保", "基金"), Filters(), 10)) == ["n1-001"]
    assert {h.doc_id[:2] for h in reader.vector(ISSUES, QUERY_VECTOR, Filters(), 10)} == {"n1", "n3"}
    assert reader.facets(ISSUES, Filters(), ["province"])["province"] == [("江西省", 5)]
    assert _counts(reader) == (2, 5, 7)
    reader.close()
    writer.close()


def test_a_pinned_block_checks_once_and_sees_commits_from_the_next_block_on(tmp_path):
    """A search request's reads check for other processes' commits once, when its block begins;
    other contexts (threads) still check on every read."""
    import contextvars
    import threading

    writer = _loaded(tmp_path)
    reader = _open(tmp_path)
    checks = []
    data_version = reader._gen.store.data_version
    reader._gen.store.data_version = lambda: checks.append(1) or data_version()  # counts the real checks
    [extra] = make_bundles([("n4", "东山县卫生健康局", "health_bureau", "江西省", 2024,
                             [("医保基金拨付滞后", "completed", ["建立拨付台账"])])])
    with reader.pinned():
        assert "n4-001" not in _ids(reader.lexical(ISSUES, _query("医保", "基金"), Filters(), 10))
        writer.write([extra])
        assert "n4-001" not in _ids(reader.lexical(ISSUES, _query("医保", "基金"), Filters(), 10))
        assert "n4-001" not in _ids(contextvars.copy_context().run(reader.vector, ISSUES, QUERY_VECTOR, Filters(), 10))
        assert len(checks) == 1
        seen: list[list[str]] = []  # a thread outside the request's context checks as before
        thread = threading.Thread(target=lambda: seen.append(_ids(reader.vector(ISSUES, QUERY_VECTOR, Filters(), 10))))
        thread.start()
        thread.join()
        assert "n4-001" in seen[0] and len(checks) == 2
    assert "n4-001" in _ids(reader.lexical(ISSUES, _query("医保", "基金"), Filters(), 10))
    reader.close()
    writer.close()


def test_rebuild_serves_the_old_generation_until_the_switch(tmp_path):
    writer = _loaded(tmp_path)
    reader = _open(tmp_path)
    old_generation = writer.info().extra["generation"]
    seen_during: list[tuple] = []

    def bundles():
        for bundle in make_bundles()[:2]:
            # Half-way through, both the writer and a reader still answer from the old generation.
            seen_during.append((_counts(reader), _counts(writer),
                                _ids(reader.lexical(ISSUES, _query("采购"), Filters(), 5))))
            yield bundle

    writer.rebuild(bundles())
    assert seen_during == [((3, 7, 10), (3, 7, 10), ["n3-001"])] * 2
    assert _counts(writer) == (2, 5, 7)
    assert _counts(reader) == (2, 5, 7)  # the reader followed CURRENT
    assert reader.lexical(ISSUES, _query("采购"), Filters(), 5) == []
    assert reader.vector(ISSUES, QUERY_VECTOR, Filters(), 10)
    new_generation = writer.info().extra["generation"]
    assert new_generation != old_generation
    assert (tmp_path / CURRENT).read_text().strip() == new_generation
    assert not (tmp_path / old_generation).exists()
    reader.close()
    writer.close()
    assert _counts(_open(tmp_path)) == (2, 5, 7)


def test_rebuild_can_keep_the_old_generation(tmp_path):
    backend = _loaded(tmp_path)
    old_generation = backend.info().extra["generation"]
    backend.rebuild(make_bundles()[:1], keep_old=True)
    assert (tmp_path / old_generation / "store.sqlite3").exists()
    assert _counts(backend) == (1, 3, 4)
    backend.close()
    # The kept generation is whole: pointing CURRENT back at it brings it back.
    (tmp_path / CURRENT).write_text(old_generation + "\n")
    assert _counts(_open(tmp_path)) == (3, 7, 10)


def test_a_failed_rebuild_leaves_the_old_generation_serving(tmp_path):
    backend = _loaded(tmp_path)

    def bundles():
        yield make_bundles()[0]
        raise RuntimeError("parser crashed")

    with pytest.raises(RuntimeError, match="parser crashed"):
        backend.rebuild(bundles())
    assert _counts(backend) == (3, 7, 10)
    assert sorted(p.name for p in tmp_path.glob("gen-*")) == [backend.info().extra["generation"]]
    backend.close()


def test_rebuild_records_the_model_of_the_last_check(tmp_path):
    backend = _loaded(tmp_path)
    with pytest.raises(IncompatibleIndex, match="model"):
        backend.check_compatible("other-model", 32, "test-dict")
    backend.rebuild(make_bundles())
    backend.check_compatible("other-model", 32, "test-dict")  # the rebuilt index is of the new model
    assert backend.info().model_id == "other-model"
    backend.close()


def test_another_schema_version_is_refused(tmp_path):
    backend = _loaded(tmp_path)
    backend._gen.store.set_meta({"schema_version": SCHEMA_VERSION + 1})
    with pytest.raises(IncompatibleIndex, match=f"schema version {SCHEMA_VERSION + 1}, this program writes"):
        backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.close()


def test_a_crash_between_sqlite_and_tantivy_heals_on_reopen(tmp_path, monkeypatch):
    backend = _loaded(tmp_path)
    [extra] = make_bundles([("n4", "东山县卫生健康局", "health_bureau", "江西省", 2024,
                             [("医保基金拨付滞后", "completed", ["建立拨付台账"])])])
    generation = type(backend._gen)

    def crash(self, written=None):
        raise BackendError("simulated crash after the SQLite commit")

    monkeypatch.setattr(generation, "sync_lexical", crash)
    with pytest.raises(BackendError, match="simulated crash"):
        backend.write([extra])
    backend.close()
    monkeypatch.undo()

    again = _open(tmp_path)
    assert _counts(again) == (4, 8, 11)
    assert again.info().extra["lexical_docs"] == {"issues": 8, "measures": 11}
    assert "n4-001" in _ids(again.lexical(ISSUES, _query("医保", "基金"), Filters(), 10))
    again.close()


def test_a_second_writer_gets_a_typed_clear_error(tmp_path):
    writer = _loaded(tmp_path)
    other = _open(tmp_path, lock_timeout=0)
    assert _counts(other) == (3, 7, 10)  # reading needs no lock
    message = (f"another process (pid {os.getpid()}) is writing to the index in {tmp_path} "
               f"(lock {tmp_path / 'writer.lock'}); only one writer at a time: wait for it to finish or stop it "
               "(searching needs no lock)")
    with pytest.raises(WriterBusy, match=re.escape(message)) as caught:
        other.write(make_bundles()[:1])
    assert (caught.value.holder, caught.value.lock) == (str(os.getpid()), str(tmp_path / "writer.lock"))
    assert isinstance(caught.value, BackendError)
    with pytest.raises(WriterBusy):
        other.delete_notices(["n1"])
    writer.close()
    other.delete_notices(["n1"])  # the lock is free once the writer closed
    assert _counts(other) == (2, 4, 6)
    other.close()


def test_filters_on_unknown_fields_are_refused_by_both_legs(tmp_path):
    backend = _loaded(tmp_path)
    bad = Filters(equals={"problem": ("x",)})
    with pytest.raises(BadQuery, match="problem"):
        backend.lexical(ISSUES, _query("医保"), bad, 5)
    with pytest.raises(BadQuery, match="problem"):
        backend.vector(ISSUES, QUERY_VECTOR, bad, 5)
    with pytest.raises(BadQuery, match="range"):
        backend.vector(ISSUES, QUERY_VECTOR, Filters(ranges={"province": (1, 2)}), 5)
    backend.close()


def _random_bundles(rng: np.random.Generator, notices: int, per_notice: int, dims: int) -> list[NoticeBundle]:
    centres = rng.standard_normal((40, dims)).astype(np.float32)
    bundles = []
    for n in range(notices):
        notice_id = f"r{n:04d}"
        base = {"notice_id": notice_id, "source": f"{notice_id}.txt", "province": ("甲省", "乙省", "丙省")[n % 3],
                "year": 2020 + n % 5}
        issues = []
        for s in range(1, per_notice + 1):
            vector = centres[rng.integers(40)] + 0.8 * rng.standard_normal(dims).astype(np.float32)
            issues.append({"id": f"{notice_id}-{s:03d}", **base, "seq": s, "problem": "问题",
                           "problem_tokens": f"t{rng.integers(50)} t{rng.integers(50)}",
                           "categories": ["c1"] if s % 2 else ["c1", "c2"], "vector": vector.tolist()})
        bundles.append(NoticeBundle(notice_id, base["source"], dict(base), issues, []))
    return bundles


def test_the_approximate_vector_index_keeps_recall_against_exact_search(tmp_path, monkeypatch):
    """Past exact_max_rows the index is SQ8 (in shards searched on two threads) + exact
    re-scoring: recall@10 ≥ 0.98 against exact search, with and without filters and deletions."""
    monkeypatch.setattr(vector_index, "SHARD_ROWS", 700)
    monkeypatch.setattr(embedded_generation, "SNAPSHOT_MIN_ROWS", 1000)  # this small index gets a snapshot
    rng = np.random.default_rng(7)
    dims = 48
    bundles = _random_bundles(rng, 300, 10, dims)
    backend = EmbeddedBackend(tmp_path, threads=2, exact_max_rows=1000)
    for start in range(0, len(bundles), 50):
        backend.write(bundles[start:start + 50])
    backend.delete_notices([f"r{n:04d}" for n in range(0, 300, 7)])
    stats = backend.info().extra["vectors"]["issues"]
    assert (stats["kind"], stats["shards"]) == ("faiss-pq4fs+exact-rescore", 5)

    live = [d for b in bundles if int(b.notice_id[1:]) % 7 for d in b.issues]
    ids = np.array([d["id"] for d in live])
    matrix = INT8.rounded(np.array([d["vector"] for d in live]))  # as stored
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    provinces = np.array([d["province"] for d in live])
    years = np.array([d["year"] for d in live])
    cases = [(Filters(), np.ones(len(live), bool)),
             (Filters(equals={"province": ("乙省",)}, ranges={"year": (2022, None)}),
              (provinces == "乙省") & (years >= 2022))]
    for filters, allowed in cases:
        recalls = []
        for _ in range(40):
            query = matrix[rng.integers(len(live))] + 0.5 * rng.standard_normal(dims).astype(np.float32)
            scores = np.where(allowed, matrix @ (query / np.linalg.norm(query)), -np.inf)
            exact = set(ids[np.argsort(-scores)[:10]])
            got = backend.vector(ISSUES, query.tolist(), filters, 10)
            assert len(got) == 10 and all(allowed[np.flatnonzero(ids == h.doc_id)[0]] for h in got)
            recalls.append(len(exact & {h.doc_id for h in got}) / 10)
        assert np.mean(recalls) >= 0.98, filters
    probes = [rng.standard_normal(dims).tolist() for _ in range(5)]
    before = [backend.vector(ISSUES, p, cases[1][0], 10) for p in probes]
    backend.close()
    # Reopened from the snapshot written at close, or from the stored vectors, the re-scoring rows
    # read from their file or kept in memory (setting rescore_memory_mib; 3,000 rows fit in 1 MiB): the same answers.
    for snapshot, memory_mib in ((True, 0), (True, 1), (False, 1), (False, 0)):
        if not snapshot:
            next(tmp_path.glob("gen-*/vectors.npz"), tmp_path / "none").unlink(missing_ok=True)
        again = EmbeddedBackend(tmp_path, threads=2, exact_max_rows=1000, rescore_memory_mib=memory_mib)
        stats = again.info().extra["vectors"]["issues"]
        assert stats["rows"] - stats["deleted"] == len(live)
        assert stats["rows"] == (3000 if snapshot else len(live))  # deleted rows are dropped on a full load
        assert stats["rows_in_memory"] is (memory_mib > 0)
        assert [again.vector(ISSUES, p, cases[1][0], 10) for p in probes] == before
        again.close()


def test_the_vector_snapshot_is_a_shortcut_never_a_source_of_truth(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_generation, "SNAPSHOT_MIN_ROWS", 0)  # snapshot even this small index
    backend = _loaded(tmp_path)
    backend.close()  # writes the snapshot
    [snapshot] = tmp_path.glob("gen-*/vectors.npz")
    want = _open(tmp_path).vector(ISSUES, QUERY_VECTOR, Filters(), 10)

    # A writer that dies without closing leaves an old snapshot: its changes are replayed on open.
    monkeypatch.setattr(embedded_generation, "save_snapshot", lambda *a, **k: None)
    writer = _open(tmp_path)
    writer.delete_notices(["n2"])
    [extra] = make_bundles([("n4", "东山县卫生健康局", "health_bureau", "江西省", 2024,
                             [("违规使用医保基金", "completed", ["建立拨付台账"])])])
    writer.write([extra])
    expected = writer.vector(ISSUES, QUERY_VECTOR, Filters(), 10)
    writer.close()
    monkeypatch.undo()
    monkeypatch.setattr(embedded_generation, "SNAPSHOT_MIN_ROWS", 0)
    assert {h.doc_id for h in expected} == {h.doc_id for h in want if not h.doc_id.startswith("n2")} | {"n4-001"}
    assert _open(tmp_path).vector(ISSUES, QUERY_VECTOR, Filters(), 10) == expected

    # A torn snapshot is ignored: the vectors come from the record store.
    snapshot.write_bytes(snapshot.read_bytes()[:200])
    assert _open(tmp_path).vector(ISSUES, QUERY_VECTOR, Filters(), 10) == expected


def test_multi_valued_filters_match_any_value_in_both_legs(tmp_path):
    rng = np.random.default_rng(1)
    backend = _open(tmp_path)
    backend.write(_random_bundles(rng, 6, 4, 16))
    vector = rng.standard_normal(16).tolist()
    for filters, expected in ((Filters(equals={"categories": ("c2",)}), {"002", "004"}),
                              (Filters(excludes={"categories": ("c2",)}), {"001", "003"})):
        lexical = {h.doc_id[-3:] for h in backend.lexical(ISSUES, _query(*(f"t{i}" for i in range(50))), filters, 50)}
        vectors = {h.doc_id[-3:] for h in backend.vector(ISSUES, vector, filters, 50)}
        assert lexical == vectors == expected
    backend.close()


@pytest.mark.parametrize("codec", [INT8, FLOAT16])
def test_the_rescoring_copy_lives_in_an_unlinked_file_not_in_memory(tmp_path, codec):
    """Candidates are re-scored from rows as the store keeps them (int8, or float16 in an older
    store) read back from a private file in the generation folder (page cache, not the process's
    memory): exact cosines, no file left behind."""
    rng = np.random.default_rng(3)
    vectors = codec.rounded(rng.standard_normal((400, 16)))
    index = vector_index.VectorIndex(16, {}, exact_max_rows=100, spill=tmp_path, codec=codec)
    index.add(list(range(1, 401)), vectors, [{}] * 400)
    assert index.kind == "faiss-pq4fs+exact-rescore"
    query = rng.standard_normal(16).astype(np.float32)
    cosines = vectors @ query / np.linalg.norm(vectors, axis=1) / np.linalg.norm(query)
    got = index.search(query, 10, None)
    assert [rowid for rowid, _ in got] == [int(i) + 1 for i in np.argsort(-cosines)[:10]]
    assert np.allclose([score for _, score in got], np.sort(cosines)[::-1][:10], atol=1e-5)
    assert list(tmp_path.iterdir()) == []  # unlinked from the start: a crash leaves nothing
    opened = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
              if os.path.islink(f"/proc/self/fd/{fd}")]
    assert any(link.startswith(f"{tmp_path}/") and link.endswith("(deleted)") for link in opened)
    assert index.stats()["approx_mb"] < 400 * (16 * 3 + 9) / 2**20  # codes only: the copy is not counted
    index.close()


def _backend_of_tokens(tmp_path, tokens: dict[int, str]):
    """A backend holding one notice whose issue n has the problem tokens ``tokens[n]``, written in
    reverse id order (so that tantivy's own order of ties is not the ids' order)."""
    base = {"notice_id": "t1", "source": "t1.txt", "province": "甲省", "year": 2022}
    issues = [{"id": f"t1-{n:03d}", **base, "seq": n, "problem": "问题", "problem_tokens": tokens[n],
               "categories": ["c1"], "vector": [1.0] + [0.0] * (EMBEDDER.dims - 1)} for n in sorted(tokens, reverse=True)]
    backend = _open(tmp_path)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write([NoticeBundle("t1", "t1.txt", dict(base), issues, [])])
    return backend


def test_lexical_ties_at_the_cut_are_broken_by_id_and_deleted_hits_let_the_next_move_up(tmp_path):
    # 1 issue matching both terms, 10 tied ones, 40 longer (lower-scored, also tied among them);
    # written in reverse id order so that tantivy's own order of ties is not the ids' order
    tokens = {1: "甲 乙"} | {n: "甲 丙" for n in range(2, 12)} | {n: "甲 丙 丁 戊" for n in range(12, 52)}
    backend = _backend_of_tokens(tmp_path, tokens)
    query = _query("甲", "乙")
    assert _ids(backend.lexical(ISSUES, query, Filters(), 5)) == ["t1-001", "t1-002", "t1-003", "t1-004", "t1-005"]
    # rows tombstoned after the searcher was opened (another process's commit not yet refreshed,
    # which moves the store's sequence number as every write does): of the best eleven only two
    # are left, so longer ones (those the search fetched) fill the page
    store = backend._gen.store
    with store.transaction() as tx:
        seq = store._next_seq(tx)
        tx.execute("UPDATE docs SET deleted = 1, seq = ? WHERE doc_id IN ('t1-001', 't1-002', 't1-003', 't1-004', "
                   "'t1-005', 't1-006', 't1-007', 't1-008', 't1-009')", (seq,))
    hits = _ids(backend.lexical(ISSUES, query, Filters(), 5))
    assert hits[:2] == ["t1-010", "t1-011"] and len(hits) == 5
    assert all(tokens[int(h[3:])] == "甲 丙 丁 戊" for h in hits[2:]) and hits[2:] == sorted(hits[2:])
    backend.close()


class _CountedSearches:
    """A real tantivy searcher, its search calls counted (each runs the whole query)."""

    def __init__(self, searcher) -> None:
        self.searcher, self.searches = searcher, 0

    def __getattr__(self, name: str):
        return getattr(self.searcher, name)

    def search(self, *args, **kwargs):
        self.searches += 1
        return self.searcher.search(*args, **kwargs)


def counted_searches(backend: EmbeddedBackend, target: Target) -> _CountedSearches:
    """The live generation's searcher of ``target``, its searches counted from now on."""
    searcher, ordered = backend._gen.searching[target]
    counted = _CountedSearches(searcher)
    backend._gen.searching[target] = embedded_generation.Searching(counted, ordered)
    return counted


def test_lexical_ties_past_the_first_fetch_of_k_plus_ten_need_one_search(tmp_path):
    # 20 tied best issues and 20 lower: the top 5 are the tied ones with the smallest ids, found by
    # one run of the query (a fetch of k + 10 hits would end inside the ties and search again)
    tokens = {n: "甲 丙" for n in range(1, 21)} | {n: "甲 丙 丁 戊" for n in range(21, 41)}
    backend = _backend_of_tokens(tmp_path, tokens)
    backend.lexical(ISSUES, _query("甲"), Filters(), 5)  # opens the generation's indexes
    counted = counted_searches(backend, ISSUES)
    assert _ids(backend.lexical(ISSUES, _query("甲"), Filters(), 5)) == [f"t1-{n:03d}" for n in range(1, 6)]
    assert counted.searches == 1
    backend.close()


def test_issue_family_vectors_from_the_indexes_are_the_stores_rows(tmp_path):
    """The measures' vectors come from the measure index, the issues' from the issue index once a
    leg has looked their rows up (row_ids.py): the same rows as read from SQLite; a deletion is
    seen at once though the rows were known."""
    backend = _open(tmp_path)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(make_bundles(measure_vectors=True))
    everyone = [h.doc_id for h in backend.vector(ISSUES, EMBEDDER.embed_queries(["医保"])[0].tolist(), Filters(), 50)]
    assert len(everyone) > 3 and backend._row_ids.known_rows(backend._gen, ISSUES, everyone)  # rows now known
    store = backend._gen.store

    def rows(owners, matrix):
        return sorted((owner, row.tobytes()) for owner, row in zip(owners, matrix, strict=True))

    got = backend.issue_family_vectors([*everyone, "missing"])
    assert rows(*got) == rows(*store.issue_family_vectors(everyone))
    assert len(set(got[0])) == len(everyone) and len(got[0]) > len(everyone)  # issues and their measures
    gone = everyone[0].split("-")[0]
    backend.delete_notices([gone])
    assert not any(owner.startswith(f"{gone}-") for owner in backend.issue_family_vectors(everyone)[0])
    backend.close()


def test_a_search_request_checks_freshness_once(tmp_path):
    """Every leg, the floor's reads, the family vectors, the facets and the page of one hybrid
    search (its vector leg on the search pool's thread) share one freshness check."""
    from indexer.settings import Settings
    from search_api.parse import parse_search_request
    from search_api.search import SearchService

    backend = _loaded(tmp_path)
    settings = Settings(backend="embedded")
    service = SearchService(settings, backend, EMBEDDER)
    checks = []
    data_version = backend._gen.store.data_version
    backend._gen.store.data_version = lambda: checks.append(1) or data_version()
    result = service.search_issues(parse_search_request(settings, q="医保基金", facets=True))
    assert result.hits and result.facets and len(checks) == 1
    service.close()
    backend.close()


def test_with_one_thread_a_search_runs_its_legs_in_its_own_thread_with_the_same_answer(tmp_path):
    """``threads`` 1 (a server worker kept on one CPU): the vector leg runs in the request's thread
    after the others — no pool thread is started — and the answer is the one the legs give side by side."""
    from indexer.settings import Settings
    from search_api.parse import parse_search_request
    from search_api.search import SearchService

    backend = _loaded(tmp_path)
    answers = {}
    for threads in (1, 2):
        settings = Settings(backend="embedded", threads=threads)
        service = SearchService(settings, backend, EMBEDDER)
        answers[threads] = [service.search_issues(parse_search_request(settings, q=q, facets=True)).to_dict()
                            for q in ("医保基金", "公务接待超标准", "党费收缴")]
        assert bool(service._pool._threads) is (threads > 1)  # a thread is started on the first submit
        service.close()
    for answer in answers.values():
        for result in answer:
            result.pop("took_ms")
    assert answers[1] == answers[2] and answers[1][0]["hits"]
    backend.close()
