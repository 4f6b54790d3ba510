"""Problems numbered by ordinals (第一，/第1项：/第一项问题：), as official documents often number
them, with their measures enumerated the same way. Every name and problem here is invented."""

from __future__ import annotations

import pytest

from indexer.parsing.parse import parse_text
from indexer.parsing.status import Status

C, P = Status.COMPLETED, Status.IN_PROGRESS

HEAD = ("中共青溪县林业局党组关于巡察整改进展情况的通报\n"
        "根据县委统一部署，县委第二巡察组对县林业局党组开展了常规巡察。现将整改进展情况公布如下。\n"
        "一、整改落实情况\n")
SIGNATURE = "\n中共青溪县林业局党组\n2024年5月8日"
FOREST = [
    ("护林员巡护记录不完整。", ["补齐巡护记录", "每月抽查巡护轨迹。"], "已完成", C),
    ("林木采伐审批把关不严。", ["修订采伐审批流程", "开展审批回头看。"], "正在推进", P),
    ("公益林补偿资金发放滞后。", ["建立补偿资金发放台账，按季度督办。"], "已完成", C),
]


ORDINAL = "第{c}，"


def _numbered(style: str, k: int) -> str:
    return style.format(c="一二三"[k], n=k + 1)


@pytest.mark.parametrize("style", ["第{c}，", "第{n}项：", "第{c}项问题：", "第{c}项，", "问题{c}："])
def test_problems_numbered_by_ordinals_get_their_label_and_a_bare_problem(style: str) -> None:
    # Measures enumerated 第一，/第二， inside the measures paragraph are items, not problems.
    body = "\n".join(
        f"{_numbered(style, k)}{p}\n整改措施：{'；'.join(_numbered(ORDINAL, j) + m for j, m in enumerate(ms))}\n整改结果：{s}"
        for k, (p, ms, s, _) in enumerate(FOREST)
    )
    notice = parse_text(HEAD + body + SIGNATURE)
    assert [(i.label, i.problem, i.status, i.measures) for i in notice.issues] == [
        (_numbered(style, k), p.rstrip("。"), status, ms) for k, (p, ms, _, status) in enumerate(FOREST)
    ]
    assert not notice.quality.warnings


@pytest.mark.parametrize("problem_style", ["第{c}，", "（{c}）", "{n}."])
def test_measure_lines_numbered_like_the_problems_stay_inside_their_problem(problem_style: str) -> None:
    # "第一，…" lines under "整改措施：" count again from 一 under each problem: they are its
    # measures, the last problem's single one closed by the status line.
    body = "\n".join(
        f"{_numbered(problem_style, k)}{p}\n整改措施：\n"
        + "\n".join(_numbered(ORDINAL, j) + m for j, m in enumerate(ms))
        + f"\n整改结果：{s}"
        for k, (p, ms, s, _) in enumerate(FOREST)
    )
    notice = parse_text(HEAD + body + SIGNATURE)
    assert [(i.label, i.problem, i.status, len(i.measures)) for i in notice.issues] == [
        (_numbered(problem_style, k), p.rstrip("。"), status, len(ms)) for k, (p, ms, _, status) in enumerate(FOREST)
    ]
    assert not notice.quality.warnings


def test_a_lone_measure_numbered_like_the_problems_under_a_bare_measures_label() -> None:
    # "3." / "整改措施：" / "1.…" / "整改结果：…": the one item is the measure of issue 3, not issue 4.
    body = "\n".join(f"{k + 1}.{p}\n整改措施：\n" + "\n".join(f"{j + 1}.{m}" for j, m in enumerate(ms)) + f"\n整改结果：{s}"
                     for k, (p, ms, s, _) in enumerate(FOREST))
    notice = parse_text(HEAD + body + SIGNATURE)
    assert [(i.label, i.status, len(i.measures)) for i in notice.issues] == [("1.", C, 2), ("2.", P, 2), ("3.", C, 1)]


@pytest.mark.parametrize("line", ["第一时间处置林区火情。", "第一项工作是排查隐患。", "第二巡察组反馈的问题已全部销号。"])
def test_ordinal_words_that_open_no_heading(line: str) -> None:
    from indexer.parsing.numbering import match_heading

    assert match_heading(line) is None


# ------------------------------------------------------------ problems without numbers, over lines

HARBOUR = [("渔港码头安全巡查流于形式。", "建立码头安全巡查打卡制度。", "已完成", C),
           ("渔船进出港登记不规范。", "统一进出港登记簿，每周抽查。", "正在推进", P)]
HARBOUR_HEAD = ("中共东澜县海洋渔业局党组关于巡察整改进展情况的通报\n"
                "县委第四巡察组对县海洋渔业局党组开展了巡察。现将整改进展情况公布如下。\n一、整改落实情况\n")
