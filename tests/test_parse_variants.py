"""Layout variants found by ``scripts/check_corpus.py`` on generated corpora, each with a small
fictional fixture: issues in an HTML table, a status cell holding a comma, and whole notices
run together on one line (numbering glued to the text before, compound ``1.(1)``, ``问题1：``,
the closing paragraph glued to the last status). Every name and problem here is invented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.parsing import html_text, numbering, tables
from indexer.parsing.normalise import fold, normalise
from indexer.parsing.parse import parse_document, parse_text
from indexer.parsing.status import Status
from indexer.types import RawDocument

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM


def _issues(notice) -> list[tuple[str, str, Status | None, str | None, int]]:
    return [(i.label, i.problem, i.status, i.status_raw, len(i.measures)) for i in notice.issues]


# ------------------------------------------------------------------------------------ HTML tables

TABLE_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于巡察整改进展情况的通报-青禾县人民政府</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<div class="article">
<h1>中共青禾县石桥镇委员会关于巡察整改进展情况的通报</h1>
<div class="content">
<p>根据县委统一部署，县委第三巡察组对石桥镇党委开展了常规巡察，并反馈了巡察意见。</p>
<p>一、整改工作开展情况</p>
<p>镇党委成立整改工作领导小组，逐项明确整改措施和完成时限。</p>
<p>二、巡察反馈问题整改落实情况</p>
<table border="1">
<tr><th>序号</th><th>问题</th><th>整改措施</th><th>整改情况</th></tr>
<tr><td>1</td><td>村级财务公开不及时。</td><td><p>一是按季度公开村级财务收支。</p><p>二是镇纪委每半年抽查一次。</p></td><td>已完成</td></tr>
<tr><td>2</td><td>河道保洁责任落实不到位。</td><td>建立河道保洁巡查台账，每周巡查一次。</td><td>长期整改，已取得阶段性成效</td></tr>
<tr><td>3</td><td>便民服务窗口办件超时。</td><td>一是推行首问负责制。二是每月通报超时办件。</td><td>正在推进</td></tr>
</table>
<p>欢迎广大干部群众对巡察整改落实情况进行监督。</p>
<p>中共青禾县石桥镇委员会</p>
<p>2024年9月2日</p>
</div></div>
</body></html>"""


def test_html_table_rows_become_lines_like_a_docx_table() -> None:
    text = html_text.html_to_text(TABLE_PAGE)
    assert text.split("\n") == [
        "中共青禾县石桥镇委员会关于巡察整改进展情况的通报",
        "根据县委统一部署，县委第三巡察组对石桥镇党委开展了常规巡察，并反馈了巡察意见。",
        "一、整改工作开展情况",
        "镇党委成立整改工作领导小组，逐项明确整改措施和完成时限。",
        "二、巡察反馈问题整改落实情况",
        "1.村级财务公开不及时。",
        "整改措施：一是按季度公开村级财务收支。",
        "二是镇纪委每半年抽查一次。",
        "整改情况：已完成",
        "2.河道保洁责任落实不到位。",
        "整改措施：建立河道保洁巡查台账，每周巡查一次。",
        "整改情况：长期整改，已取得阶段性成效",
        "3.便民服务窗口办件超时。",
        "整改措施：一是推行首问负责制。二是每月通报超时办件。",
        "整改情况：正在推进",
        "欢迎广大干部群众对巡察整改落实情况进行监督。",
        "中共青禾县石桥镇委员会",
        "2024年9月2日",
    ]


def test_html_table_issues_statuses_and_measures() -> None:
    notice = parse_document(RawDocument("page.html", html_text.html_to_text(TABLE_PAGE), "html", "utf_8"))
    assert _issues(notice) == [
        ("1.", "村级财务公开不及时", C, "已完成", 2),
        ("2.", "河道保洁责任落实不到位", L, "长期整改，已取得阶段性成效", 1),
        ("3.", "便民服务窗口办件超时", P, "正在推进", 2),
    ]


def test_html_and_docx_tables_share_one_flattening_rule() -> None:
    from lxml import html as lxml_html

    table = lxml_html.fromstring(TABLE_PAGE).find(".//table")
    rows = html_text._html_table_rows(table)
    assert rows[0] == ["序号", "问题", "整改措施", "整改情况"]
    assert rows[1] == ["1", "村级财务公开不及时。", "一是按季度公开村级财务收支。\n二是镇纪委每半年抽查一次。", "已完成"]
    lines = html_text.html_to_text(TABLE_PAGE).split("\n")
    assert tables.table_lines(rows) == lines[5:15]


