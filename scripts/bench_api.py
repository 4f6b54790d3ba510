"""Latency of ``/api/search`` over HTTP at scale, per mode, and of the load test's other kinds.

    python scripts/bench_api.py [--issues 100000] [--requests 200] [--data DIR] [--model M] [--smaps FILE]

1. **Index** (built once, kept in ``--data``, default ``/tmp/xuncha-bench-<issues>``): synthetic
   issues composed from the problem and measure sentences of the bundled sample notices (and the
   shared seeds when present) — a problem joined with a clause of another, 1–5 measures, invented
   institutions over real provinces, years 2018–2025. Tokens come from the real tokeniser.
   Document vectors are random unit vectors of the query model's dimension (embedding 100k
   passages would take most of an hour on two shared cores, and exact cosine search costs the
   same whatever the values); the index records the query model's id so queries are accepted.
2. **Server**: ``python -m search_api serve`` in a subprocess on 127.0.0.1 (a free port), waited
   for through ``/readyz``.
3. **Queries**: distinct texts (keywords, and descriptive sentences of 15–40 characters), never
   repeated, so the query-embedding cache never answers; each is embedded by the real model in the
   server. ``--requests`` per mode, after a warm-up; one client, sequential. Then, as
   scripts/load_test.py asks them: ``measures`` — ``/api/measures/search`` (hybrid), and
   ``similar`` — ``/api/issues/{id}/similar`` on distinct issues the hybrid searches found.

Prints, per mode, p50 / p95 / max of the wall time seen by the client (request to last byte),
of the server's own ``took_ms``, and the server process's CPU time per request (all its threads:
the steady figure on a shared machine), its RSS after all the requests (``--smaps FILE``: a copy of
its ``/proc/<pid>/smaps`` taken then, for the breakdown per mapping), then the load average; the
last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.backends import open_backend  # noqa: E402
from indexer.backends.base import NoticeBundle  # noqa: E402
from indexer.categories import categorise  # noqa: E402
from indexer.documents import field_bigrams  # noqa: E402
from indexer.fields import field_named  # noqa: E402
from indexer.parsing.parse import parse_paths  # noqa: E402
from indexer.settings import Settings, load_settings  # noqa: E402
from indexer.tokenise import DICTIONARY_VERSION, tokenise_for_index  # noqa: E402
from indexer.types import Target  # noqa: E402

ISSUE_BIGRAMS = field_named("bigram_tokens", Target.ISSUES)
MEASURE_BIGRAMS = field_named("bigram_tokens", Target.MEASURES)

SAMPLES = ROOT / "indexer" / "samples"
SEEDS = ROOT.parent / "shared" / "seeds"
MODES = ("lexical", "semantic", "hybrid")
KINDS = (*MODES, "measures", "similar")  # rows printed: the search modes, then the load test's other kinds
PROVINCES = ["江西省", "湖南省", "广东省", "四川省", "山东省", "河南省", "浙江省", "江苏省", "云南省", "甘肃省",
             "湖北省", "安徽省", "贵州省", "山西省", "陕西省", "福建省"]
TYPES = ["hospital", "tcm_hospital", "township_health_centre", "community_health_centre", "cdc",
         "health_commission", "maternal_child_hospital", "medical_insurance_bureau"]
SUFFIX = {"hospital": "人民医院", "tcm_hospital": "中医医院", "township_health_centre": "镇卫生院",
          "community_health_centre": "社区卫生服务中心", "cdc": "疾病预防控制中心", "health_commission": "卫生健康局",
          "maternal_child_hospital": "妇幼保健院", "medical_insurance_bureau": "医疗保障局"}
STEMS = "青禾石门北城南岭东江西坪白沙清河云山桃源新桥龙泉金溪长乐安平永和宁远丰城".replace("", " ").split()
STATUSES = ["completed", "completed", "completed", "basically_completed", "in_progress", "long_term", None]


def phrase_bank() -> tuple[list[str], list[str]]:
    """Problem and measure sentences of the sample notices (and the seeds when present)."""
    problems, measures = [], []
    folders = [SAMPLES] + ([SEEDS] if SEEDS.exists() else [])
    for outcome in parse_paths(folders):
        if outcome.notice is None:
            continue
        for issue in outcome.notice.issues:
            if issue.problem:
                problems.append(issue.problem)
            measures.extend(m for m in issue.measures if m)
    if not problems or not measures:
        raise SystemExit("no sentences could be parsed from the sample notices")
    return problems, measures


def _clause(text: str, rng: random.Random) -> str:
    parts = [p for p in text.replace("；", "，").split("，") if len(p) >= 4]
    return rng.choice(parts) if parts else text


def build_index(settings: Settings, n_issues: int, dims: int, model_id: str, seed: int = 7) -> None:
    """Write ``n_issues`` synthetic issues (and their measures) unless the index already has them."""
    backend = open_backend(settings)
    try:
        info = backend.info()
        if info.issues >= n_issues:
            first = next(iter(backend.iter_notices()))["issue_ids"][0]
            if bool(backend.get_vectors(Target.MEASURES, [f"{first}-m1"])) != settings.measure_vectors:
                raise SystemExit(f"{settings.data_dir} was built with measure vectors "
                                 f"{'off' if settings.measure_vectors else 'on'}, the setting says "
                                 f"{'on' if settings.measure_vectors else 'off'}: remove it or pick --data")
            print(f"index ready: {info.issues} issues in {settings.data_dir}", file=sys.stderr)
            return
        if info.issues:
            raise SystemExit(f"{settings.data_dir} holds {info.issues} issues, not {n_issues}: remove it or pick --data")
        backend.check_compatible(model_id, dims, DICTIONARY_VERSION)
        problems, measures = phrase_bank()
        rng = random.Random(seed)
        vrng = np.random.default_rng(seed)
        token_cache: dict[str, str] = {}

        def tokens(text: str) -> str:
            cached = token_cache.get(text)
            if cached is None:
                cached = token_cache[text] = " ".join(tokenise_for_index(text))
            return cached

        started, written, notice_no, batch = time.perf_counter(), 0, 0, []
        while written < n_issues:
            notice_no += 1
            itype = rng.choice(TYPES)
            institution = f"{rng.choice(STEMS)}{rng.choice(STEMS)}{SUFFIX[itype]}{notice_no}"
            notice_id = f"bench{notice_no:06d}"
            base = {"notice_id": notice_id, "source": f"{notice_id}.txt", "title": f"中共{institution}委员会关于巡察整改进展情况的通报",
                    "institution": institution, "institution_type": itype, "province": rng.choice(PROVINCES),
                    "level": rng.choice(["county", "county", "city", "province"]), "year": rng.randint(2018, 2025)}
            issue_docs, measure_docs = [], []
            for seq in range(1, min(rng.randint(6, 24), n_issues - written) + 1):
                problem = f"{rng.choice(problems)}，{_clause(rng.choice(problems), rng)}"
                items = rng.sample(measures, rng.randint(1, 5))
                status = rng.choice(STATUSES)
                cats = categorise(problem, items)
                issue_id = f"{notice_id}-{seq:03d}"
                vector = vrng.standard_normal(dims).astype(np.float32)
                vector /= np.linalg.norm(vector)
                problem_tokens = tokens(problem)
                issue_docs.append({"id": issue_id, **base, "seq": seq, "label": f"{seq}.", "problem": problem,
                                   "status": status, "measures": items, "categories": cats,
                                   "problem_tokens": problem_tokens, "context_tokens": "",
                                   "measures_tokens": " ".join(tokens(m) for m in items),
                                   "bigram_tokens": field_bigrams({"problem": problem, "measures": items}, ISSUE_BIGRAMS),
                                   "vector": vector.tolist()})
                for n, text in enumerate(items, start=1):
                    # as ingest stores them: a vector per measure item when the setting says so
                    extra = {}
                    if settings.measure_vectors:
                        mvec = vrng.standard_normal(dims).astype(np.float32)
                        extra["vector"] = (mvec / np.linalg.norm(mvec)).tolist()
                    measure_docs.append({**extra, "id": f"{issue_id}-m{n}", "issue_id": issue_id, **base, "seq": seq,
                                         "measure_seq": n, "text": text, "problem": problem, "status": status,
                                         "categories": cats, "text_tokens": tokens(text),
                                         "problem_tokens": problem_tokens,
                                         "bigram_tokens": field_bigrams({"text": text}, MEASURE_BIGRAMS)})
            written += len(issue_docs)
            notice = {**base, "issue_ids": [d["id"] for d in issue_docs], "text": "", "original_text": "",
                      "quality": {"issues_found": len(issue_docs), "warnings": []}}
            batch.append(NoticeBundle(notice_id, base["source"], notice, issue_docs, measure_docs))
            if len(batch) >= 200 or written >= n_issues:
                result = backend.write(batch)
                if result.failed:
                    raise SystemExit(f"the backend refused notices: {dict(list(result.failed.items())[:3])}")
                batch = []
                print(f"\r{written}/{n_issues} issues  {time.perf_counter() - started:.0f}s", end="", file=sys.stderr)
        print(file=sys.stderr)
    finally:
        backend.close()


def queries(n: int, seed: int) -> list[str]:
    """``n`` distinct query texts: a third keywords (2–6 characters), the rest descriptive sentences."""
    problems, measures = phrase_bank()
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        source = rng.choice(problems + measures)
        if rng.random() < 1 / 3:
            words = [w for w in tokenise_for_index(source) if len(w) >= 2]
            text = "".join(rng.sample(words, min(len(words), rng.randint(1, 2)))) if words else source[:4]
        else:
            start = rng.randint(0, max(0, len(source) - 15))
            text = source[start:start + rng.randint(15, 40)]
        text = text.strip("，。；、 ")
        if len(text) >= 2 and text not in seen:
            seen.add(text)
            out.append(text)
    return out


def request_of(kind: str, text: str, issue_id: str, size: int, facets: str) -> tuple[str, dict[str, object]]:
    """The path and parameters of one request of a kind (``issue_id``: for ``similar``)."""
    if kind == "measures":
        return "/api/measures/search", {"q": text, "size": size}
    if kind == "similar":
        return f"/api/issues/{issue_id}/similar", {"size": size}
    return "/api/search", {"q": text, "mode": kind, "size": size, "facets": facets}


def percentile(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per mode")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per mode first")
    parser.add_argument("--size", type=int, default=10, help="page size")
    parser.add_argument("--facets", default="true", choices=["true", "false"], help="ask for facets (the page does)")
    parser.add_argument("--data", default=None, help="index folder (kept; default /tmp/xuncha-bench-<issues>)")
    parser.add_argument("--backend", default="embedded")
    parser.add_argument("--model", default=None, help="query model (default: setting XUNCHA_MODEL)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--smaps", default=None,
                        help="copy the server's /proc/<pid>/smaps here after the requests (where its memory goes)")
    args = parser.parse_args(argv)

    import httpx

    from indexer.embed import open_embedder
    from search_api.server_process import cpu_seconds, memory_mib, running_server

    data = args.data or f"/tmp/xuncha-bench-{args.issues}"
    settings = load_settings(data_dir=data, backend=args.backend, model=args.model)
    embedder = open_embedder(settings)  # for its id and dims; the server loads its own
    build_index(settings, args.issues, embedder.dims, embedder.model_id)
    del embedder

    env = {**os.environ, "XUNCHA_MODEL": settings.model, "XUNCHA_BACKEND": settings.backend,
           "XUNCHA_DATA_DIR": data}
    results: dict[str, dict[str, float]] = {}
    with running_server("serve", env=env, log_path=Path(data) / "bench-server.log") as (base, server_process), \
            httpx.Client(timeout=60) as client:
        texts = queries(len(KINDS) * (args.requests + args.warmup), args.seed)
        found: list[str] = []  # issues the hybrid searches found, for query-by-example
        for i, mode in enumerate(KINDS):
            chunk = texts[i * (args.requests + args.warmup):(i + 1) * (args.requests + args.warmup)]
            wall, server = [], []
            cpu_start = None
            for n, q in enumerate(chunk):
                if n == args.warmup:
                    cpu_start = cpu_seconds(server_process.pid)
                path, params = request_of(mode, q, found[n % len(found)] if found else "", args.size, args.facets)
                start = time.perf_counter()
                response = client.get(f"{base}{path}", params=params)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{mode} {q!r}: HTTP {response.status_code} {response.text[:200]}")
                body = response.json()
                if mode == "hybrid":
                    found.extend(h["id"] for h in body["hits"][:2] if h["id"] not in found)
                if n >= args.warmup:
                    wall.append(elapsed)
                    server.append(body["took_ms"])
            cpu_end = cpu_seconds(server_process.pid)
            cpu_ms = (cpu_end - cpu_start) * 1000 / len(wall) if cpu_start is not None and cpu_end is not None \
                else float("nan")
            results[mode] = {"p50": round(percentile(wall, 50), 1), "p95": round(percentile(wall, 95), 1),
                             "max": round(max(wall), 1), "server_p50": round(percentile(server, 50), 1),
                             "server_p95": round(percentile(server, 95), 1), "server_cpu_ms": round(cpu_ms, 1)}
        stats = client.get(f"{base}/api/stats").json()
        memory = memory_mib(server_process.pid) or {}
        if args.smaps:
            Path(args.smaps).write_text(Path(f"/proc/{server_process.pid}/smaps").read_text())
    print(f"{stats['issues']} issues, {stats['measures']} measures ({stats['backend']}), query model "
          f"{stats['query_model_id']}; {args.requests} distinct queries per mode, size {args.size}, "
          f"facets {args.facets}; one sequential client")
    print(f"{'mode':<10}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'server p50':>12}{'server p95':>12}"
          f"{'server CPU ms/request':>24}")
    for mode, r in results.items():
        print(f"{mode:<10}{r['p50']:>10.1f}{r['p95']:>10.1f}{r['max']:>10.1f}{r['server_p50']:>12.1f}"
              f"{r['server_p95']:>12.1f}{r['server_cpu_ms']:>24.1f}")
    print(f"server memory: RSS {memory.get('rss', float('nan')):.0f} MiB (anonymous {memory.get('anon', float('nan')):.0f}, "
          f"file-backed {memory.get('file', float('nan')):.0f}: mapped files, reclaimable), "
          f"peak {memory.get('peak', float('nan')):.0f} MiB")
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print(json.dumps({"issues": stats["issues"], "requests": args.requests, **results,
                      "server_memory_mib": memory, "load_average": round(load[0], 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
