"""More notice formats met on government websites, each with a small fictional fixture: a status
ticked in one of several status columns, a notice that punctuates none of its paragraphs, text
extracted from a PDF (lines wrapped at the page width, page numbers, running headers), CMS pages
(``<br>`` inside paragraphs, fragments splitting a heading), problems under labels, closing
lines and statuses in their other common wordings. Every name and problem here is invented."""

from __future__ import annotations

from indexer.parsing import html_text, tables
from indexer.parsing.parse import parse_document, parse_text
from indexer.parsing.status import Status
from indexer.types import RawDocument

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM

HEAD = ("中共临川县水务局党组关于巡察整改进展情况的通报\n"
        "根据县委统一部署，2023年4月至6月，县委第三巡察组对县水务局党组开展了常规巡察。现将整改进展情况公布如下。\n")
SIGNATURE = "\n中共临川县水务局党组\n2024年5月8日"


def _issues(notice) -> list[tuple[str, Status | None, list[str]]]:
    return [(i.problem, i.status, i.measures) for i in notice.issues]


def _html(html: str):
    return parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))


# ----------------------------------------------------------------- a notice without punctuation


UNPUNCTUATED = HEAD + "\n".join([
    "一、整改落实情况",
    "（一）关于河长制工作落实不到位的问题",
    "整改结果：已完成",
    "整改措施：一是修订河长巡河制度；二是开展河道专项清理行动",
    "（二）关于工程项目资金拨付不及时的问题",
    "整改结果：正在推进",
    "整改措施：建立项目资金拨付台账，按月调度",
])


def test_a_whole_notice_that_punctuates_no_paragraph_is_not_cut() -> None:
    # No signature, and the last line has no final 。: the first issue ends the same way, so that
    # is the notice's style, not a page cut off mid-sentence.
    notice = parse_text(UNPUNCTUATED)
    assert [(i.problem, i.truncated) for i in notice.issues] == [
        ("河长制工作落实不到位", False), ("工程项目资金拨付不及时", False),
    ]
    assert notice.quality.complete and not notice.quality.truncated


def test_an_unpunctuated_notice_cut_inside_a_clause_is_still_cut() -> None:
    notice = parse_text(UNPUNCTUATED[: UNPUNCTUATED.index("按月调度")])  # ends on "台账，"
    assert notice.issues[-1].truncated and notice.quality.truncated and not notice.quality.complete


# -------------------------------------------------------------------------- a tick per status


def test_a_status_ticked_under_a_two_row_header() -> None:
    # "整改进展" spans three status columns; each row ticks one of them (√ or ✓).
    page = """<html><head><title>通知公告</title></head><body><div class="content">
    <p>中共临川县林业局党组关于巡察整改进展情况的通报</p>
    <p>根据县委统一部署，2023年4月至6月，县委第一巡察组对县林业局党组开展了常规巡察。现将整改进展情况公布如下。</p>
    <table border="1">
    <tr><td rowspan="2">序号</td><td rowspan="2">问题</td><td rowspan="2">整改措施</td><td colspan="3">整改进展</td></tr>
    <tr><td>已完成</td><td>正在推进</td><td>长期坚持</td></tr>
    <tr><td>1</td><td>林木采伐审批把关不严</td><td>修订采伐审批流程，开展专项核查</td><td>√</td><td></td><td></td></tr>
    <tr><td>2</td><td>生态护林员管理松散</td><td>建立护林员考勤制度</td><td></td><td>√</td><td></td></tr>
    <tr><td>3</td><td>党员教育管理不够严格</td><td>落实“三会一课”制度</td><td></td><td></td><td>✓</td></tr>
    </table><p>中共临川县林业局党组</p><p>2024年5月8日</p></div></body></html>"""
    notice = _html(page)
    assert _issues(notice) == [
        ("林木采伐审批把关不严", C, ["修订采伐审批流程，开展专项核查"]),
        ("生态护林员管理松散", P, ["建立护林员考勤制度"]),
        ("党员教育管理不够严格", L, ["落实“三会一课”制度"]),
    ]
    assert [i.status_raw for i in notice.issues] == ["已完成", "正在推进", "长期坚持"]
    assert not notice.quality.warnings


def test_a_status_ticked_under_a_one_row_header() -> None:
    rows = [["序号", "存在问题", "整改措施", "已完成", "基本完成", "正在整改"],
            ["1", "档案管理不规范", "补建档案台账", "", "✔", ""],
            ["2", "公车使用登记不全", "完善登记制度", "", "", "√"]]
    assert tables.table_lines(rows) == [
        "1.档案管理不规范", "整改措施：补建档案台账", "完成情况：基本完成",
        "2.公车使用登记不全", "整改措施：完善登记制度", "完成情况：正在整改",
    ]


# ------------------------------------------- 方面 → problem → numbered measures → 整改进展


def test_statuses_in_their_common_wordings_and_closing_lines_that_are_no_issues() -> None:
    text = ("中共临川县文化广电旅游局党组关于巡察整改进展情况的通报\n"
            "根据县委统一部署，2023年9月至11月，县委第一巡察组对县文广旅局党组开展了巡察，反馈问题4个。"
            "现将整改进展情况公布如下。\n") + "\n".join([
        "一、贯彻落实党的路线方针政策方面",
        "（一）公共文化服务体系建设推进缓慢",
        "1.制定乡镇综合文化站建设三年计划。",
        "2.为12个行政村配齐文化活动器材。",
        "整改进展：已整改到位",
        "（二）文物安全巡查不到位",
        "1.建立文物保护单位巡查台账。",
        "2.聘请文物安全员18名。",
        "整改进展：持续整改",
        "二、全面从严治党方面",
        "（三）公务接待审批不规范",
        "1.修订公务接待管理办法。",
        "整改进展：立行立改",
        "（四）党风廉政教育形式单一",
        "1.开展警示教育活动4次。",
        "整改进展：初见成效",
        "三、下一步工作打算",
        "一是持续巩固整改成果，对已完成的整改事项适时组织“回头看”。",
        "二是建立健全长效机制，推动整改常态化。",
        "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"
        "联系电话：0794-1234567；电子邮箱：lcwgl@example.com。",
        "中共临川县文化广电旅游局党组",
        "2024年3月1日",
    ])
    notice = parse_text(text)
    assert _issues(notice) == [
        ("公共文化服务体系建设推进缓慢", C, ["制定乡镇综合文化站建设三年计划。", "为12个行政村配齐文化活动器材。"]),
        ("文物安全巡查不到位", P, ["建立文物保护单位巡查台账。", "聘请文物安全员18名。"]),
        ("公务接待审批不规范", C, ["修订公务接待管理办法。"]),  # a list of one keeps no "1."
        ("党风廉政教育形式单一", P, ["开展警示教育活动4次。"]),
    ]
    assert notice.quality.complete and not notice.quality.warnings
