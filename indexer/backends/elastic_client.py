"""Talking to Elasticsearch: client options from the settings, the server check, bulk parameters,
and the client's exceptions translated into ours where they enter (cause kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import elasticsearch
from elasticsearch import ApiError, Elasticsearch, NotFoundError, SerializationError, TransportError

from indexer.errors import BackendError, BackendUnavailable, ConfigError
from indexer.settings import Settings

CLIENT_VERSION: str = elasticsearch.__versionstr__
CLIENT_MAJOR = int(CLIENT_VERSION.split(".")[0])


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkParams:
    """How bulk writes are chunked and retried (``helpers.streaming_bulk``)."""

    chunk_size: int = 1000  # documents per request (≈ 2–4 MB with 384-d vectors)
    max_chunk_bytes: int = 10 * 1024 * 1024
    max_retries: int = 5  # per rejected (429) document or request
    initial_backoff: float = 1.0  # seconds; doubled on each retry
    max_backoff: float = 60.0


DEFAULT_BULK = BulkParams()


class IndexMissing(BackendError):
    """The alias or index does not exist (yet): readers answer as for an empty index."""


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of :class:`elasticsearch.Elasticsearch` from the settings.

    >>> client_options(Settings(es_url="https://es:9200", es_api_key="k"))["api_key"]
    'k'
    """
    if not settings.es_url:
        raise ConfigError("the elasticsearch backend needs ES_URL (e.g. ES_URL=http://127.0.0.1:9200)")
    if settings.es_api_key and settings.es_username:
        raise ConfigError("set either ES_API_KEY or ES_USERNAME/ES_PASSWORD, not both")
    options: dict[str, Any] = {
        "hosts": [settings.es_url],
        "request_timeout": 30,
        "max_retries": 3,  # connection errors and 502/503/504, before we see them
        "retry_on_timeout": True,
    }
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key
    elif settings.es_username:
        options["basic_auth"] = (settings.es_username, settings.es_password or "")
    if settings.es_ca_certs:
        options["ca_certs"] = settings.es_ca_certs
    return options


def public_url(url: str) -> str:
    """The URL without credentials, for messages and ``info().location``.

    >>> public_url("https://elastic:secret@es.example:9200")
    'https://es.example:9200'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def reason_of(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or exc.message)


def _is_missing_index(exc: ApiError) -> bool:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return isinstance(exc, NotFoundError) and isinstance(error, dict) and error.get("type") == "index_not_found_exception"


@contextmanager
def translate(doing: str) -> Iterator[None]:
    """Turn client exceptions into ours, keeping the cause (``raise … from exc``)."""
    try:
        yield
    except elasticsearch.ConnectionError as exc:  # includes ConnectionTimeout
        raise BackendUnavailable(f"Elasticsearch is unreachable while {doing}: {exc}") from exc
    except ApiError as exc:
        if _is_missing_index(exc):
            raise IndexMissing(f"no index while {doing}: {reason_of(exc)}") from exc
        if exc.status_code in (429, 503):
            raise BackendUnavailable(f"Elasticsearch is overloaded while {doing} ({exc.status_code}): "
                                     f"{reason_of(exc)}; retry later") from exc
        raise BackendError(f"Elasticsearch refused {doing} ({exc.status_code}): {reason_of(exc)}") from exc
    except (TransportError, SerializationError) as exc:
        raise BackendError(f"Elasticsearch failed while {doing}: {exc}") from exc



def check_server(client: Elasticsearch, url: str) -> tuple[tuple[int, ...], str]:
    """The server's version and a label; refuses a server of another major version."""
    try:
        with translate(f"connecting to {url}"):
            info = client.info()
    except BackendError as exc:
        if isinstance(exc.__cause__, elasticsearch.UnsupportedProductError):
            raise BackendError(f"the server at {url} is not Elasticsearch {CLIENT_MAJOR}.x: "
                               f"{exc.__cause__}") from exc.__cause__
        raise
    number = str(info["version"]["number"])
    version = tuple(int(p) for p in re.findall(r"\d+", number)[:3])
    if not version or version[0] != CLIENT_MAJOR:
        raise BackendError(
            f"Elasticsearch at {url} is version {number}, but this program uses the "
            f"elasticsearch-py {CLIENT_VERSION} client, which needs a {CLIENT_MAJOR}.x server; "
            f"run an Elasticsearch {CLIENT_MAJOR}.x cluster (see deploy/docker-compose.elasticsearch.yml)"
        )
    if info["version"].get("build_hash") == "noida" or info.get("cluster_uuid") == "noida-local":
        label = f"noida-db emulator (Elasticsearch {number} API)"
    else:
        label = f"Elasticsearch {number}"
    return version, label
