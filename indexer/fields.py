"""The one field list: storage, filters, facets, labels and exports all come from it.

The embedded schema (tantivy + SQLite) and the Elasticsearch mapping (``mappings/``) are generated
from these definitions (a test checks that they agree); so are the API's filter parameters and
their validation (``search_api.parse``), the facets counted and their labels (``search_api.search``),
the page's facet panels and filter chips (``search_api.pages``) and the export columns
(``search_api.export``).

Kinds:

* ``KEYWORD``  exact value, filterable and (if ``facet``) counted; may be multi-valued.
* ``TOKENS``   pre-tokenised text (space-joined jieba tokens), BM25-scored; ``boost`` is the
               default weight of the field in the lexical leg.
* ``BIGRAMS``  pre-tokenised text (space-joined character bigrams, indexer.tokenise.character_bigrams),
               BM25-scored by the bigram leg only: its own ranked list, never mixed with word tokens.
* ``DISPLAY``  original text, stored for display and highlighting, not searched.
* ``INTEGER``  filterable number (ranges).
* ``DATE``     ISO date string, possibly partial ("2020-08"); stored and shown.
* ``VECTOR``   dense embedding, cosine similarity; dims come from the model.
* ``STORED``   any JSON value kept with the document (lists, flags), not searched.

Filters: ``Filter.VALUES`` fields take ``?param=a&param=b`` (any of the values; a closed
``vocabulary`` rejects others), ``Filter.RANGE`` and ``Filter.DATES`` fields take
``?param_from=&param_to=``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from indexer.categories import labels as category_labels
from indexer.parsing.inspection import INSPECTION_KINDS, INSPECTION_TYPES
from indexer.parsing.institutions import INSTITUTION_TYPES
from indexer.parsing.status import STATUS_LABELS
from indexer.types import Target


class Kind(StrEnum):
    KEYWORD = "keyword"
    TOKENS = "tokens"
    BIGRAMS = "bigrams"
    DISPLAY = "display"
    INTEGER = "integer"
    DATE = "date"
    VECTOR = "vector"
    STORED = "stored"


class Filter(StrEnum):
    VALUES = "values"  # any of the given values
    RANGE = "range"  # an inclusive range of numbers, either end optional
    DATES = "dates"  # an inclusive range of dates (2024, 2024-03 or 2024-03-05), stored as yyyymmdd


# The labels of the inspecting body's level (indexer.parsing.inspection.LEVELS maps committees to these keys).
LEVEL_LABELS: dict[str, str] = {"central": "中央", "province": "省级", "city": "市级", "county": "县级"}


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    doc: str
    label: str = ""  # the Chinese name shown on the page, in facets and export headers
    filter: Filter | None = None
    param: str = ""  # the request parameter that filters it (the name when empty)
    facet: bool = False  # counted in search responses
    panel: bool = False  # shown as a facet panel on the web page
    vocabulary: tuple[tuple[str, str], ...] | None = None  # closed: the allowed values and their labels
    unit: str = ""  # appended to a value to label it (2024 → 2024年)
    missing: str = ""  # label of "no value" (a notice that prints no status)
    absent: str | None = None  # the value stored when the notice gives none (so it can be filtered and counted)
    bounds: tuple[int, int] | None = None  # the values a range filter accepts
    multi: bool = False
    boost: float = 1.0
    from_issue: bool = False  # a measure's copy of its issue's field of the same name (kept once, on the issue)
    derived_from: tuple[str, ...] = ()  # BIGRAMS: the text fields it is computed from (documents.field_bigrams)

    @property
    def request_param(self) -> str:
        return self.param or self.name

    @property
    def is_range(self) -> bool:
        return self.filter in (Filter.RANGE, Filter.DATES)

    @property
    def allowed(self) -> tuple[str, ...] | None:
        """The values a filter accepts; None when any value is accepted."""
        return None if self.vocabulary is None else tuple(v for v, _ in self.vocabulary)

    def value_label(self, value: object) -> str:
        """How a value is shown to people: its vocabulary label, else the value with the unit."""
        if value in (None, ""):
            return self.missing
        text = str(value)
        return dict(self.vocabulary or ()).get(text, text + self.unit)


def _vocabulary(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), v) for k, v in labels.items())


def notice_level_fields() -> tuple[Field, ...]:
    """Fields every issue and measure document carries from its notice."""
    K, V = Kind, Filter.VALUES
    return (
        Field("notice_id", K.KEYWORD, "hash of the normalised notice text", label="通报编号"),
        Field("source", K.STORED, "file name or URL the notice came from", label="来源"),
        Field("source_url", K.STORED, "address of the original notice (manifest, upload or HTML canonical link; "
              "indexer.sources)", label="原文链接"),
        Field("source_name", K.STORED, "where the notice was published, as the user gave it", label="来源名称"),
        Field("title", K.DISPLAY, "notice title", label="标题"),
        Field("organization", K.KEYWORD, "issuing organisation (中共…委员会)", label="发文单位"),
        Field("institution", K.KEYWORD, "inspected institution, short form", label="单位", filter=V, facet=True),
        Field("institution_type", K.KEYWORD, "institution type (indexer.parsing.institutions.INSTITUTION_TYPES)",
              label="单位类型", filter=V, facet=True, panel=True, vocabulary=_vocabulary(INSTITUTION_TYPES)),
        Field("province", K.KEYWORD, "province of the institution", label="省份", filter=V, facet=True, panel=True),
        Field("city", K.KEYWORD, "prefecture-level city", label="城市", filter=V, facet=True, panel=True),
        Field("county", K.KEYWORD, "county / district", label="区县", filter=V, facet=True),
        Field("level", K.KEYWORD, "level of the inspecting body: central / province / city / county",
              label="巡察层级", filter=V, facet=True, panel=True, vocabulary=_vocabulary(LEVEL_LABELS)),
        Field("inspection_body", K.KEYWORD, "inspecting body (县委第二巡察组)", label="巡察组"),
        Field("inspection_round", K.KEYWORD, "round (第十四届县委第五轮巡察)", label="巡察轮次"),
        Field("inspection_kind", K.KEYWORD, "巡察 or 巡视", label="巡察或巡视", filter=V, facet=True, panel=True,
              vocabulary=_vocabulary({k: k for k in INSPECTION_KINDS})),
        Field("inspection_type", K.KEYWORD, "常规 / 专项 / 机动 / 提级交叉", label="巡察类型", filter=V, facet=True,
              panel=True, vocabulary=_vocabulary({k: k for k in INSPECTION_TYPES})),
        Field("feedback_date", K.DATE, "date the inspection team fed back its findings", label="反馈日期"),
        Field("publish_date", K.DATE, "date the notice was published", label="发布日期"),
        Field("year", K.INTEGER, "year the notice is filed under (feedback, else publish date)", label="年份",
              filter=Filter.RANGE, facet=True, panel=True, unit="年", bounds=(1949, 2100)),
        Field("date", K.INTEGER, "the date the notice is filed under as yyyymmdd (a partial date at its first day)",
              label="日期", filter=Filter.DATES, bounds=(19490101, 21001231)),
    )


UNSTATED = "unspecified"  # the status of an issue whose notice prints none


def _status_field(doc: str) -> Field:
    return Field("status", Kind.KEYWORD, doc, label="整改状态", filter=Filter.VALUES, facet=True, panel=True,
                 vocabulary=(*_vocabulary(STATUS_LABELS), (UNSTATED, "未注明")), missing="未注明", absent=UNSTATED)


def _categories_field(doc: str) -> Field:
    return Field("categories", Kind.KEYWORD, doc, label="问题类别", filter=Filter.VALUES, param="category",
                 facet=True, panel=True, vocabulary=_vocabulary(category_labels()), multi=True)


def _issue_fields() -> tuple[Field, ...]:
    K = Kind
    return (
        Field("id", K.KEYWORD, "issue id: <notice_id>-<seq, 3 digits>", label="问题编号"),
        *notice_level_fields(),
        Field("seq", K.INTEGER, "1-based order of the issue in its notice", label="序号"),
        Field("label", K.DISPLAY, "numbering as printed"),
        Field("section", K.DISPLAY, "方面 title", label="方面"),
        Field("group", K.DISPLAY, "大项 title"),
        Field("problem", K.DISPLAY, "problem statement, original text", label="问题"),
        _status_field("normalised status (indexer.parsing.status.Status)"),
        Field("status_raw", K.DISPLAY, "status as printed"),
        Field("measures", K.STORED, "list of measure items, original text", label="整改措施"),
        Field("measures_intro", K.DISPLAY, "text before the first enumerated measure"),
        Field("deadlines", K.STORED, "deadlines mentioned in the measures"),
        Field("amounts", K.STORED, "money amounts mentioned"),
        Field("documents", K.STORED, "referenced documents (《…》, 〔2024〕49号)"),
        _categories_field("topic categories (indexer.categories.TAXONOMY)"),
        # Boosts tuned on the dev qrels (search_api): the measures say what a problem was really about
        # (a bare "某项工作推进不力" is explained only by its measures), so they weigh as much as the problem.
        Field("problem_tokens", K.TOKENS, "jieba tokens of problem", boost=1.0),
        Field("context_tokens", K.TOKENS, "jieba tokens of section and group titles", boost=0.5),
        Field("measures_tokens", K.TOKENS, "jieba tokens of all measures", boost=1.0),
        Field("bigram_tokens", K.BIGRAMS, "character bigrams of problem and measures",
              derived_from=("problem", "measures_intro", "measures")),
        Field("vector", K.VECTOR, "embedding of the problem with its measures (bundles.issue_embedding_text)"),
    )


def _measure_fields() -> tuple[Field, ...]:
    K = Kind
    fields = (
        Field("id", K.KEYWORD, "measure id: <issue id>-m<n>"),
        Field("issue_id", K.KEYWORD, "id of the issue this measure belongs to"),
        *notice_level_fields(),
        Field("seq", K.INTEGER, "order of the issue in its notice"),
        Field("measure_seq", K.INTEGER, "1-based order of the measure in its issue"),
        Field("text", K.DISPLAY, "the measure item, original text"),
        Field("problem", K.DISPLAY, "problem statement of its issue"),
        Field("section", K.DISPLAY, "方面 title of its issue"),
        _status_field("normalised status of its issue"),
        _categories_field("topic categories of its issue"),
        Field("text_tokens", K.TOKENS, "jieba tokens of the measure", boost=2.0),
        Field("problem_tokens", K.TOKENS, "jieba tokens of its issue's problem", boost=0.5),
        Field("bigram_tokens", K.BIGRAMS, "character bigrams of the measure", derived_from=("text",)),
        Field("vector", K.VECTOR, "embedding of the measure (optional, behind a flag)"),
    )
    # The notice's metadata and these issue fields are copies of the issue's (the embedded store
    # keeps them once, on the issue, and joins them back when it reads a measure).
    inherited = {f.name for f in notice_level_fields()} | {"seq", "problem", "section", "status", "categories",
                                                           "problem_tokens"}
    return tuple(replace(f, from_issue=True) if f.name in inherited else f for f in fields)


FIELDS: dict[Target, tuple[Field, ...]] = {
    Target.ISSUES: _issue_fields(),
    Target.MEASURES: _measure_fields(),
}

# Bump when a field is added, removed or changes kind: an index of another version is refused.
# 2: ``date`` (yyyymmdd) added; an issue without a status stores ``unspecified``.
# 3: ``bigram_tokens`` (character bigrams, the bigram leg) added.
SCHEMA_VERSION = 3
# Kinds stored as space-joined tokens and BM25-scored (a lexical query names the fields it searches).
SCORED_KINDS = (Kind.TOKENS, Kind.BIGRAMS)


def fields_of(target: Target, *kinds: Kind) -> tuple[Field, ...]:
    """The fields of a collection, optionally only those of the given kinds."""
    return tuple(f for f in FIELDS[target] if not kinds or f.kind in kinds)


def issue_copies() -> tuple[str, ...]:
    """The measure fields that copy their issue's field of the same name, in document order."""
    return tuple(f.name for f in FIELDS[Target.MEASURES] if f.from_issue)


