"""Notice formats met outside the bundled samples, each with a small fictional fixture: measures
numbered under problem headings, measures numbered like the issues, tables with a category
column, duty columns or no 序号 column, a page whose <title> is only the site's label. Every
name and problem here is invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.parsing import html_text, tables
from indexer.parsing.parse import parse_document, parse_file, parse_text
from indexer.parsing.status import Status
from indexer.types import RawDocument

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM

HEAD = ("中共安平县交通运输局党组关于巡察整改进展情况的通报\n"
        "根据县委统一部署，2023年9月至11月，县委第二巡察组对县交通运输局党组开展了巡察。现将整改进展情况公布如下。\n")
SIGNATURE = "\n中共安平县交通运输局党组\n2024年6月3日"


def _issues(notice) -> list[tuple[str, str, Status | None, list[str]]]:
    return [(i.label, i.problem, i.status, i.measures) for i in notice.issues]


def _html(html: str):
    return parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))


# ------------------------------------------------------------- measures numbered under problems


def test_numbered_measures_under_problem_headings_close_with_the_status_label() -> None:
    # "（一）关于…的问题" / "1．…" / "2．…" / "整改情况：已完成": the label closes the last measure
    # item, but the issue is the problem heading above the items.
    text = HEAD + "\n".join([
        "一、党的领导弱化方面",
        "（一）关于贯彻落实上级决策部署不到位的问题",
        "1．召开党组会专题学习上级文件精神，制定贯彻落实清单。",
        "2．建立重点工作月调度机制，每月通报进展情况。",
        "整改情况：已完成。",
        "（二）关于意识形态工作责任制落实不力的问题",
        "1．修订意识形态工作责任清单。",
        "2．每半年专题研究一次意识形态工作。",
        "整改情况：基本完成。",
        "二、全面从严治党不力方面",
        "（三）关于公务用车管理不严的问题",
        "1．完善公务用车管理制度。",
        "2．安装车辆定位系统。",
        "整改情况：持续推进中。",
    ]) + SIGNATURE
    notice = parse_text(text)
    assert _issues(notice) == [
        ("（一）", "贯彻落实上级决策部署不到位", C,
         ["召开党组会专题学习上级文件精神，制定贯彻落实清单。", "建立重点工作月调度机制，每月通报进展情况。"]),
        ("（二）", "意识形态工作责任制落实不力", B, ["修订意识形态工作责任清单。", "每半年专题研究一次意识形态工作。"]),
        ("（三）", "公务用车管理不严", P, ["完善公务用车管理制度。", "安装车辆定位系统。"]),
    ]
    assert [i.section for i in notice.issues] == ["党的领导弱化方面", "党的领导弱化方面", "全面从严治党不力方面"]
    assert not notice.quality.warnings


def test_measures_numbered_like_the_issues_after_a_measures_label() -> None:
    # "整改措施：" then "1." "2." lines (the last holding the status), or "整改措施：1.…" with
    # "2." on the next line: the measures of the issue above, not issues of their own.
    text = HEAD + "\n".join([
        "二、整改落实情况",
        "1.关于低保动态管理不及时的问题",
        "整改措施：",
        "1.开展低保对象全面排查，清退不符合条件对象21户；",
        "2.建立季度动态调整机制。",
        "整改结果：已完成",
        "2.关于养老机构安全隐患整治不彻底的问题",
        "整改措施：1.对全县养老机构开展消防检查；",
        "2.督促整改隐患15处。",
        "整改结果：正在推进",
        "3.关于殡葬领域管理不规范的问题",
        "整改措施：一是修订公墓管理办法；二是开展散埋乱葬专项整治。",
        "整改结果：已完成",
    ]) + SIGNATURE
    notice = parse_text(text)
    assert _issues(notice) == [
        ("1.", "低保动态管理不及时", C, ["开展低保对象全面排查，清退不符合条件对象21户", "建立季度动态调整机制。"]),
        ("2.", "养老机构安全隐患整治不彻底", P, ["对全县养老机构开展消防检查", "督促整改隐患15处。"]),
        ("3.", "殡葬领域管理不规范", C, ["修订公墓管理办法", "开展散埋乱葬专项整治。"]),
    ]
    assert not notice.quality.warnings


def test_duty_lines_go_beside_the_measures() -> None:
    text = HEAD + "\n".join([
        "二、整改落实情况",
        "1.关于农村公路养护不到位的问题",
        "责任领导：王某某；责任单位：公路站",
        "整改措施：一是制定农村公路养护计划；二是每月巡查一次。",
        "整改时限：2024年10月底前",
        "整改结果：已完成",
        "2.关于超限运输治理不力的问题",
        "整改措施：联合交警开展治超行动12次。",
        "整改结果：正在推进",
    ]) + SIGNATURE
    first, second = parse_text(text).issues
    assert first.measures == ["制定农村公路养护计划", "每月巡查一次。"]
    assert first.measures_intro == "责任领导：王某某\n责任单位：公路站\n整改时限：2024年10月底前"
    assert first.deadlines == ["整改时限：2024年10月底前"]
    assert (second.measures, second.measures_intro) == (["联合交警开展治超行动12次。"], None)


# ------------------------------------------------------------------------------------ tables


def _docx(path: Path, paragraphs: list[str], rows: list[list[str]], merges=(), after=()) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                table.cell(r, c).text = value
    for (r1, c1), (r2, c2) in merges:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    for text in after:
        document.add_paragraph(text)
    document.save(path)
    return path


INTRO = ["中共北川县文化广播电视和旅游局党组关于巡察整改进展情况的通报",
         "根据县委统一部署，县委第三巡察组对县文广旅局党组开展了常规巡察，并于2024年7月2日反馈了巡察意见。",
         "二、反馈问题整改落实情况"]


def test_docx_table_with_duty_columns_and_measures_numbered_in_their_cell(tmp_path: Path) -> None:
    rows = [
        ["序号", "反馈问题", "整改措施", "责任领导", "完成时限", "整改情况"],
        ["（一）落实意识形态工作责任制方面", "", "", "", "", ""],
        ["1", "意识形态阵地管理存在漏洞", "一是清理停更微信公众号2个；\n二是建立网络阵地审核制度。", "王某", "2024年8月",
         "已完成"],
        ["2", "文艺作品审核把关不严", "修订文艺作品审查流程，实行三审三校。", "李某", "长期", "长期坚持"],
        ["（二）履行主责主业方面", "", "", "", "", ""],
        ["3", "文物安全巡查不到位", "1.聘请文物保护员12名；\n2.安装监控设备。", "张某", "2024年12月", "基本完成"],
        ["4", "旅游市场整治力度不够", "开展旅游市场联合执法检查6次。", "赵某", "2024年9月", "已完成"],
    ]
    path = _docx(tmp_path / "table.docx", INTRO, rows, merges=[((1, 0), (1, 5)), ((4, 0), (4, 5))],
                 after=["中共北川县文化广播电视和旅游局党组", "2024年11月5日"])
    notice = parse_file(path)
    assert _issues(notice) == [
        ("1.", "意识形态阵地管理存在漏洞", C, ["清理停更微信公众号2个", "建立网络阵地审核制度。"]),
        ("2.", "文艺作品审核把关不严", L, ["修订文艺作品审查流程，实行三审三校。"]),
        ("3.", "文物安全巡查不到位", B, ["聘请文物保护员12名", "安装监控设备。"]),
        ("4.", "旅游市场整治力度不够", C, ["开展旅游市场联合执法检查6次。"]),
    ]
    assert notice.issues[2].measures_intro == "责任领导：张某\n完成时限：2024年12月"
    assert [i.section for i in notice.issues] == ["落实意识形态工作责任制方面"] * 2 + ["履行主责主业方面"] * 2


def test_docx_table_with_a_category_column_merged_down_its_rows(tmp_path: Path) -> None:
    rows = [
        ["问题类别", "序号", "问题描述", "整改措施", "整改状态"],
        ["政治建设方面", "1", "理论学习中心组学习不规范", "制定年度学习计划，每月集中学习一次。", "已完成"],
        ["", "2", "“第一议题”制度落实不到位", "修订“第一议题”制度，建立学习台账。", "已完成"],
        ["审计质量方面", "3", "审计报告复核不严", "一是建立三级复核制度；二是开展审计质量检查。", "正在整改"],
    ]
    path = _docx(tmp_path / "category.docx", INTRO[:2], rows, merges=[((1, 0), (2, 0))])
    notice = parse_file(path)
    assert [(i.label, i.section, i.problem, i.status) for i in notice.issues] == [
        ("1.", "政治建设方面", "理论学习中心组学习不规范", C),
        ("2.", "政治建设方面", "“第一议题”制度落实不到位", C),
        ("3.", "审计质量方面", "审计报告复核不严", P),
    ]


def test_table_rows_without_a_sequence_column_are_issues() -> None:
    page = """<html><head><meta charset="utf-8"><title>巡察整改</title></head><body><div class="content">
