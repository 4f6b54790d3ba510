"""scripts/load_test.py against a real server of two workers: its small HTTP client keeps its
connections alive and reconnects when a worker closes one (to even the split), without an error; it
reports the clients' own CPU time per request (they share the cores with the server) and the
connections they opened; and how a server's connections are split over its processes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from search_api.__main__ import prepare_demo
from search_api.server_process import api_server
from search_api.settings import load_api_settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the server harness reads /proc")


def test_a_short_run_reports_requests_and_the_clients_cpu_per_request(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    store, _, summary = prepare_demo(load_api_settings({}, backend="embedded", data_dir=str(data), model="hashing"),
                                     progress=False)
    store.close()
    assert summary.indexed > 0
    from scripts import load_test

    enough = 130
    with api_server("serve", "--workers", "2", "--backend", "embedded", "--model", "hashing", "--data", str(data),
                    log_path=tmp_path / "server.log", timeout=180) as url:
        status = load_test.main(["--url", url, "--clients", "2", "--warmup", "0.2", "--duration", "60",
                                 "--max-requests", str(enough), "--mix", "search=1,measure=1", "--target-p99", "60000"])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert status == 0 and result["errors"] == 0
    assert result["requests"] == enough
    assert result["client_cpu_ms_per_request"] > 0
    assert any(line.startswith("clients (this process") for line in lines)
    assert "server_cpu_ms_per_request" not in result  # a server it did not start: its CPU is not known


def test_the_split_of_connections_is_summed_up_most_first_with_the_most_uneven_sample() -> None:
    from scripts.load_test import split_summary

    summary = split_summary([[9, 7], [8, 8], [16], [10, 6]], processes=2)
    assert summary == {"connection_split": [10.8, 5.2], "worst_split": [16, 0], "split_samples": 4}
    assert split_summary([], processes=2) == {}


def test_the_client_reconnects_each_time_a_worker_hands_its_connection_back(tmp_path: Path, capsys) -> None:
    """A worker that holds more searches than another closes every connection it answers: the
    clients reconnect for each request, without an error, and count it."""
    import threading
    from array import array

    import uvicorn

    from indexer.backends.memory import MemoryBackend
    from indexer.child_process import free_port
    from scripts import load_test
    from search_api.app import create_app
    from search_api.server_workers import BalanceConnections
    from tests import search_corpus

    app = create_app(load_api_settings({}, backend="memory"), MemoryBackend(), search_corpus.EMBEDDER)
    search_corpus.load(app.state.search.service().backend)
    port = free_port()
    crowded = BalanceConnections(app, array("i", [0, 0]), 0, lambda: 2)  # worker 0 holds two connections more, always
    server = uvicorn.Server(uvicorn.Config(crowded, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            thread.join(0.05)
        status = load_test.main(["--url", f"http://127.0.0.1:{port}", "--clients", "2", "--warmup", "0",
                                 "--duration", "60", "--max-requests", "40", "--mix", "search=1,measure=1",
                                 "--target-p99", "60000"])
    finally:
        server.should_exit = True
        thread.join(10)
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0 and result["errors"] == 0 and result["requests"] == 40
    assert result["connects"] == 40
