"""The web page for inspectors and reviewers: server-rendered Jinja2 templates, one small CSS
file and a few lines of vanilla JavaScript (no build step, no CDN). It calls the same core as the
JSON API (:class:`~search_api.search.SearchService`), in-process, never over HTTP.

Routes (HTML unless said otherwise):

* ``/``                   the search page. Its whole state is in the URL, so a search can be
                          shared and bookmarked: ``q``, ``mode`` (hybrid | lexical | semantic),
                          ``tab`` (issues | measures), ``page``, ``size``, the filters (``institution_type``,
                          ``province``, ``city``, ``county``, ``level``, ``status``, ``category``,
                          ``institution``, ``year_from``, ``year_to``) and ``similar`` (an issue id:
                          "类似问题（其他单位）", query-by-example).
                          ``/?q=医保基金&mode=lexical&tab=measures&province=江西省&year_from=2023&year_to=2023``
* ``/issues/{id}``        one issue with its notice's metadata and all its measures
* ``/notices/{id}``       a whole notice as parsed: metadata, issues in order, parse-quality report
* ``/export.csv``, ``/export.xlsx``  the current result set (same parameters as ``/``), see
                          :mod:`search_api.export`
* ``/static/{name}``      the page's CSS and JS

Errors are pages too: a bad parameter gives the search page with a message (400), an unknown id
404, a backend that cannot be reached a friendly 503 ("检索服务暂时不可用").
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from indexer.backends.base import Filters
from indexer.categories import labels as category_labels
from indexer.errors import BackendError, BackendUnavailable, BadQuery, XunchaError
from indexer.parsing.institutions import INSTITUTION_TYPES
from indexer.parsing.status import STATUS_LABELS, Status
from indexer.settings import Settings
from indexer.types import Target
from search_api import export
from search_api.errors import NotFound, NotReady, message_of
from search_api.highlight import mark
from search_api.parse import (
    Mode,
    SearchRequest,
    SimilarRequest,
    clean_text,
    parse_search_request,
    parse_similar_request,
)
from search_api.search import SearchResult, SearchService

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATE_DIR))

PAGE_SIZE = 10

MODE_LABELS: dict[str, str] = {Mode.HYBRID.value: "综合", Mode.LEXICAL.value: "关键词", Mode.SEMANTIC.value: "语义"}
MODE_HINTS: dict[str, str] = {
    Mode.HYBRID.value: "关键词与语义检索融合排序",
    Mode.LEXICAL.value: "只按字词匹配（BM25）",
    Mode.SEMANTIC.value: "只按意思相近（向量）",
}
TAB_LABELS: dict[str, str] = {Target.ISSUES.value: "问题", Target.MEASURES.value: "整改措施"}

# No Chinese labels for the inspecting body's level exist elsewhere (indexer.parsing.inspection.LEVELS maps
# committees to these keys); they are shown here only.
LEVEL_LABELS: dict[str, str] = {"central": "中央", "province": "省级", "city": "市级", "county": "县级"}

# URL parameters that filter, in the order the active-filter chips show them.
FILTER_PARAMS: tuple[str, ...] = (
    "institution_type", "province", "city", "county", "level", "status", "category", "institution",
)
FILTER_TITLES: dict[str, str] = {
    "institution_type": "单位类型", "province": "省份", "city": "城市", "county": "区县", "level": "巡察层级",
    "status": "整改状态", "category": "问题类别", "institution": "单位", "year": "年份",
}
# Facets shown in the sidebar, in order (``year`` filters through year_from / year_to).
FACET_ORDER: tuple[str, ...] = ("institution_type", "province", "city", "level", "year", "status", "category")

EXAMPLES: tuple[tuple[str, str, str], ...] = (
    # (query, tab, why it is a good example)
    ("医保基金", "issues", "关键词"),
    ("三重一大", "issues", "制度执行"),
    ("公务接待超标准", "issues", "八项规定"),
    ("医生开大处方、做过度检查，合理用药监管缺位", "issues", "粘贴一段问题描述"),
    ("签订廉洁承诺书", "measures", "查找整改措施"),
)


# -- labels --------------------------------------------------------------------------------------

def status_label(value: str | None) -> str:
    if not value:
        return "未注明"
    try:
        return STATUS_LABELS[Status(value)]
    except ValueError:
        return value


def type_label(value: str | None) -> str:
    return INSTITUTION_TYPES.get(value or "", value or "")


def level_label(value: str | None) -> str:
    return LEVEL_LABELS.get(value or "", value or "")


def category_label(value: str) -> str:
    return category_labels().get(value, value)


def facet_label(name: str, value: str) -> str:
    if name == "institution_type":
        return type_label(value)
    if name == "level":
        return level_label(value)
    if name == "status":
        return status_label(value)
    if name == "category":
        return category_label(value)
    if name == "year":
        return f"{value}年"
    return value


# -- page state ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PageState:
    """The search page's state, read from and written back to the URL."""

    q: str = ""
    mode: str = Mode.HYBRID.value
    tab: str = Target.ISSUES.value
    page: str = "1"
    size: str = ""  # hits per page; empty: PAGE_SIZE
    similar: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    year_from: str = ""
    year_to: str = ""

    @classmethod
    def from_query(cls, params: Any) -> PageState:
        """From the request's query parameters (a Starlette ``QueryParams``)."""
        filters = {}
        for name in FILTER_PARAMS:
            values = tuple(dict.fromkeys(v.strip() for v in params.getlist(name) if v and v.strip()))
            if values:
                filters[name] = values
        tab = params.get("tab") or Target.ISSUES.value
        return cls(
            q=(params.get("q") or "").strip(),
            mode=(params.get("mode") or Mode.HYBRID.value).strip(),
            tab=tab if tab in TAB_LABELS else Target.ISSUES.value,
            page=(params.get("page") or "1").strip(),
            size=(params.get("size") or "").strip(),
            # a query typed on a "similar" page starts a new search
            similar="" if (params.get("q") or "").strip() else (params.get("similar") or "").strip(),
            filters=filters,
            year_from=(params.get("year_from") or "").strip(),
            year_to=(params.get("year_to") or "").strip(),
        )

    @property
    def target(self) -> Target:
        return Target.ISSUES if self.similar else Target(self.tab)

    @property
    def has_filters(self) -> bool:
        return bool(self.filters or self.year_from or self.year_to)

    @property
    def is_search(self) -> bool:
        return bool(self.q or self.similar)

    def filter_args(self) -> dict[str, Any]:
        """The filters as keyword arguments of the core's request parsers."""
        args: dict[str, Any] = {name: list(values) for name, values in self.filters.items()}
        args["year_from"] = self.year_from or None
        args["year_to"] = self.year_to or None
        return args

    def params(self, *, keep_page: bool = False) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.similar:
            out.append(("similar", self.similar))
        elif self.q:
            out.append(("q", self.q))
        if self.mode != Mode.HYBRID.value:
            out.append(("mode", self.mode))
        if self.tab != Target.ISSUES.value and not self.similar:
            out.append(("tab", self.tab))
        for name in FILTER_PARAMS:
            out.extend((name, v) for v in self.filters.get(name, ()))
        if self.year_from:
            out.append(("year_from", self.year_from))
        if self.year_to:
            out.append(("year_to", self.year_to))
        if self.size and self.size != str(PAGE_SIZE):
            out.append(("size", self.size))
        if keep_page and self.page not in ("", "1"):
            out.append(("page", self.page))
        return out

    def url(self, path: str = "/", *, keep_page: bool = False) -> str:
        query = urlencode(self.params(keep_page=keep_page))
        return f"{path}?{query}" if query else path

    # links that change one thing (and go back to page 1)
    def with_page(self, page: int) -> str:
        return replace(self, page=str(page)).url(keep_page=True)

    def with_tab(self, tab: str) -> str:
        return replace(self, tab=tab, page="1").url()

    def with_mode(self, mode: str) -> str:
        return replace(self, mode=mode, page="1").url()

    def toggle(self, name: str, value: str) -> str:
        """The URL with a facet value switched on or off."""
        if name == "year":
            on = self.year_from == value and self.year_to == value
            return replace(self, year_from="" if on else value, year_to="" if on else value, page="1").url()
        current = self.filters.get(name, ())
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        filters = {k: v for k, v in self.filters.items() if k != name}
        if values:
            filters[name] = values
        return replace(self, filters=filters, page="1").url()

    def without_filters(self) -> str:
        return replace(self, filters={}, year_from="", year_to="", page="1").url()

    def is_selected(self, name: str, value: str) -> bool:
        if name == "year":
            return self.year_from == value and self.year_to == value
        return value in self.filters.get(name, ())

    def chips(self) -> list[dict[str, str]]:
        """The active filters, each with the URL that removes it."""
        out = []
        for name in FILTER_PARAMS:
            for value in self.filters.get(name, ()):
                out.append({"title": FILTER_TITLES[name], "label": facet_label(name, value),
                            "remove": self.toggle(name, value)})
        if self.year_from or self.year_to:
            if self.year_from == self.year_to:
                label = f"{self.year_from}年"
            else:
                label = f"{self.year_from or '…'}–{self.year_to or '…'}年"
            out.append({"title": "年份", "label": label,
                        "remove": replace(self, year_from="", year_to="", page="1").url()})
        return out


