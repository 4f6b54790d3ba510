"""The Elasticsearch server the ``elasticsearch``-marked tests run against.

With ``ES_URL`` set (and ``ES_API_KEY`` / ``ES_USERNAME`` / ``ES_PASSWORD`` / ``ES_CA_CERTS`` as
needed, read through :func:`indexer.settings.load_settings`) the tests use that cluster.
Otherwise the ``noida-db`` emulator (a pinned test dependency) is started once per session on a
free loopback port with a throw-away data folder (:mod:`indexer.backends.es_emulator`), and
stopped when the session ends.

Each backend the tests make gets its own index prefix, and drops its indices when closed, so
tests never see each other's data. This module is a pytest plugin (``pytest_plugins`` in
conftest.py): it prints which server ran at the end of the session.
"""

from __future__ import annotations

import atexit
import uuid
from pathlib import Path

import pytest

from indexer.backends.elastic import ElasticBackend
from indexer.backends.elastic_client import public_url
from indexer.backends.es_emulator import EmulatorMissing, EsServer, noida_version, start_emulator
from indexer.settings import load_settings

_SERVER: EsServer | None = None


def get_server() -> EsServer:
    """The session's server, started on first use."""
    global _SERVER
    if _SERVER is None:
        configured = load_settings()
        if configured.es_url:
            _SERVER = EsServer(url=configured.es_url, label=f"real cluster at {public_url(configured.es_url)}",
                               settings=configured.with_overrides(backend="elasticsearch"))
        else:
            try:
                _SERVER = start_emulator()
            except EmulatorMissing as exc:
                pytest.skip(str(exc))
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
        return f"elasticsearch tests: real cluster at {public_url(configured.es_url)} (ES_URL)"
    return f"elasticsearch tests: noida-db emulator {noida_version() or '(not installed)'}, started on first use"


def pytest_terminal_summary(terminalreporter) -> None:
    if _SERVER is not None and _SERVER.used:
        terminalreporter.write_line(f"elasticsearch tests ran against: {_SERVER.label}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Runs before the terminal summary: the process stops here, its label is still printed.
    if _SERVER is not None:
        _SERVER.stop()
