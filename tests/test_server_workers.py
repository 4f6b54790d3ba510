"""``serve --workers N``: several processes over one port, loaded before any serves, one banner,
a dead worker replaced, connections handed back by a worker holding more searches than another
until they are split evenly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from array import array
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from indexer.backends.base import IndexInfo
from indexer.backends.memory import MemoryBackend
from scripts.load_test import SplitSampler, Workload, drive
from search_api.__main__ import cli, prepare_demo
from search_api.app import create_app
from search_api.banner import banner
from search_api.server_process import api_server, descendants
from search_api.server_workers import NOT_SERVING, BalanceConnections, worker_plan
from search_api.settings import load_api_settings
from tests import search_corpus

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """An embedded index of the bundled sample notices (hashing model: no model to load)."""
    data = tmp_path_factory.mktemp("workers") / "data"
    store, _, summary = prepare_demo(load_api_settings({}, backend="embedded", data_dir=str(data), model="hashing"),
                                     progress=False)
    store.close()
    assert summary.indexed > 0
    return data


def workers_of(server_pid: int) -> list[int]:
    """The serving worker processes under the ``serve`` process (not multiprocessing's helper)."""
    out = []
    for pid in descendants(server_pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"spawn_main" in command:
            out.append(pid)
    return out


def serve_pid(log: Path) -> int:
    """The pid of the ``serve`` process the harness started (the only python child of this test)."""
    pids = [p for p in descendants(os.getpid()) if b"search_api" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(pids) == 1, (pids, log.read_text())
    return pids[0]


def search(client: httpx.Client, url: str) -> httpx.Response:
    response = client.get(f"{url}/api/search", params={"q": "医保基金", "size": 3})
    assert response.status_code == 200, response.text
    return response


def pinned(workers: list[int]) -> bool:
    """Whether each worker is kept on a CPU of its own (setting pin_workers), on a machine with a CPU
    for each; elsewhere whether they may use every CPU this process may."""
    cpus = os.sched_getaffinity(0)
    held = [os.sched_getaffinity(pid) for pid in workers]
    if len(cpus) < len(workers):
        return all(h == cpus for h in held)
    return all(len(h) == 1 for h in held) and len(set().union(*held)) == len(workers) and set().union(*held) <= cpus


def test_two_workers_load_before_serving_print_one_banner_and_a_dead_one_is_replaced(data_dir, tmp_path):
    log = tmp_path / "server.log"
    with api_server("serve", "--workers", "2", "--backend", "embedded", "--model", "hashing", "--data",
                    str(data_dir), log_path=log, timeout=180) as url:
        server = serve_pid(log)
        workers = workers_of(server)
        assert len(workers) == 2
        assert pinned(workers)
        # the first worker to listen answers /readyz; the parent prints the banner once each worker has
        # said it listens (a report through a queue, a moment later): wait for it, not for a race
        deadline = time.monotonic() + 30
        while "xuncha-search is ready" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log.read_text()
        assert text.count("xuncha-search is ready") == 1
        assert "workers  2 processes" in text
        # ready means every worker has loaded: no request, on any new connection, finds one starting
        for _ in range(12):
            with httpx.Client() as client:
                assert search(client, url).json()["total"] > 0
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 120
        while len(set(workers_of(server)) - {workers[0]}) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(set(workers_of(server)) - {workers[0]}) == 2
        # the replacement takes the dead one's CPU, once it has started (it pins itself before loading)
        while not pinned(sorted(set(workers_of(server)) - {workers[0]})) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert pinned(sorted(set(workers_of(server)) - {workers[0]}))
        assert f"worker process {workers[0]} exited" in log.read_text()
        with httpx.Client() as client:
            search(client, url)
    assert not [p for p in descendants(os.getpid()) if p in workers]  # stopped with the server


@pytest.mark.parametrize("mine, others, closes", [
    (3, [1], True),  # two connections more than worker 1: one moves
    (3, [2, 1], True),
    (2, [1], False),  # one more: an odd total, nothing to even
    (1, [1], False),
    (1, [2], False),
    (0, [0], False),
    (3, [NOT_SERVING], False),  # the other is starting (or dead): nowhere to go
    (3, [], False),
    (None, [0], False),  # no server yet: nothing known
])
def test_an_answer_closes_its_connection_while_the_worker_holds_two_connections_more_than_another(mine, others, closes):
    app = create_app(load_api_settings({}, backend="memory"), MemoryBackend(), search_corpus.EMBEDDER)
    counts = array("i", [NOT_SERVING, *others])
    held = None if mine is None else (lambda: mine)
    with TestClient(BalanceConnections(app, counts, 0, held)) as client:
        for path in ("/healthz", "/api/search?q=医保基金"):
            response = client.get(path)
            assert response.status_code == 200
            assert (response.headers.get("connection") == "close") is closes
    assert counts[0] == (NOT_SERVING if mine is None else mine)  # published for the others


def test_a_burst_of_connections_ends_split_evenly_over_the_workers(data_dir, tmp_path):
    """Eight clients (load_test's) connect at once, then each searches in a closed loop: however the
    burst was accepted, the workers hand connections back until neither holds two more than the other,
    and then keep them (an even split is left alone)."""
    clients = 8
    with api_server("serve", "--workers", "2", "--backend", "embedded", "--model", "hashing", "--data",
                    str(data_dir), log_path=tmp_path / "server.log", timeout=180) as url:
        sampler = SplitSampler(serve_pid(tmp_path / "server.log"), int(url.rsplit(":", 1)[1]), every=0.1)
        workload = Workload({"search": 1}, [f"医保基金 整改 {i}" for i in range(5000)], [], seed=1)
        results = asyncio.run(drive(url, workload, clients=clients, warmup=3, duration=3, max_requests=None,
                                    timeout=30, headers={}, sampler=sampler))
    assert not results.errors and results.split, results
    gaps = sorted(a - b for a, b in ([*split, 0, 0][:2] for split in results.split))
    assert gaps[len(gaps) // 2] <= 1 and gaps[-1] <= 2, results.split
    assert results.connects <= 2, results.connects  # measured after 3 s: evened by then


@pytest.mark.parametrize("workers, pin, cpus, planned", [
    (2, True, [0, 1], (1, 1)),  # kept on CPU 1: one thread of work
    (2, True, [2, 5, 7], (5, 1)),
    (3, True, [0, 1], (None, 2)),  # more workers than CPUs: free, threads as set
    (2, False, [0, 1], (None, 2)),
])
def test_a_worker_kept_on_one_cpu_runs_one_thread_of_work(workers, pin, cpus, planned):
    settings = load_api_settings({}, workers=workers, pin_workers=pin, threads=2)
    cpu, runs_with = worker_plan(settings, 1, cpus)
    assert (cpu, runs_with.threads) == planned
    assert runs_with.workers == workers and runs_with.pin_workers is pin  # nothing else changes


def test_workers_may_be_left_free_to_move_between_cpus(data_dir, tmp_path):
    env = {**os.environ, "XUNCHA_PIN_WORKERS": "false"}
    with api_server("serve", "--workers", "2", "--backend", "embedded", "--model", "hashing", "--data",
                    str(data_dir), log_path=tmp_path / "server.log", env=env, timeout=180):
        workers = workers_of(serve_pid(tmp_path / "server.log"))
        assert len(workers) == 2
        assert all(os.sched_getaffinity(pid) == os.sched_getaffinity(0) for pid in workers)


@pytest.mark.parametrize("args, message", [
    (["--backend", "memory", "--workers", "2"], "the memory backend lives in one process"),
    (["--workers", "0"], "0 is not a number of processes"),
])
def test_workers_that_cannot_serve_are_refused(tmp_path, args, message):
    result = CliRunner().invoke(cli, ["serve", "--data", str(tmp_path / "data"), "--model", "hashing", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_the_setting_is_read_from_the_environment_and_shown_in_the_banner():
    assert load_api_settings({}).workers == 1
    settings = load_api_settings({"XUNCHA_WORKERS": "3"})
    info = IndexInfo("embedded", "/srv/data", "m", 8, "d1", 3, notices=1, issues=2, measures=3)
    assert settings.workers == 3
    assert "workers  3 processes" in banner(settings, info)
    assert "workers" not in banner(load_api_settings({}), info)
