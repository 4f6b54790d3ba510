"""scripts/load_test.py against a real server of two workers: its small HTTP client keeps its
connections alive and reconnects when a worker closes one (every RECYCLE_EVERY answers), without
an error; it reports the clients' own CPU time per request (they share the cores with the server)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from search_api.__main__ import prepare_demo
from search_api.server_process import api_server
from search_api.server_workers import RECYCLE_EVERY
from search_api.settings import load_api_settings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the server harness reads /proc")


def test_a_short_run_reports_requests_and_the_clients_cpu_per_request(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    store, _, summary = prepare_demo(load_api_settings({}, backend="embedded", data_dir=str(data), model="hashing"),
                                     progress=False)
    store.close()
    assert summary.indexed > 0
    from scripts import load_test

    enough = 3 * RECYCLE_EVERY * 2 + 10  # each of the two connections closed by the server and reopened, 3 times
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