def parse_request(settings: Settings, state: PageState, *, page: Any = None,
                  facets: bool = True) -> SearchRequest | SimilarRequest:
    """The core's request for the page state (validated by the core's own parsers)."""
    if state.q and len(clean_text(state.q)) > settings.max_query_chars:
        raise BadQuery(f"检索内容过长：最多 {settings.max_query_chars} 字，当前 {len(clean_text(state.q))} 字。"
                       "请只保留问题描述的关键部分。")
    page = state.page if page is None else page
    size = state.size or PAGE_SIZE
    if state.similar:
        return parse_similar_request(settings, issue_id=state.similar, mode=state.mode, page=page, size=size,
                                     facets=facets, **state.filter_args())
    return parse_search_request(settings, q=state.q, mode=state.mode, page=page, size=size, facets=facets,
                                **state.filter_args())


def run_search(service: SearchService, state: PageState, request: SearchRequest | SimilarRequest) -> SearchResult:
    if isinstance(request, SimilarRequest):
        return service.similar_issues(request)
    if state.target is Target.MEASURES:
        return service.search_measures(request)
    return service.search_issues(request)


# -- view models -------------------------------------------------------------------------------------

def _spans(raw: Any) -> list[tuple[int, int]]:
    return [(int(s[0]), int(s[1])) for s in raw or ()]


