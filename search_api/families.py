"""The problem-family core (共性问题) behind the API and the web page: the index's stored family set
(:mod:`indexer.families`), reloaded when a newer one is stored, listed under the search filters and
a query, and one family in full — members with institution, notice and status, breakdowns and
measure families (:mod:`indexer.measure_families`).

Filters are the search's (:func:`search_api.parse.parse_filters`) and mean the same thing: a family
is listed when at least ``min_institutions`` institutions among its members *that pass the filters*
have it, and its counts are over those members. With ``q``, only families with a member among the
query's ranked hits (hybrid search at depth :data:`QUERY_DEPTH`, the same filters) are listed.
Families are sorted by the number of institutions, then members, then best hit when there is a query.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer import families as fam
from indexer.backends.base import Filters
from indexer.backends.memory import matches
from indexer.documents import measure_ids
from indexer.errors import BackendError, BadQuery, XunchaError
from indexer.fields import FACETS, field_named
from indexer.measure_families import group_measures
from indexer.settings import Settings
from indexer.types import DocId, Document, Target
from search_api.errors import NotFound
from search_api.parse import Mode, SearchFilters, parse_choice, parse_filters, parse_int, parse_query_text
from search_api.public import public
from search_api.search import SearchService

log = logging.getLogger(__name__)

QUERY_DEPTH = 200  # ranked hits a query is matched against
STAMP_CHECK_SECONDS = 2.0  # how often the stored stamp is read (another process may have stored new families)
MAX_PAGE_SIZE = 100
LISTINGS_CACHED = 32  # listings (filters, q, min_institutions) kept per family set
BREAKDOWNS: dict[str, str] = {  # breakdown name → member field
    "institution_type": "institution_type", "province": "province", "year": "year", "status": "status",
    "category": "categories",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyRequest:
    q: str | None = None
    mode: Mode = Mode.HYBRID
    filters: SearchFilters = field(default_factory=SearchFilters)
    min_institutions: int = 2
    page: int = 1
    size: int = 20


def parse_family_request(settings: Settings, *, q: Any = None, mode: Any = Mode.HYBRID, min_institutions: Any = 2,
                         page: Any = 1, size: Any = 20, **filters: Any) -> FamilyRequest:
    """Validate a family listing: optional q, mode, min_institutions (1–1000), paging, the search filters."""
    text = parse_query_text(settings, q) if q not in (None, "") and str(q).strip() else None
    size_n = parse_int("size", size, 1, MAX_PAGE_SIZE)
    page_n = parse_int("page", page, 1, 100_000)
    return FamilyRequest(q=text, mode=parse_choice("mode", mode, Mode), filters=parse_filters(**filters),
                         min_institutions=parse_int("min_institutions", min_institutions, 1, 1000), page=page_n, size=size_n)


def label_of(name: str, value: Any) -> str:
    """Chinese label of a breakdown value (the field registry's)."""
    return field_named(BREAKDOWNS[name]).value_label(value) or "未知"


def breakdown(name: str, metas: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """{value, label, count} of one field over members, most first (years in order)."""
    counts: Counter[str] = Counter()
    stored = BREAKDOWNS[name]
    for meta in metas:
        value = meta.get(stored)
        values = value if isinstance(value, list) else [value]
        counts.update({"" if v is None else str(v) for v in values} if values else {""})
    if name == "category":
        counts.pop("", None)
    pairs = sorted(counts.items(), key=(lambda kv: kv[0]) if name == "year" else (lambda kv: (-kv[1], kv[0])))
    return [{"value": v, "label": label_of(name, v), "count": c} for v, c in pairs]


class MemberColumns:
    """The members of a family set as integer-coded facet columns (built once per family set), so
    that counting the facets of a listing is a numpy ``bincount``, not a loop over members."""

    def __init__(self, result: fam.FamilySet) -> None:
        ids = [m for f in result.families for m in f.members]
        self.position = {m: i for i, m in enumerate(ids)}
        self.span: dict[str, tuple[int, int]] = {}
        start = 0
        for family in result.families:
            self.span[family.id] = (start, start + len(family.members))
            start += len(family.members)
        self.size = len(ids)
        self.columns: dict[str, tuple[list[str], np.ndarray | None, np.ndarray]] = {}
        for f in FACETS:
            vocab: dict[str, int] = {}
            values = [result.members.get(m, {}).get(f.name) for m in ids]
            if f.multi:
                pairs = [(row, vocab.setdefault(str(v), len(vocab))) for row, vs in enumerate(values)
                         for v in dict.fromkeys(vs or ()) if v not in (None, "")]
                rows = np.asarray([r for r, _ in pairs], dtype=np.int64)
                codes = np.asarray([c for _, c in pairs], dtype=np.int64)
                self.columns[f.request_param] = (list(vocab), rows, codes)
            else:
                codes = np.asarray([-1 if v in (None, "") else vocab.setdefault(str(v), len(vocab)) for v in values],
                                   dtype=np.int64)
                self.columns[f.request_param] = (list(vocab), None, codes)

    def facets(self, selected: np.ndarray) -> dict[str, list[dict[str, Any]]]:
        """{param: [{value, count}]} over the selected members (a boolean mask), most first."""
        out: dict[str, list[dict[str, Any]]] = {}
        for param, (values, rows, codes) in self.columns.items():
            chosen = codes[selected[rows]] if rows is not None else codes[selected & (codes >= 0)]
            counts = np.bincount(chosen, minlength=len(values))
            order = sorted(np.flatnonzero(counts).tolist(), key=lambda i: (-counts[i], values[i]))
            out[param] = [{"value": values[i], "count": int(counts[i])} for i in order]
        return out


def _institutions(metas: Iterable[Mapping[str, Any]]) -> int:
    return len({m.get("institution") or f"notice:{m.get('notice_id')}" for m in metas})


class FamilyService:
    """Families of the index the search service reads; the family set is loaded once and reloaded
    when the stored stamp changes (an ingest in another process stores a new set)."""

    def __init__(self, search: Any) -> None:
        self._search = search  # a SearchService, or anything with .service() returning one (ServiceHolder)
        self._lock = threading.Lock()
        self._set: fam.FamilySet | None = None
        self._checked = 0.0
        self._listings: dict[tuple, tuple[list[tuple], dict[str, Any]]] = {}
        self._columns: tuple[str, MemberColumns] | None = None

    @property
    def search(self) -> SearchService:
        return self._search.service() if hasattr(self._search, "service") else self._search

    def current(self) -> fam.FamilySet:
        """The family set of the index: stored, else computed here (an index made before families
        existed; kept in memory only: the next ingest stores one)."""
        with self._lock:
            now = time.monotonic()
            if self._set is not None and now - self._checked < STAMP_CHECK_SECONDS:
                return self._set
            backend = self.search.backend
            self._checked = now
            stamp = fam.stored_stamp(backend)
            if stamp is not None and self._set is not None and stamp == self._set.stamp:
                return self._set
            loaded = fam.load(backend) if stamp is not None else None
            if loaded is None:
                if self._set is not None and self._set.stamp.startswith("local-"):
                    return self._set
                log.info("no stored problem families: computing them in this process")
                loaded = fam.build(backend, fam.FamilyParams.from_settings(self.search.settings))
                loaded.stamp = "local-" + loaded.stamp
                try:
                    fam.store(backend, loaded)
                except BackendError as exc:  # a reader that cannot write: keep them in memory
                    log.info("problem families not stored (%s)", exc)
            self._set = loaded
            self._listings.clear()
            return loaded

    def family_of(self, issue_id: DocId) -> str | None:
        return self.current().family_of(issue_id)

    # -- listing ------------------------------------------------------------------------------
    def _hits(self, request: FamilyRequest, filters: Filters) -> dict[DocId, int]:
        if request.q is None:
            return {}
        ranked = self.search.rank(Target.ISSUES, text=request.q, query_vector=None, mode=request.mode,
                                  filters=filters, fusion=self.search.settings.fusion, depth=QUERY_DEPTH)
        return {f.doc_id: rank for rank, f in enumerate(ranked[:QUERY_DEPTH], start=1)}

    def _listing(self, result: fam.FamilySet, request: FamilyRequest) -> tuple[list[tuple], dict[str, Any]]:
        """The listed families (family, kept members, institutions, best hit, hits) and the facet
        counts of their members; cached per family set, since every page of a listing needs both."""
        key = (result.stamp, repr(request.filters.as_params()), request.q, request.mode, request.min_institutions)
        with self._lock:
            cached = self._listings.get(key)
        if cached is not None:
            return cached
        filters = request.filters.to_backend()
        hits = self._hits(request, filters)
        rows = []
        for family in result.families:
            if filters.is_empty() and not hits:  # the whole family: its counts are stored with it
                if family.institutions >= request.min_institutions:
                    rows.append((family, list(fam.member_rows(result, family)), family.institutions, 0, 0))
                continue
            kept = [(m, meta) for m, meta in fam.member_rows(result, family) if matches(meta, filters)]
            ranks = [hits[m] for m, _ in kept if m in hits]
            if hits and not ranks:
                continue
            institutions = _institutions(meta for _, meta in kept)
            if institutions >= request.min_institutions:
                rows.append((family, kept, institutions, min(ranks, default=0), len(ranks)))
        rows.sort(key=lambda r: (-r[2], -len(r[1]), r[3], r[0].id))
        columns = self._columns_of(result)
        selected = np.zeros(columns.size, dtype=bool)
        for family, kept, *_ in rows:
            if len(kept) == len(family.members):
                selected[slice(*columns.span[family.id])] = True
            else:
                selected[[columns.position[m] for m, _ in kept]] = True
        listing = (rows, columns.facets(selected))
        with self._lock:
            if len(self._listings) >= LISTINGS_CACHED:
                self._listings.pop(next(iter(self._listings)))
            self._listings[key] = listing
        return listing

    def _columns_of(self, result: fam.FamilySet) -> MemberColumns:
        with self._lock:
            if self._columns is None or self._columns[0] != result.stamp:
                self._columns = (result.stamp, MemberColumns(result))
            return self._columns[1]

    def list(self, request: FamilyRequest) -> dict[str, Any]:
        started = time.perf_counter()
        result = self.current()
        rows, facets = self._listing(result, request)
        start = (request.page - 1) * request.size
        out = [self._summary(family, kept, institutions, matched)
               for family, kept, institutions, _, matched in rows[start:start + request.size]]
        return {"ok": True, "q": request.q, "mode": request.mode.value, "min_institutions": request.min_institutions,
                "filters": request.filters.as_params(), "total": len(rows), "page": request.page,
                "size": request.size, "families": out, "facets": facets, "index": self._about(result),
                "took_ms": round((time.perf_counter() - started) * 1000, 2)}

    @staticmethod
    def _about(result: fam.FamilySet) -> dict[str, Any]:
        return {"issues": result.issues, "families": len(result.families), "threshold": result.params.threshold,
                "computed_seconds": round(result.seconds, 2), "stamp": result.stamp}

    @staticmethod
    def _summary(family: fam.Family, kept: Sequence[tuple[DocId, Mapping[str, Any]]], institutions: int,
                 matched: int) -> dict[str, Any]:
        metas = [meta for _, meta in kept]
        return {"id": family.id, "label": family.label, "label_issue_id": family.label_id, "terms": family.terms,
                "institutions": institutions, "members": len(kept), "notices": len({m.get("notice_id") for m in metas}),
                "total_members": len(family.members), "total_institutions": family.institutions,
                "matched": matched, "by_year": breakdown("year", metas),
                "by_institution_type": breakdown("institution_type", metas)}

    # -- one family ---------------------------------------------------------------------------
    def family(self, family_id: str) -> fam.Family:
        found = self.current().get(family_id)
        if found is None:
            raise NotFound(f"no problem family with id {family_id!r}")
        return found

    def member_docs(self, family: fam.Family) -> list[Document]:
        """The members' issue documents (public fields), in notice-date order."""
        docs = [public(d) for d in self.search.backend.get(Target.ISSUES, family.members)]
        return sorted(docs, key=lambda d: (str(d.get("feedback_date") or d.get("publish_date") or ""),
                                           str(d.get("institution") or ""), d["id"]))

    def detail(self, family_id: str) -> dict[str, Any]:
        family = self.family(family_id)
        docs = self.member_docs(family)
        measures = self.search.backend.get(Target.MEASURES, [m for d in docs for m in measure_ids(d)])
        metas = [{k: d.get(k) for k in fam.MEMBER_FIELDS} for d in docs]
        members = [{
            "id": d["id"], "institution": d.get("institution"), "institution_type": d.get("institution_type"),
            "institution_type_label": label_of("institution_type", d.get("institution_type")),
            "province": d.get("province"), "city": d.get("city"), "county": d.get("county"),
            "notice_id": d.get("notice_id"), "title": d.get("title"), "seq": d.get("seq"), "label": d.get("label"),
            "inspection_body": d.get("inspection_body"), "feedback_date": d.get("feedback_date"),
            "publish_date": d.get("publish_date"), "year": d.get("year"), "problem": d.get("problem"),
            "status": d.get("status"), "status_label": label_of("status", d.get("status")),
            "status_raw": d.get("status_raw"), "measures": d.get("measures") or [],
            "categories": d.get("categories") or [],
        } for d in docs]
        return {"ok": True, "family": {
            "id": family.id, "label": family.label, "label_issue_id": family.label_id, "terms": family.terms,
            "institutions": _institutions(metas), "notices": len({m.get("notice_id") for m in metas}),
            "size": len(members), "cohesion": family.cohesion, "members": members,
            "breakdowns": {name: breakdown(name, metas) for name in BREAKDOWNS},
            "measure_families": [g.to_dict() for g in group_measures(measures)],
        }}


def families_of(app_state: Any) -> FamilyService:
    """The app's family service (``app.state.families``), made on first use."""
    service = getattr(app_state, "families", None)
    if service is None:
        service = FamilyService(app_state.search)
        app_state.families = service
    return service


def with_families(app_state: Any, views: Iterable[dict[str, Any]]) -> None:
    """Put each issue view's family (id, label, institutions) in it, for the 共性问题 links."""
    try:
        current = families_of(app_state).current()
    except XunchaError as exc:  # the links are extras: the page shows without them
        log.warning("problem families unavailable: %s", exc)
        return
    for view in views:
        found = current.get(current.family_of(view.get("issue_id") or "") or "")
        if found is not None:
            view.update(family_id=found.id, family_label=found.label, family_institutions=found.institutions)


def check_id(family_id: str) -> str:
    if not family_id or len(family_id) > 40:
        raise BadQuery("family id must be 1 to 40 characters")
    return family_id
