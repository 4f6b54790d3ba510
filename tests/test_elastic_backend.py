"""Elasticsearch-specific behaviour beyond the shared contract suite: versioned indices behind
aliases, bulk errors and 429 back-off, idempotent re-ingest, the msearch of both legs, the
version check and the configuration. Server tests are marked ``elasticsearch`` (the noida-db
emulator unless ES_URL is set; see tests/es_server.py)."""

from __future__ import annotations

import re

import elasticsearch
import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import Elasticsearch

import indexer.backends.elastic as elastic
from indexer.backends import open_backend
from indexer.backends.base import Filters, LexicalQuery, SearchesBothLegs
from indexer.backends.elastic import ElasticBackend
from indexer.backends.elastic_client import BulkParams, client_options, public_url
from indexer.backends.es_mapping import COLLECTIONS, MAPPING_VERSION, index_body
from indexer.child_process import free_port
from indexer.errors import BackendError, BackendUnavailable, BadQuery, ConfigError, IncompatibleIndex
from indexer.fields import SCHEMA_VERSION, lexical_boosts
from indexer.settings import Settings
from indexer.tokenise import tokenise_query
from indexer.types import Target
from tests.contract_corpus import EMBEDDER, make_bundles
from tests.es_server import get_server, make_elastic_backend, unique_prefix

ISSUES = Target.ISSUES
MEASURES = Target.MEASURES
needs_es = pytest.mark.elasticsearch
FAST_BULK = BulkParams(max_retries=3, initial_backoff=0.01, max_backoff=0.04)


@pytest.fixture
def es():
    backend = make_elastic_backend(bulk=FAST_BULK)
    try:
        yield backend
    finally:
        backend.close()


def _loaded(backend: ElasticBackend) -> ElasticBackend:
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    result = backend.write(make_bundles())
    assert (result.written, result.failed) == (["n1", "n2", "n3"], {})
    return backend


def _counts(backend: ElasticBackend) -> tuple[int, int, int]:
    info = backend.info()
    return info.notices, info.issues, info.measures


def _query(text: str, target: Target = ISSUES) -> LexicalQuery:
    return LexicalQuery(tuple(tokenise_query(text)), lexical_boosts(target))


def _raw(backend: ElasticBackend) -> Elasticsearch:
    return backend._client


# -- server and namespace -------------------------------------------------------------------

@needs_es
def test_the_session_says_which_server_runs():
    server = get_server()
    assert re.fullmatch(r"noida-db emulator \S+ at http://127\.0\.0\.1:\d+|real cluster at \S+", server.label)


@needs_es
def test_indices_are_versioned_behind_aliases_with_the_generated_mapping(es):
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    info = es.info()
    assert info.extra["indices"] == {c: f"{es.prefix}-{c}-v1" for c in COLLECTIONS}
    assert info.extra["server"] == es.server_label
    for collection in COLLECTIONS:
        live = _raw(es).indices.get_mapping(index=f"{es.prefix}-{collection}")[f"{es.prefix}-{collection}-v1"]
        want = index_body(collection, model_id=EMBEDDER.model_id, dims=32, dictionary_version="test-dict")["mappings"]
        assert live["mappings"]["_meta"] == want["_meta"]
        assert live["mappings"]["properties"] == want["properties"]


@needs_es
def test_rebuild_fills_a_new_generation_and_swaps_all_aliases_at_once(es):
    _loaded(es)
    seen = {}

    def bundles():
        # While the new generation fills, the old one still answers and the new one is tuned for writing.
        seen["served"] = _counts(es)
        yield from make_bundles()[:2]
        settings = _raw(es).indices.get_settings(index=f"{es.prefix}-issues-v2")[f"{es.prefix}-issues-v2"]
        seen["building"] = (settings["settings"]["index"]["refresh_interval"],
                            settings["settings"]["index"]["number_of_replicas"])

    result = es.rebuild(bundles())
    assert (result.written, result.failed) == (["n1", "n2"], {})
    assert seen == {"served": (3, 7, 10), "building": ("-1", "0")}
    assert es.info().extra["indices"] == {c: f"{es.prefix}-{c}-v2" for c in COLLECTIONS}
    assert _counts(es) == (2, 5, 7)
    settings = _raw(es).indices.get_settings(index=f"{es.prefix}-issues")[f"{es.prefix}-issues-v2"]
    assert settings["settings"]["index"]["refresh_interval"] == "1s"
    assert settings["settings"]["index"]["number_of_replicas"] == "0"
    versions, _ = es.namespace.state()
    assert {c: sorted(v) for c, v in versions.items()} == {c: [2] for c in COLLECTIONS}  # v1 dropped

    es.rebuild(make_bundles(), keep_old=True)
    versions, live = es.namespace.state()
    assert {c: sorted(v) for c, v in versions.items()} == {c: [2, 3] for c in COLLECTIONS}  # v2 kept, unaliased
    assert live == {c: f"{es.prefix}-{c}-v3" for c in COLLECTIONS}
    assert _counts(es) == (3, 7, 10)


