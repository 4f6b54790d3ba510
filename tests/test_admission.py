"""Admission of searches (search_api/admission.py): at most ``search_slots`` searches run at once in
a process, the others wait their turn in arrival order; cheap requests never wait; a request that
gives up leaves the line, and a slot it was given passes on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from indexer.backends.memory import MemoryBackend
from indexer.errors import ConfigError
from search_api.admission import Admission
from search_api.app import create_app
from search_api.settings import load_api_settings
from tests import search_corpus

SEARCHES = ("search_issues", "search_measures", "similar_issues", "ranked")  # ranked: the exports


@pytest.fixture(scope="module")
def store() -> MemoryBackend:
    backend = MemoryBackend()
    search_corpus.load(backend)
    return backend


def make_app(store: MemoryBackend, slots: int) -> Any:
    settings = load_api_settings({}, backend="memory", relevance_floor=False, variant_vector=False,
                                 search_slots=slots)
    return create_app(settings, store, search_corpus.EMBEDDER)


class Inside:
    """Watches the search service's search methods (the real ones run): how many calls are inside
    them at once at most, and in which order they came in. Each call first waits for ``gate``
    (when set), else a moment, so that the others have time to come in beside it."""

    def __init__(self, service: Any, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.lock = threading.Lock()
        self.now = self.most = 0
        self.order: list[str] = []
        for name in SEARCHES:
            setattr(service, name, self.watching(getattr(service, name)))

    def watching(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(request: Any, *args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
                self.order.append(getattr(request, "q", None) or getattr(request, "issue_id", ""))
            try:
                if self.gate is not None:
                    assert self.gate.wait(10)
                else:
                    threading.Event().wait(0.05)
                return real(request, *args, **kwargs)
            finally:
                with self.lock:
                    self.now -= 1
        return call


def gated(store: MemoryBackend) -> tuple[Any, threading.Event, Inside, Admission]:
    """An app of one slot whose searches wait for the gate: (app, gate, watcher, admission)."""
    app = make_app(store, 1)
    gate = threading.Event()
    return app, gate, Inside(app.state.search.service(), gate), app.state.admission


def client_of(app: Any) -> httpx.AsyncClient:
    """Requests in this event loop, concurrently (TestClient sends one at a time)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


@pytest.mark.parametrize("slots", [1, 2])
def test_no_more_searches_run_at_once_than_there_are_slots(store, slots):
    app = make_app(store, slots)
    inside = Inside(app.state.search.service())
    paths = ["/api/search?q=医保基金", "/api/measures/search?q=整改", "/api/issues/qh2025-001/similar"] * 2

    async def run() -> list[int]:
        async with client_of(app) as client:
            return [r.status_code for r in await asyncio.gather(*[client.get(p) for p in paths])]

    assert asyncio.run(run()) == [200] * 6
    assert len(inside.order) == 6
    assert inside.most == slots
    assert app.state.admission.load == 0


def test_searches_wait_in_arrival_order_while_cheap_requests_answer(store):
    app, gate, inside, admission = gated(store)

    async def run() -> None:
        async with client_of(app) as client:
            searches = []
            for n, text in enumerate(["医保基金", "采购", "三重一大"], 1):
                searches.append(asyncio.create_task(client.get("/api/search", params={"q": text})))
                await until(lambda n=n: admission.load == n)  # in the line before the next one comes
            await until(lambda: len(inside.order) == 1)
            for path in ("/healthz", "/readyz", "/api/issues/qh2025-001", "/api/categories"):
                assert (await client.get(path)).status_code == 200, path
            assert admission.load == 3 and admission.running == 1 and inside.order == ["医保基金"]
            gate.set()
            assert [r.status_code for r in await asyncio.gather(*searches)] == [200] * 3

    asyncio.run(run())
    assert inside.order == ["医保基金", "采购", "三重一大"]
    assert inside.most == 1 and admission.load == 0


def test_the_search_page_and_the_export_hold_a_slot_too(store):
    app, gate, inside, admission = gated(store)

    async def run() -> None:
        async with client_of(app) as client:
            page = asyncio.create_task(client.get("/", params={"q": "医保基金"}))
            await until(lambda: len(inside.order) == 1)
            assert admission.running == 1
            export = asyncio.create_task(client.get("/export.csv", params={"q": "采购"}))
            api = asyncio.create_task(client.get("/api/search", params={"q": "三重一大"}))
            await until(lambda: admission.load == 3)
            assert inside.order == ["医保基金"]  # the other two wait for the page's slot
            gate.set()
            assert [(await t).status_code for t in (page, export, api)] == [200] * 3

    asyncio.run(run())
    assert inside.most == 1 and len(inside.order) == 3


def test_one_that_gives_up_leaves_the_line_and_a_slot_given_to_it_passes_on():
    admission = Admission(1)

    async def hold(entered: list[str], name: str, release: asyncio.Event) -> None:
        async with admission.slot():
            entered.append(name)
            await release.wait()

    async def run() -> list[str]:
        entered: list[str] = []
        first = admission.slot()
        await first.__aenter__()  # held here: its release below runs without a pause
        gone = asyncio.create_task(hold(entered, "gone", asyncio.Event()))
        second = asyncio.create_task(hold(entered, "second", asyncio.Event()))
        await until(lambda: admission.load == 3)
        gone.cancel()  # gives up while waiting: leaves the line
        await until(lambda: admission.load == 2)
        third_done = asyncio.Event()
        third = asyncio.create_task(hold(entered, "third", third_done))
        await until(lambda: admission.load == 3)
        await first.__aexit__(None, None, None)  # the slot is handed to the second …
        second.cancel()  # … which is cancelled before it could run: the slot goes on to the third
        await until(lambda: entered == ["third"])
        assert admission.running == 1 and admission.load == 1
        third_done.set()
        await third
        for task in (gone, second):
            with pytest.raises(asyncio.CancelledError):
                await task
        return entered

    assert asyncio.run(run()) == ["third"]
    assert admission.load == 0 and admission.running == 0


def test_the_setting_is_read_from_the_environment_and_must_be_one_or_more(store):
    assert load_api_settings({}).search_slots == 1
    assert load_api_settings({"XUNCHA_SEARCH_SLOTS": "2"}).search_slots == 2
    assert make_app(store, 2).state.admission.slots == 2
    with pytest.raises(ConfigError, match="search_slots: 0 is not a number"):
        make_app(store, 0)


def test_a_waiter_on_another_event_loop_is_woken_when_the_slot_frees():
    # TestClient outside a ``with`` block runs each request in an event loop of its own, on its own
    # thread: the slot must reach a waiter whose loop sleeps in another thread
    admission = Admission(1)
    held, release, got = threading.Event(), threading.Event(), threading.Event()

    async def first() -> None:
        async with admission.slot():
            held.set()
            await asyncio.to_thread(release.wait, 10)

    async def second() -> None:
        async with admission.slot():
            got.set()

    holder = threading.Thread(target=asyncio.run, args=(first(),), daemon=True)
    holder.start()
    assert held.wait(10)
    waiter = threading.Thread(target=asyncio.run, args=(second(),), daemon=True)
    waiter.start()
    for _ in range(200):
        if admission.load == 2:
            break
        threading.Event().wait(0.01)
    assert admission.load == 2
    release.set()
    assert got.wait(10), "the waiter on the other loop was never woken"
    holder.join(10)
    waiter.join(10)
    assert admission.load == 0 and admission.running == 0