def test_html_table_spans() -> None:
    from lxml import html as lxml_html

    table = lxml_html.fromstring(
        "<table><tr><th>序号</th><th>问题</th><th>整改情况</th></tr>"
        "<tr><td colspan='3'>一、党的建设方面</td></tr>"
        "<tr><td>1</td><td>学习记录不全</td><td rowspan='2'>已完成</td></tr>"
        "<tr><td>2</td><td>发展党员程序不规范</td></tr></table>"
    )
    rows = html_text._html_table_rows(table)
    # colspan: kept in the first column, as python-docx gives a merged cell; rowspan: repeated.
    assert rows == [
        ["序号", "问题", "整改情况"],
        ["一、党的建设方面", "", ""],
        ["1", "学习记录不全", "已完成"],
        ["2", "发展党员程序不规范", "已完成"],
    ]
    assert tables.table_lines(rows) == [
        "一、党的建设方面", "1.学习记录不全", "整改情况：已完成", "2.发展党员程序不规范", "整改情况：已完成",
    ]


def test_layout_tables_are_walked_not_flattened() -> None:
    # A page laid out with tables (a table inside a table): the outer one is layout, its cells
    # are read as text; the inner data table is flattened.
    page = (
        "<html><body><table><tr><td>"
        "<p>中共青禾县石桥镇委员会关于巡察整改进展情况的通报</p><p>二、整改落实情况</p>"
        "<table><tr><th>序号</th><th>问题</th><th>整改情况</th></tr>"
        "<tr><td>1</td><td>学习记录不全</td><td>已完成</td></tr></table>"
        "</td></tr></table></body></html>"
    )
    assert html_text.html_to_text(page).split("\n") == [
        "中共青禾县石桥镇委员会关于巡察整改进展情况的通报", "二、整改落实情况", "1.学习记录不全", "整改情况：已完成",
    ]


def test_a_data_table_holding_most_of_the_text_keeps_the_paragraphs_around_it() -> None:
    rows = "".join(
        f"<tr><td>{n}</td><td>第{n}项问题整改不到位，相关台账记录不完整不规范。</td>"
        f"<td>一是全面清理台账记录并逐项补齐完善。二是建立月度检查制度并通报。</td><td>已完成</td></tr>"
        for n in range(1, 9)
    )
    page = (
        "<html><body><div class='main'><h1>青禾县林业局关于巡察整改情况的通报</h1>"
        "<p>二、整改落实情况</p><table><tr><th>序号</th><th>问题</th><th>整改措施</th><th>完成情况</th></tr>"
        f"{rows}</table></div></body></html>"
    )
    lines = html_text.html_to_text(page).split("\n")
    assert lines[:3] == ["青禾县林业局关于巡察整改情况的通报", "二、整改落实情况", "1.第1项问题整改不到位，相关台账记录不完整不规范。"]
    assert len(lines) == 2 + 8 * 3


# ------------------------------------------------------------------------- status cell with a comma


@pytest.mark.parametrize(
    ("status_line", "status", "raw"),
    [
        ("整改情况：长期整改，已取得阶段性成效", L, "长期整改，已取得阶段性成效"),
        ("整改情况：阶段性完成整改，持续推进中。", P, "阶段性完成整改，持续推进中"),
        ("整改情况：已完成", C, "已完成"),
    ],
)
def test_status_column_after_a_measures_column(status_line: str, status: Status, raw: str) -> None:
    text = "\n".join([
        "二、整改落实情况",
        "1.村级财务公开不及时。",
        "整改措施：一是按季度公开村级财务收支。二是镇纪委每半年抽查一次。",
        status_line,
        "2.河道保洁责任落实不到位。",
        "整改措施：建立河道保洁巡查台账。",
        "整改情况：已完成",
    ])
    assert _issues(parse_text(text))[0] == ("1.", "村级财务公开不及时", status, raw, 2)


def test_a_lone_measures_paragraph_that_mentions_completion_stays_measures() -> None:
    # Only one measures-labelled paragraph: "整改情况：" holds the measures, even when it says 完成.
    text = "\n".join([
        "二、整改落实情况",
        "1.村级财务公开不及时。",
        "整改情况：立行立改，已完成财务公开并建立台账。",
        "2.河道保洁责任落实不到位。",
        "整改情况：建立河道保洁巡查台账。",
    ])
    issues = parse_text(text).issues
    assert [(i.status, i.status_raw, i.measures) for i in issues] == [
        (None, None, ["立行立改，已完成财务公开并建立台账。"]),
        (None, None, ["建立河道保洁巡查台账。"]),
    ]


