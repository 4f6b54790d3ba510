"""The topic taxonomy: its documentation, the rules, and the similarity part."""

from __future__ import annotations

import re

import numpy as np
import pytest

from indexer import categories
from indexer.categories import TAXONOMY, Prototypes, categorise, labels, rule_scores, use_embedder
from indexer.embed import HashingEmbedder


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


@pytest.mark.parametrize("problem, measures, expected", [
    ("违规使用医保基金问题长期存在，加重群众就医负担", [], ["medical_insurance"]),
    ("“三重一大”议事决策制度制定不严肃", ["修订党支部议事规则"], ["democratic_centralism"]),
    ("公务接待、差旅费管理仍然不规范", [], ["eight_rules"]),
    ("党费收缴不规范", [], ["party_building"]),
    ("理论学习中心组学习不深入", [], ["theory_study"]),
    ("意识形态工作责任制落实不够到位", [], ["ideology"]),
    ("医德医风问题突出，执业道德建设滞后", [], ["medical_ethics"]),
    ("选人用人程序混乱，落实党管干部不到位", [], ["personnel"]),
    ("招标采购存在风险", [], ["procurement_projects"]),
    ("医院感染防控和医疗不良事件上报制度落实不到位", [], ["quality_safety"]),
    ("基层公共卫生服务项目落实质量不高", [], ["public_health"]),
    ("村卫生室设施简陋，乡村医生服务能力弱", [], ["primary_care", "reform_development"]),
    ("履行信访工作职责不到位", [], ["petitions_service"]),
    ("对非法行医行为震慑力度还不够", [], ["regulation"]),
    ("落实巡察整改问题有反弹", [], ["rectification"]),
    ("工会经费管理使用不规范", [], ["finance_assets", "union"]),
    ("落实全面从严治党主体责任不到位", [], ["accountability"]),
    ("单位收入未纳入财务统一核算，私设账外资金", [], ["finance_assets"]),
    ("推进公立医院改革与发展成效不明显", [], ["reform_development"]),
    ("重点工作推进不力", [], []),
])
def test_rules(problem, measures, expected):
    assert categorise(problem, measures) == expected


def test_measures_count_less_than_the_problem():
    # one measure mention is not enough, three distinct ones are
    assert categorise("重点工作推进不力", ["开展医保培训"]) == []
    assert rule_scores("重点工作推进不力", ["开展医保培训"]) == {"medical_insurance": 0.35}
    assert categorise("重点工作推进不力", ["开展医保培训", "清退串换项目费用", "欺诈骗保专项整治"]) == ["medical_insurance"]


def test_a_weak_word_inside_a_strong_one_counts_once():
    assert rule_scores("公务接待超标准", []) == {"eight_rules": 1.0}


def test_most_specific_first():
    # eight_rules: 违规发放 + 津贴补贴 = 2.0; finance_assets: 财务 (twice, one word) = 1.0
    assert categorise("违规发放津贴补贴，财务管理混乱，财务总监履职不到位", []) == ["eight_rules", "finance_assets"]


class KeywordEmbedder:
    """A fake model whose vectors put each text on the axis of the category whose prototype
    shares most characters with it: enough to exercise the similarity path exactly."""

    model_id = "fake-keyword-model"

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
    text = "重点工作推进不力"
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
    assert categorise("党费收缴不规范", [], vector, prototypes=protos) == ["party_building"]


def test_vectors_of_other_dimensions_are_ignored():
    protos = Prototypes.build(KeywordEmbedder())
    assert categorise("重点工作推进不力", [], np.ones(7, dtype=np.float32), prototypes=protos) == []


def test_hashing_embedder_is_never_registered(monkeypatch):
    monkeypatch.setattr(categories, "_PROTOTYPES", None)
    assert use_embedder(HashingEmbedder(16)) is None
    assert categories._PROTOTYPES is None
    registered = use_embedder(KeywordEmbedder())
    assert registered is not None and registered.model_id == "fake-keyword-model"
    assert use_embedder(KeywordEmbedder()) is registered  # built once per model
