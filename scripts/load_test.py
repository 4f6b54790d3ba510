"""Load test: N concurrent clients on loopback for T seconds against a 100k-issue embedded index,
with a mix of issue searches, query-by-example (similar) and measure searches.

    python scripts/load_test.py [--clients 16] [--duration 60] [--issues 100000] [--data DIR]
                                [--model M] [--mix search=6,similar=2,measure=2] [--workers N]
                                [--url http://127.0.0.1:PORT]

1. **Index**: built once and kept by scripts/bench_api.py's builder (default folder
   ``/tmp/xuncha-bench-<issues>``; synthetic issues from the sample notices' sentences, random
   unit vectors, the query model's id), reused when it is already there.
2. **Server**: ``python -m search_api serve --workers N`` (uvicorn; ``--workers``, default 1) in a
   subprocess on 127.0.0.1, waited for through ``/readyz``; or ``--url``, which must be a loopback address.
3. **Clients**: ``--clients`` asyncio tasks, each with its own keep-alive connection (a small HTTP/1.1
   client on asyncio streams, :class:`HttpConnection`: cheap, as it shares the cores), each
   sending its next request as soon as the last one is answered, for ``--warmup`` seconds (not
   counted) then ``--duration`` seconds; ``--max-requests`` bounds the total. Requests are drawn
   from ``--mix``: ``search`` — ``/api/search`` in hybrid mode with facets (what the page asks);
   ``similar`` — ``/api/issues/{id}/similar`` on an issue found by an earlier search; ``measure`` —
   ``/api/measures/search``. Query texts are distinct (bench_api's generator), so the server's
   query-embedding cache rarely answers.

Prints throughput, p50 / p95 / p99 / max latency (request to last byte, as the client sees it)
overall and per kind, and the errors (any answer but 200, or no answer within ``--timeout``); the
connections the clients opened (a worker closes one to even the split); for a server it started, how
the clients' connections were split over its processes (sampled every second from /proc),  the cores it kept busy and its CPU time per request (its workers' included) (on a shared machine the
steady figure: with 16 clients in a closed loop the latency is 16 / throughput, and throughput is
the CPU the server gets divided by its CPU per request); the clients' own CPU time per request
(they run on the same cores, so it is CPU the server does not get); the load average; then
whether the target (0 errors, p99 ≤ ``--target-p99`` ms) was met; the last line is JSON. Exit
status 1 when it was not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench_api import build_index, queries  # noqa: E402
from search_api.server_process import cpu_seconds, descendants, memory_mib, running_server  # noqa: E402

KINDS = ("search", "similar", "measure")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SIMILAR_POOL = 500  # issue ids collected for query-by-example


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    server_cpu: float | None = None  # CPU seconds the server used while measured (None: not known)
    server_rss: float | None = None  # MiB resident in the server's processes at the end (None: not known)
    client_cpu: float = 0.0  # CPU seconds this process (the clients) used while measured: the server gets the rest
    connects: int = 0  # connections the clients opened while measured
    split: list[list[int]] = field(default_factory=list)  # per sample: the connections each server process held

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + sum(self.errors.values())


def _unknown() -> None:
    """The CPU time of a server this script did not start (--url)."""


def resident_mib(pid: int) -> float | None:
    """RSS of a server process and its workers together, MiB."""
    figures = [memory_mib(p) for p in (pid, *descendants(pid))]
    return sum(f["rss"] for f in figures if f) if figures[0] else None


def server_connections(pid: int, port: int) -> list[int]:
    """The established connections on local ``port`` that the server ``pid`` and each of its processes
    hold, most first, from /proc (empty elsewhere): how the clients are split over the workers."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = [line.split() for line in Path(table).read_text().splitlines()[1:]]
        except OSError:
            continue
        inodes.update(row[9] for row in rows if row[3] == "01" and int(row[1].rsplit(":", 1)[1], 16) == port)
    counts = []
    for process in (pid, *descendants(pid)):
        try:
            fds = os.listdir(f"/proc/{process}/fd")
        except OSError:
            continue
        links = [_link(f"/proc/{process}/fd/{fd}") for fd in fds]
        held = sum(link.startswith("socket:[") and link[8:-1] in inodes for link in links)
        if held:
            counts.append(held)
    return sorted(counts, reverse=True)


def _link(path: str) -> str:
    """Where a /proc fd link points, "" when the file was closed meanwhile (a connection ending)."""
    try:
        return os.readlink(path)
    except OSError:
        return ""


