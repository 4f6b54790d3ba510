"""Shared fixtures. ``backend`` runs a test against every backend in BACKEND_FACTORIES; the
Elasticsearch factory is marked ``elasticsearch`` (emulator unless ES_URL is set)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.backends.memory import MemoryBackend

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SEEDS_MISSING = f"the shared seeds folder {SEEDS} is absent: seed comparisons need ../shared/seeds beside the project root"


def make_memory_backend(tmp_path: Path) -> MemoryBackend:
    return MemoryBackend()


# name -> (factory(tmp_path) -> Backend, pytest marks). Other backends register themselves here.
BACKEND_FACTORIES: dict[str, tuple[Callable, tuple]] = {
    "memory": (make_memory_backend, ()),
}


def make_embedded_backend(tmp_path: Path):
    from indexer.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(tmp_path / "data", threads=1)


BACKEND_FACTORIES["embedded"] = (make_embedded_backend, ())

# Elasticsearch: the noida-db emulator (or ES_URL's cluster), one per session; a fresh index
# prefix per test. tests/es_server.py is a plugin: it starts the server and says which one ran.
pytest_plugins = ("tests.es_server",)


def make_elastic_backend(tmp_path: Path):
    from tests.es_server import make_elastic_backend as make

    return make(tmp_path)


BACKEND_FACTORIES["elasticsearch"] = (make_elastic_backend, (pytest.mark.elasticsearch,))


def _backend_params() -> list:
    return [pytest.param(name, marks=marks, id=name) for name, (_, marks) in BACKEND_FACTORIES.items()]


@pytest.fixture(params=_backend_params())
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    factory, _ = BACKEND_FACTORIES[request.param]
    instance = factory(tmp_path)
    try:
        yield instance
    finally:
        instance.close()
