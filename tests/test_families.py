"""Problem families (indexer/families.py, indexer/measure_families.py) and their API: the same
families on every backend, determinism, recomputation after ingest / delete / reindex, storage
with the index generation, and the endpoints /api/common-problems and /api/issues/{id}.

Corpus: tests/search_corpus.py (hand-built, HashingEmbedder vectors). Its three 医保基金 issues
(two notices of 青禾县人民医院, one of 石门镇卫生院) are one problem; at the threshold used here
(0.4: HashingEmbedder cosines run lower than a real model's) nothing else groups.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from indexer import families
from indexer.backends.memory import MemoryBackend
from indexer.measure_families import group_measures
from indexer.pipeline import delete_notices, ingest_paths, reindex
from indexer.settings import Settings
from indexer.types import Target
from search_api.app import create_app
from tests import search_corpus
from tests.conftest import BACKEND_FACTORIES
from tests.test_embed import e5_models, e5_settings  # noqa: F401 - the real model, converted once per session

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "indexer" / "samples"
THRESHOLD = 0.4
PARAMS = families.FamilyParams(threshold=THRESHOLD)
MEDICAL_INSURANCE = ["qh2023-001", "qh2025-001", "sm2024-001"]


def _loaded(backend):
    search_corpus.load(backend)
    return backend


def _summary(result: families.FamilySet) -> list[tuple]:
    return [(f.id, f.label_id, f.members, f.institutions, f.notices, f.terms) for f in result.families]


def test_the_same_problem_at_two_institutions_is_one_family():
    result = families.build(_loaded(MemoryBackend()), PARAMS)
    [family] = result.families
    assert family.members == MEDICAL_INSURANCE
    assert (family.institutions, family.notices) == (2, 3)
    assert family.label_id in MEDICAL_INSURANCE and "医保基金" in family.label
    assert family.terms == ["医保基金", "违规"]  # 使用, 存在, 问题: too common in general Chinese to tell
    assert result.family_of("sm2024-001") == family.id and result.family_of("sm2024-002") is None
    assert set(result.members) == set(MEDICAL_INSURANCE)
    assert result.members["sm2024-001"]["province"] == "湖南省"


def test_a_higher_threshold_splits_and_a_lower_one_never_joins_issues_of_one_notice_alone():
    backend = _loaded(MemoryBackend())
    strict = families.build(backend, families.FamilyParams(threshold=0.5))
    assert [f.members for f in strict.families] == [["qh2023-001", "sm2024-001"]]
    assert families.build(backend, families.FamilyParams(threshold=0.9)).families == []
    for family in families.build(backend, families.FamilyParams(threshold=0.2)).families:
        assert family.notices >= 2


def test_families_do_not_depend_on_write_order():
    forward = _loaded(MemoryBackend())
    backward = MemoryBackend()
    backward.write(list(reversed(search_corpus.make_bundles())))
    assert _summary(families.build(forward, PARAMS)) == _summary(families.build(backward, PARAMS))


def test_every_backend_stores_and_returns_the_same_families(backend):
    reference = families.build(_loaded(MemoryBackend()), PARAMS)
    _loaded(backend)
    assert families.load(backend) is None and families.stored_stamp(backend) is None
    stored = families.refresh(backend, Settings(family_threshold=THRESHOLD))
    assert _summary(stored) == _summary(reference)
    assert stored.stamp == reference.stamp
    loaded = families.load(backend)
    assert loaded is not None and _summary(loaded) == _summary(reference)
    assert families.stored_stamp(backend) == stored.stamp
    assert loaded.members == reference.members


def test_scan_reads_every_document_with_its_vector(backend):
    _loaded(backend)
    seen = {}
    for docs, vectors in backend.scan(Target.ISSUES, ["notice_id", "problem_tokens"], vectors=True, batch=4):
        assert vectors is not None and vectors.shape == (len(docs), search_corpus.EMBEDDER.dims)
        for doc, vector in zip(docs, vectors, strict=True):
            seen[doc["id"]] = (doc, vector)
    assert len(seen) == 11
    doc, vector = seen["sm2024-001"]
    assert doc["notice_id"] == "sm2024" and "医保" in doc["problem_tokens"] and "problem" not in doc
    expected = search_corpus.EMBEDDER.embed_passages(["医保基金监管不到位，存在过度检查"])[0]
    assert abs(float(vector @ expected) - 1.0) < 1e-2


def test_derived_data_belongs_to_the_generation(backend):
    _loaded(backend)
    backend.put_derived("families-test", b"\x00one")
    assert backend.get_derived("families-test") == b"\x00one"
    backend.put_derived("families-test", b"two")
    assert backend.get_derived("families-test") == b"two" and backend.get_derived("other") is None
    backend.rebuild(search_corpus.make_bundles())
    assert backend.get_derived("families-test") is None


def test_ingest_delete_and_reindex_recompute_the_families(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"), model="hashing", family_threshold=0.3)
    backend = MemoryBackend()
    files = [SAMPLES / "01_county_hospital_yongfeng.txt", SAMPLES / "04_community_centre_yunlong.txt"]
    ingest_paths(files, settings, backend=backend, progress=False, report_path=tmp_path / "r.jsonl")
    first = families.load(backend)
    assert first is not None and first.issues == 30
    again = ingest_paths(files, settings, backend=backend, progress=False, report_path=tmp_path / "r2.jsonl")
    assert again.skipped == 2 and families.stored_stamp(backend) == first.stamp  # nothing changed
    delete_notices([str(files[1])], settings, backend=backend)
    after_delete = families.load(backend)
    assert after_delete is not None and after_delete.issues == 14
    assert all(f.notices >= 2 for f in after_delete.families) and after_delete.families == []
    reindex(settings, backend=backend, progress=False)
    assert families.load(backend) is not None and families.load(backend).issues == 14


def test_measure_families_put_the_common_measure_first():
    measures = [
        {"id": "a-001-m1", "issue_id": "a-001", "institution": "甲医院", "text": "开展医保基金专项自查",
         "text_tokens": "开展 医保 医保基金 专项 自查"},
        {"id": "a-001-m2", "issue_id": "a-001", "institution": "甲医院", "text": "修订财务报销制度",
         "text_tokens": "修订 财务 报销 制度"},
        {"id": "b-001-m1", "issue_id": "b-001", "institution": "乙卫生院", "text": "组织医保基金专项自查",
         "text_tokens": "组织 医保 医保基金 专项 自查"},
        {"id": "c-002-m1", "issue_id": "c-002", "institution": "丙中心", "text": "医保基金专项自查全覆盖",
         "text_tokens": "医保 医保基金 专项 自查 全覆盖"},
    ]
    groups = group_measures(measures)
    assert [sorted(m["id"] for m in g.measures) for g in groups] == [
        ["a-001-m1", "b-001-m1", "c-002-m1"], ["a-001-m2"]]
    assert (groups[0].institutions, groups[0].issues) == (3, 3)
    assert group_measures(list(reversed(measures)))[0].to_dict() == groups[0].to_dict()


# -- the API --------------------------------------------------------------------------------------

API_BACKENDS = [pytest.param(name, marks=BACKEND_FACTORIES[name][1], id=name)
                for name in ("memory", "embedded", "elasticsearch") if name in BACKEND_FACTORIES]


@pytest.fixture(scope="module", params=API_BACKENDS)
def client(request, tmp_path_factory):
    factory, _ = BACKEND_FACTORIES[request.param]
    backend = factory(tmp_path_factory.mktemp(f"families-{request.param}"))
    search_corpus.load(backend)
    settings = Settings(backend=backend.name, family_threshold=THRESHOLD)
    families.refresh(backend, settings)
    yield TestClient(create_app(settings, backend, search_corpus.EMBEDDER))
    backend.close()


def test_list_sorted_by_institutions_with_counts_and_breakdowns(client):
    body = client.get("/api/common-problems").json()
    assert body["ok"] and body["total"] == 1 and body["min_institutions"] == 2
    [family] = body["families"]
    assert (family["institutions"], family["members"], family["notices"]) == (2, 3, 3)
    assert [(y["value"], y["count"]) for y in family["by_year"]] == [("2023", 1), ("2024", 1), ("2025", 1)]
    assert [(t["label"], t["count"]) for t in family["by_institution_type"]] == [("医院", 2), ("乡镇卫生院", 1)]
    assert body["index"]["issues"] == 11 and body["index"]["threshold"] == THRESHOLD
    assert {f["value"]: f["count"] for f in body["facets"]["province"]} == {"江西省": 2, "湖南省": 1}
    assert body["facets"]["category"][0] == {"value": "medical_insurance", "count": 3}


def test_list_filters_count_only_the_members_that_pass(client):
    assert client.get("/api/common-problems", params={"province": "江西省"}).json()["total"] == 0
    body = client.get("/api/common-problems", params={"province": "江西省", "min_institutions": 1}).json()
    assert body["families"][0]["members"] == 2 and body["families"][0]["total_members"] == 3
    assert {f["value"]: f["count"] for f in body["facets"]["institution"]} == {"青禾县人民医院": 2}
    assert client.get("/api/common-problems", params={"min_institutions": 3}).json()["total"] == 0
    assert client.get("/api/common-problems", params={"year_from": 2024}).json()["families"][0]["members"] == 2
    assert client.get("/api/common-problems", params={"year_to": 2023}).json()["total"] == 0


def test_list_with_a_query_keeps_families_with_a_member_among_the_hits(client):
    body = client.get("/api/common-problems", params={"q": "医保基金", "mode": "lexical"}).json()
    assert body["total"] == 1 and body["families"][0]["matched"] == 3
    assert client.get("/api/common-problems", params={"q": "党费收缴", "mode": "lexical"}).json()["total"] == 0


def test_family_detail_members_breakdowns_and_measure_families(client):
    family_id = client.get("/api/common-problems").json()["families"][0]["id"]
    body = client.get(f"/api/common-problems/{family_id}").json()["family"]
    assert sorted(m["id"] for m in body["members"]) == MEDICAL_INSURANCE
    member = next(m for m in body["members"] if m["id"] == "sm2024-001")
    assert (member["institution"], member["notice_id"], member["status_label"]) == ("石门镇卫生院", "sm2024", "已完成")
    assert {b["value"]: b["count"] for b in body["breakdowns"]["province"]} == {"江西省": 2, "湖南省": 1}
    assert {b["value"] for b in body["breakdowns"]["status"]} == {"completed", "in_progress"}
    assert body["measure_families"][0]["institutions"] >= 2  # 医保基金自查 at both institutions
    every = [m for g in body["measure_families"] for m in g["measures"]]
    assert len(every) == 5 and all(m["issue_id"] in MEDICAL_INSURANCE for m in every)


def test_unknown_family_is_404_and_bad_parameters_400(client):
    response = client.get("/api/common-problems/fnothing")
    assert response.status_code == 404 and not response.json()["ok"]
    assert client.get("/api/common-problems", params={"min_institutions": 0}).status_code == 400
    assert client.get("/api/common-problems", params={"status": "nonsense"}).status_code == 400


def test_issue_carries_its_family_id(client):
    family_id = client.get("/api/common-problems").json()["families"][0]["id"]
    assert client.get("/api/issues/qh2025-001").json()["issue"]["family_id"] == family_id
    assert client.get("/api/issues/sm2024-002").json()["issue"]["family_id"] is None


@pytest.mark.slow
def test_the_bundled_samples_have_families_across_several_institutions(e5_models, tmp_path):  # noqa: F811
    """What ``make run`` shows on the 共性问题 page: the default model, the default threshold."""
    settings = e5_settings(e5_models, tmp_path / "data")
    backend = MemoryBackend()
    ingest_paths([SAMPLES], settings, backend=backend, progress=False, report_path=tmp_path / "r.jsonl")
    result = families.load(backend)
    assert result is not None and result.params.threshold == Settings().family_threshold
    assert result.families[0].institutions >= 5
    assert sum(1 for f in result.families if f.institutions >= 3) >= 5
    hospitality = next(f for f in result.families if "公务接待" in f.terms)  # 八项规定: 公务接待 at many institutions
    assert hospitality.institutions >= 4


def test_approximate_neighbours_above_the_exact_limit_find_the_exact_ones(monkeypatch):
    rng = np.random.default_rng(7)
    topics = rng.standard_normal((60, 96)).astype(np.float32)
    vectors = topics[rng.integers(0, 60, 3000)] + 0.6 * rng.standard_normal((3000, 96)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact_scores, exact = families.nearest(vectors, 6)
    monkeypatch.setattr(families, "EXACT_KNN_ROWS", 500)
    scores, found = families.nearest(vectors, 6)
    assert found.shape == (3000, 6) and (found[:, 0] == np.arange(3000)).mean() > 0.99  # itself first
    recall = np.mean([len(set(a) & set(b)) / 6 for a, b in zip(exact.tolist(), found.tolist(), strict=True)])
    assert recall > 0.8  # within a topic the exact order of near-equal neighbours is partly luck
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # best first, exact cosines
    row = 123
    assert np.allclose(scores[row], vectors[found[row]] @ vectors[row], atol=1e-5)
    again = families.nearest(vectors, 6)
    assert np.array_equal(again[1], found)  # deterministic
