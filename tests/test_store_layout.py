"""The embedded record store's compact rows: compressed JSON with a per-store dictionary, filter
keys only where a vector needs them, measure rows without their issue's copies, stored vectors
found by the hash of their text (the vector cache), and stores of the plain layout still read."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexer.backends.base import Filters, LexicalQuery
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.embedded_generation import STORE, notice_row
from indexer.backends.embedded_store import RecordStore, dumps
from indexer.bundles import embedding_text
from indexer.settings import Settings
from indexer.types import Target
from indexer.vector_codec import FLOAT16, INT8
from tests.contract_corpus import EMBEDDER, make_bundles


def _store_file(data: Path) -> Path:
    [path] = data.glob(f"gen-*/{STORE}")
    return path


def _vectors_as_float16(db: sqlite3.Connection) -> None:
    """Stored vectors made what layouts 1-3 kept: float16 blobs."""
    rows = db.execute("SELECT rowid, vector FROM docs WHERE vector IS NOT NULL").fetchall()
    db.executemany("UPDATE docs SET vector = ? WHERE rowid = ?",
                   [(FLOAT16.encode(INT8.decode_one(blob))[0], rowid) for rowid, blob in rows])


def test_documents_are_stored_compressed_and_read_back_whole(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    bundles = make_bundles()
    assert backend.write(bundles).written == ["n1", "n2", "n3"]
    issue = bundles[0].issues[0]
    assert backend.get(Target.ISSUES, [issue["id"]])[0] == {k: v for k, v in issue.items() if k != "vector"}
    assert backend.get_notice("n1")["notice_id"] == "n1"
    backend.close()

    db = sqlite3.connect(_store_file(tmp_path))
    assert db.execute("SELECT count(*) FROM codecs").fetchone() == (1,)  # one dictionary, from the first write
    assert {r[0] for r in db.execute("SELECT typeof(doc) FROM docs")} == {"blob"}
    assert {r[0] for r in db.execute("SELECT typeof(record) FROM notices")} == {"blob"}
    # filter keys only on rows with a vector (measures have none here)
    assert db.execute("SELECT count(*) FROM docs WHERE target = 1 AND (shared IS NOT NULL OR keys IS NOT NULL)"
                      ).fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM docs WHERE target = 0 AND keys IS NULL").fetchone() == (0,)
    # the keys a notice's documents share: once per notice (and collection), not on every row
    assert db.execute("SELECT count(*) FROM docs WHERE shared IS NOT NULL").fetchone() == (0,)
    assert db.execute("SELECT notice_id, target FROM shared_keys ORDER BY 1").fetchall() == [
        ("n1", 0), ("n2", 0), ("n3", 0)]
    packed, plain = db.execute("SELECT sum(length(doc)) FROM docs").fetchone()[0], 0
    reopened = EmbeddedBackend(tmp_path, threads=1)
    for target, docs in ((Target.ISSUES, "issues"), (Target.MEASURES, "measures")):
        ids = [d["id"] for b in bundles for d in getattr(b, docs)]
        plain += sum(len(dumps(d).encode()) for d in reopened.get(target, ids))
    reopened.close()
    assert packed < plain / 2


def test_a_store_of_the_plain_layout_reads_old_and_new_rows(tmp_path: Path) -> None:
    bundles = make_bundles()
    rows = [notice_row(b, None)[0] for b in bundles]
    store = RecordStore(tmp_path / STORE)
    store.packed = False  # layout 1: plain JSON text, as stores written before compact rows
    store.write(rows[:1], {})
    store.close()
    store = RecordStore(tmp_path / STORE)
    store.write(rows[1:], {})  # compact rows from now on
    ids = [d["id"] for b in bundles for d in b.issues]
    assert sorted(store.get_docs(Target.ISSUES, ids)) == sorted(ids)
    assert [n["notice_id"] for n in store.iter_notices()] == ["n1", "n2", "n3"]
    kinds = dict(store._query("SELECT notice_id, typeof(record) FROM notices"))
    assert kinds == {"n1": "text", "n2": "blob", "n3": "blob"}
    changes = [c for batch in store.changes_since(0, upto=store.seq()) for c in batch]
    assert all(c.doc.startswith("{") for c in changes if c.target is Target.ISSUES)
    store.close()
    read_only = RecordStore(tmp_path / STORE, read_only=True)
    assert sorted(read_only.get_docs(Target.ISSUES, ids)) == sorted(ids)
    read_only.close()


def test_reads_map_the_store_file_as_the_setting_asks_whether_written_or_only_read(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / STORE, map_bytes=2**24)
    store.write([notice_row(b, None)[0] for b in make_bundles()], {})
    assert store._query("PRAGMA mmap_size") == [(2**24,)]
    store.close()
    read_only = RecordStore(tmp_path / STORE, read_only=True, map_bytes=2**24)
    assert read_only._query("PRAGMA mmap_size") == [(2**24,)]
    assert len(read_only.get_docs(Target.ISSUES, [d["id"] for b in make_bundles() for d in b.issues])) > 0
    read_only.close()
    unmapped = RecordStore(tmp_path / STORE, read_only=True)  # the default: RSS holds no mapped pages
    assert unmapped._query("PRAGMA mmap_size") == [(0,)]
    unmapped.close()


def test_the_backend_passes_the_setting_to_its_store(tmp_path: Path) -> None:
    backend = EmbeddedBackend.from_settings(Settings(data_dir=str(tmp_path), store_map_mib=16))
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(make_bundles())
    assert backend._store()._query("PRAGMA mmap_size") == [(2**24,)]
    backend.close()


def test_a_small_index_keeps_no_vector_snapshot(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(make_bundles())
    want = backend.vector(Target.ISSUES, EMBEDDER.embed_queries(["医保基金"])[0].tolist(), Filters(), 5)
    backend.close()
    assert not list(tmp_path.glob("gen-*/vectors.npz"))  # loading a few vectors from the store is quick
    again = EmbeddedBackend(tmp_path, threads=1)
    assert again.vector(Target.ISSUES, EMBEDDER.embed_queries(["医保基金"])[0].tolist(), Filters(), 5) == want
    again.close()


def _stored_rows(data: Path, target: Target) -> dict[str, dict]:
    store = RecordStore(_store_file(data), read_only=True)
    try:
        rows = store._query("SELECT doc_id, doc FROM docs WHERE target = ? AND deleted = 0", (int(target != Target.ISSUES),))
        return {doc_id: store.codec.loads(doc) for doc_id, doc in rows}
    finally:
        store.close()


def test_measure_rows_keep_their_issues_fields_once(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    bundles = make_bundles()
    backend.write(bundles)
    measures = [m for b in bundles for m in b.measures]
    assert backend.get(Target.MEASURES, [m["id"] for m in measures]) == measures  # whole again, in order
    assert [list(d) for d in backend.get(Target.MEASURES, [m["id"] for m in measures])] == [list(m) for m in measures]
    scanned = [d for batch, _ in backend.scan(Target.MEASURES, ["province", "problem"]) for d in batch]
    assert scanned == [{k: m[k] for k in ("id", "province", "problem")} for m in measures]
    backend.close()

    rows = _stored_rows(tmp_path, Target.MEASURES)
    # n1-002's measure copies every issue field: its row keeps only its own, without its text (the
    # issue's first measure item), its tokens (the first six of the issue's measure tokens) and the
    # bigrams (computed again on reading); n1-001's measures were given other categories than their
    # issue (hand-made), so they keep the issue's fields
    issue = bundles[0].issues[1]
    assert issue["measures"][0] == measures[2]["text"] == "修订三重一大决策制度"
    assert " ".join(issue["measures_tokens"].split()[:6]) == measures[2]["text_tokens"]
    assert rows["n1-002-m1"] == {"id": "n1-002-m1", "issue_id": "n1-002", "measure_seq": 1, "+issue": 1, "+text": 1,
                                 "+tokens": [0, 6], "+derived": ["bigram_tokens"]}
    assert rows["n1-001-m1"] == {**{k: v for k, v in measures[0].items() if k != "bigram_tokens"},
                                 "+derived": ["bigram_tokens"]}
    issues = _stored_rows(tmp_path, Target.ISSUES)
    assert "bigram_tokens" not in issues["n1-001"] and issues["n1-001"]["+derived"] == ["bigram_tokens"]


def test_fields_unlike_what_reading_puts_back_are_kept_as_written(tmp_path: Path) -> None:
    bundles = make_bundles()
    issue, measure = bundles[0].issues[1], bundles[0].measures[2]
    issue["bigram_tokens"] = "手工 写的"  # not the bigrams of its text
    measure["status"] = "not_started"  # not its issue's
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(bundles)
    assert backend.get(Target.ISSUES, [issue["id"]]) == [{k: v for k, v in issue.items() if k != "vector"}]
    assert backend.get(Target.MEASURES, [measure["id"]]) == [measure]
    backend.close()
    assert _stored_rows(tmp_path, Target.ISSUES)[issue["id"]]["bigram_tokens"] == "手工 写的"
    assert _stored_rows(tmp_path, Target.MEASURES)[measure["id"]]["status"] == "not_started"


def test_measures_replayed_from_the_store_are_found_by_their_issues_fields(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(make_bundles())
    query = LexicalQuery(("制度",), {"text_tokens": 2.0, "problem_tokens": 0.5})
    jiangxi = Filters(equals={"province": ("江西省",)})
    want = backend.lexical(Target.MEASURES, query, jiangxi, 10)
    backend.close()
    # the lexical index lost: rebuilt from the store's rows alone on the next open
    for folder in ("issues", "measures"):
        shutil.rmtree(_store_file(tmp_path).parent / folder)
    db = sqlite3.connect(_store_file(tmp_path))
    db.execute("UPDATE meta SET value = '0' WHERE key = 'lexical_seq'")
    db.commit()
    db.close()
    again = EmbeddedBackend(tmp_path, threads=1)
    got = again.lexical(Target.MEASURES, query, jiangxi, 10)
    assert got == want and "n1-002-m1" in [h.doc_id for h in got]
    assert {h.doc_id[:2] for h in got} <= {"n1", "n3"}
    again.close()


def test_unchanged_texts_are_found_among_the_stored_vectors(tmp_path: Path) -> None:
    from indexer.embed import CachedEmbedder
    from tests.test_embed import CountingEmbedder

    backend = EmbeddedBackend(tmp_path, threads=1)
    inner = CountingEmbedder(dims=32)
    backend.check_compatible(inner.model_id, inner.dims, "test-dict")
    embedder = CachedEmbedder(inner, backend.vector_cache())
    texts = [embedding_text(i["problem"], i["measures"]) for b in make_bundles() for i in b.issues]
    vectors = embedder.embed_passages(texts)
    assert embedder.embed_passages(texts[:2]).tolist() == vectors[:2].tolist()  # not yet written: kept meanwhile
    bundles = make_bundles()
    for issue, vector in zip((i for b in bundles for i in b.issues), vectors, strict=True):
        issue["vector"] = vector.tolist()
    backend.write(bundles)
    assert len(inner.calls) == 1

    # a new process: found in the store (no copy of them anywhere else), as they were computed
    reader = EmbeddedBackend(tmp_path, threads=1)
    fresh = CachedEmbedder(CountingEmbedder(dims=32), reader.vector_cache())
    assert fresh.embed_passages([*texts, "新的问题"]).tolist()[:-1] == vectors.tolist()
    assert fresh.inner.calls == [["新的问题"]] and (fresh.hits, fresh.misses) == (len(texts), 1)
    reader.close()
    assert not (tmp_path / "cache").exists()
    # another model's vectors are never taken
    other = CachedEmbedder(CountingEmbedder(dims=8), backend.vector_cache())
    other.embed_passages(texts[:1])
    assert other.inner.calls == [texts[:1]]
    # a deleted notice's vectors are gone with it
    backend.delete_notices(["n1"])
    again = CachedEmbedder(CountingEmbedder(dims=32), backend.vector_cache())
    again.embed_passages(texts)
    assert again.inner.calls == [texts[:3]]
    backend.close()
    db = sqlite3.connect(_store_file(tmp_path))
    assert [r[0] for r in db.execute("SELECT notice_id FROM shared_keys ORDER BY 1")] == ["n2", "n3"]  # n1's went with it
    db.close()


def test_a_store_of_layout_2_is_read_and_written_on(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    bundles = make_bundles()
    backend.write(bundles[:2])
    query = EMBEDDER.embed_queries(["医保基金"])[0].tolist()
    jiangxi = Filters(equals={"province": ("江西省",)})
    want = backend.vector(Target.ISSUES, query, jiangxi, 5)
    backend.close()
    # made into what layout 2 wrote: shared filter keys on every row, no text hashes, no shared_keys
    db = sqlite3.connect(_store_file(tmp_path))
    db.execute("UPDATE docs SET shared = (SELECT s.keys FROM shared_keys s WHERE s.notice_id = docs.notice_id "
               "AND s.target = docs.target) WHERE vector IS NOT NULL")
    db.executescript("DROP TABLE shared_keys; DROP INDEX docs_text; ALTER TABLE docs DROP COLUMN text_hash; "
                     "UPDATE meta SET value = '2' WHERE key = 'store_version';")
    _vectors_as_float16(db)
    db.commit()
    db.close()
    for snapshot in tmp_path.glob("gen-*/vectors.npz"):
        snapshot.unlink()

    old = EmbeddedBackend(tmp_path, threads=1)
    got = old.vector(Target.ISSUES, query, jiangxi, 5)  # old rows' keys read from their own column
    assert [h.doc_id for h in got] == [h.doc_id for h in want]
    assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-4)  # float16 of the same
    old.write(bundles[2:])  # new rows in the new form beside the old ones
    assert {h.doc_id[:2] for h in old.vector(Target.ISSUES, query, jiangxi, 10)} == {"n1", "n3"}
    assert old.get(Target.MEASURES, [m["id"] for m in bundles[2].measures]) == bundles[2].measures
    old.close()
    db = sqlite3.connect(_store_file(tmp_path))
    assert db.execute("SELECT count(*) FROM docs WHERE text_hash IS NOT NULL").fetchone() == (2,)  # n3's issues
    db.close()


def test_a_store_of_float16_vectors_is_read_written_on_and_cached_from_in_float16(tmp_path: Path) -> None:
    """Layouts 1-3 kept float16 vectors: such a store keeps them (no conversion), its vectors are
    found by the vector cache as they are stored, and re-indexing writes int8."""
    from indexer.embed import CachedEmbedder
    from tests.test_embed import CountingEmbedder

    backend = EmbeddedBackend(tmp_path, threads=1)
    inner = CountingEmbedder(dims=32)
    backend.check_compatible(inner.model_id, inner.dims, "test-dict")
    bundles = make_bundles()
    texts = [embedding_text(i["problem"], i["measures"]) for b in bundles for i in b.issues]
    for issue, vector in zip((i for b in bundles for i in b.issues), inner.embed_passages(texts), strict=True):
        issue["vector"] = vector.tolist()
    backend.write(bundles[:2])
    backend.close()
    db = sqlite3.connect(_store_file(tmp_path))
    assert {r[0] for r in db.execute("SELECT length(vector) FROM docs WHERE vector IS NOT NULL")} == {32 + 2}
    _vectors_as_float16(db)
    # and as layout 3 found a notice's documents: by an index on notice_id, no run of rowids
    db.executescript("UPDATE meta SET value = '3' WHERE key = 'store_version'; "
                     "ALTER TABLE notices DROP COLUMN docs_from; ALTER TABLE notices DROP COLUMN docs_to; "
                     "CREATE INDEX docs_notice ON docs (notice_id) WHERE deleted = 0;")
    db.commit()
    db.close()

    old = EmbeddedBackend(tmp_path, threads=1)
    vectors = dict(zip((i["id"] for b in bundles for i in b.issues), inner.embed_passages(texts), strict=True))
    ids = [i["id"] for b in bundles[:2] for i in b.issues]
    stored = old.get_vectors(Target.ISSUES, ids)
    for issue_id in ids:  # as layout 3 kept them: float16, read as such
        assert stored[issue_id] == FLOAT16.rounded(INT8.rounded(vectors[issue_id]))[0].tolist()
    [top] = old.vector(Target.ISSUES, stored[ids[1]], Filters(), 1)
    assert top.doc_id == ids[1] and top.score == pytest.approx(1.0, abs=1e-6)
    old.write(bundles[2:])  # written on in float16
    db = sqlite3.connect(_store_file(tmp_path))
    assert {r[0] for r in db.execute("SELECT length(vector) FROM docs WHERE vector IS NOT NULL")} == {32 * 2}
    db.close()
    embedder = CachedEmbedder(CountingEmbedder(dims=32), old.vector_cache())
    cached = embedder.embed_passages(texts)  # every text stored: nothing embedded
    assert embedder.inner.calls == [] and cached[0].tolist() == stored[ids[0]]
    fresh = CachedEmbedder(CountingEmbedder(dims=32), old.vector_cache()).embed_passages(["新的问题"])
    assert np.array_equal(fresh, FLOAT16.rounded(CountingEmbedder(dims=32).embed_passages(["新的问题"])))
    assert old.delete_notices(["n1", "n3"]) == 2  # one stored before (by notice_id), one since (its run)
    assert old.get(Target.ISSUES, ids) == [{k: v for k, v in i.items() if k != "vector"} for i in bundles[1].issues]
    old.rebuild(bundles)  # re-indexing writes the current layout
    old.close()
    db = sqlite3.connect(_store_file(tmp_path))
    assert {r[0] for r in db.execute("SELECT length(vector) FROM docs WHERE vector IS NOT NULL")} == {32 + 2}
    assert db.execute("SELECT value FROM meta WHERE key = 'store_version'").fetchone() == ("4",)
    db.close()


def test_issue_rows_leave_out_their_notices_head_and_get_it_back_in_place(tmp_path: Path) -> None:
    """Notice-level fields all of a notice's issues share are kept once per notice; a notice's
    documents are found by the run of rowids its row names (no index on notice_id)."""
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    bundles = make_bundles(measure_vectors=True)
    bundles[1].issues[1]["title"] = "另一个标题"  # this notice's issues disagree on the title: kept on their rows
    bundles[0].issues[1]["notice_id"] = "n9"  # hand-made: not its notice's id, so no head is looked up by it
    backend.write(bundles)
    for bundle in bundles:
        for target, docs in ((Target.ISSUES, bundle.issues), (Target.MEASURES, bundle.measures)):
            written = [{k: v for k, v in d.items() if k != "vector"} for d in docs]
            got = backend.get(target, [d["id"] for d in docs])
            assert got == written and [list(d) for d in got] == [list(d) for d in written]  # same order too
    # a measure row's filter keys leave out the issue_id its id names, and filtering by it still works
    query = EMBEDDER.embed_queries(["医保基金"])[0].tolist()
    hits = backend.vector(Target.MEASURES, query, Filters(equals={"issue_id": ("n1-001",)}), 10)
    assert sorted(h.doc_id for h in hits) == sorted(m["id"] for m in bundles[0].measures if m["issue_id"] == "n1-001")
    backend.close()
    store = RecordStore(_store_file(tmp_path))
    heads = {n: store.codec.loads(h) for n, h in store._query("SELECT notice_id, head FROM notice_heads")}
    assert sorted(heads) == ["n1", "n2", "n3"] and "title" in heads["n1"] and "title" not in heads["n2"]
    rows = {doc_id: store.codec.loads(doc) for doc_id, doc in store._query("SELECT doc_id, doc FROM docs WHERE target = 0")}
    assert "province" not in rows["n1-001"] and rows["n2-002"]["title"] == "另一个标题"
    assert not store._query("SELECT name FROM sqlite_master WHERE name IN ('docs_notice', 'docs_alive')")
    keys = [store.codec.loads(k) for (k,) in store._query("SELECT keys FROM docs WHERE target = 1")]
    assert keys and all("issue_id" not in k and k["+issue_id"] == 1 for k in keys)
    shared = store._query("SELECT notice_id, target FROM shared_keys ORDER BY 1, 2")
    assert ("n3", 2) in shared and ("n3", 0) not in shared  # alike for both collections: kept once
    store.delete_notices(["n2"])
    assert sorted(n for (n,) in store._query("SELECT notice_id FROM notice_heads")) == ["n1", "n3"]
    assert {d for (d,) in store._query("SELECT doc_id FROM docs WHERE deleted = 0")} == {
        d["id"] for b in (bundles[0], bundles[2]) for d in (*b.issues, *b.measures)}
    store.close()


def test_documents_read_by_the_rows_a_search_found_and_heads_rewritten_come_back_new(tmp_path: Path) -> None:
    """Documents a leg just found are read by their rowid and their notice heads come from the
    store's memo: the same documents as read by id from a fresh backend; a notice written again
    with other notice-level fields is read with its new head, and a replaced one is gone."""
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    bundles = make_bundles(measure_vectors=True)
    backend.write(bundles)
    issue_ids = [d["id"] for b in bundles for d in b.issues]
    query = EMBEDDER.embed_queries(["医保基金"])[0].tolist()
    found = [h.doc_id for h in backend.vector(Target.ISSUES, query, Filters(), 50)]
    assert found and backend._row_ids.known_rows(backend._gen, Target.ISSUES, found)  # their rows are known
    first = backend.get(Target.ISSUES, issue_ids)
    fresh = EmbeddedBackend(tmp_path, threads=1, read_only=True)
    assert first == fresh.get(Target.ISSUES, issue_ids) and first == backend.get(Target.ISSUES, issue_ids)
    fresh.close()
    for issue in bundles[0].issues:  # the notice again, with another place: its head changes
        issue["province"] = "湖南省"
    backend.write([bundles[0]])
    again = {d["id"]: d for d in backend.get(Target.ISSUES, [d["id"] for d in bundles[0].issues])}
    assert again and all(d["province"] == "湖南省" for d in again.values())
    assert again == {d["id"]: {k: v for k, v in d.items() if k != "vector"} for d in bundles[0].issues}
    backend.delete_notices(["n2"])
    assert not backend.get(Target.ISSUES, [d["id"] for d in bundles[1].issues])
    backend.close()


def test_a_joined_measure_comes_back_in_the_registrys_order_with_other_keys_after() -> None:
    from indexer.backends.embedded_rows import stored_form, whole
    issue = {"id": "n-001", "notice_id": "n", "problem": "公车私用", "status": "completed", "measures": ["收回车辆"]}
    measure = {"id": "n-001-m1", "issue_id": "n-001", "notice_id": "n", "zeta": 1, "measure_seq": 1, "text": "收回车辆",
               "problem": "公车私用", "status": "completed", "alpha": 2}
    back = whole(Target.MEASURES, stored_form(Target.MEASURES, measure, issue), issue)
    assert back == measure
    assert list(back) == [*(k for k in measure if k not in ("zeta", "alpha")), "zeta", "alpha"]


def test_the_sequence_number_is_remembered_until_a_write_or_another_connections_commit(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    store, other = RecordStore(path), RecordStore(path)
    store.data_version()
    first = store.seq()
    store.delete_notices(["n-none"])  # a write: a new sequence number, even with nothing to delete
    assert store.seq() == first + 1
    other.delete_notices(["n-none"])  # another connection commits
    assert store.data_version() is not None and store.seq() == first + 2  # the freshness check sees it
    with sqlite3.connect(path) as db:  # remembered: not read again until one of the two happens
        db.execute("UPDATE meta SET value = '99' WHERE key = 'seq'")
    assert store.seq() == first + 2
    store.data_version()
    assert store.seq() == 99
    store.close()
    other.close()