# ------------------------------------------------------------------------------ one-line notices

TITLE = "中共青禾县石桥镇委员会关于巡察整改进展情况的通报"
INTRO = "根据县委统一部署，县委第三巡察组对石桥镇党委开展了常规巡察。现将整改进展情况予以公布。"
CLOSING = "欢迎广大干部群众对巡察整改落实情况进行监督。联系电话：0000-1234567。中共青禾县石桥镇委员会2024年9月2日"


def test_one_line_numbered_list_glued_to_headings_and_statuses() -> None:
    # Layout a on one line: "…整改情况1." (the first number glued to its heading), status values
    # without a final 。 ("正在推进2."), a date 6.30日 and an amount 2.3万元 in the measures.
    body = (
        TITLE + INTRO + "一、整改工作组织情况镇党委成立整改工作领导小组。二、反馈问题整改情况"
        "1.村级财务公开不及时。整改结果：正在推进"
        "2.河道保洁责任落实不到位。整改结果：已完成。整改落实情况：一是于6.30日前建立巡查台账。二是追回保洁经费2.3万元。"
        "3.便民服务窗口办件超时。整改结果：已完成整改，并长期坚持整改落实情况：推行首问负责制。"
        + CLOSING
    )
    assert normalise(body).text.split("\n") == [
        TITLE,
        INTRO,
        "一、整改工作组织情况镇党委成立整改工作领导小组。",
        "二、反馈问题整改情况",
        "1.村级财务公开不及时。",
        "整改结果：正在推进",
        "2.河道保洁责任落实不到位。",
        "整改结果：已完成。",
        "整改落实情况：一是于6.30日前建立巡查台账。二是追回保洁经费2.3万元。",
        "3.便民服务窗口办件超时。",
        "整改结果：已完成整改，并长期坚持",
        "整改落实情况：推行首问负责制。",
        CLOSING,
    ]
    assert _issues(parse_text(body)) == [
        ("1.", "村级财务公开不及时", P, "正在推进", 0),
        ("2.", "河道保洁责任落实不到位", C, "已完成", 2),
        ("3.", "便民服务窗口办件超时", C, "已完成整改，并长期坚持", 1),
    ]


def test_one_line_compound_markers() -> None:
    # Layout g on one line: "1.(1)" stays one label; "(2)" continues the inner count.
    body = (
        TITLE + INTRO + "二、反馈问题整改情况（一）基层党建方面"
        "1.(1)党员发展计划执行不严。整改进度：已完成。整改措施：一是修订发展党员工作细则；二是实行预审制度。"
        "(2)支部活动记录不全。整改进度：基本完成。整改措施：统一活动记录本。"
        "2.(3)党费使用审批不严。整改进度：正在整改整改措施：建立党费使用审批台账。"
        + CLOSING
    )
    lines = normalise(body).text.split("\n")
    assert lines[3:7] == [
        "（一）基层党建方面", "1.(1)党员发展计划执行不严。", "整改进度：已完成。", "整改措施：一是修订发展党员工作细则；二是实行预审制度。",
    ]
    assert _issues(parse_text(body)) == [
        ("1.(1)", "党员发展计划执行不严", C, "已完成", 2),
        ("(2)", "支部活动记录不全", B, "基本完成", 1),
        ("2.(3)", "党费使用审批不严", P, "正在整改", 1),
    ]


def test_one_line_problem_labels_under_part_three() -> None:
    # Layout i on one line: 二、 lists what was done (1./2.), the problems are 问题1：… under 三、.
    body = (
        TITLE + INTRO + "一、巡察反馈意见概况县委第三巡察组共反馈问题3个。二、整改工作开展情况"
        "1.强化监督。纪检委员全程跟踪整改进度。2.压实责任。将整改任务分解到责任部门。三、巡察反馈问题整改清单"
        "问题1：村级财务公开不及时。整改措施：一是按季度公开；二是定期抽查。完成情况：已完成。"
        "问题2：河道保洁责任落实不到位。整改措施：建立巡查台账。完成情况：长期整改，已取得阶段性成效"
        "问题3：便民服务窗口办件超时。整改措施：推行首问负责制。完成情况：基本完成。"
        + CLOSING
    )
    assert _issues(parse_text(body)) == [
        ("问题1：", "村级财务公开不及时", C, "已完成", 2),
        ("问题2：", "河道保洁责任落实不到位", L, "长期整改，已取得阶段性成效", 1),
        ("问题3：", "便民服务窗口办件超时", B, "基本完成", 1),
    ]


