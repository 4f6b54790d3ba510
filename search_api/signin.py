"""Sign-in for browsers: a browser cannot send the API key header, so ``/login`` takes the key
once and answers with a session cookie (:func:`search_api.security.session_token`: HttpOnly,
Secure, SameSite=Strict, 12 hours) that the access check accepts wherever the key is accepted.

* ``GET  /login?next=/…``  the form (where a protected page sends a browser without a session)
* ``POST /login``          ``key`` and ``next`` (form fields) → 303 to ``next`` with the cookie, or
                           the form again with 401
* ``POST /logout``         the cookie cleared → 303 to ``/login``
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from search_api.page_state import PageState
from search_api.pages import render_page
from search_api.security import SESSION_COOKIE, SESSION_SECONDS, SIGN_IN_PATH, key_is_valid, session_token

router = APIRouter(include_in_schema=False)

FAILED_WAIT = 0.5  # seconds a wrong key waits for its answer (slows guessing)
MAX_KEY_CHARS = 1000


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host).

    >>> safe_next("/?q=医保"), safe_next("https://evil.example/"), safe_next("//evil.example"), safe_next(None)
    ('/?q=医保', '/', '/', '/')
    """
    target = (target or "").strip()
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return "/"
    return target


def _form(request: Request, *, next_url: str, status: int = 200, error: str | None = None) -> HTMLResponse:
    configured = bool(request.app.state.settings.api_key)
    return render_page(request, "login.html", {"state": PageState(), "next": next_url, "error": error,
                                           "configured": configured}, status if configured else 403)


@router.get(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in_page(request: Request, next: str | None = None) -> HTMLResponse:  # noqa: A002 - the URL's name
    return _form(request, next_url=safe_next(next))


@router.post(SIGN_IN_PATH)
async def sign_in(request: Request) -> Response:
    form: Any = await request.form()
    next_url = safe_next(str(form.get("next") or "/"))
    key = str(form.get("key") or "")[:MAX_KEY_CHARS]
    expected = request.app.state.settings.api_key
    if not expected:
        return _form(request, next_url=next_url)
    if not key_is_valid(key, expected):
        await asyncio.sleep(FAILED_WAIT)
        return _form(request, next_url=next_url, status=401, error="密钥不正确，请重新输入。")
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(SESSION_COOKIE, session_token(expected), max_age=SESSION_SECONDS, path="/",
                        secure=True, httponly=True, samesite="strict")
    return response


@router.post("/logout")
def sign_out() -> Response:
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response