class SplitSampler:
    """Samples :func:`server_connections` every ``every`` seconds in a thread while measuring."""

    def __init__(self, pid: int, port: int, every: float = 1.0) -> None:
        self.pid, self.port, self.every = pid, port, every
        self.samples: list[list[int]] = []
        self.measuring = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="split", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(self.every):
            if self.measuring.is_set():
                self.samples.append(server_connections(self.pid, self.port))

    def stop(self) -> list[list[int]]:
        self.done.set()
        self.thread.join()
        return self.samples


def split_summary(samples: list[list[int]], processes: int) -> dict[str, Any]:
    """Mean connections per server process (``processes`` serve; most first) and the most uneven sample."""
    if not samples:
        return {}
    width = max(processes, *(len(s) for s in samples))
    padded = np.array([s + [0] * (width - len(s)) for s in samples])  # a process holding none: 0
    worst = padded[int(np.argmax(padded[:, 0] - padded[:, -1]))]
    return {"connection_split": [round(float(v), 1) for v in padded.mean(axis=0)],
            "worst_split": [int(v) for v in worst], "split_samples": len(samples)}


def parse_mix(text: str) -> dict[str, float]:
    """``"search=6,similar=2,measure=2"`` → weights; unknown kinds are refused."""
    weights: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in KINDS:
            raise SystemExit(f"--mix: unknown kind {name!r}; choose from {', '.join(KINDS)}")
        weights[name] = float(value or 1)
    if not weights or sum(weights.values()) <= 0:
        raise SystemExit("--mix: give at least one kind with a positive weight")
    return weights


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"--url must be a loopback address (127.0.0.1), not {host!r}: this drives a server hard")


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    arr = np.asarray(values)
    return {"p50": round(float(np.percentile(arr, 50)), 1), "p95": round(float(np.percentile(arr, 95)), 1),
            "p99": round(float(np.percentile(arr, 99)), 1), "max": round(float(arr.max()), 1)}


class Workload:
    """Draws the next request: kind by the mix, a fresh query text, an issue id for similar."""

    def __init__(self, mix: dict[str, float], texts: list[str], issue_ids: list[str], seed: int) -> None:
        self.kinds = list(mix)
        self.weights = [mix[k] for k in self.kinds]
        self.texts = texts
        self.next_text = 0
        self.issue_ids = issue_ids
        self.rng = random.Random(seed)

    def text(self) -> str:
        text = self.texts[self.next_text % len(self.texts)]
        self.next_text += 1
        return text

    def draw(self) -> tuple[str, str, dict[str, Any]]:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        if kind == "similar" and self.issue_ids:
            issue_id = self.rng.choice(self.issue_ids)
            return kind, f"/api/issues/{issue_id}/similar", {"size": 10}
        if kind == "measure":
            return "measure", "/api/measures/search", {"q": self.text(), "size": 10}
        return "search", "/api/search", {"q": self.text(), "size": 10, "facets": "true"}


async def collect_issue_ids(base: str, texts: list[str], headers: dict[str, str], limit: int) -> list[str]:
    """Issue ids for query-by-example, found by searching (not counted)."""
    import httpx

    found: list[str] = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        for text in texts:
            response = await client.get("/api/search", params={"q": text, "size": 50, "facets": "false",
                                                              "mode": "lexical"})
            if response.status_code == 200:
                found.extend(h["id"] for h in response.json()["hits"])
            if len(found) >= limit:
                break
    return list(dict.fromkeys(found))[:limit]


