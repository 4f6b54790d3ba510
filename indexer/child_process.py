"""Servers run as child processes (the API, the Elasticsearch emulator): a free loopback port,
waiting until the server answers, stopping it with its process group.

Used by the test suite and by the scripts alike, so that neither imports the other.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from contextlib import suppress

from indexer.errors import XunchaError


class ServerFailed(XunchaError):
    """A child server exited or did not answer in time; the message ends with its log's tail."""


def free_port() -> int:
    """A loopback port free right now (another process may take it before it is bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: list[str], *, log_path: str | os.PathLike[str], env: dict[str, str] | None = None,
          cwd: str | os.PathLike[str] | None = None) -> subprocess.Popen:
    """Start ``command`` in a new session (its own process group), output appended to ``log_path``."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, *, timeout: float, what: str,
               log_path: str | os.PathLike[str] | None = None) -> None:
    """Poll ``ready()`` until it is true; ServerFailed if the process exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise ServerFailed(f"{what} exited with status {process.returncode}{_tail(log_path)}")
        if time.monotonic() > deadline:
            raise ServerFailed(f"{what} did not answer within {timeout:g} s{_tail(log_path)}")
        time.sleep(0.2)


def stop(process: subprocess.Popen, *, first: signal.Signals = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Stop the process group: ``first`` (SIGINT lets uvicorn shut down cleanly), SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, first)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _tail(log_path: str | os.PathLike[str] | None, chars: int = 3000) -> str:
    if log_path is None:
        return ""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as fh:
            return ":\n" + fh.read()[-chars:]
    except OSError:
        return ""
