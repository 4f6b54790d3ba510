"""The FastAPI service: JSON endpoints under ``/api/…`` plus ``/healthz`` and ``/readyz``.

``/`` is left to the web page (Jinja templates in ``search_api/templates``), which calls the same
core: ``app.state.search.service()`` is the :class:`~search_api.search.SearchService`.

Every error is ``{"ok": false, "error": message, "status": code}``: invalid input 400 (422 when a
parameter has the wrong type), unknown ids 404, a backend that cannot be reached 503; no stack
trace ever reaches a client. The endpoints that change data are in ``admin.py``; the API key
(401 / 403), body limits (413) and CORS in ``security.py``.
"""


import inspect
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from indexer.backends.base import Backend
from indexer.categories import TAXONOMY
from indexer.embed import Embedder
from indexer.errors import BadQuery, XunchaError
from indexer.fields import FILTERS, Filter
from indexer.settings import Settings
from indexer.types import Target
from search_api import heap, schemas
from search_api.admission import Admission
from search_api.errors import NotReady, message_of, status_of
from search_api.families import families_of
from search_api.fuse import FUSERS
from search_api.parse import (
    EXCLUDE_PARAMS,
    Mode,
    Scope,
    Sort,
    parse_search_request,
    parse_similar_request,
    range_params,
)
from search_api.search import SearchService
from search_api.settings import ApiSettings, load_api_settings

log = logging.getLogger("search_api")

API_VERSION = "1"


def open_backend(settings: Settings) -> Backend:
    """The configured backend."""
    from indexer.backends import open_backend as opener

    return opener(settings)


def load_embedder(settings: Settings, backend: Backend | None = None) -> Embedder:
    """The configured embedding model (``settings.model``; ``hashing`` for a model-free run),
    loaded once per process; uploads embed passages through ``backend``'s vector cache."""
    from indexer.embed import open_embedder

    return open_embedder(settings, backend=backend)


