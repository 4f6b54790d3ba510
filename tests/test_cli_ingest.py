"""``python -m indexer ingest | delete | reindex | stats`` through click's CliRunner.

The memory backend does not persist across processes, so these run in-process with one shared
MemoryBackend standing in for whatever ``open_backend`` would open."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import pipeline
from indexer.backends.memory import MemoryBackend
from indexer.cli import cli
from indexer.errors import BackendUnavailable
from indexer.fields import SCHEMA_VERSION
from indexer.parsing.parse import parse_file
from indexer.tokenise import DICTIONARY_VERSION
from tests.test_pipeline import DATA, QINGHE, SHIMEN, expected


@pytest.fixture
def shared_backend(monkeypatch) -> MemoryBackend:
    backend = MemoryBackend()
    monkeypatch.setattr(pipeline, "open_backend", lambda settings: backend)
    return backend


@pytest.fixture
def notices(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    for name in (QINGHE, SHIMEN):
        shutil.copy(DATA / name, folder / name)
    return folder


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def backend_args(tmp_path: Path) -> list[str]:
    return ["--backend", "memory", "--data", str(tmp_path / "data")]


def test_ingest_prints_a_summary_and_writes_a_report(shared_backend, notices, tmp_path):
    issues, measures = expected(QINGHE, SHIMEN)
    warnings = sum(len(parse_file(DATA / n).quality.warnings) for n in (QINGHE, SHIMEN))
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"read 2 of 2 files, parsed 2, issues {issues}, measures {measures}; "
        f"indexed 2, replaced 0, updated 0, skipped 0 (unchanged), empty 0, failed 0, warnings {warnings}"
    )
    report = Path(lines[1].removeprefix("report: "))
    assert report.parent == tmp_path / "data" / "reports" and len(report.read_text("utf-8").splitlines()) == 2
    assert result.stderr == ""

    again = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q")
    assert again.exit_code == 0
    assert "indexed 0, replaced 0, updated 0, skipped 2 (unchanged)" in again.stdout


def test_ingest_json_and_custom_report(shared_backend, notices, tmp_path):
    (notices / "gone.docx").write_bytes(b"\x00\xff not a document \x80")
    report = tmp_path / "r.jsonl"
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q", "--json",
                    "--report", str(report))
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert (summary["files"], summary["indexed"], summary["failed"]) == (3, 2, 1)
    assert summary["report_path"] == str(report)
    assert summary["failures"][0]["source"] == str(notices / "gone.docx")
    assert summary["failures"][0]["outcome"] == "failed" and summary["failures"][0]["reason"]
    assert set(summary["seconds"]) >= {"parse", "tokenise", "embed", "write", "total"}


def test_failures_are_listed_on_stderr(shared_backend, notices, tmp_path):
    (notices / "blank.txt").write_text("\n", "utf-8")
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q")
    assert result.exit_code == 0
    [line] = result.stderr.splitlines()
    assert line.startswith(f"failed: {notices / 'blank.txt'}: ")


def test_ingest_exits_1_when_nothing_could_be_read(shared_backend, tmp_path):
    result = invoke("ingest", str(tmp_path / "missing.txt"), *backend_args(tmp_path), "--model", "hashing", "-q")
    assert result.exit_code == 1
    assert "read 0 of 1 files" in result.stdout
    assert result.stderr.startswith(f"failed: {tmp_path / 'missing.txt'}: ")


def test_stats_json_shape(shared_backend, notices, tmp_path):
    invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q")
    result = invoke("stats", *backend_args(tmp_path), "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    issues, measures = expected(QINGHE, SHIMEN)
    assert info == {
        "backend": "memory", "location": "memory", "model_id": "hashing-bigram-64", "dims": 64,
        "dictionary_version": DICTIONARY_VERSION, "schema_version": SCHEMA_VERSION,
        "notices": 2, "issues": issues, "measures": measures, "extra": {},
    }
    text = invoke("stats", *backend_args(tmp_path))
    assert text.exit_code == 0
    assert "notices              2" in text.stdout.splitlines()


def test_delete_by_source_and_unknown_keys(shared_backend, notices, tmp_path):
    invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q")
    result = invoke("delete", str(notices / QINGHE), *backend_args(tmp_path))
    assert (result.exit_code, result.stdout) == (0, "deleted 1 notice(s)\n")
    missing = invoke("delete", "no-such-notice", *backend_args(tmp_path))
    assert (missing.exit_code, missing.stdout, missing.stderr) == (1, "deleted 0 notice(s)\n", "not found: no-such-notice\n")
    assert shared_backend.info().notices == 1


def test_reindex(shared_backend, notices, tmp_path):
    invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing", "-q")
    result = invoke("reindex", *backend_args(tmp_path), "--model", "hashing", "-q", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    issues, measures = expected(QINGHE, SHIMEN)
    assert (summary["notices"], summary["issues"], summary["measures"], summary["failed"]) == (2, issues, measures, {})


def test_incompatible_index_is_one_line_and_exit_2(shared_backend, notices, tmp_path):
    assert invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing-32", "-q").exit_code == 0
    result = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing-64", "-q")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: the index holds vectors of model hashing-bigram-32 (32 dims), not hashing-bigram-64 (64 dims); "
        "reindex with the new model or configure the old one\n"
    )
    assert result.stdout == ""


def test_unavailable_backend_is_one_line_and_exit_2(monkeypatch, tmp_path):
    def unreachable(settings):
        raise BackendUnavailable("Elasticsearch at http://127.0.0.1:9 is unreachable; is it running?")

    monkeypatch.setattr(pipeline, "open_backend", unreachable)
    for args in (["stats"], ["ingest", str(tmp_path)], ["delete", "x"], ["reindex"]):
        result = invoke(*args, "--backend", "elasticsearch", "--es-url", "http://127.0.0.1:9")
        assert (result.exit_code, result.stderr) == (
            2, "Error: Elasticsearch at http://127.0.0.1:9 is unreachable; is it running?\n"), args


def test_config_errors_are_one_line_and_exit_2(shared_backend, notices, tmp_path):
    bad_env = invoke("stats", *backend_args(tmp_path), env={"XUNCHA_EMBED_BATCH_SIZE": "lots"})
    assert (bad_env.exit_code, bad_env.stderr) == (2, "Error: setting embed_batch_size: 'lots' is not a valid int\n")
    bad_model = invoke("ingest", str(notices), *backend_args(tmp_path), "--model", "hashing-x", "-q")
    assert bad_model.exit_code == 2
    assert bad_model.stderr == "Error: model 'hashing-x': expected hashing or hashing-<dims>, e.g. hashing-64\n"


def test_usage_errors_exit_2():
    assert invoke("ingest").exit_code == 2
    result = invoke("stats", "--backend", "solr")
    assert result.exit_code == 2 and "'solr' is not one of 'memory', 'embedded', 'elasticsearch'" in result.stderr


def test_the_whole_flow_on_the_embedded_backend(notices, tmp_path):
    """Separate invocations share nothing but the data folder, as separate processes would."""
    pytest.importorskip("indexer.backends.embedded", reason="the embedded backend is not in this tree")
    data = ["--data", str(tmp_path / "data"), "--backend", "embedded"]
    issues, measures = expected(QINGHE, SHIMEN)

    def stats() -> dict:
        result = invoke("stats", *data, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert invoke("ingest", str(notices), *data, "--model", "hashing-32", "-q").exit_code == 0
    assert (stats()["notices"], stats()["issues"], stats()["measures"]) == (2, issues, measures)
    again = json.loads(invoke("ingest", str(notices), *data, "--model", "hashing-32", "-q", "--json").stdout)
    assert (again["skipped"], again["indexed"]) == (2, 0)

    refused = invoke("ingest", str(notices), *data, "--model", "hashing-64", "-q")
    assert refused.exit_code == 2 and refused.stderr.startswith("Error: the index holds vectors of model hashing-bigram-32")

    switched = invoke("reindex", *data, "--model", "hashing-64", "-q", "--json")
    assert switched.exit_code == 0, switched.output
    assert json.loads(switched.stdout)["switched_from"].startswith("the index holds vectors of model hashing-bigram-32")
    info = stats()
    assert (info["model_id"], info["dims"], info["notices"], info["issues"]) == ("hashing-bigram-64", 64, 2, issues)

    assert invoke("delete", str(notices / SHIMEN), *data).exit_code == 0
    assert stats()["notices"] == 1
    assert json.loads(invoke("ingest", str(notices), *data, "--model", "hashing-64", "-q", "--json").stdout)["indexed"] == 1
