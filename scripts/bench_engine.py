"""Benchmark of the embedded backend's two legs at scale.

    .venv/bin/python scripts/bench_engine.py --issues 100000 [--queries 100] [--data DIR] [--fresh]

1. Build (in a child process, so the serving process starts clean): issue texts come from
   ``scripts/gen_corpus.py`` (fictional notices from its phrase bank, metadata included). A pool
   of notices is generated and tokenised once with ``indexer.tokenise.tokenise_for_index``; past
   the pool, notices reuse the pool's token lists re-paired at random (tokenising 1M issues takes
   ~9 minutes and measures nothing about the engine). Corpus vectors are synthetic (384-d,
   clustered Gaussian) unless ``--real-vectors``. Every issue's measures are measure documents
   too. Everything goes through ``EmbeddedBackend.write`` in batches of ``--batch`` notices.
   The data folder is kept (``/tmp/bench_engine_<N>`` by default) and reused unless ``--fresh``.
2. Serve (this process): open the folder, run short (1–3 tokens) and long (25–40 tokens) lexical
   queries, top-50, with no filter, a selective filter (one province) and a broad one (year ≥
   2022); vector top-50 queries with the same filters; facets. Prints p50/p95 per kind, RSS and
   disk. Query vectors are corpus vectors plus noise (the corpus vectors being synthetic); the
   real model's query embedding time is measured separately when ``indexer.embed.load_embedder``
   can load the configured model.
3. Recall@10 of the vector leg against exact search (numpy, float32, same filters), computed
   after RSS is recorded.

The last line is one JSON object: issues, lexical_p95_ms, vector_p95_ms, vector_recall_at_10,
rss_mb (peak of the serving process before the exact baseline), and more.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.backends.base import Filters, LexicalQuery, NoticeBundle  # noqa: E402
from indexer.backends.embedded import EmbeddedBackend  # noqa: E402
from indexer.backends.embedded_generation import STORE  # noqa: E402
from indexer.backends.embedded_store import RecordStore  # noqa: E402
from indexer.fields import facet_fields, lexical_boosts  # noqa: E402
from indexer.types import Target  # noqa: E402

DIMS = 384
K = 50
SEED = 20240611
SHORT_QUERIES = [
    "医保基金", "公务接待", "政府采购", "三重一大", "公车管理", "违规发放津补贴", "招标", "意识形态",
    "党费收缴", "固定资产管理", "财务报销", "合同管理", "工程项目", "基层党组织", "民主集中制", "食堂",
    "过度检查", "廉政风险", "选人用人", "档案管理", "专项资金", "会议记录", "干部培训", "债务",
    "扶贫资金", "学习教育", "整改台账", "问责", "集体决策", "网络安全",
]


def _gen_corpus() -> Any:
    path = ROOT / "scripts" / "gen_corpus.py"
    spec = importlib.util.spec_from_file_location("gen_corpus", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_corpus"] = module
    spec.loader.exec_module(module)
    return module


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, MiB."""
    values = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# -- build ---------------------------------------------------------------------------------------

def _pool(pool_notices: int, seed: int) -> list[dict[str, Any]]:
    """Notices of the corpus generator, tokenised once: metadata + per-issue texts and tokens."""
    from indexer.tokenise import tokenise_for_index

    gen = _gen_corpus()

    def tokens(text: str | None) -> list[str]:
        return tokenise_for_index(text) if text else []

    pool = []
    for i in range(pool_notices):
        n = gen.build_notice(seed, i, ("txt",))
        issues = [{
            "problem": issue.problem, "status": issue.status, "categories": [issue.cat], "section": issue.group,
            "measures": issue.measures,
            "problem_tokens": tokens(issue.problem), "context_tokens": tokens(issue.group),
            "measures_tokens": tokens("；".join(issue.measures)),
            "measure_tokens": [tokens(m) for m in issue.measures],
        } for issue in n.issues]
        pool.append({
            "institution": n.short, "organization": n.org, "institution_type": n.kind, "province": n.province,
            "city": n.city, "county": n.county, "level": n.extra["info"]["level"], "inspection_kind": n.xun,
            "inspection_type": n.itype, "inspection_body": n.body, "year": n.feedback[0],
            "feedback_date": "{:04d}-{:02d}-{:02d}".format(*n.feedback), "title": f"{n.inst}巡察整改进展情况的通报",
            "issues": issues,
        })
    return pool


