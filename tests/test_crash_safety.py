"""Crash safety of the embedded backend: a writer process is killed with SIGKILL at random points of
an ingest, several times; after each kill the reopened index must be consistent (every notice
whole or absent, tantivy and the vectors agreeing with SQLite), and finishing the ingest must end
with exactly the expected counts.

The writer is this file run as a script (``python tests/test_crash_safety.py DATA_DIR``). It works
like the ingest pipeline: notices it finds stored are skipped, so a rerun completes the work. It
writes each notice twice — a draft ``c0001-v1``, then the final ``c0001`` replacing it — so kills
also land in replacements and deletions.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from indexer.backends.base import Filters, LexicalQuery, NoticeBundle  # noqa: E402
from indexer.backends.embedded import EmbeddedBackend  # noqa: E402
from indexer.types import Target  # noqa: E402

NOTICES = 60
BATCH = 4
DIMS = 16
KILLS = 5


def issue_count(notice_id: str) -> int:
    n = int(notice_id[1:5])
    return 2 if notice_id.endswith("-v1") else 1 + n % 4


def measure_count(notice_id: str, seq: int) -> int:
    return (int(notice_id[1:5]) + seq) % 3


def make_bundle(notice_id: str) -> NoticeBundle:
    rng = np.random.default_rng(int(notice_id[1:5]) * 2 + notice_id.endswith("-v1"))
    base = {"notice_id": notice_id, "source": f"{notice_id[:5]}.txt", "province": "甲省", "year": 2024}
    issues, measures = [], []
    for seq in range(1, issue_count(notice_id) + 1):
        issue_id = f"{notice_id}-{seq:03d}"
        words = " ".join(f"w{rng.integers(40)}" for _ in range(12))
        issues.append({"id": issue_id, **base, "seq": seq, "problem": words, "problem_tokens": f"all {words}",
                       "measures_tokens": words, "vector": rng.standard_normal(DIMS).tolist()})
        for m in range(1, measure_count(notice_id, seq) + 1):
            measures.append({"id": f"{issue_id}-m{m}", "issue_id": issue_id, **base, "seq": seq, "measure_seq": m,
                             "text": words, "text_tokens": f"all {words}"})
    notice = {**base, "issue_ids": [d["id"] for d in issues], "original_text": "……" * 200}
    return NoticeBundle(notice_id, base["source"], notice, issues, measures)


def final_ids() -> list[str]:
    return [f"c{n:04d}" for n in range(NOTICES)]


def write_all(data_dir: str) -> None:
    """The writer process: drafts first, then the finals that replace them, in small batches."""
    backend = EmbeddedBackend(data_dir, threads=1, lock_timeout=30)
    backend.check_compatible("crash-test", DIMS, "d1")
    print("ready", flush=True)
    drafts = [f"{n}-v1" for n in final_ids() if not backend.has_notice(n) and not backend.has_notice(f"{n}-v1")]
    for start in range(0, len(drafts), BATCH):
        backend.write([make_bundle(d) for d in drafts[start:start + BATCH]])
        print("wrote", flush=True)
    finals = [n for n in final_ids() if not backend.has_notice(n)]
    for start in range(0, len(finals), BATCH):
        batch = finals[start:start + BATCH]
        backend.write([make_bundle(n) for n in batch], replaces={n: f"{n}-v1" for n in batch})
        print("wrote", flush=True)
    backend.close()
    print("done", flush=True)


def _start(data_dir: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, __file__, str(data_dir)], stdout=subprocess.PIPE, text=True,
                               cwd=ROOT)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def _check_consistent(data_dir: Path) -> set[str]:
    """Every stored notice is whole; SQLite, tantivy and the vectors agree. Returns the notice ids."""
    backend = EmbeddedBackend(data_dir, threads=1, lock_timeout=30)
    try:
        info = backend.info()
        notices = {n["notice_id"] for n in backend.iter_notices()}
        assert len(notices) == info.notices
        for n in final_ids():
            assert not (n in notices and f"{n}-v1" in notices), f"{n} and the draft it replaced are both stored"
        expected_issues = {f"{n}-{s:03d}" for n in notices for s in range(1, issue_count(n) + 1)}
        expected_measures = sum(measure_count(n, s) for n in notices for s in range(1, issue_count(n) + 1))
        assert info.issues == len(expected_issues)
        assert info.measures == expected_measures
        assert {d["id"] for d in backend.get(Target.ISSUES, sorted(expected_issues))} == expected_issues
        assert info.extra["lexical_docs"] == {"issues": info.issues, "measures": info.measures}
        assert info.extra["lexical_seq"] == info.extra["seq"]
        found = backend.lexical(Target.ISSUES, LexicalQuery(("all",), {"problem_tokens": 1.0}), Filters(), 10_000)
        assert {h.doc_id for h in found} == expected_issues
        measures = backend.lexical(Target.MEASURES, LexicalQuery(("all",), {"text_tokens": 1.0}), Filters(), 10_000)
        assert len(measures) == expected_measures
        vectors = info.extra["vectors"].get("issues", {"rows": 0, "deleted": 0})
        assert vectors["rows"] - vectors["deleted"] == info.issues
        if expected_issues:
            hits = backend.vector(Target.ISSUES, np.ones(DIMS).tolist(), Filters(), 10_000)
            assert {h.doc_id for h in hits} == expected_issues
        return notices
    finally:
        backend.close()


def test_kill_9_during_ingest_never_leaves_a_half_written_notice(tmp_path):
    data_dir = tmp_path / "data"
    rng = random.Random(20240611)
    killed_mid_ingest = 0
    progress = []
    for _ in range(KILLS):
        process = _start(data_dir)
        # Kill a few batches in, at a random moment of the next one (SQLite, tantivy or between).
        for _ in range(rng.randint(1, 6)):
            process.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.3))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_ingest += 1
        process.wait(timeout=120)
        progress.append(len(_check_consistent(data_dir)))
    assert killed_mid_ingest >= 3, f"the writer finished before most kills ({progress} notices after each)"

    process = _start(data_dir)
    # Read through the same buffered stream as _start's readline (communicate() would miss lines
    # that readline already buffered when the writer finishes quickly).
    out = process.stdout.read()
    process.wait(timeout=300)
    assert process.returncode == 0 and out.strip().endswith("done")
    assert _check_consistent(data_dir) == set(final_ids())
    backend = EmbeddedBackend(data_dir, threads=1)
    info = backend.info()
    assert (info.notices, info.issues) == (NOTICES, sum(issue_count(n) for n in final_ids()))
    backend.close()


if __name__ == "__main__":
    write_all(sys.argv[1])