def test_one_line_status_groups_and_labels_glued_to_headings() -> None:
    # Numbering continued across status groups "（二）…的问题（1个）3."; headings printed
    # without a final 。 so that the labels follow them directly.
    body = (
        TITLE + INTRO + "二、巡察反馈问题整改落实情况（一）已完成整改的问题（2个）"
        "1.村级财务公开不及时整改落实情况：按季度公开村级财务收支。"
        "2.河道保洁责任落实不到位整改落实情况：一是建立巡查台账。二是每周巡查一次。"
        "（二）正在推进整改的问题（1个）3.便民服务窗口办件超时整改落实情况：推行首问负责制。"
        + CLOSING
    )
    assert _issues(parse_text(body)) == [
        ("1.", "村级财务公开不及时", C, None, 1),
        ("2.", "河道保洁责任落实不到位", C, None, 2),
        ("3.", "便民服务窗口办件超时", P, None, 1),
    ]


def test_one_line_closing_glued_to_the_last_status() -> None:
    body = (
        TITLE + INTRO + "一、整改工作总体情况镇党委召开专题会议。二、具体问题整改情况"
        "1.村级财务公开不及时。整改措施：按季度公开村级财务收支。整改状态:已完成"
        "2.河道保洁责任落实不到位。整改措施：建立巡查台账。整改状态:完成"
        "欢迎广大干部群众对巡察整改落实情况进行监督。中共青禾县石桥镇委员会2024年9月2日"
    )
    assert _issues(parse_text(body)) == [
        ("1.", "村级财务公开不及时", C, "已完成", 1),
        ("2.", "河道保洁责任落实不到位", C, "完成", 1),
    ]


def test_one_line_heading_problem_ending_in_wenti_before_the_number() -> None:
    # "…整改的问题1.关于…" is a heading ending in 问题 followed by issue 1., not a "问题1." label.
    body = (
        TITLE + INTRO + "一、整改工作组织情况镇党委成立领导小组。二、整改落实情况（一）集中整改期内已完成整改的问题"
        "1.关于村级财务公开不及时。整改结果：已完成。整改落实情况：按季度公开。"
        "2.关于河道保洁责任落实不到位。整改结果：已完成。整改落实情况：建立巡查台账。"
        + CLOSING
    )
    assert [(i.label, i.problem) for i in parse_text(body).issues] == [
        ("1.", "村级财务公开不及时"), ("2.", "河道保洁责任落实不到位"),
    ]


def test_one_line_with_a_misprinted_first_part_number() -> None:
    # "1、" where 一、 was meant: the 二、 after it still opens a part of the one-line body.
    body = (
        TITLE + INTRO + "1、组织落实巡察整改情况镇党委召开专题会议。二、反馈问题整改落实情况镇党委逐项整改。"
        "（一）关于基层党建不扎实问题的整改情况（1）针对党员发展计划执行不严的问题，严格执行发展党员工作细则。"
        "一是实行预审制度。二是公示发展对象。（2）针对支部活动记录不全的问题，统一活动记录本。"
        "（二）关于队伍建设不到位问题的整改情况（1）针对干部培训覆盖面不足的问题，制定年度培训计划。"
        "三、下一步工作打算（一）存在的主要问题一是个别问题需要长期坚持。"
        + CLOSING
    )
    lines = normalise(body).text.split("\n")
    assert "二、反馈问题整改落实情况镇党委逐项整改。" in lines and "三、下一步工作打算" in lines
    assert [(i.label, i.problem, len(i.measures)) for i in parse_text(body).issues] == [
        ("（1）", "党员发展计划执行不严", 2), ("（2）", "支部活动记录不全", 1), ("（1）", "干部培训覆盖面不足", 1),
    ]


def test_one_line_info_block_does_not_swallow_the_body() -> None:
    body = (
        "索引号：001/2024-01发布机构：石桥镇效力状态：有效" + TITLE + INTRO + "一、整改工作组织情况镇党委成立领导小组。"
        "二、反馈问题整改情况1.村级财务公开不及时。整改结果：已完成。整改落实情况：按季度公开。"
        "2.河道保洁责任落实不到位。整改结果：已完成。整改落实情况：建立巡查台账。" + CLOSING
    )
    assert [i.label for i in parse_text(body).issues] == ["1.", "2."]