def _bundles(n_issues: int, pool: list[dict[str, Any]], measures: bool, vectors: Iterator[np.ndarray]
             ) -> Iterator[NoticeBundle]:
    """Notices until ``n_issues`` issues: the pool first, then pool notices re-paired at random."""
    rng = random.Random(SEED)
    flat = [issue for notice in pool for issue in notice["issues"]]
    written = 0
    j = 0
    while written < n_issues:
        template = pool[j % len(pool)]
        notice_id = f"b{j:07d}"
        meta = {k: v for k, v in template.items() if k != "issues"}
        if j >= len(pool):
            meta["year"] = rng.randint(2019, 2025)
        base = {"notice_id": notice_id, "source": f"bench/{notice_id}.txt", **meta}
        issues, measure_docs = [], []
        for seq, issue in enumerate(template["issues"][: n_issues - written], start=1):
            if j >= len(pool):  # a new pairing of pool texts: same statistics, different documents
                other, third = rng.choice(flat), rng.choice(flat)
                issue = {**issue, "problem_tokens": issue["problem_tokens"] + other["problem_tokens"][:4],
                         "measures_tokens": third["measures_tokens"], "measure_tokens": third["measure_tokens"],
                         "measures": third["measures"]}
            issue_id = f"{notice_id}-{seq:03d}"
            doc = {"id": issue_id, **base, "seq": seq, "label": f"{seq}.",
                   **{k: v for k, v in issue.items() if k != "measure_tokens"},
                   "vector": next(vectors).tolist()}
            issues.append(doc)
            if measures:
                for m, (text, toks) in enumerate(zip(issue["measures"], issue["measure_tokens"], strict=False), 1):
                    measure_docs.append({
                        "id": f"{issue_id}-m{m}", "issue_id": issue_id, **base, "seq": seq, "measure_seq": m,
                        "text": text, "problem": issue["problem"], "status": issue["status"],
                        "categories": issue["categories"], "text_tokens": toks, "problem_tokens": issue["problem_tokens"],
                    })
        written += len(issues)
        notice = {**base, "issue_ids": [d["id"] for d in issues], "original_text": "……"}
        yield NoticeBundle(notice_id, base["source"], notice, issues, measure_docs)
        j += 1


