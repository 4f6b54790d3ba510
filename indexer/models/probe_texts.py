"""Fictional probe texts for an embedding model: issue-like sentences and query → paraphrase pairs.

Used by ``scripts/bench_embed.py`` (throughput and MRR) and by the embedding tests (agreement of a
converted model with its reference). Every text here is written for the project.

    >>> len(fictional_issue_texts(3)), all(20 < len(t) <= 80 for t in fictional_issue_texts(50))
    (3, True)
"""

from __future__ import annotations

import random

# Fictional building blocks: bodies, subjects, failings, consequences.
_BODIES = ["党委", "党组", "领导班子", "机关党支部", "纪检监察组", "办公室", "财务科", "人事处", "基建办",
           "招标采购中心", "信息中心", "后勤服务中心", "下属公司", "街道党工委", "区教育局", "市场监管所"]
_SUBJECTS = ["理论学习中心组学习", "“三重一大”决策制度", "意识形态工作责任制", "公务用车管理", "政府采购程序",
             "干部选拔任用工作", "基层党组织建设", "专项资金使用", "合同管理", "固定资产管理", "公务接待",
             "工程项目审批", "安全生产责任", "民生项目推进", "信访举报办理", "巡察反馈问题整改",
             "中央八项规定精神落实", "财务报销审核", "档案管理", "内部审计监督"]
_FAILINGS = ["执行不严格", "流于形式", "落实不到位", "存在薄弱环节", "监督检查不够", "制度不健全",
             "程序不规范", "台账记录不完整", "推进缓慢", "责任压得不实", "审核把关不严", "整改不彻底",
             "公开不及时", "考核机制缺失", "风险防控意识不强"]
_DETAILS = ["部分会议记录缺失", "个别项目未经集体研究", "存在先支付后审批的情况", "少数干部参与学习次数不足",
            "有的合同未按规定签订", "部分资产账实不符", "多笔费用报销缺少明细", "个别工程存在拆分发包现象",
            "群众反映的问题办理超期", "专题组织生活会质量不高", "对下属单位指导督促不够", "整改台账更新不及时"]
_MEASURES = ["已制定整改方案并明确责任人", "已组织专题学习", "已修订相关管理办法", "已开展专项检查",
             "已完成整改", "正在持续推进", "已建立长效机制", "已对相关责任人进行约谈提醒"]


def fictional_issue_texts(n: int, seed: int = 7) -> list[str]:
    """``n`` issue-like sentences of roughly 20–80 characters."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        text = f"{rng.choice(_BODIES)}{rng.choice(_SUBJECTS)}{rng.choice(_FAILINGS)}"
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            text += f"，{rng.choice(_DETAILS)}"
        if rng.random() < 0.5:
            text += f"。{rng.choice(_MEASURES)}"
        if 20 <= len(text) <= 79:
            out.append(text + "。")
    return out


# 20 fictional query → paraphrase pairs: the paraphrase shares meaning, few words.
PARAPHRASE_PAIRS: list[tuple[str, str]] = [
    ("公车私用", "个别干部驾驶单位车辆办理私人事务，车辆使用登记不全。"),
    ("招标项目拆分规避公开招标", "有的工程被分成几个小合同发包，以躲开公开招投标程序。"),
    ("理论学习走过场", "中心组集中学习次数不够，研讨发言照本宣科，学习效果不明显。"),
    ("违规发放津贴补贴", "以加班费名义向职工发放没有依据的补助，超出规定标准。"),
    ("超标准公务接待", "接待上级检查时用餐标准高于规定，陪餐人数超过要求。"),
    ("选人用人程序不规范", "提拔干部时动议环节缺少记录，考察材料内容单薄。"),
    ("固定资产账实不符", "单位家具电脑等物品登记数量和实际清点数量对不上。"),
    ("专项资金挪用", "扶贫补助款被临时用于办公楼维修，没有按原定用途使用。"),
    ("信访件办理超期", "群众来信反映的问题拖了几个月才答复，回复时限没有遵守。"),
    ("基层党支部组织生活不正常", "一些支部很少按时开展三会一课，组织生活会开得简单。"),
    ("合同管理混乱", "签合同前没有法律审核，部分协议条款缺失，原件保管不善。"),
    ("财务报销把关不严", "多张发票内容不清也给予报账，审核人员没有核对附件。"),
    ("整改敷衍应付", "对上轮检查指出的毛病只写了方案，实际行动很少，问题反弹。"),
    ("安全生产责任落实不到位", "工地隐患排查次数少，发现的危险点没有及时消除。"),
    ("意识形态阵地管理薄弱", "单位网站和公众号发布内容缺少审核，舆情处置迟缓。"),
    ("档案资料缺失", "重要会议纪要和项目文件没有归档，查找时找不到原件。"),
    ("违规收受礼品礼金", "有干部在节日期间接受服务对象送来的购物卡和土特产。"),
    ("政府采购未执行集中采购", "应当统一采购的办公设备由科室自行购买，绕开了集采平台。"),
    ("民生实事推进缓慢", "承诺年内完成的老旧小区改造项目进度落后，居民意见大。"),
    ("内部审计发现问题未整改", "审计报告提出的问题清单搁置未办，没有跟踪销号。"),
]
