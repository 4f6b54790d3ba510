"""The API through FastAPI's TestClient: every endpoint, filters, facet counts, collapse,
query-by-example scopes, highlight offsets, validation errors and caps.

Runs on the fictional corpus of tests/search_corpus.py (hand-built, HashingEmbedder vectors) over
the memory backend and the embedded backend (when it is registered in conftest), and on the
bundled sample notices through the real ingest pipeline. Rankings are asserted whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from indexer.errors import BackendUnavailable
from indexer.settings import Settings
from search_api.app import create_app
from tests import search_corpus
from tests.conftest import BACKEND_FACTORIES

API_BACKENDS = [pytest.param(name, marks=BACKEND_FACTORIES[name][1], id=name)
                for name in ("memory", "embedded", "elasticsearch") if name in BACKEND_FACTORIES]


def make_client(backend, **overrides) -> TestClient:
    # orders and pages are pinned on a hashing-embedder corpus: the relevance floor (calibrated for the
    # real model) and the variant forms in a short query's vector (which only a real model reads) are
    # off here and tested in tests/test_ranking.py; scores are the fusion's own (the best hit's category
    # prior is tested in tests/test_search_core.py)
    settings = Settings(**{"backend": backend.name, "relevance_floor": False, "variant_vector": False,
                           "best_hit_categories": False, **overrides})
    return TestClient(create_app(settings, backend, search_corpus.EMBEDDER))


@pytest.fixture(scope="module", params=API_BACKENDS)
def store(request, tmp_path_factory):
    factory, _ = BACKEND_FACTORIES[request.param]
    backend = factory(tmp_path_factory.mktemp(f"api-{request.param}"))
    search_corpus.load(backend)
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def client(store):
    return make_client(store)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [h["id"] for h in response.json()["hits"]]


# -- search: modes and ranking ---------------------------------------------------------------

@pytest.mark.parametrize("mode, expected", [
    ("lexical", ["qh2025-001", "sm2024-001", "qh2023-001"]),
    ("semantic", ["qh2025-001", "sm2024-001", "qh2023-001", "qh2025-002", "sm2024-003", "qh2023-002", "qh2023-003"]),
    ("hybrid", ["qh2025-001", "sm2024-001", "qh2023-001", "qh2025-002", "sm2024-003", "qh2023-002", "qh2023-003"]),
])
def test_search_ranks_each_mode(client, mode, expected):
    response = client.get("/api/search", params={"q": "医保基金", "mode": mode})
    assert ids(response) == expected
    body = response.json()
    assert (body["mode"], body["total"], body["terms"]) == (mode, len(expected), ["医保", "医保基金"])  # 基金: too common


def test_hybrid_fuses_both_legs(store):
    client = make_client(store, vector_weight=0.7)  # unequal weights: a tie of ranks goes to the heavier leg
    response = client.get("/api/search", params={"q": "医保基金 过度检查", "size": 3, "fusion": "rrf"})
    assert ids(response) == ["sm2024-001", "qh2025-001", "qh2023-001"]
    explains = [(h["explain"]["lexical"]["rank"], h["explain"]["vector"]["rank"]) for h in response.json()["hits"]]
    assert explains == [(1, 1), (2, 3), (3, 2)]  # lexical weight 1.0 beats vector weight 0.7 on a tie of ranks


def test_every_hit_is_explained(store):
    client = make_client(store, vector_weight=0.7)
    hit = client.get("/api/search", params={"q": "三重一大", "size": 2, "fusion": "rrf"}).json()["hits"]
    first = hit[0]["explain"]
    assert first["lexical"]["rank"] == 1 and first["vector"]["rank"] == 1
    assert first["fusion"] == "rrf"
    assert first["score"] == hit[0]["score"] == round(1 / 21 + 0.7 / 21, 6)  # rrf_k 20, weights 1.0 / 0.7
    assert first["matched_terms"] == ["三重", "一大", "三重一大"]
    assert hit[1]["explain"]["lexical"] is None
    assert hit[1]["explain"]["matched_terms"] == []


def test_linear_fusion_can_be_chosen(store):
    client = make_client(store, vector_weight=0.7)
    response = client.get("/api/search", params={"q": "采购", "fusion": "linear"})
    assert ids(response) == ["bc2022-001", "bc2022-002", "qh2023-003", "sm2024-002"]
    assert response.json()["fusion"] == "linear"
    # 1 (only lexical hit) + 0.7 × scaled cosine (the embedded store's int8 vectors move it a little)
    assert response.json()["hits"][0]["score"] == pytest.approx(1.377054, abs=0.005)


def test_query_syntax_is_only_text(client):
    # characters that mean something in Lucene / tantivy query strings are just text here
    response = client.get("/api/search", params={"q": 'title:医保 AND (基金 OR "x" -y) ~2 ^3 [a TO b] *', "mode": "lexical"})
    assert ids(response) == ["qh2025-001", "qh2023-001", "sm2024-001"]
    assert response.json()["terms"] == ["title", "医保", "and", "or", "x", "y", "2", "3", "a", "to", "b"]


def test_punctuation_only_query_finds_nothing_lexically(client):
    response = client.get("/api/search", params={"q": "，。！", "mode": "lexical"})
    assert ids(response) == []
    assert response.json()["terms"] == []


# -- filters ------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, expected", [
    ({"province": "湖南省"}, ["sm2024-001"]),
    ({"province": ["湖南省", "江西省"]}, ["qh2025-001", "sm2024-001", "qh2023-001"]),
    ({"province": "湖南省,江西省"}, ["qh2025-001", "sm2024-001", "qh2023-001"]),
    ({"status": "in_progress"}, ["qh2025-001"]),
    ({"year_from": 2024}, ["qh2025-001", "sm2024-001"]),
    ({"year_to": 2023}, ["qh2023-001"]),
    ({"year_from": 2023, "year_to": 2024}, ["sm2024-001", "qh2023-001"]),
    ({"institution_type": "hospital"}, ["qh2025-001", "qh2023-001"]),
    ({"institution": "石门镇卫生院"}, ["sm2024-001"]),
    ({"exclude_institution": "青禾县人民医院"}, ["sm2024-001"]),
    ({"exclude_notice": "qh2025"}, ["sm2024-001", "qh2023-001"]),
    ({"category": "quality_safety"}, ["sm2024-001"]),
    ({"city": "吉安市", "level": "county"}, ["qh2025-001", "qh2023-001"]),
    ({"level": "city"}, []),
])
def test_filters_apply_to_both_legs(client, params, expected):
    for mode in ("lexical", "hybrid"):
        response = client.get("/api/search", params={"q": "医保基金", "mode": mode, **params})
        got = ids(response)
        if mode == "lexical":
            assert got == expected
        else:  # the vector leg obeys the same filters: no hit outside them
            assert set(expected) <= set(got)
            assert all(_passes(h, params) for h in response.json()["hits"])


def _passes(hit: dict, params: dict) -> bool:
    def values(v):
        return [x for part in ([v] if isinstance(v, str | int) else v) for x in str(part).split(",")]
    for name, value in params.items():
        if name == "year_from" and hit["year"] < value:
            return False
        if name == "year_to" and hit["year"] > value:
            return False
        if name == "exclude_institution" and hit["institution"] in values(value):
            return False
        if name == "exclude_notice" and hit["notice_id"] in values(value):
            return False
        if name == "category" and not set(values(value)) & set(hit["categories"]):
            return False
        if name in ("province", "status", "institution_type", "institution", "city", "level", "inspection_kind") \
                and str(hit[name]) not in values(value):
            return False
    return True


# -- sort, date range, unstated status, similar measures ----------------------------------------

def test_sort_by_date_puts_the_newest_notices_first(client):
    relevance = ids(client.get("/api/search", params={"q": "医保基金"}))
    by_date = ids(client.get("/api/search", params={"q": "医保基金", "sort": "date"}))
    assert sorted(by_date) == sorted(relevance) and by_date != relevance
    # 2025-01-10, then 2024-03 (a month), then 2023-06-20; equal dates keep their rank
    assert by_date == ["qh2025-001", "qh2025-002", "sm2024-001", "sm2024-003", "qh2023-001", "qh2023-002", "qh2023-003"]
    # a notice without a date comes last, whatever its rank
    assert ids(client.get("/api/search", params={"q": "医保基金 采购", "mode": "lexical"}))[1] == "bc2022-001"
    assert ids(client.get("/api/search", params={"q": "医保基金 采购", "mode": "lexical", "sort": "date"})) == [
        "qh2025-001", "sm2024-001", "qh2023-001", "bc2022-001"]


@pytest.mark.parametrize("params, expected", [
    ({"date_from": "2024-01", "date_to": "2024-12"}, ["sm2024-001"]),
    ({"date_from": "2024-03"}, ["qh2025-001", "sm2024-001"]),  # a month stored as its first day
    ({"date_from": "2024-03-15"}, ["qh2025-001"]),
    ({"date_to": "2024"}, ["sm2024-001", "qh2023-001"]),  # a year up to its last day
    ({"date_from": "2023-06-20", "date_to": "2023-06-20"}, ["qh2023-001"]),
])
def test_date_range_filter(client, params, expected):
    response = client.get("/api/search", params={"q": "医保基金", "mode": "lexical", **params})
    assert ids(response) == expected
    assert set(response.json()["filters"]) == set(params)


def test_date_range_errors_name_the_parameter(client):
    body = client.get("/api/search", params={"q": "x", "date_from": "2024-13"}).json()
    assert (body["status"], body["field"], body["code"]) == (400, "date_from", "not_date")
    body = client.get("/api/search", params={"q": "x", "date_from": "2025", "date_to": "2024-06"}).json()
    assert (body["field"], body["code"], body["error"]) == (
        "date_from", "reversed", "date_from (2025) is after date_to (2024-06)")


def test_an_unstated_status_is_a_value_to_filter_and_count(client):
    assert ids(client.get("/api/search", params={"q": "采购", "mode": "lexical", "status": "unspecified"})) == [
        "bc2022-001"]
    facets = client.get("/api/search", params={"q": "采购", "mode": "lexical"}).json()["facets"]
    assert facets["status"] == [{"value": "unspecified", "count": 1, "label": "未注明"}]


def test_similar_measures_leave_out_the_source_issue_and_its_institution(client):
    response = client.get("/api/issues/qh2023-001/similar", params={"target": "measures", "mode": "lexical"})
    assert ids(response) == ["sm2024-001-m1", "sm2024-001-m2", "bc2022-002-m2"]
    body = response.json()
    assert (body["target"], body["source"]["id"]) == ("measures", "qh2023-001")
    # the filters apply to the measures too
    assert ids(client.get("/api/issues/qh2023-001/similar", params={
        "target": "measures", "mode": "lexical", "province": "江西省"})) == ["bc2022-002-m2"]


# -- facets ---------------------------------------------------------------------------------------

def _values_of(hit: dict, param: str) -> list[str]:
    stored = {"category": "categories"}.get(param, param)
    value = hit.get(stored)
    return [str(v) for v in value] if isinstance(value, list) else [] if value is None else [str(value)]


@pytest.mark.parametrize("mode", ["hybrid", "lexical", "semantic"])
def test_facets_count_exactly_the_result_set(client, mode):
    """Each facet value counts the hits of the whole result list that have it, so the counts add
    up with ``total`` and clicking a value gives the count it showed."""
    body = client.get("/api/search", params={"q": "医保基金", "mode": mode, "size": 100}).json()
    assert body["total"] == len(body["hits"]) > 0
    for param, entries in body["facets"].items():
        for entry in entries:
            assert entry["count"] == sum(entry["value"] in _values_of(h, param) for h in body["hits"]), param
    for entry in body["facets"]["province"] + body["facets"]["status"]:
        param = "province" if entry in body["facets"]["province"] else "status"
        clicked = client.get("/api/search", params={"q": "医保基金", "mode": mode, param: entry["value"]}).json()
        assert clicked["total"] == entry["count"], (param, entry)


def test_facets_follow_the_filters(client):
    body = client.get("/api/search", params={"q": "医保基金", "province": "江西省", "size": 100}).json()
    assert {h["province"] for h in body["hits"]} == {"江西省"}
    assert [e["value"] for e in body["facets"]["province"]] == ["江西省"]
    assert sum(e["count"] for e in body["facets"]["institution"]) == body["total"]


def test_facets_can_be_switched_off(client):
    assert client.get("/api/search", params={"q": "医保基金", "facets": "false"}).json()["facets"] is None


# -- collapse and pagination ---------------------------------------------------------------------

def test_collapse_keeps_the_best_hit_per_institution(client):
    response = client.get("/api/search", params={"q": "医保基金", "collapse": "true"})
    assert [(h["id"], h["collapsed"]) for h in response.json()["hits"]] == [("qh2025-001", 4), ("sm2024-001", 1)]
    assert response.json()["total"] == 2


def test_collapse_in_lexical_mode(client):
    response = client.get("/api/search", params={"q": "医保基金", "mode": "lexical", "collapse": "true"})
    assert [(h["id"], h["collapsed"]) for h in response.json()["hits"]] == [("qh2025-001", 1), ("sm2024-001", 0)]


def test_pages_are_cut_from_the_fused_list(client):
    full = ids(client.get("/api/search", params={"q": "医保基金", "size": 10}))
    page2 = client.get("/api/search", params={"q": "医保基金", "size": 3, "page": 2})
    assert ids(page2) == full[3:6]
    assert [h["rank"] for h in page2.json()["hits"]] == [4, 5, 6]
    assert ids(client.get("/api/search", params={"q": "医保基金", "size": 3, "page": 4})) == []


# -- highlighting -----------------------------------------------------------------------------------

def test_highlights_are_offsets_into_the_original_text(client):
    hit = client.get("/api/search", params={"q": "医保基金", "mode": "lexical", "size": 3}).json()["hits"][2]
    assert hit["id"] == "qh2023-001"
    assert hit["highlights"] == {"problem": [[4, 8]], "measures": [[[2, 6]], [[2, 4]]]}
    assert hit["problem"][4:8] == "医保基金"
    assert hit["measures"][1][2:4] == "医保"


def test_highlights_skip_curly_quotes_and_cover_the_term(client):
    hit = client.get("/api/search", params={"q": "三重一大", "size": 1}).json()["hits"][0]
    assert hit["problem"] == "“三重一大”决策制度执行不严格"
    assert hit["highlights"]["problem"][0] == [1, 5]  # then the variants' words (决策 of 集体决策) if any


def test_full_width_query_highlights_the_stored_characters(client):
    hit = client.get("/api/search", params={"q": "３.２万元", "mode": "lexical", "size": 1}).json()["hits"]
    assert hit == [] or hit[0]["id"] == "qh2023-001"
    measures = client.get("/api/measures/search", params={"q": "３.２万元", "mode": "lexical"}).json()["hits"]
    assert [(m["id"], m["text"][slice(*m["highlights"]["text"][0])]) for m in measures][:1] == \
        [("qh2023-001-m1", "3.2万元")]


# -- issues, query-by-example ----------------------------------------------------------------------

def test_get_issue(client):
    body = client.get("/api/issues/sm2024-002").json()
    issue = body["issue"]
    assert body["ok"] is True
    assert (issue["id"], issue["institution"], issue["problem"], issue["status"]) == (
        "sm2024-002", "石门镇卫生院", "村卫生室药品配备不全，乡村医生服务能力弱", "in_progress")
    assert issue["measures"] == ["为村卫生室补充基本药物", "开展乡村医生轮训"]
    assert issue["categories"] == ["primary_care", "reform_development"]
    assert not any(k.endswith("_tokens") or k == "vector" for k in issue)


def test_get_missing_issue_is_404(client):
    response = client.get("/api/issues/nope-001")
    assert (response.status_code, response.json()) == (404, {"ok": False, "error": "no issue with id 'nope-001'",
                                                             "status": 404})


@pytest.mark.parametrize("scope, mode, expected", [
    ("other_institutions", "hybrid", ["sm2024-001", "sm2024-003", "sm2024-002", "bc2022-002", "bc2022-001"]),
    ("other_institutions", "lexical", ["sm2024-001", "bc2022-002"]),
    ("other_notices", "lexical", ["qh2025-001", "sm2024-001", "bc2022-002"]),
    ("all", "lexical", ["qh2025-001", "sm2024-001", "bc2022-002"]),
    ("other_notices", "semantic", ["sm2024-001", "qh2025-001", "sm2024-003", "sm2024-002", "bc2022-002",
                                   "bc2022-001", "qh2025-002"]),
    ("all", "semantic", ["sm2024-001", "qh2025-001", "sm2024-003", "qh2023-002", "sm2024-002", "qh2023-003",
                         "bc2022-002", "bc2022-001", "qh2025-002", "qh2023-004"]),
])
def test_similar_issues_leave_out_the_source(client, scope, mode, expected):
    response = client.get("/api/issues/qh2023-001/similar", params={"scope": scope, "mode": mode})
    assert ids(response) == expected
    assert response.json()["source"]["id"] == "qh2023-001"
    assert "qh2023-001" not in ids(response)


def test_similar_issues_default_to_other_institutions(client):
    hits = client.get("/api/issues/qh2023-001/similar").json()["hits"]
    assert {h["institution"] for h in hits} == {"石门镇卫生院", "北城区疾病预防控制中心"}


def test_similar_issues_of_a_missing_issue_is_404(client):
    response = client.get("/api/issues/missing-001/similar")
    assert response.status_code == 404
    assert response.json()["error"] == "no issue with id 'missing-001'"


def test_similar_issues_take_filters(client):
    response = client.get("/api/issues/qh2023-001/similar", params={"status": "completed", "mode": "semantic"})
    assert ids(response) == ["sm2024-001", "sm2024-003"]


# -- measures -----------------------------------------------------------------------------------------

def test_search_measures_highlights_measure_and_problem(client):
    response = client.get("/api/measures/search", params={"q": "廉洁承诺书", "mode": "lexical"})
    hits = response.json()["hits"]
    assert [h["id"] for h in hits] == ["qh2023-004-m1"]
    hit = hits[0]
    assert (hit["issue_id"], hit["institution"], hit["problem"], hit["text"]) == (
        "qh2023-004", "青禾县人民医院", "医德医风教育流于形式", "全员签订廉洁承诺书")
    assert hit["highlights"] == {"text": [[4, 9]], "problem": []}


def test_measures_hybrid_vector_leg_stands_in_through_issues(client):
    hits = client.get("/api/measures/search", params={"q": "医保基金自查", "size": 4}).json()["hits"]
    assert [h["id"] for h in hits] == ["qh2025-001-m1", "qh2023-001-m1", "sm2024-001-m1", "qh2023-001-m2"]
    assert hits[0]["explain"]["vector"]["via"] == "issue"


def test_get_measure(client):
    body = client.get("/api/measures/bc2022-001-m2").json()
    assert (body["measure"]["text"], body["measure"]["issue_id"]) == ("建立采购内控制度", "bc2022-001")
    assert client.get("/api/measures/bc2022-001-m9").status_code == 404


# -- notices, stats, health ---------------------------------------------------------------------------

def test_get_notice_lists_its_issues_in_order_with_quality(client):
    body = client.get("/api/notices/qh2023").json()
    assert body["notice"]["institution"] == "青禾县人民医院"
    assert [i["id"] for i in body["issues"]] == ["qh2023-001", "qh2023-002", "qh2023-003", "qh2023-004"]
    assert body["quality"] == {"issues_found": 4, "issues_stated": 4, "sections_found": 0, "sections_stated": None,
                               "statuses_found": 4, "warnings": [], "complete": True}
    assert "text" not in body["notice"] and "original_text" not in body["notice"]
    assert client.get("/api/notices/qh2023", params={"include_text": "true"}).json()["notice"]["text"] == "……"


def test_get_missing_notice_is_404(client):
    assert client.get("/api/notices/zzz").json() == {"ok": False, "error": "no notice with id 'zzz'", "status": 404}


def test_stats(client, store):
    body = client.get("/api/stats").json()
    assert {k: body[k] for k in ("backend", "notices", "issues", "measures", "model_id", "dims", "query_model_id")} == {
        "backend": store.name, "notices": 4, "issues": 11, "measures": 19, "model_id": "hashing-bigram-64",
        "dims": 64, "query_model_id": "hashing-bigram-64"}
    assert body["dictionary_version"] == search_corpus.DICTIONARY_VERSION


def test_categories_endpoint_lists_the_taxonomy(client):
    cats = client.get("/api/categories").json()["categories"]
    assert cats[0] == {"key": "theory_study", "label": "理论学习",
                       "description": "理论学习中心组、第一议题、党纪学习教育、学习贯彻重要讲话精神，学用结合"}
    assert len(cats) == 19


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"ok": True, "status": "alive"}
    assert client.get("/readyz").json() == {"ok": True, "status": "ready", "detail": None}


def test_json_endpoints_leave_the_root_to_the_web_page(client):
    schema = client.get("/openapi.json").json()
    assert [p for p in schema["paths"] if not p.startswith("/api/") and p not in ("/healthz", "/readyz")] == []


# -- validation and caps ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, params, status, error", [
    ("/api/search", {}, 400, "q is required: give the text to search for"),
    ("/api/search", {"q": "   "}, 400, "q is required: give the text to search for"),
    ("/api/search", {"q": "x" * 2001}, 400, "q must be at most 2000 characters (got 2001)"),
    ("/api/search", {"q": "x", "size": 101}, 400, "size must be between 1 and 100 (got 101)"),
    ("/api/search", {"q": "x", "size": 0}, 400, "size must be between 1 and 100 (got 0)"),
    ("/api/search", {"q": "x", "page": 0}, 400, "page must be between 1 and 1000 (got 0)"),
    ("/api/search", {"q": "x", "page": 11, "size": 100}, 400,
     "page × size must be at most 1000 (got 11 × 100); narrow the query with filters instead of paging deeper"),
    ("/api/search", {"q": "x", "size": "ten"}, 422,
     "size: Input should be a valid integer, unable to parse string as an integer"),
    ("/api/search", {"q": "x", "mode": "fuzzy"}, 422, "mode: Input should be 'hybrid', 'lexical' or 'semantic'"),
    ("/api/search", {"q": "x", "fusion": "max"}, 400, "fusion must be one of rrf, linear (got 'max')"),
    ("/api/search", {"q": "x", "status": "done"}, 400,
     "status must be one of completed, basically_completed, in_progress, long_term, unspecified (got 'done')"),
    ("/api/search", {"q": "x", "level": "town"}, 400, "level must be one of central, province, city, county (got 'town')"),
    ("/api/search", {"q": "x", "category": "sports"}, 400,
     "category must be one of theory_study, party_building, ideology, democratic_centralism, accountability, "
     "eight_rules, finance_assets, medical_insurance, medical_ethics, personnel, procurement_projects, "
     "quality_safety, public_health, primary_care, reform_development, petitions_service, regulation, "
     "rectification, union (got 'sports')"),
    ("/api/search", {"q": "x", "year_from": 2025, "year_to": 2020}, 400, "year_from (2025) is after year_to (2020)"),
    ("/api/search", {"q": "x", "year_from": 1800}, 400, "year_from must be between 1949 and 2100 (got 1800)"),
    ("/api/search", {"q": "x", "province": ",".join(f"p{i}" for i in range(21))}, 400,
     "province accepts at most 20 values (got 21)"),
    ("/api/search", {"q": "x", "institution": "院" * 101}, 400, "institution values must be at most 100 characters"),
    ("/api/issues/qh2023-001/similar", {"scope": "mine"}, 422,
     "scope: Input should be 'other_institutions', 'other_notices' or 'all'"),
    ("/api/measures/search", {"q": "x", "size": 500}, 400, "size must be between 1 and 100 (got 500)"),
    ("/api/nothing", {}, 404, "no such endpoint: /api/nothing"),
])
def test_invalid_input_gets_a_clear_error(client, path, params, status, error):
    response = client.get(path, params=params)
    body = response.json()
    assert (response.status_code, {k: body[k] for k in ("ok", "error", "status")}) == (
        status, {"ok": False, "error": error, "status": status})
    if status == 400:  # which parameter, what is wrong with it and its limits, for programs
        assert body["field"] in {*params, "q", "page"} and body["code"]
    else:
        assert set(body) == {"ok", "error", "status"}


def test_invalid_input_names_the_parameter_and_its_limits(client):
    body = client.get("/api/search", params={"q": "x", "size": 500}).json()
    assert body == {"ok": False, "error": "size must be between 1 and 100 (got 500)", "status": 400,
                    "field": "size", "code": "out_of_range", "got": 500, "limits": {"min": 1, "max": 100}}
    body = client.get("/api/search", params={"q": "x", "level": "town"}).json()
    assert (body["field"], body["code"], body["got"], body["limits"]) == (
        "level", "not_allowed", "town", {"allowed": ["central", "province", "city", "county"]})


def test_caps_come_from_settings(store):
    capped = make_client(store, max_page_size=5, max_query_chars=10, max_result_window=20)
    assert capped.get("/api/search", params={"q": "医保", "size": 6}).json()["error"] == \
        "size must be between 1 and 5 (got 6)"
    assert capped.get("/api/search", params={"q": "医" * 11}).json()["error"] == \
        "q must be at most 10 characters (got 11)"
    assert capped.get("/api/search", params={"q": "医保", "size": 5, "page": 5}).json()["error"] == \
        "page × size must be at most 20 (got 5 × 5); narrow the query with filters instead of paging deeper"
    assert capped.get("/api/search", params={"q": "医保", "size": 5, "page": 4}).status_code == 200


def test_settings_tune_the_legs(store):
    weighted = make_client(store, vector_weight=0.0)
    assert ids(weighted.get("/api/search", params={"q": "采购"}))[:1] == ["bc2022-001"]
    assert ids(make_client(store, lexical_weight=0.0).get("/api/search", params={"q": "采购"}))[:1] == ["bc2022-002"]


# -- failures -----------------------------------------------------------------------------------------

class DownBackend:
    """A backend whose store cannot be reached."""

    name = "down"

    def __getattr__(self, item):
        def fail(*args, **kwargs):
            raise BackendUnavailable("connection refused by 127.0.0.1:9200")
        return fail


def test_unreachable_backend_gives_503_without_a_trace():
    client = TestClient(create_app(Settings(backend="memory"), DownBackend(), search_corpus.EMBEDDER))
    response = client.get("/api/search", params={"q": "医保"})
    assert (response.status_code, response.json()) == (503, {
        "ok": False, "status": 503,
        "error": "the search backend is unavailable, retry later (connection refused by 127.0.0.1:9200)"})
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")


def test_unexpected_errors_are_500_without_a_trace(store):
    class Broken(search_corpus.HashingEmbedder):
        def embed_queries(self, texts):
            raise RuntimeError("model exploded\nTraceback: secret")
    client = TestClient(create_app(Settings(backend=store.name), store, Broken(64)), raise_server_exceptions=False)
    response = client.get("/api/search", params={"q": "医保"})
    assert (response.status_code, response.json()) == (
        500, {"ok": False, "error": "internal error; the server log has the details", "status": 500})


def test_service_not_loaded_yet_is_503():
    app = create_app(Settings(backend="memory"))  # nothing given, not started: still loading
    client = TestClient(app)
    response = client.get("/api/stats")
    assert (response.status_code, response.json()["error"]) == (
        503, "the search service is starting (loading the index and the embedding model); retry in a few seconds")
    assert client.get("/readyz").json() == {
        "ok": False, "status": "loading", "detail": "loading the search backend and the embedding model"}
    assert client.get("/healthz").status_code == 200


def test_background_load_opens_the_configured_backend():
    app = create_app(Settings(backend="memory", model="hashing-16"))
    with TestClient(app) as client:
        app.state.search.wait(30)
        assert client.get("/readyz").json()["status"] == "ready"
        assert client.get("/api/stats").json()["query_model_id"] == "hashing-bigram-16"


def test_failed_load_is_reported_by_readyz():
    app = create_app(Settings(backend="nosuch"))
    with TestClient(app) as client:
        app.state.search.wait(30)
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()["status"]) == (503, "failed")
        assert ready.json()["detail"] == "unknown backend 'nosuch'; choose one of: memory, embedded, elasticsearch"
        assert client.get("/api/stats").json()["error"] == (
            "the search service failed to start: unknown backend 'nosuch'; choose one of: memory, embedded, "
            "elasticsearch")


# -- OpenAPI --------------------------------------------------------------------------------------------

ENDPOINTS = ["/api/search", "/api/measures/search", "/api/issues/{issue_id}", "/api/issues/{issue_id}/similar",
             "/api/measures/{measure_id}", "/api/notices/{notice_id}", "/api/stats", "/api/categories",
             "/healthz", "/readyz", "/api/common-problems", "/api/common-problems/{family_id}",
             "/api/notices/{notice_id}/versions"]
WRITE_ENDPOINTS = ["/api/notices", "/api/reindex"]  # and DELETE /api/notices/{notice_id}: tests/test_security.py


def test_every_endpoint_is_in_the_schema_with_an_example(client):
    schema = client.get("/openapi.json").json()
    assert sorted(schema["paths"]) == sorted(ENDPOINTS + WRITE_ENDPOINTS)
    components = schema["components"]["schemas"]
    for path in ENDPOINTS:
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        name = ok["$ref"].rsplit("/", 1)[1]
        assert components[name].get("examples"), f"{path}: response model {name} has no example"
    search_params = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert set(search_params) == {
        "q", "mode", "page", "size", "collapse", "facets", "fusion", "sort", "institution_type", "province", "city",
        "county", "level", "inspection_kind", "inspection_type", "status", "year_from", "year_to", "date_from",
        "date_to", "institution", "category", "exclude_institution", "exclude_notice"}
    assert search_params["q"]["examples"]["keyword"]["value"] == "医保基金"
    assert "at most 2000 characters" in search_params["q"]["description"]
    assert "1 to 100" in search_params["size"]["description"]


# -- the CLI and the sample notices ----------------------------------------------------------------------

def test_serve_get_answers_one_request_without_a_server():
    from search_api.__main__ import cli

    result = CliRunner().invoke(cli, ["serve", "--backend", "memory", "--model", "hashing", "--get", "/healthz"])
    assert (result.exit_code, result.output) == (0, '{\n  "ok": true,\n  "status": "alive"\n}\n')
    result = CliRunner().invoke(cli, ["serve", "--backend", "memory", "--model", "hashing", "--get", "/api/search"])
    assert result.exit_code == 1
    assert '"error": "q is required: give the text to search for"' in result.output


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    """The demo's first step on the bundled fictional samples (embedded backend when available)."""
    from search_api.__main__ import SAMPLES, prepare_demo

    backend = "embedded" if "embedded" in BACKEND_FACTORIES else "memory"
    settings = Settings(backend=backend, model="hashing", data_dir=str(tmp_path_factory.mktemp("demo")))
    store, embedder, summary = prepare_demo(settings, SAMPLES, progress=False)
    yield settings, store, embedder, summary
    store.close()