def marked(text: str | None, spans: Any = ()) -> Markup:
    """The text as HTML, escaped, with the core's highlight spans wrapped in ``<mark>``."""
    return Markup(mark(text or "", _spans(spans)))


def region(doc: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for key in ("province", "city", "county"):
        value = doc.get(key)
        if value and value not in parts:
            parts.append(value)
    return " ".join(parts)


def notice_date(doc: Mapping[str, Any]) -> tuple[str, str]:
    """(what, date) for a card: the feedback date, else the publish date."""
    if doc.get("feedback_date"):
        return "反馈", str(doc["feedback_date"])
    if doc.get("publish_date"):
        return "发布", str(doc["publish_date"])
    return "", ""


def explain_view(explain: Mapping[str, Any] | None) -> dict[str, Any]:
    explain = explain or {}
    lex, vec = explain.get("lexical"), explain.get("vector")
    return {
        "lexical": f"第 {lex['rank']} 名（BM25 {lex['score']:.2f}）" if lex else "未命中",
        "vector": (f"第 {vec['rank']} 名（相似度 {vec['score']:.3f}）"
                   + ("，按所属问题的向量" if vec.get("via") == "issue" else "")) if vec else "未命中",
        "fusion": f"{explain.get('score', 0):.4f}（{str(explain.get('fusion', '')).upper()}）",
        "terms": list(explain.get("matched_terms") or []),
    }


def _common_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    what, when = notice_date(hit)
    return {
        "institution": hit.get("institution") or "（未识别单位）",
        "type_label": type_label(hit.get("institution_type")),
        "region": region(hit),
        "inspection_body": hit.get("inspection_body") or "",
        "date_what": what,
        "date": when,
        "section": hit.get("section") or "",
        "status": hit.get("status") or "",
        "status_label": status_label(hit.get("status")),
        "status_raw": hit.get("status_raw") or "",
        "categories": [category_label(c) for c in hit.get("categories") or []],
        "notice_id": hit.get("notice_id"),
        "seq": hit.get("seq"),
        "rank": hit.get("rank"),
        "explain": explain_view(hit.get("explain")),
        "collapsed": hit.get("collapsed"),
    }


def issue_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    spans = hit.get("highlights") or {}
    measure_spans = list(spans.get("measures") or [])
    measures = list(hit.get("measures") or [])
    measure_spans += [[]] * (len(measures) - len(measure_spans))
    return {
        **_common_view(hit),
        "kind": "issue",
        "id": hit["id"],
        "issue_id": hit["id"],
        "label": hit.get("label") or "",
        "problem_html": marked(hit.get("problem"), spans.get("problem")),
        "measures_html": [marked(m, s) for m, s in zip(measures, measure_spans, strict=False)],
        "measures_intro": hit.get("measures_intro") or "",
        "measure_hits": sum(1 for s in measure_spans if s),
    }


def measure_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    spans = hit.get("highlights") or {}
    return {
        **_common_view(hit),
        "kind": "measure",
        "id": hit["id"],
        "issue_id": hit.get("issue_id"),
        "measure_seq": hit.get("measure_seq"),
        "text_html": marked(hit.get("text"), spans.get("text")),
        "problem_html": marked(hit.get("problem"), spans.get("problem")),
    }


def facets_view(state: PageState, facets: Mapping[str, Sequence[Mapping[str, Any]]] | None) -> list[dict[str, Any]]:
    out = []
    for name in FACET_ORDER:
        entries = list((facets or {}).get(name) or [])
        seen = {str(e["value"]) for e in entries}
        # a selected value the counts no longer list stays visible, so it can be switched off
        if name == "year" and state.year_from and state.year_from == state.year_to and state.year_from not in seen:
            entries.append({"value": state.year_from, "count": 0})
        for value in state.filters.get(name, ()):
            if value not in seen:
                entries.append({"value": value, "count": 0})
        if name == "year":
            entries.sort(key=lambda e: str(e["value"]), reverse=True)
        if not entries:
            continue
        out.append({
            "name": name,
            "title": FILTER_TITLES[name],
            "values": [{
                "value": str(e["value"]),
                "label": facet_label(name, str(e["value"])),
                "count": int(e.get("count") or 0),
                "selected": state.is_selected(name, str(e["value"])),
                "url": state.toggle(name, str(e["value"])),
            } for e in entries],
        })
    return out


def pagination(state: PageState, total: int, page: int, size: int, window: int) -> dict[str, Any] | None:
    last = min(math.ceil(total / size), max(1, window // size)) if total else 0
    if last <= 1:
        return None
    shown = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    items: list[dict[str, Any]] = []
    previous = 0
    for n in shown:
        if n - previous > 1:
            items.append({"gap": True})
        items.append({"n": n, "url": state.with_page(n), "current": n == page})
        previous = n
    return {
        "items": items,
        "prev": state.with_page(page - 1) if page > 1 else None,
        "next": state.with_page(page + 1) if page < last else None,
        "last": last,
    }


# -- rendering helpers -----------------------------------------------------------------------------

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
    MODE_LABELS=MODE_LABELS, MODE_HINTS=MODE_HINTS, TAB_LABELS=TAB_LABELS, STATIC_VERSION=STATIC_VERSION,
    status_label=status_label, type_label=type_label, level_label=level_label, category_label=category_label,
    region=region,
)


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _service(request: Request) -> SearchService:
    return request.app.state.search.service()


# The core's messages (search_api.parse) are English; the page says the common ones in Chinese and
# keeps the original wording in brackets for anything it does not know.
_PARAM_NAMES = {"page": "页码", "size": "每页条数", "mode": "检索方式", "year_from": "起始年份", "year_to": "截止年份",
                "level": "巡察层级", "status": "整改状态", "category": "问题类别", "scope": "范围", "fusion": "融合方式"}
_BAD_QUERY_ZH: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"^q is required"), lambda m: "请输入检索内容：关键词，或一段问题描述。"),
    (re.compile(r"^(\w+) must be a whole number \(got (.*)\)$"),
     lambda m: f"{_PARAM_NAMES.get(m[1], m[1])}必须是整数（收到 {m[2]}）。"),
    (re.compile(r"^page × size must be at most (\d+)"),
     lambda m: f"翻页过深：最多可查看前 {m[1]} 条结果，请增加筛选条件缩小范围。"),
    (re.compile(r"^(\w+) must be between (\d+) and (\d+) \(got (.*)\)$"),
     lambda m: f"{_PARAM_NAMES.get(m[1], m[1])}须在 {m[2]} 到 {m[3]} 之间（收到 {m[4]}）。"),
    (re.compile(r"^(\w+) must be one of (.*) \(got (.*)\)$"),
     lambda m: f"{_PARAM_NAMES.get(m[1], m[1])}的取值 {m[3]} 无效，可选：{m[2]}。"),
    (re.compile(r"^year_from \((\d+)\) is after year_to \((\d+)\)$"),
     lambda m: f"起始年份 {m[1]} 晚于截止年份 {m[2]}。"),
)


