"""The committed Elasticsearch mappings (mappings/*.json) are what the code generates from the one
field list (indexer/fields.py), and that translation says what the issue asks for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.backends.es_mapping import (
    COLLECTIONS,
    EXAMPLE_DIMS,
    MAPPING_VERSION,
    NOTICES,
    example_bodies,
    example_files,
    index_body,
)
from indexer.fields import FIELDS, SCHEMA_VERSION, Kind, facet_fields, fields_of
from indexer.types import Target

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"

EXPECTED_TYPES = {
    Kind.KEYWORD: {"type": "keyword"},
    Kind.TOKENS: {"type": "text", "analyzer": "whitespace"},
    Kind.BIGRAMS: {"type": "text", "analyzer": "whitespace"},
    Kind.DISPLAY: {"type": "text", "index": False},
    Kind.INTEGER: {"type": "integer"},
    Kind.DATE: {"type": "date", "format": "strict_date_optional_time", "ignore_malformed": True},
    Kind.STORED: {"type": "object", "enabled": False},
}


def test_committed_mapping_files_are_the_generated_ones():
    assert sorted(p.name for p in MAPPINGS_DIR.glob("*.json")) == ["issues.json", "measures.json", "notices.json"]
    for name, text in example_files().items():
        path = MAPPINGS_DIR / name
        assert path.read_text("utf-8") == text, f"{path.name} is stale: run .venv/bin/python scripts/gen_mappings.py"


@pytest.mark.parametrize("target", list(Target))
def test_every_field_is_mapped_by_its_kind_and_nothing_else(target):
    properties = json.loads((MAPPINGS_DIR / f"{target.value}.json").read_text("utf-8"))["mappings"]["properties"]
    assert list(properties) == [f.name for f in FIELDS[target]]
    for field in FIELDS[target]:
        if field.kind is Kind.VECTOR:
            assert properties[field.name] == {
                "type": "dense_vector", "dims": EXAMPLE_DIMS, "index": True, "similarity": "cosine",
                "index_options": {"type": "int8_hnsw", "m": 16, "ef_construction": 100},
            }
        else:
            assert properties[field.name] == EXPECTED_TYPES[field.kind], field.name


@pytest.mark.parametrize("target", list(Target))
def test_facets_and_filters_use_keyword_or_numeric_fields(target):
    properties = index_body(target.value, model_id="m", dims=8, dictionary_version="d")["mappings"]["properties"]
    assert {properties[name]["type"] for name in facet_fields(target)} <= {"keyword", "integer"}
    assert all(properties[f.name]["analyzer"] == "whitespace" for f in fields_of(target, Kind.TOKENS, Kind.BIGRAMS))


def test_dims_model_and_dictionary_come_from_the_caller():
    body = index_body("issues", model_id="m3e-small", dims=512, dictionary_version="abc123")
    assert body["mappings"]["properties"]["vector"]["dims"] == 512
    assert body["mappings"]["_meta"] == {
        "collection": "issues", "mapping_version": MAPPING_VERSION, "schema_version": SCHEMA_VERSION,
        "model_id": "m3e-small", "dims": 512, "dictionary_version": "abc123",
        "generated_by": "indexer/backends/es_mapping.py",
    }
    assert body["settings"] == {"index": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}}


def test_notices_index_keeps_text_unindexed_and_looks_up_sources():
    body = example_bodies()[NOTICES]["mappings"]
    assert body["dynamic"] is False
    props = body["properties"]
    assert props["source"] == {"type": "keyword"} and props["notice_id"] == {"type": "keyword"}
    assert props["original_text"] == {"type": "text", "index": False}
    assert "vector" not in props and not any(p.get("analyzer") for p in props.values())


def test_every_collection_has_a_file():
    assert set(example_bodies()) == set(COLLECTIONS)
