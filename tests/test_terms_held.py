"""Which query terms a search leg's hits hold, told by the embedded backend's lexical index
(``terms_held``), is what their stored documents say; the relevance floor measured on it keeps
exactly the hits it keeps measured on the documents, and reads none of them."""

from __future__ import annotations

import pytest

from indexer.backends.base import Filters
from indexer.backends.embedded import EmbeddedBackend
from indexer.fields import field_named
from indexer.types import Hit, Leg, Target
from search_api import floor, lexical
from tests.contract_corpus import EMBEDDER, make_bundles

QUERIES = ["违规使用医保基金", "政府采购 程序 内控", "理论学习 计划", "医德医风 教育 培训", "公务接待 超标准 管理办法"]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    backend = _loaded(tmp_path_factory.mktemp("held"))
    yield backend
    backend.close()


def _tokens(doc: dict, fields: list[str]) -> set[str]:
    return {t for name in fields for t in (doc.get(name) or "").split()}


@pytest.mark.parametrize("target", list(Target))
def test_the_terms_a_hit_holds_are_those_its_stored_fields_hold(backend, target):
    everything = " ".join(d.get("problem_tokens", "") for d in backend.get(target, _all_ids(backend, target)))
    corpus_terms = list(dict.fromkeys(everything.split()))
    for text in QUERIES:
        for query in (lexical.build_query(text, target), lexical.build_bigrams(text, target)):
            hits = [h.doc_id for h in backend.lexical(target, query, Filters(), 50)]
            assert hits
            fields = [name for name, boost in query.boosts.items() if boost > 0]
            # more terms than one look-up takes (24), and some no field can hold (whitespace)
            terms = [*query.terms, *corpus_terms[:30], "医保 基金", ""]
            held = backend.terms_held(target, hits, fields, terms)
            docs = {d["id"]: d for d in backend.get(target, hits)}
            assert set(held) == set(hits)
            for doc_id in hits:
                assert held[doc_id] == _tokens(docs[doc_id], fields) & set(terms), doc_id


def test_rows_no_leg_found_gone_ones_and_fields_not_indexed_tell_nothing(tmp_path):
    backend = _loaded(tmp_path)
    query = lexical.build_query("违规使用医保基金", Target.ISSUES)
    fields = list(query.boosts)
    assert backend.terms_held(Target.ISSUES, ["n1-001"], fields, query.terms) == {}  # no leg found its row
    hits = [h.doc_id for h in backend.lexical(Target.ISSUES, query, Filters(), 10)]
    assert any(backend.terms_held(Target.ISSUES, hits, fields, query.terms).values())
    assert backend.terms_held(Target.ISSUES, hits, ["problem"], query.terms) == {}  # stored, not a scored field
    notice = backend.get(Target.ISSUES, hits[:1])[0]["notice_id"]
    backend.delete_notices([notice])
    assert backend.terms_held(Target.ISSUES, hits, fields, query.terms) == {}  # a write since: rows unknown
    hits = [h.doc_id for h in backend.lexical(Target.ISSUES, query, Filters(), 10)] + [hits[0]]
    held = backend.terms_held(Target.ISSUES, hits, fields, query.terms)
    assert hits[0] in held and hits[-1] not in held  # the gone hit: its row is no leg's any more
    backend.close()


@pytest.mark.parametrize("lookups", [2, 10**6])
@pytest.mark.parametrize("text", QUERIES)
def test_the_floor_measured_on_the_terms_held_is_the_floor_measured_on_the_documents(backend, text, lookups,
                                                                                      monkeypatch):
    monkeypatch.setattr(floor, "LOOKUPS", lookups)  # 2: too many terms for the index, every hit read
    target = Target.ISSUES
    query, expansion = lexical.build(text, target, variant_weight=0.3)
    alternatives = lexical.alternatives(expansion, query.literal_terms(), 0.0)
    bigrams = lexical.build_bigrams(text, target)
    legs = {leg: [Hit(h.doc_id, h.score, leg) for h in backend.lexical(target, q, Filters(), 60)]
            for leg, q in ((Leg.LEXICAL, query), (Leg.BIGRAM, bigrams))}
    reads: list[list[str]] = []

    def read(ids: list[str]) -> list[dict]:
        reads.append(ids)
        return backend.get(target, ids, derived=False)

    def evidence(held) -> floor.Evidence:
        return floor.Evidence(target, read, legs[Leg.LEXICAL], legs[Leg.BIGRAM], query, bigrams, alternatives,
                              held)

    told = evidence(lambda ids, fields, terms: backend.terms_held(target, ids, fields, terms))
    ids = list(told.found)
    told.prefetch(ids)
    measured = [(i, told.words.get(i), told.concepts.get(i), told.bigrams.get(i)) for i in ids]
    if lookups > 2:
        assert reads == []  # every hit told by the index: no document read
    else:
        assert sorted(i for batch in reads for i in batch) == sorted(ids)
    assert any(m[1] for m in measured) and any(m[3] for m in measured)
    from_docs = evidence(None)
    from_docs.prefetch(ids)
    assert measured == [(i, from_docs.words.get(i), from_docs.concepts.get(i), from_docs.bigrams.get(i))
                        for i in ids]
    assert field_named("bigram_tokens", target).derived_from  # what from_docs read with derived=False


def _all_ids(backend: EmbeddedBackend, target: Target) -> list[str]:
    return [d["id"] for rows, _ in backend.scan(target, []) for d in rows]


def _loaded(path) -> EmbeddedBackend:
    backend = EmbeddedBackend(path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(make_bundles(measure_vectors=True))
    return backend


def test_hits_the_index_does_not_tell_about_are_read_and_measured_on_their_documents(backend, monkeypatch):
    monkeypatch.setattr(floor, "BATCH", 2)  # more hits than one batch: the rest are asked about later
    target, text = Target.ISSUES, "医保基金 制度 公务接待 政府采购 理论学习 医德医风"
    query, bigrams = lexical.build_query(text, target), lexical.build_bigrams(text, target)
    legs = {leg: [Hit(h.doc_id, h.score, leg) for h in backend.lexical(target, q, Filters(), 60)]
            for leg, q in ((Leg.LEXICAL, query), (Leg.BIGRAM, bigrams))}
    reads: list[str] = []

    def read(ids: list[str]) -> list[dict]:
        reads.extend(ids)
        return backend.get(target, ids, derived=False)

    def half(ids, fields, terms):  # as when a leg's rows are forgotten meanwhile: some hits untold
        return {i: held for i, held in backend.terms_held(target, ids, fields, terms).items() if i in ids[::2]}

    ev = floor.Evidence(target, read, legs[Leg.LEXICAL], legs[Leg.BIGRAM], query, bigrams, {}, half)
    plain = floor.Evidence(target, read, legs[Leg.LEXICAL], legs[Leg.BIGRAM], query, bigrams, {})
    for i in ev.found:  # one at a time, as the gate and the floor look
        assert (ev.words.get(i), ev.concepts.get(i), ev.bigrams.get(i)) == (
            plain.words.get(i), plain.concepts.get(i), plain.bigrams.get(i))
    assert len(ev.words) > 4 and any(ev.words.get(i) for i in ev.found) and any(ev.bigrams.get(i) for i in ev.found)