@needs_es
def test_a_failed_rebuild_leaves_the_old_index_serving(es):
    _loaded(es)

    def bundles():
        yield make_bundles()[0]
        raise RuntimeError("parser crashed")

    with pytest.raises(RuntimeError, match="parser crashed"):
        es.rebuild(bundles())
    versions, live = es.namespace.state()
    assert live == {c: f"{es.prefix}-{c}-v1" for c in COLLECTIONS}
    assert {c: sorted(v) for c, v in versions.items()} == {c: [1] for c in COLLECTIONS}
    assert _counts(es) == (3, 7, 10)


@needs_es
def test_a_rebuild_after_a_refused_model_builds_for_the_new_model(es):
    _loaded(es)
    with pytest.raises(IncompatibleIndex, match="model"):
        es.check_compatible("other-model", 32, "test-dict")
    es.rebuild(make_bundles())
    info = es.info()
    assert (info.model_id, info.dims, info.dictionary_version) == ("other-model", 32, "test-dict")
    es.check_compatible("other-model", 32, "test-dict")


@needs_es
def test_another_mapping_version_is_refused(es):
    _loaded(es)
    for index in es.info().extra["indices"].values():
        meta = _raw(es).indices.get_mapping(index=index)[index]["mappings"]["_meta"]
        _raw(es).indices.put_mapping(index=index, meta={**meta, "mapping_version": MAPPING_VERSION + 1})
    with pytest.raises(IncompatibleIndex, match=f"schema/mapping version {SCHEMA_VERSION}/{MAPPING_VERSION + 1}"):
        es.check_compatible(EMBEDDER.model_id, 32, "test-dict")


@needs_es
def test_a_write_before_any_check_sizes_the_index_from_the_vectors(es):
    assert es.info().notices == 0 and es.lexical(ISSUES, _query("医保"), Filters(), 5) == []
    assert es.write(make_bundles()).written == ["n1", "n2", "n3"]
    info = es.info()
    assert (info.model_id, info.dims) == (None, 32)
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    info = es.info()
    assert (info.model_id, info.dims, info.dictionary_version) == (EMBEDDER.model_id, 32, "test-dict")


# -- bulk writes -----------------------------------------------------------------------------

@needs_es
def test_bulk_reports_every_failed_document_and_stores_no_half_notice(es):
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    bundles = make_bundles()
    n2 = bundles[1]
    n2.issues[0]["vector"] = n2.issues[0]["vector"][:31]  # wrong dims
    n2.measures[1]["year"] = "not a year"
    result = es.write(bundles)
    assert result.written == ["n1", "n3"]
    assert set(result.failed) == {"n2-001", "n2-002-m1", "n2"}
    assert result.failed["n2-001"].startswith("issues: document_parsing_exception: ")
    assert "dimensions" in result.failed["n2-001"] and result.failed["n2-001"].endswith("(status 400)")
    assert result.failed["n2-002-m1"].startswith("measures: document_parsing_exception: ")
    assert result.failed["n2"].startswith("not stored: 2 document(s) failed (first: n2-001: ")
    assert not es.has_notice("n2")
    assert es.get(ISSUES, ["n2-001", "n2-002"]) == [] and es.get(MEASURES, ["n2-001-m1"]) == []
    assert _counts(es) == (2, 5, 7)


def _fake_429_items(monkeypatch, *, times: int) -> list[int]:
    """Make the first item of the next ``times`` bulk responses a 429 rejection; returns the call log."""
    real_bulk = Elasticsearch.bulk
    calls: list[int] = []

    def bulk(self, *args, **kwargs):
        resp = real_bulk(self, *args, **kwargs)
        calls.append(len(resp.body["items"]))
        if len(calls) <= times:
            [(op, item)] = resp.body["items"][0].items()
            item.update(status=429, error={"type": "es_rejected_execution_exception", "reason": "queue full"})
        return resp

    monkeypatch.setattr(Elasticsearch, "bulk", bulk)
    return calls


