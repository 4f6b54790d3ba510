"""``GET /api/notices/{id}/versions``: a notice's versions, newest first, with the status changes
between them (:mod:`indexer.versions`), thin over the backend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from indexer.types import Target
from indexer.versions import versions_view
from search_api.app import ERRORS, NOT_FOUND
from search_api.errors import NotFound

router = APIRouter(tags=["documents"])


class StatusChange(BaseModel):
    label: str | None = Field(description="the issue's label as printed")
    problem: str | None = Field(description="the start of the problem statement")
    from_: str | None = Field(alias="from", description="status in the version before (None: not in it)")
    to: str | None = Field(description="status in this version (None: not in it)")
    from_raw: str | None = Field(None, description="the status as printed in the version before")
    to_raw: str | None = Field(None, description="the status as printed in this version")


class Version(BaseModel):
    model_config = ConfigDict(extra="allow")
    version: int = Field(description="1 for the first version stored")
    current: bool = Field(description="the version search shows")
    notice_id: str | None
    title: str | None = None
    publish_date: str | None = None
    source_name: str | None = None
    source_url: str | None = None
    issues: int
    status_changes: list[StatusChange] = Field(description="issues whose status changed since the version before")


class VersionsResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "notice_id": "9c1d2e3f4a5b6c7d", "versions": [
        {"version": 2, "current": True, "notice_id": "9c1d2e3f4a5b6c7d", "title": "关于巡察整改进展情况的通报",
         "publish_date": "2024-09-02", "source_name": "青禾县人民政府网站", "source_url": None, "issues": 2,
         "status_changes": [{"label": "1.", "problem": "医保基金使用管理不规范", "from": "in_progress", "to": "completed",
                             "from_raw": "阶段性完成", "to_raw": "已完成"}]},
        {"version": 1, "current": False, "notice_id": "3f9a1c2e7b5d4a10", "title": "关于巡察整改进展情况的通报",
         "publish_date": "2024-03-12", "source_name": "青禾县人民政府网站", "source_url": None, "issues": 2,
         "status_changes": []}]}]})
    ok: bool = True
    notice_id: str
    versions: list[Version]


@router.get("/api/notices/{notice_id}/versions", response_model=VersionsResponse, response_model_by_alias=True,
            responses={**ERRORS, **NOT_FOUND}, summary="A notice's versions, newest first, with status changes")
def notice_versions(
    request: Request,
    notice_id: Annotated[str, Path(description="id of the current version", examples=["9c1d2e3f4a5b6c7d"])],
    include_text: Annotated[bool, Query(description="also return each version's original text")] = False,
) -> dict[str, Any]:
    view = notice_versions_view(request.app.state.search.service().backend, notice_id, include_text=include_text)
    return {"ok": True, **view}


def notice_versions_view(backend: Any, notice_id: str, *, include_text: bool = False) -> dict[str, Any]:
    """The versions of a stored notice (:func:`indexer.versions.versions_view`), each with its
    original text when asked; the API and the notice page both show this."""
    record = backend.get_notice(notice_id)
    if record is None:
        raise NotFound(f"no notice with id {notice_id!r}")
    view = versions_view(record, backend.get(Target.ISSUES, list(record.get("issue_ids") or [])))
    if include_text:
        texts = [record.get("original_text") or record.get("text"),
                 *(v.get("original_text") for v in record.get("versions") or [])]
        for version, text in zip(view["versions"], texts, strict=True):
            version["original_text"] = text
    return view