def _synthetic_vectors(seed: int) -> Iterator[np.ndarray]:
    """Clustered Gaussian vectors (2,000 centres), a stand-in for sentence embeddings."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2000, DIMS)).astype(np.float32)
    while True:
        block = centres[rng.integers(0, len(centres), 4096)] + 0.9 * rng.standard_normal((4096, DIMS)).astype(
            np.float32)
        yield from block


def build(args: argparse.Namespace) -> None:
    data = Path(args.build_into)
    if data.exists():
        shutil.rmtree(data)
    started = time.perf_counter()
    pool_notices = max(1, min(args.pool_notices, args.issues // 15 + 1))
    pool = _pool(pool_notices, SEED)
    pool_issues = sum(len(n["issues"]) for n in pool)
    prepared = time.perf_counter() - started
    print(f"corpus: {pool_notices} notices / {pool_issues} issues from scripts/gen_corpus.py, tokenised in "
          f"{prepared:.1f}s" + (f"; issues past {pool_issues} re-pair the pool's token lists" if args.issues > pool_issues
                                else ""), flush=True)
    if args.real_vectors:
        from indexer.embed import load_embedder
        from indexer.settings import load_settings

        embedder = load_embedder(load_settings())
        texts = [i["problem"] for n in pool for i in n["issues"]]
        real = embedder.embed_passages(texts)
        vectors: Iterator[np.ndarray] = (real[i % len(real)] for i in range(10**12))
        model_id = embedder.model_id
        print(f"vectors: {embedder.model_id}, {len(texts)} passages (reused past the pool)", flush=True)
    else:
        vectors = _synthetic_vectors(SEED)
        model_id = f"synthetic-gaussian-{DIMS}"
        print(f"vectors: synthetic ({model_id}): clustered Gaussian, not a model's", flush=True)
    backend = EmbeddedBackend(data, threads=args.threads)
    from indexer.tokenise import DICTIONARY_VERSION

    backend.check_compatible(model_id, DIMS, DICTIONARY_VERSION)
    batch: list[NoticeBundle] = []
    written = 0
    write_s = 0.0
    for bundle in _bundles(args.issues, pool, not args.no_measures, vectors):
        batch.append(bundle)
        if len(batch) >= args.batch:
            t = time.perf_counter()
            backend.write(batch)
            write_s += time.perf_counter() - t
            written += sum(len(b.issues) for b in batch)
            batch = []
            if written % (args.batch * 64) < args.batch * 16:
                print(f"  {written} issues written, {written / write_s:.0f} issues/s in write()", flush=True)
    if batch:
        t = time.perf_counter()
        backend.write(batch)
        write_s += time.perf_counter() - t
    info = backend.info()
    backend.close()
    total = time.perf_counter() - started
    _, peak = _rss_mb()
    print(f"built: {info.notices} notices, {info.issues} issues, {info.measures} measures in {total:.0f}s "
          f"(write() {write_s:.0f}s, {info.issues / max(write_s, 1e-9):.0f} issues/s), builder peak RSS {peak:.0f} MiB, "
          f"disk {_disk_mb(data):.0f} MiB", flush=True)
    (data / "bench.json").write_text(json.dumps({"issues": info.issues, "build_s": round(total, 1),
                                                 "write_s": round(write_s, 1), "builder_peak_rss_mb": round(peak),
                                                 "vectors": model_id, "measures": info.measures}))


# -- serve ---------------------------------------------------------------------------------------

def _long_queries(n: int) -> list[str]:
    """Unseen problem statements (another seed) with their first measure: 25–40 tokens."""
    gen = _gen_corpus()
    out: list[str] = []
    i = 0
    while len(out) < n:
        notice = gen.build_notice(SEED + 1, i, ("txt",))
        for issue in notice.issues:
            out.append(issue.problem + "，" + (issue.measures[0] if issue.measures else ""))
        i += 1
    return out[:n]


def _timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return (time.perf_counter() - t) * 1000, result


class _Clock:
    """Wall time and this process's CPU time (all threads) of each call, in ms. On a machine
    shared by many, wall time includes waiting for a core; CPU time is the work itself."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __call__(self, fn: Any) -> Any:
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        self.cpu.append((time.process_time() - c) * 1000)
        self.wall.append((time.perf_counter() - t) * 1000)
        return result

    def summary(self) -> dict[str, float]:
        return {"p50": _pct(self.wall, 50), "p95": _pct(self.wall, 95),
                "cpu_p50": _pct(self.cpu, 50), "cpu_p95": _pct(self.cpu, 95)}


def _query_vectors(store_path: Path, n: int, seed: int) -> np.ndarray:
    """Stored issue vectors plus noise: queries near the corpus, like real ones."""
    store = RecordStore(store_path, read_only=True)
    codec = store.vector_codec  # how its vectors are kept
    store.close()
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    (top,) = db.execute("SELECT max(rowid) FROM docs").fetchone()
    rng = np.random.default_rng(seed)
    picked: list[np.ndarray] = []
    while len(picked) < n:
        row = db.execute("SELECT vector FROM docs WHERE rowid >= ? AND target = 0 AND deleted = 0 AND vector "
                         "IS NOT NULL LIMIT 1", (int(rng.integers(1, top + 1)),)).fetchone()
        if row:
            picked.append(codec.decode_one(row[0]))
    db.close()
    base = np.stack(picked)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = base + 0.35 * rng.standard_normal(base.shape).astype(np.float32) / np.sqrt(DIMS) * 4
    return (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)


