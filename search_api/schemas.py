"""Response models: they document the JSON of every endpoint in the OpenAPI schema, with examples.

Hits carry every stored field of their document (metadata may grow with the parser), so hit models
allow extra keys; the fields listed are the ones clients can rely on.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Span = list[int]  # [start, end): offsets into the stored original text, in characters


class ErrorResponse(BaseModel):
    ok: bool = False
    error: str = Field(description="what was wrong, written for the person who sent the request")
    status: int
    field: str | None = Field(None, description="invalid input (400): the request parameter at fault")
    code: str | None = Field(None, description="invalid input (400): required | too_long | not_integer | "
                                               "out_of_range | not_allowed | too_many | reversed | too_deep | invalid")
    got: Any = Field(None, description="invalid input (400): the value received")
    limits: dict[str, Any] | None = Field(None, description="invalid input (400): the bounds, e.g. min, max, allowed")
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ok": False, "error": "size must be between 1 and 100 (got 500)", "status": 400, "field": "size",
         "code": "out_of_range", "got": 500, "limits": {"min": 1, "max": 100}},
    ]})


class LegExplain(BaseModel):
    rank: int = Field(description="1-based rank in this leg")
    score: float = Field(description="the leg's own score: BM25 for lexical and bigram, cosine for vector")


class VectorExplain(LegExplain):
    via: str | None = Field(None, description="measures only: 'measure' (measure vectors) or 'issue' "
                                              "(the issue's problem vector stands in for its measures)")


class Explain(BaseModel):
    lexical: LegExplain | None = Field(description="null when the lexical leg did not retrieve the hit")
    vector: VectorExplain | None = Field(description="null when the vector leg did not retrieve the hit")
    bigram: LegExplain | None = Field(None, description="BM25 over character bigrams (hybrid mode); null when the "
                                                        "bigram leg did not retrieve the hit")
    fusion: str = Field(description="fusion used: rrf | linear")
    score: float
    matched_terms: list[str] = Field(description="query terms found in the hit's text")
    variant_terms: list[str] = Field([], description="terms searched as variants of the query's words "
                                                     "(indexer/data/variants.txt, weighted lower) found in the hit's text")
    shared_categories: list[str] = Field([], description="topic categories the hit shares with the example (query by "
                                                         "example) or with the best hit (typed words), which raised its "
                                                         "score (example_category_boost)")
    shared_with: str | None = Field(None, description="what shared_categories are shared with: example | best_hit "
                                                      "(null: no category prior)")


class FacetValue(BaseModel):
    value: str
    count: int
    label: str | None = Field(None, description="Chinese label (categories, statuses)")


_ISSUE_EXAMPLE: dict[str, Any] = {
    "id": "3f9a1c2e7b5d4a10-015", "notice_id": "3f9a1c2e7b5d4a10", "title": "中共青禾县人民医院委员会关于巡察整改进展情况的通报",
    "institution": "青禾县人民医院", "institution_type": "hospital", "province": "江西省", "city": "青禾市",
    "level": "county", "year": 2024, "seq": 15, "label": "15.", "section": "医疗服务方面",
    "problem": "医保基金使用管理不规范", "status": "completed", "status_raw": "已完成整改",
    "measures": ["开展医保基金专项自查自纠", "上线医保智能审核系统"], "categories": ["medical_insurance"],
    "rank": 1, "score": 0.032522,
    "explain": {"lexical": {"rank": 1, "score": 21.4}, "vector": {"rank": 2, "score": 0.871}, "fusion": "rrf",
                "score": 0.032522, "matched_terms": ["医保", "医保基金", "基金"]},
    "highlights": {"problem": [[0, 4]], "measures": [[[2, 6]], [[2, 4]]]},
}

_MEASURE_EXAMPLE: dict[str, Any] = {
    "id": "3f9a1c2e7b5d4a10-015-m2", "issue_id": "3f9a1c2e7b5d4a10-015", "measure_seq": 2,
    "text": "上线医保智能审核系统", "problem": "医保基金使用管理不规范", "institution": "青禾县人民医院",
    "province": "江西省", "year": 2024, "status": "completed", "rank": 1, "score": 0.016393,
    "explain": {"lexical": {"rank": 1, "score": 9.7}, "vector": None, "fusion": "rrf", "score": 0.016393,
                "matched_terms": ["医保", "审核"]},
    "highlights": {"text": [[2, 4], [6, 8]], "problem": [[0, 2]]},
}


class _Hit(BaseModel):
    """What every hit carries besides its document."""

    id: str
    institution: str | None = None
    problem: str | None = None
    rank: int
    score: float
    explain: Explain
    collapsed: int | None = Field(None, description="with collapse: further hits of this institution")


class IssueHit(_Hit):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_ISSUE_EXAMPLE]})
    notice_id: str
    status: str | None = None
    measures: list[str] = []
    categories: list[str] = []
    highlights: dict[str, Any] = Field(description="problem: spans; measures: spans per measure item")


class MeasureHit(_Hit):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_MEASURE_EXAMPLE]})
    issue_id: str
    text: str | None = None
    highlights: dict[str, Any] = Field(description="text and problem: spans")


class _Page(BaseModel):
    ok: bool = True
    target: str
    mode: str
    fusion: str
    q: str | None
    terms: list[str] = Field(description="the query terms searched (after tokenising and trimming)")
    variants: dict[str, list[str]] = Field({}, description="variant forms also searched: form in the query → "
                                                           "its other forms (indexer/data/variants.txt)")
    total: int = Field(description="length of the ranked (collapsed) list the page is cut from")
    page: int
    size: int
    facets: dict[str, list[FacetValue]] | None
    filters: dict[str, Any]
    took_ms: float


class IssueSearchResponse(_Page):
    hits: list[IssueHit]
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True, "target": "issues", "mode": "hybrid", "fusion": "rrf", "q": "医保基金",
        "terms": ["医保", "基金", "医保基金"], "total": 1, "page": 1, "size": 10, "hits": [_ISSUE_EXAMPLE],
        "facets": {"province": [{"value": "江西省", "count": 1}],
                   "category": [{"value": "medical_insurance", "count": 1, "label": "医保基金/医疗收费"}]},
        "filters": {"province": ["江西省"]}, "took_ms": 12.5,
    }]})


class SimilarResponse(IssueSearchResponse):
    hits: list[IssueHit | MeasureHit] = Field(description="issues; with target=measures, measure items")  # type: ignore[assignment]
    source: dict[str, Any] = Field(description="the issue the search started from")
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True, "target": "issues", "mode": "hybrid", "fusion": "rrf", "q": None,
        "terms": ["违规", "医保", "基金"], "total": 1, "page": 1, "size": 10, "hits": [_ISSUE_EXAMPLE],
        "facets": None, "filters": {}, "took_ms": 9.1,
        "source": {"id": "7c0d-003", "institution": "石门镇卫生院", "problem": "医保基金监管不到位"},
    }]})


class MeasureSearchResponse(_Page):
    hits: list[MeasureHit]
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True, "target": "measures", "mode": "hybrid", "fusion": "rrf", "q": "医保智能审核",
        "terms": ["医保", "智能", "审核"], "total": 1, "page": 1, "size": 10, "hits": [_MEASURE_EXAMPLE],
        "facets": None, "filters": {}, "took_ms": 8.0,
    }]})


class IssueResponse(BaseModel):
    ok: bool = True
    issue: dict[str, Any]
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "issue": {
        k: v for k, v in _ISSUE_EXAMPLE.items() if k not in ("rank", "score", "explain", "highlights")}}]})


class NoticeResponse(BaseModel):
    ok: bool = True
    notice: dict[str, Any] = Field(description="metadata: title, institution, region, inspection, dates, totals")
    quality: dict[str, Any] | None = Field(description="parse-quality report: issues found vs stated, warnings")
    issues: list[dict[str, Any]] = Field(description="the notice's issues, in printed order")
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True,
        "notice": {"notice_id": "3f9a1c2e7b5d4a10", "title": "中共青禾县人民医院委员会关于巡察整改进展情况的通报",
                   "institution": "青禾县人民医院", "province": "江西省", "year": 2024},
        "quality": {"issues_found": 22, "issues_stated": 22, "warnings": [], "complete": True},
        "issues": [{"id": "3f9a1c2e7b5d4a10-001", "seq": 1, "problem": "党费收缴不规范", "status": "completed"}],
    }]})


class StatsResponse(BaseModel):
    ok: bool = True
    backend: str
    location: str
    notices: int
    issues: int
    measures: int
    model_id: str | None = Field(description="embedding model the index was built with")
    dims: int | None
    dictionary_version: str | None
    schema_version: int
    query_model_id: str = Field(description="embedding model this process embeds queries with")
    fusion: str
    rrf_k: int
    weights: dict[str, float]
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True, "backend": "embedded", "location": "data", "notices": 6, "issues": 96, "measures": 310,
        "model_id": "e5-small", "dims": 384, "dictionary_version": "2024.1", "schema_version": 1,
        "query_model_id": "e5-small", "fusion": "rrf", "rrf_k": 60, "weights": {"lexical": 1.0, "vector": 1.0},
    }]})


class CategoryInfo(BaseModel):
    key: str
    label: str
    description: str


class CategoriesResponse(BaseModel):
    ok: bool = True
    categories: list[CategoryInfo]
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "categories": [
        {"key": "medical_insurance", "label": "医保基金/医疗收费", "description": "医保基金使用、欺诈骗保、串换项目…"}]}]})


class HealthResponse(BaseModel):
    ok: bool = True
    status: str
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "status": "alive"}]})


class ReadyResponse(BaseModel):
    ok: bool
    status: str = Field(description="ready | loading | failed")
    detail: str | None = None
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ok": True, "status": "ready", "detail": None},
        {"ok": False, "status": "loading", "detail": "loading the embedding model"}]})


class MeasureResponse(BaseModel):
    ok: bool = True
    measure: dict[str, Any]
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "measure": {
        k: v for k, v in _MEASURE_EXAMPLE.items() if k not in ("rank", "score", "explain", "highlights")}}]})
