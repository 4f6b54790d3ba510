"""Admission of searches: at most ``search_slots`` searches run at once in a server process, the
others wait their turn in arrival order on the event loop.

A search is CPU-bound Python between the parts that release the GIL: eight of them in eight
threads of one process take turns on the GIL, each evicting the others' data from the CPU's
caches, so each takes longer and all finish late. One at a time, first come first served, each
finishes in its own time and the queue is served in order (docs/scaling.md, "Session 9 —
admission and worker balance"). Cheap requests (health checks, one document, the page's static
files) do not queue: only what calls :meth:`Admission.run` or holds :meth:`Admission.slot` does.

One event loop serves a uvicorn process, but an app may also be driven from several loops at
once (Starlette's ``TestClient`` outside a ``with`` block runs each request in a loop of its own,
on its own thread): the line is kept under a lock and a waiter is woken in its own loop.

The searches a process holds, waiting or running, are its load: :attr:`Admission.load`. (The
workers balance their connections by the connections each holds, not by this:
``search_api.server_workers``.)
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from indexer.errors import ConfigError

T = TypeVar("T")


class Admission:
    """A first-come-first-served limit of ``slots`` concurrent searches in this process."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ConfigError(f"setting search_slots: {slots} is not a number of concurrent searches (1 or more)")
        self.slots = slots
        self.running = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._lock = threading.Lock()  # the line and the count, for requests on several loops

    @property
    def load(self) -> int:
        """Searches held: running, plus waiting for a slot."""
        return self.running + len(self._waiting)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the slots for the block, once the searches that came first have had theirs."""
        turn: asyncio.Future[None] | None = None
        with self._lock:
            if self.running < self.slots and not self._waiting:
                self.running += 1
            else:
                turn = asyncio.get_running_loop().create_future()
                self._waiting.append(turn)
        if turn is not None:
            try:
                await turn  # _hand_on passes a slot to the first in line: running stays counted
            except BaseException:  # cancelled (the client went away): leave the line, or pass on a slot given
                with self._lock:
                    waiting = turn in self._waiting
                    if waiting:
                        self._waiting.remove(turn)
                if not waiting and turn.done() and not turn.cancelled():
                    self._hand_on()
                # not waiting and cancelled: the slot is on its way to it, and _wake passes it on
                raise
        try:
            yield
        finally:
            self._hand_on()

    def _hand_on(self) -> None:
        """A slot is given back: to the first in line (woken in its own loop), else it is free."""
        with self._lock:
            turn = self._waiting.popleft() if self._waiting else None
            if turn is None:
                self.running -= 1
        if turn is None:
            return
        loop = turn.get_loop()
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if loop is here:
            self._wake(turn)
        else:  # another loop's future is only touched from its own thread
            try:
                loop.call_soon_threadsafe(self._wake, turn)
            except RuntimeError:  # that loop is closed: its waiter is gone, the slot goes on
                self._wake(turn)

    def _wake(self, turn: asyncio.Future[None]) -> None:
        """Give ``turn`` its slot; if it gave up meanwhile, the slot goes to the next in line."""
        if turn.done():
            self._hand_on()
        else:
            turn.set_result(None)

    async def run(self, fn: Callable[[], T]) -> T:
        """``fn()`` on the thread pool once a slot is free (the event loop stays free meanwhile)."""
        async with self.slot():
            return await run_in_threadpool(fn)


async def search_slot(request: Request) -> AsyncIterator[None]:
    """Dependency of a route that runs searches itself (the pages, the exports): it runs holding
    a slot of the app's :class:`Admission` (``app.state.admission``)."""
    async with request.app.state.admission.slot():
        yield
