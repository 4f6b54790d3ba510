"""Formats seen on county and city sites: a status in brackets before the number, a part heading
carrying its own counts, a "下一步措施：" block after the measures, paragraphs opened by a quoted
problem holding commas, "第一个问题：" headings, a closing clause naming its subject ("该项工作正在
持续推进中"), and a table copied from a web page with its cells apart by single spaces. Every name
and problem here is invented."""

from __future__ import annotations

from indexer.parsing.parse import parse_text
from indexer.parsing.status import Status

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM

HEAD = ("中共石桥县档案馆党支部关于巡察整改进展情况的通报\n"
        "根据县委统一部署，县委第二巡察组于2024年3月至4月对县档案馆党支部开展了常规巡察，"
        "并于2024年5月8日反馈了巡察意见。现将整改进展情况公布如下。\n")
END = "\n中共石桥县档案馆党支部\n2024年9月2日"


def _read(text: str) -> list[tuple[str, Status | None]]:
    return [(i.problem, i.status) for i in parse_text(HEAD + text + END).issues]


def test_a_status_in_brackets_before_the_number_is_the_status_not_part_of_the_problem() -> None:
    notice = parse_text(HEAD + "一、制度建设方面\n"
                        "[已完成]1.档案借阅登记不全，部分借阅无审批记录。\n整改措施：一是补登借阅记录；二是启用电子审批。\n"
                        "【正在推进】2.档案数字化进度滞后。\n整改措施：一是制定数字化计划；二是引入外包服务。\n" + END)
    assert [(i.label, i.problem, i.status) for i in notice.issues] == [
        ("1.", "档案借阅登记不全，部分借阅无审批记录", C), ("2.", "档案数字化进度滞后", P)]
    assert notice.issues[0].measures == ["补登借阅记录", "启用电子审批。"]


def test_counts_closing_a_part_heading_are_neither_its_name_nor_the_notices_totals() -> None:
    notice = parse_text(HEAD + "一、档案安全管理方面（共2个问题，已完成1个）\n"
                        "（一）库房温湿度监测不到位。\n整改情况：已完成。加装温湿度监测设备6台。\n"
                        "（二）消防设施老化。\n整改情况：正在推进。制定消防设施更新计划。\n"
                        "二、队伍建设方面（共1个问题，已完成1个）\n"
                        "（一）业务培训不足。\n整改情况：已完成。开展档案业务培训2次。\n" + END)
    assert [i.section for i in notice.issues] == ["档案安全管理方面"] * 2 + ["队伍建设方面"]
    assert [i.status for i in notice.issues] == [C, P, C]
    assert notice.meta.stated_totals.completed is None
    assert not any("states" in w for w in notice.quality.warnings)


def test_a_notice_summary_still_gives_the_totals_beside_part_counts() -> None:
    summary = "反馈问题3个，已完成整改2个，正在推进1个。\n"
    notice = parse_text(HEAD + summary + "一、档案安全管理方面（共2个问题，已完成1个）\n"
                        "（一）库房温湿度监测不到位。\n整改情况：已完成。加装温湿度监测设备6台。\n" + END)
    totals = notice.meta.stated_totals
    assert (totals.issues, totals.completed, totals.in_progress) == (3, 2, 1)


def test_next_steps_after_the_measures_are_measures_of_their_own() -> None:
    notice = parse_text(HEAD + "1.档案借阅登记不全。\n整改进展：已完成。\n"
                        "整改措施：一是补登借阅记录；二是启用电子审批。\n下一步措施：每季度抽查借阅登记。\n"
                        "2.档案数字化进度滞后。\n整改进展：正在推进。\n整改措施：制定数字化计划。\n"
                        "下一步打算：年底前完成馆藏档案数字化。\n" + END)
    assert [i.measures for i in notice.issues] == [
        ["补登借阅记录", "启用电子审批。", "每季度抽查借阅登记。"],
        ["制定数字化计划。", "年底前完成馆藏档案数字化。"]]
    assert [i.status for i in notice.issues] == [C, P]


def test_paragraphs_opened_by_a_quoted_problem_with_its_own_commas() -> None:
    assert _read("针对“档案借阅登记不全，部分借阅无审批记录”的问题，馆支部补登借阅记录，启用电子审批，"
                 "目前已整改完成。\n"
                 "针对“库房管理不规范”的问题，馆支部修订库房管理制度，目前该问题已整改完成。\n"
                 "针对“服务意识不强，群众查档等待时间长”的问题，馆支部推行查档预约，此项整改需长期坚持。\n") == [
        ("档案借阅登记不全，部分借阅无审批记录", C), ("库房管理不规范", C), ("服务意识不强，群众查档等待时间长", L)]