class ServiceHolder:
    """Owns the search service of one app: built at once from a given backend and embedder, or
    loaded in a background thread at start-up (so ``/healthz`` answers while the model loads)."""

    def __init__(self, settings: Settings, backend: Backend | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._backend = backend
        self._embedder = embedder
        self._service: SearchService | None = None
        self._thread: threading.Thread | None = None
        self._owns_backend = backend is None
        self._settle_heap = False  # a serving process: search_api.heap once loaded
        self.status = "loading"
        self.detail: str | None = "loading the search backend and the embedding model"
        if backend is not None and embedder is not None:
            self._ready(SearchService(settings, backend, embedder))

    def _ready(self, service: SearchService) -> None:
        self._service = service
        self.status, self.detail = "ready", None

    def load(self) -> None:
        """Open the backend and load the model now (in the calling thread)."""
        if self._service is not None:
            return
        try:
            backend = self._backend or open_backend(self.settings)
            self._backend = backend
            embedder = self._embedder or load_embedder(self.settings, backend)
            self._embedder = embedder
            service = SearchService(self.settings, backend, embedder)
            self.detail = "warming up (tokeniser, model)"
            service.warm_up()
            self._ready(service)
            if self._settle_heap:
                heap.settle()
        except XunchaError as exc:
            self.status, self.detail = "failed", message_of(exc)
            log.error("search service failed to load: %s", self.detail)
        except Exception as exc:  # noqa: BLE001 - reported through /readyz, never raised into a request
            self.status, self.detail = "failed", f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            log.exception("search service failed to load")

    def settle_heap(self) -> None:
        """Once the service has loaded (now, if it has), freeze it out of the garbage collector's
        scans (:func:`search_api.heap.settle`): for the process that serves it, not a test's."""
        self._settle_heap = True
        if self._service is not None:
            heap.settle()

    def start(self) -> None:
        """Load in the background unless already loaded or loading."""
        if self._service is None and self._thread is None:
            self._thread = threading.Thread(target=self.load, name="search-load", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def service(self) -> SearchService:
        if self._service is None:
            if self.status == "failed":
                raise NotReady(f"the search service failed to start: {self.detail}")
            raise NotReady("the search service is starting (loading the index and the embedding model); "
                           "retry in a few seconds")
        return self._service

    def close(self) -> None:
        if self._service is not None:
            self._service.close()
        if self._owns_backend and self._backend is not None:
            self._backend.close()


def _error(status: int, message: str, **detail: Any) -> JSONResponse:
    """The error body; ``detail`` says which parameter was wrong and how (400)."""
    return JSONResponse(jsonable_encoder({"ok": False, "error": message, "status": status, **detail}),
                        status_code=status)


def multipart_message(exc: MultiPartException) -> str:
    """What was wrong with a multipart body, for the person who sent it (Starlette says only
    "Invalid multipart data"; the parser's reason is its cause)."""
    reason = str(exc.__cause__ or exc.message).strip().rstrip(".")
    return (f"the upload could not be read as multipart form data ({reason}): each part's headers, the file "
            "name included, are limited to 4 KB; give files names of at most 200 characters")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body")]
        parts.append(f"{'.'.join(where) or 'request'}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


ERRORS = {400: {"model": schemas.ErrorResponse, "description": "invalid input"},
          422: {"model": schemas.ErrorResponse, "description": "a parameter has the wrong type"},
          503: {"model": schemas.ErrorResponse, "description": "backend unavailable or service starting"}}
NOT_FOUND = {404: {"model": schemas.ErrorResponse, "description": "no such id"}}

_Q_EXAMPLES = {
    "keyword": {"summary": "a keyword", "value": "医保基金"},
    "description": {"summary": "a problem described in other words", "value": "医生开大处方、做过度检查，合理用药监管缺位"},
    "concept": {"summary": "a concept no notice names", "value": "形式主义"},
}
_MEASURE_Q_EXAMPLES = {
    "measure": {"summary": "a measure taken elsewhere", "value": "签订廉洁承诺书"},
    "description": {"summary": "a measure described", "value": "上线医保智能审核提醒系统，从源头防范违规用药和收费"},
}


def _filter_signature() -> inspect.Signature:
    """One query parameter per registry filter (two for a range), plus the exclusions."""
    def param(name: str, annotation: Any, description: str) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                 annotation=Annotated[annotation, Query(description=description)])

    params = []
    for f in FILTERS:
        if f.is_range:
            start, end = range_params(f)
            kind, what = (str | None, "the notice's date, 2024, 2024-03 or 2024-03-05") if f.filter is Filter.DATES \
                else (int | None, f.doc)
            params += [param(start, kind, f"{what}: from (inclusive)"), param(end, kind, f"{what}: to (inclusive)")]
            continue
        values = f" — one of {' | '.join(f.allowed)}" if f.allowed else ""
        params.append(param(f.request_param, list[str] | None,
                            f"{f.label} {f.doc}{values}; repeat or comma-separate for several"))
    params += [param(name, list[str] | None, f"leave out this {stored}") for name, stored in EXCLUDE_PARAMS.items()]
    return inspect.Signature(params, return_annotation=dict[str, Any])


async def filter_params(**params: Any) -> dict[str, Any]:
    """The filter parameters of a request (their declaration is :func:`_filter_signature`).

    ``async`` (as :func:`create_app`'s ranking parameters): a plain ``def`` dependency is run on
    the thread pool, a hand-off each (~0.15 ms of CPU) for returning its arguments."""
    return params


filter_params.__signature__ = _filter_signature()  # type: ignore[attr-defined]


def create_app(settings: Settings | None = None, backend: Backend | None = None,
               embedder: Embedder | None = None) -> FastAPI:
    """The app. Given a backend and an embedder it is ready at once (tests, ``demo``); otherwise
    it opens the configured backend and loads the model in the background at start-up."""
    settings = ApiSettings.of(settings) if settings is not None else load_api_settings()
    holder = ServiceHolder(settings, backend, embedder)
    admission = Admission(settings.search_slots)  # the searches this process runs at once (admission.py)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder.start()
        try:
            yield
        finally:
            holder.close()

    app = FastAPI(
        title="xuncha-search API",
        version=API_VERSION,
        description="Hybrid (BM25 + dense vector) search over the issues and measures of "
                    "巡察整改进展情况通报 notices. Errors are `{ok: false, error, status}`.",
        lifespan=lifespan,
    )
    app.state.search = holder
    app.state.settings = settings
    app.state.admission = admission

    @app.exception_handler(XunchaError)
    async def domain_error(request: Request, exc: XunchaError) -> JSONResponse:
        if isinstance(exc, BadQuery) and exc.field:
            return _error(status_of(exc), message_of(exc), field=exc.field, code=exc.code.value, got=exc.got,
                          limits=exc.limits)
        return _error(status_of(exc), message_of(exc))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.url.path}"
        if isinstance(exc.__context__, MultiPartException):  # Starlette could not read the form
            message = multipart_message(exc.__context__)
        return _error(exc.status_code, message)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return _error(500, "internal error; the server log has the details")

    page_doc = f"1-based page; page × size ≤ {settings.max_result_window}"
    size_doc = f"hits per page, 1 to {settings.max_page_size}"
    q_doc = f"the text to search for, at most {settings.max_query_chars} characters (never parsed as syntax)"
    facets_doc = ("counts per value of the filter fields over exactly the ranked result list (the `total` hits the "
                  "pages are cut from): clicking a value gives the count it shows")
    fusion_doc = f"fusion of the ranked lists: {' | '.join(FUSERS)} (default: setting fusion = {settings.fusion})"

    async def ranking_params(
        mode: Annotated[Mode, Query(description="hybrid (both legs fused) | lexical (BM25) | semantic (vectors)")] = Mode.HYBRID,
        page: Annotated[int, Query(description=page_doc)] = 1,
        size: Annotated[int, Query(description=size_doc)] = 10,
        collapse: Annotated[bool, Query(description="best hit per institution, with a count of the others")] = False,
        fusion: Annotated[str | None, Query(description=fusion_doc)] = None,
        sort: Annotated[Sort, Query(description="relevance (the fused ranking) | date (the notice's date, newest "
                                                "first; equal dates keep their rank, undated last)")] = Sort.RELEVANCE,
    ) -> dict[str, Any]:
        return {"mode": mode, "page": page, "size": size, "collapse": collapse, "fusion": fusion, "sort": sort}

    Ranking = Annotated[dict[str, Any], Depends(ranking_params)]
    Filtering = Annotated[dict[str, Any], Depends(filter_params)]
    # The search endpoints are async and hand the search itself to the thread pool once admitted: FastAPI
    # runs a plain def endpoint there and then its response validation there too, a hop each (~0.15 ms of
    # CPU under load); parsing and validating stay on the event loop (docs/scaling.md, session 8).

    @app.get("/api/search", response_model=schemas.IssueSearchResponse, responses=ERRORS, tags=["search"],
             summary="Search issues (problems)")
    async def search_issues(
        filters: Filtering, ranking: Ranking,
        q: Annotated[str | None, Query(description=q_doc, openapi_examples=_Q_EXAMPLES)] = None,
        facets: Annotated[bool, Query(description=facets_doc)] = True,
    ) -> dict[str, Any]:
        request = parse_search_request(settings, q=q, facets=facets, **ranking, **filters)
        return await admission.run(lambda: holder.service().search_issues(request).to_dict())

    @app.get("/api/measures/search", response_model=schemas.MeasureSearchResponse, responses=ERRORS,
             tags=["search"], summary="Search measures (what institutions did), with their issue and institution")
    async def search_measures(
        filters: Filtering, ranking: Ranking,
        q: Annotated[str | None, Query(description=q_doc, openapi_examples=_MEASURE_Q_EXAMPLES)] = None,
        facets: Annotated[bool, Query(description=facets_doc)] = False,
    ) -> dict[str, Any]:
        request = parse_search_request(settings, q=q, facets=facets, **ranking, **filters)
        return await admission.run(lambda: holder.service().search_measures(request).to_dict())

    @app.get("/api/issues/{issue_id}", response_model=schemas.IssueResponse, responses={**ERRORS, **NOT_FOUND},
             tags=["documents"], summary="One issue")
    def get_issue(issue_id: str = Path(..., description="issue id: <notice id>-<seq, 3 digits>",
                                       examples=["3f9a1c2e7b5d4a10-015"])) -> dict[str, Any]:
        issue = holder.service().get_issue(issue_id)
        issue["family_id"] = families_of(app.state).family_of(issue_id)  # its problem family (共性问题), if any
        return {"ok": True, "issue": issue}

    @app.get("/api/issues/{issue_id}/similar", response_model=schemas.SimilarResponse,
             responses={**ERRORS, **NOT_FOUND}, tags=["search"],
             summary="Issues similar to this one (query-by-example), other institutions by default")
    async def similar_issues(
        filters: Filtering, ranking: Ranking,
        issue_id: Annotated[str, Path(description="the source issue", examples=["3f9a1c2e7b5d4a10-015"])],
        scope: Annotated[Scope, Query(description="other_institutions (default) | other_notices "
                             "(leave out the source's notice) | all (only the source issue itself is left out)")] = Scope.OTHER_INSTITUTIONS,
        facets: Annotated[bool, Query(description=facets_doc)] = False,
        target: Annotated[Target, Query(description="issues (similar issues) | measures (the measure items of "
                                                     "similar issues, ranked as measures)")] = Target.ISSUES,
    ) -> dict[str, Any]:
        request = parse_similar_request(settings, issue_id=issue_id, scope=scope, facets=facets, target=target,
                                        **ranking, **filters)
        return await admission.run(lambda: holder.service().similar_issues(request).to_dict())

    @app.get("/api/measures/{measure_id}", responses={**ERRORS, **NOT_FOUND}, tags=["documents"],
             summary="One measure item", response_model=schemas.MeasureResponse)
    def get_measure(measure_id: str = Path(..., description="measure id: <issue id>-m<n>",
                                           examples=["3f9a1c2e7b5d4a10-015-m2"])) -> dict[str, Any]:
        return {"ok": True, "measure": holder.service().get_measure(measure_id)}

    @app.get("/api/notices/{notice_id}", response_model=schemas.NoticeResponse,
             responses={**ERRORS, **NOT_FOUND}, tags=["documents"],
             summary="A notice: metadata, its issues in order, the parse-quality report")
    def get_notice(
        notice_id: Annotated[str, Path(description="notice id (hash of its normalised text)", examples=["3f9a1c2e7b5d4a10"])],
        include_text: Annotated[bool, Query(description="also return the normalised notice text")] = False,
    ) -> dict[str, Any]:
        return holder.service().get_notice(notice_id, include_text=include_text)

    @app.get("/api/stats", response_model=schemas.StatsResponse, responses=ERRORS, tags=["service"],
             summary="Counts, model id, dictionary version, backend")
    def stats() -> dict[str, Any]:
        return holder.service().stats()

    @app.get("/api/categories", response_model=schemas.CategoriesResponse, tags=["service"],
             summary="The topic taxonomy (keys used by the category filter and facet)")
    def categories() -> dict[str, Any]:
        return {"ok": True, "categories": [
            {"key": k, "label": v["label"], "description": v["description"]} for k, v in TAXONOMY.items()]}

    @app.get("/healthz", response_model=schemas.HealthResponse, tags=["service"], summary="The process is alive")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "status": "alive"}

    @app.get("/readyz", response_model=schemas.ReadyResponse, tags=["service"],
             responses={503: {"model": schemas.ReadyResponse, "description": "not ready yet, or failed to load"}},
             summary="Ready to search: index open and embedding model loaded")
    def readyz() -> Any:
        if holder.status == "ready":
            try:
                holder.service().backend.info()
            except XunchaError as exc:
                return JSONResponse({"ok": False, "status": "unavailable", "detail": message_of(exc)}, status_code=503)
            return {"ok": True, "status": "ready", "detail": None}
        return JSONResponse({"ok": False, "status": holder.status, "detail": holder.detail}, status_code=503)

    from search_api import admin, family_api, family_pages, pages, security, signin, upload_page, versions_api

    app.include_router(family_api.router)  # problem families: /api/common-problems
    app.include_router(versions_api.router)  # /api/notices/{id}/versions
    app.include_router(family_pages.router)  # the 共性问题 pages and the 整改台账 exports
    app.include_router(pages.router)  # the web page (/, /notices/…, /export.*): same core, HTML
    app.include_router(upload_page.router)  # /upload: drop files, see each one's outcome
    app.include_router(signin.router)  # /login: the key for a session cookie (browsers cannot send headers)
    admin.install(app)  # upload, delete, reindex: the endpoints that change data
    security.install(app, settings, write_routes=[*admin.WRITE_ROUTES, *upload_page.WRITE_ROUTES],
                     upload_routes=[*admin.UPLOAD_ROUTES, *upload_page.WRITE_ROUTES])
    return app
