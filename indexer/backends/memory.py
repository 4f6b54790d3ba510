"""In-process backend: the reference implementation of the contract, for tests.

Plain Python BM25 (per field, Lucene's idf and length normalisation, k1=1.2, b=0.75, field
scores weighted by boost and summed) and exact cosine; nothing is persisted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from indexer.backends.base import Filters, IndexInfo, LexicalQuery, NoticeBundle, WriteResult, refuse_mismatch
from indexer.backends.facet_columns import count_documents
from indexer.documents import measure_ids
from indexer.fields import SCHEMA_VERSION, SCORED_KINDS, fields_of
from indexer.types import DocId, Document, Hit, Leg, NoticeId, Target, Vector

K1 = 1.2
B = 0.75


def bm25_idf(doc_count: int, doc_freq: int) -> float:
    """Lucene's BM25 idf: ln(1 + (N - n + 0.5) / (n + 0.5))."""
    return math.log(1.0 + (doc_count - doc_freq + 0.5) / (doc_freq + 0.5))


def bm25_term(tf: int, length: int, avg_length: float, idf: float) -> float:
    """One term's BM25 contribution in one field."""
    norm = K1 * (1.0 - B + B * length / avg_length) if avg_length else K1
    return idf * tf * (K1 + 1.0) / (tf + norm)


