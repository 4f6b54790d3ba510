"""Ranking: variant expansion (the list, the expansion rule, the explanation) and the relevance
floor (the rule; nonsense gets nothing; total, facets and export count exactly the hits above it)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from indexer.backends.base import Filters
from indexer.backends.memory import MemoryBackend
from indexer.settings import Settings
from indexer.types import Hit, Leg, Target
from search_api import floor, lexical, variants
from search_api.app import create_app
from search_api.fuse import Fused, LegRank
from search_api.parse import Mode, parse_search_request
from search_api.search import SearchService
from tests import contract_corpus, search_corpus


@pytest.fixture(scope="module")
def backend():
    store = MemoryBackend()
    search_corpus.load(store)
    return store


@pytest.fixture(scope="module")
def service(backend):
    svc = SearchService(Settings(backend="memory", relevance_floor=False), backend, search_corpus.EMBEDDER)
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(backend):
    """The API and page with the relevance floor on (its defaults)."""
    return TestClient(create_app(Settings(backend="memory"), backend, search_corpus.EMBEDDER))


# -- the list ---------------------------------------------------------------------------------------

def test_every_packaged_group_parses_with_a_reason():
    groups = variants.groups()
    assert len(groups) >= 50
    assert all(g.reason and len(g.forms) >= 2 for g in groups)


@pytest.mark.parametrize("line, message", [
    ("小金库 | 账外资金", "no '# reason'"),
    ("小金库  # only one form", "two or more forms"),
    ("小金库 | 账  # a one-character form", "two or more forms"),
])
def test_a_bad_line_stops_the_load(tmp_path, line, message):
    path = tmp_path / "variants.txt"
    path.write_text(f"# comment\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        variants.parse_groups(path)


# -- the expansion --------------------------------------------------------------------------------

GROUPS = [variants.Group(("甲乙丙", "丁戊己", "甲乙"), "made up")]


def test_a_form_in_the_text_brings_in_the_other_forms_but_not_its_own_parts():
    found = variants.expand("关于甲乙丙的问题", ["甲乙丙"], lambda form: [form], GROUPS)
    # 甲乙 is inside the form found: it adds nothing of its own
    assert found.terms == ("丁戊己",) and found.found == {"甲乙丙": ("丁戊己",), "甲乙": ("丁戊己",)}
    assert variants.expand("无关", ["无关"], lambda form: [form], GROUPS).terms == ()
    # the query's own terms keep their own (full) weight: they are not repeated as variants
    assert variants.expand("甲乙丙 丁戊己", ["甲乙丙", "丁戊己"], lambda form: [form], GROUPS).terms == ()


def test_matching_is_on_the_text_whatever_the_segmentation_and_width():
    found = variants.expand("ＡＢ私设小金库问题", ["私设"], lambda form: [form])
    assert "账外资金" in found.terms and "小金库" in found.found


def test_a_part_brings_in_its_whole_and_the_whole_its_parts_but_never_a_sibling(tmp_path):
    path = tmp_path / "variants.txt"
    path.write_text("甲乙丙 > 丁戊 | 己庚  # a made-up whole and its two parts\n", encoding="utf-8")
    groups = variants.parse_groups(path)
    assert groups[0].whole == "甲乙丙" and groups[0].forms == ("甲乙丙", "丁戊", "己庚")
    assert variants.expand("关于丁戊的问题", ["丁戊"], lambda form: [form], groups).terms == ("甲乙丙",)
    assert variants.expand("甲乙丙问题", ["甲乙丙"], lambda form: [form], groups).terms == ("丁戊", "己庚")
    # the packaged list: 形式主义 is one of 四风, 享乐主义 is another thing
    packaged = variants.expand("形式主义", ["形式主义"], lambda form: [form]).terms
    assert "四风" in packaged and "享乐主义" not in packaged


@pytest.mark.parametrize("line", ["甲乙 | 丙丁 > 戊己  # two forms before the whole's arrow",
                                  " > 丙丁 | 戊己  # no whole"])
def test_a_whole_is_one_form_before_the_arrow(tmp_path, line):
    path = tmp_path / "variants.txt"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="one whole"):
        variants.parse_groups(path)


def test_variant_terms_weigh_less_and_generic_words_are_not_added():
    query, expansion = lexical.build("吃空饷", Target.ISSUES, min_idf=4.5, variant_weight=0.4)
    assert expansion.terms and all(query.weight(t) == 0.4 for t in expansion.terms)
    assert all(query.weight(t) == 1.0 for t in query.terms if t not in expansion.terms)
    # the other forms' specific tokens; never a single character or a word common in any text
    assert {"在编", "虚报", "冒领"} <= set(expansion.terms)
    assert all(len(t) > 1 and lexical.idf(t) >= 4.5 for t in expansion.terms)
    off, none = lexical.build("吃空饷", Target.ISSUES, min_idf=4.5, variant_weight=0)
    assert none.terms == () and not set(off.weights)


def test_the_explanation_names_the_variants_a_hit_matched(service):
    request = parse_search_request(service.settings, q="三公经费", mode="lexical")
    result = service.search_issues(request).to_dict()
    assert result["variants"]["三公经费"][:1] == ["公务接待"]
    assert "公务接待" not in result["terms"]
    top = result["hits"][0]
    assert top["problem"].startswith("公务接待超标准")
    assert "公务接待" in top["explain"]["variant_terms"]
    assert top["highlights"]["problem"][0] == (0, 4)


def _top(backend, text: str, mode: str, **settings) -> Fused:
    """The first fused hit, its score the fusion's own (no category prior after it)."""
    settings = {"best_hit_categories": False, **settings}
    svc = SearchService(Settings(backend="memory", relevance_floor=False, **settings), backend, search_corpus.EMBEDDER)
    try:
        return svc.rank(Target.ISSUES, text=text, query_vector=None, mode=Mode(mode), filters=Filters(),
                        fusion="linear", depth=10)[0]
    finally:
        svc.close()


