"""Benchmark of the vector index's compressed layouts (indexer.backends.vector_index) alone.

    .venv/bin/python scripts/bench_vectors.py --vectors synthetic --rows 100000 [--layouts sq8,pq4fs]
    .venv/bin/python scripts/bench_vectors.py --vectors real --rows 22000 [--cache FILE]

``--layouts`` takes the index's compressed layouts (``sq8``, ``pq4fs``); ``pq4fs:4:400`` tries PQ
fast scan with 4 dims a code and ``k + max(k, 400)`` candidates re-scored (``sq8:_:100``: SQ8
with 100), so candidate counts and code sizes are chosen by measured recall.

For each layout, a :class:`VectorIndex` is filled with ``--rows`` vectors (its ``exact_max_rows``
is set below the row count, so the compressed layout is the one measured; training runs on
the first 50k rows as in serving), then ``--queries`` top-10 queries run on one thread without a
filter, with a broad filter (~40% of rows) and a selective one (~3%). Printed per layout and
filter: recall@10 against exact float32 search over the vectors before they are stored (exact ties
counted as hits: templated texts give identical vectors; the index gets them as the store gives
them back, ``--stored int8`` as now or ``float16`` as before store layout 4, so the figure counts
that rounding too), CPU ms per query (p50 / p95 of this thread's CPU time, so other processes'
load does not count), build time, memory per row of the in-process part, and the load average
beside each line. The last line is one JSON object with every figure.

Vectors: ``synthetic`` are scripts/bench_engine.py's clustered Gaussian vectors, queries are
corpus vectors plus noise; ``real`` are the configured model's passage embeddings of the
issues of notices from scripts/gen_corpus.py, built as ingest builds them
(:func:`indexer.bundles.embedding_text`), queries are the model's query embeddings of short
and long query texts (bench_engine's). Embedding 20k passages takes minutes: ``--cache`` keeps
them (float16, .npy) for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_engine  # noqa: E402

from indexer.backends import vector_index  # noqa: E402
from indexer.vector_codec import CODECS, INT8, VectorCodec  # noqa: E402

K = 10
DEFAULTS = (vector_index.DIMS_PER_SUBQUANTISER, dict(vector_index.RESCORE_EXTRA))  # before any --layouts variant
SELECTIVE = 30  # one value in this many: the selective filter's share of rows (~3%)


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def real_vectors(rows: int, cache: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """(corpus, queries): the model's embeddings of generated issues and of query texts."""
    if cache is not None and cache.exists():
        data = np.load(cache)
        if len(data["corpus"]) >= rows:
            return data["corpus"][:rows].astype(np.float32), data["queries"].astype(np.float32)
    from indexer.bundles import embedding_text
    from indexer.embed import load_embedder
    from indexer.settings import load_settings

    gen = bench_engine._gen_corpus()
    texts: list[str] = []
    i = 0
    while len(texts) < rows:
        texts += [embedding_text(issue.problem, issue.measures)
                  for issue in gen.build_notice(bench_engine.SEED, i, ("txt",)).issues]
        i += 1
    texts = texts[:rows]
    embedder = load_embedder(load_settings())
    started = time.perf_counter()
    corpus = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
    query_texts = bench_engine.SHORT_QUERIES + bench_engine._long_queries(170)
    queries = np.asarray(embedder.embed_queries(query_texts), dtype=np.float32)
    print(f"embedded {len(texts)} passages ({len(set(texts))} distinct) and {len(query_texts)} queries with "
          f"{embedder.model_id} in {time.perf_counter() - started:.0f}s  [{_load()}]", flush=True)
    if cache is not None:
        with open(cache, "wb") as fh:
            np.savez(fh, corpus=corpus.astype(np.float16), queries=queries.astype(np.float16))
    return corpus, queries


