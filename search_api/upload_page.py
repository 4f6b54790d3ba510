"""The upload page: drop notice files, see what happened to each (indexed / updated / duplicate /
failed with the reason) with its parse-quality report and a link to the stored notice.

* ``GET  /upload``   the form; without the right to write it says why: writes disabled (no API key
                     configured) or not signed in (a link to the sign-in page)
* ``POST /upload``   multipart ``files`` (and an optional ``source``: the original's URL or a name,
                     for every file); a write route like ``POST /api/notices`` (the API key, or
                     the session cookie of the sign-in page), running the same ingest
                     (:func:`search_api.admin.ingest_uploads`) through the same one-at-a-time gate

The page works without JavaScript (a plain form post); ``static/upload.js`` adds dropping files
on the drop zone.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import Headers, UploadFile
from starlette.exceptions import HTTPException

from indexer.errors import XunchaError
from indexer.reports import Outcome
from search_api.admin import ingest_uploads, upload_origins
from search_api.page_errors import error_text
from search_api.page_state import PageState
from search_api.pages import render_page
from search_api.security import check_access

router = APIRouter(include_in_schema=False)

PATH = "/upload"
SIGN_IN_PATH = "/login"
ACCEPT = ".txt,.docx,.html,.htm"

# What each outcome means to the person who uploaded the file.
OUTCOME_LABELS: dict[str, str] = {
    Outcome.INDEXED: "已入库",
    Outcome.REPLACED: "已入库（替换旧版本）",
    Outcome.UPDATED: "已更新来源信息",
    Outcome.SKIPPED: "已存在，未变",
    Outcome.EMPTY: "已入库，未识别出问题",
    Outcome.DUPLICATE: "重复，未入库",
    Outcome.FAILED: "失败",
}
OUTCOME_TONES: dict[str, str] = {
    Outcome.INDEXED: "ok", Outcome.REPLACED: "ok", Outcome.UPDATED: "ok", Outcome.SKIPPED: "none",
    Outcome.EMPTY: "mid", Outcome.DUPLICATE: "mid", Outcome.FAILED: "run",
}


def explanation(entry: dict[str, Any]) -> str | None:
    """What happened, in the page's words; a failure keeps the reader's own reason (it names the
    exact problem: the file type, the size limit, the encoding …).

    >>> explanation({"outcome": "duplicate", "similarity": 0.953})
    '与库中已有通报相似度 95%，视为同一通报的转载，未重复入库'
    >>> explanation({"outcome": "failed", "reason": "empty file (0 bytes)"})
    'empty file (0 bytes)'
    """
    outcome = entry.get("outcome")
    if outcome == Outcome.DUPLICATE:
        similarity = entry.get("similarity")
        share = f"相似度 {similarity:.0%}，" if isinstance(similarity, float) else ""
        return f"与库中已有通报{share}视为同一通报的转载，未重复入库"
    return EXPLANATIONS.get(outcome or "") or entry.get("reason")


EXPLANATIONS: dict[str, str] = {
    Outcome.REPLACED: "同一通报的新版本（如整改进展更新），已替换库中的旧版本，旧版本保留可查",
    Outcome.UPDATED: "通报已在库中，本次补充了来源信息（原文地址、来源名称或发布日期）",
    Outcome.SKIPPED: "库中已有文本相同的通报，未重复入库",
    Outcome.EMPTY: "已保存，但未识别出问题，请打开通报对照原文核查",
}


def access(request: Request) -> str:
    """``ok`` (may upload), ``disabled`` (no API key configured) or ``sign_in``."""
    denied = check_access(request.app.state.settings, Headers(scope=request.scope), write=True)
    if denied is None:
        return "ok"
    return "disabled" if denied.status == 403 else "sign_in"


def file_view(entry: dict[str, Any], quality: dict[str, Any] | None) -> dict[str, Any]:
    """One row of the results table."""
    outcome = entry.get("outcome", "")
    notice_id = entry.get("notice_id") if outcome != Outcome.DUPLICATE else None
    return {
        "name": entry.get("name"), "outcome": outcome, "label": OUTCOME_LABELS.get(outcome, outcome),
        "tone": OUTCOME_TONES.get(outcome, "none"), "issues": entry.get("issues", 0),
        "reason": explanation(entry), "warnings": entry.get("warnings") or [],
        "notice_id": notice_id if outcome != Outcome.FAILED else None,
        "duplicate_of": entry.get("duplicate_of"), "quality": quality,
    }


def _quality(service: Any, notice_id: str | None) -> dict[str, Any] | None:
    if not notice_id:
        return None
    try:
        return service.get_notice(notice_id).get("quality")
    except XunchaError:
        return None  # deleted meanwhile: the row still says what happened


def _page(request: Request, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    base = {"state": PageState(), "access": access(request), "accept": ACCEPT, "sign_in": f"{SIGN_IN_PATH}?next={PATH}",
            "results": None, "summary": None, "error": None, "source": ""}
    return render_page(request, "upload.html", {**base, **context}, status)


@router.get(PATH, response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    return _page(request, {})


@router.post(PATH, response_class=HTMLResponse)
async def upload_files(request: Request) -> HTMLResponse:
    # Read as a plain form: a browser that posts the form with no file chosen sends one part with
    # an empty name, which is "no file", not a malformed request.
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    source = form.get("source") if isinstance(form.get("source"), str) else None
    if not files:
        return _page(request, {"error": "请先选择要上传的通报文件。", "source": source or ""}, 422)
    holder = request.app.state.search
    settings, gate = request.app.state.settings, request.app.state.writes
    try:
        service = holder.service()
        origins = upload_origins([source] if source else None, len(files))
        body = await gate.run(f"upload of {len(files)} file(s)",
                              lambda: ingest_uploads(files, settings, service, origins))
    except XunchaError as exc:
        status, heading, message = error_text(exc)
        return _page(request, {"error": f"{heading}：{message}", "source": source or ""}, status)
    except HTTPException as exc:  # another write is running (409), or the index is incompatible
        return _page(request, {"error": f"上传未完成：{exc.detail}", "source": source or ""}, exc.status_code)
    rows = [file_view(entry, _quality(service, entry.get("notice_id"))) for entry in body["files"]]
    return _page(request, {"results": rows, "summary": body["summary"], "source": source or ""})


WRITE_ROUTES = [r for r in router.routes if "POST" in getattr(r, "methods", ())]
