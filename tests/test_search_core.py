"""The search core without HTTP: fusion, highlighting, query terms, parsing, collapse, the
query-embedding cache, and the service called directly from Python (as the web page does)."""

from __future__ import annotations

import pytest

from indexer.backends.base import Filters
from indexer.backends.memory import MemoryBackend
from indexer.categories import TAXONOMY
from indexer.embed import HashingEmbedder
from indexer.errors import BadQuery, Problem
from indexer.fields import BY_PARAM, FACETS, FIELDS, FILTERS
from indexer.parsing.inspection import (
    INSPECTION_KINDS,
    INSPECTION_TYPES,
    LEVELS,
    inspection_kind,
    inspection_type,
)
from indexer.parsing.institutions import INSTITUTION_TYPES
from indexer.parsing.status import Status
from indexer.settings import Settings
from indexer.types import Hit, Leg, Target
from search_api import lexical
from search_api.fuse import FUSERS, Fused, FusionParams, LegRank, linear, rrf
from search_api.highlight import highlight_spans, mark, match_text, matched_terms
from search_api.parse import (
    Mode,
    Scope,
    SearchFilters,
    parse_filters,
    parse_search_request,
    parse_similar_request,
)
from search_api.public import public
from search_api.search import SearchService, _collapse
from search_api.vector import QueryEncoder
from tests import search_corpus

L, V = Leg.LEXICAL, Leg.VECTOR


def hits(leg: Leg, *pairs: tuple[str, float]) -> list[Hit]:
    return [Hit(doc, score, leg) for doc, score in pairs]


# -- fusion ---------------------------------------------------------------------------------------

def test_rrf_sums_weighted_reciprocal_ranks():
    legs = {L: hits(L, ("a", 9.0), ("b", 4.0)), V: hits(V, ("b", 0.8), ("c", 0.7))}
    fused = rrf(legs, FusionParams(k=60))
    assert [(f.doc_id, round(f.score, 6)) for f in fused] == [("b", 0.032522), ("a", 0.016393), ("c", 0.016129)]
    assert fused[0].legs == {L: LegRank(2, 4.0), V: LegRank(1, 0.8)}


def test_rrf_k_and_weights_change_the_order():
    # p is first in one leg only; q is fourth in both: a small k favours p, a large k favours q
    legs = {L: hits(L, ("p", 9.0), ("f1", 5.0), ("f2", 4.0), ("q", 3.0)),
            V: hits(V, ("g1", 0.9), ("g2", 0.8), ("g3", 0.7), ("q", 0.6))}
    assert [f.doc_id for f in rrf(legs, FusionParams(k=60))][:1] == ["q"]
    assert [f.doc_id for f in rrf(legs, FusionParams(k=1))][:2] == ["g1", "p"]
    weighted = rrf(legs, FusionParams(k=60, weights={L: 3.0, V: 1.0}))
    assert [f.doc_id for f in weighted] == ["q", "p", "f1", "f2", "g1", "g2", "g3"]
    # a zero weight leaves the other leg's order; the zero-weighted leg's own hits trail at score 0
    assert [f.doc_id for f in rrf(legs, FusionParams(k=60, weights={L: 0.0, V: 1.0}))] == [
        "g1", "g2", "g3", "q", "p", "f1", "f2"]


def test_rrf_ties_go_to_the_better_best_rank_then_the_id():
    legs = {L: hits(L, ("x", 3.0), ("y", 2.0)), V: hits(V, ("y", 0.9), ("x", 0.8))}
    assert [f.doc_id for f in rrf(legs, FusionParams())] == ["x", "y"]


def test_linear_scales_each_leg_to_unit_range():
    legs = {L: hits(L, ("a", 10.0), ("b", 6.0), ("c", 2.0)), V: hits(V, ("c", 0.9), ("a", 0.5), ("d", 0.1))}
    fused = linear(legs, FusionParams())
    assert [(f.doc_id, round(f.score, 4)) for f in fused] == [("a", 1.5), ("c", 1.0), ("b", 0.5), ("d", 0.0)]


def test_linear_single_candidate_scores_one():
    assert [(f.doc_id, f.score) for f in linear({L: hits(L, ("a", 3.0))}, FusionParams())] == [("a", 1.0)]


def test_fusers_registry_names():
    assert list(FUSERS) == ["rrf", "linear"]


