"""Vector scans of the embedded backend run side by side, outside the backend's lock, and a write
waits for the scans in flight before it changes the vector index (indexer.backends.search_gate)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from indexer.backends.base import Filters
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.vector_index import VectorIndex
from indexer.types import Target
from tests.contract_corpus import EMBEDDER, NOTICES, make_bundles

ISSUES = Target.ISSUES
QUERY = EMBEDDER.embed_queries(["医保基金"])[0].tolist()


def _held_scans(monkeypatch, release: threading.Event, inside: threading.Semaphore) -> None:
    """Every scan signals that it started and then waits for ``release`` before scanning."""
    real = VectorIndex.search

    def search(self, *args, **kwargs):
        inside.release()
        assert release.wait(10), "the test never released the scan"
        return real(self, *args, **kwargs)

    monkeypatch.setattr(VectorIndex, "search", search)


def test_two_scans_run_at_once_and_other_reads_go_on(tmp_path, monkeypatch):
    backend = EmbeddedBackend(tmp_path / "data", threads=1)
    backend.write(make_bundles())
    release, inside = threading.Event(), threading.Semaphore(0)
    _held_scans(monkeypatch, release, inside)
    try:
        with ThreadPoolExecutor(2) as pool:
            scans = [pool.submit(backend.vector, ISSUES, QUERY, Filters(), 3) for _ in range(2)]
            # both scans are inside the index at the same time: neither holds the backend's lock
            assert inside.acquire(timeout=5) and inside.acquire(timeout=5)
            assert backend.info().issues == 7  # and the backend's lock is free for everything else
            release.set()
            first, second = (s.result(timeout=10) for s in scans)
        assert first == second and len(first) == 3
    finally:
        release.set()
        backend.close()


def test_a_write_waits_for_the_scan_in_flight(tmp_path, monkeypatch):
    backend = EmbeddedBackend(tmp_path / "data", threads=1)
    backend.write(make_bundles(NOTICES[:1]))
    release, inside = threading.Event(), threading.Semaphore(0)
    _held_scans(monkeypatch, release, inside)
    try:
        with ThreadPoolExecutor(2) as pool:
            scan = pool.submit(backend.vector, ISSUES, QUERY, Filters(), 10)
            assert inside.acquire(timeout=5)
            write = pool.submit(backend.write, make_bundles(NOTICES[1:]))
            assert not write.done() and not _wait(write, 0.5)  # held off by the scan in flight
            assert len(backend._gen.vectors[ISSUES].rowids.view) == 3  # the index did not change under it
            release.set()
            assert {h.doc_id[:2] for h in scan.result(timeout=10)} == {"n1"}
            assert write.result(timeout=10).written == ["n2", "n3"]
        assert {h.doc_id[:2] for h in backend.vector(ISSUES, QUERY, Filters(), 10)} == {"n1", "n2", "n3"}
    finally:
        release.set()
        backend.close()


def _wait(future, seconds: float) -> bool:
    try:
        future.result(timeout=seconds)
    except TimeoutError:
        return False
    return True
