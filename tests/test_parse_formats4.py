"""Formats of notices copied out of PDFs and reports: tables printed as text (cells apart by
runs of spaces, or one cell per line), bare page numbers between pages, items numbered within
their part (1.1 / 1.2 / 2.1), tables with 责任人/时限 columns. Every name and problem here is invented."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from indexer.parsing import html_text
from indexer.parsing.parse import parse_document, parse_file, parse_text
from indexer.parsing.status import Status
from indexer.types import RawDocument

C, P = Status.COMPLETED, Status.IN_PROGRESS

HEAD = ("中共白鹭县文化馆支部委员会关于巡察整改进展情况的通报\n"
        "根据县委统一部署，县委第一巡察组于2024年3月至5月对县文化馆党支部开展了常规巡察，"
        "并于2024年6月10日反馈了巡察意见。现将整改进展情况公布如下。\n一、整改落实情况\n")
END = "\n二、下一步工作打算\n持续巩固整改成果。\n中共白鹭县文化馆支部委员会\n2024年9月1日"
HEADER = ["序号", "问题", "整改措施", "完成情况", "责任人", "时限"]
ROWS = [
    ["1", "文物藏品账目不清", "全面清点馆藏文物，建立电子台账", "已完成", "王某", "2024年8月"],
    ["2", "公益演出经费使用不规范", "修订演出经费管理办法", "正在推进", "李某", "2024年12月"],
    ["3", "志愿者管理松散", "建立志愿者登记制度", "已完成", "赵某", "2024年7月"],
]
EXPECTED = [("1.", "文物藏品账目不清", C, ["全面清点馆藏文物，建立电子台账"], ["时限：2024年8月"]),
            ("2.", "公益演出经费使用不规范", P, ["修订演出经费管理办法"], ["时限：2024年12月"]),
            ("3.", "志愿者管理松散", C, ["建立志愿者登记制度"], ["时限：2024年7月"])]


def _read(notice) -> list[tuple[str, str, Status | None, list[str], list[str]]]:
    return [(i.label, i.problem, i.status, i.measures, i.deadlines) for i in notice.issues]


def _laid_out(rows: list[list[str]], columns: list[int], wide: bool) -> str:
    """Rows printed as a PDF converter prints a table: each cell from its column, counted in
    characters or with Chinese characters two wide."""
    def width(text: str) -> int:
        return sum(2 if wide and unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    out = []
    for row in rows:
        line = ""
        for column, cell in zip(columns, row, strict=True):
            if cell:
                line += " " * max(column - width(line), 2 if line else 0) + cell
        out.append(line)
    return "\n".join(out)


# -------------------------------------------------------------------- tables printed as text


def test_a_table_whose_cells_are_apart_by_runs_of_spaces() -> None:
    text = "\n".join("    ".join(row) for row in [HEADER, *ROWS])
    notice = parse_text(HEAD + text + END)
    assert _read(notice) == EXPECTED
    assert notice.issues[0].measures_intro == "责任人：王某\n时限：2024年8月"
    assert not notice.quality.warnings


@pytest.mark.parametrize(("wide", "columns"), [(True, [0, 6, 30, 58, 68]), (False, [0, 4, 18, 32, 38])])
def test_a_table_with_cells_wrapped_under_their_columns(wide: bool, columns: list[int]) -> None:
    # A cell too long for its column goes on in the next line, under the same column; a
    # converter aligns columns by characters or by printed width.
    rows = [HEADER[:5],
            ["1", "文物藏品账目不清", "全面清点馆藏文物，建立", "已完成", "王某"],
            ["", "", "电子台账", "", ""],
            ["2", "公益演出经费使用", "修订演出经费管理办法", "正在推进", "李某"],
            ["", "不规范", "", "", ""],
            ["3", "志愿者管理松散", "建立志愿者登记制度", "已完成", "赵某"]]
    notice = parse_text(HEAD + _laid_out(rows, columns, wide) + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [(p, s, m) for _, p, s, m, _ in EXPECTED]
    assert [i.section for i in notice.issues] == [None] * 3


def test_a_table_row_under_no_column_is_reported_not_swallowed() -> None:
    # The third row's cells start under no column of the header: the rows above are read, the
    # row is reported.
    rows = [HEADER[:5], ROWS[0][:5], ROWS[1][:5]]
    text = _laid_out(rows, [0, 6, 30, 58, 68], wide=True) + "\n3 志愿者管理松散  建立志愿者登记制度，每季度更新一次人员名册  已完成  赵某"
    notice = parse_text(HEAD + text + END)
    assert [i.problem for i in notice.issues][:2] == ["文物藏品账目不清", "公益演出经费使用不规范"]
    assert "table row 3: its cells stand under no column of the header; read as text" in notice.quality.warnings


def test_a_table_printed_a_cell_per_line() -> None:
    notice = parse_text(_cell_lines(ROWS))
    assert _read(notice) == EXPECTED
    assert not notice.quality.warnings


def _cell_lines(rows: list[list[str]]) -> str:
    return HEAD + "\n".join([*HEADER, *(cell for row in rows for cell in row)]) + END


def test_cells_wrapped_over_lines_in_a_cell_per_line_table() -> None:
    # Row 2 prints its problem and its measures over two lines each, the last row its measures:
    # the short columns close each row, the measures start with a measure.
    rows = [ROWS[0], ["2", "公益演出经费使用", "不规范", "修订演出经费管理办法，", "明确审批程序", *ROWS[1][3:]],
            [*ROWS[2][:2], "建立志愿者登记制度，", "每季度更新名册", *ROWS[2][3:]]]
    notice = parse_text(_cell_lines(rows))
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("文物藏品账目不清", C, ["全面清点馆藏文物，建立电子台账"]),
        ("公益演出经费使用不规范", P, ["修订演出经费管理办法，明确审批程序"]),
        ("志愿者管理松散", C, ["建立志愿者登记制度，每季度更新名册"]),
    ]
    assert not notice.quality.warnings


def test_a_cell_per_line_row_that_cannot_be_told_apart_is_kept_and_reported() -> None:
    # Row 2's measures do not open with a measure: where its problem ends cannot be told, so the
    # row is kept under its number (nothing lost) and reported; the rows around it are read.
    rows = [ROWS[0], ["2", "公益演出经费使用", "不规范", "对演出经费逐笔核查", "并追回违规支出", *ROWS[1][3:]], ROWS[2]]
    notice = parse_text(_cell_lines(rows))
    assert [(i.label, i.status) for i in notice.issues] == [("1.", C), ("2.", None), ("3.", C)]
    assert "并追回违规支出" in notice.text
    assert "table row 2: 8 lines for 6 columns; its cells could not be told apart" in notice.quality.warnings


def test_column_titles_in_running_text_make_no_table() -> None:
    text = HEAD + "（一）关于文物藏品账目不清的问题\n整改措施：建立台账。序号  问题  不是表格\n整改结果：已完成。" + END
    assert [i.problem for i in parse_text(text).issues] == ["文物藏品账目不清"]


# -------------------------------------------------------------- 责任人 / 时限 columns elsewhere


def _tr(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def test_an_html_table_with_person_and_deadline_columns() -> None:
    # A bare 时限 column is a duty like 完成时限: beside the measures, and the issue's deadline.
    html = ("<html><body><h1>" + HEAD.split("\n")[0] + "</h1><p>" + HEAD.split("\n")[1] + "</p><table>"
            + _tr(HEADER, "th") + "".join(_tr(r) for r in ROWS) + "</table><p>中共白鹭县文化馆支部委员会</p>"
            "<p>2024年9月1日</p></body></html>")
    notice = parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))
    assert _read(notice) == EXPECTED


def test_word_html_with_span_soup_and_a_nested_table() -> None:
    # Word's "save as web page": every run a <span>, the table inside a layout table.
    def cell(text: str) -> str:
        return f'<td><p class=MsoNormal><span lang=EN-US>{text[:2]}</span><span style="font-family:仿宋">{text[2:]}</span></p></td>'

    html = ('<html><body><div class=WordSection1><p class=MsoNormal align=center><b><span style="font-size:16pt">'
            + HEAD.split("\n")[0] + '<o:p></o:p></span></b></p><p class=MsoNormal><span>' + HEAD.split("\n")[1]
            + '</span></p><table border=1><tr><td><table>'
            + "<tr>" + "".join(cell(c) for c in HEADER) + "</tr>"
            + "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in ROWS)
            + '</table></td></tr></table><p><span>中共白鹭县文化馆支部委员会</span></p>'
            '<p><span lang=EN-US>2024</span><span>年</span><span lang=EN-US>9</span><span>月1日</span></p></div></body></html>')
    notice = parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))
    assert _read(notice) == EXPECTED
    assert notice.meta.publish_date == "2024-09-01"


def test_a_docx_table_with_person_and_deadline_columns(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in HEAD.strip().split("\n"):
        document.add_paragraph(line)
    table = document.add_table(rows=len(ROWS) + 1, cols=len(HEADER))
    for r, row in enumerate([HEADER, *ROWS]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("中共白鹭县文化馆支部委员会")
    document.save(tmp_path / "table.docx")
    assert _read(parse_file(tmp_path / "table.docx")) == EXPECTED


# ------------------------------------------------------------------------- bare page numbers


BLOCKS = [("文物藏品账目不清", "一是全面清点馆藏文物；二是建立电子台账。", "已完成", C),
          ("公益演出经费使用不规范", "修订演出经费管理办法。", "正在推进", P),
          ("志愿者管理松散", "建立志愿者登记制度。", "已完成", C)]


def test_bare_page_numbers_between_pages_are_no_part_of_the_measures() -> None:
    body = "\n".join(f"（{'一二三'[k]}）关于{p}的问题\n整改措施：{m}\n整改结果：{s}\n{k + 3}"
                     for k, (p, m, s, _) in enumerate(BLOCKS))
    notice = parse_text(HEAD + body + END)
    assert [(i.problem, i.status, i.measures[-1]) for i in notice.issues] == [
        (p, status, m.split("；")[-1].removeprefix("二是")) for p, m, _, status in BLOCKS
    ]


def test_a_bare_page_number_inside_a_sentence_cut_by_the_page() -> None:
    body = ("（一）关于文物藏品账目不清的问题\n整改措施：组织专人对馆藏文物逐件清点核对，登记造册并拍照存档，"
            "\n4\n建立电子台账。\n整改结果：已完成。")
    notice = parse_text(HEAD + body + END)
    assert notice.issues[0].measures == ["组织专人对馆藏文物逐件清点核对，登记造册并拍照存档，建立电子台账。"]


def test_a_heading_number_alone_on_its_line_is_no_page_number() -> None:
    body = "\n".join(f"{k + 1}\n关于{p}的问题\n整改措施：{m}\n整改结果：{s}" for k, (p, m, s, _) in enumerate(BLOCKS))
    notice = parse_text(HEAD + body + END)
    assert [(i.label, i.problem) for i in notice.issues] == [(f"{k + 1}", p) for k, (p, _, _, _) in enumerate(BLOCKS)]


# ----------------------------------------------------------- items numbered within their part


PARTS = ("一、巡察反馈的党的建设方面问题\n1.1 党支部组织生活不规范\n整改措施：严格落实三会一课制度。\n整改结果：已完成。\n"
         "1.2 党员发展程序把关不严\n整改措施：开展党员发展档案自查。\n整改结果：已完成。\n"
         "二、巡察反馈的业务管理方面问题\n2.1 文物藏品账目不清\n整改措施：全面清点馆藏文物。\n整改结果：正在推进。\n三、")
# The same list a level deeper, numbered as a report numbers it: 1. / 1.1 / 1.1.1.
REPORT = ("1.巡察反馈问题整改情况\n1.1 党的建设方面\n1.1.1 党支部组织生活不规范\n整改措施：严格落实三会一课制度。\n"
          "整改结果：已完成。\n1.1.2 党员发展程序把关不严\n整改措施：开展党员发展档案自查。\n整改结果：已完成。\n"
          "1.2 业务管理方面\n1.2.1 文物藏品账目不清\n整改措施：全面清点馆藏文物。\n整改结果：正在推进。\n2.")


@pytest.mark.parametrize(("body", "labels", "sections"), [
    (PARTS, ["1.1", "1.2", "2.1"], ["巡察反馈的党的建设方面问题", "巡察反馈的业务管理方面问题"]),
    (REPORT, ["1.1.1", "1.1.2", "1.2.1"], ["党的建设方面", "业务管理方面"]),
])
def test_items_numbered_within_their_part(body: str, labels: list[str], sections: list[str]) -> None:
    notice = parse_text(HEAD.replace("一、整改落实情况\n", "") + body + "下一步工作打算\n持续巩固整改成果。"
                        + END.split("。", 1)[1])
    assert [(i.label, i.problem, i.section, i.status) for i in notice.issues] == [
        (labels[0], "党支部组织生活不规范", sections[0], C),
        (labels[1], "党员发展程序把关不严", sections[0], C),
        (labels[2], "文物藏品账目不清", sections[1], P),
    ]
    assert not notice.quality.warnings


@pytest.mark.parametrize("line", ["6.30日前完成整改。", "3.5万元已退回。", "1.5倍于上年。", "12.3%的资金未拨付。"])
def test_decimal_amounts_and_dates_open_no_heading(line: str) -> None:
    from indexer.parsing.numbering import match_heading

    assert match_heading(line) is None


# ------------------------------------------------------------ a body run together on one line


@pytest.mark.parametrize("problem", ["关于{p}的问题。", "{p}。"])
def test_problems_numbered_by_ordinals_in_a_one_line_body(problem: str) -> None:
    # "…。第二，关于…的问题。整改措施：…": the ordinal numbers a problem (关于… or a label follows);
    # "整改措施：第一，…；第二，…" enumerates measures and stays in its paragraph.
    blocks = "".join(f"{'第' + '一二三'[k] + '，'}{problem.format(p=p)}整改措施：{m}整改结果：{s}。"
                     for k, (p, m, s, _) in enumerate(BLOCKS))
    notice = parse_text(HEAD.replace("\n", "") + blocks + END)
    assert [(i.label, i.problem, i.status, len(i.measures)) for i in notice.issues] == [
        (f"第{'一二三'[k]}，", p, status, len(m.split("；"))) for k, (p, m, _, status) in enumerate(BLOCKS)
    ]
    listed = HEAD.replace("\n", "") + "（一）关于文物藏品账目不清的问题。整改措施：第一，全面清点馆藏文物；第二，建立电子台账。整改结果：已完成。"
    assert [(i.label, i.measures) for i in parse_text(listed + END).issues] == [("（一）", ["全面清点馆藏文物", "建立电子台账。"])]


# ------------------------------------------------------------------- encodings and characters


def test_gb18030_with_full_width_spaces_and_some_traditional_characters(tmp_path: Path) -> None:
    # A GB18030 file (a name only GB18030 holds), paragraphs indented by full-width spaces,
    # a full-width space inside a label, and traditional characters here and there.
    text = (HEAD.replace("并于", "並於").replace("现将整改进展情况", "現將整改進展情況")
            + "\u3000\u3000（一）关于文物藏品賬目不清的問題\n\u3000\u3000整改措施\u3000：一是全面清點馆藏文物；二是建立電子台账。\n"
            "\u3000\u3000整改結果：\u3000已完成。\n\u3000\u3000（二）\u3000關於志愿者管理鬆散的问题\n"
            "\u3000\u3000整改措施：责任人王䶮建立志愿者登记制度。\n\u3000\u3000整改结果：正在推進。" + END)
    (tmp_path / "notice.txt").write_bytes(text.encode("gb18030"))
    notice = parse_file(tmp_path / "notice.txt")
    assert notice.encoding == "gb18030"
    assert [(i.problem, i.status, len(i.measures)) for i in notice.issues] == [
        ("文物藏品賬目不清", C, 2), ("志愿者管理鬆散", P, 1)]
    assert (notice.meta.feedback_date, notice.meta.inspection_body) == ("2024-06-10", "县委第一巡察组")


# ----------------------------------------------------------------------------- stated counts


@pytest.mark.parametrize(("summary", "stated"), [
    ("巡察组共反馈问题3个，截至目前已整改完成1个，正在整改2个。", (3, 1, 2)),
    ("针对反馈的三个问题，已完成一个，其余两个正在推进。", (3, 1, 2)),
    ("巡察组反馈问题共计3条，已整改到位1条、持续整改2条。", (3, 1, 2)),
])
def test_a_completed_count_the_statuses_contradict_is_reported(summary: str, stated: tuple[int, int, int]) -> None:
    body = "\n".join(f"（{'一二三'[k]}）关于{p}的问题\n整改措施：{m}\n整改结果：{s}" for k, (p, m, s, _) in enumerate(BLOCKS))
    notice = parse_text(HEAD.replace("现将", summary + "现将") + body + END)
    totals = notice.meta.stated_totals
    assert (totals.issues, totals.completed, totals.in_progress) == stated
    # Two issues read as completed where the notice says one.
    assert "the notice states 1 issues completed but 2 were read as completed" in notice.quality.warnings
    agreed = parse_text(HEAD.replace("现将", summary.replace("1", "2").replace("一个", "两个") + "现将") + body + END)
    assert not any("completed" in w for w in agreed.quality.warnings)


# ----------------------------------------------------------- tables over pages, merged problems


@pytest.mark.parametrize("per_line", [False, True])
def test_a_text_table_over_two_pages_passes_over_the_page_number_and_the_header_again(per_line: bool) -> None:
    def printed(rows: list[list[str]]) -> list[str]:
        return [cell for row in rows for cell in row] if per_line else ["    ".join(row) for row in rows]

    lines = [*printed([HEADER, *ROWS[:2]]), "— 5 —", *printed([HEADER, ROWS[2]])]
    notice = parse_text(HEAD + "\n".join(lines) + END)
    assert _read(notice) == EXPECTED
    assert not notice.quality.warnings


MERGED_ROWS = [["序号", "问题", "整改措施", "责任人", "完成情况"],
               ["1", "文物藏品账目不清", "全面清点馆藏文物", "王某", "已完成"],
               ["1", "文物藏品账目不清", "建立电子台账", "李某", "正在推进"],
               ["2", "志愿者管理松散", "建立志愿者登记制度", "赵某", "已完成"]]
MERGED = [("1.", "文物藏品账目不清", P, ["全面清点馆藏文物\n建立电子台账"], "责任人：王某、李某"),
          ("2.", "志愿者管理松散", C, ["建立志愿者登记制度"], "责任人：赵某")]


def test_an_html_problem_merged_down_a_row_per_measure_is_one_issue() -> None:
    # rowspan: the problem's cells span its measure rows; one measure still in progress makes
    # the problem so.
    def cell(text: str, span: int = 1) -> str:
        return f"<td rowspan={span}>{text}</td>" if span > 1 else f"<td>{text}</td>"

    header, first, second, third = MERGED_ROWS
    html = ("<html><body><h1>" + HEAD.split("\n")[0] + "</h1><p>" + HEAD.split("\n")[1] + "</p><table>"
            + _tr(header, "th") + "<tr>" + cell("1", 2) + cell(first[1], 2) + "".join(map(cell, first[2:])) + "</tr>"
            + "<tr>" + "".join(map(cell, second[2:])) + "</tr>" + _tr(third)
            + "</table><p>中共白鹭县文化馆支部委员会</p></body></html>")
    notice = parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))
    assert [(i.label, i.problem, i.status, i.measures, i.measures_intro) for i in notice.issues] == MERGED
    assert not notice.quality.warnings


@pytest.mark.parametrize("merged", [True, False])
def test_a_docx_problem_merged_down_a_row_per_measure_is_one_issue(tmp_path: Path, merged: bool) -> None:
    # Merged vertically, or the problem printed once above empty cells.
    import docx

    document = docx.Document()
    for line in HEAD.strip().split("\n"):
        document.add_paragraph(line)
    table = document.add_table(rows=len(MERGED_ROWS), cols=len(MERGED_ROWS[0]))
    for r, row in enumerate(MERGED_ROWS):
        for c, value in enumerate(row):
            if r != 2 or c > 1:
                table.cell(r, c).text = value
    if merged:
        for c in (0, 1):
            table.cell(1, c).merge(table.cell(2, c))
    document.save(tmp_path / "merged.docx")
    notice = parse_file(tmp_path / "merged.docx")
    assert [(i.label, i.problem, i.status, i.measures, i.measures_intro) for i in notice.issues] == MERGED


def _html_table(header: list[str], rows: list[list[str]]):
    html = ("<html><body><h1>" + HEAD.split("\n")[0] + "</h1><p>" + HEAD.split("\n")[1] + "</p><table>"
            + _tr(header, "th") + "".join(_tr(r) for r in rows) + "</table><p>中共白鹭县文化馆支部委员会</p></body></html>")
    return parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))


def test_goal_and_remark_columns_stay_beside_the_measures() -> None:
    notice = _html_table(["序号", "巡察反馈问题", "整改目标", "整改措施", "整改时限", "整改进展", "备注"], [
        ["1", "文物藏品账目不清", "账实相符", "全面清点馆藏文物", "2024年8月底", "已完成", ""],
        ["2", "志愿者管理松散", "规范管理", "建立志愿者登记制度", "长期坚持", "持续推进", "无"]])
    assert [(i.problem, i.status, i.measures, i.measures_intro) for i in notice.issues] == [
        ("文物藏品账目不清", C, ["全面清点馆藏文物"], "整改目标：账实相符\n整改时限：2024年8月底"),
        ("志愿者管理松散", P, ["建立志愿者登记制度"], "整改目标：规范管理\n整改时限：长期坚持\n备注：无"),
    ]


def test_an_effect_column_and_a_yes_no_closed_column() -> None:
    # 整改成效 is what was done; 是否销号 | 是 closes the issue (已销号), 否 leaves it open.
    notice = _html_table(["序号", "问题表现", "整改成效", "整改责任人", "是否销号"], [
        ["1", "文物藏品账目不清", "已建立馆藏文物台账", "王某", "是"],
        ["2", "志愿者管理松散", "志愿者管理制度已印发", "赵某", "否"]])
    assert [(i.problem, i.status, i.measures, i.measures_intro) for i in notice.issues] == [
        ("文物藏品账目不清", C, ["已建立馆藏文物台账"], "整改责任人：王某"),
        ("志愿者管理松散", P, ["志愿者管理制度已印发"], "整改责任人：赵某"),
    ]
    assert not notice.quality.warnings


# ------------------------------------------------------------------ labels in their other forms


LABELLED = [("文物藏品账目不清。", "全面清点馆藏文物，建立电子台账。", "已完成。", C),
            ("志愿者管理松散。", "建立志愿者登记制度。", "正在推进。", P)]


@pytest.mark.parametrize("layout", [
    "{k}.{p}\n措施：{m}\n进展：{s}", "问题{k}：{p}\n措施：{m}\n状态：{s}", "{k}.{p}\n整改措施：{m}\n目前进展：{s}",
    "{k}.{p}\n采取措施：{m}\n当前进展：{s}", "{k}.{p}\n（整改措施）{m}\n（整改进展）{s}", "{k}.{p}\n整改措施——{m}\n整改进展——{s}",
])
def test_labels_short_bracketed_or_before_a_dash(layout: str) -> None:
    body = "\n".join(layout.format(k=k + 1, p=p, m=m, s=s) for k, (p, m, s, _) in enumerate(LABELLED))
    notice = parse_text(HEAD + body + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        (p.rstrip("。"), status, [m]) for p, m, _, status in LABELLED
    ]


def test_a_status_under_a_label_not_understood_is_reported() -> None:
    body = "\n".join(f"（{'一二'[k]}）关于{p.rstrip('。')}的问题\n整改措施：{m}\n推进程度：{s}\n整改时限：长期坚持"
                     for k, (p, m, s, _) in enumerate(LABELLED))
    notice = parse_text(HEAD + body + END)
    assert [i.status for i in notice.issues] == [None, None]
    assert notice.quality.warnings == [
        f"issue {k + 1}: '推进程度：{s}' may print its status under a label not understood" for k, (_, _, s, _) in enumerate(LABELLED)
    ]


def test_text_whose_every_character_is_spaced() -> None:
    # Some PDFs give each character apart ("2 0 2 4 年 9 月 1 日"): the date and the signature
    # are read again, not left in the last measure.
    body = "\n".join(f"（{'一二三'[k]}）关于{p}的问题\n整改措施：{m}\n整改结果：{s}" for k, (p, m, s, _) in enumerate(BLOCKS))
    text = "\n".join(" ".join(line) for line in (HEAD + body + END).split("\n"))
    notice = parse_text(text)
    assert [(i.problem, i.status, i.measures[-1]) for i in notice.issues] == [
        (p, status, m.split("；")[-1].removeprefix("二是")) for p, m, _, status in BLOCKS
    ]
    assert (notice.meta.publish_date, notice.meta.feedback_date) == ("2024-09-01", "2024-06-10")
    assert not notice.quality.warnings


@pytest.mark.parametrize("bullet", ["●", "◆", "★", "•", "▲", "- "])
def test_bullets_opening_problems_and_labels_are_decoration(bullet: str) -> None:
    # "●文物藏品账目不清" / "●措施：…": the bullet is no part of the problem and hides no label;
    # a status printed as a form ("●已完成 ○正在推进") keeps its marks.
    body = "\n".join(f"{bullet}{p}\n{bullet}措施：{m}\n{bullet}进展：{s}" for p, m, s, _ in LABELLED)
    notice = parse_text(HEAD + body + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        (p.rstrip("。"), status, [m]) for p, m, _, status in LABELLED
    ]
    form = HEAD + "（一）关于文物藏品账目不清的问题\n整改措施：全面清点馆藏文物。\n整改结果：\n○已完成 ●正在推进" + END
    assert [i.status for i in parse_text(form).issues] == [P]


@pytest.mark.parametrize("label", ["巡察指出", "巡察组指出", "巡察发现", "反馈意见", "问题表述", "反馈指出"])
def test_problems_under_what_the_inspectors_found(label: str) -> None:
    # "巡察指出：…" opens each problem under its 方面 heading: the label is no part of the problem.
    body = ("一、党的建设方面\n" + "\n".join(f"{label}：{p}\n整改措施：{m}\n整改进展：{s}" for p, m, s, _ in LABELLED)
            + "\n二、业务管理方面\n" + f"{label}：志愿者登记表填写不全。\n整改措施：补填登记表。\n整改进展：已完成。")
    notice = parse_text(HEAD.replace("一、整改落实情况\n", "") + body + END.split("。", 1)[1])
    assert [(i.problem, i.section, i.status) for i in notice.issues] == [
        *((p.rstrip("。"), "党的建设方面", status) for p, _, _, status in LABELLED),
        ("志愿者登记表填写不全", "业务管理方面", C),
    ]


def test_a_street_party_working_committee_names_its_street() -> None:
    # 中共X街道工作委员会 (a 党工委) issues for the 街道: a township-level institution.
    text = ("中共青溪县城关街道工作委员会关于巡察整改进展情况的通报\n2024年9月，市委第一巡察组对城关街道党工委开展了提级交叉巡察。"
            "现将整改进展情况公布如下。\n一、整改落实情况\n（一）关于文物藏品账目不清的问题\n整改措施：全面清点馆藏文物。\n整改结果：已完成。\n"
            "中共青溪县城关街道工作委员会\n2024年11月20日")
    meta = parse_text(text).meta
    assert (meta.organization, meta.institution, meta.institution_type) == (
        "中共青溪县城关街道工作委员会", "青溪县城关街道", "township")
    assert (meta.inspection_body, meta.level, meta.inspection_type) == ("市委第一巡察组", "city", "提级交叉")


def test_long_column_titles_with_notes_in_brackets() -> None:
    # Titles naming more than one thing or carrying a note: each column keeps the label it opens with.
    notice = _html_table(["序号", "巡察反馈的主要问题及具体表现", "整改措施及责任单位、责任人", "整改时限（完成时间）",
                          "整改完成情况（已完成/正在推进/长期坚持）"], [
        ["1", "文物藏品账目不清", "全面清点馆藏文物（责任人：王某）", "2024年8月底", "已完成"],
        ["2", "志愿者管理松散", "建立志愿者登记制度（责任人：赵某）", "长期坚持", "正在推进"]])
    assert [(i.problem, i.status, i.measures, i.measures_intro) for i in notice.issues] == [
        ("文物藏品账目不清", C, ["全面清点馆藏文物（责任人：王某）"], "整改时限：2024年8月底"),
        ("志愿者管理松散", P, ["建立志愿者登记制度（责任人：赵某）"], "整改时限：长期坚持"),
    ]
    assert notice.issues[0].deadlines == ["整改时限：2024年8月底"]


def test_a_text_table_whose_column_titles_wrap_over_two_lines() -> None:
    rows = [["序号", "问题", "整改措施", "整改完成", "责任人"], ["", "", "", "情况", ""],
            ["1", "文物藏品账目不清", "全面清点馆藏文物", "已完成", "王某"],
            ["2", "志愿者管理松散", "建立志愿者登记制度", "正在推进", "赵某"]]
    notice = parse_text(HEAD + _laid_out(rows, [0, 6, 30, 52, 64], wide=True) + END)
    assert [(i.problem, i.status, i.measures, i.measures_intro) for i in notice.issues] == [
        ("文物藏品账目不清", C, ["全面清点馆藏文物"], "责任人：王某"), ("志愿者管理松散", P, ["建立志愿者登记制度"], "责任人：赵某")]


@pytest.mark.parametrize(("summary", "stated"), [
    ("巡察组反馈了2个方面13个具体问题，目前已整改完成11个，需长期坚持整改的2个。", (13, 11, None, 2)),
    ("共梳理出问题清单13条，制定整改措施40条，已完成整改12条，整改完成率92.3%。", (13, 12, None, None)),
    ("截至2024年8月底，13个问题中已完成12个、正在推进1个。", (13, 12, 1, None)),
    ("巡察反馈问题13个，均已整改完成。", (13, 13, None, None)),
])
def test_summary_counts_in_their_other_wordings(summary: str, stated: tuple) -> None:
    totals = parse_text(HEAD.replace("现将", summary + "现将") + "（一）关于文物藏品账目不清的问题\n整改结果：已完成。" + END).meta.stated_totals
    assert (totals.issues, totals.completed, totals.in_progress, totals.long_term) == stated


def test_problem_headings_without_numbers_over_prose_paragraphs() -> None:
    # "关于…的问题" alone on its line (a bold paragraph that lost its number), prose below it.
    body = "\n".join(f"关于{p}的问题\n针对该问题，{m}目前{s.rstrip('。')}整改。" for p, m, s, _ in BLOCKS)
    notice = parse_text(HEAD + body.replace("正在推进整改", "正在推进") + END)
    assert [(i.problem, i.status) for i in notice.issues] == [(p, status) for p, _, _, status in BLOCKS]
    assert notice.issues[1].measures == ["针对该问题，修订演出经费管理办法。"]


@pytest.mark.parametrize("gap", ["  ", "\u3000\u3000", "    "])
def test_fields_set_apart_by_spaces_on_the_heading_line(gap: str) -> None:
    # "1.文物藏品账目不清  状态：已完成": the spaces part two fields; the label is not glued to the problem.
    body = "\n".join(f"{k + 1}.{p}{gap}状态：{s}{gap}责任人：王某\n整改措施：{m}" for k, (p, m, s, _) in enumerate(BLOCKS))
    notice = parse_text(HEAD + body + END)
    assert [(i.problem, i.status, i.measures_intro) for i in notice.issues] == [
        (p, status, "责任人：王某") for p, _, _, status in BLOCKS
    ]


def test_a_text_table_in_traditional_characters() -> None:
    header = ["序號", "問題", "整改措施", "完成情況"]
    rows = [["1", "文物藏品賬目不清", "全面清點館藏文物", "已完成"], ["2", "志願者管理鬆散", "建立志願者登記制度", "正在推進"]]
    notice = parse_text(HEAD + "\n".join("    ".join(row) for row in [header, *rows]) + END)
    assert [(i.label, i.problem, i.status, i.measures) for i in notice.issues] == [
        ("1.", "文物藏品賬目不清", C, ["全面清點館藏文物"]), ("2.", "志願者管理鬆散", P, ["建立志願者登記制度"])]


@pytest.mark.parametrize("labels", [["Ⅰ、", "Ⅱ、", "Ⅲ、"], ["I.", "II.", "III."], ["A.", "B.", "C."], ["(a)", "(b)", "(c)"],
                                    ["a)", "b)", "c)"], ["一)", "二)", "三)"]])
def test_problems_numbered_by_roman_numerals_or_letters(labels: list[str]) -> None:
    body = "\n".join(f"{labels[k]}关于{p}的问题\n整改措施：{m}\n整改结果：{s}" for k, (p, m, s, _) in enumerate(BLOCKS))
    notice = parse_text(HEAD + body + END)
    assert [(i.label, i.problem, i.status) for i in notice.issues] == [
        (labels[k], p, status) for k, (p, _, _, status) in enumerate(BLOCKS)
    ]


@pytest.mark.parametrize("line", ["Ⅰ级响应启动。", "III类耗材管理。", "X光机检查。", "CT室建设。", "I am here."])
def test_grades_and_latin_words_open_no_heading(line: str) -> None:
    from indexer.parsing.numbering import match_heading

    assert match_heading(line) is None


def test_a_text_table_without_numbers_and_an_empty_cell() -> None:
    # No 序号 column: a row is a line under (nearly) every column; row 2 leaves 备注 empty, row 1
    # wraps its measures under their column.
    rows = [["问题", "整改措施", "完成情况", "备注"],
            ["文物藏品账目不清", "全面清点馆藏文物，建立", "已完成", "无"], ["", "电子台账", "", ""],
            ["志愿者管理松散", "建立志愿者登记制度", "正在推进", ""]]
    notice = parse_text(HEAD + _laid_out(rows, [0, 20, 46, 58], wide=True) + END)
    assert [(i.problem, i.status, i.measures) for i in notice.issues] == [
        ("文物藏品账目不清", C, ["全面清点馆藏文物，建立电子台账"]), ("志愿者管理松散", P, ["建立志愿者登记制度"])]


def _annexed_table(tmp_path: Path, signed_first: bool) -> Path:
    """A notice whose issues are only in its attached table: "附件：…整改进展情况表" over the table,
    before the signature or after it."""
    import docx

    document = docx.Document()
    document.add_paragraph("中共柳桥县水务局党组关于县委巡察反馈问题整改进展情况的通报")
    document.add_paragraph("县委第一巡察组于2025年6月9日反馈了巡察意见，局党组逐条制定整改措施，整改进展情况见附件。")
    signature = ["中共柳桥县水务局党组", "2025年9月30日"]
    for line in (signature if signed_first else []) + ["附件：巡察反馈问题整改进展情况表"]:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=4)
    rows = [("序号", "反馈问题", "整改措施", "整改情况"),
            ("1", "河道采砂监管存在盲区。", "1.建立采砂视频监控；\n2.开展联合执法。", "已完成"),
            ("2", "水利工程质量抽检不足。", "制定年度抽检计划并按季通报。", "正在推进")]
    for cells, row in zip([table.rows[0].cells] + [table.add_row().cells for _ in rows[1:]], rows, strict=True):
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for line in [] if signed_first else signature:
        document.add_paragraph(line)
    document.save(tmp_path / "annexed.docx")
    return tmp_path / "annexed.docx"


@pytest.mark.parametrize("signed_first", [False, True])
def test_issues_only_in_the_attached_table_are_read(tmp_path: Path, signed_first: bool) -> None:
    notice = parse_file(_annexed_table(tmp_path, signed_first))
    assert [(i.problem, i.status, len(i.measures)) for i in notice.issues] == [
        ("河道采砂监管存在盲区", Status.COMPLETED, 2), ("水利工程质量抽检不足", Status.IN_PROGRESS, 1)]


def test_a_list_of_attachment_titles_gives_no_issue() -> None:
    notice = parse_text("中共某县统计局党组关于巡察整改进展情况的通报\n县委巡察组于2025年6月反馈了巡察意见，现将有关情况通报如下。\n"
                        "整改工作取得阶段性成效。\n中共某县统计局党组\n2025年9月1日\n"
                        "附件：1.整改工作领导小组成员名单\n2.整改任务分工方案")
    assert notice.issues == []
