"""One freshness check per block of reads (a search request) instead of one per read.

The embedded backend checks before every read whether another process committed (a ``stat`` of
``CURRENT`` and SQLite's ``PRAGMA data_version``): a hybrid search reads ~8 times (legs, floor,
family vectors, facets, page). Inside :meth:`Pin.block` the check is made once, when the block
begins, and the reads in it skip theirs: another process's commits are seen from the next block
on (or sooner, when another thread's check moves the shared backend on meanwhile: a pin saves
checks, it is not a snapshot). The pin belongs to the context (:mod:`contextvars`): other requests'
threads check as before, and a request's helper thread is pinned when it runs in a copy of the
request's context (``contextvars.copy_context().run``).

    >>> checks = []; pin = Pin()
    >>> with pin.block(lambda: checks.append(1)):
    ...     with pin.block(lambda: checks.append(2)):   # nested: already checked
    ...         pin.holds()
    True
    >>> checks, pin.holds()
    ([1], False)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Pin:
    """Whether the current context checked freshness when its block began (one per backend)."""

    def __init__(self) -> None:
        self._held: ContextVar[bool] = ContextVar("xuncha_pinned", default=False)

    def holds(self) -> bool:
        return self._held.get()

    @contextmanager
    def block(self, check: Callable[[], object]) -> Iterator[None]:
        """Run ``check`` (the freshness check) now, and let the reads in the block skip theirs."""
        if self._held.get():
            yield
            return
        check()
        token = self._held.set(True)
        try:
            yield
        finally:
            self._held.reset(token)
