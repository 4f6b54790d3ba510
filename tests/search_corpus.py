"""A small fictional corpus for the search-core and API tests, built by hand (not by the parser)
so that ranking assertions do not move when parsing improves. Vectors come from
``HashingEmbedder(64)`` and tokens from the real tokeniser; categories from ``categorise``.

Four notices, three institutions: 青禾县人民医院 has two notices (2023 and 2025), so
query-by-example scopes and collapse counts can be told apart. Feedback dates: one full, one
partial (a month), one missing; an issue without a status stores ``unspecified`` as indexing does.
"""

from __future__ import annotations

from indexer.backends.base import NoticeBundle
from indexer.categories import categorise
from indexer.embed import HashingEmbedder
from indexer.fields import UNSTATED, date_number
from indexer.tokenise import DICTIONARY_VERSION, tokenise_for_index

EMBEDDER = HashingEmbedder(dims=64)

FEEDBACK_DATES = {"qh2023": "2023-06-20", "sm2024": "2024-03", "bc2022": None, "qh2025": "2025-01-10"}

# notice_id, institution, type, province, city, level, year, issues [(problem, status, measures)]
NOTICES = [
    ("qh2023", "青禾县人民医院", "hospital", "江西省", "吉安市", "county", 2023, [
        ("违规使用医保基金，存在串换项目收费问题", "completed",
         ["开展医保基金专项自查自纠，退回违规费用3.2万元", "上线医保智能审核系统，从源头防范违规收费"]),
        ("“三重一大”决策制度执行不严格", "in_progress",
         ["修订“三重一大”事项清单", "重大事项一律经党委会集体研究"]),
        ("公务接待超标准，差旅费报销不规范", "completed",
         ["制定公务接待管理办法", "逐笔核查差旅费报销凭证"]),
        ("医德医风教育流于形式", "long_term",
         ["全员签订廉洁承诺书", "每季度开展医德医风专题培训"]),
    ]),
    ("sm2024", "石门镇卫生院", "township_health_centre", "湖南省", "常德市", "county", 2024, [
        ("医保基金监管不到位，存在过度检查", "completed",
         ["建立医保基金日常监管台账", "开展合理检查专项培训"]),
        ("村卫生室药品配备不全，乡村医生服务能力弱", "in_progress",
         ["为村卫生室补充基本药物", "开展乡村医生轮训"]),
        ("中心组理论学习走过场", "completed",
         ["制定年度理论学习计划"]),
    ]),
    ("bc2022", "北城区疾病预防控制中心", "cdc", "江西省", "南昌市", "city", 2022, [
        ("政府采购程序不规范", None,
         ["严格执行政府采购法", "建立采购内控制度"]),
        ("意识形态工作责任制落实不到位", "basically_completed",
         ["修订意识形态工作责任清单", "加强网站和公众号信息审核"]),
    ]),
    ("qh2025", "青禾县人民医院", "hospital", "江西省", "吉安市", "county", 2025, [
        ("违规使用医保基金问题整改不彻底", "in_progress",
         ["再次开展医保基金自查"]),
        ("党费收缴不规范", "completed",
         ["按标准补交党费"]),
    ]),
]


def _tokens(text: str) -> str:
    return " ".join(tokenise_for_index(text))


def make_bundles() -> list[NoticeBundle]:
    bundles = []
    for notice_id, institution, itype, province, city, level, year, issues in NOTICES:
        title = f"中共{institution}委员会关于巡察整改进展情况的通报"
        base = {"notice_id": notice_id, "source": f"{notice_id}.txt", "title": title, "institution": institution,
                "institution_type": itype, "province": province, "city": city, "level": level, "year": year,
                "inspection_kind": "巡察", "feedback_date": FEEDBACK_DATES[notice_id],
                "date": date_number(FEEDBACK_DATES[notice_id])}
        issue_docs, measure_docs = [], []
        for seq, (problem, status, measures) in enumerate(issues, start=1):
            issue_id = f"{notice_id}-{seq:03d}"
            vector = EMBEDDER.embed_passages([problem])[0]
            cats = categorise(problem, measures)
            issue_docs.append({
                "id": issue_id, **base, "seq": seq, "label": f"{seq}.", "section": None, "group": None,
                "problem": problem, "status": status or UNSTATED, "status_raw": None, "measures": measures,
                "categories": cats, "problem_tokens": _tokens(problem), "context_tokens": "",
                "measures_tokens": _tokens("\n".join(measures)), "vector": vector.tolist(),
            })
            for n, text in enumerate(measures, start=1):
                measure_docs.append({
                    "id": f"{issue_id}-m{n}", "issue_id": issue_id, **base, "seq": seq, "measure_seq": n,
                    "text": text, "problem": problem, "section": None, "status": status or UNSTATED, "categories": cats,
                    "text_tokens": _tokens(text), "problem_tokens": _tokens(problem),
                })
        quality = {"issues_found": len(issues), "issues_stated": len(issues), "sections_found": 0,
                   "sections_stated": None, "statuses_found": sum(1 for i in issues if i[1]), "warnings": [],
                   "complete": True}
        notice = {**base, "issue_ids": [d["id"] for d in issue_docs], "quality": quality,
                  "text": "……", "original_text": "……"}
        bundles.append(NoticeBundle(notice_id, base["source"], notice, issue_docs, measure_docs))
    return bundles


def load(backend) -> None:
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, DICTIONARY_VERSION)
    result = backend.write(make_bundles())
    assert not result.failed, result.failed
