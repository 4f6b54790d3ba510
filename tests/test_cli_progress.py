"""Progress lines of ``python -m indexer ingest`` / ``reindex`` when the output is a log, not a
terminal (click's CliRunner gives a stderr that is not a terminal)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli_ingest import backend_args, invoke, notices, shared_backend  # noqa: F401

LINE = re.compile(r"ingest: (\d+)/3 files \(\d+%\), issues (\d+), failed (\d+), [\d.]+ files/s, ETA \d+s")


def test_ingest_to_a_log_prints_a_line_per_interval(shared_backend, notices, tmp_path: Path) -> None:  # noqa: F811
    (notices / "blank.txt").write_text("\n", "utf-8")
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing",
                    env={"XUNCHA_PROGRESS_SECONDS": "0"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("ingest: ")]
    assert lines[0] == "ingest: 0/3 files"
    steps = [LINE.fullmatch(line) for line in lines[1:-1]]
    assert all(steps), lines
    assert [int(m.group(1)) for m in steps] == [1, 2, 3]  # one line per file with an interval of 0
    assert int(steps[-1].group(2)) > 0 and int(steps[-1].group(3)) == 1  # issues so far; the blank file failed
    assert re.fullmatch(r"ingest: 3/3 files in \d+s \([\d.]+ files/s\), issues \d+, failed 1", lines[-1])


def test_default_interval_prints_the_start_and_the_end(shared_backend, notices, tmp_path: Path) -> None:  # noqa: F811
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing")
    lines = [line for line in result.stderr.splitlines() if line.startswith("ingest: ")]
    assert lines[0] == "ingest: 0/2 files" and lines[-1].startswith("ingest: 2/2 files in ")
    assert len(lines) <= 3  # a run of a second or two: at most one line between (interval 5 s)


def test_quiet_prints_no_progress(shared_backend, notices, tmp_path: Path) -> None:  # noqa: F811
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "--quiet")
    assert "ingest: " not in result.stderr


def test_reindex_to_a_log_prints_progress(shared_backend, notices, tmp_path: Path) -> None:  # noqa: F811
    invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q")
    result = invoke("reindex", *backend_args(tmp_path), "--model", "hashing", env={"XUNCHA_PROGRESS_SECONDS": "0"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("reindex: ")]
    assert lines[0] == "reindex: 0/2 notices" and lines[-1].startswith("reindex: 2/2 notices in ")
