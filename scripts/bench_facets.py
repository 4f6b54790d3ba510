"""Facet counting over real result lists: columns (``Backend.count_facets``) against reading and
counting every hit's document (what the search core did before, issue #14 item 4).

    python scripts/bench_facets.py [--data /tmp/xuncha-bench-100000] [--queries 100] [--mode hybrid]

Opens an embedded data folder (built by scripts/bench_api.py or scripts/bench_engine.py), ranks
``--queries`` distinct queries (bench_api's generator) exactly as the API does (``--mode``; the
folder's model embeds them), then times, per result list, over every facet field:

* ``columns``: ``count_facets`` the first time the list is counted (no cache);
* ``cached``: the same list again (a page or filter click repeating the query);
* ``documents``: ``get`` of every hit's document and counting them (the path without columns).

Checks that both give the same counts, and prints p50 / p95 of wall and CPU time per kind with the
mean list length and the load average; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.backends.facet_columns import count_documents  # noqa: E402
from indexer.fields import FACETS  # noqa: E402
from indexer.types import Target  # noqa: E402
from scripts.bench_api import queries  # noqa: E402

KINDS = ("columns", "cached", "documents")


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.thread_time()
    out = fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, out


def _pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="/tmp/xuncha-bench-100000", help="an embedded data folder")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--mode", default="hybrid", choices=["hybrid", "lexical", "semantic"])
    parser.add_argument("--model", default=None, help="query model (default: setting XUNCHA_MODEL)")
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args(argv)

    from indexer.backends import open_backend
    from indexer.embed import open_embedder
    from search_api.parse import parse_search_request
    from search_api.search import SearchService
    from search_api.settings import load_api_settings

    settings = load_api_settings(data_dir=args.data, backend="embedded", model=args.model)
    if not (Path(args.data) / "CURRENT").exists():
        raise SystemExit(f"{args.data} holds no embedded index: build one with scripts/bench_api.py")
    backend = open_backend(settings)
    service = SearchService(settings, backend, open_embedder(settings))
    fields = [f.name for f in FACETS]
    size = settings.facet_size
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in KINDS}
    lengths = []
    try:
        info = backend.info()
        for text in queries(args.queries, args.seed):
            request = parse_search_request(settings, q=text, mode=args.mode, facets=True)
            ids = [f.doc_id for f in service.ranked(request, Target.ISSUES)]
            if not ids:
                continue
            lengths.append(len(ids))
            runs = {"columns": lambda ids=ids: backend.count_facets(Target.ISSUES, ids, fields, size),
                    "cached": lambda ids=ids: backend.count_facets(Target.ISSUES, ids, fields, size),
                    "documents": lambda ids=ids: count_documents(backend.get(Target.ISSUES, ids), fields, size)}
            got = {}
            for kind, run in runs.items():
                wall, cpu, got[kind] = _timed(run)
                times[kind][0].append(wall)
                times[kind][1].append(cpu)
            if got["columns"] != got["documents"]:
                raise SystemExit(f"the counts differ for {text!r}: {got['columns']} != {got['documents']}")
    finally:
        service.close()
        backend.close()
    load = os.getloadavg()
    print(f"{info.issues} issues in {args.data}; {len(lengths)} {args.mode} result lists of "
          f"{np.mean(lengths):.0f} hits on average (max {max(lengths)}), {len(fields)} facet fields")
    print(f"{'kind':12s}{'p50 ms':>10s}{'p95 ms':>10s}{'cpu p50':>10s}{'cpu p95':>10s}")
    summary: dict[str, Any] = {"issues": info.issues, "lists": len(lengths), "mean_hits": round(float(np.mean(lengths)), 1)}
    for kind, (wall, cpu) in times.items():
        row = {"p50": _pct(wall, 50), "p95": _pct(wall, 95), "cpu_p50": _pct(cpu, 50), "cpu_p95": _pct(cpu, 95)}
        summary[kind] = row
        print(f"{kind:12s}{row['p50']:>10.2f}{row['p95']:>10.2f}{row['cpu_p50']:>10.2f}{row['cpu_p95']:>10.2f}")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores; counts identical")
    summary["load_average"] = round(load[0], 1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
