"""Errors of the search service and the HTTP status each domain error maps to.

One handler (``app.py``) turns any of them into ``{"ok": false, "error": message, "status": code}``;
the message is written for the person who sent the request and never carries a stack trace.
"""

from __future__ import annotations

from indexer.errors import (
    BackendError,
    BackendUnavailable,
    BadQuery,
    ConfigError,
    IncompatibleIndex,
    ParseError,
    ReadError,
    ReadOnlyIndex,
    XunchaError,
)


class NotFound(XunchaError):
    """An issue, measure or notice asked for by id does not exist."""


class NotReady(BackendUnavailable):
    """The service is still loading (backend, embedding model) or failed to load."""


# Most specific first: the first class an error is an instance of gives its status.
STATUS_OF: tuple[tuple[type[XunchaError], int], ...] = (
    (NotFound, 404),
    (BadQuery, 400),
    (ReadError, 400),
    (ParseError, 400),
    (ReadOnlyIndex, 409),  # a read-only data folder: searching works, writing cannot
    (IncompatibleIndex, 503),
    (BackendUnavailable, 503),
    (BackendError, 502),
    (ConfigError, 500),
    (XunchaError, 500),
)


def status_of(error: XunchaError) -> int:
    for cls, status in STATUS_OF:
        if isinstance(error, cls):
            return status
    return 500  # pragma: no cover - XunchaError is last in the table


def message_of(error: XunchaError) -> str:
    """What the client is told. Backend failures get a fixed sentence plus the backend's own
    one-line reason; nothing multi-line (tracebacks) passes."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, NotReady):
        return text or "the search service is starting; retry in a few seconds"
    if isinstance(error, BackendUnavailable) and not isinstance(error, IncompatibleIndex):
        return f"the search backend is unavailable, retry later ({text})" if text else \
            "the search backend is unavailable, retry later"
    if isinstance(error, BackendError) and not isinstance(error, IncompatibleIndex | ReadOnlyIndex):
        return f"the search backend failed ({text})" if text else "the search backend failed"
    return text or error.__class__.__name__