def test_problems_headed_first_problem_second_problem() -> None:
    notice = parse_text(HEAD + "一、关于档案安全方面\n第一个问题：库房温湿度监测不到位。\n整改情况：已完成。加装监测设备。\n"
                        "第二个问题：消防设施老化。\n整改情况：正在推进。制定更新计划。\n"
                        "二、关于队伍建设方面\n第三个问题：业务培训不足。\n整改情况：已完成。开展业务培训。\n" + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("库房温湿度监测不到位", C, ["加装监测设备。"]), ("消防设施老化", P, ["制定更新计划。"]),
        ("业务培训不足", C, ["开展业务培训。"])]


def test_a_closing_clause_naming_its_subject_is_the_status() -> None:
    notice = parse_text(HEAD + "（一）关于库房管理不规范问题的整改情况\n修订库房管理制度，目前该问题已整改完成。\n"
                        "（二）关于服务意识不强问题的整改情况\n开展服务礼仪培训，设立意见箱，该项工作正在持续推进中。\n" + END)
    assert [(i.problem, i.status) for i in notice.issues] == [("库房管理不规范", C), ("服务意识不强", P)]
    assert notice.issues[1].measures == ["开展服务礼仪培训，设立意见箱"]


def test_a_table_copied_from_a_web_page_with_cells_apart_by_single_spaces() -> None:
    notice = parse_text(HEAD + "序号 问题 整改措施 整改时限 完成情况\n"
                        "1 档案借阅登记不全 补登借阅记录，启用电子审批 2024年6月 已完成\n"
                        "2 档案数字化进度滞后 制定数字化计划 2024年12月 正在推进\n" + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("档案借阅登记不全", C, ["补登借阅记录，启用电子审批"]), ("档案数字化进度滞后", P, ["制定数字化计划"])]


def test_a_single_spaced_row_with_a_cell_holding_a_space_is_reported() -> None:
    notice = parse_text(HEAD + "序号 问题 整改措施 完成情况\n"
                        "1 档案借阅登记不全 补登借阅记录 已完成\n"
                        "2 档案数字化进度滞后 制定数字化计划 引入外包服务 正在推进\n" + END)
    assert notice.issues[0].problem == "档案借阅登记不全"
    assert any("table row 2" in w for w in notice.quality.warnings)


def test_a_part_headed_as_the_problems_of_a_aspect_holds_issues() -> None:
    notice = parse_text(HEAD + "一、落实党中央决策部署方面存在的问题\n1.档案借阅登记不全。\n具体表现：部分借阅无审批记录。\n"
                        "整改情况：已完成。一是补登借阅记录；二是启用电子审批。\n"
                        "2.档案数字化进度滞后。\n整改情况：正在推进。一是制定数字化计划；二是引入外包服务。\n"
                        "二、存在的问题\n整改工作还有差距。\n" + END)
    assert [(i.problem, i.status) for i in notice.issues] == [
        ("档案借阅登记不全\n部分借阅无审批记录。", C), ("档案数字化进度滞后", P)]


def test_problem_numbers_alone_on_their_lines_over_labelled_blocks() -> None:
    notice = parse_text(HEAD + "问题一\n存在问题：档案借阅登记不全。\n整改措施：补登借阅记录。\n"
                        "整改成效：补登记录320条。\n整改状态：已完成\n"
                        "问题二\n存在问题：档案数字化进度滞后。\n整改措施：制定数字化计划。\n整改状态：基本完成\n" + END)
    assert [(i.label, i.problem, i.status, i.measures) for i in notice.issues] == [
        ("问题一", "档案借阅登记不全", C, ["补登借阅记录。", "补登记录320条。"]),
        ("问题二", "档案数字化进度滞后", B, ["制定数字化计划。"])]


def test_a_bare_progress_label_gives_the_status() -> None:
    notice = parse_text(HEAD + "1.问题：档案借阅登记不全。\n措施：补登借阅记录。\n进度：已完成。\n"
                        "2.问题：档案数字化进度滞后。\n措施：制定数字化计划。\n进度：正在推进。\n" + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("档案借阅登记不全", C, ["补登借阅记录。"]), ("档案数字化进度滞后", P, ["制定数字化计划。"])]


