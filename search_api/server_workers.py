"""Several server processes over one listening socket (``serve --workers N``, setting ``workers``).

One process keeps only ~1.2 of two cores busy under load: the GIL serialises the Python between
the parts that release it (docs/scaling.md, "Session 7 — serving"). N worker processes each open
the index and load the model — N times the memory — and share one socket:

1. the parent binds the socket (not yet listening: a client is refused, never kept waiting);
2. each worker loads its search service, then reports ``ready`` (with the index's figures) or
   ``failed``;
3. once all are ready the parent lets them serve at once (so no worker takes every connection
   before the others listen) and prints the banner when all listen; a failure stops them all;
4. a worker that dies later is replaced (it serves as soon as it has loaded); SIGINT / SIGTERM
   stop every worker.

A keep-alive connection stays with the worker that accepted it, and a burst of connects is mostly
accepted by one worker (it takes up to ``backlog`` per wake-up): 16 clients split 13 / 3. Each worker
publishes the connections it holds in an array the parent shares with all (-1: not serving), and
:class:`BalanceConnections` closes a connection after an answer while its worker holds two more than
another, until the split is even — and then leaves it (no connection moves between even workers).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Callable, MutableSequence, Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from indexer.backends.base import IndexInfo
from indexer.errors import ConfigError
from search_api.banner import banner
from search_api.settings import ApiSettings

POLL_SECONDS = 0.5
STOP_SECONDS = 30.0  # a worker still running this long after SIGTERM is killed
NOT_SERVING = -1  # a worker's connections while it is not serving (starting, or dead)


class BalanceConnections:
    """ASGI middleware of worker ``index``: an answer says ``Connection: close`` (uvicorn then closes
    the connection after it; the client reconnects) while this worker holds two connections more
    than the serving worker holding the fewest (``counts``: one per worker, shared, each published
    by its worker at every answer; ``held``: this worker's open connections, set once its server
    exists).

    Connections, not searches: a search count read at an answer is low by every client between two
    requests (one reading its last answer, say), so two evenly split workers look uneven now and
    then — the load test closed 16% of its answers' connections that way, and each reconnect is a
    coin flip between the workers, so half of those closes made the split uneven. A difference of
    two is uneven whatever the timing; one (an odd total) cannot be evened.
    """

    def __init__(self, app: Any, counts: MutableSequence[int], index: int,
                 held: Callable[[], int] | None = None) -> None:
        self.app = app
        self.counts = counts
        self.index = index
        self.held = held

    def crowded(self) -> bool:
        """Publish this worker's connections; whether it holds two more than the fewest elsewhere."""
        if self.held is None:
            return False
        mine = self.counts[self.index] = self.held()
        others = [n for i, n in enumerate(self.counts) if i != self.index and n != NOT_SERVING]
        return bool(others) and mine > min(others) + 1

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def answer(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and self.crowded():
                message = {**message, "headers": [*message.get("headers", ()), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, answer)


def check_workers(settings: ApiSettings) -> None:
    """ConfigError unless ``settings.workers`` can be served: at least one, and several only over an
    index every process opens (not one held in a process's memory)."""
    if settings.workers < 1:
        raise ConfigError(f"setting workers: {settings.workers} is not a number of processes (1 or more)")
    if settings.workers > 1 and settings.backend == "memory":
        raise ConfigError("setting workers: the memory backend lives in one process; serve it with one worker")


def listening_socket(settings: ApiSettings) -> socket.socket:
    """The socket every worker accepts on, bound to ``host:port`` (the workers listen on it)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(True)
    return sock


def uvicorn_config(app: Any, settings: ApiSettings) -> Any:
    """The uvicorn configuration of one serving process."""
    import uvicorn

    from search_api.security import MAX_HEAD_BYTES

    # h11 reads request heads up to MAX_HEAD_BYTES, so an over-long URL gets the app's 414, not a reset
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                          h11_max_incomplete_event_size=MAX_HEAD_BYTES)


@dataclass(frozen=True, slots=True)
class Report:
    """What a worker tells the parent: ``ready`` (loaded; ``info``), ``failed`` (``detail``), ``listening``."""

    pid: int
    state: str
    info: IndexInfo | None = None
    detail: str | None = None


def worker_cpu(index: int, workers: int, cpus: Sequence[int]) -> int | None:
    """The CPU worker ``index`` of ``workers`` is kept on (setting ``pin_workers``): a CPU of its own
    among ``cpus``, those the server may use, while there are enough; None when workers outnumber them.

    >>> worker_cpu(1, 2, [0, 1]), worker_cpu(0, 3, [0, 1])
    (1, None)
    """
    ordered = sorted(cpus)
    return ordered[index] if workers <= len(ordered) else None


def worker_plan(settings: ApiSettings, index: int, cpus: Sequence[int]) -> tuple[int | None, ApiSettings]:
    """The CPU worker ``index`` is kept on (None: left free) and the settings it runs with. Kept on
    one CPU it runs one thread of work at a time (``threads`` 1): a search's legs and a vector
    scan's shards one after the other, no thread woken to run beside it on a CPU already busy."""
    cpu = worker_cpu(index, settings.workers, cpus) if settings.pin_workers else None
    return cpu, (settings if cpu is None else settings.with_overrides(threads=1))


def _pin(settings: ApiSettings, index: int) -> ApiSettings:
    """Keep this worker on its own CPU (:func:`worker_plan`): under load two workers on two cores
    otherwise trade places, each landing on caches the other filled. Returns the worker's settings."""
    if not hasattr(os, "sched_setaffinity"):
        return settings
    cpu, settings = worker_plan(settings, index, list(os.sched_getaffinity(0)))
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    return settings


def _worker(settings: ApiSettings, sock: socket.socket, reports: Any, go: Any, connections: Any, index: int) -> None:
    """Worker ``index``: load the search service, report, wait for the others, serve (publishing its
    connections in ``connections[index]``)."""
    import uvicorn

    from search_api.__main__ import tune_malloc
    from search_api.app import create_app

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides (Ctrl+C reaches the whole group)
    tune_malloc()
    settings = _pin(settings, index)
    parent = os.getppid()
    app = create_app(settings)
    holder = app.state.search
    holder.settle_heap()
    holder.load()
    if holder.status != "ready":
        reports.put(Report(os.getpid(), "failed", detail=holder.detail))
        return
    reports.put(Report(os.getpid(), "ready", info=holder.service().backend.info()))
    while not go.wait(POLL_SECONDS):
        if os.getppid() != parent:  # the parent is gone: nobody will let this one serve
            return
    balance = BalanceConnections(app, connections, index)
    server = uvicorn.Server(uvicorn_config(balance, settings))
    balance.held = lambda: len(server.server_state.connections)
    connections[index] = 0

    def say_listening() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            reports.put(Report(os.getpid(), "listening"))

    threading.Thread(target=say_listening, name="listening", daemon=True).start()
    server.run(sockets=[sock])


class Workers:
    """The parent: starts ``settings.workers`` processes, prints the banner once all serve, keeps
    them running until told to stop."""

    def __init__(self, settings: ApiSettings, echo: Callable[[str], Any]) -> None:
        check_workers(settings)
        self.settings = settings
        self.echo = echo
        self.context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked threads or locks
        self.reports = self.context.Queue()
        self.go = self.context.Event()
        self.connections = self.context.RawArray("i", [NOT_SERVING] * settings.workers)  # each worker's connections
        self.stopping = threading.Event()
        self.processes: list[BaseProcess] = []
        self.failed: str | None = None

    def _start_one(self, sock: socket.socket, index: int) -> BaseProcess:
        self.connections[index] = NOT_SERVING  # until it serves (a dead one's last figure is not its count)
        process = self.context.Process(target=_worker, args=(self.settings, sock, self.reports, self.go,
                                                             self.connections, index),
                                       name="xuncha-worker", daemon=False)
        process.start()
        return process

    def run(self) -> int:
        """Serve until SIGINT / SIGTERM (0) or until a worker fails to load (1)."""
        sock = listening_socket(self.settings)
        previous = {sig: signal.signal(sig, lambda *_: self.stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.processes = [self._start_one(sock, i) for i in range(self.settings.workers)]
            self._start_up()
            while not self.stopping.wait(POLL_SECONDS):
                self._replace_dead(sock)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop_all()
            sock.close()
        return 1 if self.failed else 0

    def _start_up(self) -> None:
        """Wait until every worker has loaded, let them serve, print the banner once all listen."""
        ready: dict[int, Report] = {}
        listening: set[int] = set()
        while not self.stopping.is_set():
            try:
                report = self.reports.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if any(p.exitcode is not None for p in self.processes):
                    self._fail("a worker process exited while loading (the log above says why)")
                    return
                continue
            if report.state == "failed":
                self._fail(report.detail or "unknown")
                return
            if report.state == "ready":
                ready[report.pid] = report
                if len(ready) == len(self.processes):
                    self.go.set()
            elif report.state == "listening":
                listening.add(report.pid)
                if len(listening) == len(self.processes):
                    info = next(iter(ready.values())).info
                    assert info is not None
                    self.echo(banner(self.settings, info))
                    return

    def _fail(self, detail: str) -> None:
        self.failed = detail
        self.echo(f"xuncha-search could not start its search service: {detail}")
        self.stopping.set()

    def _replace_dead(self, sock: socket.socket) -> None:
        """A worker that died while serving is replaced (it serves once it has loaded)."""
        for index, process in enumerate(self.processes):
            if process.exitcode is not None and not self.stopping.is_set():
                self.echo(f"worker process {process.pid} exited ({process.exitcode}); starting another")
                self.processes[index] = self._start_one(sock, index)
        while True:  # the replacements' reports: only a failure matters now
            try:
                report = self.reports.get_nowait()
            except queue.Empty:
                break
            if report.state == "failed":
                self._fail(report.detail or "unknown")

    def _stop_all(self) -> None:
        for process in self.processes:
            if process.exitcode is None and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)  # uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.exitcode is None:
                process.kill()
                process.join()


def serve_workers(settings: ApiSettings, echo: Callable[[str], Any]) -> int:
    """Run ``settings.workers`` server processes until stopped; the exit status."""
    return Workers(settings, echo).run()
