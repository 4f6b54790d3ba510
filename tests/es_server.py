"""The Elasticsearch server the ``elasticsearch``-marked tests run against.

With ``ES_URL`` set (and ``ES_API_KEY`` / ``ES_USERNAME`` / ``ES_PASSWORD`` / ``ES_CA_CERTS`` as
needed, read through :func:`indexer.settings.load_settings`) the tests use that cluster.
Otherwise the ``noida-db`` emulator (a pinned test dependency) is started once per session on a
free loopback port with a throw-away data folder, and stopped when the session ends.

Each backend the tests make gets its own index prefix, and drops its indices when closed, so
tests never see each other's data. This module is a pytest plugin (``pytest_plugins`` in
conftest.py): it prints which server ran at the end of the session.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

import pytest

from indexer.backends.elastic import ElasticBackend
from indexer.settings import Settings, load_settings

STARTUP_TIMEOUT = 30.0  # seconds for the emulator to answer
STARTUP_ATTEMPTS = 3  # a free port can be taken between choosing and binding it


@dataclass
class EsServer:
    url: str
    label: str  # what the summary line says
    settings: Settings  # es_url and credentials for backends
    process: subprocess.Popen | None = None
    workdir: Path | None = None
    used: bool = field(default=False)

    def halt(self) -> None:
        """Stop the server process (SIGTERM: the emulator saves its data) and keep its data folder,
        so that :func:`restart_emulator` can bring it back."""
        if self.process is not None and self.process.poll() is None:
            # The wrapper and the server share the process group we created for them.
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def stop(self) -> None:
        self.halt()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


_SERVER: EsServer | None = None


def noida_version() -> str | None:
    try:
        return metadata.version("noida-db")
    except metadata.PackageNotFoundError:
        return None


def _noida_command() -> list[str] | None:
    """The emulator binary shipped in the noida-db wheel, else its ``noida-db`` entry point."""
    try:
        binary = resources.files("noida_db").joinpath("noida-db")
        if binary.is_file():
            path = Path(str(binary))
            if not os.access(path, os.X_OK):
                path.chmod(0o755)
            return [str(path)]
    except ModuleNotFoundError:
        pass
    script = shutil.which("noida-db", path=str(Path(sys.executable).parent)) or shutil.which("noida-db")
    return [script] if script else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback only
            return resp.status == 200
    except OSError:
        return False


def _launch(workdir: Path, port: int) -> tuple[EsServer, bool]:
    """Run the emulator on ``port`` with its data in ``workdir``; (server, whether it answers)."""
    command = _noida_command()
    version = noida_version()
    if command is None or version is None:
        pytest.skip("the noida-db emulator is not installed (pip install -e '.[test]'), and ES_URL is not set")
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "noida.log").open("ab")
    process = subprocess.Popen(
        [*command, "start", "--only", "elasticsearch", "--host", "127.0.0.1",
         "--elasticsearch-port", str(port), "--data-dir", str(workdir / "data")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    log.close()
    server = EsServer(url=url, label=f"noida-db emulator {version} at {url}",
                      settings=Settings(backend="elasticsearch", es_url=url), process=process, workdir=workdir)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if _answers(url):
            return server, True
        time.sleep(0.1)
    return server, False


def start_emulator() -> EsServer:
    """Start noida-db (Elasticsearch only) on a free loopback port; raise if it never answers."""
    last_log = ""
    for _ in range(STARTUP_ATTEMPTS):
        workdir = Path(tempfile.mkdtemp(prefix="xuncha-noida-"))
        server, up = _launch(workdir, _free_port())
        if up:
            return server
        last_log = (workdir / "noida.log").read_text("utf-8", "replace")[-2000:]
        server.stop()
    raise RuntimeError(f"noida-db did not start on a loopback port after {STARTUP_ATTEMPTS} attempts:\n{last_log}")


def restart_emulator(server: EsServer) -> EsServer:
    """Start a halted emulator again on the same port and data folder (its indices come back)."""
    assert server.process is None and server.workdir is not None, "halt() the server first"
    port = int(server.url.rsplit(":", 1)[1])
    restarted, up = _launch(server.workdir, port)
    if not up:
        last_log = (server.workdir / "noida.log").read_text("utf-8", "replace")[-2000:]
        restarted.stop()
        raise RuntimeError(f"noida-db did not start again on port {port}:\n{last_log}")
    server.process = restarted.process
    return server


def get_server() -> EsServer:
    """The session's server, started on first use."""
    global _SERVER
    if _SERVER is None:
        configured = load_settings()
        if configured.es_url:
            from indexer.backends.elastic_client import public_url

            _SERVER = EsServer(url=configured.es_url, label=f"real cluster at {public_url(configured.es_url)}",
                               settings=configured.with_overrides(backend="elasticsearch"))
        else:
            _SERVER = start_emulator()
            atexit.register(_SERVER.stop)
    _SERVER.used = True
    return _SERVER


class TestElasticBackend(ElasticBackend):
    """An ElasticBackend in its own namespace, dropped on close."""

    __test__ = False  # not a test class, despite the name

    def close(self) -> None:
        try:
            self.drop()
        finally:
            super().close()


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def make_elastic_backend(tmp_path: Path | None = None, **kwargs) -> TestElasticBackend:
    """A backend on the session's server with a fresh index prefix (the contract-suite factory)."""
    server = get_server()
    return TestElasticBackend(server.settings, prefix=kwargs.pop("prefix", None) or unique_prefix(), **kwargs)


@pytest.fixture(scope="session")
def es_server() -> EsServer:
    return get_server()


def pytest_report_header(config: pytest.Config) -> str:
    configured = load_settings()
    if configured.es_url:
        from indexer.backends.elastic_client import public_url

        return f"elasticsearch tests: real cluster at {public_url(configured.es_url)} (ES_URL)"
    return f"elasticsearch tests: noida-db emulator {noida_version() or '(not installed)'}, started on first use"


def pytest_terminal_summary(terminalreporter) -> None:
    if _SERVER is not None and _SERVER.used:
        terminalreporter.write_line(f"elasticsearch tests ran against: {_SERVER.label}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Runs before the terminal summary: the process stops here, its label is still printed.
    if _SERVER is not None:
        _SERVER.stop()