class HttpConnection:
    """One keep-alive HTTP/1.1 connection for GETs, on asyncio streams: the clients share the cores
    with the server they measure, and httpx took ~3 ms of CPU per request (this takes a tenth of
    that; docs/scaling.md, "Session 8"). Reconnects when the server closes (``Connection: close``,
    which the server's workers send now and then to spread connections) or on any error."""

    def __init__(self, base: str, headers: dict[str, str], timeout: float) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": parts.netloc, **headers}.items())
        self.timeout = timeout
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.connects = 0

    async def get(self, path: str, params: dict[str, Any]) -> int:
        """The status of ``GET path?params`` once its body is read; raises OSError or TimeoutError."""
        try:
            return await asyncio.wait_for(self._get(f"{path}?{urlencode(params)}"), self.timeout)
        except BaseException:
            self.close()  # whatever was half read or written is lost with it
            raise

    async def _get(self, target: str) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
            self.connects += 1
        reader, writer = self.streams
        writer.write(f"GET {target} HTTP/1.1\r\n{self.head}\r\n".encode())
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        except asyncio.IncompleteReadError as exc:
            raise ConnectionError("closed before an answer") from exc
        fields = {name.strip().lower(): value.strip().lower()
                  for name, _, value in (line.partition(":") for line in head[1:] if line)}  # fmt: skip
        if "content-length" not in fields:  # the API's answers all have one (never chunked)
            raise ValueError(f"an answer without Content-Length: {head[0]}")
        await reader.readexactly(int(fields["content-length"]))
        if fields.get("connection") == "close":
            self.close()
        return int(head[0].split()[1])

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def drive(base: str, workload: Workload, *, clients: int, warmup: float, duration: float,
                max_requests: int | None, timeout: float, headers: dict[str, str],
                server_cpu: Callable[[], float | None] = _unknown, sampler: SplitSampler | None = None) -> Results:
    results = Results()
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup
    stop_at = measure_from + duration
    cpu_from: list[float | None] = [None]
    client_from = [time.process_time()]

    def start_measuring() -> None:
        cpu_from[0] = server_cpu()
        client_from[0] = time.process_time()
        if sampler is not None:
            sampler.measuring.set()

    loop.call_at(measure_from, start_measuring)
    budget = {"left": max_requests if max_requests is not None else float("inf")}

    async def client_task() -> None:
        connection = HttpConnection(base, headers, timeout)
        connects_before = 0
        try:
            while True:
                now = loop.time()
                if now >= stop_at or budget["left"] <= 0:
                    return
                kind, path, params = workload.draw()
                counted = now >= measure_from
                if counted:
                    budget["left"] -= 1
                else:
                    connects_before = connection.connects
                sent = time.perf_counter()
                try:
                    status: int | None = await connection.get(path, params)
                except (OSError, TimeoutError, EOFError, ValueError, asyncio.LimitOverrunError) as exc:
                    status, problem = None, type(exc).__name__
                elapsed = (time.perf_counter() - sent) * 1000
                if not counted:
                    continue
                if status == 200:
                    results.latencies[kind].append(elapsed)
                else:
                    results.errors[f"{kind}: {status if status is not None else problem}"] += 1
        finally:
            connection.close()
            results.connects += connection.connects - connects_before

    tasks = [asyncio.create_task(client_task()) for _ in range(clients)]
    await asyncio.gather(*tasks)
    results.seconds = max(0.001, min(loop.time(), stop_at) - measure_from)
    results.client_cpu = time.process_time() - client_from[0]
    if sampler is not None:
        results.split = sampler.stop()
    cpu_to = server_cpu()
    if cpu_from[0] is not None and cpu_to is not None:
        results.server_cpu = cpu_to - cpu_from[0]
    return results