<h1>中共西岗区司法局党组关于巡察整改进展情况的通报</h1>
<p>根据区委统一部署，区委第三巡察组于2024年4月1日至5月15日对区司法局党组开展了巡察。现将整改进展情况通报如下：</p>
<table border="1">
<tr><th>反馈问题</th><th>整改措施</th><th>完成情况</th></tr>
<tr><td>社区矫正对象监管存在漏洞</td><td>一是开展社区矫正对象全面排查；二是落实电子定位监管。</td><td>已完成</td></tr>
<tr><td>人民调解员培训不足</td><td>组织全区人民调解员集中培训2期。</td><td>已完成</td></tr>
<tr><td>法律援助案件质量评查不到位</td><td>建立法律援助案件质量评估机制。</td><td>持续推进</td></tr>
</table><p>中共西岗区司法局党组</p><p>2024年9月20日</p></div></body></html>"""
    assert _issues(_html(page)) == [
        ("1.", "社区矫正对象监管存在漏洞", C, ["开展社区矫正对象全面排查", "落实电子定位监管。"]),
        ("2.", "人民调解员培训不足", C, ["组织全区人民调解员集中培训2期。"]),
        ("3.", "法律援助案件质量评查不到位", P, ["建立法律援助案件质量评估机制。"]),
    ]


def test_html_rowspan_category_column_and_a_bold_title_under_a_generic_page_title() -> None:
    page = """<html><head><meta charset="utf-8"><title>巡察整改情况通报</title></head><body>
