"""The endpoints that change data (issue "Reliability and security"). Each needs the API key
(:mod:`search_api.security`: 403 while no key is configured, 401 without the right one).

    POST   /api/notices               multipart, one or more ``files`` → the ingest summary, one line per file
    DELETE /api/notices/{notice_id}   → {"ok": true, "deleted": ["3f9a1c2e7b5d4a10"]}
    POST   /api/reindex               → the reindex summary (re-parse every stored notice, switch atomically)

Each calls the library function of the matching CLI command (``indexer.pipeline.ingest_paths``,
``delete_notices``, ``reindex``) with the app's embedder. Writes run one at a time
(:class:`WriteGate`: a second one waits up to :data:`WRITE_WAIT` seconds, then gets 409) in a worker
thread, so searches go on meanwhile.

Embedded backend: the data folder has one writer at a time (its ``writer.lock``). An API process
that only serves keeps no lock: each write opens its own backend on the same folder, writes and
closes it (releasing the lock, so the ``indexer`` CLI can write between two uploads; while the CLI
holds it, a write waits the backend's lock timeout, then gets 409). The app's
own backend sees the new data on its next search, as every embedded reader does (SQLite's
``data_version`` and the ``CURRENT`` file, see indexer/backends/embedded.py); :func:`writing_backend`
also refreshes it at once. An app whose backend already holds the lock (``demo`` ingests the samples
through it) writes through that backend. The memory backend (tests) and Elasticsearch write through
the app's backend.

Uploaded files are saved to a temporary folder under their own (sanitised) names, ingested, then
removed: a stored notice keeps its text, so nothing needs the file afterwards. The report lines name
the files as uploaded; the embedded backend also keeps the JSON-lines report in
``<data folder>/reports``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, Security, UploadFile
from fastapi import Path as PathParam
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from indexer.backends import open_backend
from indexer.backends.base import Backend
from indexer.backends.embedded import EmbeddedBackend
from indexer.errors import IncompatibleIndex, WriterBusy
from indexer.parsing.read import SUFFIXES
from indexer.pipeline import default_report_path, delete_notices, ingest_paths, reindex
from indexer.settings import Settings
from indexer.sources import Origin
from search_api import schemas
from search_api.errors import NotFound
from search_api.security import KEY_HEADER, check_access

log = logging.getLogger("search_api")

T = TypeVar("T")

WRITE_WAIT = 10.0  # seconds a write waits for the one running before it gets 409
MAX_NAME_BYTES = 200  # of an uploaded file's saved name (file systems allow 255)
MAX_NOTICE_ID_CHARS = 200

_api_key = APIKeyHeader(name=KEY_HEADER, auto_error=False,
                        description="the API key (setting api_key); required by every endpoint that changes data")
_bearer = HTTPBearer(auto_error=False, description="the API key as a bearer token (instead of X-API-Key)")


def require_key(request: Request, key: Annotated[str | None, Security(_api_key)] = None,
                bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None) -> None:
    """The same check as the access middleware (which runs first, before the body is read); here it
    also documents the key in the OpenAPI schema."""
    denied = check_access(request.app.state.settings, Headers(scope=request.scope), write=True)
    if denied is not None:
        raise HTTPException(denied.status, denied.message)


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.ErrorResponse, "description": "the request body is malformed"},
    401: {"model": schemas.ErrorResponse, "description": "the API key is missing or not valid"},
    403: {"model": schemas.ErrorResponse, "description": "writes are disabled: no API key is configured"},
    409: {"model": schemas.ErrorResponse, "description": "another write is running (here or in another process), "
                                                         "or the index holds another model's vectors"},
    413: {"model": schemas.ErrorResponse, "description": "the request body is over its limit"},
    422: {"model": schemas.ErrorResponse, "description": "a parameter is missing or has the wrong type"},
    502: {"model": schemas.ErrorResponse, "description": "the backend failed"},
    503: {"model": schemas.ErrorResponse, "description": "backend unavailable or service starting"},
}

router = APIRouter(tags=["admin"], dependencies=[Depends(require_key)], responses=WRITE_ERRORS)


# -- response models --------------------------------------------------------------------------

class IngestedFile(BaseModel):
    name: str = Field(description="the file name as uploaded")
    outcome: str = Field(description="indexed | replaced | updated | skipped | empty | duplicate | failed")
    notice_id: str | None = None
    issues: int = 0
    measures: int = 0
    duplicate_of: str | None = Field(None, description="the stored notice a near-duplicate repeats")
    replaces: str | None = Field(None, description="the stored notice this one replaced (an earlier version: "
                                 "GET /api/notices/{notice_id}/versions)")
    similarity: float | None = None
    reason: str | None = Field(None, description="why it failed, was skipped or is a duplicate")
    warnings: list[str] = Field(default_factory=list, description="parse-quality warnings")


class IngestCounts(BaseModel):
    files: int
    indexed: int
    replaced: int
    updated: int = Field(0, description="already stored, stored again for their new source details")
    skipped: int
    duplicates: int
    empty: int
    failed: int
    issues: int = Field(description="issues in the parsed files, skipped ones included")
    measures: int
    warnings: int
    seconds: float


class IngestResponse(BaseModel):
    ok: bool = Field(description="false (with status 422) when no file could be ingested")
    summary: IngestCounts
    files: list[IngestedFile]
    report: str | None = Field(None, description="name of the JSON-lines report kept in the data folder's reports/ (embedded backend)")
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True,
        "summary": {"files": 2, "indexed": 1, "replaced": 0, "skipped": 1, "duplicates": 0, "empty": 0, "failed": 0,
                    "issues": 44, "measures": 131, "warnings": 0, "seconds": 1.8},
        "files": [{"name": "青禾县人民医院.docx", "outcome": "indexed", "notice_id": "3f9a1c2e7b5d4a10", "issues": 22,
                   "measures": 65, "warnings": []},
                  {"name": "青禾县人民医院（转载）.txt", "outcome": "skipped", "notice_id": "3f9a1c2e7b5d4a10",
                   "issues": 22, "measures": 66, "reason": "same text as 青禾县人民医院.docx, ingested in this run",
                   "warnings": []}],
        "report": "ingest-20250301-101500.jsonl",
    }]})


class DeleteResponse(BaseModel):
    ok: bool = True
    deleted: list[str] = Field(description="the notices removed, with all their issues and measures")
    model_config = ConfigDict(json_schema_extra={"examples": [{"ok": True, "deleted": ["3f9a1c2e7b5d4a10"]}]})


class ReindexResponse(BaseModel):
    ok: bool = True
    notices: int
    issues: int
    measures: int
    changed_ids: int = Field(description="notices whose id changed (the normaliser changed)")
    failed: dict[str, str] = Field(description="notice id → why it no longer parses (kept, without issues)")
    switched_from: str | None = Field(None, description="why the old index was incompatible, if it was")
    seconds: float
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "ok": True, "notices": 6, "issues": 96, "measures": 310, "changed_ids": 0, "failed": {},
        "switched_from": None, "seconds": 3.2}]})


# -- one write at a time ----------------------------------------------------------------------

class WriteGate:
    """Runs data-changing work one at a time, in a worker thread. Waiting is a poll of a
    non-blocking lock from the event loop, so waiting writes hold no thread."""

    def __init__(self, wait: float = WRITE_WAIT) -> None:
        self.wait = wait
        self._lock = threading.Lock()
        self.running: str | None = None
        self._since = 0.0

    async def run(self, what: str, work: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.wait
        while not self._lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise HTTPException(409, f"another write ({self.running or 'starting'}, running for "
                                         f"{time.monotonic() - self._since:.0f} s) is in progress; "
                                         "retry when it has finished")
            await asyncio.sleep(0.05)
        try:
            self.running, self._since = what, time.monotonic()
            # Not cancellable: a client that goes away does not stop a write half-way.
            return await anyio.to_thread.run_sync(work)
        finally:
            self.running = None
            self._lock.release()


@contextmanager
def writing_backend(reader: Backend, settings: Settings) -> Iterator[Backend]:
    """The backend to write through (see the module docstring), refreshed reader afterwards."""
    if not isinstance(reader, EmbeddedBackend) or reader.holds_writer_lock:
        yield reader
        return
    writer = open_backend(settings.with_overrides(backend="embedded", data_dir=str(reader.data_dir)))
    try:
        yield writer
    except WriterBusy as exc:
        # Another process (the indexer CLI) holds the data folder's writer lock: a conflict, not a failure.
        raise HTTPException(409, str(exc).splitlines()[0]) from exc
    finally:
        writer.close()
        reader.refresh()


def _state(request: Request) -> tuple[Settings, Any, WriteGate]:
    holder = request.app.state.search
    return request.app.state.settings, holder.service(), request.app.state.writes


def _translate_incompatible(exc: IncompatibleIndex) -> HTTPException:
    return HTTPException(409, str(exc).splitlines()[0])


# -- upload -----------------------------------------------------------------------------------

def safe_name(name: str | None, n: int) -> str:
    """The last component of an uploaded file's name, without separators or control characters,
    at most :data:`MAX_NAME_BYTES` bytes (suffix kept).

    >>> safe_name("../../etc/关于巡察整改进展情况的通报.docx", 1), safe_name("C:\\\\x\\\\a.txt", 2), safe_name("..", 3)
    ('关于巡察整改进展情况的通报.docx', 'a.txt', 'upload-3')
    >>> safe_name(".txt", 4)  # a name that is only a type
    'upload-4.txt'
    """
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(c for c in base if c.isprintable() and c not in "/\x00").strip()
    if base in ("", ".", ".."):
        return f"upload-{n}"
    if base.startswith(".") and base.count(".") == 1:
        base = f"upload-{n}{base}"
    stem, suffix = os.path.splitext(base)
    if len(suffix.encode()) > 16:
        stem, suffix = base, ""
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def name_problem(saved: Path, given: str) -> str | None:
    """Why a file cannot be read as a notice because its name has no type (None: it has one; an
    unsupported type is explained by the reader, which names the types it reads).

    >>> name_problem(Path("upload-1"), ".."), name_problem(Path("a.pdf"), "a.pdf")
    ("the file name '..' has no type: end it with .docx, .htm, .html, .txt (the type says how to read it)", None)
    """
    if saved.suffix:
        return None
    return f"the file name {given!r} has no type: end it with {', '.join(sorted(SUFFIXES))} (the type says how to read it)"


def _save(uploads: list[UploadFile], folder: Path) -> list[tuple[Path, str]]:
    """Each file in a subfolder of its own (two uploads may share a name): (path, name as uploaded)."""
    saved = []
    for n, upload in enumerate(uploads, 1):
        target = folder / f"{n:03d}" / safe_name(upload.filename, n)
        target.parent.mkdir()
        upload.file.seek(0)
        with target.open("wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        saved.append((target, upload.filename or target.name))
    return saved


def _file_lines(report: Path, names: dict[str, str], folder: Path) -> list[dict[str, Any]]:
    """The report lines, in upload order, with uploaded names instead of temporary paths."""
    lines = []
    prefix = str(folder)
    order = {source: n for n, source in enumerate(names)}
    for line in report.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        source = entry.pop("source")
        entry["_order"] = order.get(source, len(order))
        entry["name"] = names.get(source, os.path.basename(source))
        problem = name_problem(Path(source), entry["name"]) if entry.get("outcome") == "failed" else None
        if problem:
            entry["reason"] = problem
        elif entry.get("reason"):
            for path, name in names.items():
                entry["reason"] = entry["reason"].replace(path, name)
            entry["reason"] = entry["reason"].replace(prefix, "(upload)")
        lines.append(entry)
    lines.sort(key=lambda e: e.pop("_order"))
    return lines


def upload_origins(sources: list[str] | None, count: int) -> list[Origin | None]:
    """The origin of each of ``count`` uploaded files from the ``source`` fields: none, one for
    every file, or one per file in order (an empty one: none for that file)."""
    given = [Origin.given(s) for s in sources or []]
    if not given:
        return [None] * count
    if len(given) == 1:
        return given * count
    if len(given) != count:
        raise HTTPException(422, f"source: give one for all files or one per file ({count}), not {len(given)}")
    return given


def ingest_uploads(uploads: list[UploadFile], settings: Settings, service: Any,
                    origins: list[Origin | None]) -> dict[str, Any]:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    with tempfile.TemporaryDirectory(prefix=f"xuncha-upload-{stamp}-") as tmp:
        folder = Path(tmp)
        saved = _save(uploads, folder)
        names = {os.path.abspath(path): name for path, name in saved}
        with writing_backend(service.backend, settings) as backend:
            kept = isinstance(backend, EmbeddedBackend)
            report = (default_report_path(settings.with_overrides(data_dir=str(backend.data_dir))) if kept
                      else folder / "report.jsonl")
            try:
                given = {str(path): origin for (path, _), origin in zip(saved, origins, strict=True) if origin}
                summary = ingest_paths([path for path, _ in saved], settings, backend=backend,
                                       embedder=service.embedder, progress=False, report_path=report,
                                       origins=given)
            except IncompatibleIndex as exc:
                raise _translate_incompatible(exc) from exc
        files = _file_lines(report, names, folder)
    counts = {k: getattr(summary, k) for k in ("files", "indexed", "replaced", "updated", "skipped", "duplicates", "empty",
                                               "failed", "issues", "measures", "warnings")}
    counts["seconds"] = round(summary.seconds.get("total", 0.0), 3)
    # the report's name in the data folder's reports/, never the folder's path on this server
    return {"ok": summary.ok, "summary": counts, "files": files, "report": report.name if kept else None}


@router.post("/api/notices", response_model=IngestResponse, summary="Upload notices: parse, index, one outcome per file",
             responses={200: {"description": "every file has an outcome; some may have failed"},
                        422: {"model": schemas.ErrorResponse,
                              "description": "no file could be ingested (the body also has the per-file outcomes)"}})
async def upload_notices(
    request: Request,
    files: Annotated[list[UploadFile], File(description="notice files: .txt, .docx, .html (UTF-8 or GBK/GB18030); "
                                                        "the whole request at most max_upload_mb")],
    source: Annotated[list[str] | None, Form(
        description="where the notices were published: the URL of the original (http or https) or a name "
                    "(青禾县人民政府网站); one for every file, or one per file in order")] = None,
) -> Any:
    settings, service, gate = _state(request)
    if not files:
        raise HTTPException(422, "files: give at least one notice file")
    origins = upload_origins(source, len(files))
    body = await gate.run(f"upload of {len(files)} file(s)",
                          lambda: ingest_uploads(files, settings, service, origins))
    if not body["ok"]:
        reasons = [f"{f['name']}: {f.get('reason') or f['outcome']}" for f in body["files"] if f["outcome"] == "failed"]
        message = f"none of the {len(body['files'])} file(s) could be ingested"
        if reasons:
            message += f" ({'; '.join(reasons[:3])}{' …' if len(reasons) > 3 else ''})"
        return JSONResponse({**body, "error": message, "status": 422}, status_code=422)
    return body


# -- delete, reindex --------------------------------------------------------------------------

@router.delete("/api/notices/{notice_id}", response_model=DeleteResponse,
               responses={404: {"model": schemas.ErrorResponse, "description": "no such notice"}},
               summary="Delete a notice with all its issues and measures")
async def delete_notice(
    request: Request,
    notice_id: Annotated[str, PathParam(description="notice id", examples=["3f9a1c2e7b5d4a10"])],
) -> Any:
    settings, service, gate = _state(request)
    missing = NotFound(f"no notice with id {notice_id!r}")
    if len(notice_id) > MAX_NOTICE_ID_CHARS:
        raise missing
    if not await anyio.to_thread.run_sync(service.backend.has_notice, notice_id):
        raise missing  # asked of the app's backend: no writer is opened for nothing

    def work() -> list[str]:
        with writing_backend(service.backend, settings) as backend:
            if not backend.has_notice(notice_id):  # deleted meanwhile
                raise missing
            return list(delete_notices([notice_id], settings, backend=backend).deleted)

    return {"ok": True, "deleted": await gate.run(f"deletion of notice {notice_id}", work)}


@router.post("/api/reindex", response_model=ReindexResponse,
             summary="Re-parse every stored notice and rebuild the index (the old one serves until the switch)")
async def reindex_all(request: Request) -> Any:
    settings, service, gate = _state(request)

    def work() -> dict[str, Any]:
        with writing_backend(service.backend, settings) as backend:
            try:
                summary = reindex(settings, backend=backend, embedder=service.embedder, progress=False)
            except IncompatibleIndex as exc:
                raise _translate_incompatible(exc) from exc
        data = summary.to_dict()
        data.pop("vector_cache", None)
        data["seconds"] = round(data["seconds"], 3)
        return {"ok": True, **data}

    return await gate.run("reindex", work)


def install(app: FastAPI) -> None:
    """Add the endpoints and the app's write gate."""
    app.state.writes = WriteGate()
    app.include_router(router)


WRITE_ROUTES = router.routes
UPLOAD_ROUTES = [r for r in router.routes if getattr(r, "name", None) == "upload_notices"]
