"""Bulk-ingest the benchmark corpus into Elasticsearch and print issues/s, with exact counts.

    .venv/bin/python scripts/bench_es_ingest.py [--notices 1400] [--corpus DIR] [--dims 384]
        [--batch 32] [--mode write|rebuild|both] [--keep]

The corpus is ``scripts/gen_corpus.py`` output (generated into a temporary folder unless
``--corpus`` names one). It is parsed, tokenised and embedded first (the model-free hashing
embedder at ``--dims``, the size of the real model's vectors), outside the timing; then the
bundles are written the way the pipeline writes them (``Backend.write`` in batches of
``--batch`` notices) and/or with ``Backend.rebuild`` (one fresh index, refresh off, alias swap).
After each run the index counts must equal what was sent, exactly, or the script exits 1.

The server is ES_URL's cluster when set (with ES_API_KEY / ES_USERNAME / ES_PASSWORD /
ES_CA_CERTS), else the noida-db emulator started on a free loopback port for the run. The
namespace (``bench-<random>``) is dropped at the end unless ``--keep``. Prints a table and, last,
one JSON line with the same figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.backends.base import NoticeBundle  # noqa: E402
from indexer.backends.elastic import ElasticBackend  # noqa: E402
from indexer.bundles import build_bundles  # noqa: E402
from indexer.embed import HashingEmbedder  # noqa: E402
from indexer.parsing import read  # noqa: E402
from indexer.parsing.parse import parse_document  # noqa: E402
from indexer.settings import load_settings  # noqa: E402
from indexer.tokenise import DICTIONARY_VERSION  # noqa: E402


def _rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def generate_corpus(out: Path, notices: int, formats: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), "--out", str(out),
                    "--notices", str(notices), "--formats", formats, "--quiet"], check=True)


def prepare(corpus: Path, embedder: HashingEmbedder, batch: int) -> tuple[list[NoticeBundle], int, int]:
    """Bundles of every file (first one wins for a repeated notice id), files read, repeats."""
    files = list(read.iter_files([corpus]))
    bundles: dict[str, NoticeBundle] = {}
    repeats = 0
    pending: list = []

    def flush() -> None:
        nonlocal repeats
        for bundle in build_bundles(pending, embedder):
            if bundle.notice_id in bundles:
                repeats += 1
            else:
                bundles[bundle.notice_id] = bundle
        pending.clear()

    for path in files:
        raw = read.read_path(path)
        pending.append((parse_document(raw), raw.text))
        if len(pending) >= batch:
            flush()
    flush()
    return list(bundles.values()), len(files), repeats


def expected_counts(bundles: Sequence[NoticeBundle]) -> tuple[int, int, int]:
    return len(bundles), sum(len(b.issues) for b in bundles), sum(len(b.measures) for b in bundles)


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds used so far by a local server process (Linux /proc), else None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run(backend: ElasticBackend, bundles: list[NoticeBundle], mode: str, batch: int,
        server_pid: int | None = None) -> dict:
    """One timed ingest; returns its figures (and whether the counts were exact).

    Besides wall-clock time it records CPU seconds of this process and of a local server: on a
    shared machine the wall clock mostly measures the neighbours."""
    notices, issues, measures = expected_counts(bundles)
    cpu_server = server_cpu(server_pid)
    cpu_client = time.process_time()
    start = time.perf_counter()
    if mode == "write":
        written, failed = [], {}
        for i in range(0, len(bundles), batch):
            result = backend.write(bundles[i:i + batch])
            written += result.written
            failed.update(result.failed)
    else:
        result = backend.rebuild(iter(bundles))
        written, failed = result.written, result.failed
    seconds = time.perf_counter() - start
    client_s = time.process_time() - cpu_client
    server_after = server_cpu(server_pid)
    server_s = server_after - cpu_server if server_after is not None and cpu_server is not None else None
    info = backend.info()
    got = (info.notices, info.issues, info.measures)
    return {
        "mode": mode, "seconds": round(seconds, 2),
        "issues_per_s": round(_rate(issues, seconds), 1),
        "docs_per_s": round(_rate(notices + issues + measures, seconds), 1),
        "client_cpu_s": round(client_s, 1), "server_cpu_s": None if server_s is None else round(server_s, 1),
        "issues_per_cpu_s": round(_rate(issues, client_s + (server_s or 0.0)), 1),
        "expected": {"notices": notices, "issues": issues, "measures": measures},
        "indexed": {"notices": got[0], "issues": got[1], "measures": got[2]},
        "written": len(written), "failed": len(failed), "first_failures": dict(list(failed.items())[:3]),
        "exact": got == (notices, issues, measures) and len(written) == notices and not failed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=1400, help="notices to generate (~15 issues each)")
    parser.add_argument("--corpus", type=Path, default=None, help="an existing gen_corpus.py folder")
    parser.add_argument("--formats", default="txt", help="formats to generate (gen_corpus.py --formats)")
    parser.add_argument("--dims", type=int, default=384, help="vector size (the default model's: 384)")
    parser.add_argument("--batch", type=int, default=32, help="notices per write (the pipeline's batch)")
    parser.add_argument("--mode", choices=["write", "rebuild", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="keep the bench namespace afterwards")
    args = parser.parse_args(argv)

    settings = load_settings()
    server = None
    if not settings.es_url:
        from indexer.backends.es_emulator import start_emulator

        server = start_emulator()
        settings = server.settings
    work = tempfile.TemporaryDirectory(prefix="xuncha-bench-es-")
    try:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(work.name) / "corpus"
            generate_corpus(corpus, args.notices, args.formats)
        embedder = HashingEmbedder(args.dims)
        start = time.perf_counter()
        bundles, files, repeats = prepare(corpus, embedder, args.batch)
        prepare_s = time.perf_counter() - start
        notices, issues, measures = expected_counts(bundles)

        backend = ElasticBackend(settings, prefix=f"bench-{uuid.uuid4().hex[:8]}")
        runs = []
        try:
            backend.check_compatible(embedder.model_id, embedder.dims, DICTIONARY_VERSION)
            modes = ["write", "rebuild"] if args.mode == "both" else [args.mode]
            for mode in modes:
                runs.append(run(backend, bundles, mode, args.batch,
                                server.process.pid if server and server.process else None))
        finally:
            if not args.keep:
                backend.drop()
            backend.close()

        print(f"server: {backend.server_label} at {backend.url}")
        print(f"corpus: {files} files → {notices} notices ({repeats} repeated), {issues} issues, {measures} measures;"
              f" prepared (parse + tokenise + embed, not timed below) in {prepare_s:.1f} s")
        print(f"{'mode':8} {'seconds':>8} {'issues/s':>10} {'docs/s':>10} {'cpu s (client+server)':>22} "
              f"{'issues/cpu-s':>12}  counts (notices/issues/measures)")
        for r in runs:
            got = r["indexed"]
            cpu = f"{r['client_cpu_s']}+{r['server_cpu_s'] if r['server_cpu_s'] is not None else '?'}"
            print(f"{r['mode']:8} {r['seconds']:8.1f} {r['issues_per_s']:10.1f} {r['docs_per_s']:10.1f} {cpu:>22} "
                  f"{r['issues_per_cpu_s']:12.1f}  "
                  f"{got['notices']}/{got['issues']}/{got['measures']} "
                  f"{'exact' if r['exact'] else 'MISMATCH ' + json.dumps(r['first_failures'], ensure_ascii=False)}")
        print(json.dumps({"server": backend.server_label, "files": files, "notices": notices, "issues": issues,
                          "measures": measures, "dims": args.dims, "batch": args.batch,
                          "prepare_s": round(prepare_s, 1), "runs": runs}, ensure_ascii=False))
        return 0 if runs and all(r["exact"] for r in runs) else 1
    finally:
        work.cleanup()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
