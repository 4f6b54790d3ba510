"""Tables → lines: rows of cell texts (docx or HTML) read like a printed notice.

With a header row ``序号 | 问题 | 整改措施 | 完成情况``, the row ``1 | 党费收缴不规范 | 一是… |
已完成`` becomes ``1.党费收缴不规范`` / ``整改措施：一是…`` / ``完成情况：已完成`` (each column
labelled with its own printed header); a row merged across the table is a heading line; a table
that prints one issue as a column of field names (``问题1 | …`` / ``整改措施 | …``) gives one
``field：value`` line per row; a table without a recognisable header gives one line per cell.

A table is a list: each row is numbered, by its 序号 cell or, when the table prints none, by its
place in the table (``1.``, ``2.`` …: the row is an issue whether or not it prints a number). A
问题类别/方面 column (often merged down its rows) gives a section heading each time its value
changes, numbered ``（一）``, ``（二）`` … unless it prints its own number.

A status may be printed as a tick in one of several status columns (``已完成 | 正在推进 | 长期坚持``,
often under a group title such as ``整改进展`` spanning them in a second header row): the
ticked column's title is the status. A yes/no column (``是否整改到位 | 否``) gives ``未整改到位`` (``是``: ``已整改到位``).
"""

from __future__ import annotations

import re

from indexer.parsing.normalise import fold
from indexer.parsing.numbering import find_labels, match_heading
from indexer.parsing.numerals import cn_numeral
from indexer.parsing.status import TICKS, normalise_status

_SEQ_HEADER = re.compile(r"^(序号|序|编号|No\.?)$", re.I)
_PROBLEM_HEADER = re.compile(r"问题")
_SECTION_HEADER = re.compile(r"^(?:问题|反馈问题)?(?:类别|类型|分类|方面|领域|板块)$")
_ROLE_HEADER = re.compile(r"问题|措施|情况|进展|结果|时限|责任|状态|备注|举措|表现|成效|目标")
_DIGITS = re.compile(r"^\d+[.、．]?$")
_CN_NUMERAL = re.compile(r"^[一二三四五六七八九十]+[、.．]?$")
_SPACES = re.compile(r"\s+")


def column_title(text: str) -> bool:
    """Whether a text reads as a column title (序号, 问题, 整改措施, 完成情況 …)."""
    label = _SPACES.sub("", fold(text))
    return bool(_ROLE_HEADER.search(label) or _SEQ_HEADER.match(label))


def header_roles(row: list[str]) -> dict[str, int] | None:
    """Column roles when ``row`` is a header row (short cells, known labels), else None."""
    # A traditional copy's 問題 is a 问题 column; "整改完成情况（已完成/正在推进）" a 整改完成情况 one.
    labels = [_BRACKETED.sub("", _SPACES.sub("", fold(c))) for c in row]
    if len(labels) < 2 or any(len(label) > _TITLE_MAX for label in labels):
        return None
    if sum(1 for label in labels if _ROLE_HEADER.search(label)) < 1:
        return None
    roles: dict[str, int] = {}
    for i, label in enumerate(labels):
        if _SEQ_HEADER.match(label) and "seq" not in roles:
            roles["seq"] = i
        elif _SECTION_HEADER.match(label) and "section" not in roles:
            roles["section"] = i
        elif _PROBLEM_HEADER.search(label) and not re.search("措施|情况|结果", label) and "problem" not in roles:
            roles["problem"] = i
    return roles


_BRACKETED = re.compile(r"[(（][^()（）]*[)）]")
_TITLE_MAX = 16  # characters of a column title, its bracketed note left out


def _column_label(title: str) -> str:
    """The label a column's cells are printed under: its title without a bracketed note, cut to
    the field label it opens with ("整改措施及责任单位、责任人" → 整改措施, "整改时限（完成时间）" → 整改时限).

    >>> _column_label("整改措施及责任单位、责任人"), _column_label("整改完成情况（已完成/正在推进）"), _column_label("备注")
    ('整改措施', '整改完成情况', '备注')
    """
    label = _BRACKETED.sub("", title).strip()  # printed characters kept; matched on the fold
    folded = fold(label)
    if not label or any(found.end == len(label) + 1 for found in find_labels(folded + ":")):
        return label or title
    for end in range(len(label) - 1, 1, -1):
        if any(found.start == 0 and found.end == end + 1 for found in find_labels(folded[:end] + ":")):
            return label[:end]
    return label


def _numbered(seq: str, first: str) -> str:
    seq = seq.strip()
    if _DIGITS.match(seq):
        return f"{seq.rstrip('.、．')}.{first}"
    if _CN_NUMERAL.match(seq):
        return f"{seq.rstrip('.、．')}、{first}"
    return f"{seq}{first}"


