"""Query parsing and validation: raw parameters → :class:`SearchRequest`, or :class:`BadQuery`
carrying the parameter, a :class:`~indexer.errors.Problem` code and the limits, with a message
(the API's wording) that says what to change. The filters are the registry's (``indexer.fields``).

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from indexer.backends.base import Filters
from indexer.errors import BadQuery, Problem
from indexer.fields import BY_PARAM, FILTERS, Field, Filter, date_number
from indexer.settings import Settings
from indexer.types import Target
from search_api.fuse import FUSERS


class Mode(StrEnum):
    """Which legs run: both fused, BM25 only, vectors only."""

    HYBRID = "hybrid"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


class Sort(StrEnum):
    """The order of the results: the fused ranking, or the notice's date (newest first)."""

    RELEVANCE = "relevance"
    DATE = "date"


class Scope(StrEnum):
    """What query-by-example leaves out besides the source issue itself."""

    OTHER_INSTITUTIONS = "other_institutions"  # every notice of the source's institution
    OTHER_NOTICES = "other_notices"  # the source's own notice
    ALL = "all"  # nothing else


MAX_VALUES = 20  # values per filter field
MAX_VALUE_CHARS = 100
# Control characters, and lone surrogates (a JSON \ud800 escape gives one; no text can be
# encoded with them, so the tokenizer would fail on the query)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
EXCLUDE_PARAMS: dict[str, str] = {"exclude_institution": "institution", "exclude_notice": "notice_id"}


def range_params(f: Field) -> tuple[str, str]:
    """The request parameters of a range filter: ``year`` → ``year_from``, ``year_to``."""
    return f"{f.request_param}_from", f"{f.request_param}_to"


# Every request parameter that filters (the registry's filters, and the exclusions).
FILTER_PARAMS: tuple[str, ...] = (
    *(p for f in FILTERS for p in (range_params(f) if f.is_range else (f.request_param,))),
    *EXCLUDE_PARAMS,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchFilters:
    """Validated filters, keyed by request parameter. Values of one field are ORed, fields are ANDed."""

    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # VALUES filters
    ranges: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)  # RANGE filters
    excludes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # EXCLUDE_PARAMS

    def to_backend(self, *, exclude_institution: Iterable[str] = (), exclude_notice: Iterable[str] = ()) -> Filters:
        """The backend's Filters, with extra exclusions (query-by-example) merged in."""
        equals = {BY_PARAM[param].name: values for param, values in self.values.items()}
        ranges = {BY_PARAM[param].name: bounds for param, bounds in self.ranges.items()}
        extra = {"exclude_institution": tuple(exclude_institution), "exclude_notice": tuple(exclude_notice)}
        excludes = {}
        for param, stored in EXCLUDE_PARAMS.items():
            merged = tuple(dict.fromkeys((*self.excludes.get(param, ()), *extra[param])))
            if merged:
                excludes[stored] = merged
        return Filters(equals=equals, ranges=ranges, excludes=excludes)

    def as_params(self) -> dict[str, Any]:
        """The filters as request parameters (for echoing back and for links)."""
        out: dict[str, Any] = {param: list(values) for param, values in (*self.values.items(), *self.excludes.items())}
        for param, bounds in self.ranges.items():
            f = BY_PARAM[param]
            for name, bound in zip(range_params(f), bounds, strict=True):
                if bound is not None:
                    out[name] = _iso(bound) if f.filter is Filter.DATES else bound
        return out


def _iso(number: int) -> str:
    """yyyymmdd → ISO: 20240301 → 2024-03-01."""
    return f"{number // 10000:04d}-{number // 100 % 100:02d}-{number % 100:02d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Ranking:
    """How a ranked list is built and paged (both kinds of request)."""

    mode: Mode = Mode.HYBRID
    filters: SearchFilters = field(default_factory=SearchFilters)
    page: int = 1
    size: int = 10
    collapse: bool = False
    fusion: str = "rrf"
    sort: Sort = Sort.RELEVANCE


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchRequest(_Ranking):
    q: str
    facets: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SimilarRequest(_Ranking):
    issue_id: str
    scope: Scope = Scope.OTHER_INSTITUTIONS
    target: Target = Target.ISSUES  # similar issues, or measures of similar issues
    facets: bool = False