def bad_query_text(message: str) -> str:
    for pattern, say in _BAD_QUERY_ZH:
        match = pattern.search(message)
        if match:
            return say(match)
    if re.search(r"[\u4e00-\u9fff]", message):  # already Chinese (e.g. the page's own checks)
        return message
    return f"请检查检索条件（{message}）。"


def error_text(exc: XunchaError) -> tuple[int, str, str]:
    """(HTTP status, heading, message) of an error, for people."""
    if isinstance(exc, NotReady):
        return 503, "检索服务正在启动", "正在加载索引和语义模型，请稍候几秒后刷新页面。"
    if isinstance(exc, BackendUnavailable):
        return 503, "检索服务暂时不可用", f"无法连接检索后端，请稍后重试；如持续出现，请联系管理员。（{message_of(exc)}）"
    if isinstance(exc, BackendError):
        return 502, "检索出错", f"检索后端返回错误，请稍后重试。（{message_of(exc)}）"
    if isinstance(exc, NotFound):
        return 404, "未找到", "该问题或通报不存在，可能已被删除或链接有误。"
    if isinstance(exc, BadQuery):
        return 400, "检索条件有误", bad_query_text(message_of(exc))
    return 500, "出错了", "服务器内部错误，请稍后重试。"


def _error_page(request: Request, exc: XunchaError, state: PageState | None = None) -> HTMLResponse:
    status, heading, message = error_text(exc)
    return _render(request, "error.html", {"state": state or PageState(), "status": status,
                                          "heading": heading, "message": message}, status)


