"""Elasticsearch 8 backend, with the official ``elasticsearch`` client.

Layout of one namespace (``prefix``, default setting ``es_index_prefix`` = ``xuncha``):

    alias xuncha-issues   → index xuncha-issues-v3     (issue documents)
    alias xuncha-measures → index xuncha-measures-v3   (measure documents)
    alias xuncha-notices  → index xuncha-notices-v3    (notice records with their original text)

Readers and writers use the aliases; :meth:`ElasticBackend.rebuild` fills generation v4 (replicas
0, refresh off), restores the settings, then moves all three aliases in one atomic
``_aliases`` request and drops v3 unless ``keep_old``. Mappings come from
:mod:`indexer.backends.es_mapping` (generated from :mod:`indexer.fields`).

Scoring matches the memory backend: the lexical leg is a ``bool.should`` of one ``match`` per
TOKENS field (whitespace analyzer, operator or, the field's boost); Elasticsearch's BM25
(k1=1.2, b=0.75, Lucene idf, (k1+1) kept) summed over fields. Everything lives on one shard, so
term statistics are exact without ``dfs_query_then_fetch``. The vector leg is a ``knn`` search
whose ``filter`` is the same filter clauses; its candidates (2× oversampled on the int8 graph)
are rescored here with the exact cosine of their stored float vectors, so scores equal the
reference and int8 quantisation cannot reorder the top k. :meth:`ElasticBackend.search_both`
sends both legs in one ``msearch``. Fusion, highlighting and explanations stay in our search core
(the server's RRF and linear retrievers need a paid licence).

Writes go through ``helpers.streaming_bulk`` with retries and exponential back-off on 429; every
document that still fails is reported in :class:`WriteResult.failed`, and a notice is stored
whole or not at all (its other documents are removed again).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import elasticsearch
import numpy as np
from elasticsearch import ApiError, Elasticsearch, NotFoundError, SerializationError, TransportError, helpers

from indexer.backends.base import Filters, IndexInfo, LexicalQuery, NoticeBundle, WriteResult, refuse_mismatch
from indexer.backends.es_mapping import (
    COLLECTIONS,
    FACETABLE_KINDS,
    FILTERABLE_KINDS,
    MAPPING_VERSION,
    NOTICES,
    REBUILD_SETTINGS,
    STORED_AT,
    index_body,
)
from indexer.backends.memory import as_tokens
from indexer.errors import BackendError, BackendUnavailable, BadQuery, ConfigError, IncompatibleIndex
from indexer.fields import SCHEMA_VERSION, Kind, fields_of
from indexer.settings import Settings
from indexer.types import DocId, Document, Hit, Leg, NoticeId, Target, Vector

CLIENT_VERSION: str = elasticsearch.__versionstr__
CLIENT_MAJOR = int(CLIENT_VERSION.split(".")[0])

ISSUES = Target.ISSUES.value
MEASURES = Target.MEASURES.value

MAX_KNN = 10_000  # Elasticsearch's limit for k and num_candidates
OVERSAMPLE = 2.0  # candidates fetched per wanted hit, rescored exactly from their float vectors
OVERSAMPLE_MIN = 10  # … and at least this many extra
VECTOR_DECIMALS = 7  # stored vectors are rounded (cosine changes by < 1e-6; _source shrinks by ~40%)
NOTICE_PAGE = 200  # notices per page of iter_notices()
REBUILD_BATCH = 100  # notices per write batch of rebuild()
CLEANUP_CHUNK = 200  # notices per stale-document delete-by-query

_PREFIX = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkParams:
    """How bulk writes are chunked and retried (``helpers.streaming_bulk``)."""

    chunk_size: int = 1000  # documents per request (≈ 2–4 MB with 384-d vectors)
    max_chunk_bytes: int = 10 * 1024 * 1024
    max_retries: int = 5  # per rejected (429) document or request
    initial_backoff: float = 1.0  # seconds; doubled on each retry
    max_backoff: float = 60.0


DEFAULT_BULK = BulkParams()


class IndexMissing(BackendError):
    """The alias or index does not exist (yet): readers answer as for an empty index."""


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of :class:`elasticsearch.Elasticsearch` from the settings.

    >>> client_options(Settings(es_url="https://es:9200", es_api_key="k"))["api_key"]
    'k'
    """
    if not settings.es_url:
        raise ConfigError("the elasticsearch backend needs ES_URL (e.g. ES_URL=http://127.0.0.1:9200)")
    if settings.es_api_key and settings.es_username:
        raise ConfigError("set either ES_API_KEY or ES_USERNAME/ES_PASSWORD, not both")
    options: dict[str, Any] = {
        "hosts": [settings.es_url],
        "request_timeout": 30,
        "max_retries": 3,  # connection errors and 502/503/504, before we see them
        "retry_on_timeout": True,
    }
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key
    elif settings.es_username:
        options["basic_auth"] = (settings.es_username, settings.es_password or "")
    if settings.es_ca_certs:
        options["ca_certs"] = settings.es_ca_certs
    return options