<div class="content"><p style="text-align:center"><b>中共东岭镇委员会关于巡察整改进展情况的通报</b></p>
<p>根据区委统一部署，2024年3月至5月，区委第二巡察组对东岭镇党委开展了巡察。现将整改进展情况公布如下：</p>
<table border="1">
<tr><td>问题类别</td><td>序号</td><td>存在问题</td><td>整改措施</td><td>责任人</td><td>整改进展</td></tr>
<tr><td rowspan="2">党的建设方面</td><td>1</td><td>村级党组织书记履职能力不强</td><td>开展村书记轮训2期。</td>
<td>张某某</td><td>已完成</td></tr>
<tr><td>2</td><td>党员教育管理不严格</td><td>清理失联党员3名。</td><td>李某某</td><td>已完成并长期坚持</td></tr>
<tr><td>作风建设方面</td><td>3</td><td>镇村干部服务意识不强</td><td>推行“马上办”服务机制。</td><td>王某某</td>
<td>正在推进</td></tr></table>
<p>东岭镇党委</p><p>2024年10月15日</p></div></body></html>"""
    notice = _html(page)
    assert notice.meta.title == "中共东岭镇委员会关于巡察整改进展情况的通报"
    assert [(i.section, i.problem, i.status, i.measures_intro) for i in notice.issues] == [
        ("党的建设方面", "村级党组织书记履职能力不强", C, "责任人：张某某"),
        ("党的建设方面", "党员教育管理不严格", C, "责任人：李某某"),
        ("作风建设方面", "镇村干部服务意识不强", P, "责任人：王某某"),
    ]


def test_a_category_cell_that_prints_its_own_number_keeps_it() -> None:
    rows = [["问题类别", "存在问题", "整改情况"], ["一、党建方面", "台账不全", "已完成"], ["二、业务方面", "制度缺失", "已完成"]]
    assert tables.table_lines(rows) == [
        "一、党建方面", "1.台账不全", "整改情况：已完成", "二、业务方面", "2.制度缺失", "整改情况：已完成",
    ]


# --------------------------------------------------------------------- a status closing the block


def test_an_unlabelled_status_sentence_closes_the_issue() -> None:
    text = HEAD + "\n".join([
        "一、贯彻落实党的路线方针政策方面",
        "1.森林防火责任落实不够到位",
        "一是修订森林防火应急预案；二是开展防火检查12次，整改隐患8处。",
        "目前已整改到位。",
        "2.林长制工作推进缓慢",
        "一是制定林长制工作考核办法；二是建立三级林长巡林制度。目前该问题正在整改，持续推进。",
        "3.违规发放津贴补贴",
        "已全部清退违规发放的津贴补贴4.5万元，对相关责任人进行了批评教育。",
        "4.公务接待管理不规范",
        "①修订公务接待管理办法；②严格执行“一函一单一审批”。",
        "整改完成。",
    ]) + SIGNATURE
    notice = parse_text(text)
    assert [(i.status, i.status_raw, i.measures) for i in notice.issues] == [
        (C, "目前已整改到位", ["修订森林防火应急预案", "开展防火检查12次，整改隐患8处。"]),
        (P, "目前该问题正在整改，持续推进", ["制定林长制工作考核办法", "建立三级林长巡林制度。"]),
        (None, None, ["已全部清退违规发放的津贴补贴4.5万元，对相关责任人进行了批评教育。"]),
        (C, "整改完成", ["修订公务接待管理办法", "严格执行“一函一单一审批”。"]),
    ]


# ------------------------------------------------------------------------- a text cut mid-issue

LIST = HEAD + "\n".join([
    "二、巡察反馈问题整改落实情况",
    "问题1：农村饮水安全工程管护责任落实不到位。",
    "整改措施：1．制定农村饮水工程管护办法；2．每季度开展一次水质抽检。",
    "整改情况：已完成",
    "问题2：干部队伍老化，年轻干部储备不足。",
    "整改措施：通过公开招聘补充专业技术人员2名，选派3名年轻干部到基层锻炼。",
    "整改情况：正在整改中，持续推进",
])


def test_a_text_cut_inside_the_measures_flags_its_last_issue() -> None:
    notice = parse_text(LIST[: LIST.index("选派3名")])
    assert [(i.problem, i.truncated) for i in notice.issues] == [
        ("农村饮水安全工程管护责任落实不到位", False), ("干部队伍老化，年轻干部储备不足", True),
    ]
    assert notice.quality.truncated and not notice.quality.complete
    assert any("ends inside issue 2" in w for w in notice.quality.warnings)


def test_a_text_cut_inside_the_status_flags_its_last_issue() -> None:
    notice = parse_text(LIST[: LIST.index("整改中，持续推进")])
    assert notice.issues[-1].truncated and notice.issues[-1].status is None


def test_a_list_ending_on_a_status_or_a_full_stop_is_not_cut() -> None:
    assert not parse_text(LIST).quality.truncated  # ends on the understood status, no signature
    assert not parse_text(LIST + "\n完成时限：2024年12月").quality.truncated  # a table's last column
    notice = parse_text(LIST[: LIST.index("\n整改情况：正在整改中")])  # ends on a finished sentence
    assert not notice.quality.truncated and not any(i.truncated for i in notice.issues)


def test_jsonl_flags_the_cut_issue(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from indexer.cli import cli

    path = tmp_path / "cut.txt"
    path.write_text(LIST[: LIST.index("选派3名")], "utf-8")
    result = CliRunner().invoke(cli, ["parse", "--jsonl", str(path)], catch_exceptions=False)
    assert [json.loads(line)["truncated"] for line in result.stdout.splitlines()] == [False, True]


# ------------------------------------------------------------------------------ stated totals


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Every problem done: the completed count is the whole.
        ("巡察反馈的4个方面18个问题已全部整改完成。", {"sections": 4, "issues": 18, "completed": 18}),
        # The measures' count does not take the problems' status counts that follow 已完成整改15个.
        ("针对巡察反馈的18个问题，制定整改措施56条，目前已完成整改15个，基本完成2个，需长期坚持1个。",
         {"issues": 18, "completed": 15, "basically_completed": 2, "long_term": 1, "measures": 56}),
        ("制定整改措施56条，已完成52条。", {"completed": None}),
        ("巡察组反馈问题共计18项，截至目前，已整改到位16项，剩余2项正在按计划推进。",
         {"issues": 18, "completed": 16, "in_progress": 2}),
        ("巡察共发现问题十八个，已整改十五个，正在整改三个。", {"issues": 18, "completed": 15, "in_progress": 3}),
        ("巡察反馈问题清单30项，已销号26项，未销号4项。", {"completed": 26, "in_progress": 4}),
        # "12个问题已完成整改10个": the 12 is the whole; a measure's count ("完成12个村卫生室…") is none.
        ("对反馈的4个方面12个问题制定整改措施45条。截至目前，12个问题已完成整改10个，2个问题正在持续推进。"
         "完成12个村卫生室标准化改造。", {"issues": 12, "completed": 10, "in_progress": 2}),
    ],
)
def test_totals_phrased_otherwise(sentence: str, expected: dict) -> None:
    totals = parse_text("根据县委统一部署，县委第一巡察组对县水务局党组开展了巡察。" + sentence).meta.stated_totals
    assert {k: getattr(totals, k) for k in expected} == expected


# ------------------------------------------------------------------- other numbering and labels

TAIL = "\n中共清河县统计局党组\n2024年10月9日"


def test_half_bracket_numbers_and_a_status_bracket_closing_the_measures() -> None:
    text = HEAD + "\n".join([
        "二、巡察反馈问题整改情况",
        "1）统计数据质量把关不严",
        "一是建立数据审核三级把关制度；二是开展统计数据质量专项检查。（已完成）",
        "2）统计执法检查覆盖面不足",
        "一是制定年度执法检查计划；二是联合市局开展“双随机”检查。（正在推进）",
    ]) + TAIL
    assert _issues(parse_text(text)) == [
        ("1）", "统计数据质量把关不严", C, ["建立数据审核三级把关制度", "开展统计数据质量专项检查。"]),
        ("2）", "统计执法检查覆盖面不足", P, ["制定年度执法检查计划", "联合市局开展“双随机”检查。"]),
    ]


def test_word_enclosed_numbers_are_headings() -> None:
    text = HEAD + "\n".join([
        "二、巡察反馈问题整改情况",
        "⑴医保基金监管存在漏洞", "整改措施：开展定点医药机构全覆盖检查。", "整改结果：已完成",
        "⑵内部控制制度不健全", "整改措施：⒈修订内部控制管理办法；⒉开展内控培训。", "整改结果：正在推进",
    ]) + TAIL
    assert _issues(parse_text(text)) == [
        ("（1）", "医保基金监管存在漏洞", C, ["开展定点医药机构全覆盖检查。"]),
        ("（2）", "内部控制制度不健全", P, ["修订内部控制管理办法", "开展内控培训。"]),
    ]


def test_bracketed_problem_numbers_and_labels() -> None:
    text = HEAD + "\n".join([
        "【问题一】建筑工地安全监管不到位",
        "【整改措施】开展建筑施工安全专项整治，检查工地36个。",
        "【整改情况】已完成",
        "【问题二】老旧小区改造推进缓慢",
        "【整改措施】倒排工期，每周调度一次。",
        "【整改情况】正在推进",
    ]) + TAIL
    assert _issues(parse_text(text)) == [
        ("【问题一】", "建筑工地安全监管不到位", C, ["开展建筑施工安全专项整治，检查工地36个。"]),
        ("【问题二】", "老旧小区改造推进缓慢", P, ["倒排工期，每周调度一次。"]),
    ]


def test_a_list_that_numbers_no_problem_is_read_by_its_problem_labels() -> None:
    text = HEAD + "\n".join([
        "一、整改工作组织情况",
        "（一）加强组织领导。支部成立整改工作领导小组。",
        "二、反馈问题整改落实情况",
        "反馈问题：档案数字化工作推进缓慢。",
        "整改措施：制定档案数字化三年计划。",
        "整改情况：正在推进。",
        "反馈问题：档案库房安全管理不到位。",
        "整改措施：更换库房消防设备，建立库房巡查登记制度。",
        "整改情况：已完成。",
    ]) + TAIL
    assert _issues(parse_text(text)) == [
        ("反馈问题：", "档案数字化工作推进缓慢", P, ["制定档案数字化三年计划。"]),
        ("反馈问题：", "档案库房安全管理不到位", C, ["更换库房消防设备，建立库房巡查登记制度。"]),
    ]


# --------------------------------------------------------------------- Word's own list numbers


def _word_list_docx(path: Path, paragraphs: list[tuple[str, int | None]]) -> Path:
    """A .docx whose headings are numbered by a Word list (一、 / （一） / 1.), not in their text."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    levels = (("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3."))
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        + "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                  "</w:lvl>" for i, (fmt, text) in enumerate(levels))
        + "</w:abstractNum>"))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for text, level in paragraphs:
        paragraph = document.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
    document.save(path)
    return path


