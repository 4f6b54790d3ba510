"""Backend faults, the ingest half (issue "Reliability and security"): the Elasticsearch emulator
is stopped in the middle of a bulk ingest → the ingest retries with back-off, then stops with one
clear line (exit status 2, naming the URL, no traceback) and a report line for every file; the
emulator comes back on the same port and data folder → rerunning the same command ends with
exactly the expected counts.

The retry loop itself (indexer.retry.RetryingBackend) is tested without a server first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.backends.memory import MemoryBackend
from indexer.embed import HashingEmbedder
from indexer.errors import BackendUnavailable
from indexer.pipeline import ingest_paths
from indexer.retry import RetryingBackend, RetryParams
from indexer.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.reliability


class Flaky(MemoryBackend):
    """Unavailable for its first ``failures`` calls of has_notice / write."""

    url = "http://es.example:9200"

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.calls = 0

    def _maybe_fail(self, doing: str) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise BackendUnavailable(f"Elasticsearch is unreachable while {doing}: Connection refused")

    def has_notice(self, notice_id):
        self._maybe_fail("looking up a notice")
        return super().has_notice(notice_id)

    def write(self, bundles, replaces=None):
        self._maybe_fail("writing documents")
        return super().write(bundles, replaces)


def test_retries_back_off_then_succeed():
    sleeps: list[float] = []
    backend = RetryingBackend(Flaky(failures=3), RetryParams(retries=5, backoff=0.5, max_backoff=1.5),
                              sleep=sleeps.append)
    assert backend.has_notice("x") is False
    assert sleeps == [0.5, 1.0, 1.5]  # doubled, capped
    assert backend.name == "memory"


def test_retries_give_up_with_one_clear_error():
    sleeps: list[float] = []
    backend = RetryingBackend(Flaky(failures=100), RetryParams(retries=2, backoff=0.1), sleep=sleeps.append)
    with pytest.raises(BackendUnavailable) as caught:
        backend.has_notice("x")
    message = str(caught.value)
    assert message.startswith("the memory backend at http://es.example:9200 is unavailable: has_notice failed "
                              "3 time(s) over ")
    assert message.endswith("(last error: Elasticsearch is unreachable while looking up a notice: Connection refused)")
    assert sleeps == [0.1, 0.2]


def test_an_ingest_that_gives_up_reports_every_file(tmp_path):
    folder = tmp_path / "notices"
    folder.mkdir()
    for name in ("qinghe_hospital.txt", "shimen_health_centre.txt"):
        (folder / name).write_bytes((ROOT / "tests" / "data" / "pipeline" / name).read_bytes())
    settings = load_settings({}, backend="memory", data_dir=str(tmp_path / "data"), model="hashing",
                             backend_retries=1, backend_retry_backoff=0.01)
    report = tmp_path / "report.jsonl"
    with pytest.raises(BackendUnavailable, match=r"rerun the same command to resume") as caught:
        ingest_paths([str(folder)], settings, backend=Flaky(failures=100), embedder=HashingEmbedder(32),
                     progress=False, report_path=report)
    assert "the ingest stopped after storing 0 notice(s) in this run" in str(caught.value)
    lines = [json.loads(line) for line in report.read_text("utf-8").splitlines()]
    assert sorted(Path(line["source"]).name for line in lines) == ["qinghe_hospital.txt", "shimen_health_centre.txt"]
    assert all(line["outcome"] == "failed" and "the run stopped" in line["reason"] for line in lines)


# -- against a private emulator that is stopped mid-ingest -----------------------------------------------

def _lines(path: Path) -> list[dict]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.endswith("}")]


@pytest.mark.elasticsearch
def test_emulator_stopped_mid_ingest_then_rerun_resumes(tmp_path):
    from indexer.backends.es_emulator import restart_emulator, start_emulator

    if load_settings().es_url:
        pytest.skip("needs a private emulator to stop (ES_URL points at a shared cluster)")
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), "--out", str(corpus), "--notices", "160",
                    "--seed", "3", "--jobs", "1", "--quiet"], cwd=ROOT, check=True, timeout=600)
    manifest = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text("utf-8").splitlines()]
    server = start_emulator()
    try:
        env = dict(os.environ, XUNCHA_ES_INDEX_PREFIX="faults", XUNCHA_BACKEND_RETRIES="3",
                   XUNCHA_BACKEND_RETRY_BACKOFF="0.5")
        env.pop("ES_URL", None)

        def command(report: Path) -> list[str]:
            return [sys.executable, "-m", "indexer", "ingest", str(corpus), "--backend", "elasticsearch",
                    "--es-url", server.url, "--data", str(tmp_path / "data"), "--model", "hashing", "--quiet",
                    "--report", str(report)]

        first_report = tmp_path / "first.jsonl"
        process = subprocess.Popen(command(first_report), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while len([x for x in _lines(first_report) if x["outcome"] == "indexed"]) < 64:  # two batches stored
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.halt()
        stopped = time.monotonic()
        _, stderr = process.communicate(timeout=120)
        took = time.monotonic() - stopped

        assert process.returncode == 2, stderr
        assert "Traceback" not in stderr
        errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and stderr.rstrip().endswith(errors[0]), stderr
        [error] = errors
        assert error.startswith(f"Error: the elasticsearch backend at {server.url} is unavailable: ")
        assert "failed 4 time(s) over " in error and "rerun the same command to resume" in error
        retries = [line for line in stderr.splitlines() if "is unavailable" in line and "; retry " in line]
        assert [line.split("; retry ")[1] for line in retries] == ["1 of 3 in 0.5 s", "2 of 3 in 1.0 s",
                                                                   "3 of 3 in 2.0 s"]
        assert 3.5 <= took < 60  # 0.5 + 1 + 2 s of back-off, then it stops: bounded
        lines = _lines(first_report)
        assert sorted(Path(x["source"]).name for x in lines) == sorted(r["file"] for r in manifest)  # every file
        assert any(x["outcome"] == "failed" and "the run stopped" in x["reason"] for x in lines)

        restart_emulator(server)
        second = subprocess.run(command(tmp_path / "second.jsonl") + ["--json"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        assert second.returncode == 0, second.stderr
        summary = json.loads(second.stdout)
        stored_first = sum(1 for x in lines if x["outcome"] == "indexed")
        assert summary["skipped"] >= stored_first and summary["failed"] == 0

        from elasticsearch import Elasticsearch

        from indexer.backends.elastic import ElasticBackend

        with Elasticsearch(server.url) as client:  # counts see refreshed documents only
            client.indices.refresh(index="faults-*")
        backend = ElasticBackend(server.settings, prefix="faults")
        try:
            info = backend.info()
        finally:
            backend.close()
        assert (info.notices, info.issues, info.measures) == (
            len(manifest), sum(r["n_issues"] for r in manifest), sum(sum(r["n_measures"]) for r in manifest))
    finally:
        server.stop()