def table_lines(rows: list[list[str]]) -> list[str]:
    """Lines for a table given as rows of cell texts (see the module docstring).

    >>> table_lines([["序号", "问题", "整改措施", "完成情况"],
    ...              ["一、班子建设方面", "", "", ""],
    ...              ["1", "学习不深入", "一是…\\n二是…", "已完成"]])
    ['一、班子建设方面', '1.学习不深入', '整改措施：一是…', '二是…', '完成情况：已完成']
    >>> table_lines([["问题类别", "存在问题", "整改情况"], ["党建方面", "台账不全", "已完成"],
    ...              ["党建方面", "制度缺失", "已完成"]])
    ['（一）党建方面', '1.台账不全', '整改情况：已完成', '2.制度缺失', '整改情况：已完成']
    """
    pairs = _key_value_rows(rows)
    if pairs is not None:
        return [line for key, value in pairs for line in f"{key}：{value}".split("\n")]
    header_at, roles = None, None
    for i, row in enumerate(rows[:3]):
        roles = header_roles(row)
        if roles is not None:
            header_at = i
            break
    lines: list[str] = []
    if header_at is None or roles is None:
        for row in rows:
            lines.extend(line for cell in row for line in cell.split("\n") if line.strip())
        return lines
    header_rows = [[_SPACES.sub("", c) for c in rows[header_at]]]
    if header_at + 1 < len(rows) and _sub_header(rows[header_at], rows[header_at + 1]):
        header_rows.append([_SPACES.sub("", c) for c in rows[header_at + 1]])
    header = _merged_header(header_rows)
    body = rows[header_at + len(header_rows) :]
    ticks = _tick_columns(header_rows, body)
    lines.extend(line for row in rows[:header_at] for cell in row for line in cell.split("\n") if line)
    section_at = roles.get("section")
    section, sections, count = "", 0, 0
    for row in _coalesced(body, header, roles):
        filled = [c for c in row if c]
        if not filled or [_SPACES.sub("", c) for c in row] in header_rows:
            continue
        if len(filled) == 1 and not (_DIGITS.match(filled[0]) or _CN_NUMERAL.match(filled[0])):
            lines.extend(filled[0].split("\n"))  # one text across the row: a heading
            continue
        value = row[section_at].strip() if section_at is not None and section_at < len(row) else ""
        if value and value != section:
            section, sections = value, sections + 1
            first, *rest = value.split("\n")
            lines.extend([first if match_heading(fold(first)) else f"（{cn_numeral(sections)}）{first}", *rest])
        count += 1
        lines.extend(_row_lines(row, header, roles, count, ticks))
    return lines


def _coalesced(body: list[list[str]], header: list[str], roles: dict[str, int]) -> list[list[str]]:
    """One row per problem: a problem merged down several rows, one measure in each beside it
    (the merged cell repeated in each row, as docx and HTML give it, or left empty), is one row
    whose other cells are joined — measures a line each, duties by 、, statuses by ；(one still
    in progress makes the problem so).

    >>> _coalesced([["1", "台账不全", "补建台账", "王某", "已完成"], ["1", "台账不全", "定期核对", "李某", "推进中"]],
    ...            ["序号", "问题", "整改措施", "责任人", "完成情况"], {"seq": 0, "problem": 1})
    [['1', '台账不全', '补建台账\\n定期核对', '王某、李某', '已完成；推进中']]
    """
    if roles.get("problem") is None:
        return body
    keys = [at for at in (roles.get("seq"), roles.get("problem")) if at is not None]
    out: list[list[str]] = []
    for row in body:
        key = [row[at].strip() if at < len(row) else "" for at in keys]
        previous = out[-1] if out else None
        above = [previous[at].strip() for at in keys] if previous is not None and len(previous) == len(row) else []
        if previous is None or not any(above) or (key != above and any(key)):
            out.append(list(row))
            continue
        for i, cell in enumerate(row):
            join = _JOINS[column_kind(header, i)]
            if i not in keys and cell.strip() and cell.strip() not in previous[i].split(join):
                previous[i] = f"{previous[i]}{join}{cell}" if previous[i].strip() else cell
    return out


_JOINS = {"measures": "\n", "duty": "、", "status": "；"}


def column_kind(header: list[str], i: int) -> str:
    """How a column's cells join: as duties (责任人, 时限), statuses (完成情况) or measure lines."""
    label = fold(header[i]) if i < len(header) else ""
    if normalise_status(label) is None and re.search("责任|牵头|时限|期限|时间|领导|单位|部门", label):
        return "duty"
    return "status" if re.search("情况|进展|状态|结果|进度", label) and not re.search("措施|举措", label) else "measures"


# A status column group: "整改进展" over "已完成 | 正在推进 | 长期坚持", one tick per row.
# A yes/no column: "是否完成" / "是否整改到位" with 是 or 否 in each row.
_YES_NO_HEADER = re.compile(r"^是否(?:已经?)?((?:整改)?(?:完成|办结|销号|整改到位|到位)(?:整改)?)$")
_YES, _YES_NO = frozenset("是已√"), frozenset("是否已未√×")
_TICK_LABEL = "完成情况"  # the label a tick column gives its status when no group title is printed


