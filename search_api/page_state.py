"""The search page's state: read from the URL, written back into links, turned into core requests.

The whole state is in the URL, so a search can be shared and bookmarked: ``q``, ``mode``, ``tab``,
``sort``, ``page``, ``size``, ``similar`` (an issue id: query-by-example) and the registry's filters
(``indexer.fields.FILTERS``: ``?status=…&category=…`` and ranges ``?year_from=…&year_to=…``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from indexer.fields import BY_PARAM, FILTERS, Filter
from indexer.settings import Settings
from indexer.types import Target
from search_api.parse import (
    Mode,
    SearchRequest,
    SimilarRequest,
    Sort,
    parse_search_request,
    parse_similar_request,
    range_params,
)
from search_api.search import SearchResult, SearchService

PAGE_SIZE = 10
TAB_LABELS: dict[str, str] = {Target.ISSUES.value: "问题", Target.MEASURES.value: "整改措施"}
SORT_LABELS: dict[str, str] = {Sort.RELEVANCE.value: "按相关度", Sort.DATE.value: "按日期（新→旧）"}

VALUE_PARAMS: tuple[str, ...] = tuple(f.request_param for f in FILTERS if f.filter is Filter.VALUES)
RANGE_PARAMS: tuple[str, ...] = tuple(f.request_param for f in FILTERS if f.is_range)


def _one(params: Any, name: str) -> str:
    return (params.get(name) or "").strip()


@dataclass(frozen=True, slots=True)
class PageState:
    """The search page's state, read from and written back to the URL."""

    q: str = ""
    mode: str = Mode.HYBRID.value
    tab: str = Target.ISSUES.value
    page: str = "1"
    size: str = ""  # hits per page; empty: PAGE_SIZE
    similar: str = ""
    sort: str = Sort.RELEVANCE.value
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # value filters, by parameter
    ranges: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # range filters: (from, to), "" = open

    @classmethod
    def from_query(cls, params: Any) -> PageState:
        """From the request's query parameters (a Starlette ``QueryParams``)."""
        filters = {}
        for name in VALUE_PARAMS:
            values = tuple(dict.fromkeys(v.strip() for v in params.getlist(name) if v and v.strip()))
            if values:
                filters[name] = values
        ranges = {}
        for name in RANGE_PARAMS:
            bounds = tuple(_one(params, p) for p in range_params(BY_PARAM[name]))
            if any(bounds):
                ranges[name] = (bounds[0], bounds[1])
        tab = params.get("tab") or Target.ISSUES.value
        q = _one(params, "q")
        return cls(
            q=q,
            mode=_one(params, "mode") or Mode.HYBRID.value,
            tab=tab if tab in TAB_LABELS else Target.ISSUES.value,
            page=_one(params, "page") or "1",
            size=_one(params, "size"),
            similar="" if q else _one(params, "similar"),  # a query typed on a "similar" page starts a new search
            sort=_one(params, "sort") or Sort.RELEVANCE.value,
            filters=filters,
            ranges=ranges,
        )

    @property
    def target(self) -> Target:
        return Target(self.tab)

    @property
    def has_filters(self) -> bool:
        return bool(self.filters or self.ranges)

    @property
    def is_search(self) -> bool:
        return bool(self.q or self.similar)

    def filter_pairs(self) -> list[tuple[str, str]]:
        """The filters as (parameter, value) pairs, in the registry's order."""
        out: list[tuple[str, str]] = []
        for f in FILTERS:
            name = f.request_param
            if f.is_range:
                bounds = self.ranges.get(name, ("", ""))
                out.extend((p, v) for p, v in zip(range_params(f), bounds, strict=True) if v)
            else:
                out.extend((name, v) for v in self.filters.get(name, ()))
        return out

    def filter_args(self) -> dict[str, Any]:
        """The filters as keyword arguments of the core's request parsers."""
        args: dict[str, Any] = {}
        for name, value in self.filter_pairs():
            args.setdefault(name, []).append(value)
        return {name: values if name in VALUE_PARAMS else values[0] for name, values in args.items()}

    def params(self, *, keep_page: bool = False) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.similar:
            out.append(("similar", self.similar))
        elif self.q:
            out.append(("q", self.q))
        if self.mode != Mode.HYBRID.value:
            out.append(("mode", self.mode))
        if self.tab != Target.ISSUES.value:
            out.append(("tab", self.tab))
        if self.sort != Sort.RELEVANCE.value:
            out.append(("sort", self.sort))
        out.extend(self.filter_pairs())
        if self.size and self.size != str(PAGE_SIZE):
            out.append(("size", self.size))
        if keep_page and self.page not in ("", "1"):
            out.append(("page", self.page))
        return out

    def url(self, path: str = "/", *, keep_page: bool = False) -> str:
        query = urlencode(self.params(keep_page=keep_page))
        return f"{path}?{query}" if query else path

    # links that change one thing (and go back to page 1)
    def with_page(self, page: int) -> str:
        return replace(self, page=str(page)).url(keep_page=True)

    def with_tab(self, tab: str) -> str:
        return replace(self, tab=tab, page="1").url()

    def with_mode(self, mode: str) -> str:
        return replace(self, mode=mode, page="1").url()

    def with_sort(self, sort: str) -> str:
        return replace(self, sort=sort, page="1").url()

    def similar_url(self, issue_id: str) -> str:
        """Query-by-example from an issue (similar issues first), keeping the mode, sort and filters."""
        return replace(self, q="", similar=issue_id, tab=Target.ISSUES.value, page="1").url()

    def hidden_fields(self, *, without: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The state as (name, value) pairs for a form's hidden inputs (the form adds the rest)."""
        return [(k, v) for k, v in self.params() if k not in without]

    def toggle(self, name: str, value: str) -> str:
        """The URL with a facet value switched on or off (a range facet: that one value)."""
        if name in RANGE_PARAMS:
            ranges = {k: v for k, v in self.ranges.items() if k != name}
            if not self.is_selected(name, value):
                ranges[name] = (value, value)
            return replace(self, ranges=ranges, page="1").url()
        current = self.filters.get(name, ())
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        filters = {k: v for k, v in self.filters.items() if k != name}
        if values:
            filters[name] = values
        return replace(self, filters=filters, page="1").url()

    def without_filters(self) -> str:
        return replace(self, filters={}, ranges={}, page="1").url()

    def without_range(self, name: str) -> str:
        return replace(self, ranges={k: v for k, v in self.ranges.items() if k != name}, page="1").url()

    def is_selected(self, name: str, value: str) -> bool:
        if name in RANGE_PARAMS:
            return self.ranges.get(name) == (value, value)
        return value in self.filters.get(name, ())

    def chips(self) -> list[dict[str, str]]:
        """The active filters, each with the URL that removes it."""
        out = []
        for f in FILTERS:
            name = f.request_param
            if f.is_range:
                if name in self.ranges:
                    low, high = self.ranges[name]
                    label = f"{low}{f.unit}" if low == high else f"{low or '…'}–{high or '…'}{f.unit}"
                    out.append({"title": f.label, "label": label, "remove": self.without_range(name)})
                continue
            for value in self.filters.get(name, ()):
                out.append({"title": f.label, "label": f.value_label(value), "remove": self.toggle(name, value)})
        return out


def parse_request(settings: Settings, state: PageState, *, page: Any = None,
                  facets: bool = True) -> SearchRequest | SimilarRequest:
    """The core's request for the page state (validated by the core's own parsers)."""
    page = state.page if page is None else page
    size = state.size or PAGE_SIZE
    if state.similar:
        return parse_similar_request(settings, issue_id=state.similar, mode=state.mode, page=page, size=size,
                                     facets=facets, target=state.target, sort=state.sort, **state.filter_args())
    return parse_search_request(settings, q=state.q, mode=state.mode, page=page, size=size, facets=facets,
                                sort=state.sort, **state.filter_args())


def run_search(service: SearchService, state: PageState, request: SearchRequest | SimilarRequest) -> SearchResult:
    if isinstance(request, SimilarRequest):
        return service.similar_issues(request)
    if state.target is Target.MEASURES:
        return service.search_measures(request)
    return service.search_issues(request)