def test_demo_ingests_every_sample_once(demo_store):
    from search_api.__main__ import SAMPLES, prepare_demo

    settings, store, embedder, summary = demo_store
    files = sorted(p.name for p in Path(SAMPLES).iterdir() if p.suffix in (".txt", ".html", ".docx"))
    assert (summary.files, summary.failed, summary.indexed + summary.empty) == (len(files), 0, len(files))
    assert store.info().notices == len(files)
    if settings.backend == "embedded":  # a second start finds them stored
        store.close()
        again, _, second = prepare_demo(settings, SAMPLES, progress=False)
        try:
            assert (second.indexed, second.skipped) == (0, len(files))
        finally:
            again.close()


def test_demo_app_searches_the_samples(demo_store):
    settings, store, embedder, summary = demo_store
    if settings.backend == "embedded":
        from indexer.backends import open_backend
        store = open_backend(settings)
    client = TestClient(create_app(settings, store, embedder))
    body = client.get("/api/search", params={"q": "医保基金", "collapse": "true", "size": 50}).json()
    assert body["ok"] is True and body["hits"]
    institutions = [h["institution"] for h in body["hits"]]
    assert len(institutions) == len(set(institutions))
    first = body["hits"][0]
    similar = client.get(f"/api/issues/{first['id']}/similar", params={"scope": "other_notices"}).json()
    assert similar["hits"] and all(h["notice_id"] != first["notice_id"] for h in similar["hits"])
    notice = client.get(f"/api/notices/{first['notice_id']}").json()
    assert first["id"] in [i["id"] for i in notice["issues"]]
    assert [i["seq"] for i in notice["issues"]] == list(range(1, len(notice["issues"]) + 1))


@pytest.mark.parametrize("path", ["/api/search?q=公车&mode=hybrid", "/api/measures/search?q=公车"])
def test_a_search_hops_to_the_thread_pool_once(path, store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The query parameters are read and the answer validated on the event loop (async
    dependencies and endpoint); only the search itself, which blocks, runs on the thread pool: a
    hand-off costs ~0.15 ms of CPU under load."""
    import anyio.to_thread

    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        hops.append(repr(func))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    response = make_client(store).get(path + "&year_from=2020&institution=县委")
    assert response.status_code == 200, response.text
    assert len(hops) == 1, hops
