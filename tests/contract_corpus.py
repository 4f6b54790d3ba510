"""A tiny fixed corpus of bundles for the backend contract suite: built by hand, not by the
parser, so backend tests do not move when parsing improves."""

from __future__ import annotations

from indexer.backends.base import NoticeBundle
from indexer.documents import field_bigrams
from indexer.embed import HashingEmbedder
from indexer.fields import field_named
from indexer.tokenise import tokenise_for_index
from indexer.types import Target

EMBEDDER = HashingEmbedder(dims=32)

# (notice_id, institution, institution_type, province, year, [(problem, status, [measures])])
NOTICES = [
    ("n1", "青禾县人民医院", "hospital", "江西省", 2023, [
        ("违规使用医保基金，过度检查问题突出", "completed", ["开展医保基金专项自查", "退回违规费用3.2万元"]),
        ("三重一大制度执行不严格", "in_progress", ["修订三重一大决策制度"]),
        ("公务接待超标准", "completed", ["制定公务接待管理办法"]),
    ]),
    ("n2", "石门镇卫生院", "township_health_centre", "湖南省", 2024, [
        ("医保基金监管不到位，存在串换项目收费", "completed", ["建立医保基金日常监管台账"]),
        ("医德医风教育流于形式", "long_term", ["每季度开展医德医风培训", "设立意见箱"]),
    ]),
    ("n3", "北城区疾病预防控制中心", "cdc", "江西省", 2022, [
        ("政府采购程序不规范", None, ["严格执行政府采购法", "建立采购内控制度"]),
        ("中心组理论学习走过场", "basically_completed", ["制定年度学习计划"]),
    ]),
]


def _tokens(text: str) -> str:
    return " ".join(tokenise_for_index(text))


def _bigrams(doc: dict, target: Target) -> str:
    return field_bigrams(doc, field_named("bigram_tokens", target))


def make_bundles(notices: list = NOTICES, *, measure_vectors: bool = False) -> list[NoticeBundle]:
    """The corpus's bundles; ``measure_vectors``: measures get vectors too (else only issues have them)."""
    bundles = []
    for notice_id, institution, itype, province, year, issues in notices:
        base = {"notice_id": notice_id, "source": f"{notice_id}.txt", "title": f"{institution}巡察整改进展情况的通报",
                "institution": institution, "institution_type": itype, "province": province, "year": year}
        issue_docs, measure_docs = [], []
        for seq, (problem, status, measures) in enumerate(issues, start=1):
            issue_id = f"{notice_id}-{seq:03d}"
            issue_docs.append({
                "id": issue_id, **base, "seq": seq, "problem": problem, "status": status, "measures": measures,
                "categories": ["medical_insurance"] if "医保" in problem else [],
                "problem_tokens": _tokens(problem), "measures_tokens": _tokens(" ".join(measures)),
                "context_tokens": "", "bigram_tokens": _bigrams({"problem": problem, "measures": measures}, Target.ISSUES),
                "vector": EMBEDDER.embed_passages([problem])[0].tolist(),
            })
            for n, text in enumerate(measures, start=1):
                measure_docs.append({
                    "id": f"{issue_id}-m{n}", "issue_id": issue_id, **base, "seq": seq, "measure_seq": n,
                    "text": text, "problem": problem, "status": status, "categories": [],
                    "text_tokens": _tokens(text), "problem_tokens": _tokens(problem), "bigram_tokens": _bigrams({"text": text}, Target.MEASURES),
                })
                if measure_vectors:
                    measure_docs[-1]["vector"] = EMBEDDER.embed_passages([text])[0].tolist()
        notice = {**base, "issue_ids": [d["id"] for d in issue_docs], "text": "……", "original_text": "……"}
        bundles.append(NoticeBundle(notice_id, base["source"], notice, issue_docs, measure_docs))
    return bundles
