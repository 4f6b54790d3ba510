"""Benchmark of the problem-family computation (indexer/families.py) at scale.

    .venv/bin/python scripts/bench_families.py --issues 100000 [--data DIR] [--fresh] [--threads 2]

1. Build (child process): an embedded index of ``--issues`` issues, as ``scripts/bench_engine.py``
   builds one — notices of ``scripts/gen_corpus.py`` tokenised with the project's tokeniser, re-paired
   past the pool — but with vectors shaped like a sentence model's: clustered Gaussian directions
   (2,000 topics) plus one direction every vector shares, scaled so that unrelated issues have a
   cosine of ~0.8 and issues of one topic ~0.9, as e5-small's vectors of real notices do (a plain
   Gaussian corpus has cosines near 0, and then nearly no pair reaches the grouping threshold,
   which would measure too little work). Kept in ``/tmp/bench_families_<N>`` and reused unless
   ``--fresh``.
2. Compute (this process, as ``indexer.pipeline`` does after an ingest): read every issue through
   ``Backend.scan``, group, store. Prints seconds per step, the total (wall clock and the process's
   CPU time: on a shared machine the wall clock also measures the neighbours), the families found
   and the process's peak RSS; then the recall of the neighbour search against exact search on a
   sample of issues. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
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

from indexer import families  # noqa: E402
from indexer.backends.embedded import EmbeddedBackend  # noqa: E402
from indexer.settings import load_settings  # noqa: E402

DIMS = 384
TOPICS = 2000
SEED = 20261206
RECALL_SAMPLE = 1000
SHARED = 1.86  # weight of the shared direction (topic 0.75, noise 0.55): unrelated cosine ≈ 0.8, same topic ≈ 0.93


def _bench_engine() -> Any:
    path = ROOT / "scripts" / "bench_engine.py"
    spec = importlib.util.spec_from_file_location("bench_engine", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_like_vectors(seed: int) -> Iterator[np.ndarray]:
    """Unit vectors: a shared direction + a topic direction + noise (see the module docstring)."""
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(DIMS).astype(np.float32)
    shared /= np.linalg.norm(shared)
    topics = rng.standard_normal((TOPICS, DIMS)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    while True:
        noise = rng.standard_normal((4096, DIMS)).astype(np.float32)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        block = SHARED * shared + 0.75 * topics[rng.integers(0, TOPICS, 4096)] + 0.55 * noise
        yield from block / np.linalg.norm(block, axis=1, keepdims=True)


def build(data: Path, issues: int, pool_notices: int, threads: int) -> None:
    engine = _bench_engine()
    if data.exists():
        shutil.rmtree(data)
    started = time.perf_counter()
    pool = engine._pool(max(1, min(pool_notices, issues // 15 + 1)), engine.SEED)
    print(f"pool: {len(pool)} notices tokenised in {time.perf_counter() - started:.0f}s", flush=True)
    backend = EmbeddedBackend(data, threads=threads)
    from indexer.tokenise import DICTIONARY_VERSION

    backend.check_compatible(f"synthetic-model-like-{DIMS}", DIMS, DICTIONARY_VERSION)
    batch = []
    for bundle in engine._bundles(issues, pool, False, model_like_vectors(SEED)):
        batch.append(bundle)
        if len(batch) >= 256:
            backend.write(batch)
            batch = []
    if batch:
        backend.write(batch)
    info = backend.info()
    backend.close()
    (data / "bench.json").write_text(json.dumps({"issues": info.issues}))
    print(f"built: {info.notices} notices, {info.issues} issues in {time.perf_counter() - started:.0f}s", flush=True)


def neighbour_recall(vectors: np.ndarray, k: int) -> float | None:
    """Share of each sampled issue's exact ``k`` nearest issues that the family step's neighbour
    search finds (``families.nearest``: inverted file over principal components above 20k issues)."""
    if len(vectors) <= families.EXACT_KNN_ROWS:
        return None
    _, found = families.nearest(vectors, k + 1)
    rows = np.sort(np.random.default_rng(1).choice(len(vectors), size=RECALL_SAMPLE, replace=False))
    hits = 0
    for start in range(0, len(rows), 100):
        chunk = rows[start:start + 100]
        exact = np.argsort(-(vectors[chunk] @ vectors.T), axis=1)[:, :k + 1]
        hits += sum(len(set(e) & set(f)) for e, f in zip(exact.tolist(), found[chunk].tolist(), strict=True))
    return round(hits / (len(rows) * (k + 1)), 4)


def peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, required=True)
    parser.add_argument("--data", default=None, help="data folder (default /tmp/bench_families_<N>)")
    parser.add_argument("--fresh", action="store_true", help="rebuild the corpus even if the folder holds it")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pool-notices", type=int, default=2000, help="notices generated and tokenised")
    parser.add_argument("--threshold", type=float, default=None, help="grouping threshold (default: the setting)")
    parser.add_argument("--build-into", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_into:
        build(Path(args.build_into), args.issues, args.pool_notices, args.threads)
        return 0
    data = Path(args.data or f"/tmp/bench_families_{args.issues}")
    marker = data / "bench.json"
    if args.fresh or not marker.exists() or json.loads(marker.read_text()).get("issues") != args.issues:
        subprocess.run([sys.executable, __file__, "--build-into", str(data), "--issues", str(args.issues),
                        "--threads", str(args.threads), "--pool-notices", str(args.pool_notices)],
                       check=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    settings = load_settings(data_dir=str(data), threads=args.threads)
    if args.threshold is not None:
        settings = settings.with_overrides(family_threshold=args.threshold)
    import faiss

    faiss.omp_set_num_threads(args.threads)
    backend = EmbeddedBackend(data, threads=args.threads)
    timings: dict[str, float] = {}
    cpu_started = time.process_time()
    started = time.perf_counter()
    corpus = families.read_corpus(backend)
    timings["read"] = time.perf_counter() - started
    result = families.compute(corpus, families.FamilyParams.from_settings(settings), timings)
    families.store(backend, result)
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    timings["store"] = total - sum(timings.values())
    backend.close()
    peak = peak_rss_mb()
    recall = neighbour_recall(corpus.vectors, families.FamilyParams.from_settings(settings).neighbours)
    sizes = sorted((len(f.members) for f in result.families), reverse=True)
    summary = {
        "issues": result.issues, "seconds": round(total, 1), "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(peak), "neighbour_recall_at_k": recall,
        "steps": {k: round(v, 1) for k, v in timings.items()}, "families": len(result.families),
        "issues_in_families": sum(sizes), "largest": sizes[:5],
        "families_3plus_institutions": sum(1 for f in result.families if f.institutions >= 3),
        "threshold": result.params.threshold, "threads": args.threads, "load_average": os.getloadavg()[0],
    }
    print(f"{result.issues} issues → {len(result.families)} families ({sum(sizes)} issues in them) in {total:.1f}s, "
          f"peak RSS {summary['peak_rss_mb']} MiB; neighbour recall {recall} (vs exact, {RECALL_SAMPLE} issues); steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