def as_tokens(value: Any) -> list[str]:
    """TOKENS fields arrive as a list of tokens or a space-joined string."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(t) for t in value]


def matches(doc: Mapping[str, Any], filters: Filters) -> bool:
    """Whether a document passes the filters (multi-valued fields match on any value)."""
    for name, allowed in filters.equals.items():
        if not _values(doc.get(name)) & set(allowed):
            return False
    for name, (low, high) in filters.ranges.items():
        value = doc.get(name)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return False
    for name, banned in filters.excludes.items():
        if _values(doc.get(name)) & set(banned):
            return False
    return True


def _values(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v) for v in value}
    return {str(value)}


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self._docs: dict[Target, dict[DocId, Document]] = {t: {} for t in Target}
        self._tokens: dict[Target, dict[DocId, dict[str, Counter[str]]]] = {t: {} for t in Target}
        self._lengths: dict[Target, dict[DocId, dict[str, int]]] = {t: {} for t in Target}
        self._vectors: dict[Target, dict[DocId, np.ndarray]] = {t: {} for t in Target}
        self._notices: dict[NoticeId, Document] = {}
        self._source_to_notice: dict[str, NoticeId] = {}
        self._model: tuple[str, int, str] | None = None
        self._requested: tuple[str, int, str] | None = None  # what the next rebuild records
        self._derived: dict[str, bytes] = {}  # put_derived(): dropped by a rebuild

    # -- bookkeeping ---------------------------------------------------------------------
    def info(self) -> IndexInfo:
        model_id, dims, dictionary = self._model or (None, None, None)
        return IndexInfo(
            backend=self.name, location="memory", model_id=model_id, dims=dims,
            dictionary_version=dictionary, schema_version=SCHEMA_VERSION,
            notices=len(self._notices), issues=len(self._docs[Target.ISSUES]),
            measures=len(self._docs[Target.MEASURES]),
        )

    def check_compatible(self, model_id: str, dims: int, dictionary_version: str) -> None:
        self._requested = (model_id, dims, dictionary_version)
        if self._model is None:
            self._model = (model_id, dims, dictionary_version)
            return
        have_model, have_dims, have_dict = self._model
        refuse_mismatch((have_model, have_dims, have_dict), model_id, dims, dictionary_version)

    def notice_id_for_source(self, source: str) -> NoticeId | None:
        return self._source_to_notice.get(source)

    def has_notice(self, notice_id: NoticeId) -> bool:
        return notice_id in self._notices

    # -- writing -------------------------------------------------------------------------
    def begin_writing(self) -> bool:
        return False  # one process: nothing else writes

    def write(self, bundles: Sequence[NoticeBundle],
              replaces: Mapping[NoticeId, NoticeId] | None = None) -> WriteResult:
        result = WriteResult()
        for bundle in bundles:
            old = (replaces or {}).get(bundle.notice_id)
            if old is not None:
                self._delete_one(old)
            self._delete_one(bundle.notice_id)
            for target, docs in ((Target.ISSUES, bundle.issues), (Target.MEASURES, bundle.measures)):
                for doc in docs:
                    self._put(target, doc)
            self._notices[bundle.notice_id] = {**bundle.notice, "notice_id": bundle.notice_id}
            self._source_to_notice[bundle.source] = bundle.notice_id
            result.written.append(bundle.notice_id)
        return result

    def _put(self, target: Target, doc: Document) -> None:
        doc_id = doc["id"]
        stored = {k: v for k, v in doc.items() if k != "vector"}
        token_fields = [f.name for f in fields_of(target, *SCORED_KINDS)]
        counts = {name: Counter(as_tokens(doc.get(name))) for name in token_fields}
        self._docs[target][doc_id] = stored
        self._tokens[target][doc_id] = counts
        self._lengths[target][doc_id] = {name: sum(c.values()) for name, c in counts.items()}
        if doc.get("vector") is not None:
            self._vectors[target][doc_id] = np.asarray(doc["vector"], dtype=np.float32)

    def _delete_one(self, notice_id: NoticeId) -> bool:
        if notice_id not in self._notices:
            return False
        for target in Target:
            doomed = [i for i, d in self._docs[target].items() if d.get("notice_id") == notice_id]
            for doc_id in doomed:
                for table in (self._docs, self._tokens, self._lengths, self._vectors):
                    table[target].pop(doc_id, None)
        notice = self._notices.pop(notice_id)
        if self._source_to_notice.get(notice.get("source", "")) == notice_id:
            del self._source_to_notice[notice["source"]]
        return True

    def delete_notices(self, notice_ids: Sequence[NoticeId]) -> int:
        return sum(self._delete_one(n) for n in notice_ids)

    def rebuild(self, bundles: Iterable[NoticeBundle], *, keep_old: bool = False) -> WriteResult:
        fresh = MemoryBackend()
        fresh._model = self._requested or self._model
        result = fresh.write(list(bundles))
        self.__dict__.update(fresh.__dict__)
        return result

    # -- searching -----------------------------------------------------------------------
    def _candidates(self, target: Target, filters: Filters) -> Iterator[tuple[DocId, Document]]:
        return ((i, d) for i, d in self._docs[target].items() if matches(d, filters))

    def lexical(self, target: Target, query: LexicalQuery, filters: Filters, k: int) -> list[Hit]:
        docs = self._docs[target]
        n_docs = len(docs)
        if not n_docs or not query.terms:
            return []
        stats: dict[str, tuple[dict[str, int], float]] = {}
        for name in query.boosts:
            lengths = [self._lengths[target][i].get(name, 0) for i in docs]
            df: Counter[str] = Counter()
            for counts in self._tokens[target].values():
                df.update(set(counts.get(name, Counter())) & set(query.terms))
            stats[name] = (dict(df), sum(lengths) / n_docs)
        scored = []
        for doc_id, _ in self._candidates(target, filters):
            score = 0.0
            for name, boost in query.boosts.items():
                counts = self._tokens[target][doc_id].get(name)
                if not counts:
                    continue
                df, avg = stats[name]
                length = self._lengths[target][doc_id][name]
                for term in query.terms:
                    tf = counts.get(term, 0)
                    if tf:
                        score += boost * query.weight(term) * bm25_term(tf, length, avg, bm25_idf(n_docs, df[term]))
            if score > 0:
                scored.append(Hit(doc_id, score, Leg.LEXICAL))
        scored.sort(key=lambda h: (-h.score, h.doc_id))
        return scored[:k]

    def vector(self, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
        q = np.asarray(vector, dtype=np.float32)
        q = q / (np.linalg.norm(q) or 1.0)
        hits = []
        for doc_id, _ in self._candidates(target, filters):
            v = self._vectors[target].get(doc_id)
            if v is not None:
                hits.append(Hit(doc_id, float(v @ q / (np.linalg.norm(v) or 1.0)), Leg.VECTOR))
        hits.sort(key=lambda h: (-h.score, h.doc_id))
        return hits[:k]

    def facets(self, target: Target, filters: Filters, fields: Sequence[str], query: LexicalQuery | None = None,
               size: int = 50) -> dict[str, list[tuple[str, int]]]:
        counts: dict[str, Counter[str]] = {name: Counter() for name in fields}
        terms = set(query.terms) if query else None
        for doc_id, doc in self._candidates(target, filters):
            if terms is not None:
                doc_tokens = self._tokens[target][doc_id]
                if not any(terms & set(doc_tokens.get(name, ())) for name in query.boosts):  # type: ignore[union-attr]
                    continue
            for name in fields:
                counts[name].update(_values(doc.get(name)))
        return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:size] for name, c in counts.items()}

    def count_facets(self, target: Target, ids: Sequence[DocId], fields: Sequence[str],
                     size: int = 50) -> dict[str, list[tuple[str, int]]]:
        docs = self._docs[target]
        return count_documents((docs[i] for i in ids if i in docs), fields, size)

    def get(self, target: Target, ids: Sequence[DocId], *, derived: bool = True) -> list[Document]:
        docs = self._docs[target]
        return [dict(docs[i]) for i in ids if i in docs]

    def get_vectors(self, target: Target, ids: Sequence[DocId]) -> dict[DocId, Vector]:
        vectors = self._vectors[target]
        return {i: vectors[i].tolist() for i in ids if i in vectors}

    def issue_family_vectors(self, issue_ids: Sequence[DocId]) -> tuple[list[DocId], np.ndarray]:
        owners: list[DocId] = []
        rows: list[np.ndarray] = []
        for issue in dict.fromkeys(issue_ids):
            doc = self._docs[Target.ISSUES].get(issue)
            if doc is None:
                continue
            ids = [(Target.ISSUES, issue)] + [(Target.MEASURES, m) for m in measure_ids(doc)]
            for target, doc_id in ids:
                v = self._vectors[target].get(doc_id)
                if v is not None:
                    owners.append(issue)
                    rows.append(v)
        return owners, np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def get_notice(self, notice_id: NoticeId) -> Document | None:
        notice = self._notices.get(notice_id)
        return dict(notice) if notice is not None else None

    def iter_notices(self) -> Iterator[Document]:
        return (dict(n) for n in list(self._notices.values()))

    def scan(self, target: Target, fields: Sequence[str], *, vectors: bool = False,
             batch: int = 1000) -> Iterator[tuple[list[Document], np.ndarray | None]]:
        docs, stored = list(self._docs[target].values()), self._vectors[target]
        dims = next((len(v) for v in stored.values()), 0)
        for start in range(0, len(docs), max(1, batch)):
            chunk = docs[start:start + batch]
            out = [{k: d[k] for k in ("id", *fields) if k in d} for d in chunk]
            matrix = None
            if vectors:
                matrix = np.zeros((len(chunk), dims), dtype=np.float32)
                for row, doc in enumerate(chunk):
                    if doc["id"] in stored:
                        matrix[row] = stored[doc["id"]]
            yield out, matrix

    def put_derived(self, name: str, data: bytes) -> None:
        self._derived[name] = bytes(data)

    def get_derived(self, name: str) -> bytes | None:
        return self._derived.get(name)

    def close(self) -> None:
        return None
