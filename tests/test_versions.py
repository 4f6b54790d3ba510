"""Notice versions (issue "Hostile files, notice updates and storage faults", defect 5): a progress
update of a notice — the same notice, statuses moved on — replaces the earlier version in search;
the earlier version stays retrievable (``GET /api/notices/{id}/versions``) with the status
changes between them. The notices are fictional (an invented health centre in an invented county).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from indexer.backends.memory import MemoryBackend
from indexer.embed import HashingEmbedder
from indexer.pipeline import ingest_paths, reindex
from indexer.settings import load_settings
from indexer.types import Target
from search_api.app import create_app
from search_api.settings import ApiSettings

pytestmark = pytest.mark.reliability

KEY = "versions-key"
AUTH = {"X-API-Key": KEY}
EMBEDDER = HashingEmbedder(32)

TEMPLATE = """中共东坪镇卫生院支部委员会关于县委第二巡察组巡察反馈意见整改进展情况的通报

按照县委巡察工作统一部署，2024年3月至4月，县委第二巡察组对东坪镇卫生院开展了巡察。现将整改进展情况通报如下。

一、履行职责方面
1.关于药品耗材采购未严格执行集中采购规定的问题
整改结果：{first}
整改情况：一是清理院内药品耗材采购台账。二是完善采购审批流程并张贴公示。
2.关于基本公共卫生服务档案更新不及时的问题
整改结果：{second}
整改情况：一是逐户核对居民健康档案。二是明确档案管理责任人并每月抽查。
3.关于职工考勤管理松散的问题
整改结果：已完成
整改情况：一是启用电子考勤。二是每月通报考勤情况。

中共东坪镇卫生院支部委员会
{date}
"""
V1 = TEMPLATE.format(first="正在整改", second="阶段性完成", date="2024年6月10日")
V2 = TEMPLATE.format(first="阶段性完成", second="已完成", date="2024年9月2日")
SOURCE = "东坪县人民政府网站"


def _upload(client: TestClient, name: str, text: str, source: str | None = SOURCE) -> dict:
    data = {"source": source} if source else {}
    response = client.post("/api/notices", headers=AUTH, files=[("files", (name, text.encode("utf-8")))], data=data)
    assert response.status_code == 200, response.text
    [line] = response.json()["files"]
    return line


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app(ApiSettings(backend="memory", api_key=KEY), MemoryBackend(), EMBEDDER))


def test_a_progress_update_replaces_the_earlier_version_which_stays_retrievable(client):
    first = _upload(client, "东坪镇卫生院整改通报.txt", V1)
    assert first["outcome"] == "indexed"
    second = _upload(client, "东坪镇卫生院整改通报（更新）.txt", V2)  # another file: an upload's temporary path
    assert (second["outcome"], second["replaces"]) == ("replaced", first["notice_id"])
    assert "later version" in second["reason"]

    # Search shows one notice: the new version, with its statuses.
    hits = client.get("/api/search", params={"q": "药品耗材采购 集中采购", "mode": "lexical", "size": 50}).json()["hits"]
    assert {h["notice_id"] for h in hits} == {second["notice_id"]}
    notice = client.get(f"/api/notices/{second['notice_id']}").json()
    assert [(i["status"], i["status_raw"]) for i in notice["issues"]] == [
        ("in_progress", "阶段性完成"), ("completed", "已完成"), ("completed", "已完成")]
    assert notice["notice"]["version_count"] == 2
    assert client.get(f"/api/notices/{first['notice_id']}").status_code == 404  # replaced in search

    # The earlier version: retrievable, with what changed.
    versions = client.get(f"/api/notices/{second['notice_id']}/versions", params={"include_text": True}).json()
    assert versions["ok"] and [v["notice_id"] for v in versions["versions"]] == [second["notice_id"], first["notice_id"]]
    current, earlier = versions["versions"]
    assert (current["version"], current["current"], earlier["version"], earlier["current"]) == (2, True, 1, False)
    assert earlier["original_text"] == V1 and current["original_text"] == V2
    assert earlier["source_name"] == SOURCE and earlier["issues"] == 3
    assert [(c["label"], c["from_raw"], c["to_raw"], c["to"]) for c in current["status_changes"]] == [
        ("1.", "正在整改", "阶段性完成", "in_progress"), ("2.", "阶段性完成", "已完成", "completed")]
    assert not earlier["status_changes"]
    assert client.get("/api/notices/nope/versions").status_code == 404


def test_the_same_text_reposted_without_status_changes_is_still_a_duplicate(client):
    _upload(client, "v1.txt", V1)
    repost = _upload(client, "repost.txt", V1.replace("每月通报考勤情况", "每月通报考勤结果"), source="另一网站")
    assert repost["outcome"] == "duplicate"


def test_another_inspection_round_is_another_notice_not_a_version(client):
    first = _upload(client, "round2.txt", V1)
    other = _upload(client, "round3.txt", V2.replace("县委第二巡察组", "县委第三巡察组"))
    assert other["outcome"] in ("indexed", "duplicate") and other.get("replaces") is None
    assert client.get(f"/api/notices/{first['notice_id']}").status_code == 200


def test_versions_survive_a_reindex(tmp_path):
    folder = tmp_path / "notices"
    folder.mkdir()
    settings = load_settings({}, backend="memory", data_dir=str(tmp_path / "data"), model="hashing")
    backend = MemoryBackend()
    (folder / "v1.txt").write_text(V1, "utf-8")
    ingest_paths([str(folder)], settings, backend=backend, embedder=EMBEDDER, progress=False)
    (folder / "v1.txt").unlink()
    (folder / "v2.txt").write_text(V2, "utf-8")
    ingest_paths([str(folder)], settings, backend=backend, embedder=EMBEDDER, progress=False)
    [current] = list(backend.iter_notices())
    assert len(current["versions"]) == 1
    reindex(settings, backend=backend, embedder=EMBEDDER, progress=False)
    [after] = list(backend.iter_notices())
    assert after["versions"] == current["versions"]
    assert len(backend.get(Target.ISSUES, after["issue_ids"])) == 3


def test_the_notice_page_lists_its_versions_with_the_status_changes(client):
    first = _upload(client, "v1.txt", V1)
    assert 'id="versions"' not in client.get(f"/notices/{first['notice_id']}").text  # one version: no panel
    second = _upload(client, "v2.txt", V2)
    page = client.get(f"/notices/{second['notice_id']}")
    assert page.status_code == 200
    panel = page.text[page.text.index('id="versions"'):page.text.index("问题与整改情况")]
    assert "版本（2）" in panel and "第 2 版</strong>（当前）" in panel and "第 1 版" in panel
    assert "正在整改 → 阶段性完成" in panel and "阶段性完成 → 已完成" in panel