def _exact_top10(store_path: Path, queries: np.ndarray, filters: list[tuple[str | None, int | None]]
                 ) -> tuple[list[list[int]], list[float]]:
    """Exact cosine top-10 rowids per (query, filter), and the 10th score: numpy over every
    stored issue vector."""
    store = RecordStore(store_path, read_only=True)  # filter keys as the vector index reads them
    best_scores = np.full((len(queries), 10), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 10), dtype=np.int64)
    for batch in store.changes_since(0, upto=store.seq(), with_doc=False, vectors_only=True, batch=100_000):
        rows = []
        for change in batch:
            if change.target is not Target.ISSUES:
                continue
            keys = {**(store.codec.loads(change.shared) if change.shared else {}),
                    **(store.codec.loads(change.keys) if change.keys else {})}
            rows.append((change.rowid, change.vector, keys.get("province"), keys.get("year")))
        if not rows:
            continue
        rowids = np.array([r[0] for r in rows], dtype=np.int64)
        matrix = store.vector_codec.decode([r[1] for r in rows])
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        province = np.array([r[2] for r in rows], dtype=object)
        year = np.array([r[3] if r[3] is not None else -1 for r in rows], dtype=np.int64)
        scores = matrix @ queries.T  # rows × queries
        for qi, (prov, min_year) in enumerate(filters):
            column = scores[:, qi].copy()
            if prov is not None:
                column[province != prov] = -np.inf
            if min_year is not None:
                column[year < min_year] = -np.inf
            top = np.argpartition(-column, 10)[:10] if len(column) > 10 else np.arange(len(column))
            merged_s = np.concatenate([best_scores[qi], column[top]])
            merged_r = np.concatenate([best_rows[qi], rowids[top]])
            keep = np.argsort(-merged_s, kind="stable")[:10]
            best_scores[qi], best_rows[qi] = merged_s[keep], merged_r[keep]
    store.close()
    rows = [[int(r) for r, s in zip(best_rows[qi], best_scores[qi], strict=True) if np.isfinite(s)]
            for qi in range(len(queries))]
    return rows, [float(best_scores[qi][-1]) for qi in range(len(queries))]


def _embedding_times(short: list[str], long: list[str]) -> dict[str, Any]:
    try:
        from indexer.embed import load_embedder
        from indexer.settings import load_settings

        embedder = load_embedder(load_settings(), cache=False)
    except Exception as exc:  # the model may be absent on this machine: say so, measure the rest
        return {"measured": False, "reason": f"{type(exc).__name__}: {exc}"[:200]}
    out: dict[str, Any] = {"measured": True, "model": embedder.model_id}
    embedder.embed_queries(["预热"])
    for name, texts in (("short", short), ("long", long)):
        times = [_timed(lambda t=t: embedder.embed_queries([t]))[0] for t in texts]
        out[name] = {"p50_ms": round(_pct(times, 50), 1), "p95_ms": round(_pct(times, 95), 1)}
    return out


