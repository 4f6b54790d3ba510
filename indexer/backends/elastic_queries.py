"""Elasticsearch request bodies of one collection's searches (lexical, vector, facets) and their hits.

Scoring matches the memory backend: the lexical leg (and the bigram leg) is a ``bool.should`` of one
``match`` per TOKENS (BIGRAMS) field the query names (whitespace analyzer, operator or, the field's boost); Elasticsearch's BM25
(k1=1.2, b=0.75, Lucene idf, (k1+1) kept) summed over fields. Everything lives on one shard, so
term statistics are exact without ``dfs_query_then_fetch``. The vector leg is a ``knn`` search
whose ``filter`` is the same filter clauses; its candidates (2× oversampled on the int8 graph)
are rescored here with the exact cosine of their stored float vectors, so scores equal the
reference and int8 quantisation cannot reorder the top k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np

from indexer.backends.base import Filters, LexicalQuery
from indexer.backends.es_mapping import FACETABLE_KINDS, FILTERABLE_KINDS
from indexer.errors import BadQuery
from indexer.fields import SCORED_KINDS, fields_of
from indexer.types import Hit, Leg, Target, Vector

MAX_KNN = 10_000  # Elasticsearch's limit for k and num_candidates
OVERSAMPLE = 2.0  # candidates fetched per wanted hit, rescored exactly from their float vectors
OVERSAMPLE_MIN = 10  # … and at least this many extra

Body = dict[str, Any]


class SearchBodies:
    """Request bodies for one collection, from :mod:`indexer.fields`."""

    def __init__(self, target: Target) -> None:
        self.collection = target.value
        self.tokens = tuple(f.name for f in fields_of(target, *SCORED_KINDS))
        self.kinds = {f.name: f.kind for f in fields_of(target)}

    def filter(self, filters: Filters) -> dict[str, list[Body]]:
        """The filter clauses both legs share: ``{"filter": [...], "must_not": [...]}``."""
        for name in chain(filters.equals, filters.ranges, filters.excludes):
            if self.kinds.get(name) not in FILTERABLE_KINDS:
                raise BadQuery(f"cannot filter {self.collection} on {name!r}: not a keyword, integer or date field")
        must: list[Body] = [{"terms": {name: list(values)}} for name, values in filters.equals.items()]
        for name, (low, high) in filters.ranges.items():
            bounds = {key: value for key, value in (("gte", low), ("lte", high)) if value is not None}
            must.append({"range": {name: bounds}} if bounds else {"exists": {"field": name}})
        must_not = [{"terms": {name: list(values)}} for name, values in filters.excludes.items()]
        return {"filter": must, "must_not": must_not}

    def matches(self, query: LexicalQuery) -> list[Body]:
        """One ``match`` per TOKENS field with a positive boost and per term weight (the clauses'
        BM25 scores add up to the memory backend's score); empty when nothing can match."""
        by_weight: dict[float, list[str]] = {}
        for t in query.terms:
            if t and not t.isspace():
                by_weight.setdefault(query.weight(t), []).append(t)
        return [{"match": {name: {"query": " ".join(terms), "boost": boost * weight}}}
                for name, boost in query.boosts.items() if boost > 0 and name in self.tokens
                for weight, terms in by_weight.items() if weight > 0]

    def lexical(self, query: LexicalQuery, filters: Filters, k: int) -> Body | None:
        """The lexical leg's body; None when nothing can match."""
        clauses = self.filter(filters)
        matches = self.matches(query)
        if not matches or k <= 0:
            return None
        return {
            "query": {"bool": {"should": matches, "minimum_should_match": 1, **clauses}},
            "size": k, "sort": ["_score", {"id": "asc"}], "track_scores": True,
            "track_total_hits": False, "_source": False,
        }

    def vector(self, vector: Vector, filters: Filters, k: int) -> tuple[Body, int] | None:
        """The vector leg's body and the k its hits are cut to; None for a zero vector or k ≤ 0."""
        clauses = self.filter(filters)
        values = [float(x) for x in vector]
        if k <= 0 or not any(values):
            return None  # a zero vector has no cosine
        k = min(k, MAX_KNN)
        # Candidates found on the int8-quantised graph, then rescored exactly (vector_hits):
        # quantised scores are off by up to ~0.03 and can swap neighbours.
        wanted = min(max(math.ceil(k * OVERSAMPLE), k + OVERSAMPLE_MIN), MAX_KNN)
        knn: Body = {"field": "vector", "query_vector": values, "k": wanted,
                     "num_candidates": min(max(wanted * 2, k * 4, 100), MAX_KNN)}
        if clauses["filter"] or clauses["must_not"]:
            knn["filter"] = {"bool": clauses}
        return {"knn": knn, "size": wanted, "_source": {"includes": ["vector"]}}, k

    def facets(self, filters: Filters, fields: Sequence[str], query: LexicalQuery | None,
               size: int) -> Body | None:
        """Terms aggregations over the documents the query and filters select; None if none can."""
        for name in fields:
            if self.kinds.get(name) not in FACETABLE_KINDS:
                raise BadQuery(f"cannot count {self.collection} by {name!r}: not a keyword or integer field")
        clauses = self.filter(filters)
        if query is not None:
            matches = self.matches(LexicalQuery(query.terms, {n: 1.0 for n in query.boosts}))
            if not matches:
                return None
            clauses["filter"].append({"bool": {"should": matches, "minimum_should_match": 1}})
        if not fields or size <= 0:
            return None
        return {"query": {"bool": clauses}, "size": 0, "track_total_hits": False,
                "aggs": {name: {"terms": {"field": name, "size": size}} for name in fields}}


BODIES = {target: SearchBodies(target) for target in (Target.ISSUES, Target.MEASURES)}


def lexical_hits(resp: Mapping[str, Any]) -> list[Hit]:
    return [Hit(h["_id"], float(h["_score"]), Leg.LEXICAL) for h in resp["hits"]["hits"]]


def vector_hits(resp: Mapping[str, Any], query: Vector, k: int) -> list[Hit]:
    """Exact cosine of the candidates, best first, top k."""
    hits = [h for h in resp["hits"]["hits"] if (h.get("_source") or {}).get("vector") is not None]
    if not hits:
        return []
    matrix = np.asarray([h["_source"]["vector"] for h in hits], dtype=np.float64)
    q = np.asarray(query, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(q)
    scores = matrix @ q / np.where(norms > 0, norms, 1.0)
    ranked = sorted((Hit(h["_id"], float(s), Leg.VECTOR) for h, s in zip(hits, scores, strict=True)),
                    key=lambda h: (-h.score, h.doc_id))
    return ranked[:k]


def facet_counts(resp: Mapping[str, Any] | None, fields: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    """(value, count) pairs per field, most frequent first, ties by value."""
    out: dict[str, list[tuple[str, int]]] = {}
    for name in fields:
        buckets = resp["aggregations"][name]["buckets"] if resp else []
        pairs = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
        out[name] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))
    return out