def report(results: Results, *, clients: int, target_p99: float, label: str, processes: int = 1) -> dict[str, Any]:
    everything = [v for values in results.latencies.values() for v in values]
    overall = percentiles(everything)
    errors = sum(results.errors.values())
    throughput = results.requests / results.seconds
    print(label)
    print(f"{clients} clients, {results.seconds:.0f} s: {results.requests} requests, {throughput:.1f} req/s, "
          f"{errors} errors")
    print(f"{'kind':<10}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    rows = {"all": (len(everything), overall)}
    rows.update({k: (len(v), percentiles(v)) for k, v in results.latencies.items() if v})
    for kind, (n, p) in rows.items():
        print(f"{kind:<10}{n:>10}{p['p50']:>10.1f}{p['p95']:>10.1f}{p['p99']:>10.1f}{p['max']:>10.1f}")
    for what, n in results.errors.most_common():
        print(f"  error {what}: {n}")
    split = split_summary(results.split, processes)
    print(f"connections opened while measured: {results.connects} ({clients} clients)")
    if split:
        print(f"connections per server process (mean of {split['split_samples']} samples, most first): "
              f"{' / '.join(f'{v:g}' for v in split['connection_split'])}; most uneven sample "
              f"{' / '.join(map(str, split['worst_split']))}")
    load = os.getloadavg()
    cpu = {}
    if results.server_cpu is not None and results.requests:
        cpu = {"server_cores": round(results.server_cpu / results.seconds, 2),
               "server_cpu_ms_per_request": round(results.server_cpu * 1000 / results.requests, 1)}
        print(f"server: {cpu['server_cores']} cores busy on average, {cpu['server_cpu_ms_per_request']} ms of CPU "
              "per request" + (f", {results.server_rss:,.0f} MiB resident" if results.server_rss is not None else ""))
        if results.server_rss is not None:
            cpu["server_rss_mib"] = round(results.server_rss)
    if results.requests:
        cpu["client_cpu_ms_per_request"] = round(results.client_cpu * 1000 / results.requests, 2)
        print(f"clients (this process, on the same cores): {cpu['client_cpu_ms_per_request']} ms of CPU per request")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    met = errors == 0 and overall["p99"] <= target_p99
    print(f"target (0 errors, p99 ≤ {target_p99:g} ms): {'met' if met else 'NOT met'}")
    summary = {"clients": clients, "seconds": round(results.seconds, 1), "requests": results.requests,
               "throughput": round(throughput, 1), "errors": errors, **overall,
               "per_kind": {k: {"requests": n, **p} for k, (n, p) in rows.items() if k != "all"}, "target_met": met,
               "connects": results.connects, **split, **cpu, "load_average": round(load[0], 1)}
    print(json.dumps(summary, ensure_ascii=False))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server on loopback (default: start one over --data)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    parser.add_argument("--max-requests", type=int, default=None, help="stop after this many measured requests")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a request counts as an error")
    parser.add_argument("--mix", default="search=6,similar=2,measure=2", help="weights of the request kinds")
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--data", default=None, help="index folder (built if missing; default /tmp/xuncha-bench-<issues>)")
    parser.add_argument("--model", default=None, help="query model (default: setting XUNCHA_MODEL)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument("--api-key", default=None, help="sent as X-API-Key (when reads are protected)")
    parser.add_argument("--target-p99", type=float, default=250.0, help="p99 target in ms")
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0:
        raise SystemExit("--clients must be ≥ 1 and --duration > 0")
    mix = parse_mix(args.mix)
    headers = {"X-API-Key": args.api_key} if args.api_key else {}

    from indexer.embed import open_embedder
    from indexer.settings import load_settings

    # Enough distinct texts that none repeats at ~100 req/s (an upper bound on two cores).
    texts = queries(int(min(200_000, 150 * (args.duration + args.warmup) + 1000)), args.seed)
    server_cpu: Callable[[], float | None] = _unknown
    sampler = None
    with ExitStack() as stack:
        if args.url:
            check_loopback(args.url)
            base, label = args.url.rstrip("/"), f"server at {args.url}"
        else:
            data = args.data or f"/tmp/xuncha-bench-{args.issues}"
            settings = load_settings(data_dir=data, backend="embedded", model=args.model)
            embedder = open_embedder(settings)  # its id and dims; the server loads its own
            build_index(settings, args.issues, embedder.dims, embedder.model_id)
            del embedder
            env = {**os.environ, "XUNCHA_MODEL": settings.model, "XUNCHA_BACKEND": "embedded", "XUNCHA_DATA_DIR": data}
            log = Path(tempfile.gettempdir()) / f"xuncha-load-server-{os.getpid()}.log"  # not in --data: it may be shared
            base, process = stack.enter_context(running_server("serve", "--workers", str(args.workers), env=env,
                                                               log_path=log))
            server_cpu = partial(cpu_seconds, process.pid, with_children=True)
            sampler = SplitSampler(process.pid, urlsplit(base).port or 80)
            label = (f"embedded index {data} (≥ {args.issues} issues), model {settings.model}, server {base}, "
                     f"{args.workers} worker process{'es' if args.workers > 1 else ''}")
        issue_ids = asyncio.run(collect_issue_ids(base, texts[-200:], headers, SIMILAR_POOL))
        if "similar" in mix and not issue_ids:
            raise SystemExit("no issue found to ask for similar ones: is the index empty?")
        workload = Workload(mix, texts[:-200], issue_ids, args.seed)
        results = asyncio.run(drive(base, workload, clients=args.clients, warmup=args.warmup,
                                    duration=args.duration, max_requests=args.max_requests,
                                    timeout=args.timeout, headers=headers, server_cpu=server_cpu,
                                    sampler=sampler))
        if not args.url:
            results.server_rss = resident_mib(process.pid)
    summary = report(results, clients=args.clients, target_p99=args.target_p99, label=label, processes=args.workers)
    return 0 if summary["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
