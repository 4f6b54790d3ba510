"""Topic categories of an issue: a documented taxonomy for 巡察整改 notices, assigned by keyword
rules plus embedding similarity to a prototype text per category.

    >>> categorise("医保基金使用管理混乱，串换收费项目", [])
    ['medical_insurance']
    >>> categorise("“三重一大”事项未经集体研究决定", ["修订党支部议事规则"])
    ['democratic_centralism']

How a category is chosen (the pipeline calls :func:`categorise` once per issue at index time):

1. **Rules.** Each category has keyword patterns with a weight (1.0 = decisive, 0.5 = supporting,
   e.g. the generic 资金). A pattern found in the problem statement adds its weight; found only
   in the measures it adds ``MEASURE_FACTOR`` × weight (measures mention many topics in passing).
   Each pattern counts once. A category scoring ≥ ``RULE_THRESHOLD`` is assigned.
2. **Similarity.** When the issue's vector and the prototype vectors of the same model are given
   (:func:`prototypes_for`), the cosine of the vector to each category's prototype text
   (its ``prototype``) is computed. A category whose rule score is only supporting
   (≥ ``WEAK_THRESHOLD``) is confirmed when it is among the ``CONFIRM_TOP`` most similar
   prototypes; and when the rules assign nothing, the most similar prototype is assigned if it
   stands out (z-score over all categories ≥ ``Z_MIN``).

Rules carry most of the weight: similarity never removes a rule category and adds at most one.
An embedder that is not ``semantic`` (the test :class:`~indexer.embed.HashingEmbedder`) has no
prototypes: with it only rules apply.

Keys are stable English identifiers (stored in the ``categories`` field, used in filters);
``label`` is the Chinese name shown to people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.embed import Embedder
from indexer.parsing.normalise import fold

MEASURE_FACTOR = 0.35
RULE_THRESHOLD = 1.0
WEAK_THRESHOLD = 0.5
CONFIRM_TOP = 2
Z_MIN = 2.0

# key → label, description, prototype text (for similarity) and (pattern, weight) rules.
TAXONOMY: dict[str, dict[str, Any]] = {
    "theory_study": {
        "label": "理论学习",
        "description": "理论学习中心组、第一议题、党纪学习教育、学习贯彻重要讲话精神，学用结合",
        "prototype": "党委中心组集体学习次数不足、研讨不深，第一议题学习落实走样，学习与业务工作脱节，学习贯彻新思想浮于表面",
        "rules": [(r"理论学习|中心组|第一议题|学习教育|主题教育|学用结合|学用脱节", 1.0),
                  (r"学习贯彻|习近平新时代|重要讲话|指示批示|学习.{0,4}(不深入|不主动|不全面|流于形式)", 1.0),
                  (r"学习计划|集体学习|专题学习", 0.5)],
    },
    "party_building": {
        "label": "党建/组织生活",
        "description": "基层党组织建设、三会一课、组织生活、主题党日、党员发展、党费、民主生活会",
        "prototype": "基层党组织软弱涣散，三会一课和主题党日开展不经常，组织生活会流于形式，发展党员把关不严，党费收缴标准不清",
        "rules": [(r"党建|基层党组织|基层组织建设|党支部|支部建设|三会一课|组织生活|主题党日|党日活动", 1.0),
                  (r"发展党员|党员发展|党费|民主生活会|党内政治生活|党务|党组织书记|党委核心作用|党的领导", 1.0),
                  (r"支部|党员|谈心谈话|批评和自我批评", 0.5)],
    },
    "ideology": {
        "label": "意识形态",
        "description": "意识形态工作责任制、宣传思想、网络阵地与新媒体管理、保密",
        "prototype": "意识形态阵地管理松散，网站公众号等新媒体审核把关不严，舆情应对和保密管理存在风险隐患",
        "rules": [(r"意识形态|宣传阵地|网络阵地|新媒体|公众号|舆情|涉密|保密|宣传思想", 1.0),
                  (r"宣传|网络安全|微信群", 0.5)],
    },
    "democratic_centralism": {
        "label": "民主集中制/三重一大",
        "description": "民主集中制、“三重一大”集体决策、议事规则、重大事项决策、一把手权力",
        "prototype": "民主集中制执行走样，三重一大事项未经集体研究就作决定，议事规则不健全，重大事项决策程序不规范",
        "rules": [(r"民主集中制|三重一大|议事规则|议事决策|集体决策|集体研究|重大事项|末位表态|一把手|头雁", 1.0),
                  (r"党委会|院长办公会|决策程序|班子.{0,2}团结", 0.5)],
    },
    "accountability": {
        "label": "全面从严治党/监督责任",
        "description": "主体责任、监督责任（两个责任）、一岗双责、党风廉政建设、纪检监督、内部监督",
        "prototype": "全面从严治党主体责任和监督责任压得不实，一岗双责落实不力，党风廉政建设责任传导层层递减，内部监督乏力",
        "rules": [(r"主体责任|监督责任|两个责任|一岗双责|全面从严治党|从严治党|党风廉政|廉政风险|纪检|纪委|内部监督", 1.0),
                  (r"监督|问责|警示教育|廉政", 0.5)],
    },
    "eight_rules": {
        "label": "八项规定/四风",
        "description": "中央八项规定精神、四风（形式主义、官僚主义、享乐主义、奢靡之风）、公务接待、公车、津贴补贴、文风会风",
        "prototype": "违反中央八项规定精神，超标准公务接待、公车私用、差旅报销不合规，违规发放津贴补贴，形式主义官僚主义突出",
        "rules": [(r"八项规定|四风|形式主义|官僚主义|享乐主义|奢靡|公务接待|公车|公务用车|差旅|津贴补贴|违规发放|福利|文风|会风|庸懒散", 1.0),
                  (r"流于形式|走过场|吃喝|接待|补贴|慰问品|作风", 0.5)],
    },
    "finance_assets": {
        "label": "财务/资产",
        "description": "财经纪律、预算与财务管理、资金使用、国有资产、小金库、内控与审计",
        "prototype": "财务制度执行不严，预算约束软化，资金支出审批不规范，固定资产账实不符，存在小金库和账外收入",
        "rules": [(r"财务|财经|预算|固定资产|国有资产|资产管理|小金库|账外|会计|报销|内控|审计|经费", 1.0),
                  (r"资金|资产|收入|支出|出租|票据|成本", 0.5)],
    },
    "medical_insurance": {
        "label": "医保基金/医疗收费",
        "description": "医保基金使用、欺诈骗保、串换项目、不合理收费、医保协议与目录",
        "prototype": "医保基金使用不合规，串换项目、重复收费、分解住院等问题多发，欺诈骗保整治不到位，增加患者费用负担",
        "rules": [(r"医保|医疗保险|骗保|串换|重复收费|多收费|超标准收费|分解收费|乱收费|收费不规范|价格目录", 1.0),
                  (r"收费|计费|物价|就医负担", 0.5)],
    },
    "medical_ethics": {
        "label": "医德医风/廉洁",
        "description": "医德医风、执业道德、九项准则、红包回扣、商业贿赂、行业不正之风",
        "prototype": "医务人员收受红包回扣，医药购销领域商业贿赂，医德医风教育不到位，行业不正之风屡禁不止",
        "rules": [(r"医德|医风|执业道德|职业道德|九项准则|红包|回扣|商业贿赂|不正之风|廉洁从业|廉洁行医|统方", 1.0),
                  (r"廉洁|廉洁风险|承诺书|违规违纪", 0.5)],
    },
    "personnel": {
        "label": "选人用人/干部队伍",
        "description": "选人用人、党管干部、干部选拔与管理、领导班子建设、人才队伍、招聘、考勤",
        "prototype": "选人用人程序不规范，干部选拔任用把关不严，干部队伍管理松懈，领导班子配备不齐，人才队伍结构失衡",
        "rules": [(r"选人用人|党管干部|干部队伍|干部选拔|干部管理|领导班子|班子建设|人才队伍|人才梯队|招聘|人事管理|考勤|轮岗|干部职工", 1.0),
                  (r"干部|人才|人员管理|岗位|编制|职称", 0.5)],
    },
    "procurement_projects": {
        "label": "招标采购/工程项目",
        "description": "招标投标、政府采购、药品耗材采购、工程项目与基建、外包服务、合同管理",
        "prototype": "招标采购程序不规范、规避招标，工程项目建设管理混乱，新建院区监管缺位，外包服务和合同管理漏洞多",
        "rules": [(r"招标|投标|招投标|采购|工程|基建|新院区|外包|合同管理|供应商|比选", 1.0),
                  (r"项目建设|合同|建设项目|第三方", 0.5)],
    },
    "quality_safety": {
        "label": "医疗质量与安全",
        "description": "医疗质量和安全、核心制度、不良事件、院感、医疗纠纷、处方与合理用药、诊疗行为、药品管理",
        "prototype": "医疗核心制度落实不到位，院内感染防控和不良事件报告不严，处方点评流于形式，药品使用监测不力，医疗安全隐患突出",
        "rules": [(r"医疗安全|医疗质量|核心制度|不良事件|院感|感染防控|医院感染|医疗纠纷|医患|处方|合理用药|抗菌药物|抗生素", 1.0),
                  (r"过度检查|滥检查|过度诊疗|诊疗行为|诊治|医疗废物|过期药品|病历|医疗风险|安全隐患|泛耗材", 1.0),
                  (r"药品|耗材|医疗行为|医疗服务", 0.5)],
    },
    "public_health": {
        "label": "公共卫生",
        "description": "基本公共卫生服务、疾病预防控制、职业病、食品安全、家庭医生签约、妇幼与老龄健康",
        "prototype": "基本公共卫生服务项目质量不高，家庭医生签约服务有名无实，疾病预防控制、职业病防治和食品安全风险监测薄弱",
        "rules": [(r"公共卫生|疾病预防|疾控|传染病|职业病|职业健康|食品安全|食源性|家庭医生|慢病|慢性病|免疫|预防接种|健康教育|妇幼|两癌|老龄", 1.0),
                  (r"筛查|健康档案|建档|疫情", 0.5)],
    },
    "primary_care": {
        "label": "基层医疗/医共体",
        "description": "县域医共体、分级诊疗、乡镇卫生院、村卫生室、乡村医生、基层服务能力",
        "prototype": "县域医共体建设推进缓慢，村卫生室房屋设备陈旧、常用药短缺，村医年龄老化、业务能力不足，基层首诊难以落实",
        "rules": [(r"医共体|医联体|分级诊疗|双向转诊|村卫生室|村卫生站|卫生室|乡村医生|村医|乡村医疗|次中心|村级医疗|基层医疗", 1.0),
                  (r"卫生院|基层|帮扶|下沉", 0.5)],
    },
    "reform_development": {
        "label": "改革发展/学科建设",
        "description": "公立医院改革、高质量发展、薪酬与绩效制度、学科与专科建设、中医药发展、服务能力",
        "prototype": "现代医院管理制度建设滞后，薪酬制度和绩效考核改革进展慢，专科能力和学科建设薄弱，中医药优势未充分发挥",
        "rules": [(r"公立医院改革|高质量发展|薪酬|绩效|学科建设|专科建设|重点专科|中医药|中医特色|服务能力|综合能力", 1.0),
                  (r"改革|发展|学科|专科|中医|人才引进", 0.5)],
    },
    "petitions_service": {
        "label": "信访/群众服务",
        "description": "信访、投诉举报、群众诉求、服务意识与就医体验、以人民为中心",
        "prototype": "信访工作责任落实不力，群众投诉举报办理不及时，窗口服务意识淡薄，患者就医体验不佳",
        "rules": [(r"信访|投诉|举报|群众诉求|服务意识|服务水平|就医体验|以人民为中心|患者至上|便民|一站式|看病难|满意度", 1.0),
                  (r"群众|患者|回访|服务态度", 0.5)],
    },
    "regulation": {
        "label": "行业监管/执法",
        "description": "卫生健康行业监管、综合监督执法、非法行医、对医疗机构的监管",
        "prototype": "卫生健康行业监管存在盲区，综合监督执法力量薄弱，打击非法行医和违法执业不力",
        "rules": [(r"监督执法|综合监督|非法行医|行业监管|医疗机构监管|对医疗机构|执法", 1.0),
                  (r"监管|依法执业|卫生监督", 0.5)],
    },
    "rectification": {
        "label": "整改落实",
        "description": "巡视巡察、审计等发现问题的整改不到位、整改反弹",
        "prototype": "巡视巡察和审计反馈问题整改落实不彻底，整改措施停留在纸面，问题反弹回潮，长效机制缺失",
        "rules": [(r"整改不到位|整改落实不到位|整改.{0,4}反弹|有反弹|巡视发现|巡察发现|审计发现|审计反馈|问题整改", 1.0),
                  (r"整改|长效机制", 0.5)],
    },
    "union": {
        "label": "工会/群团",
        "description": "工会工作与工会经费、会费、职代会、共青团与妇联工作",
        "prototype": "工会组织作用发挥不充分，工会经费收支管理不规范，会费未按规定标准收缴",
        "rules": [(r"工会|会费|职代会|职工代表大会|共青团|团委|妇联", 1.0)],
    },
}

_RULES: dict[str, list[tuple[re.Pattern[str], float]]] = {
    key: [(re.compile(pattern), weight) for pattern, weight in spec["rules"]] for key, spec in TAXONOMY.items()
}


def labels() -> dict[str, str]:
    """Category key → Chinese label."""
    return {key: spec["label"] for key, spec in TAXONOMY.items()}


def _matches(rules: Sequence[tuple[re.Pattern[str], float]], text: str) -> dict[str, float]:
    """Distinct matched strings → weight; a match overlapping an earlier (stronger) one is skipped,
    so 接待 inside 公务接待 is not counted twice."""
    taken: list[tuple[int, int]] = []
    found: dict[str, float] = {}
    for pattern, weight in rules:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.setdefault(m.group(0), weight)
    return found


def rule_scores(problem: str, measures: Sequence[str]) -> dict[str, float]:
    """Score of each category whose rules match (problem: weight; measures only: MEASURE_FACTOR × weight).

    >>> rule_scores("公务接待和公车使用超出标准", [])
    {'eight_rules': 2.0}
    """
    problem_text = fold(problem or "")
    measures_text = fold("\n".join(m for m in measures if m))
    scores: dict[str, float] = {}
    for key, rules in _RULES.items():
        in_problem = _matches(rules, problem_text)
        in_measures = _matches(rules, measures_text)
        score = sum(in_problem.values())
        score += MEASURE_FACTOR * sum(w for word, w in in_measures.items() if word not in in_problem)
        if score > 0:
            scores[key] = round(score, 4)
    return scores


@dataclass(frozen=True, slots=True)
class Prototypes:
    """Prototype vectors of every category for one embedding model."""

    model_id: str
    keys: tuple[str, ...]
    matrix: np.ndarray  # (len(keys), dims), L2-normalised rows

    @classmethod
    def build(cls, embedder: Embedder) -> Prototypes:
        keys = tuple(TAXONOMY)
        matrix = np.asarray(embedder.embed_passages([TAXONOMY[k]["prototype"] for k in keys]), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return cls(embedder.model_id, keys, matrix / np.where(norms == 0, 1.0, norms))

    def similarities(self, vector: Any) -> dict[str, float] | None:
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        if v.shape[0] != self.matrix.shape[1]:
            return None
        norm = float(np.linalg.norm(v))
        if norm == 0:
            return None
        sims = self.matrix @ (v / norm)
        return {k: float(s) for k, s in zip(self.keys, sims, strict=True)}


def prototypes_for(embedder: Embedder) -> Prototypes | None:
    """The prototypes to pass to :func:`categorise` with this embedder's vectors; None for an
    embedder whose similarities carry no meaning (then only the rules apply)."""
    return Prototypes.build(embedder) if embedder.semantic else None


def _by_similarity(scores: Mapping[str, float], sims: Mapping[str, float]) -> list[str]:
    """Categories that similarity adds or confirms (see the module docstring)."""
    ranked = sorted(sims, key=lambda k: -sims[k])
    weak = [k for k, s in scores.items() if WEAK_THRESHOLD <= s < RULE_THRESHOLD]
    confirmed = [k for k in weak if k in ranked[:CONFIRM_TOP]]
    if confirmed or any(s >= RULE_THRESHOLD for s in scores.values()):
        return confirmed[:1]
    values = np.asarray(list(sims.values()))
    std = float(values.std())
    top = ranked[0]
    if std > 0 and (sims[top] - float(values.mean())) / std >= Z_MIN:
        return [top]
    return []


def categorise(problem: str, measures: Sequence[str], vector: np.ndarray | None = None,
               prototypes: Prototypes | None = None) -> list[str]:
    """Category keys for one issue, most specific (highest rule score) first; [] when none applies.

    Similarity applies only with both the issue's ``vector`` and the ``prototypes`` of the model
    that made it (:func:`prototypes_for`)."""
    scores = rule_scores(problem, measures)
    chosen = [k for k, s in scores.items() if s >= RULE_THRESHOLD]
    if vector is not None and prototypes is not None:
        sims = prototypes.similarities(vector)
        if sims:
            for key in _by_similarity(scores, sims):
                if key not in chosen:
                    chosen.append(key)
                    scores.setdefault(key, 0.0)
    order = list(TAXONOMY)
    return sorted(chosen, key=lambda k: (-scores[k], order.index(k)))