def test_a_short_query_is_embedded_with_the_variant_forms_it_brought_in(backend):
    """三公经费 is in no issue; embedded with its listed forms (公务接待 …) its vector comes closer to
    the issue that says 公务接待. A longer query (more than short_query_terms words) is embedded as typed."""
    on, off = _top(backend, "三公经费", "semantic"), _top(backend, "三公经费", "semantic", variant_vector=False)
    assert on.doc_id == off.doc_id and on.leg(Leg.VECTOR).score > off.leg(Leg.VECTOR).score + 0.1
    long_query = "三公经费开支审批程序执行不严格"
    assert len(lexical.query_terms(long_query, min_idf=4.5)) > Settings().short_query_terms
    assert (_top(backend, long_query, "semantic").leg(Leg.VECTOR).score
            == _top(backend, long_query, "semantic", variant_vector=False).leg(Leg.VECTOR).score)


def test_a_word_leg_that_found_only_variant_terms_weighs_the_variant_weight(backend):
    """Min–max scaling would give the best word hit of 三公经费 — found by 公务接待, a listed form,
    not by the query's own word — a full leg's weight; it gets variant_weight of it."""
    settings = Settings()
    top = _top(backend, "三公经费", "hybrid")
    assert top.leg(Leg.LEXICAL).rank == 1 and top.leg(Leg.VECTOR).rank == 1 and top.leg(Leg.BIGRAM) is None
    assert top.score == pytest.approx(settings.variant_weight * settings.lexical_weight + settings.vector_weight)
    assert _top(backend, "三公经费", "hybrid", variant_vector=False).score == pytest.approx(
        settings.lexical_weight + settings.vector_weight)
    own = _top(backend, "公务接待", "hybrid")  # its own word found: the leg keeps its weight
    assert own.score >= settings.lexical_weight + settings.vector_weight


# -- the relevance floor ----------------------------------------------------------------------------

def fused(doc_id: str, lexical_rank: int | None = None, cosine: float | None = None,
          bigram_rank: int | None = None) -> Fused:
    legs = {}
    if lexical_rank is not None:
        legs[Leg.LEXICAL] = LegRank(lexical_rank, 1.0)
    if cosine is not None:
        legs[Leg.VECTOR] = LegRank(1, cosine)
    if bigram_rank is not None:
        legs[Leg.BIGRAM] = LegRank(bigram_rank, 1.0)
    return Fused(doc_id, 0.0, legs)


FLOOR = {"min_coverage": 0.1, "similarity_window": 0.03, "answer_coverage": 0.3, "answer_similarity": 0.83}


def test_coverage_weighs_terms_by_specificity_and_variants_by_their_weight():
    idf = {"学术": 7.0, "不端": 11.0, "账外资金": 10.0}.get
    assert floor.coverage(("学术", "不端"), {}, {"学术"}, idf) == pytest.approx(7 / 18)
    assert floor.coverage(("学术", "不端"), {}, {"学术", "不端"}, idf) == 1.0
    # a variant found counts at its weight; the literal terms alone make the whole
    assert floor.coverage(("学术", "账外资金"), {"账外资金": 0.5}, {"账外资金"}, idf) == pytest.approx(5 / 7)
    assert floor.coverage((), {}, {"学术"}, idf) == 0.0