def facet_fields(target: Target) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS[target] if f.facet)


# Filters and facets are the notice's fields plus status and categories, the same in both collections
# (a test checks it): requests, pages and facet counts use this one list.
FILTERS: tuple[Field, ...] = tuple(f for f in FIELDS[Target.ISSUES] if f.filter is not None)
FACETS: tuple[Field, ...] = tuple(f for f in FIELDS[Target.ISSUES] if f.facet)
BY_PARAM: dict[str, Field] = {f.request_param: f for f in FILTERS}


def date_number(text: str | None, *, end: bool = False) -> int | None:
    """An ISO date, possibly partial, as yyyymmdd: its first day, or its last with ``end``; None
    when it is not a date.

    >>> date_number("2024-03-05"), date_number("2024-03"), date_number("2024", end=True), date_number("2024-2", end=True)
    (20240305, 20240301, 20241231, 20240229)
    """
    parts = (text or "").strip().replace("/", "-").replace(".", "-").split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year, month, day = int(parts[0]), *(int(p) for p in parts[1:]), *([None] * (3 - len(parts)))
    if month is None:
        month = 12 if end else 1
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(year, month)[1]
    if day is None:
        day = last if end else 1
    if not 1 <= day <= last:
        return None
    return year * 10000 + month * 100 + day


def field_named(name: str, target: Target = Target.ISSUES) -> Field:
    """A field by its stored name."""
    for f in FIELDS[target]:
        if f.name == name:
            return f
    raise KeyError(name)


# Export columns (search_api.export), in order, shown under their labels; a measure row puts its
# one item under ``measures`` and its issue's id under ``id``.
EXPORT_FIELDS: tuple[str, ...] = (
    "institution", "institution_type", "province", "city", "county", "inspection_body", "inspection_round",
    "feedback_date", "publish_date", "section", "seq", "problem", "status", "measures", "source", "id",
)


def lexical_boosts(target: Target) -> dict[str, float]:
    """Default field weights of the lexical leg."""
    return {f.name: f.boost for f in fields_of(target, Kind.TOKENS)}


def bigram_boosts(target: Target) -> dict[str, float]:
    """Field weights of the bigram leg (search_api.lexical.build_bigrams)."""
    return {f.name: f.boost for f in fields_of(target, Kind.BIGRAMS)}
