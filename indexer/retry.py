"""Retrying backend calls that fail because the backend is unreachable or overloaded
(:class:`~indexer.errors.BackendUnavailable`), with exponential back-off.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from indexer.backends.base import Backend
from indexer.errors import BackendUnavailable
from indexer.settings import Settings

log = logging.getLogger(__name__)

MAX_RETRY_BACKOFF = 60.0  # seconds: the longest wait between two retries of a backend call


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryParams:
    """How a backend call that failed with BackendUnavailable is retried."""

    retries: int = 5
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_backoff: float = MAX_RETRY_BACKOFF

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryParams:
        return cls(retries=max(0, settings.backend_retries), backoff=max(0.0, settings.backend_retry_backoff))


def backend_location(backend: Any) -> str:
    """"the elasticsearch backend at http://…" (the URL without credentials), else "the … backend"."""
    url = getattr(backend, "url", None)
    return f"the {backend.name} backend at {url}" if url else f"the {backend.name} backend"


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (for logs and report lines)."""
    return " ".join(str(exc).split())


class RetryingBackend:
    """A backend whose method calls are retried on BackendUnavailable with exponential back-off;
    after the last retry one BackendUnavailable says where, what and for how long."""

    def __init__(self, backend: Backend, params: RetryParams, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.backend = backend
        self.params = params
        self._sleep = sleep

    @property
    def name(self) -> str:
        return self.backend.name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.backend, attr)
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(attr, value, args, kwargs)

        return call

    def _call(self, what: str, fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        started = time.monotonic()
        delay = self.params.backoff
        attempts = self.params.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return fn(*args, **kwargs)
            except BackendUnavailable as exc:
                where = backend_location(self.backend)
                if attempt == attempts:
                    raise BackendUnavailable(
                        f"{where} is unavailable: {what} failed {attempt} time(s) over "
                        f"{time.monotonic() - started:.1f} s (last error: {one_line(exc)})"
                    ) from exc
                wait = min(delay, self.params.max_backoff)
                log.warning("%s is unavailable (%s: %s); retry %d of %d in %.1f s", where, what, one_line(exc),
                            attempt, self.params.retries, wait)
                self._sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover
