"""The web page's routes, for inspectors and reviewers: server-rendered Jinja2 templates, one small CSS
file and a few lines of vanilla JavaScript (no build step, no CDN). It calls the same core as the
JSON API (:class:`~search_api.search.SearchService`), in-process, never over HTTP.

Routes (HTML unless said otherwise):

* ``/``                   the search page. Its whole state is in the URL (:mod:`search_api.page_state`):
                          ``q``, ``mode`` (hybrid | lexical | semantic), ``tab`` (issues | measures),
                          ``page``, ``size``, the registry's filters and ``similar`` (an issue id:
                          "类似问题（其他单位）", query-by-example).
                          ``/?q=医保基金&mode=lexical&tab=measures&province=江西省&year_from=2023&year_to=2023``
* ``/issues/{id}``        one issue with its notice's metadata and all its measures
* ``/notices/{id}``       a whole notice as parsed: metadata, issues in order, parse-quality report
* ``/export.csv``, ``/export.xlsx``  the current result set (same parameters as ``/``), see
                          :mod:`search_api.export`
* ``/static/{name}``      the page's CSS and JS

Errors are pages too (:mod:`search_api.page_errors`): a bad parameter gives the search page with a
message (400), an unknown id 404, a backend that cannot be reached a friendly 503
("检索服务暂时不可用"). View models are in :mod:`search_api.views`.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from indexer.errors import BadQuery, Problem, XunchaError
from indexer.settings import Settings
from indexer.types import Target
from search_api import export
from search_api.admission import search_slot
from search_api.errors import NotFound
from search_api.families import with_families
from search_api.page_errors import error_text, paging_text
from search_api.page_state import SORT_LABELS, TAB_LABELS, PageState, parse_request, run_search
from search_api.parse import Mode
from search_api.search import SearchService
from search_api.versions_api import notice_versions_view
from search_api.views import (
    category_label,
    collection_overview,
    facets_view,
    issue_view,
    level_label,
    measure_view,
    notice_metadata,
    origin_link,
    pagination,
    region,
    status_label,
    type_label,
)

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))

MODE_LABELS: dict[str, str] = {Mode.HYBRID.value: "综合", Mode.LEXICAL.value: "关键词", Mode.SEMANTIC.value: "语义"}
MODE_HINTS: dict[str, str] = {
    Mode.HYBRID.value: "关键词与语义检索融合排序",
    Mode.LEXICAL.value: "只按字词匹配（BM25）",
    Mode.SEMANTIC.value: "只按意思相近（向量）",
}

EXAMPLES: tuple[tuple[str, str, str], ...] = (
    # (query, tab, why it is a good example)
    ("医保基金", "issues", "关键词"),
    ("三重一大", "issues", "制度执行"),
    ("公务接待超标准", "issues", "八项规定"),
    ("医生开大处方、做过度检查，合理用药监管缺位", "issues", "粘贴一段问题描述"),
    ("签订廉洁承诺书", "measures", "查找整改措施"),
)


def _static_version() -> str:
    digest = hashlib.sha1()
    for path in sorted(STATIC_DIR.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


STATIC_FILES: frozenset[str] = frozenset(p.name for p in STATIC_DIR.glob("*") if p.is_file())
STATIC_VERSION = _static_version()
_MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}

templates.env.globals.update(
    MODE_LABELS=MODE_LABELS, MODE_HINTS=MODE_HINTS, TAB_LABELS=TAB_LABELS, SORT_LABELS=SORT_LABELS,
    STATIC_VERSION=STATIC_VERSION,
    status_label=status_label, type_label=type_label, level_label=level_label, category_label=category_label,
    region=region,
)


def render_page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A template of this package rendered for a request (every page module renders through here)."""
    return templates.TemplateResponse(request, name, context, status_code=status)


def page_settings(request: Request) -> Settings:
    """The service's settings."""
    return request.app.state.settings


def page_service(request: Request) -> SearchService:
    """The search core behind the pages (the same one the API uses)."""
    return request.app.state.search.service()


def error_page(request: Request, exc: XunchaError, state: PageState | None = None) -> HTMLResponse:
    """A typed error rendered for people: the error page with its status."""
    status, heading, message = error_text(exc)
    return render_page(request, "error.html", {"state": state or PageState(), "status": status,
                                               "heading": heading, "message": message}, status)