# -- routes -------------------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    settings = _settings(request)
    state = PageState.from_query(request.query_params)
    context: dict[str, Any] = {"state": state, "settings": settings, "examples": EXAMPLES, "error": None,
                               "result": None, "hits": [], "facets": [], "chips": state.chips(),
                               "pages": None, "stats": None, "overview": [], "source": None}
    if not state.is_search:
        if state.has_filters:
            context["error"] = {"heading": "请输入检索内容", "message": "筛选条件需要和检索词一起使用：请先输入关键词或粘贴一段问题描述。"}
        try:
            service = _service(request)
            context["stats"] = service.stats()
            context["overview"] = collection_overview(service, settings, context["stats"]["issues"])
        except XunchaError as exc:
            status, heading, message = error_text(exc)
            context["error"] = {"heading": heading, "message": message}
            return _render(request, "search.html", context, status)
        return _render(request, "search.html", context, 400 if state.has_filters else 200)
    try:
        core_request = parse_request(settings, state)
        service = _service(request)
        result = run_search(service, state, core_request)
    except XunchaError as exc:
        status, heading, message = error_text(exc)
        if isinstance(exc, NotFound) and state.similar:
            message = f"没有编号为 {state.similar} 的问题，无法查找类似问题。"
        context["error"] = {"heading": heading, "message": message}
        return _render(request, "search.html", context, status)
    view = issue_view if result.target == Target.ISSUES.value else measure_view
    context.update(
        result=result,
        hits=[view(h) for h in result.hits],
        facets=facets_view(state, result.facets),
        pages=pagination(state, result.total, result.page, result.size, settings.max_result_window),
        source=issue_view({**result.source, "highlights": {}}) if result.source else None,
        export_cap=settings.export_cap,
    )
    return _render(request, "search.html", context)


def collection_overview(service: SearchService, settings: Settings, issues: int) -> list[dict[str, Any]]:
    """Counts over the whole collection for the start page (type, province, year, status); issues
    whose notice prints no status are counted as 未注明."""
    names = {"institution_type": "institution_type", "province": "province", "year": "year", "status": "status"}
    raw = service.backend.facets(Target.ISSUES, Filters(), list(names.values()), size=settings.facet_size)
    out = []
    for name, stored in names.items():
        pairs = list(raw.get(stored) or [])
        if name == "year":
            pairs.sort(key=lambda kv: str(kv[0]), reverse=True)
        if name == "status" and issues > sum(int(c) for _, c in pairs):
            pairs.append(("", issues - sum(int(c) for _, c in pairs)))
        if pairs:
            out.append({"title": FILTER_TITLES[name],
                        "values": [{"label": facet_label(name, str(v)), "count": int(c)} for v, c in pairs]})
    return out