def public_url(url: str) -> str:
    """The URL without credentials, for messages and ``info().location``.

    >>> public_url("https://elastic:secret@es.example:9200")
    'https://es.example:9200'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return str(error or exc.message)


def _is_missing_index(exc: ApiError) -> bool:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    return isinstance(exc, NotFoundError) and isinstance(error, dict) and error.get("type") == "index_not_found_exception"


@contextmanager
def translate(doing: str) -> Iterator[None]:
    """Turn client exceptions into ours, keeping the cause (``raise … from exc``)."""
    try:
        yield
    except elasticsearch.ConnectionError as exc:  # includes ConnectionTimeout
        raise BackendUnavailable(f"Elasticsearch is unreachable while {doing}: {exc}") from exc
    except ApiError as exc:
        if _is_missing_index(exc):
            raise IndexMissing(f"no index while {doing}: {_reason(exc)}") from exc
        if exc.status_code in (429, 503):
            raise BackendUnavailable(f"Elasticsearch is overloaded while {doing} ({exc.status_code}): "
                                     f"{_reason(exc)}; retry later") from exc
        raise BackendError(f"Elasticsearch refused {doing} ({exc.status_code}): {_reason(exc)}") from exc
    except (TransportError, SerializationError) as exc:
        raise BackendError(f"Elasticsearch failed while {doing}: {exc}") from exc


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


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
        self.prefix = prefix or settings.es_index_prefix
        if not _PREFIX.match(self.prefix):
            raise ConfigError(f"index prefix {self.prefix!r}: use lower-case letters, digits, '-', '_' or '.'")
        self.url = public_url(settings.es_url or "")
        self.bulk = bulk
        self.aliases = {c: f"{self.prefix}-{c}" for c in COLLECTIONS}
        self._versioned = re.compile(rf"^{re.escape(self.prefix)}-({'|'.join(COLLECTIONS)})-v(\d+)$")
        self._token_fields = {t.value: tuple(f.name for f in fields_of(t, Kind.TOKENS)) for t in Target}
        self._kinds = {t.value: {f.name: f.kind for f in fields_of(t)} for t in Target}
        # (model_id, dims, dictionary_version) last asked for by check_compatible(): a rebuild
        # builds the new index with these, so reindexing for a new model works.
        self._requested: tuple[str, int, str] | None = None
        self._client = Elasticsearch(**client_options(settings))
        self.server_version, self.server_label = self._check_server()

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticBackend:
        # Documents the server rejects with 429 are retried with the same back-off settings as
        # whole calls are by the ingest (indexer.pipeline.RetryingBackend).
        bulk = BulkParams(max_retries=max(0, settings.backend_retries),
                          initial_backoff=max(0.0, settings.backend_retry_backoff))
        return cls(settings, bulk=bulk)

    # -- server --------------------------------------------------------------------------
    def _check_server(self) -> tuple[tuple[int, ...], str]:
        """The server's version and a label; refuses a server of another major version."""
        try:
            with translate(f"connecting to {self.url}"):
                info = self._client.info()
        except BackendError as exc:
            if isinstance(exc.__cause__, elasticsearch.UnsupportedProductError):
                raise BackendError(f"the server at {self.url} is not Elasticsearch {CLIENT_MAJOR}.x: "
                                   f"{exc.__cause__}") from exc.__cause__
            raise
        number = str(info["version"]["number"])
        version = tuple(int(p) for p in re.findall(r"\d+", number)[:3])
        if not version or version[0] != CLIENT_MAJOR:
            raise BackendError(
                f"Elasticsearch at {self.url} is version {number}, but this program uses the "
                f"elasticsearch-py {CLIENT_VERSION} client, which needs a {CLIENT_MAJOR}.x server; "
                f"run an Elasticsearch {CLIENT_MAJOR}.x cluster (see deploy/docker-compose.elasticsearch.yml)"
            )
        if info["version"].get("build_hash") == "noida" or info.get("cluster_uuid") == "noida-local":
            label = f"noida-db emulator (Elasticsearch {number} API)"
        else:
            label = f"Elasticsearch {number}"
        return version, label

    # -- namespace -------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, dict[int, str]], dict[str, str]]:
        """(collection → generation → index name, collection → index behind the alias)."""
        pattern = ",".join(f"{self.prefix}-{c}-v*" for c in COLLECTIONS)
        with translate("listing indices"):
            resp = self._client.indices.get_alias(index=pattern).body
        versions: dict[str, dict[int, str]] = {c: {} for c in COLLECTIONS}
        live: dict[str, str] = {}
        for index, entry in resp.items():
            m = self._versioned.match(index)
            if not m:
                continue
            collection, gen = m.group(1), int(m.group(2))
            versions[collection][gen] = index
            if self.aliases[collection] in (entry.get("aliases") or {}):
                live[collection] = index
        return versions, live

    def _live(self) -> dict[str, str]:
        """Index behind each alias; empty if the namespace does not exist, complete otherwise."""
        _, live = self._state()
        if live and set(live) != set(COLLECTIONS):
            missing = sorted(set(COLLECTIONS) - set(live))
            raise BackendError(f"namespace {self.prefix!r} is incomplete (no alias for {', '.join(missing)}); "
                               "run a reindex, or drop it")
        return live

    def _meta(self) -> dict[str, Any]:
        with translate("reading the index metadata"):
            resp = self._client.indices.get_mapping(index=self.aliases[ISSUES]).body
        [entry] = resp.values()
        return dict(entry["mappings"].get("_meta") or {})

    def _create_generation(self, values: tuple[str | None, int, str | None], *,
                           settings: Mapping[str, Any] | None = None) -> dict[str, str]:
        """Create the three indices of the next generation (no aliases); returns their names."""
        versions, _ = self._state()
        gen = max((g for v in versions.values() for g in v), default=0) + 1
        names = {c: f"{self.prefix}-{c}-v{gen}" for c in COLLECTIONS}
        model_id, dims, dictionary = values
        created: list[str] = []
        try:
            for collection, index in names.items():
                body = index_body(collection, model_id=model_id, dims=dims, dictionary_version=dictionary)
                body["settings"]["index"].update(settings or {})
                with translate(f"creating index {index}"):
                    self._client.indices.create(index=index, settings=body["settings"], mappings=body["mappings"])
                created.append(index)
        except BaseException:
            self._delete_indices(created)
            raise
        return names

    def _create_namespace(self, values: tuple[str | None, int, str | None]) -> dict[str, str]:
        names = self._create_generation(values)
        actions = [{"add": {"index": names[c], "alias": self.aliases[c]}} for c in COLLECTIONS]
        try:
            with translate("creating the aliases"):
                self._client.indices.update_aliases(actions=actions)
        except BaseException:
            self._delete_indices(list(names.values()))
            raise
        return names

    def _ensure_namespace(self, bundles: Sequence[NoticeBundle]) -> dict[str, str]:
        live = self._live()
        if live:
            return live
        if self._requested is not None:
            return self._create_namespace(self._requested)
        dims = _infer_dims(bundles)
        if dims is None:
            raise BackendError("no index yet and no vector to size it: call "
                               "check_compatible(model_id, dims, dictionary_version) before the first write")
        return self._create_namespace((None, dims, None))

    def _delete_indices(self, indices: Sequence[str]) -> None:
        """Best-effort removal (clean-up after a failure)."""
        if indices:
            with suppress(Exception):
                self._client.indices.delete(index=",".join(indices), ignore_unavailable=True)

    def drop(self) -> None:
        """Delete every index of this namespace (all generations, aliases with them)."""
        versions, _ = self._state()
        names = [name for v in versions.values() for name in v.values()]
        if names:
            with translate("deleting the namespace"):
                self._client.indices.delete(index=",".join(names), ignore_unavailable=True)

    # -- bookkeeping ---------------------------------------------------------------------
    def info(self) -> IndexInfo:
        live = self._live()
        extra: dict[str, Any] = {"server": self.server_label, "aliases": dict(self.aliases), "indices": live}
        location = f"{self.url} ({', '.join(self.aliases.values())})"
        if not live:
            return IndexInfo(backend=self.name, location=location, model_id=None, dims=None, dictionary_version=None,
                             schema_version=SCHEMA_VERSION, notices=0, issues=0, measures=0, extra=extra)
        meta = self._meta()
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
        live = self._live()
        if not live:
            self._create_namespace(self._requested)
            return
        meta = self._meta()
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
        for name in self._token_fields[collection]:
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
        self._refresh(names)
        if doomed or stale:
            self._delete_documents(names, doomed, stale)
            self._refresh(names)
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

    def _refresh(self, names: Mapping[str, str]) -> None:
        with translate("refreshing"):
            self._client.indices.refresh(index=",".join(names[c] for c in COLLECTIONS))

    def _rollback(self, notice_ids: Sequence[NoticeId], names: Mapping[str, str]) -> None:
        """Best effort after a failed request (the server may be gone)."""
        if notice_ids:
            with suppress(Exception):
                self._refresh(names)
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
            for chunk in _batched(own, CLEANUP_CHUNK):
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
        if not notice_ids or not self._live():
            return 0
        existed = self._existing(notice_ids)
        self._refresh(self.aliases)  # delete-by-query only sees refreshed documents
        self._delete_documents(self.aliases, notice_ids, [])
        return len(existed)

    def rebuild(self, bundles: Iterable[NoticeBundle], *, keep_old: bool = False) -> WriteResult:
        """Fill a new generation (replicas 0, refresh off), restore its settings, then move the
        three aliases at once; the old indices serve until then and are dropped unless ``keep_old``.

        The new index records the values of the last :meth:`check_compatible` call (so a reindex
        for another model or dictionary calls it first and catches IncompatibleIndex), else those
        of the live index, else dims taken from the first vector."""
        live = self._live()
        iterator = iter(bundles)
        first: list[NoticeBundle] = []
        if self._requested is not None:
            values: tuple[str | None, int, str | None] = self._requested
        elif live:
            meta = self._meta()
            values = (meta.get("model_id"), int(meta["dims"]), meta.get("dictionary_version"))
        else:
            first = list(islice(iterator, REBUILD_BATCH))  # only to size the vectors
            dims = _infer_dims(first)
            if dims is None:
                raise BackendError("no index yet and no vector to size it: call check_compatible() first")
            values = (None, dims, None)
        restore = self._live_settings(live)
        names = self._create_generation(values, settings=REBUILD_SETTINGS)
        result = WriteResult()
        try:
            for batch in chain([first], _batched(iterator, REBUILD_BATCH)):
                if batch:
                    part = self._write_batch(names, batch, {}, fresh=True)
                    result.written += part.written
                    result.failed.update(part.failed)
            for collection, index in names.items():
                with translate(f"restoring the settings of {index}"):
                    self._client.indices.put_settings(index=index, settings={"index": restore[collection]})
            self._refresh(names)
            actions = [{"remove": {"index": live[c], "alias": self.aliases[c]}} for c in COLLECTIONS if c in live]
            actions += [{"add": {"index": names[c], "alias": self.aliases[c]}} for c in COLLECTIONS]
            with translate("switching the aliases"):
                self._client.indices.update_aliases(actions=actions)
        except BaseException:
            self._delete_indices(list(names.values()))
            raise
        if live and not keep_old:
            with translate("dropping the old indices"):
                self._client.indices.delete(index=",".join(live.values()), ignore_unavailable=True)
        return result

    def _live_settings(self, live: Mapping[str, str]) -> dict[str, dict[str, Any]]:
        """Replicas and refresh interval to restore after a rebuild: the live index's, else defaults."""
        defaults = index_body(ISSUES, model_id=None, dims=1, dictionary_version=None)["settings"]["index"]
        wanted = {"number_of_replicas": defaults["number_of_replicas"], "refresh_interval": defaults["refresh_interval"]}
        out = {c: dict(wanted) for c in COLLECTIONS}
        for collection, index in live.items():
            with translate(f"reading the settings of {index}"):
                current = self._client.indices.get_settings(index=index)[index]["settings"]["index"]
            for key in wanted:
                if key in current:
                    out[collection][key] = current[key]
        return out

    # -- searching -----------------------------------------------------------------------
    def _filter(self, collection: str, filters: Filters) -> dict[str, list[dict[str, Any]]]:
        """The filter clauses both legs share: ``{"filter": [...], "must_not": [...]}``."""
        kinds = self._kinds[collection]
        for name in chain(filters.equals, filters.ranges, filters.excludes):
            if kinds.get(name) not in FILTERABLE_KINDS:
                raise BadQuery(f"cannot filter {collection} on {name!r}: not a keyword, integer or date field")
        must: list[dict[str, Any]] = [{"terms": {name: list(values)}} for name, values in filters.equals.items()]
        for name, (low, high) in filters.ranges.items():
            bounds = {key: value for key, value in (("gte", low), ("lte", high)) if value is not None}
            must.append({"range": {name: bounds}} if bounds else {"exists": {"field": name}})
        must_not = [{"terms": {name: list(values)}} for name, values in filters.excludes.items()]
        return {"filter": must, "must_not": must_not}

    def _matches(self, collection: str, query: LexicalQuery) -> list[dict[str, Any]]:
        """One ``match`` per TOKENS field with a positive boost and per term weight (the sum of
        the clauses' BM25 scores is the embedded backend's score); empty when nothing can match."""
        by_weight: dict[float, list[str]] = {}
        for t in query.terms:
            if t and not t.isspace():
                by_weight.setdefault(query.weight(t), []).append(t)
        tokens = self._token_fields[collection]
        return [{"match": {name: {"query": " ".join(terms), "boost": boost * weight}}}
                for name, boost in query.boosts.items() if boost > 0 and name in tokens
                for weight, terms in by_weight.items() if weight > 0]

    def _lexical_body(self, collection: str, query: LexicalQuery, filters: Filters, k: int) -> dict[str, Any] | None:
        clauses = self._filter(collection, filters)
        matches = self._matches(collection, query)
        if not matches or k <= 0:
            return None
        return {
            "query": {"bool": {"should": matches, "minimum_should_match": 1, **clauses}},
            "size": k, "sort": ["_score", {"id": "asc"}], "track_scores": True,
            "track_total_hits": False, "_source": False,
        }

    def _vector_body(self, collection: str, vector: Vector, filters: Filters, k: int) -> dict[str, Any] | None:
        clauses = self._filter(collection, filters)
        values = [float(x) for x in vector]
        if k <= 0 or not any(values):
            return None  # a zero vector has no cosine
        k = min(k, MAX_KNN)
        # Candidates found on the int8-quantised graph, then rescored exactly by us (_vector_hits):
        # quantised scores are off by up to ~0.03 and can swap neighbours.
        wanted = min(max(math.ceil(k * OVERSAMPLE), k + OVERSAMPLE_MIN), MAX_KNN)
        knn: dict[str, Any] = {"field": "vector", "query_vector": values, "k": wanted,
                               "num_candidates": min(max(wanted * 2, k * 4, 100), MAX_KNN)}
        if clauses["filter"] or clauses["must_not"]:
            knn["filter"] = {"bool": clauses}
        return {"knn": knn, "size": wanted, "_source": {"includes": ["vector"]}, "k": k}

    @staticmethod
    def _lexical_hits(resp: Mapping[str, Any]) -> list[Hit]:
        return [Hit(h["_id"], float(h["_score"]), Leg.LEXICAL) for h in resp["hits"]["hits"]]

    @staticmethod
    def _vector_hits(resp: Mapping[str, Any], query: Vector, k: int) -> list[Hit]:
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

    def _search(self, collection: str, body: Mapping[str, Any], doing: str) -> dict[str, Any] | None:
        try:
            with translate(doing):
                return self._client.search(index=self.aliases[collection], **body).body
        except IndexMissing:
            return None

    def lexical(self, target: Target, query: LexicalQuery, filters: Filters, k: int) -> list[Hit]:
        body = self._lexical_body(Target(target).value, query, filters, k)
        resp = self._search(Target(target).value, body, "searching (lexical)") if body else None
        return self._lexical_hits(resp) if resp else []

    def vector(self, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
        body = self._vector_body(Target(target).value, vector, filters, k)
        if body is None:
            return []
        k = body.pop("k")
        resp = self._search(Target(target).value, body, "searching (vector)")
        return self._vector_hits(resp, vector, k) if resp else []

    def search_both(self, target: Target, query: LexicalQuery, vector: Vector, filters: Filters,
                    k_lexical: int, k_vector: int) -> tuple[list[Hit], list[Hit]]:
        """Both legs in one ``msearch`` round trip; the same as ``(lexical(…), vector(…))``."""
        collection = Target(target).value
        bodies = [self._lexical_body(collection, query, filters, k_lexical),
                  self._vector_body(collection, vector, filters, k_vector)]
        k_vector = bodies[1].pop("k") if bodies[1] is not None else 0
        searches: list[Mapping[str, Any]] = []
        for body in bodies:
            if body is not None:
                searches += [{"index": self.aliases[collection]}, body]
        if not searches:
            return [], []
        try:
            with translate("searching (both legs)"):
                responses = iter(self._client.msearch(searches=searches)["responses"])
        except IndexMissing:
            return [], []
        out: list[list[Hit]] = []
        parsers = (self._lexical_hits, lambda resp: self._vector_hits(resp, vector, k_vector))
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
        collection = Target(target).value
        kinds = self._kinds[collection]
        for name in fields:
            if kinds.get(name) not in FACETABLE_KINDS:
                raise BadQuery(f"cannot count {collection} by {name!r}: not a keyword or integer field")
        empty: dict[str, list[tuple[str, int]]] = {name: [] for name in fields}
        clauses = self._filter(collection, filters)
        if query is not None:
            matches = self._matches(collection, LexicalQuery(query.terms, {n: 1.0 for n in query.boosts}))
            if not matches:
                return empty
            clauses["filter"].append({"bool": {"should": matches, "minimum_should_match": 1}})
        if not fields or size <= 0:
            return empty
        body = {"query": {"bool": clauses}, "size": 0, "track_total_hits": False,
                "aggs": {name: {"terms": {"field": name, "size": size}} for name in fields}}
        resp = self._search(collection, body, "counting facets")
        if resp is None:
            return empty
        out = {}
        for name in fields:
            buckets = resp["aggregations"][name]["buckets"]
            pairs = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
            out[name] = sorted(pairs, key=lambda kv: (-kv[1], kv[0]))
        return out

    def _mget(self, collection: str, ids: Sequence[DocId], **source: Any) -> list[dict[str, Any]]:
        if not ids:
            return []
        try:
            with translate(f"reading {collection}"):
                docs = self._client.mget(index=self.aliases[collection], ids=[str(i) for i in ids], **source)["docs"]
        except IndexMissing:
            return []
        return [d for d in docs if d.get("found")]

    def get(self, target: Target, ids: Sequence[DocId]) -> list[Document]:
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

    def close(self) -> None:
        self._client.close()