def test_headings_numbered_by_a_word_list(tmp_path: Path) -> None:
    path = _word_list_docx(tmp_path / "list.docx", [
        ("中共平川县自然资源局党组关于巡察整改进展情况的通报", None),
        ("根据县委统一部署，县委第一巡察组对县自然资源局党组开展了巡察，6月3日反馈了巡察意见。", None),
        ("整改工作组织情况", 0),
        ("局党组成立整改领导小组，制定整改方案。", None),
        ("巡察反馈问题整改落实情况", 0),
        ("耕地保护方面", 1),
        ("关于违法占用耕地查处不及时的问题", 2),
        ("整改措施：一是开展耕地卫片执法专项行动；二是对12宗违法用地立案查处。", None),
        ("整改结果：已完成", None),
        ("关于耕地占补平衡项目验收不严的问题", 2),
        ("整改措施：修订补充耕地项目验收办法。", None),
        ("整改结果：正在推进", None),
        ("不动产登记方面", 1),
        ("关于不动产登记办理时限过长的问题", 2),
        ("整改措施：推行“一窗受理、集成服务”。", None),
        ("整改结果：已完成", None),
    ])
    notice = parse_file(path)
    assert notice.text.split("\n")[2:6] == ["一、整改工作组织情况", "局党组成立整改领导小组，制定整改方案。",
                                           "二、巡察反馈问题整改落实情况", "（一）耕地保护方面"]
    assert [(i.label, i.section, i.problem, i.status) for i in notice.issues] == [
        ("1.", "耕地保护方面", "违法占用耕地查处不及时", C),
        ("2.", "耕地保护方面", "耕地占补平衡项目验收不严", P),
        ("1.", "不动产登记方面", "不动产登记办理时限过长", C),  # a level restarts under the level above
    ]


