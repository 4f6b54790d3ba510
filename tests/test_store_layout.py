"""The embedded record store's compact rows: compressed JSON with a per-store dictionary, filter
keys only where a vector needs them, and stores of the plain layout still read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from indexer.backends.base import Filters
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.embedded_generation import STORE, notice_row
from indexer.backends.embedded_store import RecordStore, dumps
from indexer.types import Target
from tests.contract_corpus import EMBEDDER, make_bundles


def _store_file(data: Path) -> Path:
    [path] = data.glob(f"gen-*/{STORE}")
    return path


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
    assert db.execute("SELECT count(*) FROM docs WHERE target = 0 AND shared IS NULL").fetchone() == (0,)
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