def test_words_found_but_only_the_generic_part_mean_no_answer():
    hits = [fused("a", 1, 0.95), fused("b", 2, 0.90)]
    assert floor.apply(hits, {"a": 0.25, "b": 0.2}, **FLOOR) == []  # even with a high cosine
    assert [f.doc_id for f in floor.apply(hits, {"a": 0.5, "b": 0.2}, **FLOOR)] == ["a", "b"]
    # query-by-example skips the gate (an issue is its own kind of answer)
    assert [f.doc_id for f in floor.apply(hits, {"a": 0.25, "b": 0.2}, **FLOOR, gate=False)] == ["a", "b"]


def test_another_wording_found_whole_opens_the_gate():
    idf = {"迟到早退": 9.0, "考勤": 6.0, "脱岗": 3.0, "离岗": 3.0}.get
    terms, weights = ("迟到早退", "考勤", "脱岗", "离岗"), {"考勤": 0.3, "脱岗": 0.3, "离岗": 0.3}
    alternatives = {("迟到早退",): [("考勤",), ("脱岗", "离岗")]}
    hits = [fused("a", 1, 0.86)]

    def kept(tokens: set[str]) -> list[str]:
        covered = {"a": floor.coverage(terms, weights, tokens, idf)}  # ranks as a lighter match
        concepts = {"a": floor.concept_coverage(terms, weights, tokens, idf, alternatives)}
        assert floor.apply(hits, covered, **FLOOR) == []
        return [f.doc_id for f in floor.apply(hits, covered, **FLOOR, concepts=concepts)]

    assert kept({"考勤", "制度"}) == ["a"]  # a wording found whole: what the query names is there
    assert kept({"脱岗", "离岗"}) == ["a"]
    assert kept({"脱岗", "制度"}) == []  # one word of a two-word wording is not it


def test_the_gate_takes_a_wording_from_the_list_whole(backend):
    query, expansion = lexical.build("吃空饷", Target.ISSUES, variant_weight=0.3)
    alternatives = lexical.alternatives(expansion, [t for t in query.terms if t not in query.weights], 0.0)
    assert alternatives and all(wordings for wordings in alternatives.values())
    assert all(set(replaced) <= set(query.terms) for replaced in alternatives)


def test_no_word_found_leaves_it_to_the_best_cosine():
    assert floor.apply([fused("a", cosine=0.81), fused("b", cosine=0.80)], {}, **FLOOR) == []
    kept = floor.apply([fused("a", cosine=0.86), fused("b", cosine=0.84), fused("c", cosine=0.82)], {}, **FLOOR)
    assert [f.doc_id for f in kept] == ["a", "b"]  # c is outside the window of the best cosine


def test_a_filtered_search_is_judged_by_the_querys_own_verdict():
    """A facet that drops the best vector hit must not widen the window: with the unfiltered
    query's verdict (best cosine 0.95) a hit at 0.90 is out, as it was before the click."""
    filtered = [fused("a", cosine=0.90), fused("b", cosine=0.89)]
    assert [f.doc_id for f in floor.apply(filtered, {}, **FLOOR)] == ["a", "b"]
    assert floor.apply(filtered, {}, **FLOOR, judged=floor.Verdict(True, 0.95)) == []
    assert floor.apply(filtered, {}, **FLOOR, judged=floor.Verdict(False, 0.90)) == []  # no answer unfiltered


def test_a_hit_stays_on_either_legs_evidence():
    hits = [fused("words", 1, 0.70), fused("meaning", None, 0.88), fused("weak", 2, 0.80), fused("far", None, 0.84)]
    kept = floor.apply(hits, {"words": 0.9, "weak": 0.05}, **FLOOR)
    assert [f.doc_id for f in kept] == ["words", "meaning"]


def test_a_bigram_hit_stays_on_its_share_of_the_query_bigrams():
    hits = [fused("words", 1, 0.90, 2), fused("pairs", None, 0.70, 1), fused("few", None, 0.70, 3)]
    kept = floor.apply(hits, {"words": 0.9}, **FLOOR, bigram_covered={"words": 1.0, "pairs": 0.6, "few": 0.2},
                       min_bigram_coverage=0.5)
    assert [f.doc_id for f in kept] == ["words", "pairs"]
    assert floor.share(("规费", "退回", "规费"), {"规费"}) == 0.5


