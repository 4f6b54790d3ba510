"""The noida-db Elasticsearch emulator (a test dependency) in a child process, for the tests,
benchmarks and crash drills that need an Elasticsearch server when ``ES_URL`` names none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

from indexer.child_process import ServerFailed, free_port, start, stop, wait_until
from indexer.errors import ConfigError
from indexer.settings import Settings

STARTUP_TIMEOUT = 30.0  # seconds for the emulator to answer
STARTUP_ATTEMPTS = 3  # a free port can be taken between choosing and binding it


class EmulatorMissing(ConfigError):
    """The noida-db emulator is not installed (and no cluster is configured)."""


@dataclass
class EsServer:
    """An Elasticsearch server in use: the emulator this process started, or a configured cluster."""

    url: str
    label: str  # what the summary line says
    settings: Settings  # es_url and credentials for backends
    process: subprocess.Popen | None = None
    workdir: Path | None = None
    used: bool = field(default=False)

    def halt(self) -> None:
        """Stop the server process (SIGTERM: the emulator saves its data) and keep its data folder,
        so that :func:`restart_emulator` can bring it back."""
        if self.process is not None:
            stop(self.process, timeout=10)  # the wrapper and the server share one process group
        self.process = None

    def stop(self) -> None:
        self.halt()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def noida_version() -> str | None:
    """The installed noida-db version, None when it is not installed."""
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
        raise EmulatorMissing("the noida-db emulator is not installed (pip install -e '.[test]'), and ES_URL is not set")
    url = f"http://127.0.0.1:{port}"
    process = start([*command, "start", "--only", "elasticsearch", "--host", "127.0.0.1",
                     "--elasticsearch-port", str(port), "--data-dir", str(workdir / "data")],
                    log_path=workdir / "noida.log")
    server = EsServer(url=url, label=f"noida-db emulator {version} at {url}",
                      settings=Settings(backend="elasticsearch", es_url=url), process=process, workdir=workdir)
    try:
        wait_until(lambda: _answers(url), process, timeout=STARTUP_TIMEOUT, what="noida-db")
    except ServerFailed:
        return server, False
    return server, True


def start_emulator() -> EsServer:
    """Start noida-db (Elasticsearch only) on a free loopback port; raise if it never answers."""
    last_log = ""
    for _ in range(STARTUP_ATTEMPTS):
        workdir = Path(tempfile.mkdtemp(prefix="xuncha-noida-"))
        server, up = _launch(workdir, free_port())
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
