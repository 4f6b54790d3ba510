"""Storage faults of the embedded backend (issue "Hostile files, notice updates and storage
faults"): a read-only data folder is searched without writing anything, and a full disk gives a
clear error, a report that matches the store and a store that stays readable.

The faults are real: the data folder is a small tmpfs mounted for the test (remounted read-only,
or filled up), so SQLite, tantivy and the vector snapshot meet EROFS and ENOSPC through their own
code paths. Mounting needs root; elsewhere these tests are skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import tantivy
from fastapi.testclient import TestClient

from indexer.backends.base import Filters, LexicalQuery
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.embedded_lexical import build_schema
from indexer.embed import HashingEmbedder
from indexer.errors import ReadOnlyIndex
from indexer.fields import lexical_boosts
from indexer.pipeline import ingest_paths
from indexer.settings import load_settings
from indexer.types import Target
from search_api.app import create_app
from search_api.settings import ApiSettings

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "indexer" / "samples"
EMBEDDER = HashingEmbedder(64)
KEY = "storage-key"


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """``mount(size_mb)``: a fresh tmpfs of that size, unmounted after the test."""
    mounted: list[Path] = []

    def mount(size_mb: int) -> Path:
        point = tmp_path / f"tmpfs{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def remount_read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True, capture_output=True)


def _ingest(data: Path, paths: list[Path]):
    settings = load_settings({}, backend="embedded", data_dir=str(data), model="hashing")
    backend = EmbeddedBackend(data)
    try:
        return ingest_paths([str(p) for p in paths], settings, backend=backend, embedder=EMBEDDER, progress=False,
                            report_path=data.parent / "report.jsonl")
    finally:
        backend.close()


def _searches(backend: EmbeddedBackend) -> tuple[list, list, int]:
    query = LexicalQuery(("医保", "基金", "采购"), lexical_boosts(Target.ISSUES))
    vector = EMBEDDER.embed_queries(["医保基金使用不规范"])[0].tolist()
    lexical = [(h.doc_id, round(h.score, 5)) for h in backend.lexical(Target.ISSUES, query, Filters(), 10)]
    semantic = [(h.doc_id, round(h.score, 5)) for h in backend.vector(Target.ISSUES, vector, Filters(), 10)]
    return lexical, semantic, backend.info().notices


def _tree(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- read-only ---------------------------------------------------------------------------------------

def test_a_read_only_folder_is_searched_as_it_was(tmpfs):
    mount = tmpfs(64)
    data = mount / "data"
    _ingest(data, [SAMPLES])
    with EmbeddedBackend(data) as writable:
        want = _searches(writable)
    assert want[0] and want[1] and want[2] == 12
    remount_read_only(mount)

    backend = EmbeddedBackend(data)  # "unable to open database file" before
    try:
        assert backend.read_only
        assert _searches(backend) == want
        with pytest.raises(ReadOnlyIndex, match="read-only: it can be searched, not written"):
            backend.delete_notices([backend.iter_notices().__next__()["notice_id"]])
    finally:
        backend.close()


def test_the_api_serves_a_read_only_folder_and_refuses_writes_clearly(tmpfs):
    mount = tmpfs(64)
    data = mount / "data"
    _ingest(data, [SAMPLES])
    remount_read_only(mount)
    settings = ApiSettings(backend="embedded", data_dir=str(data), model="hashing", api_key=KEY)
    backend = EmbeddedBackend(data)
    try:
        client = TestClient(create_app(settings, backend, EMBEDDER))
        found = client.get("/api/search", params={"q": "医保基金"})
        assert found.status_code == 200 and found.json()["total"] > 0
        notice_id = next(backend.iter_notices())["notice_id"]
        refused = client.delete(f"/api/notices/{notice_id}", headers={"X-API-Key": KEY})
        assert refused.status_code == 409, refused.text
        assert "read-only" in refused.json()["error"]
        assert client.get(f"/api/notices/{notice_id}").status_code == 200  # still there
    finally:
        backend.close()


def test_opening_read_only_writes_nothing(tmp_path):
    data = tmp_path / "data"
    _ingest(data, [SAMPLES])
    before = _tree(data)
    with EmbeddedBackend(data, read_only=True) as backend:
        assert _searches(backend)[2] == 12
        with pytest.raises(ReadOnlyIndex):
            backend.write([])
    assert _tree(data) == before  # no file added, removed or changed: not even the lock file


def test_a_read_only_copy_whose_lexical_index_lags_is_caught_up_in_memory(tmp_path, tmpfs):
    """A copy taken after a crash (SQLite committed, tantivy did not) is searchable in full."""
    data = tmp_path / "data"
    _ingest(data, [SAMPLES])
    with EmbeddedBackend(data) as writable:
        want = _searches(writable)
        writable._gen.store.set_meta({"lexical_seq": 0})  # as if tantivy missed every write …
    for target in Target:  # … and it did: empty tantivy indexes
        folder = data / "gen-000001" / target.value
        shutil.rmtree(folder)
        folder.mkdir()
        tantivy.Index(build_schema(target), path=str(folder))
    mount = tmpfs(64)
    shutil.copytree(data, mount / "data")
    remount_read_only(mount)
    with EmbeddedBackend(mount / "data") as backend:
        assert backend.read_only and _searches(backend) == want
    assert os.listdir(mount / "data")  # still mounted read-only, untouched


# -- a full disk -------------------------------------------------------------------------------------

STORED = {"indexed", "replaced", "empty", "updated"}


def _cli_ingest(corpus: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    return subprocess.run([sys.executable, "-m", "indexer", "ingest", str(corpus), "--data", str(data),
                           "--model", "hashing", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)


def _last_report(data: Path) -> list[dict]:
    [path] = sorted((data / "reports").glob("ingest-*.jsonl"), key=lambda p: p.stat().st_mtime)[-1:]
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("full-disk") / "corpus"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_corpus.py"), "--out", str(folder), "--notices", "200",
                    "--seed", "5", "--jobs", "1", "--formats", "txt", "--quiet"], cwd=ROOT, check=True, timeout=600)
    return folder


def test_a_full_disk_stops_the_ingest_clearly_with_a_true_report_and_a_readable_store(tmpfs, corpus):
    mount = tmpfs(10)  # room for the first batches of the 200 notices, not for all
    data = mount / "data"
    done = _cli_ingest(corpus, data)
    assert done.returncode == 2, done.stdout + done.stderr
    [message] = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert re.match(r"Error: no space left on device \(needed ~\d+ MB, [\d.]+ MB free", message), message
    assert "Traceback" not in done.stderr

    lines = _last_report(data)
    files = len(list(corpus.glob("*.txt")))
    assert len(lines) == files  # every file has its line, written after the disk filled up
    stored_lines = {line["notice_id"] for line in lines if line["outcome"] in STORED}
    failed = [line["reason"] for line in lines if line["outcome"] == "failed"]
    assert failed and all("no space left on device (needed ~" in reason for reason in failed), failed[:3]
    with EmbeddedBackend(data) as backend:  # readable while the disk is still full
        stored = {n["notice_id"] for n in backend.iter_notices()}
        assert stored == stored_lines and 0 < len(stored) < files
        vector = EMBEDDER.embed_queries(["医保基金使用不规范"])[0].tolist()
        assert backend.vector(Target.ISSUES, vector, Filters(), 5)
    assert not list((data / "reports").glob(".*.reserve"))

    # With room again, the same command resumes: what was stored is skipped, the rest stored.
    subprocess.run(["mount", "-o", "remount,size=96m", str(mount)], check=True)
    again = _cli_ingest(corpus, data)
    assert again.returncode == 0, again.stderr
    second = _last_report(data)
    assert not [line for line in second if line["outcome"] == "failed"]
    assert {line["notice_id"] for line in second if line["outcome"] == "skipped"} >= stored
    with EmbeddedBackend(data) as backend:
        info = backend.info()
        assert info.extra["lexical_seq"] == info.extra["seq"]  # the lexical index caught up
        assert info.extra["lexical_docs"] == {"issues": info.issues, "measures": info.measures}


def test_a_full_disk_while_preparing_the_model_is_one_clear_line(tmpfs, tmp_path):
    cache = tmpfs(2)  # far too small for the converted model
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_MODEL_CACHE"] = str(cache)
    done = subprocess.run([sys.executable, "-m", "indexer", "ingest", str(SAMPLES), "--data", str(tmp_path / "data"),
                           "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: no space left on device (needed ~1300 MB) while preparing the embedding model in {cache}: free "
        "some space, or set XUNCHA_MODEL_CACHE to a folder on another disk")