def test_bigrams_never_open_the_answer_gate():
    """No word of the query found and no close meaning: bigram matches alone (存在 of 不存在) give nothing."""
    hits = [fused("a", None, 0.80, 1), fused("b", None, 0.79, 2)]
    assert floor.apply(hits, {}, **FLOOR, bigram_covered={"a": 1.0, "b": 1.0}, min_bigram_coverage=0.1) == []


def test_not_one_word_or_character_pair_found_means_no_answer_whatever_the_cosine():
    """In a hybrid search (the bigram leg ran) meaning alone judges a query only when some piece of it
    is in the corpus: a bigram hit (a word cut another way) lets the cosine decide, nothing at all does not."""
    judge = {"answer_coverage": 0.3, "answer_similarity": 0.83}
    meaning_only = [fused("a", cosine=0.90), fused("b", cosine=0.88)]
    assert floor.verdict(meaning_only, {}, **judge).answered  # semantic search: the cosine decides
    assert not floor.verdict(meaning_only, {}, **judge, pieces_searched=True).answered
    with_pair = [fused("a", None, 0.90, 1), fused("b", cosine=0.88)]
    assert floor.verdict(with_pair, {}, **judge, pieces_searched=True).answered
    assert floor.verdict(meaning_only, {}, **judge, pieces_searched=True, gate=False).answered  # examples


def test_an_out_of_domain_phrase_gets_no_hybrid_hits(backend):
    """河长制 (river chiefs) is in no notice of the test corpus, not even one character pair of it: the
    vector leg always has a nearest issue, but the hybrid search answers nothing. (The cosine
    threshold is set to 0 so that only this rule can empty it.)"""
    settings = Settings(backend="memory", answer_similarity=0.0)
    svc = SearchService(settings, backend, search_corpus.EMBEDDER)
    try:
        def total(q: str, mode: str) -> int:
            return svc.search_issues(parse_search_request(settings, q=q, mode=mode)).total
        assert total("河长制", "semantic") > 0 and total("河长制", "hybrid") == 0
        assert total("医保基金", "hybrid") > 0
    finally:
        svc.close()


@pytest.fixture(scope="module")
def bigram_backend():
    store = MemoryBackend()
    store.write(contract_corpus.make_bundles())
    return store


@pytest.mark.parametrize("weight, ranked", [(1.5, ["n1-001"]), (0.0, [])])
def test_the_bigram_leg_ranks_and_explains_a_hit_the_words_miss(bigram_backend, weight, ranked):
    """规费 is no word token of 违规费用 (违规 / 费用); the bigram leg finds it and says so."""
    settings = Settings(backend="memory", relevance_floor=False, bigram_weight=weight, fusion="rrf",
                        best_hit_categories=False)  # the fusion's own score
    svc = SearchService(settings, bigram_backend, contract_corpus.EMBEDDER)
    try:
        request = parse_search_request(settings, q="规费", size=20)
        result = svc.search_issues(request)
    finally:
        svc.close()
    by_bigram = [h["id"] for h in result.hits if h["explain"]["bigram"] is not None]
    assert by_bigram == ranked
    assert all(h["explain"]["lexical"] is None for h in result.hits)  # no word of the query is in the corpus
    if ranked:
        top = result.hits[0]
        assert top["id"] == "n1-001"
        assert top["explain"]["bigram"]["rank"] == 1 and top["explain"]["bigram"]["score"] > 0
        vec = top["explain"]["vector"]
        vector_share = settings.vector_weight / (settings.rrf_k + vec["rank"]) if vec else 0.0
        assert top["score"] == round(weight / (settings.rrf_k + 1) + vector_share, 6)


@pytest.mark.parametrize("text", ["zzqqxx不存在的东西", "？？？！！！", "……", "😀😀🎉", "qwzx plmk", "asdfghjkl"])
@pytest.mark.parametrize("mode", ["hybrid", "lexical", "semantic"])
def test_nonsense_gets_no_hits(client, text, mode):
    body = client.get("/api/search", params={"q": text, "mode": mode}).json()
    assert (body["total"], body["hits"]) == (0, [])
    assert all(entries == [] for entries in body["facets"].values())