def _sub_header(upper: list[str], row: list[str]) -> bool:
    """Whether ``row`` is the second row of the header ``upper`` opens: each cell repeats the
    one above (merged down both rows) or is a column label or a status ("已完成"), and at least
    one is new."""
    labels = [_SPACES.sub("", fold(c)) for c in row]
    above = [_SPACES.sub("", fold(c)) for c in upper]
    new = [label for i, label in enumerate(labels) if label and (i >= len(above) or label != above[i])]
    return bool(new) and all(
        len(label) <= 12 and (normalise_status(label) or _ROLE_HEADER.search(label) or _SEQ_HEADER.match(label))
        for label in new
    )


def _merged_header(header_rows: list[list[str]]) -> list[str]:
    """One label per column: the lower header row's where it prints one, else the upper's (a
    cell merged down both rows repeats its text, a group title spans its columns)."""
    if len(header_rows) == 1:
        return header_rows[0]
    upper, lower = header_rows
    return [low or (upper[i] if i < len(upper) else "") for i, low in enumerate(lower)]


def _tick_columns(header_rows: list[list[str]], body: list[list[str]]) -> dict[int, str]:
    """Columns headed by a status whose cells are all ticks or empty, each with the label its
    status is printed under: the group title above them ("整改进展", spanning its columns), else
    完成情况.

    >>> _tick_columns([["问题", "已完成", "推进中"]], [["台账不全", "√", ""], ["制度缺失", "", "√"]])
    {1: '完成情况', 2: '完成情况'}
    """
    header = _merged_header(header_rows)
    ticks: dict[int, str] = {}
    for i, label in enumerate(header):
        cells = [row[i].strip() for row in body if i < len(row)]
        if normalise_status(label) is None or not any(c in TICKS for c in cells):
            continue
        if all(c in TICKS or not c for c in cells):
            upper = header_rows[0][: i + 1] if len(header_rows) > 1 else []
            group = next((title for title in reversed(upper) if title), "")
            ticks[i] = group if group and normalise_status(group) is None else _TICK_LABEL
    return ticks


_KEY_MAX = 8  # a field name in the first column ("整改措施", "问题1")
_KEY_SHARE = 0.8


def _key_value_rows(rows: list[list[str]]) -> list[tuple[str, str]] | None:
    """The (field, value) rows of a table that prints one issue as a column of field names
    ("问题1 | …", "整改措施 | …", "整改情况 | 已完成"), else None.

    >>> _key_value_rows([["问题一", "台账不全"], ["整改措施", "补建台账"], ["整改情况", "已完成"]])
    [('问题一', '台账不全'), ('整改措施', '补建台账'), ('整改情况', '已完成')]
    """
    pairs = []
    for row in rows:
        filled = [c.strip() for c in row if c.strip()]
        if len(filled) == 2:
            pairs.append((_SPACES.sub("", filled[0]), filled[1]))
    keys = [key for key, _ in pairs if len(key) <= _KEY_MAX and _ROLE_HEADER.search(fold(key))]
    problem = any(_PROBLEM_HEADER.search(fold(key)) and not re.search("措施|情况|结果", fold(key)) for key in keys)
    if len(keys) < 2 or len(keys) < _KEY_SHARE * len(rows) or not problem:
        return None
    return pairs


def _row_lines(row: list[str], header: list[str], roles: dict[str, int], count: int,
               ticks: dict[int, str]) -> list[str]:
    """The lines of one row; ``count`` numbers it when it has no 序号 cell and its problem no
    number; of the ``ticks`` columns, the ticked one gives the status."""
    seq_at, problem_at, section_at = roles.get("seq"), roles.get("problem"), roles.get("section")
    if problem_at is None:
        problem_at = next((i for i, c in enumerate(row) if i not in (seq_at, section_at) and c), None)
    lines: list[str] = []
    if problem_at is not None and problem_at < len(row) and row[problem_at]:
        first, *rest = row[problem_at].split("\n")
        seq = row[seq_at] if seq_at is not None and seq_at < len(row) else ""
        if not seq and match_heading(fold(first)) is None:
            seq = str(count)
        lines.append(_numbered(seq, first))
        lines.extend(rest)
    for i, cell in enumerate(row):
        if i in (seq_at, problem_at, section_at) or not cell:
            continue
        if i in ticks:  # the ticked column names the status
            lines.append(f"{ticks[i]}：{header[i]}")
            continue
        asked = _YES_NO_HEADER.match(fold(header[i])) if i < len(header) else None
        if asked and cell.strip() in _YES_NO:  # 是否完成 | 否 → 完成情况：未完成
            lines.append(f"{_TICK_LABEL}：{'已' if cell.strip() in _YES else '未'}{asked.group(1)}")
            continue
        label = _column_label(header[i]) if i < len(header) and header[i] else None
        first, *rest = cell.split("\n")
        lines.append(f"{label}：{first}" if label else first)
        lines.extend(rest)
    return lines