@needs_es
def test_rejected_documents_are_retried_with_back_off(es, monkeypatch):
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    sleeps: list[float] = []
    monkeypatch.setattr(elasticsearch.helpers.actions.time, "sleep", sleeps.append)
    calls = _fake_429_items(monkeypatch, times=2)
    result = es.write(make_bundles())
    assert (result.written, result.failed) == (["n1", "n2", "n3"], {})
    assert calls == [20, 1, 1]  # the whole batch, then the rejected document twice
    assert sleeps == [0.01, 0.02]
    assert _counts(es) == (3, 7, 10)


@needs_es
def test_a_rejected_request_is_retried_whole(es, monkeypatch):
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    monkeypatch.setattr(elasticsearch.helpers.actions.time, "sleep", lambda s: None)
    real_bulk = Elasticsearch.bulk
    calls = []

    def bulk(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            meta = ApiResponseMeta(status=429, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                                   node=NodeConfig("http", "127.0.0.1", 9200))
            raise elasticsearch.ApiError("rejected", meta=meta, body={"error": {"type": "es_rejected_execution_exception"}})
        return real_bulk(self, *args, **kwargs)

    monkeypatch.setattr(Elasticsearch, "bulk", bulk)
    result = es.write(make_bundles())
    assert (result.written, result.failed, len(calls)) == (["n1", "n2", "n3"], {}, 2)


@needs_es
def test_rejections_that_never_clear_are_reported_not_lost(es, monkeypatch):
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    monkeypatch.setattr(elasticsearch.helpers.actions.time, "sleep", lambda s: None)
    _fake_429_items(monkeypatch, times=100)
    result = es.write(make_bundles()[:1])
    assert result.written == []
    assert result.failed == {
        "n1-001": "issues: es_rejected_execution_exception: queue full (status 429)",
        "n1": "not stored: 1 document(s) failed (first: n1-001: es_rejected_execution_exception: queue full (status 429))",
    }
    assert _counts(es) == (0, 0, 0)


@needs_es
def test_reingest_is_idempotent_and_drops_documents_the_new_version_lacks(es):
    _loaded(es)
    assert es.write(make_bundles()).written == ["n1", "n2", "n3"]
    assert _counts(es) == (3, 7, 10)
    [shorter] = make_bundles([("n1", "青禾县人民医院", "hospital", "江西省", 2023,
                               [("违规使用医保基金，过度检查问题突出", "completed", ["开展医保基金专项自查"])])])
    assert es.write([shorter]).written == ["n1"]
    assert _counts(es) == (3, 5, 7)
    assert [d["id"] for d in es.get(ISSUES, ["n1-001", "n1-002", "n1-003"])] == ["n1-001"]
    assert [d["id"] for d in es.get(MEASURES, ["n1-001-m1", "n1-001-m2", "n1-002-m1"])] == ["n1-001-m1"]
    assert es.get_notice("n1")["issue_ids"] == ["n1-001"]


@needs_es
def test_a_zero_vector_is_stored_without_a_vector(es):
    es.check_compatible(EMBEDDER.model_id, 32, "test-dict")
    [bundle] = make_bundles([("z1", "某镇卫生院", "township_health_centre", "湖南省", 2024, [("无", None, [])])])
    assert not any(bundle.issues[0]["vector"])
    assert es.write([bundle]).written == ["z1"]
    assert es.get_vectors(ISSUES, ["z1-001"]) == {}
    assert es.get(ISSUES, ["z1-001"])[0]["problem"] == "无"


@needs_es
def test_notice_records_keep_their_text_and_page_through(es, monkeypatch):
    _loaded(es)
    monkeypatch.setattr(elastic, "NOTICE_PAGE", 2)
    notices = list(es.iter_notices())
    assert [n["notice_id"] for n in notices] == ["n1", "n2", "n3"]
    assert all("stored_at" not in n and n["original_text"] == "……" for n in notices)
    assert es.get_notice("n2")["source"] == "n2.txt"


# -- searching -------------------------------------------------------------------------------

@needs_es
@pytest.mark.parametrize("filters", [
    Filters(),
    Filters(equals={"province": ("江西省",)}),
    Filters(ranges={"year": (2023, None)}, excludes={"institution": ("石门镇卫生院",)}),
    Filters(equals={"categories": ("medical_insurance",)}),
])
def test_both_legs_in_one_round_trip_equal_the_two_calls(es, filters):
    _loaded(es)
    query = _query("医保基金 采购")
    vector = EMBEDDER.embed_queries(["违规使用医保基金"])[0].tolist()
    lexical, vectors = es.search_both(ISSUES, query, vector, filters, 5, 4)
    assert lexical == es.lexical(ISSUES, query, filters, 5)
    assert vectors == es.vector(ISSUES, vector, filters, 4)
    assert vectors and lexical


@needs_es
def test_the_backend_opens_from_settings_and_offers_both_legs_at_once():
    backend = open_backend(get_server().settings.with_overrides(es_index_prefix=unique_prefix()))
    try:
        assert isinstance(backend, ElasticBackend) and isinstance(backend, SearchesBothLegs)
        assert backend.info().extra["server"] == backend.server_label
    finally:
        backend.close()


@needs_es
def test_one_leg_alone_in_search_both(es):
    _loaded(es)
    vector = EMBEDDER.embed_queries(["医保"])[0].tolist()
    lexical, vectors = es.search_both(ISSUES, LexicalQuery((), lexical_boosts(ISSUES)), vector, Filters(), 5, 3)
    assert lexical == [] and len(vectors) == 3


@needs_es
def test_text_fields_cannot_be_filtered_or_counted(es):
    _loaded(es)
    with pytest.raises(BadQuery, match="cannot filter issues on 'problem'"):
        es.lexical(ISSUES, _query("医保"), Filters(equals={"problem": ("x",)}), 5)
    with pytest.raises(BadQuery, match="cannot count issues by 'problem_tokens'"):
        es.facets(ISSUES, Filters(), ["problem_tokens"])


@needs_es
def test_searching_a_namespace_that_does_not_exist_finds_nothing(es):
    vector = EMBEDDER.embed_queries(["医保"])[0].tolist()
    assert es.lexical(ISSUES, _query("医保"), Filters(), 5) == []
    assert es.vector(ISSUES, vector, Filters(), 5) == []
    assert es.search_both(ISSUES, _query("医保"), vector, Filters(), 5, 5) == ([], [])
    assert es.facets(ISSUES, Filters(), ["province"]) == {"province": []}
    assert es.get(ISSUES, ["n1-001"]) == [] and es.get_notice("n1") is None
    assert list(es.iter_notices()) == [] and es.notice_id_for_source("n1.txt") is None
    assert not es.has_notice("n1") and es.delete_notices(["n1"]) == 0


# -- server version and configuration --------------------------------------------------------

@needs_es
def test_a_server_of_another_major_version_is_refused(monkeypatch):
    real_info = Elasticsearch.info

    def info(self, *args, **kwargs):
        resp = real_info(self, *args, **kwargs)
        resp.body["version"]["number"] = "9.1.0"
        return resp

    monkeypatch.setattr(Elasticsearch, "info", info)
    url = get_server().settings.es_url
    with pytest.raises(BackendError) as caught:
        ElasticBackend(get_server().settings, prefix="never")
    assert str(caught.value) == (
        f"Elasticsearch at {public_url(url)} is version 9.1.0, but this program uses the elasticsearch-py "
        f"{elasticsearch.__versionstr__} client, which needs a 8.x server; run an Elasticsearch 8.x cluster "
        "(see deploy/docker-compose.elasticsearch.yml)"
    )


def test_an_unreachable_server_is_unavailable():
    port = free_port()  # nothing listens there
    with pytest.raises(BackendUnavailable, match=f"unreachable while connecting to http://127.0.0.1:{port}"):
        ElasticBackend(Settings(es_url=f"http://127.0.0.1:{port}"))


def test_client_options_come_from_the_settings():
    assert client_options(Settings(es_url="https://es:9200", es_username="elastic", es_password="pw",
                                   es_ca_certs="/etc/ca.crt")) == {
        "hosts": ["https://es:9200"], "request_timeout": 30, "max_retries": 3, "retry_on_timeout": True,
        "basic_auth": ("elastic", "pw"), "ca_certs": "/etc/ca.crt",
    }
    assert client_options(Settings(es_url="https://es:9200", es_api_key="key"))["api_key"] == "key"
    with pytest.raises(ConfigError, match="needs ES_URL"):
        client_options(Settings())
    with pytest.raises(ConfigError, match="either ES_API_KEY or ES_USERNAME"):
        client_options(Settings(es_url="http://x", es_api_key="k", es_username="u"))


def test_a_bad_prefix_is_refused_before_connecting():
    with pytest.raises(ConfigError, match="index prefix 'Bad Prefix'"):
        ElasticBackend(Settings(es_url="http://127.0.0.1:1"), prefix="Bad Prefix")


def test_credentials_never_appear_in_the_location():
    assert public_url("https://elastic:secret@es.example:9200/base") == "https://es.example:9200/base"
