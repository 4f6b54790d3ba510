"""Access control and request limits (issue "Reliability and security"), as ASGI middleware so
that a request is judged before its body is read.

* **Writes** — the routes of :mod:`search_api.admin` (upload, delete, reindex) — need the API key
  (setting ``api_key``), sent as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>`` and
  compared in constant time. With no key configured they are disabled (403): never open by default.
* **Reads** — every other route, web pages and ``/docs`` included — need the same key when
  ``protect_reads`` is set; ``/healthz`` and ``/readyz`` always stay open (probes carry no key).
* **Body limits**, counted while the body streams in (a client can lie about or omit
  ``Content-Length``): ``max_upload_mb`` for uploads, ``max_body_kb`` for everything else; over the
  limit the answer is 413 and the rest of the body is not read.
* **CORS** (Starlette's CORSMiddleware) only when ``cors_origins`` is set: closed by default.
* **URL length**: a URL over :data:`MAX_URL_BYTES` gets 414 (the server reads request heads up to
  :data:`MAX_HEAD_BYTES`, so long URLs get this answer instead of a reset connection).
* **Headers on every answer**: a Content-Security-Policy (own scripts, styles and images only; no
  inline code, no framing), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
  ``Referrer-Policy: same-origin``. The interactive API docs (``/docs``, ``/redoc``) load their
  viewer from a CDN and keep the browser's defaults there.
* **Sign-in** (:mod:`search_api.signin`): a browser cannot send the key header, so ``/login``
  trades the key for a session cookie, accepted wherever the key is.

Errors have the API's shape: ``{"ok": false, "error": message, "status": code}``.

    >>> key_is_valid("s3cret", "s3cret"), key_is_valid("s3cre", "s3cret"), key_is_valid(None, "s3cret")
    (True, False, False)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search_api.settings import ApiSettings

log = logging.getLogger("search_api")

KEY_HEADER = "X-API-Key"
SESSION_COOKIE = "xuncha_session"
SESSION_SECONDS = 12 * 3600
SIGN_IN_PATH = "/login"
# Probes carry no key; the sign-in page and what it shows (CSS, icon) must open without one.
OPEN_PATHS = frozenset({"/healthz", "/readyz", SIGN_IN_PATH, "/favicon.ico"})
OPEN_PREFIXES = ("/static/",)
MAX_URL_BYTES = 32 * 2**10  # path + query string; a search's URL is a few KB at most
MAX_HEAD_BYTES = 2**20  # request line + headers the server reads (uvicorn's h11 limit), so a long URL reaches us
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
CORS_METHODS = ["GET", "POST", "DELETE"]
CORS_HEADERS = [KEY_HEADER, "Authorization", "Content-Type"]

KEY_MISSING = (f"this endpoint needs the API key: send it in the {KEY_HEADER} header "
               "(or as Authorization: Bearer <key>)")
KEY_INVALID = "the API key sent is not valid"
WRITES_DISABLED = ("writes are disabled on this server because no API key is configured: set the api_key "
                   f"setting (environment variable XUNCHA_API_KEY) and send the key in the {KEY_HEADER} header "
                   "to upload, delete or reindex notices")
READS_MISCONFIGURED = ("reads are protected (setting protect_reads) but no API key is configured: set the "
                       "api_key setting (environment variable XUNCHA_API_KEY)")


@dataclass(frozen=True, slots=True)
class Denied:
    """Why a request is refused: status and message."""

    status: int
    message: str


def presented_key(headers: Headers) -> str | None:
    """The key a request carries: ``X-API-Key``, else ``Authorization: Bearer <key>``."""
    key = headers.get(KEY_HEADER)
    if key:
        return key.strip()
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def key_is_valid(given: str | None, expected: str) -> bool:
    """Constant-time comparison (of digests, so the time does not depend on the lengths either)."""
    if given is None:
        return False
    digest = hashlib.sha256
    return hmac.compare_digest(digest(given.encode("utf-8", "surrogateescape")).digest(),
                               digest(expected.encode("utf-8", "surrogateescape")).digest())


def session_token(key: str, now: float | None = None) -> str:
    """A session cookie's value: its expiry and an HMAC of it under the API key (so changing the
    key ends every session; the key itself never leaves the server)."""
    expires = int(time.time() if now is None else now) + SESSION_SECONDS
    return f"{expires}.{_session_mac(key, expires)}"


def _session_mac(key: str, expires: int) -> str:
    return hmac.new(key.encode("utf-8", "surrogateescape"), f"xuncha-session:{expires}".encode(),
                    hashlib.sha256).hexdigest()


def session_is_valid(token: str | None, key: str, now: float | None = None) -> bool:
    """Whether a session cookie was made with this key and has not expired.

    >>> token = session_token("s3cret", now=1000.0)
    >>> session_is_valid(token, "s3cret", now=2000.0), session_is_valid(token, "other", now=2000.0)
    (True, False)
    >>> session_is_valid(token, "s3cret", now=1000.0 + SESSION_SECONDS + 1), session_is_valid("x.y", "s3cret")
    (False, False)
    """
    expires, _, mac = (token or "").partition(".")
    if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(mac, _session_mac(key, int(expires)))


def presented_session(headers: Headers) -> str | None:
    """The session cookie a request carries, if any."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


