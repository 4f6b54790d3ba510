"""Query parsing and validation: raw parameters → :class:`SearchRequest`, or :class:`BadQuery`
with a message that says what to change.

The API and Python callers (the web page) go through the same function, so the caps and the
messages are the same everywhere:

    >>> from indexer.settings import Settings
    >>> parse_search_request(Settings(), q="  医保基金 ", mode="lexical", size=5).q
    '医保基金'
    >>> parse_search_request(Settings(), q="x", size=500)
    Traceback (most recent call last):
    ...
    indexer.errors.BadQuery: size must be between 1 and 100 (got 500)

User text only ever becomes tokens (:mod:`search_api.lexical`) and an embedding: it never
reaches a query-string syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from indexer.backends.base import Filters
from indexer.categories import TAXONOMY
from indexer.errors import BadQuery
from indexer.parsing.status import Status
from indexer.settings import Settings
from search_api.fuse import FUSERS


class Mode(StrEnum):
    """Which legs run: both fused, BM25 only, vectors only."""

    HYBRID = "hybrid"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


class Scope(StrEnum):
    """What query-by-example leaves out besides the source issue itself."""

    OTHER_INSTITUTIONS = "other_institutions"  # every notice of the source's institution
    OTHER_NOTICES = "other_notices"  # the source's own notice
    ALL = "all"  # nothing else


LEVELS = ("province", "city", "county")
MAX_VALUES = 20  # values per filter field
MAX_VALUE_CHARS = 100
YEAR_RANGE = (1949, 2100)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# request parameter → stored field (and whether its values are checked against a vocabulary)
FILTER_FIELDS: dict[str, str] = {
    "institution_type": "institution_type",
    "province": "province",
    "city": "city",
    "county": "county",
    "level": "level",
    "status": "status",
    "institution": "institution",
    "category": "categories",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchFilters:
    """Validated filters. Values of one field are ORed, fields are ANDed."""

    institution_type: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    county: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    institution: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    exclude_institution: tuple[str, ...] = ()
    exclude_notice: tuple[str, ...] = ()

    def to_backend(self, *, exclude_institution: Iterable[str] = (), exclude_notice: Iterable[str] = ()) -> Filters:
        """The backend's Filters, with extra exclusions (query-by-example) merged in."""
        equals = {stored: getattr(self, param) for param, stored in FILTER_FIELDS.items() if getattr(self, param)}
        ranges = {}
        if self.year_from is not None or self.year_to is not None:
            ranges["year"] = (self.year_from, self.year_to)
        excludes = {}
        institutions = tuple(dict.fromkeys((*self.exclude_institution, *exclude_institution)))
        notices = tuple(dict.fromkeys((*self.exclude_notice, *exclude_notice)))
        if institutions:
            excludes["institution"] = institutions
        if notices:
            excludes["notice_id"] = notices
        return Filters(equals=equals, ranges=ranges, excludes=excludes)

    def as_params(self) -> dict[str, Any]:
        """The filters as request parameters (for echoing back and for links)."""
        out: dict[str, Any] = {}
        for name in (*FILTER_FIELDS, "exclude_institution", "exclude_notice"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.year_from is not None:
            out["year_from"] = self.year_from
        if self.year_to is not None:
            out["year_to"] = self.year_to
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchRequest:
    q: str
    mode: Mode = Mode.HYBRID
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: int = 1
    size: int = 10
    collapse: bool = False
    facets: bool = True
    fusion: str = "rrf"


@dataclass(frozen=True, slots=True, kw_only=True)
class SimilarRequest:
    issue_id: str
    mode: Mode = Mode.HYBRID
    scope: Scope = Scope.OTHER_INSTITUTIONS
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: int = 1
    size: int = 10
    collapse: bool = False
    facets: bool = False
    fusion: str = "rrf"


def clean_text(value: str | None) -> str:
    """Control characters become spaces; runs of whitespace collapse; ends are trimmed."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def _choice(name: str, value: Any, enum: type[StrEnum]) -> Any:
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise BadQuery(f"{name} must be one of {allowed} (got {value!r})") from None


def _values(name: str, raw: Any, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    """A filter's values: a string (comma-separated allowed) or a list of strings."""
    if raw is None:
        return ()
    items = [raw] if isinstance(raw, str) else list(raw)
    values: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = clean_text(part)
            if part:
                values.append(part)
    values = list(dict.fromkeys(values))
    if len(values) > MAX_VALUES:
        raise BadQuery(f"{name} accepts at most {MAX_VALUES} values (got {len(values)})")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise BadQuery(f"{name} values must be at most {MAX_VALUE_CHARS} characters")
    if allowed is not None:
        allowed = tuple(allowed)
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise BadQuery(f"{name} must be one of {', '.join(allowed)} (got {wrong[0]!r})")
    return tuple(values)


def _int(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadQuery(f"{name} must be a whole number (got {value!r})") from None
    if not low <= number <= high:
        raise BadQuery(f"{name} must be between {low} and {high} (got {number})")
    return number


def parse_filters(*, institution_type: Any = None, province: Any = None, city: Any = None, county: Any = None,
                  level: Any = None, status: Any = None, institution: Any = None, category: Any = None,
                  year_from: Any = None, year_to: Any = None, exclude_institution: Any = None,
                  exclude_notice: Any = None) -> SearchFilters:
    low, high = YEAR_RANGE
    y_from = None if year_from in (None, "") else _int("year_from", year_from, low, high)
    y_to = None if year_to in (None, "") else _int("year_to", year_to, low, high)
    if y_from is not None and y_to is not None and y_from > y_to:
        raise BadQuery(f"year_from ({y_from}) is after year_to ({y_to})")
    return SearchFilters(
        institution_type=_values("institution_type", institution_type),
        province=_values("province", province),
        city=_values("city", city),
        county=_values("county", county),
        level=_values("level", level, LEVELS),
        status=_values("status", status, [s.value for s in Status]),
        institution=_values("institution", institution),
        category=_values("category", category, TAXONOMY),
        year_from=y_from,
        year_to=y_to,
        exclude_institution=_values("exclude_institution", exclude_institution),
        exclude_notice=_values("exclude_notice", exclude_notice),
    )


def _paging(settings: Settings, page: Any, size: Any) -> tuple[int, int]:
    size_n = _int("size", size, 1, settings.max_page_size)
    page_n = _int("page", page, 1, max(1, settings.max_result_window))
    if page_n * size_n > settings.max_result_window:
        raise BadQuery(
            f"page × size must be at most {settings.max_result_window} (got {page_n} × {size_n}); "
            "narrow the query with filters instead of paging deeper"
        )
    return page_n, size_n


def _fusion(settings: Settings, fusion: Any) -> str:
    name = str(fusion or settings.fusion).strip().lower()
    if name not in FUSERS:
        raise BadQuery(f"fusion must be one of {', '.join(FUSERS)} (got {fusion!r})")
    return name


def parse_query_text(settings: Settings, q: Any) -> str:
    text = clean_text(q if isinstance(q, str) else None if q is None else str(q))
    if not text:
        raise BadQuery("q is required: give the text to search for")
    if len(text) > settings.max_query_chars:
        raise BadQuery(f"q must be at most {settings.max_query_chars} characters (got {len(text)})")
    return text


def parse_search_request(settings: Settings, *, q: Any, mode: Any = Mode.HYBRID, page: Any = 1, size: Any = 10,
                         collapse: bool = False, facets: bool = True, fusion: Any = None,
                         **filters: Any) -> SearchRequest:
    """Validate a search: q (required, capped), mode, paging (capped), fusion, filters."""
    text = parse_query_text(settings, q)
    chosen = _choice("mode", mode, Mode)
    page_n, size_n = _paging(settings, page, size)
    return SearchRequest(
        q=text,
        mode=chosen,
        filters=parse_filters(**filters),
        page=page_n,
        size=size_n,
        collapse=bool(collapse),
        facets=bool(facets),
        fusion=_fusion(settings, fusion),
    )


def parse_similar_request(settings: Settings, *, issue_id: Any, mode: Any = Mode.HYBRID,
                          scope: Any = Scope.OTHER_INSTITUTIONS, page: Any = 1, size: Any = 10,
                          collapse: bool = False, facets: bool = False, fusion: Any = None,
                          **filters: Any) -> SimilarRequest:
    """Validate a query-by-example: the source issue id, mode, scope, paging, fusion, filters."""
    issue = clean_text(issue_id)
    if not issue or len(issue) > MAX_VALUE_CHARS:
        raise BadQuery("issue id must be 1 to 100 characters")
    page_n, size_n = _paging(settings, page, size)
    return SimilarRequest(
        issue_id=issue,
        mode=_choice("mode", mode, Mode),
        scope=_choice("scope", scope, Scope),
        filters=parse_filters(**filters),
        page=page_n,
        size=size_n,
        collapse=bool(collapse),
        facets=bool(facets),
        fusion=_fusion(settings, fusion),
    )