def serve(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    from indexer.tokenise import tokenise_query

    built = json.loads((data / "bench.json").read_text())
    rss_before, _ = _rss_mb()
    open_ms, backend = _timed(lambda: EmbeddedBackend(data, threads=args.threads))
    info = backend.info()
    store_path = data / info.extra["generation"] / STORE
    print(f"opened {data} in {open_ms / 1000:.1f}s: {info.issues} issues, {info.measures} measures; vectors "
          f"{info.extra['vectors']}", flush=True)

    rng = random.Random(SEED)
    n = args.queries
    short_texts = [rng.choice(SHORT_QUERIES) + (" " + rng.choice(SHORT_QUERIES) if rng.random() < 0.3 else "")
                   for _ in range(n)]
    long_texts = _long_queries(n)
    boosts = lexical_boosts(Target.ISSUES)
    short_q = [LexicalQuery(tuple(tokenise_query(t)), boosts) for t in short_texts]
    long_q = [LexicalQuery(tuple(tokenise_query(t)), boosts) for t in long_texts]
    provinces = backend.facets(Target.ISSUES, Filters(), ["province"], size=100)["province"]
    selective_province = min(provinces, key=lambda kv: abs(kv[1] / max(info.issues, 1) - 0.05))[0]
    filter_kinds = {
        "none": (Filters(), (None, None)),
        "selective": (Filters(equals={"province": (selective_province,)}), (selective_province, None)),
        "broad": (Filters(ranges={"year": (2022, None)}), (None, 2022)),
    }
    share = {name: sum(c for _, c in backend.facets(Target.ISSUES, f, ["level"], size=10)["level"]) / max(info.issues, 1)
             for name, (f, _) in filter_kinds.items()}
    print(f"filters: selective = province {selective_province} ({share['selective']:.1%} of issues), "
          f"broad = year >= 2022 ({share['broad']:.1%})", flush=True)
    print(f"query tokens: short {np.mean([len(q.terms) for q in short_q]):.1f} on average, long "
          f"{np.mean([len(q.terms) for q in long_q]):.1f}", flush=True)

    results: dict[str, dict[str, float]] = {}
    lexical_all, vector_all = _Clock(), _Clock()
    for length, queries in (("short", short_q), ("long", long_q)):
        for fname, (filters, _) in filter_kinds.items():
            backend.lexical(Target.ISSUES, queries[0], filters, K)  # warm
            clock = _Clock()
            for q in queries:
                clock(lambda q=q, f=filters: backend.lexical(Target.ISSUES, q, f, K))
            lexical_all.wall += clock.wall
            lexical_all.cpu += clock.cpu
            results[f"lexical {length} {fname}"] = clock.summary()

    qvecs = _query_vectors(store_path, n, SEED)
    vector_hits: list[list[tuple[str, float]]] = []
    baseline_filters: list[tuple[str | None, int | None]] = []
    for fname, (filters, plain) in filter_kinds.items():
        backend.vector(Target.ISSUES, qvecs[0].tolist(), filters, K)  # warm
        clock = _Clock()
        for q in qvecs:
            hits = clock(lambda q=q, f=filters: backend.vector(Target.ISSUES, q.tolist(), f, K))
            vector_hits.append([(h.doc_id, h.score) for h in hits[:10]])
            baseline_filters.append(plain)
        vector_all.wall += clock.wall
        vector_all.cpu += clock.cpu
        results[f"vector {fname}"] = clock.summary()

    facet_names = list(facet_fields(Target.ISSUES))
    for label, query in (("facets all", None), ("facets short query", short_q)):
        clock = _Clock()
        for i in range(min(n, 30)):
            q = query[i] if query else None
            clock(lambda q=q: backend.facets(Target.ISSUES, Filters(), facet_names, q))
        results[label] = clock.summary()

    rss_now, rss_peak = _rss_mb()
    disk = _disk_mb(data)
    embedding = _embedding_times(short_texts[:30], long_texts[:30])

    print(f"\n{'kind':32s} {'p50 ms':>8s} {'p95 ms':>8s} {'cpu p50':>8s} {'cpu p95':>8s}")
    results["lexical, all kinds"] = lexical_all.summary()
    results["vector, all kinds"] = vector_all.summary()
    for name, r in results.items():
        print(f"{name:32s} {r['p50']:8.1f} {r['p95']:8.1f} {r['cpu_p50']:8.1f} {r['cpu_p95']:8.1f}")
    lexical_p95, vector_p95 = results["lexical, all kinds"]["p95"], results["vector, all kinds"]["p95"]
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if embedding["measured"]:
        print(f"query embedding ({embedding['model']}, one query at a time): short p50/p95 "
              f"{embedding['short']['p50_ms']}/{embedding['short']['p95_ms']} ms, long "
              f"{embedding['long']['p50_ms']}/{embedding['long']['p95_ms']} ms")
    else:
        print(f"query embedding: not measured ({embedding['reason']})")
    print(f"RSS of the serving process: {rss_now:.0f} MiB now, {rss_peak:.0f} MiB peak (Python + libraries "
          f"{rss_before:.0f} MiB before opening); disk {disk:.0f} MiB", flush=True)

    started = time.perf_counter()
    exact, tenth = _exact_top10(store_path, np.concatenate([qvecs] * len(filter_kinds)), baseline_filters)
    names = backend._gen.store.doc_ids_of(sorted({r for rows in exact for r in rows}))
    recalls, tie_aware = [], []
    per_kind: dict[str, list[float]] = {name: [] for name in filter_kinds}
    for i, (got, want) in enumerate(zip(vector_hits, exact, strict=True)):
        want_ids = {names[r] for r in want if r in names}
        if want_ids:
            recall = len({d for d, _ in got} & want_ids) / len(want_ids)
            recalls.append(recall)
            per_kind[list(filter_kinds)[i // n]].append(recall)
            # A hit as good as the exact 10th counts too (duplicate texts give tied vectors).
            tie_aware.append(sum(score >= tenth[i] - 1e-5 for _, score in got) / len(want_ids))
    print(f"recall@10 of the vector leg vs exact numpy search: {np.mean(recalls):.4f} "
          f"({', '.join(f'{k} {np.mean(v):.4f}' for k, v in per_kind.items())}); counting ties as hits "
          f"{np.mean(tie_aware):.4f}; baseline took {time.perf_counter() - started:.0f}s", flush=True)
    backend.close()
    return {
        "issues": info.issues, "measures": info.measures, "lexical_p95_ms": round(lexical_p95, 2),
        "lexical_p50_ms": round(_pct(lexical_all.wall, 50), 2), "vector_p95_ms": round(vector_p95, 2),
        "vector_p50_ms": round(_pct(vector_all.wall, 50), 2),
        "lexical_cpu_p95_ms": round(_pct(lexical_all.cpu, 95), 2), "vector_cpu_p95_ms": round(_pct(vector_all.cpu, 95), 2),
        "load_average": round(os.getloadavg()[0], 1), "vector_recall_at_10": round(float(np.mean(recalls)), 4),
        "vector_recall_at_10_ties": round(float(np.mean(tie_aware)), 4),
        "rss_mb": round(rss_peak), "rss_now_mb": round(rss_now), "disk_mb": round(disk),
        "open_s": round(open_ms / 1000, 1), "build_s": built.get("build_s"),
        "builder_peak_rss_mb": built.get("builder_peak_rss_mb"), "vector_index": info.extra["vectors"]["issues"]["kind"],
        "corpus_vectors": built.get("vectors"), "query_embedding": embedding,
        "kinds": {k: {m: round(v, 2) for m, v in r.items()} for k, r in results.items()},
        "queries_per_kind": n, "k": K, "threads": args.threads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", type=int, required=True, help="issues in the corpus")
    parser.add_argument("--queries", type=int, default=100, help="queries per kind")
    parser.add_argument("--data", default=None, help="data folder (default /tmp/bench_engine_<N>)")
    parser.add_argument("--fresh", action="store_true", help="rebuild even if the data folder holds the corpus")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256, help="notices per write() while building")
    parser.add_argument("--pool-notices", type=int, default=2000, help="notices generated and tokenised")
    parser.add_argument("--no-measures", action="store_true", help="index issues only")
    parser.add_argument("--real-vectors", action="store_true", help="embed the pool with the configured model")
    parser.add_argument("--build-into", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_into:
        build(args)
        return 0
    data = Path(args.data or f"/tmp/bench_engine_{args.issues}")
    marker = data / "bench.json"
    if args.fresh or not marker.exists() or json.loads(marker.read_text()).get("issues") != args.issues:
        cmd = [sys.executable, __file__, "--build-into", str(data), "--issues", str(args.issues),
               "--threads", str(args.threads), "--batch", str(args.batch), "--pool-notices", str(args.pool_notices)]
        cmd += ["--no-measures"] if args.no_measures else []
        cmd += ["--real-vectors"] if args.real_vectors else []
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    else:
        print(f"reusing the corpus in {data} ({marker.read_text()})", flush=True)
    summary = serve(args, data)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