def test_empty_legs_fuse_to_nothing():
    assert rrf({L: [], V: []}, FusionParams()) == []
    assert linear({L: [], V: []}, FusionParams()) == []


# -- highlighting ---------------------------------------------------------------------------------

def test_spans_are_offsets_into_the_original():
    text = "违规使用医保基金，过度检查问题突出"
    spans = highlight_spans(text, ["医保", "基金", "医保基金", "检查"])
    assert spans == [(4, 8), (11, 13)]
    assert [text[s:e] for s, e in spans] == ["医保基金", "检查"]


def test_full_width_text_matches_a_half_width_term_at_the_right_offsets():
    text = "退回违规费用３．２万元，整改ＡＢＣ"
    assert highlight_spans(text, ["3.2", "abc"]) == [(6, 9), (14, 17)]
    assert match_text(text)[6:9] == "3.2"


def test_single_characters_only_when_nothing_longer():
    text = "党委党费收缴不规范"
    assert highlight_spans(text, ["党", "党费"]) == [(2, 4)]
    assert highlight_spans(text, ["党"]) == [(0, 1), (2, 3)]


def test_overlapping_and_adjacent_terms_merge():
    assert highlight_spans("三重一大决策", ["三重", "一大", "重一"]) == [(0, 4)]
    assert highlight_spans("", ["x"]) == [] and highlight_spans(None, ["x"]) == []


def test_punctuation_terms_are_never_highlighted():
    assert highlight_spans("医保，基金", ["，", "医保"]) == [(0, 2)]


def test_mark_escapes_everything_but_the_marks():
    assert mark("<b>医保</b>基金", [(3, 5)]) == "&lt;b&gt;<mark>医保</mark>&lt;/b&gt;基金"


def test_matched_terms_keep_query_order():
    assert matched_terms(["基金", "采购", "医保"], "医保基金", None, "其他") == ["基金", "医保"]


# -- query terms ------------------------------------------------------------------------------------

def test_query_terms_drop_punctuation_and_duplicates():
    assert lexical.query_terms("医保基金，医保基金！") == ("医保", "基金", "医保基金")


def test_long_query_keeps_its_most_specific_terms_in_order():
    text = "医院在医保基金使用方面存在问题，医保基金监管不到位，串换项目收费，过度检查"
    assert len(lexical.query_terms(text)) == 22
    # tf × idf: 医保基金 (2 × 11.95) and 医保 (2 × 8.56) first, then words jieba's table does not know
    # (its median idf, 11.95) in query order; 存在, 问题, 不 … go
    assert lexical.query_terms(text, max_terms=8) == (
        "医保", "医保基金", "医保基金使用", "医保基金监管", "串换", "串换项目", "换项", "串换项目收费")


def test_select_terms_weighs_by_count_and_idf():
    assert lexical.select_terms(["的", "的", "医保"], 1) == ("医保",)
    assert lexical.select_terms(["a", "b"], 0) == ("a", "b")


def test_build_query_uses_the_field_boosts():
    query = lexical.build_query("采购", Target.MEASURES)
    assert (query.terms, dict(query.boosts)) == (("采购",), {"text_tokens": 2.0, "problem_tokens": 0.5})


# -- parsing -----------------------------------------------------------------------------------------

def test_a_lone_surrogate_in_a_query_becomes_a_space():
    """A JSON escape like \\ud800 gives a string no encoder takes (the model's tokenizer raised)."""
    request = parse_search_request(Settings(), q="医保\ud800基金\udfff")
    assert request.q == "医保 基金"
    request.q.encode("utf-8")


def test_parse_search_request_normalises_everything():
    request = parse_search_request(Settings(), q="  医保\x00基金\n ", mode="LEXICAL", page="2", size="5",
                                   province=["江西省, 湖南省", "江西省"], year_from="2020", category="medical_insurance",
                                   fusion="Linear")
    assert (request.q, request.mode, request.page, request.size, request.fusion) == (
        "医保 基金", Mode.LEXICAL, 2, 5, "linear")
    assert request.filters == SearchFilters(values={"province": ("江西省", "湖南省"), "category": ("medical_insurance",)},
                                            ranges={"year": (2020, None)})


