"""The topic taxonomy: its documentation, the rules, and the similarity part."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from indexer.backends.memory import MemoryBackend
from indexer.categories import TAXONOMY, Prototypes, categorise, labels, prototypes_for, rule_scores
from indexer.embed import HashingEmbedder
from indexer.pipeline import ingest_paths
from indexer.settings import load_settings
from indexer.types import Target

# A fictional notice; its second issue has no rule word, so only similarity can categorise it.
NOTICE = """中共东坪镇卫生院支部委员会关于巡察整改进展情况的通报

按照县委巡察工作安排，县委第二巡察组对东坪镇卫生院开展了巡察。现将整改进展情况通报如下。

一、履行职责方面
1.关于私设小金库的问题
整改结果：已完成
整改情况：一是清理账外资金并全部纳入单位账户。二是对相关责任人进行诫勉谈话。
2.关于年度重点任务推进不力的问题
整改结果：已完成
整改情况：一是制定推进清单。二是每月调度一次。
"""


def test_every_category_is_documented():
    for key, spec in TAXONOMY.items():
        assert re.fullmatch(r"[a-z_]+", key), key
        assert set(spec) == {"label", "description", "prototype", "rules"}, key
        assert spec["label"] and spec["description"] and spec["prototype"], key
        assert spec["rules"] and all(w in (0.5, 1.0) for _, w in spec["rules"]), key
        for pattern, _ in spec["rules"]:
            re.compile(pattern)


def test_labels_are_chinese():
    assert labels()["medical_insurance"] == "医保基金/医疗收费"
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels().values())


# Invented sentences in the style of the genre (no text of the real seed notices).
@pytest.mark.parametrize("problem, measures, expected", [
    ("医保基金使用管理混乱，串换收费项目，加重患者负担", [], ["medical_insurance"]),
    ("“三重一大”事项未经集体研究决定", ["修订党支部议事规则"], ["democratic_centralism"]),
    ("公务接待和公车使用超出标准", [], ["eight_rules"]),
    ("党费收缴标准不清、台账缺失", [], ["party_building"]),
    ("中心组理论学习走过场", [], ["theory_study"]),
    ("意识形态阵地管理松散", [], ["ideology"]),
    ("医务人员执业道德意识淡薄，医德医风问题较多", [], ["medical_ethics"]),
    ("选人用人把关不严，党管干部原则落实走样", [], ["personnel"]),
    ("招标采购环节风险防控薄弱", [], ["procurement_projects"]),
    ("院内感染防控和不良事件报告制度执行不力", [], ["quality_safety"]),
    ("基本公共卫生服务项目质量不高", [], ["public_health"]),
    ("村卫生室设备陈旧，乡村医生业务能力不足", [], ["primary_care"]),
    ("信访件办理不及时", [], ["petitions_service"]),
    ("打击非法行医力度偏弱", [], ["regulation"]),
    ("上轮巡察反馈问题整改后出现反弹", [], ["rectification"]),
    ("工会经费收支管理混乱", [], ["finance_assets", "union"]),
    ("全面从严治党主体责任压得不实", [], ["accountability"]),
    ("部分收入游离于财务核算之外，形成账外资金", [], ["finance_assets"]),
    ("公立医院改革任务推进迟缓", [], ["reform_development"]),
    ("年度重点任务推进不力", [], []),
])
def test_rules(problem, measures, expected):
    assert categorise(problem, measures) == expected


def test_measures_count_less_than_the_problem():
    # one measure mention is not enough, three distinct ones are
    assert categorise("年度重点任务推进不力", ["开展医保培训"]) == []
    assert rule_scores("年度重点任务推进不力", ["开展医保培训"]) == {"medical_insurance": 0.35}
    assert categorise("年度重点任务推进不力", ["开展医保培训", "清退串换项目费用", "欺诈骗保专项整治"]) == [
        "medical_insurance"]


def test_a_weak_word_inside_a_strong_one_counts_once():
    assert rule_scores("公务接待超标准", []) == {"eight_rules": 1.0}


def test_most_specific_first():
    # eight_rules: 违规发放 + 津贴补贴 = 2.0; finance_assets: 财务 (twice, one word) = 1.0
    assert categorise("违规发放津贴补贴，财务管理混乱，财务总监履职不到位", []) == ["eight_rules", "finance_assets"]


class KeywordEmbedder:
    """A fake model whose vectors put each text on the axis of the category whose prototype
    shares most characters with it: enough to exercise the similarity path exactly."""

    model_id = "fake-keyword-model"
    semantic = True

    def __init__(self) -> None:
        self.keys = list(TAXONOMY)
        self.dims = len(self.keys)

    def embed_passages(self, texts):
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            overlap = [len(set(text) & set(TAXONOMY[k]["prototype"])) for k in self.keys]
            out[row, int(np.argmax(overlap))] = 1.0
            out[row] += 0.01
            out[row] /= np.linalg.norm(out[row])
        return out

    embed_queries = embed_passages


def test_similarity_adds_a_category_when_rules_find_none():
    embedder = KeywordEmbedder()
    protos = Prototypes.build(embedder)
    text = "年度重点任务推进不力"
    vector = embedder.embed_passages([TAXONOMY["public_health"]["prototype"]])[0]
    assert categorise(text, [], vector, prototypes=protos) == ["public_health"]
    assert categorise(text, []) == []


def test_similarity_confirms_a_weak_rule_category_only():
    embedder = KeywordEmbedder()
    protos = Prototypes.build(embedder)
    vector = embedder.embed_passages([TAXONOMY["petitions_service"]["prototype"]])[0]
    # 群众 is a supporting word (0.5): confirmed because the vector agrees
    assert categorise("群众反映强烈", [], vector, prototypes=protos) == ["petitions_service"]
    assert categorise("群众反映强烈", []) == []
    # a rule category is never removed, and similarity adds nothing beside a decisive rule
    assert categorise("党费收缴标准不清", [], vector, prototypes=protos) == ["party_building"]


def test_vectors_of_other_dimensions_are_ignored():
    protos = Prototypes.build(KeywordEmbedder())
    assert categorise("年度重点任务推进不力", [], np.ones(7, dtype=np.float32), prototypes=protos) == []


def test_only_a_semantic_embedder_has_prototypes():
    assert prototypes_for(HashingEmbedder(16)) is None  # bigram similarities mean nothing
    protos = prototypes_for(KeywordEmbedder())
    assert protos is not None and protos.model_id == "fake-keyword-model"
    assert protos.keys == tuple(TAXONOMY) and protos.matrix.shape == (len(TAXONOMY), len(TAXONOMY))


def _categories_after_ingest(tmp_path: Path, embedder) -> dict[str, list[str]]:
    backend = MemoryBackend()
    folder = tmp_path / embedder.model_id
    folder.mkdir()
    (folder / "dongping.txt").write_text(NOTICE, encoding="utf-8")
    settings = load_settings({}, backend="memory", data_dir=str(folder / "data"), model="hashing")
    ingest_paths([str(folder / "dongping.txt")], settings, backend=backend, embedder=embedder, progress=False)
    ids = [i for n in backend.iter_notices() for i in n["issue_ids"]]
    return {d["id"]: d["categories"] for d in backend.get(Target.ISSUES, ids)}


def test_the_ingest_hands_its_embedders_prototypes_to_categorisation(tmp_path):
    by_rules = _categories_after_ingest(tmp_path, HashingEmbedder(len(TAXONOMY)))
    with_similarity = _categories_after_ingest(tmp_path, KeywordEmbedder())
    assert list(by_rules.values()) == [["finance_assets"], []]
    first, second = with_similarity.values()
    assert first == ["finance_assets"]  # a decisive rule: similarity adds nothing
    assert len(second) == 1  # nothing by the rules: the stand-out prototype
