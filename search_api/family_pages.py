"""The 共性问题 pages: problem families as HTML, with server-drawn charts (:mod:`search_api.charts`),
and the 整改台账 exports (:mod:`search_api.ledger`).

Routes:

* ``/common-problems``          families, most institutions first, each with members by year and by
                                institution type; the search's filters and ``q`` (same URL parameters
                                as ``/``, so a search's filters carry over) plus ``min_institutions``
* ``/common-problems/{id}``     one family: label and key terms, breakdown charts, members (each
                                linking to its issue and notice), measure families (common first)
* ``/common-problems/{id}/ledger.csv|xlsx``  the family's 问题清单 / 整改台账
* ``/ledger.csv|xlsx``          the same ledger for a search (the parameters of ``/``)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from indexer.errors import BadQuery, XunchaError
from indexer.fields import FACETS
from search_api import charts, export, ledger
from search_api.admission import search_slot
from search_api.families import BREAKDOWNS, families_of, parse_family_request
from search_api.page_errors import error_text
from search_api.page_state import PageState, parse_request
from search_api.pages import error_page, page_service, page_settings, render_page
from search_api.views import facets_view, region

router = APIRouter(include_in_schema=False)

PATH = "/common-problems"
PAGE_SIZE = 20
DEFAULT_MIN = 2
MIN_CHOICES = (2, 3, 5, 10)
BREAKDOWN_TITLES = {name: f.label for f in FACETS for name, stored in BREAKDOWNS.items() if f.name == stored}
BREAKDOWN_TITLES["province"] = "地区（省份）"


def _min_institutions(request: Request) -> str:
    return (request.query_params.get("min_institutions") or str(DEFAULT_MIN)).strip()


def _here(url: str, min_institutions: str) -> str:
    """A link the page state built for ``/``, pointed at this page, keeping ``min_institutions``."""
    query = url.split("?", 1)[1] if "?" in url else ""
    if min_institutions != str(DEFAULT_MIN):
        query = "&".join(p for p in (query, f"min_institutions={min_institutions}") if p)
    return f"{PATH}?{query}" if query else PATH


def _pairs(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(e["label"], e["count"]) for e in entries]


def family_card(family: dict[str, Any]) -> dict[str, Any]:
    years = family["by_year"]
    said = "，".join("{} {}".format(y["label"], y["count"]) for y in years)
    return {
        **family,
        "year_chart": charts.columns([(str(y["value"])[-4:], y["count"]) for y in years],
                                     title=f"各年份问题数：{said}", width=max(120, 34 * len(years)), height=60),
        "type_chart": charts.rows(_pairs(family["by_institution_type"]), title="按单位类型的问题数", width=300,
                                  label_width=92, limit=4),
    }


@router.get(PATH, response_class=HTMLResponse)
def families_page(request: Request) -> HTMLResponse:
    settings = page_settings(request)
    state = PageState.from_query(request.query_params)
    minimum = _min_institutions(request)
    context: dict[str, Any] = {"state": state, "settings": settings, "families": [], "result": None, "error": None,
                               "facets": [], "chips": [], "minimum": minimum, "min_choices": MIN_CHOICES,
                               "pages": None}
    try:
        parsed = parse_family_request(settings, q=state.q or None, mode=state.mode, min_institutions=minimum,
                                      page=state.page, size=PAGE_SIZE, **state.filter_args())
        result = families_of(request.app.state).list(parsed)
    except XunchaError as exc:
        status, heading, message = error_text(exc)
        context["error"] = {"heading": heading, "message": message}
        return render_page(request, "common_problems.html", context, status)
    panels = facets_view(state, result["facets"])
    for panel in panels:
        for value in panel["values"]:
            value["url"] = _here(value["url"], minimum)
    chips = [{**c, "remove": _here(c["remove"], minimum)} for c in state.chips()]
    page, last = result["page"], max(1, -(-result["total"] // PAGE_SIZE))
    context.update(
        result=result, families=[family_card(f) for f in result["families"]], facets=panels, chips=chips,
        clear=_here(state.without_filters(), minimum),
        pages={"page": page, "last": last,
               "prev": _here(replace(state, page=str(page - 1)).url(keep_page=True), minimum) if page > 1 else None,
               "next": _here(replace(state, page=str(page + 1)).url(keep_page=True), minimum) if page < last else None},
        hidden=[(k, v) for k, v in state.filter_pairs()] + ([("mode", state.mode)] if state.mode != "hybrid" else []),
        search_url=state.url("/") if state.q else None,
    )
    return render_page(request, "common_problems.html", context)


def detail_view(family: dict[str, Any]) -> dict[str, Any]:
    breakdowns = family["breakdowns"]
    family_charts = []
    for name, entries in breakdowns.items():
        if not entries:
            continue
        title = BREAKDOWN_TITLES.get(name, name)
        if name == "year":
            chart = charts.columns([(str(e["value"]), e["count"]) for e in entries], title=f"{title}：各年份问题数",
                                   width=max(160, 48 * len(entries)), height=90)
        else:
            chart = charts.rows(_pairs(entries), title=f"{title}：问题数", width=320, label_width=104)
        family_charts.append({"name": name, "title": title, "svg": chart})
    members = [{**m, "region": region(m), "date": m.get("feedback_date") or m.get("publish_date") or ""}
               for m in family["members"]]
    return {**family, "charts": family_charts, "members": members}


@router.get(PATH + "/{family_id}", response_class=HTMLResponse)
def family_page(request: Request, family_id: str) -> HTMLResponse:
    try:
        body = families_of(request.app.state).detail(family_id)
    except XunchaError as exc:
        return error_page(request, exc)
    return render_page(request, "family.html", {"state": PageState(), "family": detail_view(body["family"])})


def _download(data: export.ExportData, fmt: str) -> Response:
    body = export.to_csv(data) if fmt == "csv" else export.to_xlsx(data)
    name = export.filename(data, fmt, date.today())
    return Response(body, media_type=export.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": export.content_disposition(name, fallback=f"xuncha-ledger-{date.today():%Y%m%d}.{fmt}"),
        "X-Export-Rows": str(len(data.rows)), "X-Export-Truncated": "true" if data.truncated else "false",
        "Cache-Control": "no-store"})


def _family_ledger(request: Request, family_id: str, fmt: str) -> Response:
    try:
        service = families_of(request.app.state)
        family = service.family(family_id)
        docs = service.member_docs(family)
    except XunchaError as exc:
        return error_page(request, exc)
    conditions = [("共性问题", family.label), ("关键词", "、".join(family.terms)),
                  ("涉及单位", str(family.institutions)), ("链接", str(request.url.replace(path=f"{PATH}/{family_id}")))]
    return _download(ledger.ledger(docs, subject=family.label, conditions=conditions), fmt)


def _search_ledger(request: Request, fmt: str) -> Response:
    settings = page_settings(request)
    state = PageState.from_query(request.query_params)
    if not state.is_search:
        return error_page(request, BadQuery("请先输入检索内容，再导出整改台账。"), state)
    try:
        core_request = parse_request(settings, state, page=1, facets=False)
        conditions = [(chip["title"], chip["label"]) for chip in state.chips()]
        conditions.append(("链接", str(request.url.replace(path="/"))))
        data = ledger.of_search(page_service(request), core_request, cap=settings.export_cap, conditions=conditions)
    except XunchaError as exc:
        return error_page(request, exc, state)
    return _download(data, fmt)


@router.get(PATH + "/{family_id}/ledger.csv")
def family_ledger_csv(request: Request, family_id: str) -> Response:
    return _family_ledger(request, family_id, "csv")


@router.get(PATH + "/{family_id}/ledger.xlsx")
def family_ledger_xlsx(request: Request, family_id: str) -> Response:
    return _family_ledger(request, family_id, "xlsx")


@router.get("/ledger.csv", dependencies=[Depends(search_slot)])
def search_ledger_csv(request: Request) -> Response:
    return _search_ledger(request, "csv")


@router.get("/ledger.xlsx", dependencies=[Depends(search_slot)])
def search_ledger_xlsx(request: Request) -> Response:
    return _search_ledger(request, "xlsx")
