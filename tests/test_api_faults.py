"""Backend faults, the API half (issue "Reliability and security"): the API runs on the
Elasticsearch backend against a private noida-db emulator; the emulator is stopped → searches,
documents, stats and the web page answer 503 with a one-line message (no stack trace) and
``/readyz`` reports not ready; the emulator comes back on the same port and data folder → the
same app answers again, unchanged, without a restart.

A private emulator, because stopping the session's would break the other tests (tests/es_server.py
has the start / halt / restart helpers). With ES_URL set (a real cluster) it is skipped: a real
cluster is not ours to stop.
"""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from indexer.settings import Settings, load_settings
from search_api.app import create_app
from tests import search_corpus

pytestmark = [pytest.mark.reliability, pytest.mark.elasticsearch]

RECOVERY_TIMEOUT = 30.0  # seconds for the restarted emulator to answer searches again
UNAVAILABLE = "the search backend is unavailable, retry later (Elasticsearch is unreachable while "


@pytest.fixture()
def private_emulator():
    if load_settings().es_url:
        pytest.skip("stops and restarts the server: needs the noida-db emulator, not the ES_URL cluster")
    from indexer.backends.es_emulator import start_emulator

    server = start_emulator()
    try:
        yield server
    finally:
        server.stop()


def _no_trace(text: str) -> None:
    for marker in ("Traceback", 'File "', "\n"):
        assert marker not in text, f"{marker!r} in {text!r}"


def test_api_answers_503_while_elasticsearch_is_down_and_recovers_by_itself(private_emulator):
    from indexer.backends.es_emulator import restart_emulator
    from tests.es_server import TestElasticBackend, unique_prefix

    server = private_emulator
    backend = TestElasticBackend(server.settings, prefix=unique_prefix())
    try:
        search_corpus.load(backend)
        app = create_app(Settings(backend="elasticsearch", es_url=server.url), backend, search_corpus.EMBEDDER)
        client = TestClient(app, raise_server_exceptions=False)
        params = {"q": "医保基金", "size": 5}
        before = client.get("/api/search", params=params)
        assert before.status_code == 200, before.text
        ranked = [h["id"] for h in before.json()["hits"]]
        assert ranked[:3] == ["qh2025-001", "sm2024-001", "qh2023-001"]

        server.halt()
        started = time.monotonic()
        for path, query in [("/api/search", params), ("/api/measures/search", {"q": "医保"}),
                            ("/api/issues/qh2023-001", None), ("/api/issues/qh2023-001/similar", None),
                            ("/api/notices/qh2023", None), ("/api/stats", None)]:
            down = client.get(path, params=query)
            body = down.json()
            assert (down.status_code, set(body), body["ok"], body["status"]) == (
                503, {"ok", "error", "status"}, False, 503), path
            assert body["error"].startswith(UNAVAILABLE), body["error"]
            _no_trace(body["error"])
        assert time.monotonic() - started < 30  # answered, not hung on the dead connection
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()["ok"], ready.json()["status"]) == (503, False, "unavailable")
        _no_trace(ready.json()["detail"])
        page = client.get("/", params={"q": "医保基金"})
        assert page.status_code == 503
        assert "Traceback" not in page.text and "elastic_transport" not in page.text
        assert client.get("/healthz").status_code == 200  # the process itself is fine

        restart_emulator(server)
        deadline = time.monotonic() + RECOVERY_TIMEOUT
        while True:
            after = client.get("/api/search", params=params)
            if after.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert after.status_code == 200, after.text
        assert [h["id"] for h in after.json()["hits"]] == ranked
        assert client.get("/readyz").json() == {"ok": True, "status": "ready", "detail": None}
        assert client.get("/api/issues/qh2023-001").status_code == 200
    finally:
        if server.process is None:  # a failed assertion while it was down: bring it back to drop the indices
            restart_emulator(server)
        backend.close()