def test_filters_become_backend_filters():
    filters = parse_filters(province="江西省", status=["completed", "in_progress"], year_from=2021, year_to=2024,
                            category="ideology", exclude_institution="甲医院", exclude_notice="n1")
    assert filters.to_backend(exclude_institution=["乙医院"], exclude_notice=["n1", "n2"]) == Filters(
        equals={"province": ("江西省",), "status": ("completed", "in_progress"), "categories": ("ideology",)},
        ranges={"year": (2021, 2024)},
        excludes={"institution": ("甲医院", "乙医院"), "notice_id": ("n1", "n2")},
    )
    assert parse_filters().to_backend() == Filters()


@pytest.mark.parametrize("kwargs, message", [
    ({"q": None}, "q is required: give the text to search for"),
    ({"q": "x", "mode": "both"}, "mode must be one of hybrid, lexical, semantic (got 'both')"),
    ({"q": "x", "page": "two"}, "page must be a whole number (got 'two')"),
    ({"q": "x", "year_to": "next"}, "year_to must be a whole number (got 'next')"),
])
def test_parse_errors_say_what_to_change(kwargs, message):
    with pytest.raises(BadQuery) as err:
        parse_search_request(Settings(), **kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize("kwargs, field, code, got, limits", [
    ({"q": " "}, "q", Problem.REQUIRED, None, {}),
    ({"q": "医" * 2001}, "q", Problem.TOO_LONG, 2001, {"max": 2000}),
    ({"q": "x", "size": 0}, "size", Problem.OUT_OF_RANGE, 0, {"min": 1, "max": 100}),
    ({"q": "x", "page": "two"}, "page", Problem.NOT_INTEGER, "two", {}),
    ({"q": "x", "page": 200}, "page", Problem.TOO_DEEP, 200, {"max": 1000, "page": 200, "size": 10}),
    ({"q": "x", "level": "town"}, "level", Problem.NOT_ALLOWED, "town",
     {"allowed": ["central", "province", "city", "county"]}),
    ({"q": "x", "year_from": 2025, "year_to": 2020}, "year_from", Problem.REVERSED, 2025, {"to": 2020}),
    ({"q": "x", "province": [f"p{i}" for i in range(21)]}, "province", Problem.TOO_MANY, 21, {"max": 20}),
])
def test_parse_errors_are_typed(kwargs, field, code, got, limits):
    with pytest.raises(BadQuery) as err:
        parse_search_request(Settings(), **kwargs)
    assert (err.value.field, err.value.code, err.value.got, err.value.limits) == (field, code, got, limits)


def test_every_filter_accepts_every_value_the_parser_emits():
    """The parser's own vocabularies (what indexing stores) against the registry's filters: a value
    the parser can store but a filter rejects (``central`` once) would make its facet a 400."""
    emitted = {
        "status": [s.value for s in Status],
        "level": list(dict.fromkeys(LEVELS.values())),
        "institution_type": list(INSTITUTION_TYPES),
        "inspection_kind": list(INSPECTION_KINDS),
        "inspection_type": list(INSPECTION_TYPES),
        "category": list(TAXONOMY),
    }
    closed = {f.request_param for f in FILTERS if f.allowed is not None}
    assert closed == set(emitted), "a closed vocabulary with no parser vocabulary to check it against"
    for param, values in emitted.items():
        for value in values:
            request = parse_search_request(Settings(), q="医保", **{param: value})
            assert request.filters.values == {param: (value,)}
            assert BY_PARAM[param].value_label(value)  # and each has a label to show
    # the inspection kind and type the parser finds in a text are among them
    assert inspection_kind(None, None, "根据县委巡视工作安排") in INSPECTION_KINDS
    assert {inspection_type(f"开展{name}巡察") for name in INSPECTION_TYPES} == set(INSPECTION_TYPES)


def test_filters_and_facets_are_the_same_in_both_collections():
    def how(f):  # everything but the description
        return f.name, f.kind, f.filter, f.request_param, f.facet, f.vocabulary, f.multi
    measures = {how(f) for f in FIELDS[Target.MEASURES]}
    for f in (*FILTERS, *FACETS):
        assert how(f) in measures, f.name


def test_parse_similar_request():
    request = parse_similar_request(Settings(), issue_id=" n1-001 ", scope="all", mode="semantic")
    assert (request.issue_id, request.scope, request.mode, request.facets) == ("n1-001", Scope.ALL, Mode.SEMANTIC,
                                                                               False)
    with pytest.raises(BadQuery, match="^issue id must be 1 to 100 characters$"):
        parse_similar_request(Settings(), issue_id="")


# -- collapse, encoder, documents ------------------------------------------------------------------

def test_collapse_counts_further_hits_per_institution():
    fused = [Fused(d, 1.0, {}) for d in ("a1", "b1", "a2", "c1", "a3", "b2")]
    docs = {"a1": {"institution": "A"}, "a2": {"institution": "A"}, "a3": {"institution": "A"},
            "b1": {"institution": "B"}, "b2": {"institution": "B"}, "c1": {"notice_id": "nc"}}
    kept, more = _collapse(fused, docs)
    assert [f.doc_id for f in kept] == ["a1", "b1", "c1"]
    assert more == {"a1": 2, "b1": 1, "c1": 0}


def test_query_encoder_embeds_each_text_once():
    calls = []

    class Counting(HashingEmbedder):
        def embed_queries(self, texts):
            calls.append(list(texts))
            return super().embed_queries(texts)

    encoder = QueryEncoder(Counting(16), cache_size=2)
    first = encoder.encode("医保基金")
    assert encoder.encode("医保基金") == first
    encoder.encode("采购")
    encoder.encode("招标")  # evicts 医保基金
    encoder.encode("医保基金")
    assert calls == [["医保基金"], ["采购"], ["招标"], ["医保基金"]]
    assert len(first) == 16 and all(isinstance(x, float) for x in first)


def test_public_drops_tokens_and_vectors():
    assert public({"id": "x", "problem_tokens": "a b", "vector": [1.0], "original_text": "t", "problem": "p"}) == {
        "id": "x", "problem": "p"}


# -- the service from Python -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def service():
    backend = MemoryBackend()
    search_corpus.load(backend)
    # pinned orders on hashing vectors: no floor, no variant forms in the query vector (test_ranking.py)
    svc = SearchService(Settings(backend="memory", relevance_floor=False, variant_vector=False), backend,
                        search_corpus.EMBEDDER)
    yield svc
    svc.close()


def test_service_search_returns_json_ready_pages(service):
    result = service.search_issues(parse_search_request(service.settings, q="乡村医生", mode="lexical"))
    data = result.to_dict()
    assert (data["ok"], data["target"], data["total"], [h["id"] for h in data["hits"]]) == (
        True, "issues", 1, ["sm2024-002"])
    # 乡村医生 itself, and 村卫生室 (the same variant group) highlighted as well
    assert data["hits"][0]["highlights"] == {"problem": [(0, 4), (11, 15)], "measures": [[(1, 5)], [(2, 6)]]}


def test_rank_gives_the_fused_list_only(service):
    fused = service.rank(Target.ISSUES, text="医保基金", query_vector=None, mode=Mode.LEXICAL, filters=Filters(),
                         fusion="rrf", depth=10, exclude_ids={"sm2024-001"})
    assert [f.doc_id for f in fused] == ["qh2025-001", "qh2023-001"]


def test_similar_issues_from_python(service):
    result = service.similar_issues(parse_similar_request(service.settings, issue_id="sm2024-001", mode="lexical"))
    # the lexical leg searches the whole example: problem and measures, generic words dropped
    assert result.terms == ["医保", "医保基金", "监管", "医保基金监管", "到位", "存在", "过度", "检查", "过度检查", "建立",
                            "日常", "台账", "合理", "专项", "培训"]
    assert [h["id"] for h in result.hits] == ["qh2023-001", "qh2025-001", "bc2022-001", "qh2023-004", "bc2022-002"]
    assert result.hits[0]["explain"]["matched_terms"] == ["医保", "医保基金", "存在", "专项"]
    assert result.source["id"] == "sm2024-001" and result.q is None


@pytest.mark.parametrize("boost, first", [(0.0, "sm2024-001"), (0.2, "qh2025-001")])
def test_similar_issues_rank_hits_sharing_the_examples_category_higher(boost, first):
    # the example is given a category that only the second of its two similar issues shares
    backend = MemoryBackend()
    bundles = search_corpus.make_bundles()
    source = next(doc for bundle in bundles for doc in bundle.issues if doc["id"] == "qh2023-001")
    source["categories"] = ["rectification"]
    backend.write(bundles)
    svc = SearchService(Settings(backend="memory", relevance_floor=False, example_category_boost=boost),
                        backend, search_corpus.EMBEDDER)
    hits = svc.similar_issues(parse_similar_request(svc.settings, issue_id="qh2023-001", scope="all")).hits
    assert [h["id"] for h in hits][:2] == [first, *({"sm2024-001", "qh2025-001"} - {first})]
    shared = {h["id"]: h["explain"]["shared_categories"] for h in hits}
    assert shared["qh2025-001"] == (["rectification"] if boost else [])  # the explanation names the prior
    assert shared["sm2024-001"] == []
    ranked = svc.ranked(parse_similar_request(svc.settings, issue_id="qh2023-001", scope="all"))
    assert [f.doc_id for f in ranked] == [h["id"] for h in hits]  # exports and evaluation rank the same
    svc.close()


@pytest.mark.parametrize("on", [False, True])
def test_typed_hits_sharing_the_best_hits_category_rank_higher(on):
    # the fifth hit of 医保基金监管 is given a category of the first (quality_safety) that the fourth lacks
    backend = MemoryBackend()
    bundles = search_corpus.make_bundles()
    for bundle in bundles:
        for doc in (*bundle.issues, *bundle.measures):
            if doc["id"].startswith("sm2024-003"):
                doc["categories"] = ["theory_study", "quality_safety"]
    backend.write(bundles)
    svc = SearchService(Settings(backend="memory", relevance_floor=False, example_category_boost=0.3,
                                 best_hit_categories=on), backend, search_corpus.EMBEDDER)
    request = parse_search_request(svc.settings, q="医保基金监管")
    hits = svc.search_issues(request).hits
    assert hits[0]["id"] == "sm2024-001" and "quality_safety" in hits[0]["categories"]
    assert [h["id"] for h in hits][3:5] == (["sm2024-003", "qh2025-002"] if on else ["qh2025-002", "sm2024-003"])
    assert hits[4 if not on else 3]["explain"]["shared_categories"] == (["quality_safety"] if on else [])
    assert hits[0]["explain"]["shared_with"] == ("best_hit" if on else None)
    assert [f.doc_id for f in svc.ranked(request)] == [h["id"] for h in hits]  # exports and evaluation too
    # a shallow page reads only the hits that could reach it, and orders it exactly as the whole list does
    whole = [f.doc_id for f in svc.ranked(request, depth=100)]
    assert all([f.doc_id for f in svc.ranked(request, depth=k)][:k] == whole[:k] for k in range(1, 6))
    # measures inherit their issue's categories: the prior would only lift the best hit's siblings
    measures = [h["id"] for h in svc.search_measures(request).hits]
    off = SearchService(svc.settings.with_overrides(best_hit_categories=False), backend, search_corpus.EMBEDDER)
    assert measures == [h["id"] for h in off.search_measures(request).hits]
    svc.close()
    off.close()


def test_qbe_without_a_stored_vector_embeds_the_problem():
    backend = MemoryBackend()
    bundles = search_corpus.make_bundles()
    for bundle in bundles:
        for doc in bundle.issues:
            doc.pop("vector")
    backend.write(bundles)
    svc = SearchService(Settings(backend="memory", relevance_floor=False), backend, search_corpus.EMBEDDER)
    request = parse_similar_request(svc.settings, issue_id="qh2023-001", mode="semantic")
    assert svc.similar_issues(request).hits == []  # nothing else has a vector to compare with
    svc.close()


def test_ranked_matches_the_pages_of_search_and_similar(service):
    settings = service.settings
    search = parse_search_request(settings, q="医保基金", size=3)
    assert [f.doc_id for f in service.ranked(search, depth=7)] == [
        h["id"] for page in (1, 2, 3) for h in service.search_issues(
            parse_search_request(settings, q="医保基金", size=3, page=page)).hits]
    similar = parse_similar_request(settings, issue_id="qh2023-001", scope="other_notices")
    assert [f.doc_id for f in service.ranked(similar)] == [h["id"] for h in service.similar_issues(similar).hits]
    measures = parse_search_request(settings, q="廉洁承诺书", mode="lexical")
    assert [f.doc_id for f in service.ranked(measures, Target.MEASURES)] == ["qh2023-004-m1"]
