"""Whole-index reads and derived data of the Elasticsearch backend (``Backend.scan``,
``put_derived``, ``get_derived``).

``scan`` pages through a collection's alias with ``search_after`` on ``id``. Derived data (problem
families) lives in one small index ``<prefix>-derived``, a document per name holding the data
(base64, not indexed) and the issues index it was computed for: after a rebuild moves the alias,
that index is another one, so the old data reads as absent.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch, NotFoundError

from indexer.backends.elastic_client import IndexMissing, translate
from indexer.errors import BackendError
from indexer.types import Document, Target

DERIVED = "derived"  # index <prefix>-derived
_MAPPINGS = {"properties": {"generation": {"type": "keyword"}, "data": {"type": "text", "index": False}}}


def derived_index(prefix: str) -> str:
    return f"{prefix}-{DERIVED}"


def scan(search: Callable[[str, Mapping[str, Any], str], dict[str, Any] | None], target: Target,
         fields: Sequence[str], *, vectors: bool, batch: int) -> Iterator[tuple[list[Document], np.ndarray | None]]:
    """``search(collection, body, doing)`` is the backend's search call (None when there is no index)."""
    collection = Target(target).value
    wanted = list(dict.fromkeys(("id", *fields, *(["vector"] if vectors else []))))
    after: list[Any] | None = None
    dims = 0
    while True:
        body: dict[str, Any] = {"query": {"match_all": {}}, "size": max(1, batch), "sort": [{"id": "asc"}],
                                "track_total_hits": False, "_source": {"includes": wanted}}
        if after is not None:
            body["search_after"] = after
        resp = search(collection, body, f"reading {collection}")
        hits = resp["hits"]["hits"] if resp else []
        if not hits:
            return
        sources = [h["_source"] for h in hits]
        matrix = None
        if vectors:
            dims = dims or next((len(s["vector"]) for s in sources if s.get("vector")), 0)
            matrix = np.zeros((len(sources), dims), dtype=np.float32)
            for row, source in enumerate(sources):
                if source.get("vector"):
                    matrix[row] = source["vector"]
        yield [{k: s[k] for k in ("id", *fields) if k in s} for s in sources], matrix
        if len(hits) < batch:
            return
        after = hits[-1]["sort"]


def put(client: Elasticsearch, prefix: str, generation: str | None, name: str, data: bytes) -> None:
    index = derived_index(prefix)
    with translate("storing derived data"):
        if not client.indices.exists(index=index):
            client.indices.create(index=index, mappings=_MAPPINGS)
        client.index(index=index, id=name, refresh=True,
                     document={"generation": generation, "data": base64.b64encode(data).decode("ascii")})


def get(client: Elasticsearch, prefix: str, generation: str | None, name: str) -> bytes | None:
    try:
        with translate("reading derived data"):
            source = client.get(index=derived_index(prefix), id=name)["_source"]
    except IndexMissing:
        return None
    except BackendError as exc:
        if isinstance(exc.__cause__, NotFoundError):  # nothing stored under this name
            return None
        raise
    if source.get("generation") != generation:  # computed for an index since rebuilt
        return None
    return base64.b64decode(source["data"])