@router.get("/issues/{issue_id}", response_class=HTMLResponse)
def issue_page(request: Request, issue_id: str) -> HTMLResponse:
    try:
        issue = _service(request).get_issue(issue_id)
    except XunchaError as exc:
        return _error_page(request, exc)
    return _render(request, "issue.html", {"state": PageState(), "issue": issue_view({**issue, "highlights": {}}),
                                           "doc": issue})


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
def notice_page(request: Request, notice_id: str) -> HTMLResponse:
    try:
        record = _service(request).get_notice(notice_id, include_text=True)
    except XunchaError as exc:
        return _error_page(request, exc)
    notice = record["notice"]
    issues = [issue_view({**i, "highlights": {}}) for i in record["issues"]]
    sections: list[dict[str, Any]] = []
    for issue, raw in zip(issues, record["issues"], strict=True):
        title = raw.get("section") or ""
        if not sections or sections[-1]["title"] != title:
            sections.append({"title": title, "label": raw.get("section_label") or "", "issues": []})
        sections[-1]["issues"].append(issue)
    return _render(request, "notice.html", {
        "state": PageState(), "notice": notice, "quality": record.get("quality") or {}, "sections": sections,
        "issue_count": len(issues), "metadata": notice_metadata(notice),
    })


def notice_metadata(notice: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the notice's metadata table; unknown values shown as "—"."""
    period = notice.get("inspection_period") or {}
    period_text = "–".join(p for p in (period.get("start"), period.get("end")) if p)
    feedback = notice.get("feedback_date") or ""
    if feedback and notice.get("feedback_date_inferred"):
        feedback += "（年份据上下文推断）"
    totals = notice.get("stated_totals") or {}
    rows = [
        ("发文单位", notice.get("organization")),
        ("被巡察单位", notice.get("institution")),
        ("单位类型", type_label(notice.get("institution_type"))),
        ("地区", region(notice)),
        ("巡察组", notice.get("inspection_body")),
        ("巡察层级", level_label(notice.get("level"))),
        ("巡察轮次", notice.get("inspection_round")),
        ("巡察类型", " ".join(x for x in (notice.get("inspection_type"), notice.get("inspection_kind")) if x)),
        ("巡察时间", period_text),
        ("反馈日期", feedback),
        ("发布日期", notice.get("publish_date")),
        ("通报所述总数", totals.get("raw")),
        ("来源", notice.get("source")),
        ("格式", " / ".join(x for x in (notice.get("format"), notice.get("encoding")) if x)),
        ("通报编号", notice.get("notice_id")),
    ]
    return [(label, str(value) if value not in (None, "") else "—") for label, value in rows]


def _export(request: Request, fmt: str) -> Response:
    settings = _settings(request)
    state = PageState.from_query(request.query_params)
    if not state.is_search:
        return _error_page(request, BadQuery("请先输入检索内容，再导出结果。"), state)
    try:
        core_request = parse_request(settings, state, page=1, facets=False)
        conditions = [("检索方式", MODE_LABELS.get(state.mode, state.mode))]
        conditions += [(chip["title"], chip["label"]) for chip in state.chips()]
        conditions.append(("链接", str(request.url.replace(path="/"))))
        data = export.collect(_service(request), core_request, state.target, cap=settings.export_cap,
                              conditions=conditions)
    except XunchaError as exc:
        return _error_page(request, exc, state)
    body = export.to_csv(data) if fmt == "csv" else export.to_xlsx(data)
    name = export.filename(data, fmt, date.today())
    return Response(body, media_type=export.MEDIA_TYPES[fmt], headers={
        "Content-Disposition": export.content_disposition(name, fallback=f"xuncha-export-{date.today():%Y%m%d}.{fmt}"),
        "X-Export-Rows": str(len(data.rows)),
        "X-Export-Truncated": "true" if data.truncated else "false",
        "Cache-Control": "no-store",
    })


@router.get("/export.csv")
def export_csv(request: Request) -> Response:
    return _export(request, "csv")


@router.get("/export.xlsx")
def export_xlsx(request: Request) -> Response:
    return _export(request, "xlsx")


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response("not found", status_code=404, media_type="text/plain")
    path = STATIC_DIR / name
    return FileResponse(path, media_type=_MEDIA.get(path.suffix, "application/octet-stream"),
                        headers={"Cache-Control": "public, max-age=86400"})