def test_a_list_number_style_and_a_bullet_list(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("中共平川县林业和草原局党组关于巡察整改情况的通报")
    document.add_paragraph("根据县委统一部署，县委第二巡察组对县林草局党组开展了巡察。")
    for problem, status in (("森林督查图斑整改滞后", "已完成"), ("护林员管理不规范", "正在推进")):
        document.add_paragraph(problem, style="List Number")
        document.add_paragraph("整改措施：建立工作台账，逐一销号。", style="List Bullet")
        document.add_paragraph("整改情况：" + status)
    document.save(tmp_path / "styles.docx")
    notice = parse_file(tmp_path / "styles.docx")
    assert [(i.label, i.problem, i.status, i.measures) for i in notice.issues] == [
        ("1.", "森林督查图斑整改滞后", C, ["建立工作台账，逐一销号。"]),
        ("2.", "护林员管理不规范", P, ["建立工作台账，逐一销号。"]),
    ]


# ------------------------------------------------------------------- statuses around the problem


def test_a_status_before_the_problem_after_a_dash_or_closing_the_measures() -> None:
    text = HEAD + "\n".join([
        "二、巡察反馈问题整改情况",
        "1.就业补贴资金审核不严——已完成",
        "整改情况：一是对2022年以来就业补贴逐笔复核；二是追回违规领取资金3.2万元。",
        "2.（已完成）社保经办风险防控不到位",
        "整改情况：建立社保经办内控制度，开展风险排查2次。",
        "3.【正在推进】农民工工资支付保障不力",
        "整改情况：一是建立欠薪线索台账；二是开展治欠保支专项行动。",
        "4.人才引进政策落实不到位",
        "整改情况：一是修订人才引进实施办法；二是兑现人才补贴15人。目前已整改完成。",
        "5.窗口服务效率不高",
        "整改情况：立行立改，已完成窗口服务流程优化。",
    ]) + TAIL
    assert [(i.problem, i.status, i.status_raw, i.measures) for i in parse_text(text).issues] == [
        ("就业补贴资金审核不严", C, "已完成", ["对2022年以来就业补贴逐笔复核", "追回违规领取资金3.2万元。"]),
        ("社保经办风险防控不到位", C, "已完成", ["建立社保经办内控制度，开展风险排查2次。"]),
        ("农民工工资支付保障不力", P, "正在推进", ["建立欠薪线索台账", "开展治欠保支专项行动。"]),
        ("人才引进政策落实不到位", C, "目前已整改完成", ["修订人才引进实施办法", "兑现人才补贴15人。"]),
        # One labelled sentence is the measures, even when it mentions completion.
        ("窗口服务效率不高", None, None, ["立行立改，已完成窗口服务流程优化。"]),
    ]


# -------------------------------------------------------------- one table per issue (field | value)


def _field_tables(path: Path, issues: list[list[tuple[str, str]]]) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("中共平川县应急管理局党组关于巡察整改情况的通报")
    document.add_paragraph("根据县委统一部署，县委第二巡察组对县应急管理局党组开展了巡察。现将整改情况通报如下。")
    document.add_paragraph("二、整改落实情况")
    for fields in issues:
        table = document.add_table(rows=len(fields), cols=2)
        for r, (key, value) in enumerate(fields):
            table.cell(r, 0).text, table.cell(r, 1).text = key, value
    document.add_paragraph("中共平川县应急管理局党组")
    document.save(path)
    return path


def test_one_field_table_per_issue(tmp_path: Path) -> None:
    numbered = _field_tables(tmp_path / "numbered.docx", [
        [("问题1", "安全生产执法检查流于形式"), ("整改措施", "一是制定年度执法计划；二是推行“双随机”检查。"), ("整改情况", "已完成")],
        [("问题2", "应急物资储备不足"), ("整改措施", "补充采购应急物资12类。"), ("整改情况", "正在推进")],
    ])
    assert _issues(parse_file(numbered)) == [
        ("问题1：", "安全生产执法检查流于形式", C, ["制定年度执法计划", "推行“双随机”检查。"]),
        ("问题2：", "应急物资储备不足", P, ["补充采购应急物资12类。"]),
    ]
    unnumbered = _field_tables(tmp_path / "unnumbered.docx", [
        [("反馈问题", "安全生产执法检查流于形式"), ("整改措施", "制定年度执法计划。"), ("完成情况", "已完成")],
        [("反馈问题", "应急物资储备不足"), ("整改措施", "补充采购应急物资12类。"), ("完成情况", "正在推进")],
    ])
    assert [(i.problem, i.status) for i in parse_file(unnumbered).issues] == [
        ("安全生产执法检查流于形式", C), ("应急物资储备不足", P),
    ]


def test_issues_in_prose_with_the_status_as_their_last_clause() -> None:
    text = HEAD + "\n".join([
        "二、巡察反馈问题整改落实情况",
        "（一）关于贯彻落实党中央决策部署方面",
        "1.落实健康乡村建设任务不到位。针对该问题，局党组制定三年行动方案，完成12个村卫生室标准化改造，已完成整改。",
        "2.公共卫生服务项目资金管理不规范。对公卫资金进行全面清理，修订资金管理办法，目前已整改到位。",
        "（二）关于落实全面从严治党责任方面",
        "3.“三重一大”决策制度执行不严格。修订党组议事规则，严格执行集体决策程序，正在持续推进。",
        "4.干部考勤管理松散。实行电子考勤，每月通报考勤情况，已完成考勤系统升级。",
    ]) + SIGNATURE
    assert [(i.problem, i.status, i.status_raw, i.measures) for i in parse_text(text).issues] == [
        ("落实健康乡村建设任务不到位", C, "已完成整改",
         ["针对该问题，局党组制定三年行动方案，完成12个村卫生室标准化改造"]),
        ("公共卫生服务项目资金管理不规范", C, "目前已整改到位", ["对公卫资金进行全面清理，修订资金管理办法"]),
        ("“三重一大”决策制度执行不严格", P, "正在持续推进", ["修订党组议事规则，严格执行集体决策程序"]),
        # A clause saying what was done is a measure, not a status.
        ("干部考勤管理松散", None, None, ["实行电子考勤，每月通报考勤情况，已完成考勤系统升级。"]),
    ]


def test_html_ordered_list_items_get_the_numbers_a_browser_draws() -> None:
    page = """<html><head><meta charset="utf-8"><title>巡察整改</title></head><body><div class="article">
<h1>中共南岭县教育局党组关于巡察整改进展情况的通报</h1>
<p>根据县委统一部署，县委第一巡察组对县教育局党组开展了巡察。现将整改进展情况公布如下。</p>
<p>二、巡察反馈问题整改情况</p>
<ol>
<li><p>校园食品安全监管不到位</p><p>整改措施：开展校园食堂专项检查。</p><p>整改情况：已完成</p></li>
<li><p>教师培训经费使用不规范</p><p>整改措施：</p><ol><li>清理培训经费支出；</li><li>修订培训经费管理办法。</li></ol>
<p>整改情况：正在推进</p></li>
</ol>
<ul><li>欢迎广大干部群众监督。</li></ul>
<p>中共南岭县教育局党组</p><p>2024年10月9日</p></div></body></html>"""
    lines = html_text.html_to_text(page).split("\n")
    assert lines[3:11] == ["1.校园食品安全监管不到位", "整改措施：开展校园食堂专项检查。", "整改情况：已完成",
                           "2.教师培训经费使用不规范", "整改措施：", "（1）清理培训经费支出；", "（2）修订培训经费管理办法。",
                           "整改情况：正在推进"]
    assert lines[11] == "欢迎广大干部群众监督。"
    assert _issues(_html(page)) == [
        ("1.", "校园食品安全监管不到位", C, ["开展校园食堂专项检查。"]),
        ("2.", "教师培训经费使用不规范", P, ["清理培训经费支出", "修订培训经费管理办法。"]),
    ]
    assert html_text.html_to_text("<ol start='3'><li>1.已编号的问题</li><li>另一个问题</li></ol>").split("\n") == [
        "1.已编号的问题", "4.另一个问题",
    ]


def test_paragraphs_opened_by_their_problem_under_aspect_headings() -> None:
    text = HEAD + "\n".join([
        "一、组织落实整改情况",
        "市委成立巡视整改工作领导小组，制定整改方案。针对巡视反馈的问题，逐项明确责任。",
        "二、巡视反馈问题整改落实情况",
        "（一）关于贯彻落实党中央决策部署方面",
        "针对“推动产业转型升级不够有力”的问题，制定产业转型升级三年行动计划，新培育规上企业26家。",
        "针对“生态环境保护存在短板”的问题，开展河道“清四乱”专项行动。",
        "（二）关于落实全面从严治党责任方面",
        "针对“基层党组织建设薄弱”的问题，整顿软弱涣散村党组织15个。针对上述问题，市委还建立了长效机制。",
        "三、下一步工作打算",
        "市委将继续抓好巡视整改工作。",
    ]) + SIGNATURE
    notice = parse_text(text)
    assert [(i.section, i.problem, i.measures) for i in notice.issues] == [
        ("关于贯彻落实党中央决策部署方面", "推动产业转型升级不够有力", ["制定产业转型升级三年行动计划，新培育规上企业26家。"]),
        ("关于贯彻落实党中央决策部署方面", "生态环境保护存在短板", ["开展河道“清四乱”专项行动。"]),
        ("关于落实全面从严治党责任方面", "基层党组织建设薄弱",
         ["整顿软弱涣散村党组织15个。针对上述问题，市委还建立了长效机制。"]),
    ]


def test_a_problem_heading_wrapped_over_two_lines() -> None:
    text = HEAD + "\n".join([
        "二、巡察反馈问题整改情况",
        "1.关于预算绩效管理结果运用",
        "不充分的问题",
        "整改措施：一是建立绩效评价结果与预算安排挂钩机制；二是对低效项目压减预算。",
        "整改结果：已完成",
        "2.关于政府采购监管存在薄弱",
        "环节的问题",
        "整改措施：开展政府采购专项检查。",
        "整改结果：正在推进",
    ]) + SIGNATURE
    assert _issues(parse_text(text)) == [
        ("1.", "预算绩效管理结果运用不充分", C, ["建立绩效评价结果与预算安排挂钩机制", "对低效项目压减预算。"]),
        ("2.", "政府采购监管存在薄弱环节", P, ["开展政府采购专项检查。"]),
    ]