def test_facet_counts_are_what_clicking_gives_above_the_floor(client):
    body = client.get("/api/search", params={"q": "医保基金", "size": 100}).json()
    assert 0 < body["total"] == len(body["hits"])
    for param in ("institution", "status", "year"):
        assert sum(e["count"] for e in body["facets"][param]) == body["total"] or param == "status"
        for entry in body["facets"][param]:
            click = {"year_from": entry["value"], "year_to": entry["value"]} if param == "year" else {param: entry["value"]}
            clicked = client.get("/api/search", params={"q": "医保基金", "size": 100, **click}).json()
            assert clicked["total"] == len(clicked["hits"]) == entry["count"], (param, entry)


def test_export_takes_exactly_the_hits_above_the_floor(client, service):
    unfloored = service.search_issues(parse_search_request(service.settings, q="医保基金", size=100)).total
    assert client.get("/api/search", params={"q": "医保基金"}).json()["total"] < unfloored  # the floor cuts
    for q in ("医保基金", "zzqqxx不存在的东西"):
        hits = [h["id"] for h in client.get("/api/search", params={"q": q, "size": 100}).json()["hits"]]
        response = client.get("/export.csv", params={"q": q, "size": 100})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
        assert int(response.headers["x-export-rows"]) == len(rows) == len(hits), q


def test_a_short_query_finding_only_its_generic_word_gets_nothing(backend):
    """采购 is in the corpus, 造假 is not: two words, the generic one found, is no answer."""
    def total(**settings: float) -> int:
        app = create_app(Settings(backend="memory", **settings), backend, search_corpus.EMBEDDER)
        return TestClient(app).get("/api/search", params={"q": "采购 造假"}).json()["total"]

    assert total(short_answer_coverage=0.0) > 0  # the general gate alone lets it through
    assert total() == 0
    assert total(short_query_terms=1) > 0  # a two-word query is not short at 1


# -- the floor's evidence, read only where a decision needs it ---------------------------------------

def _evidence(docs: dict[str, dict], lexical_ids: list[str], bigram_ids: list[str], terms: tuple[str, ...],
              reads: list[list[str]]) -> floor.Evidence:
    """Evidence over stored documents; ``reads`` records each batch of ids asked for."""
    def read(ids: list[str]) -> list[dict]:
        reads.append(list(ids))
        return [docs[i] for i in ids if i in docs]
    query = lexical.LexicalQuery(terms, {"problem_tokens": 1.0})
    bigrams = lexical.build_bigrams("".join(terms), Target.ISSUES)
    hits = [Hit(i, 1.0, Leg.LEXICAL) for i in lexical_ids]
    return floor.Evidence(Target.ISSUES, read, hits, [Hit(i, 1.0, Leg.BIGRAM) for i in bigram_ids], query, bigrams, {})


def _eager(ev: floor.Evidence, ids: list[str]) -> tuple[dict, dict, dict]:
    """The same measures over every hit, as dicts (what the floor measured before it read lazily)."""
    ev.prefetch(ids)
    return ({i: ev.words[i] for i in ev.words}, {i: ev.concepts[i] for i in ev.concepts},
            {i: ev.bigrams[i] for i in ev.bigrams})


@pytest.mark.parametrize("seed", range(6))
def test_lazy_evidence_keeps_exactly_what_measuring_every_hit_keeps(seed):
    import random
    rng = random.Random(seed)
    words = ["医保", "基金", "套取", "药品", "采购", "公车", "私用", "考勤"]
    docs = {f"d{n}": {"id": f"d{n}", "problem": "".join(picked), "problem_tokens": " ".join(picked)}
            for n in range(40) for picked in [rng.sample(words, rng.randint(1, 4))]}
    for terms in [("医保",), ("医保", "基金"), tuple(words)]:
        ids = list(docs)
        lexical_ids = [i for i in ids if set(terms) & set(docs[i]["problem_tokens"].split())][:25]
        bigram_ids = rng.sample(ids, 15) + ["gone"]
        hits = [fused(i, lexical_rank=n + 1 if i in lexical_ids else None,
                      cosine=rng.choice([None, 0.80, 0.86, 0.9]), bigram_rank=1 if i in bigram_ids else None)
                for n, i in enumerate(dict.fromkeys([*lexical_ids, *bigram_ids]))]
        for gate in (True, False):
            reads: list[list[str]] = []
            lazy = _evidence(docs, lexical_ids, bigram_ids, terms, reads)
            options = {**FLOOR, "gate": gate, "min_bigram_coverage": 0.5}
            kept = floor.apply(hits, lazy.words, **options, bigram_covered=lazy.bigrams, concepts=lazy.concepts,
                               least_coverage=lazy.least)
            covered, concepts, shares = _eager(_evidence(docs, lexical_ids, bigram_ids, terms, []), list(docs))
            assert kept == floor.apply(hits, covered, **options, bigram_covered=shares, concepts=concepts)