def clean_text(value: str | None) -> str:
    """Control characters and lone surrogates become spaces; runs of whitespace collapse; ends
    are trimmed.

    >>> clean_text(" 医保\\x00基金\\ud800 ")
    '医保 基金'
    """
    return " ".join(_CONTROL.sub(" ", value or "").split())


def bad(field_name: str, code: Problem, message: str, *, got: Any = None, **limits: Any) -> BadQuery:
    """A :class:`BadQuery` for a request parameter; ``message`` is the API's wording."""
    return BadQuery(message, field=field_name, code=code, got=got, limits=limits)


def parse_choice(name: str, value: Any, enum: type[StrEnum]) -> Any:
    """``value`` as a member of ``enum``, or :class:`BadQuery` naming parameter ``name``."""
    if isinstance(value, enum):
        return value
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = [m.value for m in enum]
        raise bad(name, Problem.NOT_ALLOWED, f"{name} must be one of {', '.join(allowed)} (got {value!r})",
                  got=value, allowed=allowed) from None


def _values(name: str, raw: Any, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
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
        raise bad(name, Problem.TOO_MANY, f"{name} accepts at most {MAX_VALUES} values (got {len(values)})",
                  got=len(values), max=MAX_VALUES)
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise bad(name, Problem.TOO_LONG, f"{name} values must be at most {MAX_VALUE_CHARS} characters",
                      got=len(value), max=MAX_VALUE_CHARS)
    if allowed is not None:
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise bad(name, Problem.NOT_ALLOWED, f"{name} must be one of {', '.join(allowed)} (got {wrong[0]!r})",
                      got=wrong[0], allowed=list(allowed))
    return tuple(values)


def parse_int(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an integer in ``[low, high]``, or :class:`BadQuery` naming parameter ``name``."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad(name, Problem.NOT_INTEGER, f"{name} must be a whole number (got {value!r})", got=value) from None
    if not low <= number <= high:
        raise bad(name, Problem.OUT_OF_RANGE, f"{name} must be between {low} and {high} (got {number})",
                  got=number, min=low, max=high)
    return number


def _date(name: str, value: Any, *, end: bool) -> int:
    number = date_number(str(value), end=end)
    if number is None:
        raise bad(name, Problem.NOT_DATE, f"{name} must be a date: 2024, 2024-03 or 2024-03-05 (got {value!r})",
                  got=value)
    return number


def _range(f: Field, start: Any, end: Any) -> tuple[int | None, int | None] | None:
    """A range filter's bounds (checked against the field's bounds), None when neither is given.
    A date range takes dates, partial ones from their first day to their last."""
    names = range_params(f)
    low, high = f.bounds or (-(2**31), 2**31 - 1)
    bounds: list[int | None] = []
    for name, value, is_end in zip(names, (start, end), (False, True), strict=True):
        if value in (None, ""):
            bounds.append(None)
            continue
        number = _date(name, value, end=is_end) if f.filter is Filter.DATES else value
        bounds.append(parse_int(name, number, low, high))
    if bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]:
        raise bad(names[0], Problem.REVERSED, f"{names[0]} ({start}) is after {names[1]} ({end})",
                  got=start, to=end)
    return None if bounds == [None, None] else (bounds[0], bounds[1])


def parse_filters(**params: Any) -> SearchFilters:
    """Validate the filter parameters (:data:`FILTER_PARAMS`; None or empty = not given)."""
    unknown = sorted(set(params) - set(FILTER_PARAMS))
    if unknown:
        raise bad(unknown[0], Problem.INVALID, f"unknown filter {unknown[0]!r}", got=unknown[0])
    values: dict[str, tuple[str, ...]] = {}
    ranges: dict[str, tuple[int | None, int | None]] = {}
    for f in FILTERS:
        param = f.request_param
        if f.is_range:
            bounds = _range(f, *(params.get(n) for n in range_params(f)))
            if bounds is not None:
                ranges[param] = bounds
        elif chosen := _values(param, params.get(param), f.allowed):
            values[param] = chosen
    excludes = {p: chosen for p in EXCLUDE_PARAMS if (chosen := _values(p, params.get(p)))}
    return SearchFilters(values=values, ranges=ranges, excludes=excludes)


def _paging(settings: Settings, page: Any, size: Any) -> tuple[int, int]:
    size_n = parse_int("size", size, 1, settings.max_page_size)
    page_n = parse_int("page", page, 1, max(1, settings.max_result_window))
    if page_n * size_n > settings.max_result_window:
        raise bad("page", Problem.TOO_DEEP,
                  f"page × size must be at most {settings.max_result_window} (got {page_n} × {size_n}); "
                  "narrow the query with filters instead of paging deeper",
                  got=page_n, max=settings.max_result_window, page=page_n, size=size_n)
    return page_n, size_n


def _fusion(settings: Settings, fusion: Any) -> str:
    name = str(fusion or settings.fusion).strip().lower()
    if name not in FUSERS:
        raise bad("fusion", Problem.NOT_ALLOWED, f"fusion must be one of {', '.join(FUSERS)} (got {fusion!r})",
                  got=fusion, allowed=list(FUSERS))
    return name


def parse_query_text(settings: Settings, q: Any) -> str:
    text = clean_text(q if isinstance(q, str) else None if q is None else str(q))
    if not text:
        raise bad("q", Problem.REQUIRED, "q is required: give the text to search for")
    if len(text) > settings.max_query_chars:
        raise bad("q", Problem.TOO_LONG, f"q must be at most {settings.max_query_chars} characters (got {len(text)})",
                  got=len(text), max=settings.max_query_chars)
    return text


def _ranking(settings: Settings, *, mode: Any, page: Any, size: Any, collapse: bool, fusion: Any,
             sort: Any = Sort.RELEVANCE, **filters: Any) -> dict[str, Any]:
    """The validated fields every request has (see :class:`_Ranking`)."""
    page_n, size_n = _paging(settings, page, size)
    return {"mode": parse_choice("mode", mode, Mode), "filters": parse_filters(**filters), "page": page_n,
            "size": size_n, "collapse": bool(collapse), "fusion": _fusion(settings, fusion),
            "sort": parse_choice("sort", sort or Sort.RELEVANCE, Sort)}


def parse_search_request(settings: Settings, *, q: Any, mode: Any = Mode.HYBRID, page: Any = 1, size: Any = 10,
                         collapse: bool = False, facets: bool = True, fusion: Any = None,
                         **filters: Any) -> SearchRequest:
    """Validate a search: q (required, capped), mode, paging (capped), fusion, filters."""
    text = parse_query_text(settings, q)
    return SearchRequest(q=text, facets=bool(facets), **_ranking(settings, mode=mode, page=page, size=size,
                                                                 collapse=collapse, fusion=fusion, **filters))


def parse_similar_request(settings: Settings, *, issue_id: Any, mode: Any = Mode.HYBRID,
                          scope: Any = Scope.OTHER_INSTITUTIONS, page: Any = 1, size: Any = 10,
                          collapse: bool = False, facets: bool = False, fusion: Any = None,
                          target: Any = Target.ISSUES, **filters: Any) -> SimilarRequest:
    """Validate a query-by-example: the source issue id, mode, scope, paging, fusion, filters."""
    issue = clean_text(issue_id)
    if not issue or len(issue) > MAX_VALUE_CHARS:
        raise bad("similar", Problem.REQUIRED if not issue else Problem.TOO_LONG,
                  f"issue id must be 1 to {MAX_VALUE_CHARS} characters", got=len(issue), max=MAX_VALUE_CHARS)
    ranking = _ranking(settings, mode=mode, page=page, size=size, collapse=collapse, fusion=fusion, **filters)
    return SimilarRequest(issue_id=issue, scope=parse_choice("scope", scope, Scope), facets=bool(facets),
                          target=parse_choice("target", target, Target), **ranking)
