"""The API server as a child process: ``python -m search_api …`` on a free loopback port, waited for
until ``/readyz`` answers, stopped with SIGINT. Shared by the tests and the scripts (browser tests,
API fuzzing, benchmarks, the load test).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from indexer.child_process import ServerFailed, free_port, start, stop, wait_until

ROOT = Path(__file__).resolve().parent.parent  # the project folder: ``python -m search_api`` runs from it
START_TIMEOUT = 600.0  # seconds: ingesting the samples or loading a large index comes first


def api_command(*args: str, port: int, host: str = "127.0.0.1") -> list[str]:
    """``python -m search_api ARGS --host HOST --port PORT`` with this interpreter."""
    return [sys.executable, "-m", "search_api", *args, "--host", host, "--port", str(port)]


def is_ready(url: str) -> bool:
    """Whether the server at ``url`` answers ``/readyz`` with 200; ServerFailed if it says it failed."""
    try:
        response = httpx.get(f"{url}/readyz", timeout=5)
    except httpx.HTTPError:
        return False  # not listening yet
    if response.status_code == 200:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    if isinstance(body, dict) and body.get("status") == "failed":
        raise ServerFailed(f"the server at {url} failed to load: {body.get('detail')}")
    return False


@contextmanager
def api_server(*args: str, log_path: str | os.PathLike[str], env: Mapping[str, str] | None = None,
               timeout: float = START_TIMEOUT) -> Iterator[str]:
    """Run ``python -m search_api ARGS`` on a free loopback port until the block ends; yields its URL.

    ``env`` replaces the environment (default: this process's). Raises ServerFailed, with the tail
    of the server's log, when it exits or is not ready within ``timeout`` seconds."""
    with running_server(*args, log_path=log_path, env=env, timeout=timeout) as (url, _):
        yield url


@contextmanager
def running_server(*args: str, log_path: str | os.PathLike[str], env: Mapping[str, str] | None = None,
                   timeout: float = START_TIMEOUT) -> Iterator[tuple[str, subprocess.Popen]]:
    """:func:`api_server`, yielding the process too (benchmarks read its CPU time: :func:`cpu_seconds`)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(api_command(*args, port=port), log_path=log_path, cwd=ROOT,
                    env=dict(env) if env is not None else None)
    try:
        wait_until(lambda: is_ready(url), process, timeout=timeout, log_path=log_path,
                   what=f"the API server (python -m search_api {' '.join(args)})")
        yield url, process
    finally:
        stop(process, first=signal.SIGINT, timeout=30)


def memory_mib(pid: int) -> dict[str, float] | None:
    """Resident memory of a process now and at its peak (VmRSS, VmHWM), in MiB, from /proc; None
    elsewhere. Benchmarks print it beside their latencies. ``anon`` and ``file`` split ``rss``:
    file-backed pages (a memory-mapped table) are shared and reclaimable, anonymous ones are not."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    keys = {"VmRSS": "rss", "VmHWM": "peak", "RssAnon": "anon", "RssFile": "file"}
    values = {keys[k]: int(v.split()[0]) / 1024 for k, _, v in (line.partition(":") for line in lines) if k in keys}
    return {name: round(values.get(name, 0.0), 1) for name in keys.values()}


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), None when unreadable."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by those, from /proc (empty elsewhere)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += children
    return out


def cpu_seconds(pid: int, *, with_children: bool = False) -> float | None:
    """User + system CPU seconds a process has used (all its threads), from /proc; None elsewhere.
    On a shared machine the server's CPU per request is the steady figure, its wall time is not.
    ``with_children``: its running descendants' too (``serve --workers N``: the workers answer)."""
    fields = _stat(pid)
    if fields is None:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) or 0.0 for child in descendants(pid)) if with_children else own
