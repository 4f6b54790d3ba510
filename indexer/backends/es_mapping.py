"""Elasticsearch index bodies (settings + mappings), generated from :mod:`indexer.fields`.

Three indices per namespace: ``issues`` and ``measures`` (the two search targets, one property
per field of ``FIELDS``) and ``notices`` (the notice-level records with their original text, so
a reindex needs no source files). ``KIND_MAPPINGS`` translates each field kind once:

    >>> KIND_MAPPINGS[Kind.TOKENS](Field("problem_tokens", Kind.TOKENS, "…"), 384)
    {'type': 'text', 'analyzer': 'whitespace'}

Tokens arrive pre-tokenised by jieba (space-joined), so the built-in ``whitespace`` analyzer is
all the server needs: no IK or smartcn plugin. Vectors are ``dense_vector`` with cosine
similarity and ``int8_hnsw`` set explicitly. ``_meta`` records what the index was built with;
the backend refuses an index whose model, dictionary or versions differ.

The committed files in ``mappings/`` are these bodies for the default model, written by
``scripts/gen_mappings.py``; tests/test_mappings.py checks they are up to date.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from indexer.fields import FIELDS, SCHEMA_VERSION, Field, Kind, notice_level_fields
from indexer.types import Target

# Bump when the translation below changes (analyzer, index options, settings) without a change
# of the field list: an index of another mapping version is refused until it is rebuilt.
MAPPING_VERSION = 1

NOTICES = "notices"
COLLECTIONS: tuple[str, ...] = (Target.ISSUES.value, Target.MEASURES.value, NOTICES)

# The values written to the committed example files in mappings/ (the default model).
EXAMPLE_MODEL_ID = "e5-small"
EXAMPLE_DIMS = 384

TOKENS_ANALYZER = "whitespace"
DATE_FORMAT = "strict_date_optional_time"  # "2024", "2024-03", "2024-03-12", "2024-03-12T08:00"
VECTOR_INDEX_OPTIONS: dict[str, Any] = {"type": "int8_hnsw", "m": 16, "ef_construction": 100}

# One shard: BM25 statistics are then exact (no dfs round trip needed) and the corpus is small
# (tens of thousands of issues). Replicas 0 suits one node; a bigger cluster can raise it
# (a rebuild keeps the live index's value).
INDEX_SETTINGS: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}
# While a full rebuild writes into a fresh index nobody reads yet.
REBUILD_SETTINGS: dict[str, Any] = {"number_of_replicas": 0, "refresh_interval": "-1"}

# Internal field of the notices index: when the record was stored (epoch ms), so the newest
# notice of a source wins. Stripped from what the backend returns.
STORED_AT = "stored_at"


def _tokens(field: Field, dims: int) -> dict[str, Any]:
    return {"type": "text", "analyzer": TOKENS_ANALYZER}


def _vector(field: Field, dims: int) -> dict[str, Any]:
    return {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine",
            "index_options": dict(VECTOR_INDEX_OPTIONS)}


KIND_MAPPINGS: dict[Kind, Callable[[Field, int], dict[str, Any]]] = {
    Kind.KEYWORD: lambda f, dims: {"type": "keyword"},
    Kind.TOKENS: _tokens,
    Kind.BIGRAMS: _tokens,  # character bigrams, space-joined like the word tokens
    # Original text, kept in _source for display; highlighting is done by our search core.
    Kind.DISPLAY: lambda f, dims: {"type": "text", "index": False},
    Kind.INTEGER: lambda f, dims: {"type": "integer"},
    # A malformed date (the parser's job) must not cost the whole issue: it is kept in _source
    # and left out of the date index.
    Kind.DATE: lambda f, dims: {"type": "date", "format": DATE_FORMAT, "ignore_malformed": True},
    Kind.VECTOR: _vector,
    # Any JSON value (lists, objects), kept in _source and not parsed.
    Kind.STORED: lambda f, dims: {"type": "object", "enabled": False},
}

# Kinds a filter or a facet may name (keyword and numeric doc values; never text fields).
FILTERABLE_KINDS = frozenset({Kind.KEYWORD, Kind.INTEGER, Kind.DATE})
FACETABLE_KINDS = frozenset({Kind.KEYWORD, Kind.INTEGER})


def _properties(fields: tuple[Field, ...], dims: int) -> dict[str, Any]:
    return {f.name: KIND_MAPPINGS[f.kind](f, dims) for f in fields}


def notice_properties() -> dict[str, Any]:
    """The notices index: the notice metadata of :mod:`indexer.fields`, plus what lookups need.

    Everything else in a notice record (quality report, stated totals, text, original text) is
    kept in ``_source`` only (``dynamic: false``)."""
    props = _properties(notice_level_fields(), 0)
    props["source"] = {"type": "keyword"}  # notice_id_for_source() looks it up
    props["issue_ids"] = {"type": "keyword"}
    props["text"] = {"type": "text", "index": False}
    props["original_text"] = {"type": "text", "index": False}
    props[STORED_AT] = {"type": "date", "format": "epoch_millis"}
    return props


def meta(collection: str, *, model_id: str | None, dims: int, dictionary_version: str | None) -> dict[str, Any]:
    """The ``_meta`` of an index: what it was built with."""
    return {
        "collection": collection,
        "mapping_version": MAPPING_VERSION,
        "schema_version": SCHEMA_VERSION,
        "model_id": model_id,
        "dims": dims,
        "dictionary_version": dictionary_version,
        "generated_by": "indexer/backends/es_mapping.py",
    }


def index_body(collection: str, *, model_id: str | None, dims: int,
               dictionary_version: str | None) -> dict[str, Any]:
    """The body of a create-index request (``settings`` and ``mappings``) for one collection."""
    if collection == NOTICES:
        properties = notice_properties()
    else:
        properties = _properties(FIELDS[Target(collection)], dims)
    return {
        "settings": {"index": dict(INDEX_SETTINGS)},
        "mappings": {
            "_meta": meta(collection, model_id=model_id, dims=dims, dictionary_version=dictionary_version),
            # Extra keys of a record (section_label, quality, …) stay in _source, unindexed.
            "dynamic": False,
            "properties": properties,
        },
    }


def example_bodies() -> dict[str, dict[str, Any]]:
    """The bodies written to ``mappings/<collection>.json``: the default model, no dictionary yet
    (the backend fills ``_meta`` from the configuration when it creates an index)."""
    return {c: index_body(c, model_id=EXAMPLE_MODEL_ID, dims=EXAMPLE_DIMS, dictionary_version=None)
            for c in COLLECTIONS}


def example_files() -> dict[str, str]:
    """File name in ``mappings/`` → the JSON text it holds (what ``scripts/gen_mappings.py`` writes)."""
    return {f"{collection}.json": json.dumps(body, ensure_ascii=False, indent=2) + "\n"
            for collection, body in example_bodies().items()}


def field_kind(collection: str, name: str) -> Kind | None:
    """The kind of a field of a search target, or None if it has no such field."""
    for f in FIELDS[Target(collection)]:
        if f.name == name:
            return f.kind
    return None