def test_one_term_that_covers_enough_keeps_every_word_hit_unread():
    docs = {f"d{n}": {"id": f"d{n}", "problem_tokens": "医保 基金"} for n in range(10)}
    reads: list[list[str]] = []
    ev = _evidence(docs, list(docs), [], ("医保", "基金"), reads)
    assert ev.least >= FLOOR["min_coverage"]
    hits = [fused(i, lexical_rank=n + 1) for n, i in enumerate(docs)]
    kept = floor.apply(hits, ev.words, **FLOOR, concepts=ev.concepts, least_coverage=ev.least)
    assert kept == hits
    assert reads == [list(docs)[:floor.BATCH]]  # the gate read the first batch only: its first hit answers


def test_hits_kept_by_their_cosine_are_not_read():
    docs = {f"d{n}": {"id": f"d{n}", "problem_tokens": "采购"} for n in range(6)}
    reads: list[list[str]] = []
    ev = _evidence(docs, list(docs), list(docs), tuple(f"词{n}" for n in range(12)), reads)
    assert ev.least < FLOOR["min_coverage"]  # twelve terms: one alone does not cover enough
    hits = [fused(i, lexical_rank=n + 1, cosine=0.9 if n < 4 else 0.5, bigram_rank=n + 1) for n, i in enumerate(docs)]
    kept = floor.apply(hits, ev.words, **FLOOR, gate=False, bigram_covered=ev.bigrams, least_coverage=ev.least)
    assert [f.doc_id for f in kept] == ["d0", "d1", "d2", "d3"]
    assert reads == [["d4", "d5"]]  # one batch: the two hits whose words and bigrams decide


def test_least_coverage_is_what_any_one_term_covers():
    idf = {"医保": 3.0, "基金": 1.0, "套取": 6.0}.get
    query = lexical.LexicalQuery(("医保", "基金", "套取"), {"problem_tokens": 1.0}, {"套取": 0.5})
    least = floor.least_coverage(query, idf)
    assert least == pytest.approx(1.0 / 4.0)
    for tokens in ({"基金"}, {"医保"}, {"套取"}, {"基金", "套取"}):
        assert floor.coverage(query.terms, query.weights, tokens, idf) >= least
    assert floor.least_coverage(lexical.LexicalQuery(("医保 基金",), {"problem_tokens": 1.0}), idf) == 0.0


def test_the_gate_reads_on_until_a_hit_answers_and_a_gone_hit_covers_nothing():
    terms = tuple(f"词{n}" for n in range(12))
    docs = {f"d{n:02d}": {"id": f"d{n:02d}", "problem_tokens": "词0"} for n in range(20)}
    docs["d18"]["problem_tokens"] = " ".join(terms)  # the one answer, past the first batch
    hits = [fused(i, lexical_rank=n + 1) for n, i in enumerate([*docs, "gone"])]
    reads: list[list[str]] = []
    ev = _evidence(docs, [*docs, "gone"], [], terms, reads)
    assert floor.verdict(hits, ev.concepts, answer_coverage=0.3, answer_similarity=0.83).answered
    assert len(reads) == 2
    del docs["d18"]
    ev = _evidence(docs, [*docs, "gone"], [], terms, [])
    assert not floor.verdict(hits, ev.concepts, answer_coverage=0.3, answer_similarity=0.83).answered
    ev = _evidence(docs, ["gone", *docs], [], terms, [])
    assert floor.apply([fused("gone", lexical_rank=1)], ev.words, **FLOOR, gate=False, least_coverage=ev.least) == []


def test_the_gate_looks_at_the_word_legs_best_hits_first_which_early_reads():
    terms = ("医保", "基金")
    docs = {f"d{n:02d}": {"id": f"d{n:02d}", "problem_tokens": "医保 基金" if n == 0 else "基金"} for n in range(30)}
    reads: list[list[str]] = []
    ev = _evidence(docs, list(docs), [], terms, reads)
    ev.early()  # the word leg's first hits, while the query is embedded
    fused_order = [fused(i, lexical_rank=n + 1) for n, i in enumerate(docs)][::-1]  # fusion put d00 last
    assert floor.verdict(fused_order, ev.concepts, answer_coverage=0.9, answer_similarity=0.83).answered
    assert reads == [list(docs)[:floor.BATCH]]  # nothing more read: the answer was among them
