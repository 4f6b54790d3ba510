"""The search core, shared by every backend and by every caller (API, web page, scripts).

A query flows parse → lexical + vector legs (same filters) → fuse → collapse → page →
highlight + explain → respond:

* **legs**: the lexical leg is BM25 over tokens (:mod:`search_api.lexical`), the vector leg is
  cosine over embeddings (:mod:`search_api.vector`); ``mode`` says which run
  (``hybrid`` both, ``lexical``, ``semantic``). Each leg returns its top ``lexical_top_k`` /
  ``vector_top_k`` (at least page × size) under the same filters.
* **bigram leg** (hybrid mode, ``bigram_weight`` > 0): BM25 over the character bigrams of the
  query (:func:`search_api.lexical.build_bigrams`) in the BIGRAMS fields, a third ranked list of
  ``bigram_top_k`` hits — a query word jieba cuts differently inside a document still meets it.
* **fusion**: ``FUSERS[fusion]`` (``linear`` by default: min–max scaled scores, weighted sum;
  ``rrf`` as option, k = ``rrf_k``; chosen by cross-validation, docs/ranking.md), with the
  per-leg weights ``lexical_weight`` / ``vector_weight`` / ``bigram_weight``. Single-leg modes go through the same
  fuser, so ``score`` always means "fusion score" and the order is the leg's own.
* **floor** (:mod:`search_api.floor`): a query none of whose hits covers enough of its
  specificity or comes close enough in meaning gets no hits; otherwise a hit stays if its words
  cover enough of the query or its cosine is near the best one.
* **category prior** (:mod:`search_api.prior`; typed issue searches, ``best_hit_categories``): hits sharing a topic category
  with the best hit rank higher, as hits sharing one with the example do in query-by-example.
* **collapse**: optional; the best hit per institution is kept and carries ``collapsed``, the
  count of further hits of that institution in the ranked list.
* **pagination** is over the fused (floored, collapsed) list; ``total`` is the length of that list.
* **explanation**: every hit has ``explain`` = each leg's rank and score (lexical, vector, bigram) (``null`` if that leg did
  not retrieve it), the fusion score, the query terms found in the hit's text and the variant
  terms (:mod:`search_api.variants`) found there.
* **highlights**: offsets into the stored original text (:mod:`search_api.highlight`).
* **facets** (the filter fields): counted over exactly the list ``total`` counts (by the backend:
  ``count_facets``, integer-coded columns in the embedded one), so clicking a
  value gives the count it showed (as long as fewer hits than a leg's top-k clear the floor).

Measures: a measures search ranks measure items. Their vector leg uses measure vectors when the
index has them (setting ``measure_vectors``); otherwise it ranks issues by their problem vector and
each issue stands in for its measures, in order (``explain.vector.via`` = ``"issue"``).

Query-by-example (:meth:`SearchService.similar_issues`): the lexical leg searches the source
issue's problem and measures (its most specific ``max_query_terms`` terms); the vector leg uses the
mean of its stored vector and its problem embedded as a query (:meth:`SearchService.example`); hits
sharing a topic category with the source rank higher (``example_category_boost``); the
source issue is always left out, and by default every issue of its institution too (``scope``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from contextvars import copy_context
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

import numpy as np

from indexer.backends.base import Backend, Filters, LexicalQuery
from indexer.documents import measure_ids
from indexer.embed import Embedder
from indexer.fields import FACETS as FACET_FIELDS
from indexer.fields import date_number
from indexer.settings import Settings
from indexer.types import DocId, Document, Hit, Leg, Target, Vector
from search_api import floor, lexical, prior, vector
from search_api.errors import NotFound
from search_api.fuse import FUSERS, Fused, FusionParams, variant_evidence
from search_api.highlight import Highlighter
from search_api.parse import Mode, Scope, SearchFilters, SearchRequest, SimilarRequest, Sort
from search_api.public import file_source, public
from search_api.variants import Expansion

# Facets returned: request parameter name → stored field (the registry's facet fields).
FACETS: dict[str, str] = {f.request_param: f.name for f in FACET_FIELDS}

# measure hits read per issue hit wanted: issues have ~3 measure items (seed and generated notices)
MEASURES_PER_ISSUE = 3


@dataclass(slots=True)
class SearchResult:
    """One page of a search. ``hits`` and ``facets`` are plain JSON-ready values."""

    target: str
    mode: str
    fusion: str
    q: str | None
    terms: list[str]
    variants: dict[str, list[str]]
    total: int
    page: int
    size: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]] | None
    filters: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] | None = None  # query-by-example: the source issue
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        # shallow on purpose: hits and facets are already plain JSON values (asdict would deep-copy them)
        return {"ok": True, **{f.name: getattr(self, f.name) for f in fields(self)}}


@dataclass(slots=True)
class _Ranked:
    fused: list[Fused]
    terms: tuple[str, ...]
    lexical_query: LexicalQuery
    expansion: Expansion
    vector_via: str | None = None
    docs: dict[DocId, Document] = field(default_factory=dict)  # documents already read (the lexical hits)
    boosted_categories: frozenset[str] = frozenset()  # the categories whose hits were boosted (category prior)
    boosted_by: str | None = None  # whose categories they are: "example" (query by example) or "best_hit" (typed)
    verdict: floor.Verdict | None = None  # what the floor judged the hits against (None: no floor)


class SearchService:
    """The search core over one backend and one embedder (both loaded once per process)."""

    def __init__(self, settings: Settings, backend: Backend, embedder: Embedder) -> None:
        self.settings = settings
        self.backend = backend
        self.embedder = embedder
        self.encoder = vector.QueryEncoder(embedder, settings.embed_cache_size)
        self.fusion_params = FusionParams(
            k=settings.rrf_k, weights={Leg.LEXICAL: settings.lexical_weight, Leg.VECTOR: settings.vector_weight,
                                       Leg.BIGRAM: settings.bigram_weight})
        # the vector leg runs beside the lexical leg when the process has a second CPU (setting ``threads``)
        self._beside = settings.threads > 1
        self._pool = ThreadPoolExecutor(max_workers=max(2, settings.threads), thread_name_prefix="search")
        self._verdicts = floor.Verdicts()

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    def _pinned(self) -> AbstractContextManager[object]:
        """A request's reads checked for freshness once (a backend that can: EmbeddedBackend.pinned)."""
        pinned = getattr(self.backend, "pinned", None)
        return pinned() if pinned is not None else nullcontext()

    def warm_up(self) -> None:
        """Load what the first query would otherwise wait for (jieba's dictionaries, the idf table,
        the model's first run) without touching the index."""
        lexical.build_query("医保基金使用管理", Target.ISSUES, max_terms=self.settings.max_query_terms,
                            min_idf=max(self.settings.min_term_idf, 1.0))
        self.embedder.embed_queries(["医保基金使用管理"])

    # -- public API ----------------------------------------------------------------------
    def search_issues(self, request: SearchRequest) -> SearchResult:
        with self._pinned():
            return self._search(Target.ISSUES, request)

    def search_measures(self, request: SearchRequest) -> SearchResult:
        with self._pinned():
            return self._search(Target.MEASURES, request)

    def similar_issues(self, request: SimilarRequest) -> SearchResult:
        """Issues (or, with ``target`` measures, measure items) like the given issue
        (query-by-example); see the module docstring."""
        started = time.perf_counter()
        with self._pinned():
            source, text, source_vector, filters, scope = self._similar_inputs(request)
            result = self._run(
                request.target, text=text, query_vector=source_vector, mode=request.mode,
                filters=filters, floor_filters=scope, fusion=request.fusion, page=request.page, size=request.size,
                collapse=request.collapse, facets=request.facets, exclude_ids=_own_ids(request.target, source),
                example=True, categories=source.get("categories") or (), search_filters=request.filters,
                sort=request.sort)
        result.q = None
        result.source = source
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def ranked(self, request: SearchRequest | SimilarRequest, target: Target = Target.ISSUES,
               depth: int | None = None) -> list[Fused]:
        """The fused ranked list of a search or a query-by-example, exactly as the API ranks (and
        sorts) it, without documents (exports, evaluation). ``depth`` defaults to page × size;
        query-by-example ranks its request's target."""
        depth = depth if depth is not None else request.page * request.size
        if isinstance(request, SimilarRequest):
            source, text, source_vector, filters, scope = self._similar_inputs(request)
            target = request.target
            fused = self.rank(target, text=text, query_vector=source_vector, mode=request.mode, filters=filters,
                              floor_filters=scope, fusion=request.fusion, depth=depth, exclude_ids=_own_ids(target, source),
                              example=True, categories=source.get("categories") or ())
        else:
            fused = self.rank(target, text=request.q, query_vector=None, mode=request.mode,
                              filters=request.filters.to_backend(), floor_filters=Filters(), fusion=request.fusion,
                              depth=depth)
        if request.sort is Sort.DATE:
            fused = _by_date(fused, {d["id"]: d for d in self.backend.get(target, [f.doc_id for f in fused], derived=False)})
        return fused

    def _similar_inputs(self, request: SimilarRequest) -> tuple[dict[str, Any], str, Vector | None, Filters, Filters]:
        """The source issue, its text and vector, the filters and the scope's own (without the request's)."""
        source, text, source_vector = self.example(request.issue_id, with_vector=request.mode is not Mode.LEXICAL)
        extra_institution: tuple[str, ...] = ()
        extra_notice: tuple[str, ...] = ()
        if request.scope is Scope.OTHER_INSTITUTIONS:
            if source.get("institution"):
                extra_institution = (source["institution"],)
            extra_notice = (source["notice_id"],)
        elif request.scope is Scope.OTHER_NOTICES:
            extra_notice = (source["notice_id"],)
        scope = {"exclude_institution": extra_institution, "exclude_notice": extra_notice}
        return source, text, source_vector, request.filters.to_backend(**scope), SearchFilters().to_backend(**scope)

    def example(self, issue_id: str, *, with_vector: bool = True) -> tuple[dict[str, Any], str, Vector | None]:
        """What query-by-example searches with: the source issue; its text for the lexical leg — the
        problem (and its measures, setting ``example_measures``) without figures
        (:func:`search_api.lexical.example_text`; ``max_query_terms`` keeps the most specific
        words); and its query vector — the mean of the stored vector and the problem
        embedded as a query, re-normalised (on the dev qrels the mean beats either alone)."""
        source = self.get_issue(issue_id)
        problem = source.get("problem") or ""
        text = lexical.example_text(problem, list(source.get("measures") or []),
                                    with_measures=self.settings.example_measures)
        if not with_vector:
            return source, text, None
        stored = self.backend.get_vectors(Target.ISSUES, [issue_id]).get(issue_id)
        asked = np.asarray(self.encoder.encode(problem), dtype=np.float32)
        if stored is not None:
            mean = np.asarray(stored, dtype=np.float32) + asked
            norm = float(np.linalg.norm(mean))
            asked = mean / norm if norm > 0 else asked
        return source, text, [float(x) for x in asked]

    def get_issue(self, issue_id: str) -> dict[str, Any]:
        docs = self.backend.get(Target.ISSUES, [issue_id])
        if not docs:
            raise NotFound(f"no issue with id {issue_id!r}")
        return public(docs[0])

    def get_measure(self, measure_id: str) -> dict[str, Any]:
        docs = self.backend.get(Target.MEASURES, [measure_id])
        if not docs:
            raise NotFound(f"no measure with id {measure_id!r}")
        return public(docs[0])

    def get_notice(self, notice_id: str, *, include_text: bool = False) -> dict[str, Any]:
        """The notice's metadata and parse-quality report, and its issues in order."""
        record = self.backend.get_notice(notice_id)
        if record is None:
            raise NotFound(f"no notice with id {notice_id!r}")
        issue_ids = list(record.get("issue_ids") or [])
        issues = [public(d) for d in self.backend.get(Target.ISSUES, issue_ids)]
        notice = public({k: v for k, v in record.items()
                         if k not in ("text", "original_text", "issue_ids", "versions")})
        notice["version_count"] = 1 + len(record.get("versions") or [])  # GET /api/notices/{id}/versions
        if include_text:
            notice["text"] = record.get("text")
        return {"ok": True, "notice": notice, "quality": record.get("quality"), "issues": issues}

    def stats(self) -> dict[str, Any]:
        info = self.backend.info()
        return {
            "ok": True,
            "backend": info.backend,
            "location": file_source(info.location),  # the data folder's name, not its path
            "notices": info.notices,
            "issues": info.issues,
            "measures": info.measures,
            "model_id": info.model_id,
            "dims": info.dims,
            "dictionary_version": info.dictionary_version,
            "schema_version": info.schema_version,
            "query_model_id": self.embedder.model_id,
            "fusion": self.settings.fusion,
            "rrf_k": self.settings.rrf_k,
            "weights": {"lexical": self.settings.lexical_weight, "vector": self.settings.vector_weight,
                        "bigram": self.settings.bigram_weight},
        }

    # -- the pipeline ----------------------------------------------------------------------
    def _search(self, target: Target, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        filters = request.filters.to_backend()
        result = self._run(
            target, text=request.q, query_vector=None, mode=request.mode, filters=filters, floor_filters=Filters(),
            fusion=request.fusion, page=request.page, size=request.size, collapse=request.collapse,
            facets=request.facets, exclude_ids=set(), search_filters=request.filters, sort=request.sort,
        )
        result.took_ms = round((time.perf_counter() - started) * 1000, 2)
        return result

    def rank(self, target: Target, *, text: str, query_vector: Vector | None, mode: Mode, filters: Filters,
             fusion: str, depth: int, exclude_ids: Iterable[DocId] = (), example: bool = False,
             categories: Sequence[str] = (), floor_filters: Filters | None = None) -> list[Fused]:
        """The fused ranked list only (no documents): what evaluation and exports need. ``example``:
        the text is an issue searched by example (:meth:`example`), not words a user typed;
        ``categories``: that issue's topic categories (hits sharing one rank higher);
        ``floor_filters``: the filters that belong to the query itself (none for typed words, the
        scope for an example) — when ``filters`` add more (a facet clicked), the relevance floor
        takes the query's verdict under these (floor.Verdict)."""
        return self._rank(target, text=text, query_vector=query_vector, mode=mode, filters=filters,
                          fusion=fusion, depth=depth, exclude_ids=set(exclude_ids), example=example,
                          categories=categories, floor_filters=floor_filters).fused

    def _rank(self, target: Target, *, text: str, query_vector: Vector | None, mode: Mode, filters: Filters,
              fusion: str, depth: int, exclude_ids: set[DocId], example: bool = False,
              categories: Sequence[str] = (), floor_filters: Filters | None = None, whole: bool = False) -> _Ranked:
        """:meth:`rank` with what the page needs besides; ``whole``: every hit in its exact order (collapse),
        not only the first ``depth``."""
        settings = self.settings
        # an example is a whole issue: its variants would only add noise (measured: docs/ranking.md)
        query, expansion = lexical.build(text, target, max_terms=settings.max_query_terms,
                                         min_idf=settings.min_term_idf,
                                         variant_weight=0.0 if example else settings.variant_weight)
        literal = query.literal_terms()
        alternatives = lexical.alternatives(expansion, literal, settings.min_term_idf)
        embedded = text  # what the vector leg embeds (query-by-example brings its own vector)
        if settings.variant_vector and expansion.found and 0 < len(literal) <= settings.short_query_terms:
            embedded = vector.with_variants(text, expansion.forms())
        bigrams = (lexical.build_bigrams(text, target, max_terms=settings.max_bigram_terms)
                   if mode is Mode.HYBRID and settings.bigram_weight > 0 else None)
        extra = len(exclude_ids)
        k_lex = max(settings.lexical_top_k, depth) + extra
        k_big = max(settings.bigram_top_k, depth) + extra
        k_vec = max(settings.vector_top_k, depth) + extra
        legs: dict[Leg, list[Hit]] = {}
        via: str | None = None
        measured: floor.Evidence | None = None
        both = getattr(self.backend, "search_both", None)
        if mode is Mode.HYBRID and both is not None and (target is Target.ISSUES or settings.measure_vectors):
            # Both legs in one round trip (Elasticsearch msearch), after embedding the query.
            q = query_vector if query_vector is not None else self.encoder.encode(embedded)
            lex_hits, vec_hits = both(target, query, q, filters, k_lex if query.terms else 0, k_vec)
            legs[Leg.LEXICAL] = lex_hits if query.terms else []
            legs[Leg.VECTOR] = [h for h in vec_hits if h.score > 0]
            legs[Leg.BIGRAM] = self._bigram_leg(target, bigrams, filters, k_big)
            via = "issue" if target is Target.ISSUES else "measure"
            if target is Target.ISSUES:
                legs[Leg.VECTOR] = self._issue_vectors(legs[Leg.VECTOR], q, filters, k_vec)
            elif not legs[Leg.VECTOR]:  # an index without measure vectors: issues stand in
                legs[Leg.VECTOR], via, _ = self._vector_leg(target, embedded, q, filters, k_vec)
        elif mode is Mode.HYBRID:
            # The vector leg (query embedding + cosine) runs beside the lexical leg and the reading
            # of the lexical hits for their coverage; the measure vectors of the issues either
            # leg found are scored after both.
            # With one CPU (a worker kept on its own) nothing runs beside: the leg runs in this thread
            # after the others, and no thread is woken for it.
            vector_leg = partial(copy_context().run, self._vector_leg, target, embedded, query_vector, filters,
                                 k_vec, with_measures=False)  # in the request's context (its pin)
            future = self._pool.submit(vector_leg) if self._beside else None
            legs[Leg.LEXICAL] = lexical.run(self.backend, target, query, filters, k_lex)
            legs[Leg.BIGRAM] = self._bigram_leg(target, bigrams, filters, k_big)
            if settings.relevance_floor and not example:  # what the answer gate reads first, beside the embedding
                measured = self._coverage(target, legs, query, bigrams, alternatives)
                measured.early()
            legs[Leg.VECTOR], via, q = future.result() if future is not None else vector_leg()
            if target is Target.ISSUES:
                found = [h.doc_id for h in (*legs[Leg.LEXICAL], *legs[Leg.BIGRAM])]
                legs[Leg.VECTOR] = self._issue_vectors(legs[Leg.VECTOR], q, filters, k_vec, candidates=found)
        elif mode is Mode.LEXICAL:
            legs[Leg.LEXICAL] = lexical.run(self.backend, target, query, filters, k_lex)
        else:
            legs[Leg.VECTOR], via, _ = self._vector_leg(target, embedded, query_vector, filters, k_vec)
        params = self.fusion_params
        if settings.variant_vector and expansion.terms and mode is Mode.HYBRID and legs.get(Leg.LEXICAL):
            measured = measured or self._coverage(target, legs, query, bigrams, alternatives)
            if not measured.holds_own_word():
                params = variant_evidence(params, settings.variant_weight)
        fused = FUSERS[fusion](legs, params)
        if exclude_ids:
            fused = [f for f in fused if f.doc_id not in exclude_ids]
        docs: dict[DocId, Document] = {}
        verdict: floor.Verdict | None = None
        if settings.relevance_floor:
            measured = measured or self._coverage(target, legs, query, bigrams, alternatives)
            docs = measured.docs
            answer = floor.answer_threshold(len(literal), settings.answer_coverage, short_terms=settings.short_query_terms,
                                            short_answer_coverage=settings.short_answer_coverage)
            verdict = (self._verdict(target, text, query_vector, mode, floor_filters, fusion, exclude_ids, example)
                       if floor_filters is not None and floor_filters != filters else
                       floor.verdict(fused, measured.concepts, answer_coverage=answer,
                                     answer_similarity=settings.answer_similarity, gate=not example,
                                     pieces_searched=bigrams is not None))
            fused = floor.apply(fused, measured.words, min_coverage=settings.min_coverage,
                                similarity_window=settings.similarity_window, answer_coverage=answer,
                                answer_similarity=settings.answer_similarity, bigram_covered=measured.bigrams,
                                min_bigram_coverage=settings.min_bigram_coverage, judged=verdict,
                                least_coverage=measured.least)
        boosted: frozenset[str] = frozenset()
        boosted_by = "example" if example else None
        above = float("-inf")  # hits scoring less cannot move into the first ``depth``: not looked at (prior.py)
        if (not example and settings.best_hit_categories and target is Target.ISSUES and fused and depth > 0
                and settings.example_category_boost > 0):
            # typed words: the best hit stands in for the example (its topic is most likely the query's);
            # not for measures, which inherit their issue's categories: it would lift the best hit's siblings
            best, docs = prior.categories(self.backend, target, [fused[0].doc_id], docs)
            categories, boosted_by = list(best.get(fused[0].doc_id) or ()), "best_hit"
            if not whole and depth < len(fused):
                above = fused[depth - 1].score / (1.0 + settings.example_category_boost)
        if categories and settings.example_category_boost > 0:
            fused, docs = prior.boost(self.backend, target, fused, docs, categories, settings.example_category_boost,
                                      above)
            boosted = frozenset(categories)
        return _Ranked(fused, query.terms, query, expansion, via, docs, boosted, boosted_by if boosted else None, verdict)

    def _verdict(self, target: Target, text: str, query_vector: Vector | None, mode: Mode, filters: Filters,
                 fusion: str, exclude_ids: set[DocId], example: bool) -> floor.Verdict | None:
        """The floor's verdict on the query under ``filters`` (its own, without a clicked facet's),
        remembered for the next filtered page of the same query (a facet click follows a search)."""
        return self._verdicts.get((target, mode, text, repr(filters), tuple(sorted(exclude_ids)), example),
                                  lambda: self._rank(target, text=text, query_vector=query_vector, mode=mode,
                                                     filters=filters, fusion=fusion, depth=0, exclude_ids=exclude_ids,
                                                     example=example).verdict)

    def _bigram_leg(self, target: Target, query: LexicalQuery | None, filters: Filters, k: int) -> list[Hit]:
        """The bigram leg's hits (the backend's lexical search over the BIGRAMS fields)."""
        if query is None:
            return []
        return [Hit(h.doc_id, h.score, Leg.BIGRAM) for h in lexical.run(self.backend, target, query, filters, k)]

    def _coverage(self, target: Target, legs: Mapping[Leg, Sequence[Hit]], query: LexicalQuery,
                  bigrams: LexicalQuery | None,
                  alternatives: Mapping[tuple[str, ...], Sequence[tuple[str, ...]]]) -> floor.Evidence:
        """What the relevance floor measures on the word and bigram legs' hits (floor.Evidence), on
        those of their documents its decisions need, read when they do and kept for the page."""
        held = getattr(self.backend, "terms_held", None)  # FindsTermsHeld: no document read for what it tells
        return floor.Evidence(target, lambda ids: self.backend.get(target, ids, derived=False), legs.get(Leg.LEXICAL, ()),
                              legs.get(Leg.BIGRAM, ()), query, bigrams, alternatives,
                              held and (lambda ids, fields, terms: held(target, ids, fields, terms)))

    def _issue_vectors(self, issue_hits: list[Hit], q: Vector, filters: Filters, k: int,
                       candidates: Sequence[DocId] | None = None) -> list[Hit]:
        """Issue vector hits, each issue at the best of its own and its measures' cosines when the
        index holds measure vectors (setting ``measure_vectors``). Given the other legs' hits as
        ``candidates``, a backend that reads an issue's vectors together
        (:class:`~indexer.backends.base.RescoresIssueFamilies`) has measure vectors scored for the
        vector hits and the candidates only (hybrid search: an issue near the query through one
        measure alone is almost always found by words too); else — a semantic search, or
        Elasticsearch — the measure vectors are searched whole."""
        if not self.settings.measure_vectors:
            return issue_hits
        family = getattr(self.backend, "issue_family_vectors", None)
        if family is None or candidates is None:
            measure_hits = vector.run(self.backend, Target.MEASURES, q, filters, k * MEASURES_PER_ISSUE)
            return vector.best_of_issue_and_measures(issue_hits, measure_hits, k)
        owners, matrix = family([*(h.doc_id for h in issue_hits), *candidates])
        return vector.best_of_family(owners, matrix, q, k)

    def _vector_leg(self, target: Target, text: str, query_vector: Vector | None, filters: Filters,
                    k: int, *, with_measures: bool = True) -> tuple[list[Hit], str, Vector]:
        """The vector leg's hits, how measures were ranked (``via``), and the query vector.
        ``with_measures=False``: issue hits by their own vectors only (the caller adds the
        measures' cosines once the other legs' candidates are known)."""
        q = query_vector if query_vector is not None else self.encoder.encode(text)
        if target is Target.ISSUES:
            hits = vector.run(self.backend, target, q, filters, k)
            return (self._issue_vectors(hits, q, filters, k) if with_measures else hits), "issue", q
        if self.settings.measure_vectors:
            hits = vector.run(self.backend, target, q, filters, k)
            if hits:
                return hits, "measure", q
        # No measure vectors: issues ranked by their problem vector stand in for their measures.
        issue_hits = vector.run(self.backend, Target.ISSUES, q, filters, k)
        issues = self.backend.get(Target.ISSUES, [h.doc_id for h in issue_hits], derived=False)
        by_id = {d["id"]: d for d in issues}
        out: list[Hit] = []
        for hit in issue_hits:
            issue = by_id.get(hit.doc_id)
            if issue is not None:
                out.extend(Hit(mid, hit.score, Leg.VECTOR) for mid in measure_ids(issue))
            if len(out) >= k:
                break
        return out[:k], "issue", q

    def _run(self, target: Target, *, text: str, query_vector: Vector | None, mode: Mode, filters: Filters,
             floor_filters: Filters, fusion: str, page: int, size: int, collapse: bool, facets: bool,
             exclude_ids: set[DocId], search_filters: SearchFilters, example: bool = False,
             categories: Sequence[str] = (), sort: Sort = Sort.RELEVANCE) -> SearchResult:
        ranked = self._rank(target, text=text, query_vector=query_vector, mode=mode, filters=filters,
                            fusion=fusion, depth=page * size, exclude_ids=exclude_ids, example=example,
                            categories=categories, floor_filters=floor_filters, whole=collapse)
        fused = ranked.fused
        docs = dict(ranked.docs)
        if collapse or sort is Sort.DATE:  # each needs every hit's document
            unread = [f.doc_id for f in fused if f.doc_id not in docs]
            if unread:
                docs.update({d["id"]: d for d in self.backend.get(target, unread, derived=False)})
        collapsed: dict[DocId, int] = {}
        if collapse:
            fused, collapsed = _collapse(fused, docs)
        if sort is Sort.DATE:
            fused = _by_date(fused, docs)
        start = (page - 1) * size
        page_items = fused[start:start + size]
        missing = [f.doc_id for f in page_items if f.doc_id not in docs]
        if missing:
            docs.update({d["id"]: d for d in self.backend.get(target, missing, derived=False)})  # derived fields: public() drops them
        highlighter = Highlighter(ranked.terms)
        hits = []
        for offset, item in enumerate(page_items):
            doc = docs.get(item.doc_id)
            if doc is None:  # deleted between the legs and the fetch
                continue
            hits.append(self._hit(target, doc, item, start + offset + 1, ranked, fusion, highlighter,
                                  collapsed.get(item.doc_id) if collapse else None))
        facet_counts = None
        if facets:  # over exactly the hits above the floor: a facet's count is what clicking it gives
            facet_counts = _label_facets(self.backend.count_facets(target, [f.doc_id for f in fused],
                                                                   list(FACETS.values()), self.settings.facet_size))
        return SearchResult(
            target=target.value, mode=mode.value, fusion=fusion, q=text,
            terms=[t for t in ranked.terms if t not in ranked.expansion.terms],
            variants={form: list(others) for form, others in ranked.expansion.found.items()},
            total=len(fused), page=page, size=size, hits=hits, facets=facet_counts,
            filters=search_filters.as_params(),
        )

    def _hit(self, target: Target, doc: Document, item: Fused, rank: int, ranked: _Ranked, fusion: str,
             highlighter: Highlighter, collapsed: int | None) -> dict[str, Any]:
        out = public(doc)
        if target is Target.ISSUES:
            measures = list(doc.get("measures") or [])
            texts = [doc.get("problem"), *measures, doc.get("section"), doc.get("group")]
            out["highlights"] = {
                "problem": highlighter.spans(doc.get("problem")),
                "measures": [highlighter.spans(m) for m in measures],
            }
        else:
            texts = [doc.get("text"), doc.get("problem")]
            out["highlights"] = {
                "text": highlighter.spans(doc.get("text")),
                "problem": highlighter.spans(doc.get("problem")),
            }
        lex = item.leg(Leg.LEXICAL)
        vec = item.leg(Leg.VECTOR)
        big = item.leg(Leg.BIGRAM)
        vec_explain = None
        if vec is not None:
            vec_explain = {"rank": vec.rank, "score": round(vec.score, 6)}
            if target is Target.MEASURES:
                vec_explain["via"] = ranked.vector_via
        out["rank"] = rank
        out["score"] = round(item.score, 6)
        matched = highlighter.matched(*texts)
        out["explain"] = {
            "lexical": {"rank": lex.rank, "score": round(lex.score, 6)} if lex is not None else None,
            "vector": vec_explain,
            "bigram": {"rank": big.rank, "score": round(big.score, 6)} if big is not None else None,
            "fusion": fusion,
            "score": round(item.score, 6),
            "matched_terms": [t for t in matched if t not in ranked.expansion.terms],
            "variant_terms": [t for t in matched if t in ranked.expansion.terms],
            "shared_categories": sorted(ranked.boosted_categories.intersection(doc.get("categories") or ())),
            "shared_with": ranked.boosted_by,
        }
        if collapsed is not None:
            out["collapsed"] = collapsed
        return out


def _own_ids(target: Target, source: Mapping[str, Any]) -> set[DocId]:
    """What query-by-example always leaves out: the source issue, or its measures."""
    return set(measure_ids(source)) if target is Target.MEASURES else {source["id"]}


def date_key(doc: Mapping[str, Any]) -> int:
    """The date a document is sorted by (yyyymmdd; 0 when the notice gives none)."""
    return doc.get("date") or date_number(doc.get("feedback_date") or doc.get("publish_date")) or 0


def _by_date(fused: Sequence[Fused], docs: Mapping[DocId, Document]) -> list[Fused]:
    """Newest first; equal dates keep their rank, undated documents come last."""
    return sorted(fused, key=lambda f: -date_key(docs.get(f.doc_id) or {}))


def _collapse(fused: Sequence[Fused], docs: Mapping[DocId, Document]) -> tuple[list[Fused], dict[DocId, int]]:
    """Best hit per institution (by notice when the institution is unknown), and how many more."""
    kept: list[Fused] = []
    best_of: dict[str, DocId] = {}
    more: Counter[DocId] = Counter()
    for item in fused:
        doc = docs.get(item.doc_id) or {}
        key = doc.get("institution") or f"notice:{doc.get('notice_id', item.doc_id)}"
        if key in best_of:
            more[best_of[key]] += 1
        else:
            best_of[key] = item.doc_id
            kept.append(item)
    return kept, {f.doc_id: more[f.doc_id] for f in kept}


def _label_facets(raw: Mapping[str, Sequence[tuple[str, int]]]) -> dict[str, list[dict[str, Any]]]:
    """(value, count) pairs per stored field → {param: [{value, count, label}]}: the label is the
    registry's (Chinese)."""
    return {f.request_param: [{"value": str(value), "count": int(count), "label": f.value_label(value)}
                              for value, count in raw.get(f.name, ())]
            for f in FACET_FIELDS}
