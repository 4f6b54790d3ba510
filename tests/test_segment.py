"""Segmentation: fictional notices in tests/data/segment/ (one quirk or more each) and the rules
behind them (numbering, headings, problems, measures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.parsing import numbering
from indexer.parsing.headings import Role, classify_title, problem_like
from indexer.parsing.issue_block import clean_problem, split_heading
from indexer.parsing.measures import split_measures
from indexer.parsing.normalise import fold, normalise
from indexer.parsing.numbering import Style
from indexer.parsing.parse import parse_file, parse_text
from indexer.parsing.segment import segment
from indexer.parsing.status import Status, heading_status

DATA = Path(__file__).parent / "data" / "segment"

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM

# (label, problem, status, number of measures) of every issue, in order.
EXPECTED: dict[str, list[tuple[str, str, Status | None, int]]] = {
    # The whole notice on one line: title glued to the body, headings run into their text,
    # dates 6.30日/3.15日 inside measures, closing + contact + signature at the end.
    "one_line.txt": [
        ("1.", "理论学习中心组学习不规范", C, 2),
        ("2.", "基层党支部组织生活不严肃", C, 3),
        ("3.", "疫苗冷链管理存在漏洞", B, 1),
        ("4.", "传染病报告不及时", P, 2),
    ],
    # A mirror copy: traditional characters with tone-marked pinyin injected (整(zhěng)改(gǎi)).
    "pinyin_mirror.txt": [
        ("（一）", "醫院黨委領導作用發揮不充分", C, 2),
        ("（二）", "醫療服務價格管理不規範", C, 3),
        ("（三）", "藥品耗材採購監管不到位", P, 1),
    ],
    # Grouped by status (已完成 / 需长期坚持), no status of their own, numbering restarts.
    "status_groups.txt": [
        ("1.", "“三重一大”决策制度执行不严格", C, 2),
        ("2.", "工程项目变更审批不规范", C, 1),
        ("3.", "公务用车管理不到位", C, 3),
        ("1.", "人才梯队建设滞后", L, 2),
        ("2.", "医德医风教育抓得不实", L, 2),
    ],
    # The list under 三、; 一、基本情况 and 二、主要做法 are numbered like issues; 整改状态：完成;
    # measures as inline （1）（2） and as lines; 四、下一步工作打算 with numbered items.
    "list_under_three.txt": [
        ("1.", "基层医疗机构绩效考核不够科学", C, 2),
        ("2.", "家庭医生签约服务质量不高", C, 3),
        ("3.", "财务报销审核把关不严", P, 1),
        ("4.", "干部选拔任用程序不规范", C, 1),
    ],
    # The list is the （三） of part 一、巡察整改工作开展情况; 二、下一步打算 follows.
    "list_in_part_one.txt": [
        ("1.", "党委议事决策程序不规范", C, 2),
        ("2.", "医疗质量安全核心制度落实不到位", C, 1),
        ("3.", "科研经费使用管理不规范", P, 3),
    ],
    # Compound markers "1.(1)": the 大项 has no title of its own.
    "compound_markers.txt": [
        ("1.(1)", "党支部主体责任落实不到位，对党员日常教育管理偏松", C, 2),
        ("(2)", "“三会一课”制度执行不严格，会议记录不完整", C, 1),
        ("2.(3)", "廉政风险防控措施不够有力", P, 3),
        ("3.(4)", "中医药特色优势发挥不充分", C, 2),
    ],
    # "1、" where 一、 is meant, a second 二、, headings carrying the start of the measures,
    # no labels and no statuses, 一是 lines, a plan part with 一是 and 1./2. items.
    "run_in_headings.txt": [
        ("（1）", "党委理论学习制度化不够", None, 2),
        ("（2）", "分级诊疗制度落实不力", None, 1),
        ("（1）", "医用耗材采购监管有漏洞", None, 3),
        ("（2）", "党员教育管理偏松偏软", None, 2),
    ],
    # No status anywhere; 方面 sections with （一）（二） restarting; title over three lines.
    "no_status.txt": [
        ("（一）", "学习贯彻党的创新理论不够深入", None, 2),
        ("（二）", "落实意识形态工作责任制有差距", None, 1),
        ("（一）", "定点医药机构监督检查覆盖面不足", None, 3),
        ("（二）", "追回违规基金工作推进缓慢", None, 2),
    ],
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(p.name for p in DATA.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_issues(name: str) -> None:
    notice = parse_file(DATA / name)
    got = [(i.label, i.problem, i.status, len(i.measures)) for i in notice.issues]
    assert got == EXPECTED[name]
    assert [i.seq for i in notice.issues] == list(range(1, len(got) + 1))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_spans_point_at_the_issue(name: str) -> None:
    notice = parse_file(DATA / name)
    for issue in notice.issues:
        assert issue.span is not None
        start, end = issue.span
        block = notice.text[start:end]
        assert fold(block).startswith(fold(issue.label)) or issue.label in block[:8]
        assert fold(issue.measures[-1][:10]) in fold(block)


def test_sections_and_groups() -> None:
    notice = parse_file(DATA / "status_groups.txt")
    assert [(i.section_label, i.section) for i in notice.issues] == [
        ("（一）", "已完成整改的问题（3个）")
    ] * 3 + [("（二）", "需长期坚持整改的问题（2个）")] * 2
    assert notice.quality.sections_found == 2
    compound = parse_file(DATA / "compound_markers.txt")
    assert [(i.group_label, i.group, i.section) for i in compound.issues] == [
        ("1.", None, "落实全面从严治党主体责任方面"),
        ("1.", None, "落实全面从严治党主体责任方面"),
        ("2.", None, "落实全面从严治党主体责任方面"),
        ("3.", None, "落实医改政策方面"),
    ]


def test_list_inside_a_part_has_no_section() -> None:
    notice = parse_file(DATA / "list_in_part_one.txt")
    assert [(i.section, i.group) for i in notice.issues] == [(None, None)] * 3
    assert notice.issues[2].status_raw == "正在推进，计划于2024年12月底前完成"


def test_heading_line_lead_is_the_measures_intro() -> None:
    notice = parse_file(DATA / "run_in_headings.txt")
    assert [i.measures_intro for i in notice.issues] == [
        "坚持把理论学习作为首要政治任务，完善学习机制。",
        "推动优质医疗资源下沉，完善双向转诊机制。",
        "严格采购审批，堵塞管理漏洞。",
        "从严加强党员教育管理。",
    ]
    assert notice.issues[1].measures == ["健全转诊工作机制。与5家乡镇卫生院签订双向转诊协议，3.19日起实行转诊专人对接。"]
    assert notice.quality.warnings == [
        "heading '1、' read as the top-level part '一、'",
        "repeated part label '二、'",
    ]


def test_status_raw_is_verbatim_without_final_stop() -> None:
    notice = parse_file(DATA / "one_line.txt")
    assert [i.status_raw for i in notice.issues] == ["已完成", "已完成", "基本完成", "正在推进"]
    mirror = parse_file(DATA / "pinyin_mirror.txt")
    assert [i.status_raw for i in mirror.issues] == ["已完成", "已完成", "正在推進"]


def test_closing_paragraph_is_not_a_measure() -> None:
    for name in ("status_groups.txt", "no_status.txt", "one_line.txt", "list_under_three.txt"):
        notice = parse_file(DATA / name)
        last = notice.issues[-1]
        assert not any("监督" in m or "联系电话" in m or "2024年" in m[-12:] for m in last.measures), name


# ---------------------------------------------------------------------------------------------
# Warnings: a half-parsed notice is reported, never silently dropped.


def test_warns_about_missing_measures_gaps_and_unclassified_parts() -> None:
    text = "\n".join([
        "一、巡察反馈问题整改落实情况",
        "1.台账登记不完整的问题",
        "整改结果：已完成",
        "3.值班制度执行不严的问题",
        "整改结果：已完成",
        "整改情况：修订值班制度。",
        "二、其他有关事项",
        "1.另行报告。",
    ])
    result = segment(normalise(text).text)
    assert [i.problem for i in result.issues] == ["台账登记不完整", "值班制度执行不严"]
    assert result.warnings == [
        "part '二、其他有关事项' could not be classified; skipped",
        "issue 1 (1.) has no measures",
        "issue numbering jumps from 1 to 3 at '3.'",
    ]


def test_no_headings_is_reported() -> None:
    result = segment("根据县委统一部署，现将整改情况通报如下。\n全部问题均已整改完成。")
    assert result.issues == []
    assert result.warnings == ["no numbered headings found"]


def test_transition_paragraph_after_last_issue_is_dropped() -> None:
    text = "\n".join([
        "1.关于档案管理不规范的问题",
        "整改情况：一是补齐档案；二是建立借阅登记制度。",
        "下一步，我院将把巡察整改作为契机，持续巩固整改成效。",
    ])
    issue = parse_text(text).issues[0]
    assert issue.measures == ["补齐档案", "建立借阅登记制度。"]


def test_trailing_bracketed_status_on_the_heading() -> None:
    text = "（一）食堂采购台账不全（已完成整改）\n整改措施：建立采购台账。\n（二）车辆维修审批不严（正在推进）\n整改措施：修订审批流程。"
    issues = parse_text(text).issues
    assert [(i.problem, i.status_raw, i.status) for i in issues] == [
        ("食堂采购台账不全", "已完成整改", C),
        ("车辆维修审批不严", "正在推进", P),
    ]


def test_inline_labels_on_the_heading_line() -> None:
    text = "1.关于值班制度落实不严的问题。整改结果：已完成。整改情况：一是修订制度；二是加强抽查。"
    issue = parse_text(text).issues[0]
    assert (issue.problem, issue.status_raw, issue.measures) == ("值班制度落实不严", "已完成", ["修订制度", "加强抽查。"])


# ---------------------------------------------------------------------------------------------
# Rules


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("一、整改工作组织情况", (Style.CN, 1, "一、")),
        ("十二、其他", (Style.CN, 12, "十二、")),
        ("(三)推动中医药发展用力不够", (Style.CN_PAREN, 3, "(三)")),
        ("( 2 )财务管理不严格", (Style.AR_PAREN, 2, "( 2 )")),
        ("12.医德医风问题突出", (Style.AR, 12, "12.")),
        ("1、 整改工作组织情况", (Style.AR, 1, "1、")),
        ("③建立台账", (Style.CIRCLED, 3, "③")),
        ("6.30日前完成整改", None),
        ("3.19日进行了培训", None),
        ("2024年5月起实行", None),
        ("一是加强学习", None),
        ("一、二级医院全覆盖", None),
    ],
)
def test_match_heading(line: str, expected: tuple[Style, int, str] | None) -> None:
    marker = numbering.match_heading(fold(line))
    assert (None if marker is None else (marker.style, marker.number, marker.label)) == expected


def test_compound_marker() -> None:
    markers = numbering.match_heading_markers("2.(3)廉政风险防控措施不够有力")
    assert [(m.style, m.number) for m in markers] == [(Style.AR, 2), (Style.AR_PAREN, 3)]


def test_ordinals_count_up_and_need_a_boundary() -> None:
    text = "一是建立台账;二是统一是非标准,三是压实责任。五是另议"
    assert [m.number for m in numbering.ordinal_items(text)] == [1, 2, 3]


@pytest.mark.parametrize(
    ("title", "role"),
    [
        ("整改工作组织情况", Role.SOFT),
        ("整改工作基本情况", Role.SOFT),
        ("组织落实整改情况", Role.SOFT),
        ("整改落实情况", Role.CONTAINER),
        ("反馈问题整改落实情况", Role.CONTAINER),
        ("县委巡察组反馈意见整改落实情况", Role.CONTAINER),
        ("下一阶段工作安排", Role.HARD),
        ("存在的主要问题及下一步工作措施", Role.HARD),
        ("今后整改工作打算", Role.HARD),
        ("关于落实意识形态工作责任制不够有力问题的整改情况", Role.PLAIN),
        ("“基层党组织领导班子建设存在短板”问题", Role.PLAIN),
        ("对审计发现问题整改不彻底，内控管理不严格方面", Role.PLAIN),
        ("集中整改期间已整改完成的问题", Role.PLAIN),
        ("针对整改措施不具体、下一步计划不明确的问题", Role.PLAIN),
        ("巩固整改成果，建立长效机制", Role.HARD),
        ("提高政治站位，扎实推进整改工作", Role.SOFT),
        ("关于巡察反馈问题的整改落实情况", Role.CONTAINER),
    ],
)
def test_classify_title(title: str, role: Role) -> None:
    assert classify_title(title) is role


@pytest.mark.parametrize(
    ("title", "status"),
    [
        ("集中整改期间已整改完成的问题", C),
        ("已完成整改的问题(3个)", C),
        ("长期整改的问题", L),
        ("需长期坚持的问题", L),
        ("正在整改的问题", P),
        ("党的建设方面", None),
        ("持续推进公共卫生体系建设用力不足", None),
    ],
)
def test_heading_status(title: str, status: Status | None) -> None:
    assert heading_status(title) is status


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("针对专题学习流于形式的问题，完善学习制度", True),
        ("关于“药品采购监管有盲区”问题", True),
        ("财务管理不严格", True),
        ("建立健全内控制度。", False),
        ("持续跟踪整改落实，对已完成事项开展回头看", False),
    ],
)
def test_problem_like(title: str, expected: bool) -> None:
    assert problem_like(title) is expected


@pytest.mark.parametrize(
    ("rest", "labelled", "expected"),
    [
        ("针对分级诊疗推进成效不明显的问题，完善转诊机制。", False, ("针对分级诊疗推进成效不明显的问题", "完善转诊机制。")),
        ("关于“‘关键少数’示范作用发挥不够”问题，发挥带头作用。", False, ("关于“‘关键少数’示范作用发挥不够”问题", "发挥带头作用。")),
        ("针对审计问题整改不彻底的问题，压实整改责任。", False, ("针对审计问题整改不彻底的问题", "压实整改责任。")),
        ("党委议事程序不规范。严格执行议事规则。", False, ("党委议事程序不规范。", "严格执行议事规则。")),
        ("党委议事程序不规范。严格执行议事规则。", True, ("党委议事程序不规范。严格执行议事规则。", None)),
        ("关于党费核算不准确。", True, ("关于党费核算不准确。", None)),
        ("针对“警示教育开展不经常”。", True, ("针对“警示教育开展不经常”。", None)),
    ],
)
def test_split_heading(rest: str, labelled: bool, expected: tuple[str, str | None]) -> None:
    assert split_heading(rest, labelled) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("针对““三会一课”制度落实不严”问题。", "“三会一课”制度落实不严"),
        ("关于“‘关键少数’示范作用发挥不够”问题", "‘关键少数’示范作用发挥不够"),
        ("针对 “内控制度执行有漏洞”问题", "内控制度执行有漏洞"),
        ("针对关于支部标准化建设不扎实问题", "支部标准化建设不扎实"),
        ("针对“廉洁风险排查走过场”方面。", "廉洁风险排查走过场"),
        ("关于“患者至上”的理念落实不到位的问题", "“患者至上”的理念落实不到位"),
        ("“三重一大”制度和“一岗双责”落实不到位", "“三重一大”制度和“一岗双责”落实不到位"),
        ("违规收费问题反复出现。", "违规收费问题反复出现"),
    ],
)
def test_clean_problem(text: str, expected: str) -> None:
    assert clean_problem(text) == expected


@pytest.mark.parametrize(
    ("paragraphs", "lead", "intro", "items"),
    [
        (["一是建立台账。二是完善制度；三是压实责任。"], None, None, ["建立台账。", "完善制度", "压实责任。"]),
        (["针对该问题，我局高度重视。一是建立台账，二是完善制度。"], None, "针对该问题，我局高度重视。", ["建立台账", "完善制度。"]),
        (["一是建立台账。（1）登记；（2）复核。二是完善制度。"], None, None, ["建立台账。（1）登记；（2）复核。", "完善制度。"]),
        (["（1）修订办法；（2）开展培训。", "（3）每月通报。"], None, None, ["修订办法", "开展培训。", "每月通报。"]),
        (["1.建立台账。", "2.截至6.30日完成复核。"], None, None, ["建立台账。", "截至6.30日完成复核。"]),
        (["①修订制度；②开展检查。"], None, None, ["修订制度", "开展检查。"]),
        (["落实整改责任。严格盘点资产。"], "逐条对照审计意见整改。", "逐条对照审计意见整改。", ["落实整改责任。严格盘点资产。"]),
        ([], "完善双向转诊机制。", None, ["完善双向转诊机制。"]),
        ([], None, None, []),
        (["3.19日开展培训，6.28完成考核。"], None, None, ["3.19日开展培训，6.28完成考核。"]),
        (["一是优化结构:已制定办法;二是强化培训:现有1名医生进修。"], None, None, ["优化结构:已制定办法", "强化培训:现有1名医生进修。"]),
    ],
)
def test_split_measures(paragraphs: list[str], lead: str | None, intro: str | None, items: list[str]) -> None:
    split = split_measures(paragraphs, lead)
    assert (split.intro, split.items) == (intro, items)


def test_ten_and_more_ordinals() -> None:
    numerals = "一二三四五六七八九"
    names = [*numerals, "十", "十一", "十二"]
    text = "".join(f"{n}是措施{i}。" for i, n in enumerate(names, start=1))
    assert split_measures([text]).items == [f"措施{i}。" for i in range(1, 13)]


def test_measure_lines_numbered_like_the_issues_stay_with_their_issue() -> None:
    text = "\n".join([
        "（一）党的建设方面",
        "（1）关于支部学习制度不健全的问题",
        "整改结果：已完成",
        "整改措施：",
        "（1）修订支部学习制度；",
        "（2）建立学习台账。",
        "（2）关于党费收缴不及时的问题",
        "整改结果：已完成",
        "整改措施：",
        "（1）开展党费收缴自查；",
        "（2）补缴党费；",
        "（3）每季度公示收缴情况。",
    ])
    issues = parse_text(text).issues
    assert [(i.label, i.problem, len(i.measures)) for i in issues] == [
        ("（1）", "支部学习制度不健全", 2),
        ("（2）", "党费收缴不及时", 3),
    ]


def test_one_issue_per_line_with_run_in_measures_and_inline_labels() -> None:
    text = "1.财务审批不严。针对该问题，修订审批制度。整改结果：已完成\n2.食堂管理混乱（牵头领导：某副院长）\n整改情况：建立食堂管理台账。"
    issues = parse_text(text).issues
    assert [(i.problem, i.status_raw, i.measures_intro, i.measures) for i in issues] == [
        ("财务审批不严", "已完成", None, ["针对该问题，修订审批制度。"]),
        ("食堂管理混乱", None, "（牵头领导：某副院长）", ["建立食堂管理台账。"]),
    ]


def test_closing_variants_and_annex_end_the_list() -> None:
    text = "\n".join([
        "1.关于档案管理不规范的问题",
        "整改情况：补齐档案。",
        "如有意见建议，欢迎及时向我们反映。联系电话：0000-0000000。",
        "附件：1.整改台账",
        "2.制度清单",
        "某县医院党委 2024年3月8日",
    ])
    notice = parse_text(text)
    assert [(i.problem, i.measures) for i in notice.issues] == [("档案管理不规范", ["补齐档案。"])]


def test_a_part_unlike_the_others_is_skipped() -> None:
    text = "\n".join([
        "一、党的建设方面",
        "（一）关于理论学习不深入的问题。已制定学习计划。",
        "（二）关于组织生活不规范的问题。开展专项检查。",
        "二、业务管理方面",
        "（一）关于收费不规范的问题。一是开展自查；二是退还费用。",
        "三、其他事项",
        "（一）完善制度。把经验固化为制度。",
        "（二）强化监督，定期开展回头看。",
    ])
    result = segment(text)
    assert [(i.section, i.problem, i.measures) for i in result.issues] == [
        ("党的建设方面", "理论学习不深入", ["已制定学习计划。"]),
        ("党的建设方面", "组织生活不规范", ["开展专项检查。"]),
        ("业务管理方面", "收费不规范", ["开展自查", "退还费用。"]),
    ]
    assert result.warnings == ["part '三、其他事项' does not look like the others; skipped"]
    assert result.sections_found == 2


def test_list_continued_under_a_repeated_heading() -> None:
    text = "\n".join([
        "一、整改工作组织情况",
        "成立整改领导小组。",
        "二、巡察反馈问题整改落实情况",
        "1.关于值班制度执行不严的问题",
        "整改结果：已完成",
        "整改情况：修订值班制度。",
        "二、业务管理方面",
        "2.关于病历书写不规范的问题",
        "整改结果：基本完成",
        "整改情况：一是开展病历质控；二是每月通报。",
        "三、下一步工作打算",
        "1.巩固整改成果。",
    ])
    result = segment(text)
    assert [(i.section, i.problem, i.status, len(i.measures)) for i in result.issues] == [
        (None, "值班制度执行不严", C, 1),
        ("业务管理方面", "病历书写不规范", B, 2),
    ]
    assert result.warnings == ["repeated part label '二、'"]


def test_a_text_cut_inside_a_compound_heading_does_not_emit_it():
    text = "\n".join([
        "二、反馈问题整改情况",
        "1.(1)食堂采购台账登记不全。", "整改进度：已完成。", "整改措施：一是补登台账。二是每月核对。",
        "(2)公务用车派车单审核把关不严。", "整改进度：已完成。", "整改措施：逐单复核派车记录。",
        "2.(3)村级财务公开栏更新不及时。", "整改进度：已完成。", "整改措施：一是按月公开。二是群众监督。",
        "3.(4)惠农补贴发放清册",  # the page stops here
    ])
    result = segment(text)
    assert [issue.label for issue in result.issues] == ["1.(1)", "(2)", "2.(3)"]
    assert result.truncated
