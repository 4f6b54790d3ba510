"""Search backends. See base.py for the contract; :func:`open_backend` picks one from settings.

``BACKENDS`` is the one registry: it drives dispatch, the CLI's ``--backend`` choices and the
error for an unknown name. Entries are ``"module:Class"`` strings, imported only when chosen, so
``import indexer`` never pulls in tantivy or the Elasticsearch client. Every class is built with
``cls.from_settings(settings)`` (see base.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from indexer.errors import ConfigError

if TYPE_CHECKING:
    from indexer.backends.base import Backend
    from indexer.settings import Settings

BACKENDS: dict[str, str] = {
    "memory": "indexer.backends.memory:MemoryBackend",
    "embedded": "indexer.backends.embedded:EmbeddedBackend",
    "elasticsearch": "indexer.backends.elastic:ElasticBackend",
}


def backend_class(name: str) -> type:
    """The backend class registered under ``name``, imported now. Raises ConfigError."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ConfigError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"backend {name!r} is not available ({module_name}: {exc})") from exc
    try:
        return getattr(module, class_name)
    except AttributeError as exc:
        raise ConfigError(f"backend {name!r} is not available ({target} not found)") from exc


def open_backend(settings: Settings) -> Backend:
    """Open the backend named by ``settings.backend``.

    Classes follow the ``from_settings`` convention of base.py; a class without it (the memory
    fake) is built with no arguments."""
    cls = backend_class(settings.backend)
    factory = getattr(cls, "from_settings", None)
    return factory(settings) if factory is not None else cls()
