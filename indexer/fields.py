"""The one field list. The embedded schema (tantivy + SQLite) and the Elasticsearch mapping
(``mappings/``) are both generated from these definitions; a test checks that they agree.

Kinds:

* ``KEYWORD``  exact value, filterable and (if ``facet``) counted; may be multi-valued.
* ``TOKENS``   pre-tokenised text (space-joined jieba tokens), BM25-scored; ``boost`` is the
               default weight of the field in the lexical leg.
* ``DISPLAY``  original text, stored for display and highlighting, not searched.
* ``INTEGER``  filterable number (ranges).
* ``DATE``     ISO date string, possibly partial ("2020-08"); stored and shown.
* ``VECTOR``   dense embedding, cosine similarity; dims come from the model.
* ``STORED``   any JSON value kept with the document (lists, flags), not searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from indexer.types import Target


class Kind(StrEnum):
    KEYWORD = "keyword"
    TOKENS = "tokens"
    DISPLAY = "display"
    INTEGER = "integer"
    DATE = "date"
    VECTOR = "vector"
    STORED = "stored"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    doc: str
    facet: bool = False
    multi: bool = False
    boost: float = 1.0


def _notice_fields() -> tuple[Field, ...]:
    """Fields every issue and measure document carries from its notice."""
    K = Kind
    return (
        Field("notice_id", K.KEYWORD, "hash of the normalised notice text"),
        Field("source", K.STORED, "file path or URL the notice came from"),
        Field("title", K.DISPLAY, "notice title"),
        Field("organization", K.KEYWORD, "issuing organisation (中共…委员会)"),
        Field("institution", K.KEYWORD, "inspected institution, short form", facet=True),
        Field("institution_type", K.KEYWORD, "institution type (indexer.parsing.institutions.INSTITUTION_TYPES)", facet=True),
        Field("province", K.KEYWORD, "province of the institution", facet=True),
        Field("city", K.KEYWORD, "prefecture-level city", facet=True),
        Field("county", K.KEYWORD, "county / district", facet=True),
        Field("level", K.KEYWORD, "level of the inspecting body: province / city / county", facet=True),
        Field("inspection_body", K.KEYWORD, "inspecting body (县委第二巡察组)"),
        Field("inspection_round", K.KEYWORD, "round (第十四届县委第五轮巡察)"),
        Field("inspection_kind", K.KEYWORD, "巡察 or 巡视", facet=True),
        Field("inspection_type", K.KEYWORD, "常规 / 专项 / 机动 / 提级交叉", facet=True),
        Field("feedback_date", K.DATE, "date the inspection team fed back its findings"),
        Field("publish_date", K.DATE, "date the notice was published"),
        Field("year", K.INTEGER, "year the notice is filed under (feedback, else publish date)", facet=True),
    )


def _issue_fields() -> tuple[Field, ...]:
    K = Kind
    return (
        Field("id", K.KEYWORD, "issue id: <notice_id>-<seq, 3 digits>"),
        *_notice_fields(),
        Field("seq", K.INTEGER, "1-based order of the issue in its notice"),
        Field("label", K.DISPLAY, "numbering as printed"),
        Field("section", K.DISPLAY, "方面 title"),
        Field("group", K.DISPLAY, "大项 title"),
        Field("problem", K.DISPLAY, "problem statement, original text"),
        Field("status", K.KEYWORD, "normalised status (indexer.parsing.status.Status)", facet=True),
        Field("status_raw", K.DISPLAY, "status as printed"),
        Field("measures", K.STORED, "list of measure items, original text"),
        Field("measures_intro", K.DISPLAY, "text before the first enumerated measure"),
        Field("deadlines", K.STORED, "deadlines mentioned in the measures"),
        Field("amounts", K.STORED, "money amounts mentioned"),
        Field("documents", K.STORED, "referenced documents (《…》, 〔2024〕49号)"),
        Field("categories", K.KEYWORD, "topic categories (search_api taxonomy)", facet=True, multi=True),
        # Boosts tuned on the dev qrels (search_api): the measures say what a problem was really about
        # (a bare "某项工作推进不力" is explained only by its measures), so they weigh as much as the problem.
        Field("problem_tokens", K.TOKENS, "jieba tokens of problem", boost=1.0),
        Field("context_tokens", K.TOKENS, "jieba tokens of section and group titles", boost=0.5),
        Field("measures_tokens", K.TOKENS, "jieba tokens of all measures", boost=1.0),
        Field("vector", K.VECTOR, "embedding of the problem with its measures (bundles.issue_embedding_text)"),
    )


def _measure_fields() -> tuple[Field, ...]:
    K = Kind
    return (
        Field("id", K.KEYWORD, "measure id: <issue id>-m<n>"),
        Field("issue_id", K.KEYWORD, "id of the issue this measure belongs to"),
        *_notice_fields(),
        Field("seq", K.INTEGER, "order of the issue in its notice"),
        Field("measure_seq", K.INTEGER, "1-based order of the measure in its issue"),
        Field("text", K.DISPLAY, "the measure item, original text"),
        Field("problem", K.DISPLAY, "problem statement of its issue"),
        Field("section", K.DISPLAY, "方面 title of its issue"),
        Field("status", K.KEYWORD, "normalised status of its issue", facet=True),
        Field("categories", K.KEYWORD, "topic categories of its issue", facet=True, multi=True),
        Field("text_tokens", K.TOKENS, "jieba tokens of the measure", boost=2.0),
        Field("problem_tokens", K.TOKENS, "jieba tokens of its issue's problem", boost=0.5),
        Field("vector", K.VECTOR, "embedding of the measure (optional, behind a flag)"),
    )


FIELDS: dict[Target, tuple[Field, ...]] = {
    Target.ISSUES: _issue_fields(),
    Target.MEASURES: _measure_fields(),
}

# Bump when a field is added, removed or changes kind: an index of another version is refused.
SCHEMA_VERSION = 1


def fields_of(target: Target, *kinds: Kind) -> tuple[Field, ...]:
    """The fields of a collection, optionally only those of the given kinds."""
    return tuple(f for f in FIELDS[target] if not kinds or f.kind in kinds)


def facet_fields(target: Target) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS[target] if f.facet)


def lexical_boosts(target: Target) -> dict[str, float]:
    """Default field weights of the lexical leg."""
    return {f.name: f.boost for f in fields_of(target, Kind.TOKENS)}
