"""Where a notice was published: a manifest beside the files (notices.csv / notices.jsonl), an
HTML file's canonical link, an upload's ``source`` field; stored with the notice, linked from the
notice page. The notices are fictional (tests/data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.backends.memory import MemoryBackend
from indexer.embed import HashingEmbedder
from indexer.parsing.read import read_path
from indexer.pipeline import ingest_paths
from indexer.settings import load_settings
from indexer.sources import ManifestError, Origin
from indexer.types import Target
from search_api.app import create_app
from search_api.settings import load_api_settings
from tests.test_pipeline import DATA, QINGHE, SHIMEN

READ = Path(__file__).resolve().parent / "data" / "read"
QINGHE_URL = "https://www.qinghe.gov.cn/xxgk/2024/0312/1.html"
EMBEDDER = HashingEmbedder(32)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    notices = tmp_path / "notices"
    (notices / "2024").mkdir(parents=True)
    shutil.copy(DATA / QINGHE, notices / QINGHE)
    shutil.copy(DATA / SHIMEN, notices / "2024" / SHIMEN)
    return notices


def _ingest(paths, tmp_path: Path, backend: MemoryBackend, **kwargs):
    settings = load_settings({}, backend="memory", data_dir=str(tmp_path / "data"), model="hashing")
    return ingest_paths([str(p) for p in paths], settings, backend=backend, embedder=EMBEDDER, progress=False,
                        **kwargs)


def _stored(backend: MemoryBackend) -> dict[str, dict]:
    return {Path(n["source"]).name: n for n in backend.iter_notices()}


def _report(summary) -> dict[str, dict]:
    lines = Path(summary.report_path).read_text("utf-8").splitlines()
    return {Path(e["source"]).name: e for e in map(json.loads, lines)}


def test_csv_manifest_gives_url_name_and_publish_date(folder: Path, tmp_path: Path) -> None:
    (folder / "notices.csv").write_text(
        "file,url,name,published\n"
        f"{QINGHE},{QINGHE_URL},青禾县人民政府网站,2024年3月12日\n"
        f"2024/{SHIMEN},,石门镇人民政府,2024/05/06\n", "utf-8")
    backend = MemoryBackend()
    _ingest([folder], tmp_path, backend)
    qinghe, shimen = _stored(backend)[QINGHE], _stored(backend)[SHIMEN]
    assert (qinghe["source_url"], qinghe["source_name"], qinghe["publish_date"]) == (
        QINGHE_URL, "青禾县人民政府网站", "2024-03-12")
    assert (shimen["source_url"], shimen["source_name"], shimen["publish_date"]) == (None, "石门镇人民政府", "2024-05-06")
    issue = backend.get(Target.ISSUES, [qinghe["issue_ids"][0]])[0]
    assert issue["source_url"] == QINGHE_URL  # hits can link to the original too


def test_jsonl_manifest_in_the_files_own_folder(folder: Path, tmp_path: Path) -> None:
    (folder / "2024" / "notices.jsonl").write_text(
        json.dumps({"file": SHIMEN, "url": "http://shimen.example.cn/tz/8.htm"}, ensure_ascii=False) + "\n", "utf-8")
    backend = MemoryBackend()
    _ingest([folder], tmp_path, backend)
    assert _stored(backend)[SHIMEN]["source_url"] == "http://shimen.example.cn/tz/8.htm"
    assert _stored(backend)[QINGHE]["source_url"] is None


def test_a_manifest_added_later_updates_the_stored_notice(folder: Path, tmp_path: Path) -> None:
    backend = MemoryBackend()
    _ingest([folder], tmp_path, backend)
    (folder / "notices.csv").write_text(f"file,url\n{QINGHE},{QINGHE_URL}\n", "utf-8")
    summary = _ingest([folder], tmp_path, backend)
    report = _report(summary)
    assert (report[QINGHE]["outcome"], report[SHIMEN]["outcome"]) == ("updated", "skipped")
    assert summary.updated == 1 and backend.info().notices == 2
    assert _stored(backend)[QINGHE]["source_url"] == QINGHE_URL
    # Once stored, the same details are nothing new; a file without details erases nothing.
    assert _report(_ingest([folder], tmp_path, backend))[QINGHE]["outcome"] == "skipped"
    (folder / "notices.csv").unlink()
    assert _report(_ingest([folder], tmp_path, backend))[QINGHE]["outcome"] == "skipped"
    assert _stored(backend)[QINGHE]["source_url"] == QINGHE_URL


@pytest.mark.parametrize("manifest, message", [
    ("file,url\nqinghe_hospital.txt,ftp://x.cn/a\n", "line 2: url 'ftp://x.cn/a' is not an http(s) address"),
    ("file,published\nqinghe_hospital.txt,2024-13-01\n", "line 2: published '2024-13-01' is not a date"),
    ("file,link\nqinghe_hospital.txt,x\n", "unknown column(s) link"),
    ("file,url\n../outside.txt,\n", "is outside the manifest's folder"),
])
def test_a_bad_manifest_stops_before_anything_is_written(folder: Path, tmp_path: Path, manifest: str,
                                                         message: str) -> None:
    (folder / "notices.csv").write_text(manifest, "utf-8")
    backend = MemoryBackend()
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _ingest([folder], tmp_path, backend)
    assert backend.info().notices == 0


def test_html_canonical_link_is_the_source_url(tmp_path: Path) -> None:
    page = (READ / "notice.html").read_text("utf-8").replace(
        "<head>", '<head><link rel="canonical" href="https://www.yunling.gov.cn/zwgk/tzgg/202501/t20250106_88.html">')
    path = tmp_path / "page.html"
    path.write_text(page, "utf-8")
    assert read_path(path).source_url == "https://www.yunling.gov.cn/zwgk/tzgg/202501/t20250106_88.html"
    path.write_text(page.replace("https://www.yunling.gov.cn", "javascript:alert(1)//"), "utf-8")
    assert read_path(path).source_url is None  # only web addresses are kept
    assert read_path(READ / "notice.html").source_url is None


def test_given_origins_win_over_the_manifest(folder: Path, tmp_path: Path) -> None:
    (folder / "notices.csv").write_text(f"file,url,name\n{QINGHE},{QINGHE_URL},县政府网站\n", "utf-8")
    backend = MemoryBackend()
    _ingest([folder / QINGHE], tmp_path, backend, origins={str(folder / QINGHE): Origin.given("青禾县卫生健康委员会")})
    stored = _stored(backend)[QINGHE]
    assert (stored["source_url"], stored["source_name"]) == (QINGHE_URL, "青禾县卫生健康委员会")


def test_notice_page_links_to_the_original(folder: Path, tmp_path: Path) -> None:
    (folder / "notices.csv").write_text(f"file,url,name\n{QINGHE},{QINGHE_URL},青禾县人民政府网站\n", "utf-8")
    backend = MemoryBackend()
    _ingest([folder], tmp_path, backend)
    app = create_app(load_api_settings({}, backend="memory"), backend, EMBEDDER)
    with TestClient(app) as client:
        qinghe, shimen = _stored(backend)[QINGHE], _stored(backend)[SHIMEN]
        page = client.get(f"/notices/{qinghe['notice_id']}").text
        assert (f'<a id="origin-link" href="{QINGHE_URL}" target="_blank" rel="noopener noreferrer">'
                "青禾县人民政府网站 ↗</a>") in page
        assert 'id="origin-link"' not in client.get(f"/notices/{shimen['notice_id']}").text
        api = client.get(f"/api/notices/{qinghe['notice_id']}").json()["notice"]
        assert (api["source_url"], api["source_name"]) == (QINGHE_URL, "青禾县人民政府网站")


def test_upload_source_field_one_for_all_or_one_per_file() -> None:
    from tests.test_security import AUTH, KEY, corpus_client, upload

    client = corpus_client(api_key=KEY)
    first, second = DATA / QINGHE, DATA / SHIMEN
    response = client.post("/api/notices", headers=AUTH, files=upload(first, second),
                           data={"source": [QINGHE_URL, "石门镇人民政府"]})
    assert response.status_code == 200, response.text
    ids = [f["notice_id"] for f in response.json()["files"]]
    notices = [client.get(f"/api/notices/{i}").json()["notice"] for i in ids]
    assert [(n["source_url"], n["source_name"]) for n in notices] == [(QINGHE_URL, None), (None, "石门镇人民政府")]
    # The same file again with a name for both: stored again with it ("updated").
    again = client.post("/api/notices", headers=AUTH, files=upload(first), data={"source": "青禾县卫生健康委员会"})
    assert [(f["outcome"], f["notice_id"]) for f in again.json()["files"]] == [("updated", ids[0])]
    notice = client.get(f"/api/notices/{ids[0]}").json()["notice"]
    assert (notice["source_url"], notice["source_name"]) == (QINGHE_URL, "青禾县卫生健康委员会")
    wrong = client.post("/api/notices", headers=AUTH, files=upload(first, second), data={"source": ["a", "b", "c"]})
    assert (wrong.status_code, wrong.json()["error"]) == (422, "source: give one for all files or one per file (2), not 3")


def test_cli_ingest_names_the_bad_manifest_line_and_exits_2(folder: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from indexer.cli import cli

    (folder / "notices.csv").write_text(f"file,published\n{QINGHE},2024-02-30\n", "utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--backend", "embedded", "--data", str(tmp_path / "data"),
                                      "--model", "hashing", "-q"])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {folder / 'notices.csv'} line 2: published '2024-02-30' is not a date "
                             "(e.g. 2024-03-12)\n")