# --------------------------------------------------------------------------- the marker rules


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        # glued to a heading's title, then continued after a status without 。
        ("二、问题整改情况1.台账不全。整改结果:已完成2.制度缺失。整改结果:已完成3.公示不及时。", ["1.", "2.", "3."]),
        # a glued 1. that no 2. follows is not a list
        ("二、问题整改情况1.台账不全。整改结果:已完成。整改情况:补齐台账。", []),
        # numbers inside measures: dates, decimals, percentages, amounts, a list after a colon
        ("整改情况:于6.30日前完成。提升至91.4%。追回2.3万元。整改措施:1.建立台账2.完善制度", []),
        # 问题1: anywhere, but not the end of a heading "…的问题" before "1."
        ("三、整改清单问题1:台账不全。完成情况:已完成。问题2:制度缺失。", ["问题1:", "问题2:"]),
        ("二、整改情况(一)已完成整改的问题1.关于台账不全。整改结果:已完成。2.关于制度缺失。", ["(一)", "1.", "2."]),
        # compound 1.(1): the inner marker counts, (2) continues it
        ("方面。1.(1)台账不全。整改进度:已完成。(2)制度缺失。2.(3)公示不及时。", ["1.", "(1)", "(2)", "2.", "(3)"]),
    ],
)
def test_inline_markers_of_a_run_together_body(text: str, labels: list[str]) -> None:
    got = [m.label for m in numbering.inline_markers(fold(text), loose=True)]
    assert [label for label in got if label not in ("二、", "三、")] == labels


def test_no_break_inside_a_compound_label() -> None:
    body = (
        TITLE + INTRO + "一、整改工作组织情况镇党委成立领导小组。二、整改落实情况（一）基层党建方面"
        "1.(1)党员发展计划执行不严。整改进度：已完成。整改措施：修订细则。"
        "(2)支部活动记录不全。整改进度：已完成。整改措施：统一记录本。" + CLOSING
    )
    lines = normalise(body).text.split("\n")
    assert "1.(1)党员发展计划执行不严。" in lines and "(2)支部活动记录不全。" in lines


# ------------------------------------------------------------------------ the corpus comparison


def check_corpus(*args: str) -> tuple[list[str], dict]:
    """Run scripts/check_corpus.py as a user would: its output lines and its JSON summary."""
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, str(root / "scripts" / "check_corpus.py"), *args], capture_output=True,
                         text=True, cwd=root, env=dict(os.environ, PYTHONPATH=str(root)), timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    return lines[:-1], json.loads(lines[-1])


def test_check_corpus_names_each_mismatch(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("二、整改落实情况\n1.村级财务公开不及时。\n整改结果：已完成\n整改措施：一是公开；二是抽查。",
                                    "utf-8")
    (tmp_path / "y.txt").write_bytes(b"")
    row = {"n_issues": 2, "labels": ["1", "2"], "statuses": ["in_progress", "completed"],
           "status_raw": ["正在推进", "已完成"], "n_measures": [2, 1], "institution": "石桥镇", "type": "township",
           "region": {"province": None, "city": None, "county": None}}
    rows = [{"file": "x.txt", **row}, {"file": "y.txt", **row}]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    lines, totals = check_corpus(str(tmp_path), "-v")
    assert [line.split()[0] for line in lines if not line.startswith(" ")] == ["x.txt", "y.txt"]
    assert lines[0].endswith("1 issues, expected 2")
    assert [line.strip() for line in lines[1:5]] == [
        "issue 1 1.: status completed (raw '已完成'), expected in_progress",
        "issue 1 1.: status_raw '已完成', expected '正在推进'",
        "institution None, expected '石桥镇'",
        "institution_type None, expected 'township'",
    ]
    assert lines[5].endswith(f"not parsed: {tmp_path / 'y.txt'}: empty file (0 bytes)")
    assert totals == {
        "notices": 2, "notices_exact": 0, "issues_expected": 4, "issues_found": 1, "status_correct": 0,
        "measures_correct": 1,
    }
    lines, _ = check_corpus(str(tmp_path), "-v", "--no-meta")
    assert not any("institution" in line for line in lines)


def test_check_corpus_on_the_bundled_samples() -> None:
    lines, totals = check_corpus("indexer/samples", "-v")
    assert lines == []
    assert totals == {
        "notices": 12, "notices_exact": 12, "issues_expected": 125, "issues_found": 125, "status_correct": 125,
        "measures_correct": 125,
    }
    # The same notices run together on one line keep every issue, status and measure count.
    lines, _ = check_corpus("indexer/samples", "-v", "--oneline", "--no-meta")
    assert lines == []
