"""Crash and resume (issue "Reliability and security"): ``kill -9`` at random points of an ingest,
then rerunning the same command ends with exactly the expected notice, issue and measure counts,
and after every kill each stored notice is whole. A bounded run of scripts/crash_resume.py
(200 notices, 3 kills) per backend; the full one (2,000 notices) is run by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--notices", "200", "--kills", "3", "--seed", "7", "--jitter", "2"]


def _crash_resume(*args: str) -> dict:
    """Run scripts/crash_resume.py as a person would; its last line is the result as JSON."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "crash_resume.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    return json.loads(lines[-1])


def _assert_exact(result: dict) -> None:
    assert result["kills_landed"] >= 2, result["kill_points"]  # most kills hit a running ingest
    assert result["whole_after_every_kill"], result.get("problems")
    assert result["final_run"]["exit"] == 0
    assert result["stored"] == result["expected"]
    assert result["expected"]["notices"] == 200
    assert result["exact"] is True


def test_kill_9_and_rerun_embedded(tmp_path):
    result = _crash_resume("--backend", "embedded", *ARGS, "--workdir", str(tmp_path / "work"))
    _assert_exact(result)


@pytest.mark.elasticsearch
def test_kill_9_and_rerun_elasticsearch(tmp_path, es_server):
    result = _crash_resume("--backend", "elasticsearch", "--es-url", es_server.url, *ARGS,
                           "--workdir", str(tmp_path / "work"))
    _assert_exact(result)
