"""Fuzzing (issue "Reliability and security"): schemathesis over the app's own OpenAPI schema,
in-process through its ASGI integration, on the bundled sample notices (embedded backend, hashing
embedder) with the API key, so the write endpoints are fuzzed too. A bounded run of
scripts/fuzz_api.py's :func:`fuzz`: the schema's examples, valid and invalid cases for every
operation, and valid cases on stored ids → no server error, and every answer as documented.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from indexer.child_process import free_port
from search_api.app import create_app
from search_api.settings import ApiSettings

pytestmark = pytest.mark.reliability

pytest.importorskip("schemathesis", reason="schemathesis is a test extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = 25  # per operation and pass: about a minute on two shared cores


def _fuzz(*args: str) -> tuple[int, dict]:
    """scripts/fuzz_api.py as a person runs it; (exit status, its report)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "fuzz_api.py"), "--seed", "0", "--json", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    lines = done.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("{"), done.stdout[-3000:] + done.stderr[-3000:]
    return done.returncode, json.loads(lines[-1])


def test_fuzzing_every_operation_finds_no_server_error():
    # Its own server: the sample notices, embedded backend, hashing embedder, with an API key.
    status, report = _fuzz("--max-examples", str(MAX_EXAMPLES), "--reindex-examples", "2")
    assert status == 0 and report["ok"], report
    assert report["server_errors"] == 0
    operations = report["operations"]
    assert set(operations) >= {
        "GET /api/search", "GET /api/measures/search", "GET /api/issues/{issue_id}",
        "GET /api/issues/{issue_id}/similar", "GET /api/measures/{measure_id}", "GET /api/notices/{notice_id}",
        "DELETE /api/notices/{notice_id}", "GET /api/stats", "GET /api/categories", "GET /healthz", "GET /readyz",
        "POST /api/notices", "POST /api/reindex"}
    assert report["calls"] > 300
    for label in ("GET /api/search", "GET /api/issues/{issue_id}/similar", "POST /api/reindex"):
        assert operations[label]["statuses"].get("200", 0) > 0, label  # the fuzz reached past validation


@contextmanager
def _serving(app) -> Iterator[str]:
    """The app under uvicorn in a thread of this process, on a free loopback port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "uvicorn did not start"
            thread.join(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_server_error_is_reported():
    """The harness itself: a server whose model fails answers 500 to searches, and the fuzz says so."""
    from indexer.backends.memory import MemoryBackend
    from tests import search_corpus

    class Broken(search_corpus.HashingEmbedder):
        def embed_queries(self, texts):
            raise RuntimeError("model exploded")

    backend = MemoryBackend()
    search_corpus.load(backend)
    with _serving(create_app(ApiSettings(backend="memory"), backend, Broken(64))) as url:
        status, report = _fuzz("--url", url, "--max-examples", "5")
    assert status == 1 and not report["ok"] and report["server_errors"] > 0
    assert "500" in report["operations"]["GET /api/search"]["statuses"]
    assert any("status 500" in f for f in report["operations"]["GET /api/search"]["findings"])