HARBOUR_END = "\n中共东澜县海洋渔业局党组\n2024年9月2日"


@pytest.mark.parametrize("status_layout", ["整改结果：{s}", "整改结果：\n{s}"])
def test_an_unnumbered_problem_over_two_lines_takes_both(status_layout: str) -> None:
    # Measures first, the status last: the status closes each block, so both lines before the
    # next "整改措施：" state the next problem (and those under the heading the first one).
    body = "\n".join(f"{p}\n多次被群众投诉。\n整改措施：{m}\n" + status_layout.format(s=s) for p, m, s, _ in HARBOUR)
    notice = parse_text(HARBOUR_HEAD + body + HARBOUR_END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        (p + "多次被群众投诉", status, [m]) for p, m, _, status in HARBOUR
    ]
    assert not notice.quality.warnings


def test_an_introduction_ending_with_a_colon_is_no_part_of_the_first_problem() -> None:
    body = "\n".join(f"{p}\n整改措施：{m}\n整改结果：{s}" for p, m, s, _ in HARBOUR)
    notice = parse_text(HARBOUR_HEAD + "对照反馈意见，逐项整改如下：\n" + body + HARBOUR_END)
    assert [i.problem for i in notice.issues] == [p.rstrip("。") for p, _, _, _ in HARBOUR]


def test_lines_after_the_last_status_are_still_reported() -> None:
    # After the last block there is no next problem for them to state.
    body = "\n".join(f"{p}\n整改措施：{m}\n整改结果：{s}" for p, m, s, _ in HARBOUR)
    notice = parse_text(HARBOUR_HEAD + body + "\n下一步将持续巩固整改成果。\n多次开展回头看。" + HARBOUR_END)
    assert [i.problem for i in notice.issues] == [p.rstrip("。") for p, _, _, _ in HARBOUR]
    assert any("after its status may state" in w for w in notice.quality.warnings)


def test_a_problem_over_two_lines_before_the_status_first_is_reported() -> None:
    # The status first, the measures last: a line after the measures may end them or open the
    # next problem. One that reads as a problem is reported, measures that go on are not.
    body = "\n".join(f"{p}\n多次被群众投诉。\n整改结果：{s}\n整改措施：{m}" for p, m, s, _ in HARBOUR)
    notice = parse_text(HARBOUR_HEAD + body + HARBOUR_END)
    # The first problem, right under its heading, takes both lines.
    assert [i.problem for i in notice.issues] == ["渔港码头安全巡查流于形式。多次被群众投诉", "多次被群众投诉"]
    assert "issue 2: the line before its problem may state it too" in notice.quality.warnings
    body = "\n".join(f"{p}\n整改结果：{s}\n整改措施：{m}\n持续跟踪问效。" for p, m, s, _ in HARBOUR)
    assert not any("before its problem" in w for w in parse_text(HARBOUR_HEAD + body + HARBOUR_END).quality.warnings)


def test_a_status_label_followed_by_the_measures_on_its_line() -> None:
    """"整改进展：已完成。一是…；二是…": the label is a status label, but its line goes on with the
    measures; they are the issue's measures, not part of its status."""
    notice = parse_text(
        "中共青杉县林业局党组关于巡察整改进展情况的通报\n"
        "县委第二巡察组于2025年6月10日反馈了巡察意见，现将整改进展情况通报如下。\n"
        "①林木采伐审批把关不严。\n"
        "整改进展：已完成。一是修订采伐审批流程；二是对近两年审批件逐件复核。\n"
        "②护林员队伍管理松散。\n"
        "整改进展：正在整改，建立护林员考勤和巡山轨迹抽查制度。\n"
        "③森林防火物资储备不足。\n"
        "整改进展：已完成\n"
        "中共青杉县林业局党组\n2025年9月1日")
    assert [(i.problem, i.status_raw, i.measures) for i in notice.issues] == [
        ("林木采伐审批把关不严", "已完成", ["修订采伐审批流程", "对近两年审批件逐件复核。"]),
        ("护林员队伍管理松散", "正在整改", ["建立护林员考勤和巡山轨迹抽查制度。"]),
        ("森林防火物资储备不足", "已完成", []),
    ]