def check_access(settings: ApiSettings, headers: Headers, *, write: bool) -> Denied | None:
    """None when the request may go on, else why not. The key (header) or a session cookie of
    the sign-in page both count."""
    if not settings.api_key:
        if write:
            return Denied(403, WRITES_DISABLED)
        return Denied(403, READS_MISCONFIGURED) if settings.protect_reads else None
    if not write and not settings.protect_reads:
        return None
    given = presented_key(headers)
    if given is None:
        if session_is_valid(presented_session(headers), settings.api_key):
            return None
        return Denied(401, KEY_MISSING)
    if not key_is_valid(given, settings.api_key):
        return Denied(401, KEY_INVALID)
    return None


def _matches(routes: Iterable[BaseRoute], scope: Scope) -> bool:
    """Whether a route matches the request's path and method (Starlette's own matching)."""
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def _error_response(status: int, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"ok": False, "error": message, "status": status}, status_code=status, headers=headers)


class AccessMiddleware:
    """Refuses writes without the key, and reads too when ``protect_reads`` is set."""

    def __init__(self, app: ASGIApp, settings: ApiSettings, write_routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.settings = settings
        self.write_routes = list(write_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            write = _matches(self.write_routes, scope)
            path = scope["path"]
            if write or not (path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)):
                headers = Headers(scope=scope)
                denied = check_access(self.settings, headers, write=write)
                if denied is not None:
                    if denied.status == 401 and _wants_page(scope, headers):
                        # a person in a browser: to the sign-in page, and back here afterwards
                        target = path + (f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else "")
                        location = f"{SIGN_IN_PATH}?{urlencode({'next': target})}"
                        await RedirectResponse(location, status_code=303)(scope, receive, send)
                        return
                    await _error_response(denied.status, denied.message)(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _wants_page(scope: Scope, headers: Headers) -> bool:
    """A browser asking for a page (not the JSON API)."""
    return (scope["method"] == "GET" and not scope["path"].startswith("/api/")
            and "text/html" in headers.get("accept", ""))


class UrlLimitMiddleware:
    """414 for a URL over :data:`MAX_URL_BYTES`, before anything parses its query."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string") or b"")
            if size > MAX_URL_BYTES:
                message = (f"the URL is {_size(size)} long, over the {_size(MAX_URL_BYTES)} limit: send fewer or "
                           "shorter parameters (the search text goes in q, at most a few thousand characters)")
                await _error_response(414, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """Adds the security headers (see the module docstring) to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(DOCS_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not docs:
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """The request body is over its limit (413). An HTTPException, so that FastAPI's body parsing
    passes it on instead of calling it a malformed body (400)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} KB"


class BodyLimitMiddleware:
    """413 once a body passes its limit: at once from ``Content-Length``, else while counting the
    chunks as the app reads them (chunked uploads have no length to trust)."""

    def __init__(self, app: ASGIApp, settings: ApiSettings, upload_routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.upload_routes = list(upload_routes)
        self.upload_limit = int(settings.max_upload_mb * 2**20)
        self.body_limit = int(settings.max_body_kb * 2**10)

    def limit(self, scope: Scope) -> tuple[int, str]:
        if _matches(self.upload_routes, scope):
            return self.upload_limit, (f"the upload is larger than the {_size(self.upload_limit)} limit "
                                       "(setting max_upload_mb): send fewer or smaller files per request")
        return self.body_limit, (f"the request body is larger than the {_size(self.body_limit)} limit "
                                 "(setting max_body_kb)")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, message = self.limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error_response(413, message)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message_ = await receive()
            if message_["type"] == "http.request":
                received += len(message_.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(message)
            return message_

        async def tracking_send(message_: Message) -> None:
            nonlocal started
            if message_["type"] == "http.response.start":
                started = True
            await send(message_)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:  # read outside FastAPI's handlers (a plain Starlette route)
            if started:
                raise
            await _error_response(413, str(exc.detail))(scope, receive, send)


def cors_origins(settings: ApiSettings) -> list[str]:
    """``"https://a.example, https://b.example"`` → the two origins; empty: CORS stays closed."""
    return [o.strip() for o in settings.cors_origins.split(",") if o.strip()]


def install(app: FastAPI, settings: ApiSettings, *, write_routes: Sequence[BaseRoute],
            upload_routes: Sequence[BaseRoute]) -> None:
    """Add the middleware. The last added runs first: the security headers (on every answer, the
    refusals too), the URL limit, CORS (answers preflights, which carry no key), then access
    (before any body is read), then the body limits."""
    app.add_middleware(BodyLimitMiddleware, settings=settings, upload_routes=upload_routes)
    app.add_middleware(AccessMiddleware, settings=settings, write_routes=write_routes)
    origins = cors_origins(settings)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=CORS_METHODS,
                           allow_headers=CORS_HEADERS, allow_credentials=False, max_age=600)
    app.add_middleware(UrlLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    if settings.protect_reads and not settings.api_key:
        log.warning(READS_MISCONFIGURED)