class Corpus:
    """Rows in blocks (vectors, province codes, years), the same for every layout, and the
    exact top-10 of each (query, filter) kept up to date as blocks go by."""

    def __init__(self, kind: str, rows: int, queries: int, cache: Path | None, stored: VectorCodec) -> None:
        self.kind, self.rows, self.stored = kind, rows, stored
        rng = np.random.default_rng(bench_engine.SEED + 1)
        if kind == "real":
            self._real, self.queries = real_vectors(rows, cache)
            self.queries = self.queries[:queries]
        else:
            self._real = None
            base = next(self.blocks())[0][rng.integers(0, min(rows, 4096), queries)]
            base /= np.linalg.norm(base, axis=1, keepdims=True)
            noisy = base + 0.35 * 4 / np.sqrt(bench_engine.DIMS) * rng.standard_normal(base.shape).astype(np.float32)
            self.queries = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        self.queries = self.queries.astype(np.float32)

    def blocks(self, size: int = 65536, *, raw: bool = False) -> Any:
        """(float32 vectors, as stored unless ``raw``; province numbers, years) in blocks of ``size`` rows."""
        keys = np.random.default_rng(bench_engine.SEED + 2)
        vectors = bench_engine._synthetic_vectors(bench_engine.SEED) if self._real is None else iter(self._real)
        for start in range(0, self.rows, size):
            n = min(size, self.rows - start)
            block = np.stack([next(vectors) for _ in range(n)]).astype(np.float32)
            yield block if raw else self.stored.rounded(block), keys.integers(0, SELECTIVE, n), keys.integers(2019, 2026, n)

    def exact(self, filters: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per filter name: (top-10 positions, top-10 cosines) per query, exact float32."""
        best = {name: (np.zeros((len(self.queries), 0), np.int64), np.zeros((len(self.queries), 0), np.float32))
                for name in filters}
        start = 0
        for block, province, year in self.blocks(raw=True):
            cos = (block / np.linalg.norm(block, axis=1, keepdims=True)) @ self.queries.T  # rows × queries
            for name, test in filters.items():
                scores = np.where(test(province, year)[:, None], cos, -np.inf).T  # queries × rows
                part = np.argpartition(-scores, K, axis=1)[:, :K] if scores.shape[1] > K else \
                    np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
                rows = np.concatenate([best[name][0], part + start], axis=1)
                merged = np.concatenate([best[name][1], np.take_along_axis(scores, part, 1)], axis=1)
                top = np.argsort(-merged, axis=1, kind="stable")[:, :K]
                best[name] = (np.take_along_axis(rows, top, 1), np.take_along_axis(merged, top, 1))
            start += len(block)
        return best


def measure(corpus: Corpus, layout: str, truth: dict[str, Any], filters: dict[str, Any]) -> dict[str, Any]:
    """Build one index of ``layout`` and time its queries (one thread), against ``truth``."""
    from indexer.backends.base import Filters

    # "pq4fs:2:200": PQ fast scan with 2 dims a code, k + max(k, 200) candidates re-scored
    layout, *variant = layout.split(":")
    vector_index.DIMS_PER_SUBQUANTISER, vector_index.RESCORE_EXTRA = DEFAULTS[0], dict(DEFAULTS[1])
    if variant and variant[0] != "_":
        vector_index.DIMS_PER_SUBQUANTISER = int(variant[0])
    if len(variant) > 1:
        vector_index.RESCORE_EXTRA[layout] = int(variant[1])
    name = f"{layout}(dims/code {vector_index.DIMS_PER_SUBQUANTISER}, re-score k+{vector_index.RESCORE_EXTRA[layout]})" \
        if layout == "pq4fs" else f"{layout}(re-score k+{vector_index.RESCORE_EXTRA[layout]})"
    exact_max = vector_index.EXACT_MAX_ROWS if corpus.rows > 2 * vector_index.EXACT_MAX_ROWS else corpus.rows // 2
    index = vector_index.VectorIndex(bench_engine.DIMS, {"province": "keyword", "year": "integer"},
                                     exact_max_rows=exact_max, threads=1, compressed=layout, codec=corpus.stored)
    build = switch = 0.0
    start = 0
    for block, province, year in corpus.blocks():
        keys = [{"province": str(p), "year": int(y)} for p, y in zip(province, year, strict=True)]
        crossing = index.kind == "exact-float32"
        t = time.thread_time()
        index.add(range(start + 1, start + 1 + len(block)), block, keys)
        spent = time.thread_time() - t
        build += spent
        if crossing and index.kind != "exact-float32":
            switch = spent
        start += len(block)
    stats = index.stats()
    masks = {"none": Filters(), "broad": Filters(ranges={"year": (2023, None)}),
             "selective": Filters(equals={"province": ("7",)})}
    out: dict[str, Any] = {"layout": name, "stored": corpus.stored.name, "rows": corpus.rows, "kind": stats["kind"], "build_s": round(build, 1),
                           "train_and_first_rows_s": round(switch, 1),
                           "bytes_per_row": round(stats["approx_mb"] * 2**20 / corpus.rows, 1),
                           "mib_per_1m_rows": round(stats["approx_mb"] * 1e6 / corpus.rows, 1)}
    print(f"{name}, vectors stored as {corpus.stored.name}: {corpus.rows} rows built in {build:.1f}s CPU (training + first {exact_max} rows "
          f"{switch:.1f}s), {out['bytes_per_row']} B a row in memory = {out['mib_per_1m_rows']} MiB per 1M rows  "
          f"[{_load()}]", flush=True)
    for name in filters:
        mask = index.mask(masks[name], lambda ids: [])
        positions, cosines = truth[name]
        cpu, recalls = [], []
        for qi, q in enumerate(corpus.queries):
            t = time.thread_time()
            got = index.search(q, K, mask)
            cpu.append((time.thread_time() - t) * 1000)
            # a hit is a true top-10 row, or any row as close as the 10th (exact ties)
            want = set((positions[qi] + 1).tolist())
            tenth = cosines[qi][-1] - 1e-6
            recalls.append(sum(1 for rowid, score in got if rowid in want or score >= tenth) / K)
        out[f"{name}_recall_at_10"] = round(float(np.mean(recalls)), 4)
        out[f"{name}_cpu_ms_p50"] = round(float(np.percentile(cpu, 50)), 2)
        out[f"{name}_cpu_ms_p95"] = round(float(np.percentile(cpu, 95)), 2)
        print(f"  {name:9s} filter: recall@10 {out[f'{name}_recall_at_10']:.4f}, CPU ms/query p50 "
              f"{out[f'{name}_cpu_ms_p50']:.2f} p95 {out[f'{name}_cpu_ms_p95']:.2f}  [{_load()}]", flush=True)
    index.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", choices=("synthetic", "real"), default="synthetic")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--layouts", default="sq8,pq4fs", help="compressed layouts to compare, comma-separated")
    parser.add_argument("--cache", type=Path, default=None, help="real vectors: .npz kept between runs")
    parser.add_argument("--embed-only", action="store_true", help="real vectors: fill --cache and stop")
    parser.add_argument("--stored", choices=sorted(CODECS), default=INT8.name,
                        help="how the store keeps vectors (what the index is given): int8 (now) or float16")
    args = parser.parse_args(argv)
    import faiss

    faiss.omp_set_num_threads(1)  # as the server runs it (indexer.backends.embedded)
    corpus = Corpus(args.vectors, args.rows, args.queries, args.cache, CODECS[args.stored])
    if args.embed_only:
        return 0
    filters = {"none": lambda p, y: np.ones(len(p), bool), "broad": lambda p, y: y >= 2023,
               "selective": lambda p, y: p == 7}
    t = time.perf_counter()
    truth = corpus.exact(filters)
    print(f"{args.vectors} vectors, {args.rows} rows, {len(corpus.queries)} queries; exact top-10 in "
          f"{time.perf_counter() - t:.0f}s  [{_load()}]", flush=True)
    results = [measure(corpus, layout, truth, filters) for layout in args.layouts.split(",")]
    print(json.dumps({"vectors": args.vectors, "rows": args.rows, "load_average": round(os.getloadavg()[0], 2),
                      "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
