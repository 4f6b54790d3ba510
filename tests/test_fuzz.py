"""Fuzzing (issue "Reliability and security"): schemathesis over the app's own OpenAPI schema,
in-process through its ASGI integration, on the bundled sample notices (embedded backend, hashing
embedder) with the API key, so the write endpoints are fuzzed too. A bounded run of
scripts/fuzz_api.py's :func:`fuzz`: the schema's examples, valid and invalid cases for every
operation, and valid cases on stored ids → no server error, and every answer as documented.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.settings import ApiSettings

pytestmark = pytest.mark.reliability

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a test extra: pip install -e '.[test]'")

KEY = "fuzz-key"
MAX_EXAMPLES = 25  # per operation and pass: about 30 s on two shared cores


def _load_script():
    from scripts import fuzz_api

    return fuzz_api


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory):
    from search_api.__main__ import SAMPLES, prepare_demo

    settings = ApiSettings(backend="embedded", model="hashing", api_key=KEY,
                        data_dir=str(tmp_path_factory.mktemp("fuzz") / "data"))
    store, embedder, _ = prepare_demo(settings, SAMPLES, progress=False)
    yield create_app(settings, store, embedder)
    store.close()


def test_fuzzing_every_operation_finds_no_server_error(sample_app):
    fuzz_api = _load_script()
    client = TestClient(sample_app)
    known = fuzz_api.discover_ids(lambda path, params: client.get(path, params=params).json())
    assert set(known) == {"issue_id", "measure_id", "notice_id"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", sample_app)
    report = fuzz_api.fuzz(schema, max_examples=MAX_EXAMPLES, headers={"X-API-Key": KEY}, seed=0,
                           limits={"POST /api/reindex": 2}, known_ids=known)
    print(report.summary())
    assert report.ok, report.summary()
    assert report.server_errors == 0
    operations = {o.label: o for o in report.operations}
    assert set(operations) == {
        "GET /api/search", "GET /api/measures/search", "GET /api/issues/{issue_id}",
        "GET /api/issues/{issue_id}/similar", "GET /api/measures/{measure_id}", "GET /api/notices/{notice_id}",
        "DELETE /api/notices/{notice_id}", "GET /api/stats", "GET /api/categories", "GET /healthz", "GET /readyz",
        "POST /api/notices", "POST /api/reindex"}
    assert report.calls > 300
    for label in ("GET /api/search", "GET /api/issues/{issue_id}/similar", "POST /api/reindex"):
        assert operations[label].statuses[200] > 0, label  # the fuzz reached past validation


def test_a_server_error_is_reported():
    """The harness itself: an app whose model fails answers 500 to searches, and the fuzz says so."""
    from indexer.backends.memory import MemoryBackend
    from tests import search_corpus

    class Broken(search_corpus.HashingEmbedder):
        def embed_queries(self, texts):
            raise RuntimeError("model exploded")

    backend = MemoryBackend()
    search_corpus.load(backend)
    app = create_app(ApiSettings(backend="memory"), backend, Broken(64))
    fuzz_api = _load_script()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    report = fuzz_api.fuzz(schema, max_examples=5, seed=0)
    assert not report.ok and report.server_errors > 0
    assert {f.operation for f in report.findings if f.status == 500} >= {"GET /api/search"}
    assert "FAILURES" in report.summary()
