"""The backend contract (indexer/backends/base.py), run against every backend.

Rankings are compared with the memory backend, the reference implementation."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.backends.base import Backend, Filters, LexicalQuery
from indexer.backends.memory import MemoryBackend
from indexer.errors import IncompatibleIndex
from indexer.fields import lexical_boosts
from indexer.tokenise import tokenise_query
from indexer.types import Target
from tests.contract_corpus import EMBEDDER, make_bundles

ISSUES = Target.ISSUES
MEASURES = Target.MEASURES


def _query(text: str, target: Target = ISSUES) -> LexicalQuery:
    return LexicalQuery(tuple(tokenise_query(text)), lexical_boosts(target))


def _loaded(backend: Backend) -> Backend:
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    result = backend.write(make_bundles())
    assert result.written == ["n1", "n2", "n3"] and not result.failed
    return backend


@pytest.fixture
def reference() -> MemoryBackend:
    ref = MemoryBackend()
    ref.write(make_bundles())
    return ref


def test_satisfies_protocol(backend):
    assert isinstance(backend, Backend)


def test_counts_after_write(backend):
    info = _loaded(backend).info()
    assert (info.notices, info.issues, info.measures) == (3, 7, 10)
    assert (info.model_id, info.dims, info.dictionary_version) == (EMBEDDER.model_id, 32, "test-dict")


def test_rewriting_the_same_notices_changes_nothing(backend):
    _loaded(backend)
    backend.write(make_bundles())
    info = backend.info()
    assert (info.notices, info.issues, info.measures) == (3, 7, 10)


def test_replace_removes_the_old_notice_with_its_documents(backend):
    _loaded(backend)
    [changed] = make_bundles([("n1b", "青禾县人民医院", "hospital", "江西省", 2023, [("公务用车管理不规范", None, ["建立公车台账"])])])
    changed.source = "n1.txt"
    backend.write([changed], replaces={"n1b": "n1"})
    assert not backend.has_notice("n1") and backend.has_notice("n1b")
    assert backend.notice_id_for_source("n1.txt") == "n1b"
    assert backend.get(ISSUES, ["n1-001", "n1b-001"])[0]["id"] == "n1b-001"
    info = backend.info()
    assert (info.notices, info.issues, info.measures) == (3, 5, 7)


def test_delete_removes_issues_and_measures(backend):
    _loaded(backend)
    assert backend.delete_notices(["n2", "missing"]) == 1
    assert backend.get(ISSUES, ["n2-001"]) == []
    assert backend.get(MEASURES, ["n2-001-m1"]) == []
    assert backend.get_notice("n2") is None
    assert backend.lexical(ISSUES, _query("医德医风"), Filters(), 10) == []


def test_lexical_ranking_matches_the_reference(backend, reference):
    _loaded(backend)
    for text in ("医保基金", "医保基金监管 过度检查", "采购制度", "公务接待"):
        got = [h.doc_id for h in backend.lexical(ISSUES, _query(text), Filters(), 5)]
        want = [h.doc_id for h in reference.lexical(ISSUES, _query(text), Filters(), 5)]
        assert got == want, text
    # Only the two 医保基金 issues match; their order is the reference's (a near tie).
    assert {h.doc_id for h in backend.lexical(ISSUES, _query("医保基金"), Filters(), 5)} == {"n1-001", "n2-001"}


def test_lexical_scores_are_bm25_like_the_reference(backend, reference):
    _loaded(backend)
    got = backend.lexical(ISSUES, _query("医保基金"), Filters(), 5)
    want = reference.lexical(ISSUES, _query("医保基金"), Filters(), 5)
    assert [round(h.score, 3) for h in got] == pytest.approx([round(h.score, 3) for h in want], rel=0.02)


def test_term_weights_rank_alike_in_every_backend(backend, reference):
    """A weight below 1 (a variant of the user's word) lowers that term's share of the score, the
    same way in every backend."""
    _loaded(backend)
    plain = LexicalQuery(("医保基金", "采购"), lexical_boosts(ISSUES))
    light = LexicalQuery(("医保基金", "采购"), lexical_boosts(ISSUES), {"采购": 0.05})
    for query in (plain, light):
        got = backend.lexical(ISSUES, query, Filters(), 5)
        want = reference.lexical(ISSUES, query, Filters(), 5)
        assert [h.doc_id for h in got] == [h.doc_id for h in want]
        assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=0.02)
    assert backend.lexical(ISSUES, plain, Filters(), 1)[0].doc_id == "n3-001"
    assert backend.lexical(ISSUES, light, Filters(), 1)[0].doc_id in {"n1-001", "n2-001"}


def test_variant_expansion_finds_the_same_issues_in_every_backend(backend, reference):
    """三公经费 is nowhere in the corpus; its variant 公务接待 (indexer/data/variants.txt) is."""
    from search_api import lexical

    _loaded(backend)
    literal = lexical.build_query("三公经费", ISSUES, min_idf=4.5)
    assert backend.lexical(ISSUES, literal, Filters(), 5) == []
    query, expansion = lexical.build("三公经费", ISSUES, min_idf=4.5, variant_weight=0.5)
    assert "公务接待" in expansion.terms and query.weight("公务接待") == 0.5 and query.weight("三公") == 1.0
    got = backend.lexical(ISSUES, query, Filters(), 5)
    want = reference.lexical(ISSUES, query, Filters(), 5)
    assert [h.doc_id for h in got] == [h.doc_id for h in want] and got[0].doc_id == "n1-003"
    assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=0.02)


def test_bigram_leg_finds_the_same_documents_in_every_backend(backend, reference):
    """规费 is no word token of the corpus (违规费用 is cut 违规 / 费用) but is one of its character
    bigrams: the bigram leg's query finds it, with the reference's ranking and scores."""
    from search_api import lexical

    _loaded(backend)
    assert backend.lexical(ISSUES, lexical.build_query("规费", ISSUES), Filters(), 5) == []
    for target, text in ((ISSUES, "规费"), (ISSUES, "医保基金监管不到位"), (MEASURES, "规费"),
                         (MEASURES, "医保基金监管台账")):
        query = lexical.build_bigrams(text, target)
        got = backend.lexical(target, query, Filters(), 5)
        want = reference.lexical(target, query, Filters(), 5)
        assert [h.doc_id for h in got] == [h.doc_id for h in want], (target, text)
        assert [h.score for h in got] == pytest.approx([h.score for h in want], rel=0.02)
    assert [h.doc_id for h in backend.lexical(ISSUES, lexical.build_bigrams("规费", ISSUES), Filters(), 5)] == [
        "n1-001"]
    assert [h.doc_id for h in backend.lexical(MEASURES, lexical.build_bigrams("规费", MEASURES), Filters(), 5)] == [
        "n1-001-m2"]


def test_measures_are_searchable_as_documents(backend):
    _loaded(backend)
    hits = backend.lexical(MEASURES, _query("医保基金 台账", MEASURES), Filters(), 3)
    assert hits[0].doc_id == "n2-001-m1"
    assert backend.get(MEASURES, ["n2-001-m1"])[0]["issue_id"] == "n2-001"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(equals={"province": ("江西省",)}), {"n1-001"}),
        (Filters(equals={"institution_type": ("township_health_centre", "cdc")}), {"n2-001"}),
        (Filters(ranges={"year": (2024, None)}), {"n2-001"}),
        (Filters(ranges={"year": (None, 2023)}), {"n1-001"}),
        (Filters(excludes={"notice_id": ("n2",)}), {"n1-001"}),
        (Filters(equals={"status": ("completed",)}, excludes={"institution": ("石门镇卫生院",)}), {"n1-001"}),
        (Filters(equals={"categories": ("medical_insurance",)}), {"n1-001", "n2-001"}),
    ],
)
def test_both_legs_apply_the_same_filters(backend, filters, expected):
    _loaded(backend)
    lexical = {h.doc_id for h in backend.lexical(ISSUES, _query("医保基金"), filters, 10)}
    vector = EMBEDDER.embed_queries(["违规使用医保基金"])[0].tolist()
    allowed = {d["id"] for d in backend.get(ISSUES, [f"n{n}-00{s}" for n in (1, 2, 3) for s in (1, 2, 3)])
               if d["id"] in {h.doc_id for h in backend.vector(ISSUES, vector, filters, 10)}}
    assert lexical == expected
    everything = {h.doc_id for h in backend.vector(ISSUES, vector, Filters(), 10)}
    assert allowed <= everything
    assert allowed and all(_passes(backend, doc_id, filters) for doc_id in allowed)


def _passes(backend, doc_id, filters) -> bool:
    from indexer.backends.memory import matches

    return matches(backend.get(ISSUES, [doc_id])[0], filters)


def test_vector_top_k_is_exact_cosine(backend, reference):
    _loaded(backend)
    query = EMBEDDER.embed_queries(["医保基金使用不规范"])[0].tolist()
    got = backend.vector(ISSUES, query, Filters(), 4)
    want = reference.vector(ISSUES, query, Filters(), 4)
    assert [h.doc_id for h in got] == [h.doc_id for h in want]
    assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=2e-3)


def test_issue_family_vectors_are_an_issues_own_and_its_measures(backend):
    """What the search core scores measure vectors from, for candidate issues only (a backend
    without it — Elasticsearch — has the measure vectors searched whole instead)."""
    if not hasattr(backend, "issue_family_vectors"):
        pytest.skip("this backend searches measure vectors whole")
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    bundles = make_bundles(measure_vectors=True)
    backend.write(bundles)
    owners, matrix = backend.issue_family_vectors(["n1-001", "n2-002", "missing", "n1-001"])
    assert sorted(owners) == ["n1-001"] * 3 + ["n2-002"] * 3
    want = {doc["id"]: doc["vector"] for b in bundles for doc in (*b.issues, *b.measures)}
    for owner, row in zip(owners, matrix, strict=True):  # each row one of its issue's vectors (int8 stored:
        own = [np.asarray(want[i]) for i in want if i == owner or i.startswith(f"{owner}-m")]  # half a step off)
        assert min(float(np.abs(row - v).max() / np.abs(v).max()) for v in own) <= 0.5 / 127 + 1e-6
    backend.delete_notices(["n2"])
    assert backend.issue_family_vectors(["n2-002"])[0] == []


def test_facets_count_filtered_and_matching_documents(backend):
    _loaded(backend)
    all_facets = backend.facets(ISSUES, Filters(), ["province", "status", "year"])
    assert all_facets["province"] == [("江西省", 5), ("湖南省", 2)]
    assert dict(all_facets["status"]) == {"completed": 3, "in_progress": 1, "long_term": 1, "basically_completed": 1}
    matching = backend.facets(ISSUES, Filters(), ["institution"], _query("医保基金"))
    assert matching["institution"] == [("石门镇卫生院", 1), ("青禾县人民医院", 1)]
    filtered = backend.facets(ISSUES, Filters(equals={"province": ("江西省",)}), ["institution_type"])
    assert filtered["institution_type"] == [("hospital", 3), ("cdc", 2)]


def test_count_facets_counts_exactly_the_given_documents(backend):
    """The facets of a result list: each given document once, each of its distinct values once;
    unknown and deleted ids are left out; measures too (which have no vectors here)."""
    _loaded(backend)
    ids = ["n1-001", "n1-002", "n2-001", "n3-001", "missing"]
    counts = backend.count_facets(ISSUES, ids, ["province", "status", "year", "categories"], size=10)
    assert counts == {"province": [("江西省", 3), ("湖南省", 1)],
                      "status": [("completed", 2), ("in_progress", 1)],  # n3-001 has no status
                      "year": [("2023", 2), ("2022", 1), ("2024", 1)],
                      "categories": [("medical_insurance", 2)]}
    assert backend.count_facets(ISSUES, ids, ["province"], size=1) == {"province": [("江西省", 3)]}
    measures = backend.count_facets(MEASURES, ["n1-001-m1", "n1-001-m2", "n2-002-m1"], ["institution"], size=10)
    assert measures == {"institution": [("青禾县人民医院", 2), ("石门镇卫生院", 1)]}
    backend.delete_notices(["n2"])
    assert backend.count_facets(ISSUES, ids, ["province"], size=10) == {"province": [("江西省", 3)]}


def test_get_keeps_the_order_asked_and_skips_missing(backend):
    _loaded(backend)
    docs = backend.get(ISSUES, ["n3-002", "nope", "n1-001"])
    assert [d["id"] for d in docs] == ["n3-002", "n1-001"]
    assert docs[1]["measures"] == ["开展医保基金专项自查", "退回违规费用3.2万元"]
    vectors = backend.get_vectors(ISSUES, ["n1-001"])
    assert len(vectors["n1-001"]) == 32


def test_notice_records(backend):
    _loaded(backend)
    notice = backend.get_notice("n1")
    assert notice["issue_ids"] == ["n1-001", "n1-002", "n1-003"]
    assert sorted(n["notice_id"] for n in backend.iter_notices()) == ["n1", "n2", "n3"]
    assert backend.notice_id_for_source("n3.txt") == "n3"


def test_another_model_or_dictionary_is_refused(backend):
    _loaded(backend)
    with pytest.raises(IncompatibleIndex, match="model"):
        backend.check_compatible("other-model", 32, "test-dict")
    with pytest.raises(IncompatibleIndex, match="dictionary"):
        backend.check_compatible(EMBEDDER.model_id, 32, "other-dict")


def test_rebuild_records_the_model_asked_for_last(backend):
    _loaded(backend)
    with pytest.raises(IncompatibleIndex):
        backend.check_compatible("next-model", 32, "test-dict")
    backend.rebuild(make_bundles())
    assert backend.info().model_id == "next-model"
    backend.check_compatible("next-model", 32, "test-dict")


def test_rebuild_replaces_the_whole_index(backend):
    _loaded(backend)
    backend.rebuild(make_bundles()[:2])
    info = backend.info()
    assert (info.notices, info.issues) == (2, 5)
    assert backend.lexical(ISSUES, _query("采购"), Filters(), 5) == []