def test_problems_under_a_xuncha_zhichu_label_in_a_part_are_its_problem_text() -> None:
    notice = parse_text(HEAD + "一、档案安全管理方面\n巡察指出：一是库房温湿度监测不到位；二是消防设施老化。\n"
                        "整改情况：已完成。加装温湿度监测设备6台，更换消防设施。\n"
                        "二、队伍建设方面\n巡察发现：业务培训不足。\n整改情况：正在推进。制定年度培训计划。\n" + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("档案安全管理方面\n一是库房温湿度监测不到位；二是消防设施老化。", C, ["加装温湿度监测设备6台，更换消防设施。"]),
        ("队伍建设方面\n业务培训不足。", P, ["制定年度培训计划。"])]


def test_measures_each_with_its_status_give_the_least_advanced_one() -> None:
    notice = parse_text(HEAD + "（一）档案借阅登记不全。\n1.启用电子审批。（正在推进）\n2.补登借阅记录。（已完成）\n"
                        "（二）库房管理不规范。\n1.修订库房管理制度。（已完成）\n2.开展库房专项检查。（已完成）\n" + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("档案借阅登记不全", P, ["启用电子审批。", "补登借阅记录。"]),
        ("库房管理不规范", C, ["修订库房管理制度。", "开展库房专项检查。"])]


def test_a_traditional_status_opening_the_measures_is_read_as_the_simplified_one() -> None:
    notice = parse_text(HEAD + "1.檔案借閱登記不全。\n整改情況：長期堅持。推行電子審批，每月抽查借閱登記。\n"
                        "2.庫房管理不規範。\n整改情況：已完成。修訂庫房管理制度。\n" + END)
    assert [(i.status, i.status_raw, i.measures) for i in notice.issues] == [
        (L, "長期堅持", ["推行電子審批，每月抽查借閱登記。"]), (C, "已完成", ["修訂庫房管理制度。"])]


def test_a_status_after_the_problem_on_its_heading_line() -> None:
    notice = parse_text(HEAD + "1.关于档案借阅登记不全的问题：已完成。一是补登借阅记录；二是启用电子审批。\n"
                        "2.档案数字化进度滞后的问题。正在推进。制定数字化计划。\n"
                        "3.关于库房管理不规范的问题：完成库房改造。修订库房管理制度。\n" + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues][:2] == [
        ("档案借阅登记不全", C, ["补登借阅记录", "启用电子审批。"]),
        ("档案数字化进度滞后", P, ["制定数字化计划。"])]
    assert notice.issues[2].status is None  # a run-in measure opening with 完成 is no status
    assert "完成库房改造" in (notice.issues[2].measures_intro or "") + "".join(notice.issues[2].measures)


def test_a_measure_after_its_status_that_also_counts_what_was_rectified_stays_a_measure() -> None:
    notice = parse_text(HEAD + "1.档案数字化进度滞后。\n整改进展：正在推进。开展档案数字化专项督查，梳理问题清单23条，已整改17条。\n"
                        "2.库房管理不规范。\n整改进展：已完成。持续推进。\n" + END)
    assert [(i.status, i.measures) for i in notice.issues] == [
        (P, ["开展档案数字化专项督查，梳理问题清单23条，已整改17条。"]), (C, [])]


def test_a_status_label_holding_measures_then_the_status() -> None:
    notice = parse_text(HEAD + "一、档案数字化进度滞后。\n整改时限：2024年12月底前\n"
                        "整改进展：已完成馆藏档案扫描12万页，剩余部分已列入年度计划，正在推进。\n"
                        "二、库房管理不规范。\n整改进展：修订库房管理制度，开展库房专项检查，已整改完成。\n"
                        "三、借阅登记不全。\n整改进展：正在整改，持续推进。\n" + END)
    assert [(i.status, i.measures) for i in notice.issues] == [
        (P, ["已完成馆藏档案扫描12万页，剩余部分已列入年度计划"]),
        (C, ["修订库房管理制度，开展库房专项检查"]),
        (P, [])]


def test_the_notices_closing_summary_is_not_the_last_issues_measure() -> None:
    notice = parse_text(HEAD + "1.档案借阅登记不全。补登借阅记录，该问题已整改完成。\n"
                        "2.库房管理不规范。修订库房管理制度，该问题已整改完成。\n\n"
                        "截至目前，巡察反馈的2个问题，已全部整改完成。\n" + END)
    assert [(i.status, i.measures) for i in notice.issues] == [(C, ["补登借阅记录"]), (C, ["修订库房管理制度"])]
    assert notice.meta.stated_totals.completed == 2


def test_the_notices_closing_formula_is_not_the_last_measures_tail() -> None:
    notice = parse_text(HEAD + "1.档案借阅登记不全。\n整改措施：补登借阅记录。\n整改结果：已完成。\n\n特此通报。\n" + END)
    assert [(i.status, i.measures) for i in notice.issues] == [(C, ["补登借阅记录。"])]
