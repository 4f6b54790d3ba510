"""JSON endpoints of the problem families (共性问题): ``GET /api/common-problems`` and
``GET /api/common-problems/{id}``, thin over :class:`search_api.families.FamilyService`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from search_api.app import ERRORS, NOT_FOUND, filter_params
from search_api.families import MAX_PAGE_SIZE, check_id, families_of, parse_family_request
from search_api.parse import Mode

router = APIRouter(tags=["common problems"])

_COUNTS = [{"value": "hospital", "label": "医院", "count": 5}, {"value": "township_health_centre",
                                                                  "label": "乡镇卫生院", "count": 2}]
_YEARS = [{"value": "2023", "label": "2023年", "count": 3}, {"value": "2024", "label": "2024年", "count": 4}]


class FamilySummary(BaseModel):
    """One family in a listing; counts are over the members that pass the filters."""

    model_config = ConfigDict(extra="allow")
    id: str
    label: str = Field(description="the most representative member's problem text")
    label_issue_id: str
    terms: list[str] = Field(description="3–5 key terms the members share")
    institutions: int
    members: int
    notices: int
    total_members: int = Field(description="members without the filters")
    matched: int = Field(description="members among the hits of q (0 without q)")
    by_year: list[dict[str, Any]]
    by_institution_type: list[dict[str, Any]]


class FamilyListResponse(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "ok": True, "q": None, "mode": "hybrid", "min_institutions": 2, "filters": {}, "total": 1, "page": 1,
        "size": 20, "index": {"issues": 1250, "families": 96, "threshold": 0.68},
        "families": [{"id": "f5a6b0cd1908e", "label": "医保基金使用管理不规范，存在串换诊疗项目、超标准收费",
                      "label_issue_id": "3f9a1c2e7b5d4a10-004", "terms": ["医保基金使用", "重复收费", "违规"],
                      "institutions": 7, "members": 7, "notices": 7, "total_members": 7, "total_institutions": 7,
                      "matched": 0, "by_year": _YEARS, "by_institution_type": _COUNTS}]}]})
    ok: bool = True
    total: int = Field(description="families listed (all pages)")
    families: list[FamilySummary]


class FamilyResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "family": {
        "id": "f5a6b0cd1908e", "label": "医保基金使用管理不规范，存在串换诊疗项目、超标准收费",
        "label_issue_id": "3f9a1c2e7b5d4a10-004", "terms": ["医保基金使用", "重复收费"], "institutions": 2,
        "notices": 2, "size": 2, "members": [
            {"id": "3f9a1c2e7b5d4a10-004", "institution": "青禾县人民医院", "notice_id": "3f9a1c2e7b5d4a10",
             "status": "completed", "status_label": "已完成", "problem": "医保基金使用管理不规范"}],
        "breakdowns": {"institution_type": _COUNTS, "year": _YEARS},
        "measure_families": [{"label": "开展医保基金专项自查", "measure_id": "3f9a1c2e7b5d4a10-004-m1", "issues": 2,
                              "institutions": 2, "measures": [
                                  {"id": "3f9a1c2e7b5d4a10-004-m1", "issue_id": "3f9a1c2e7b5d4a10-004",
                                   "institution": "青禾县人民医院", "text": "开展医保基金专项自查"}]}]}}]})
    ok: bool = True
    family: dict[str, Any] = Field(description="id, label, terms, institutions, notices, size, members, "
                                               "breakdowns (institution_type, province, year, status, category), "
                                               "measure_families (common measures first)")


@router.get("/api/common-problems", response_model=FamilyListResponse, responses=ERRORS,
            summary="Problem families: the same problem at several institutions, most institutions first")
def list_families(
    request: Request,
    filters: Annotated[dict[str, Any], Depends(filter_params)],
    q: Annotated[str | None, Query(description="only families with a member among this query's hits")] = None,
    mode: Annotated[Mode, Query(description="how q is searched: hybrid | lexical | semantic")] = Mode.HYBRID,
    min_institutions: Annotated[int, Query(description="least number of institutions (among the members that "
                                                       "pass the filters)")] = 2,
    page: Annotated[int, Query(description="1-based page")] = 1,
    size: Annotated[int, Query(description=f"families per page, 1 to {MAX_PAGE_SIZE}")] = 20,
) -> dict[str, Any]:
    settings = request.app.state.settings
    parsed = parse_family_request(settings, q=q, mode=mode, min_institutions=min_institutions, page=page, size=size,
                                  **filters)
    return families_of(request.app.state).list(parsed)


@router.get("/api/common-problems/{family_id}", response_model=FamilyResponse, responses={**ERRORS, **NOT_FOUND},
            summary="One problem family: members (institution, notice, status), breakdowns, measure families")
def get_family(request: Request, family_id: Annotated[str, Path(description="family id, e.g. f3a9c1e07b2d4")]
               ) -> dict[str, Any]:
    return families_of(request.app.state).detail(check_id(family_id))