# -- routes -------------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse, dependencies=[Depends(search_slot)])
def search_page(request: Request) -> HTMLResponse:
    settings = page_settings(request)
    state = PageState.from_query(request.query_params)
    context: dict[str, Any] = {"state": state, "settings": settings, "examples": EXAMPLES, "error": None,
                               "result": None, "hits": [], "facets": [], "chips": state.chips(),
                               "pages": None, "stats": None, "overview": [], "source": None}
    if not state.is_search:
        if state.has_filters:
            context["error"] = {"heading": "请输入检索内容", "message": "筛选条件需要和检索词一起使用：请先输入关键词或粘贴一段问题描述。"}
        try:
            service = page_service(request)
            context["stats"] = service.stats()
            context["overview"] = collection_overview(service, settings, context["stats"]["issues"])
        except XunchaError as exc:
            status, heading, message = error_text(exc)
            context["error"] = {"heading": heading, "message": message}
            return render_page(request, "search.html", context, status)
        return render_page(request, "search.html", context, 400 if state.has_filters else 200)
    try:
        core_request = parse_request(settings, state)
        service = page_service(request)
        result = run_search(service, state, core_request)
        if result.page > 1 and not result.hits:
            return _past_the_end(request, context, service, result.page, result.size)
    except XunchaError as exc:
        if isinstance(exc, BadQuery) and exc.code is Problem.TOO_DEEP:
            return _past_the_end(request, context, page_service(request), exc.limits["page"], exc.limits["size"])
        status, heading, message = error_text(exc)
        if isinstance(exc, NotFound) and state.similar:
            message = f"没有编号为 {state.similar} 的问题，无法查找类似问题。"
        context["error"] = {"heading": heading, "message": message}
        return render_page(request, "search.html", context, status)
    view = issue_view if result.target == Target.ISSUES.value else measure_view
    hits = [view(h) for h in result.hits]
    with_families(request.app.state, hits)  # 共性问题 links
    context.update(
        result=result,
        hits=hits,
        facets=facets_view(state, result.facets),
        pages=pagination(state, result.total, result.page, result.size, settings.max_result_window),
        source=issue_view({**result.source, "highlights": {}}) if result.source else None,
        export_cap=settings.export_cap,
    )
    return render_page(request, "search.html", context)


def _past_the_end(request: Request, context: dict[str, Any], service: SearchService, page: int,
                  size: int) -> HTMLResponse:
    """A page number past the results: say how many there are (the first page is searched for it)."""
    settings, state = page_settings(request), context["state"]
    try:
        total = run_search(service, state, parse_request(settings, state, page=1, facets=False)).total
    except XunchaError as exc:
        status, heading, message = error_text(exc)
        context["error"] = {"heading": heading, "message": message}
        return render_page(request, "search.html", context, status)
    last = min(math.ceil(total / size), max(1, settings.max_result_window // size))
    context["error"] = {"heading": "页码超出范围", "message": paging_text(page, size, total, settings.max_result_window),
                        "link": (state.with_page(last), f"转到第 {last} 页") if last else None}
    return render_page(request, "search.html", context, 400)


@router.get("/issues/{issue_id}", response_class=HTMLResponse)
def issue_page(request: Request, issue_id: str) -> HTMLResponse:
    try:
        issue = page_service(request).get_issue(issue_id)
    except XunchaError as exc:
        return error_page(request, exc)
    view = issue_view({**issue, "highlights": {}})
    with_families(request.app.state, [view])  # its 共性问题
    return render_page(request, "issue.html", {"state": PageState(), "issue": view, "doc": issue})


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(request: Request, notice_id: str) -> HTMLResponse:
    try:
        record = page_service(request).get_notice(notice_id, include_text=True)
    except XunchaError as exc:
        return error_page(request, exc)
    notice = record["notice"]
    issues = [issue_view({**i, "highlights": {}}) for i in record["issues"]]
    with_families(request.app.state, issues)  # 共性问题 links
    sections: list[dict[str, Any]] = []
    for issue, raw in zip(issues, record["issues"], strict=True):
        title = raw.get("section") or ""
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "label": raw.get("section_label") or "", "issues": []})
        sections[-1]["issues"].append(issue)
    versions = []  # earlier versions of this notice (progress updates it replaced), with status changes
    if (notice.get("version_count") or 1) > 1:
        versions = notice_versions_view(page_service(request).backend, notice_id)["versions"]
    return render_page(request, "notice.html", {
        "state": PageState(), "notice": notice, "quality": record.get("quality") or {}, "sections": sections,
        "issue_count": len(issues), "metadata": notice_metadata(notice), "origin": origin_link(notice),
        "versions": versions,
    })


def _export(request: Request, fmt: str) -> Response:
    settings = page_settings(request)
    state = PageState.from_query(request.query_params)
    if not state.is_search:
        return render_page(request, "error.html", {"state": state, "status": 400, "heading": "检索条件有误",
                                               "message": "请先输入检索内容，再导出结果。"}, 400)
    try:
        core_request = parse_request(settings, state, page=1, facets=False)
        conditions = [("检索方式", MODE_LABELS.get(state.mode, state.mode))]
        conditions += [(chip["title"], chip["label"]) for chip in state.chips()]
        conditions.append(("链接", str(request.url.replace(path="/"))))
        data = export.collect(page_service(request), core_request, state.target, cap=settings.export_cap,
                              conditions=conditions)
    except XunchaError as exc:
        return error_page(request, exc, state)
    body = export.to_csv(data) if fmt == "csv" else export.to_xlsx(data)
    name = export.filename(data, fmt, date.today())
    return Response(body, media_type=export.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": export.content_disposition(name, fallback=f"xuncha-export-{date.today():%Y%m%d}.{fmt}"),
        "X-Export-Rows": str(len(data.rows)),
        "X-Export-Truncated": "true" if data.truncated else "false",
        "Cache-Control": "no-store",
    })


@router.get("/export.csv", dependencies=[Depends(search_slot)])
def export_csv(request: Request) -> Response:
    return _export(request, "csv")


@router.get("/export.xlsx", dependencies=[Depends(search_slot)])
def export_xlsx(request: Request) -> Response:
    return _export(request, "xlsx")


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page links; the page's SVG icon answers."""
    return static_file("favicon.svg")


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response("not found", status_code=404, media_type="text/plain")
    path = STATIC_DIR / name
    return FileResponse(path, media_type=_MEDIA.get(path.suffix, "application/octet-stream"),
                        headers={"Cache-Control": "public, max-age=86400"})
