"""Elasticsearch 8 backend, with the official ``elasticsearch`` client: the backend contract over a
namespace of three aliased indices.

Connection and error translation: elastic_client.py; indices and aliases (generations, the
atomic switch of a rebuild): elastic_namespace.py; request bodies and hits: elastic_queries.py;
mappings: es_mapping.py (generated from :mod:`indexer.fields`).

:meth:`ElasticBackend.rebuild` fills a new generation (replicas 0, refresh off), restores the
settings, then moves all three aliases at once and drops the old indices unless ``keep_old``.
:meth:`ElasticBackend.search_both` sends both legs in one ``msearch``. Fusion, highlighting and
explanations stay in our search core (the server's RRF and linear retrievers need a paid licence).

Writes go through ``helpers.streaming_bulk`` with retries and exponential back-off on 429; every
document that still fails is reported in :class:`WriteResult.failed`, and a notice is stored
whole or not at all (its other documents are removed again).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from itertools import chain, islice
from typing import Any

import numpy as np
from elasticsearch import Elasticsearch, helpers

from indexer.backends import elastic_derived
from indexer.backends.base import (
    Filters,
    IndexInfo,
    LexicalQuery,
    NoticeBundle,
    WriteResult,
    batched,
    refuse_mismatch,
)
from indexer.backends.elastic_client import (
    DEFAULT_BULK,
    BulkParams,
    IndexMissing,
    check_server,
    client_options,
    public_url,
    translate,
)
from indexer.backends.elastic_namespace import ModelValues, Namespace
from indexer.backends.elastic_queries import BODIES, facet_counts, lexical_hits, vector_hits
from indexer.backends.es_mapping import COLLECTIONS, MAPPING_VERSION, NOTICES, REBUILD_SETTINGS, STORED_AT
from indexer.backends.facet_columns import count_documents
from indexer.backends.memory import as_tokens
from indexer.errors import BackendError, IncompatibleIndex
from indexer.fields import SCHEMA_VERSION
from indexer.settings import Settings
from indexer.types import DocId, Document, Hit, NoticeId, Target, Vector

ISSUES = Target.ISSUES.value
MEASURES = Target.MEASURES.value

VECTOR_DECIMALS = 7  # stored vectors are rounded (cosine changes by < 1e-6; _source shrinks by ~40%)
NOTICE_PAGE = 200  # notices per page of iter_notices()
REBUILD_BATCH = 100  # notices per write batch of rebuild()
CLEANUP_CHUNK = 200  # notices per stale-document delete-by-query


def _infer_dims(bundles: Sequence[NoticeBundle]) -> int | None:
    for bundle in bundles:
        for doc in chain(bundle.issues, bundle.measures):
            if doc.get("vector") is not None:
                return len(doc["vector"])
    return None


class ElasticBackend:
    """The backend contract (base.py) over an Elasticsearch 8 cluster or the noida-db emulator."""

    name = "elasticsearch"

    def __init__(self, settings: Settings, *, prefix: str | None = None, bulk: BulkParams = DEFAULT_BULK) -> None:
        self.url = public_url(settings.es_url or "")
        self.bulk = bulk
        # (model_id, dims, dictionary_version) last asked for by check_compatible(): a rebuild
        # builds the new index with these, so reindexing for a new model works.
        self._requested: tuple[str, int, str] | None = None
        self._client = Elasticsearch(**client_options(settings))
        self.namespace = Namespace(self._client, prefix or settings.es_index_prefix)
        self.prefix = self.namespace.prefix
        self.aliases = self.namespace.aliases
        self.server_version, self.server_label = check_server(self._client, self.url)

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticBackend:
        # Documents the server rejects with 429 are retried with the same back-off settings as
        # whole calls are by the ingest (indexer.retry.RetryingBackend).
        bulk = BulkParams(max_retries=max(0, settings.backend_retries),
                          initial_backoff=max(0.0, settings.backend_retry_backoff))
        return cls(settings, bulk=bulk)

    # -- namespace -------------------------------------------------------------------------
    def _ensure_namespace(self, bundles: Sequence[NoticeBundle]) -> dict[str, str]:
        live = self.namespace.live()
        if live:
            return live
        if self._requested is not None:
            return self.namespace.create(self._requested)
        dims = _infer_dims(bundles)
        if dims is None:
            raise BackendError("no index yet and no vector to size it: call "
                               "check_compatible(model_id, dims, dictionary_version) before the first write")
        return self.namespace.create((None, dims, None))

    def drop(self) -> None:
        """Delete every index of this namespace (all generations, aliases with them)."""
        self.namespace.drop()
        self.namespace.delete_indices([elastic_derived.derived_index(self.prefix)])

    # -- bookkeeping ---------------------------------------------------------------------
    def info(self) -> IndexInfo:
        live = self.namespace.live()
        extra: dict[str, Any] = {"server": self.server_label, "aliases": dict(self.aliases), "indices": live}
        location = f"{self.url} ({', '.join(self.aliases.values())})"
        if not live:
            return IndexInfo(backend=self.name, location=location, model_id=None, dims=None, dictionary_version=None,
                             schema_version=SCHEMA_VERSION, notices=0, issues=0, measures=0, extra=extra)
        meta = self.namespace.meta()
        counts = {}
        for collection in COLLECTIONS:
            with translate(f"counting {collection}"):
                counts[collection] = int(self._client.count(index=self.aliases[collection])["count"])
        extra["mapping_version"] = meta.get("mapping_version")
        return IndexInfo(
            backend=self.name, location=location, model_id=meta.get("model_id"), dims=meta.get("dims"),
            dictionary_version=meta.get("dictionary_version"), schema_version=meta.get("schema_version", SCHEMA_VERSION),
            notices=counts[NOTICES], issues=counts[ISSUES], measures=counts[MEASURES], extra=extra,
        )

    def check_compatible(self, model_id: str, dims: int, dictionary_version: str) -> None:
        self._requested = (model_id, dims, dictionary_version)
        live = self.namespace.live()
        if not live:
            self.namespace.create(self._requested)
            return
        meta = self.namespace.meta()
        have_model, have_dims, have_dict = meta.get("model_id"), meta.get("dims"), meta.get("dictionary_version")
        if have_model is None and have_dims == dims:
            # Created by a write before any check (dims from the vectors): adopt the values.
            # The whole _meta is sent: a real server replaces it (the emulator merges).
            for collection, index in live.items():
                with translate(f"recording the model in {index}"):
                    self._client.indices.put_mapping(index=index, meta={
                        **meta, "collection": collection, "model_id": model_id,
                        "dictionary_version": dictionary_version})
            return
        refuse_mismatch((have_model, have_dims, have_dict), model_id, dims, dictionary_version)
        versions = (meta.get("schema_version"), meta.get("mapping_version"))
        if versions != (SCHEMA_VERSION, MAPPING_VERSION):
            raise IncompatibleIndex(
                f"the index {live[ISSUES]} has schema/mapping version {versions[0]}/{versions[1]}, this program "
                f"writes {SCHEMA_VERSION}/{MAPPING_VERSION}; reindex"
            )

    def notice_id_for_source(self, source: str) -> NoticeId | None:
        body = {"query": {"term": {"source": source}}, "sort": [{STORED_AT: "desc"}], "size": 1, "_source": False}
        try:
            with translate("looking up a source"):
                hits = self._client.search(index=self.aliases[NOTICES], **body)["hits"]["hits"]
        except IndexMissing:
            return None
        return hits[0]["_id"] if hits else None

    def has_notice(self, notice_id: NoticeId) -> bool:
        with translate("looking up a notice"):
            return bool(self._client.exists(index=self.aliases[NOTICES], id=notice_id))

    # -- writing -------------------------------------------------------------------------
    def begin_writing(self) -> bool:
        return False  # no writer lock: concurrent ingests are not serialised on Elasticsearch

    def write(self, bundles: Sequence[NoticeBundle],
              replaces: Mapping[NoticeId, NoticeId] | None = None) -> WriteResult:
        bundles = list(bundles)
        if not bundles:
            return WriteResult()
        self._ensure_namespace(bundles)
        return self._write_batch(self.aliases, bundles, replaces or {}, fresh=False)

    def _prepare(self, collection: str, doc: Document, notice_id: NoticeId) -> Document:
        body = dict(doc)
        body.setdefault("notice_id", notice_id)
        for name in BODIES[Target(collection)].tokens:
            if name in body:
                body[name] = " ".join(as_tokens(body[name]))
        vector = body.get("vector")
        if vector is not None:
            array = np.round(np.asarray(vector, dtype=np.float64), VECTOR_DECIMALS)
            if array.any():
                body["vector"] = array.tolist()
            else:
                del body["vector"]  # cosine is undefined for a zero vector: lexical only
        return body

    def _collection_of(self, index: str | None) -> str | None:
        for collection in COLLECTIONS:
            if index == self.aliases[collection] or (index or "").startswith(f"{self.aliases[collection]}-v"):
                return collection
        return None

    def _write_batch(self, names: Mapping[str, str], bundles: list[NoticeBundle],
                     replaces: Mapping[NoticeId, NoticeId], *, fresh: bool) -> WriteResult:
        """Write notices into ``names`` (aliases, or the indices of a rebuild when ``fresh``)."""
        result = WriteResult()
        existing = set() if fresh else self._existing([b.notice_id for b in bundles])
        owner: dict[tuple[str, str], NoticeId] = {}
        problems: dict[NoticeId, list[str]] = {}
        stored: set[NoticeId] = set()
        sent: list[NoticeBundle] = []
        for bundle in bundles:
            if all("id" in d for d in chain(bundle.issues, bundle.measures)):
                sent.append(bundle)
            else:
                problems[bundle.notice_id] = ["a document has no id"]

        def actions() -> Iterator[dict[str, Any]]:
            for bundle in sent:
                for collection, docs in ((ISSUES, bundle.issues), (MEASURES, bundle.measures)):
                    for doc in docs:
                        owner[(collection, str(doc["id"]))] = bundle.notice_id
                        yield {"_index": names[collection], "_id": str(doc["id"]),
                               "_source": self._prepare(collection, doc, bundle.notice_id)}
                # The record goes last: a notice counts as stored once its record is there.
                owner[(NOTICES, bundle.notice_id)] = bundle.notice_id
                record = {**bundle.notice, "notice_id": bundle.notice_id, "source": bundle.source,
                          STORED_AT: int(time.time() * 1000)}
                yield {"_index": names[NOTICES], "_id": bundle.notice_id, "_source": record}

        try:
            with translate("writing documents"):
                for ok, item in helpers.streaming_bulk(
                    self._client, actions(), chunk_size=self.bulk.chunk_size,
                    max_chunk_bytes=self.bulk.max_chunk_bytes, max_retries=self.bulk.max_retries,
                    initial_backoff=self.bulk.initial_backoff, max_backoff=self.bulk.max_backoff,
                    raise_on_error=False, raise_on_exception=True, yield_ok=True,
                ):
                    _, info = next(iter(item.items()))
                    collection = self._collection_of(info.get("_index"))
                    notice_id = owner.get((collection or "", str(info.get("_id"))))
                    if ok:
                        if collection == NOTICES and notice_id is not None:
                            stored.add(notice_id)
                        continue
                    reason = self._item_reason(info)
                    doc_id = str(info.get("_id"))
                    result.failed[doc_id] = f"{collection}: {reason}"
                    if notice_id is not None:
                        problems.setdefault(notice_id, []).append(f"{doc_id}: {reason}")
        except BackendError:
            # A request-level failure: no half notice may stay searchable.
            self._rollback([b.notice_id for b in sent if b.notice_id not in stored], names)
            raise

        failed = [b.notice_id for b in bundles if b.notice_id in problems or b.notice_id not in stored]
        for notice_id in failed:
            reasons = problems.get(notice_id) or ["its record was not stored"]
            result.failed[notice_id] = (f"not stored: {len(reasons)} document(s) failed "
                                        f"(first: {reasons[0]})")
        failed_set = set(failed)
        result.written = [b.notice_id for b in bundles if b.notice_id not in failed_set]
        written = set(result.written)

        sent_ids = {b.notice_id for b in sent}
        doomed = [n for n in failed if n in sent_ids]  # partly written: remove
        doomed += [old for new, old in replaces.items() if new in written and old not in written and old != new]
        stale = [b for b in sent if b.notice_id in written and b.notice_id in existing]
        if fresh and not doomed:
            return result  # a rebuild refreshes once, at the end
        self.namespace.refresh(names)
        if doomed or stale:
            self._delete_documents(names, doomed, stale)
            self.namespace.refresh(names)
        return result

    @staticmethod
    def _item_reason(info: Mapping[str, Any]) -> str:
        error = info.get("error")
        status = info.get("status")
        if isinstance(error, dict):
            text = f"{error.get('type')}: {error.get('reason')}"
        else:
            text = str(error)
        return f"{text} (status {status})"

    def _existing(self, notice_ids: Sequence[NoticeId]) -> set[NoticeId]:
        try:
            with translate("looking up notices"):
                docs = self._client.mget(index=self.aliases[NOTICES], ids=list(notice_ids), source=False)["docs"]
        except IndexMissing:
            return set()
        return {d["_id"] for d in docs if d.get("found")}

    def _rollback(self, notice_ids: Sequence[NoticeId], names: Mapping[str, str]) -> None:
        """Best effort after a failed request (the server may be gone)."""
        if notice_ids:
            with suppress(Exception):
                self.namespace.refresh(names)
                self._delete_documents(names, list(notice_ids), [])

    def _delete_documents(self, names: Mapping[str, str], notice_ids: Sequence[NoticeId],
                          stale: Sequence[NoticeBundle]) -> None:
        """Remove whole notices (documents and records), and the documents of rewritten notices
        that the new version no longer has."""
        clauses: list[dict[str, Any]] = []
        if notice_ids:
            clauses.append({"terms": {"notice_id": list(notice_ids)}})
        for collection, attr in ((ISSUES, "issues"), (MEASURES, "measures")):
            own = list(clauses)
            own += [{"bool": {"filter": [{"term": {"notice_id": b.notice_id}}],
                              "must_not": [{"ids": {"values": [str(d["id"]) for d in getattr(b, attr)]}}]}}
                    for b in stale]
            for chunk in batched(own, CLEANUP_CHUNK):
                query = {"bool": {"should": chunk, "minimum_should_match": 1}}
                with translate(f"deleting {collection}"):
                    self._client.delete_by_query(index=names[collection], query=query, refresh=True,
                                                 conflicts="proceed")
        if notice_ids:
            with translate("deleting notice records"):
                self._client.delete_by_query(index=names[NOTICES], query={"ids": {"values": list(notice_ids)}},
                                             refresh=True, conflicts="proceed")

    def delete_notices(self, notice_ids: Sequence[NoticeId]) -> int:
        notice_ids = list(dict.fromkeys(notice_ids))
        if not notice_ids or not self.namespace.live():
            return 0
        existed = self._existing(notice_ids)
        self.namespace.refresh(self.aliases)  # delete-by-query only sees refreshed documents
        self._delete_documents(self.aliases, notice_ids, [])
        return len(existed)

    def rebuild(self, bundles: Iterable[NoticeBundle], *, keep_old: bool = False) -> WriteResult:
        """Fill a new generation (replicas 0, refresh off), restore its settings, then move the
        three aliases at once; the old indices serve until then and are dropped unless ``keep_old``.

        The new index records the values of the last :meth:`check_compatible` call (so a reindex
        for another model or dictionary calls it first and catches IncompatibleIndex), else those
        of the live index, else dims taken from the first vector."""
        live = self.namespace.live()
        iterator = iter(bundles)
        first: list[NoticeBundle] = []
        if self._requested is not None:
            values: ModelValues = self._requested
        elif live:
            meta = self.namespace.meta()
            values = (meta.get("model_id"), int(meta["dims"]), meta.get("dictionary_version"))
        else:
            first = list(islice(iterator, REBUILD_BATCH))  # only to size the vectors
            dims = _infer_dims(first)
            if dims is None:
                raise BackendError("no index yet and no vector to size it: call check_compatible() first")
            values = (None, dims, None)
        restore = self.namespace.live_settings(live)
        names = self.namespace.create_generation(values, settings=REBUILD_SETTINGS)
        result = WriteResult()
        try:
            for batch in chain([first], batched(iterator, REBUILD_BATCH)):
                if batch:
                    part = self._write_batch(names, batch, {}, fresh=True)
                    result.written += part.written
                    result.failed.update(part.failed)
            for collection, index in names.items():
                with translate(f"restoring the settings of {index}"):
                    self._client.indices.put_settings(index=index, settings={"index": restore[collection]})
            self.namespace.refresh(names)
            self.namespace.switch(live, names)
        except BaseException:
            self.namespace.delete_indices(list(names.values()))
            raise
        if live and not keep_old:
            with translate("dropping the old indices"):
                self._client.indices.delete(index=",".join(live.values()), ignore_unavailable=True)
        return result

    # -- searching -----------------------------------------------------------------------
    def _search(self, collection: str, body: Mapping[str, Any], doing: str) -> dict[str, Any] | None:
        try:
            with translate(doing):
                return self._client.search(index=self.aliases[collection], **body).body
        except IndexMissing:
            return None

    def lexical(self, target: Target, query: LexicalQuery, filters: Filters, k: int) -> list[Hit]:
        target = Target(target)
        body = BODIES[target].lexical(query, filters, k)
        resp = self._search(target.value, body, "searching (lexical)") if body else None
        return lexical_hits(resp) if resp else []

    def vector(self, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
        target = Target(target)
        search = BODIES[target].vector(vector, filters, k)
        if search is None:
            return []
        body, k = search
        resp = self._search(target.value, body, "searching (vector)")
        return vector_hits(resp, vector, k) if resp else []

    def search_both(self, target: Target, query: LexicalQuery, vector: Vector, filters: Filters,
                    k_lexical: int, k_vector: int) -> tuple[list[Hit], list[Hit]]:
        """Both legs in one ``msearch`` round trip; the same as ``(lexical(…), vector(…))``."""
        target = Target(target)
        lexical_body = BODIES[target].lexical(query, filters, k_lexical)
        vector_search = BODIES[target].vector(vector, filters, k_vector)
        vector_body, k_vector = vector_search if vector_search is not None else (None, 0)
        bodies = [lexical_body, vector_body]
        searches: list[Mapping[str, Any]] = []
        for body in bodies:
            if body is not None:
                searches += [{"index": self.aliases[target.value]}, body]
        if not searches:
            return [], []
        try:
            with translate("searching (both legs)"):
                responses = iter(self._client.msearch(searches=searches)["responses"])
        except IndexMissing:
            return [], []
        out: list[list[Hit]] = []
        parsers = (lexical_hits, lambda resp: vector_hits(resp, vector, k_vector))
        for body, parse in zip(bodies, parsers, strict=True):
            if body is None:
                out.append([])
                continue
            resp = next(responses)
            if "error" in resp:
                error = resp["error"]
                if isinstance(error, dict) and error.get("type") == "index_not_found_exception":
                    out.append([])
                    continue
                raise BackendError(f"Elasticsearch refused a search ({resp.get('status')}): "
                                   f"{error.get('type') if isinstance(error, dict) else ''}: "
                                   f"{error.get('reason') if isinstance(error, dict) else error}")
            out.append(parse(resp))
        return out[0], out[1]

    def facets(self, target: Target, filters: Filters, fields: Sequence[str], query: LexicalQuery | None = None,
               size: int = 50) -> dict[str, list[tuple[str, int]]]:
        target = Target(target)
        body = BODIES[target].facets(filters, fields, query, size)
        resp = self._search(target.value, body, "counting facets") if body is not None else None
        return facet_counts(resp, fields)

    def count_facets(self, target: Target, ids: Sequence[DocId], fields: Sequence[str],
                     size: int = 50) -> dict[str, list[tuple[str, int]]]:
        # ≤ lexical_top_k + vector_top_k documents, read by one mget: no aggregation needed
        return count_documents(self.get(target, ids), fields, size)

    # -- reading -------------------------------------------------------------------------
    def _mget(self, collection: str, ids: Sequence[DocId], **source: Any) -> list[dict[str, Any]]:
        if not ids:
            return []
        try:
            with translate(f"reading {collection}"):
                docs = self._client.mget(index=self.aliases[collection], ids=[str(i) for i in ids], **source)["docs"]
        except IndexMissing:
            return []
        return [d for d in docs if d.get("found")]

    def get(self, target: Target, ids: Sequence[DocId], *, derived: bool = True) -> list[Document]:
        return [d["_source"] for d in self._mget(Target(target).value, ids, source_excludes=["vector"])]

    def get_vectors(self, target: Target, ids: Sequence[DocId]) -> dict[DocId, Vector]:
        docs = self._mget(Target(target).value, ids, source_includes=["vector"])
        return {d["_id"]: d["_source"]["vector"] for d in docs if d["_source"].get("vector") is not None}

    @staticmethod
    def _notice_out(source: Mapping[str, Any]) -> Document:
        return {k: v for k, v in source.items() if k != STORED_AT}

    def get_notice(self, notice_id: NoticeId) -> Document | None:
        docs = self._mget(NOTICES, [notice_id])
        return self._notice_out(docs[0]["_source"]) if docs else None

    def iter_notices(self) -> Iterator[Document]:
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"query": {"match_all": {}}, "size": NOTICE_PAGE, "sort": [{"notice_id": "asc"}],
                                    "track_total_hits": False, "_source": {"excludes": [STORED_AT]}}
            if after is not None:
                body["search_after"] = after
            resp = self._search(NOTICES, body, "reading notices")
            hits = resp["hits"]["hits"] if resp else []
            for hit in hits:
                yield self._notice_out(hit["_source"])
            if len(hits) < NOTICE_PAGE:
                return
            after = hits[-1]["sort"]

    def scan(self, target: Target, fields: Sequence[str], *, vectors: bool = False,
             batch: int = 1000) -> Iterator[tuple[list[Document], np.ndarray | None]]:
        return elastic_derived.scan(self._search, target, fields, vectors=vectors, batch=batch)

    def put_derived(self, name: str, data: bytes) -> None:
        elastic_derived.put(self._client, self.prefix, self.namespace.live().get(ISSUES), name, data)

    def get_derived(self, name: str) -> bytes | None:
        return elastic_derived.get(self._client, self.prefix, self.namespace.live().get(ISSUES), name)

    def close(self) -> None:
        self._client.close()