def test_a_numbered_problem_under_its_label_loses_the_label() -> None:
    """"（一）问题：…。整改措施：…。整改进度：…": the number, then the problem under a 问题 label on
    the same line as its measures and status; the label is not part of the problem."""
    notice = parse_text(
        "中共鹤岗乡党委关于巡察整改进展情况的通报\n"
        "县委第四巡察组于2025年7月2日反馈了巡察意见，现将整改进展情况公布如下。\n"
        "（一）问题：村级集体经济合同管理混乱。整改措施：清理合同86份，建立合同管理台账。整改进度：已完成。\n"
        "（二）反馈问题：低保动态管理不及时。整改措施：一是开展低保对象核查；二是按月更新台账。整改进度：已完成。\n"
        "中共鹤岗乡党委\n2025年10月9日")
    assert [(i.label, i.problem, i.status, len(i.measures)) for i in notice.issues] == [
        ("（一）", "村级集体经济合同管理混乱", C, 1),
        ("（二）", "低保动态管理不及时", C, 2),
    ]


def test_items_under_a_bare_measures_label_are_measures_whatever_their_wording() -> None:
    """"问题1：…" / "整改措施：" alone / "1.…" "2.…" / "目前进展：…": the numbered lines are the
    problem's measures even when they do not open with a measure verb ("对…进行…", "上线…")."""
    blocks = [("问题1：档案室消防设施老化。", "对老化设施进行全面更换；", "上线档案库房温湿度监测。", "已完成"),
              ("问题2：公务接待清单填写不全，存在超标准接待。", "对超标准接待费用予以追缴；", "印发公务接待审批单。", "已完成"),
              ("问题3：干部请休假管理松散。", "上线电子请假审批；", "每月通报请休假情况。", "正在推进")]
    text = "中共桐溪县档案馆党支部关于巡察整改进展情况的通报\n县委第五巡察组于2025年6月3日反馈了巡察意见，现将整改进展情况公布如下。\n"
    for problem, first, second, status in blocks:
        text += f"{problem}\n整改措施：\n1.{first}\n2.{second}\n完成时限：2025年12月\n目前进展：{status}\n"
    notice = parse_text(text + "中共桐溪县档案馆党支部\n2025年10月9日")
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("档案室消防设施老化", C, ["对老化设施进行全面更换", "上线档案库房温湿度监测。"]),
        ("公务接待清单填写不全，存在超标准接待", C, ["对超标准接待费用予以追缴", "印发公务接待审批单。"]),
        ("干部请休假管理松散", P, ["上线电子请假审批", "每月通报请休假情况。"]),
    ]


def test_a_part_listing_its_problems_before_one_block_of_measures() -> None:
    """"一、关于…方面" / "巡察指出的问题：1.…；2.…" / "整改情况：一是…二是…。上述问题已全部整改完成。":
    the part is one issue; the problems listed are its problem text (searchable), not an
    introduction to its measures, and the closing sentence is its status."""
    notice = parse_text(
        "中共杉木乡委员会关于巡察整改进展情况的通报\n县委第一巡察组于2025年6月9日反馈了巡察意见，现将整改进展情况公布如下。\n"
        "一、关于财务管理方面\n巡察指出的问题：1.村级报账审核不严；2.固定资产底数不清。\n"
        "整改情况：一是实行报账双人审核；二是开展资产清查。上述问题已全部整改完成。\n"
        "二、关于作风建设方面\n巡察发现的问题：1.工作日午间饮酒；2.值班脱岗。\n"
        "整改情况：一是开展作风专项整治；二是不定期抽查值班。目前正在持续整改。\n"
        "中共杉木乡委员会\n2025年10月9日")
    issues = notice.issues
    assert [(i.status, len(i.measures), i.measures_intro) for i in issues] == [(C, 2, None), (P, 2, None)]
    assert "固定资产底数不清" in issues[0].problem and "值班脱岗" in issues[1].problem
    assert issues[0].measures[-1] == "开展资产清查。"


@pytest.mark.parametrize("measure", ["推行线上备案，办理时限压缩至即时办结。", "上线电子审批系统，实现全程留痕。"])
def test_a_short_status_line_with_one_measure_after_it(measure: str) -> None:
    """"整改进展：已完成。推行…" — one measure after the status, short enough that the whole line
    could pass for a status: the measure verb says it is a measure."""
    notice = parse_text(
        "中共松岭县政务服务中心党组关于巡察整改进展情况的通报\n县委第一巡察组于2025年6月9日反馈了巡察意见，现将整改进展情况公布如下。\n"
        f"（一）关于“审批流程繁琐”的问题\n整改进展：已完成。{measure}\n"
        "（二）关于“窗口服务不规范”的问题\n整改进展：持续推进。一是制定窗口服务规范；二是开展服务礼仪培训。\n"
        "中共松岭县政务服务中心党组\n2025年10月9日")
    assert [(i.status_raw, i.measures) for i in notice.issues] == [
        ("已完成", [measure]), ("持续推进", ["制定窗口服务规范", "开展服务礼仪培训。"])]
