"""Crash and resume: ``kill -9`` an ingest at random points, rerun it, check the counts.

    .venv/bin/python scripts/crash_resume.py --backend embedded --notices 2000 --kills 5
    .venv/bin/python scripts/crash_resume.py --backend elasticsearch --notices 2000 --kills 5 [--es-url URL]

1. writes ``--notices`` fictional notices with scripts/gen_corpus.py (txt, GBK, html and docx; a
   ``manifest.jsonl`` gives each notice's issues and measures);
2. runs ``python -m indexer ingest CORPUS --backend … --data … --model hashing --quiet --json``
   as a subprocess and SIGKILLs it ``--kills`` times: each run is killed once the files it has
   reported reach a random share of the corpus (shares drawn uniformly, sorted, so every run gets
   further), after a further random delay of up to ``--jitter`` seconds, so the kill lands
   anywhere in reading, parsing, embedding or writing a batch;
3. after each kill, opens the index and checks that every stored notice is whole — its record,
   all its issues (as many as the manifest says) and all their measures — and that nothing else is
   stored (no issue or measure of a notice without its record);
4. reruns the same command to completion and checks that the index holds exactly the manifest's
   notices, issues and measures.

Prints one line per kill point, one for the final run, then one line of JSON:
{"backend": …, "notices": …, "kills": K, "kills_landed": …, "exact": true/false,
 "whole_after_every_kill": true/false, "expected": {…}, "stored": {…}, …}.
Exit status 0 when exact and whole after every kill, else 1.

Elasticsearch: ``--es-url`` (or ES_URL) names the server; without either, a private noida-db
emulator is started (tests/es_server.py) and stopped at the end. The run uses its own index
prefix and drops it at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from indexer.types import Target  # noqa: E402

GET_CHUNK = 1000  # documents per get() while checking


@dataclass
class Expected:
    notices: int
    issues: int
    measures: int
    by_file: dict[str, tuple[int, int]]  # file name → (issues, measures)


def read_manifest(corpus: Path) -> Expected:
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text("utf-8").splitlines() if line]
    by_file = {r["file"]: (r["n_issues"], sum(r["n_measures"])) for r in rows}
    return Expected(len(rows), sum(i for i, _ in by_file.values()), sum(m for _, m in by_file.values()), by_file)


@dataclass
class Check:
    """What the index holds, and whether every notice in it is whole."""

    notices: int = 0
    issues: int = 0
    measures: int = 0
    whole: bool = True
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.whole = False
        if len(self.problems) < 10:
            self.problems.append(problem)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def check_index(backend: Any, expected: Expected) -> Check:
    """Every stored notice whole (record, issues, measures as in the manifest), nothing else stored."""
    info = backend.info()
    result = Check(notices=info.notices, issues=info.issues, measures=info.measures)
    records = list(backend.iter_notices())
    if len(records) != info.notices:
        result.fail(f"{len(records)} notice records listed, {info.notices} counted")
    issue_ids: list[str] = []
    for record in records:
        name = Path(record.get("source") or "").name
        ids = list(record.get("issue_ids") or [])
        issue_ids += ids
        want = expected.by_file.get(name)
        if want is None:
            result.fail(f"notice {record['notice_id']} from an unknown source {record.get('source')}")
        elif len(ids) != want[0]:
            result.fail(f"{name}: {len(ids)} issue ids in its record, the manifest says {want[0]}")
    found = []
    for chunk in _chunks(issue_ids, GET_CHUNK):
        found += backend.get(Target.ISSUES, chunk)
    if len(found) != len(issue_ids):
        result.fail(f"{len(issue_ids) - len(found)} issues listed in notice records are missing")
    measures = sum(len(doc.get("measures") or []) for doc in found)
    if info.issues != len(issue_ids):
        result.fail(f"{info.issues} issues stored, {len(issue_ids)} belong to stored notices "
                    f"({info.issues - len(issue_ids)} orphans)")
    if info.measures != measures:
        result.fail(f"{info.measures} measures stored, {measures} belong to stored issues "
                    f"({info.measures - measures} orphans)")
    want_measures = sum(expected.by_file.get(Path(r.get("source") or "").name, (0, 0))[1] for r in records)
    if measures != want_measures:
        result.fail(f"stored issues hold {measures} measures, the manifest says {want_measures}")
    extra = info.extra or {}
    if "lexical_docs" in extra and extra["lexical_docs"] != {"issues": info.issues, "measures": info.measures}:
        result.fail(f"tantivy holds {extra['lexical_docs']}, SQLite {info.issues} issues / {info.measures} measures")
    return result


class BackendUnderTest:
    """The backend under test: how to point the ingest at it and how to open it for checking."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.kind = args.backend
        self.data = workdir / "data"
        self.prefix = f"crash-{uuid.uuid4().hex[:10]}"
        self.server = None
        self.url = args.es_url or os.environ.get("ES_URL")
        if self.kind == "elasticsearch" and not self.url:
            from indexer.backends.es_emulator import start_emulator

            self.server = start_emulator()
            self.url = self.server.url

    def command(self, corpus: Path, report: Path) -> list[str]:
        command = [sys.executable, "-m", "indexer", "ingest", str(corpus), "--backend", self.kind,
                   "--data", str(self.data), "--model", "hashing", "--quiet", "--json", "--report", str(report)]
        if self.kind == "elasticsearch":
            command += ["--es-url", self.url]
        return command

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["XUNCHA_ES_INDEX_PREFIX"] = self.prefix
        return env

    def open(self) -> Any:
        if self.kind == "embedded":
            from indexer.backends.embedded import EmbeddedBackend

            return EmbeddedBackend(self.data, threads=1, lock_timeout=30)
        from elasticsearch import Elasticsearch

        from indexer.backends.elastic import ElasticBackend
        from indexer.settings import load_settings

        client = Elasticsearch(self.url)  # a search only sees refreshed documents
        try:
            client.indices.refresh(index=f"{self.prefix}-*", allow_no_indices=True, ignore_unavailable=True)
        finally:
            client.close()
        return ElasticBackend(load_settings(es_url=self.url, backend="elasticsearch"), prefix=self.prefix)

    def close(self, keep: bool) -> None:
        if self.kind == "elasticsearch" and not keep:
            backend = self.open()
            try:
                backend.drop()
            finally:
                backend.close()
        if self.server is not None:
            self.server.stop()


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def run(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], required=True)
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1, help="seeds the corpus and the kill points")
    parser.add_argument("--jitter", type=float, default=3.0, help="most seconds added after a kill's share is reached")
    parser.add_argument("--workdir", type=Path, default=None, help="work folder (default: a new temporary one)")
    parser.add_argument("--es-url", default=None, help="Elasticsearch URL (default: ES_URL, else a private emulator)")
    parser.add_argument("--timeout", type=float, default=7200.0, help="most seconds one ingest run may take")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and the Elasticsearch indices")
    args = parser.parse_args(argv)

    from scripts.gen_corpus import generate

    started = time.monotonic()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="xuncha-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus"
    if not (corpus / "manifest.jsonl").exists():
        generate(corpus, args.notices, seed=args.seed, quiet=True, jobs=1)
    expected = read_manifest(corpus)
    print(f"corpus: {corpus} ({expected.notices} notices, {expected.issues} issues, {expected.measures} measures)",
          flush=True)
    rng = random.Random(args.seed)
    shares = sorted(rng.uniform(0.05, 0.95) for _ in range(args.kills))
    target = BackendUnderTest(args, workdir)
    kill_points: list[dict[str, Any]] = []
    whole_after_every_kill = True
    result: dict[str, Any] = {}
    try:
        runs = 0
        for number, share in enumerate(shares, start=1):
            runs += 1
            report = workdir / f"report-{runs}.jsonl"
            process = subprocess.Popen(target.command(corpus, report), env=target.env(), cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            t0 = time.monotonic()
            wanted = max(1, int(share * expected.notices))
            while process.poll() is None and _lines(report) < wanted and time.monotonic() - t0 < args.timeout:
                time.sleep(0.05)
            delay = rng.uniform(0.0, args.jitter)
            time.sleep(delay)
            landed = process.poll() is None
            if landed:
                process.send_signal(signal.SIGKILL)
            _, stderr = process.communicate()
            elapsed = time.monotonic() - t0
            backend = target.open()
            try:
                state = check_index(backend, expected)
            finally:
                backend.close()
            whole_after_every_kill &= state.whole
            point = {"kill": number, "run": runs, "landed": landed, "seconds": round(elapsed, 1),
                     "share": round(share, 3), "jitter": round(delay, 2), "report_lines": _lines(report),
                     "exit": process.returncode, **asdict(state)}
            kill_points.append(point)
            what = (f"killed after {elapsed:.1f} s" if landed
                    else f"finished before the kill (exit {process.returncode}) after {elapsed:.1f} s")
            print(f"kill {number}/{args.kills}: run {runs} {what} (share {share:.0%} + {delay:.1f} s, "
                  f"{point['report_lines']} report lines); stored {state.notices} notices, {state.issues} issues, "
                  f"{state.measures} measures; whole: {'yes' if state.whole else 'NO'}"
                  + ("" if state.whole else f" ({'; '.join(state.problems)})"), flush=True)
            if not landed and process.returncode not in (0, None):
                print(stderr.decode("utf-8", "replace")[-2000:], file=sys.stderr)
        runs += 1
        report = workdir / f"report-{runs}.jsonl"
        t0 = time.monotonic()
        final = subprocess.run(target.command(corpus, report), env=target.env(), cwd=ROOT, capture_output=True,
                               timeout=args.timeout)
        elapsed = time.monotonic() - t0
        summary = json.loads(final.stdout) if final.returncode == 0 and final.stdout.strip() else {}
        backend = target.open()
        try:
            state = check_index(backend, expected)
        finally:
            backend.close()
        stored = {"notices": state.notices, "issues": state.issues, "measures": state.measures}
        want = {"notices": expected.notices, "issues": expected.issues, "measures": expected.measures}
        exact = final.returncode == 0 and state.whole and stored == want
        print(f"final: run {runs} exit {final.returncode} after {elapsed:.1f} s (indexed {summary.get('indexed')}, "
              f"skipped {summary.get('skipped')}, duplicates {summary.get('duplicates')}, failed {summary.get('failed')});"
              f" stored {state.notices} notices, {state.issues} issues, {state.measures} measures; "
              f"expected {expected.notices}, {expected.issues}, {expected.measures}; exact: {'yes' if exact else 'NO'}",
              flush=True)
        if final.returncode != 0:
            print(final.stderr.decode("utf-8", "replace")[-2000:], file=sys.stderr)
        result = {
            "backend": args.backend, "notices": args.notices, "kills": args.kills,
            "kills_landed": sum(1 for p in kill_points if p["landed"]), "exact": exact,
            "whole_after_every_kill": whole_after_every_kill, "expected": want, "stored": stored,
            "final_run": {"exit": final.returncode, "seconds": round(elapsed, 1),
                          **{k: summary.get(k) for k in ("indexed", "skipped", "duplicates", "failed", "empty")},
                          "timings": {k: round(v, 1) for k, v in (summary.get("seconds") or {}).items()}},
            "kill_points": [{k: p[k] for k in ("kill", "landed", "seconds", "share", "report_lines", "notices",
                                               "issues", "measures", "whole")} for p in kill_points],
            "seconds": round(time.monotonic() - started, 1), "seed": args.seed,
        }
        if args.kills and not all(p["whole"] for p in kill_points):
            result["problems"] = [p["problems"] for p in kill_points if not p["whole"]]
    finally:
        target.close(args.keep)
        if not args.keep and args.workdir is None:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    result = run(argv)
    return 0 if result.get("exact") and result.get("whole_after_every_kill") else 1


if __name__ == "__main__":
    sys.exit(main())
