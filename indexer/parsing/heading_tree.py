"""The heading tree: a notice's lines nested by the numbering they use, closing and signature apart.

Each numbering style met for the first time under a heading opens a level below it, a style
already open closes the levels under it (so numbering that restarts per section, or a part that
switches from （一）/1./（1） to （一）/（1）/1., both nest correctly).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from indexer.parsing.headings import Role
from indexer.parsing.layout import issuer_like
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import (
    LabelKind,
    Marker,
    Style,
    find_labels,
    match_heading_markers,
    match_problem_label,
    match_wrapped_opener,
)
from indexer.parsing.status import normalise_status

_CLOSING = re.compile(
    r"^(?:欢迎.{0,80}监督|(?:联系电话|联系方式|联系人|通讯地址|邮政地址|邮寄地址|电子邮箱|电子信箱|邮箱|"
    r"举报电话|监督电话|来信地址|邮政信箱)\s*[:：(])"
)
# A closing sentence that does not open with 欢迎: "如有意见建议，欢迎…反映。联系电话：…".
_CLOSING_INSIDE = re.compile(r"^(?:如有|如对|若有|广大|诚挚|恳请|真诚|对).{0,60}欢迎.{0,40}(?:监督|反映|来信|来电)")
_ANNEX = re.compile(r"^附件\s*\d*\s*[:：]?")  # attachments end the notice
# A date line, or organisation and date on one line ("中共某县委员会 2024年3月8日").
_DATE_LINE = re.compile(
    r"^(?:[^。,，;；:：]{2,30}?\s*)?\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$|^\d{4}[-./]\d{1,2}[-./]\d{1,2}$"
)
_SIGNATURE_MAX = 40


@dataclass(slots=True, eq=False)
class Line:
    index: int
    start: int  # offset in the text
    text: str  # display
    folded: str


@dataclass(slots=True, eq=False)
class Node:
    line: Line | None
    marker: Marker | None
    style: Style | None
    text_start: int = 0  # where the title starts in the line
    label_start: int | None = None  # where the printed label starts, when before the marker ("1.(1)")
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    body: list[Line] = field(default_factory=list)
    role: Role = Role.PLAIN
    title_lines: int = 1  # lines stating the heading: an unnumbered problem may take several

    @property
    def label(self) -> str:
        if not self.line or not self.marker:
            return ""
        start = self.marker.start if self.label_start is None else self.label_start
        return self.line.text[start : self.marker.end].strip()

    @property
    def title(self) -> str:
        return self.line.text[self.text_start :].strip() if self.line else ""

    @property
    def title_folded(self) -> str:
        return self.line.folded[self.text_start :].strip() if self.line else ""

    @property
    def depth(self) -> int:
        depth, node = 0, self.parent
        while node is not None:
            depth, node = depth + 1, node.parent
        return depth

    def walk(self) -> Iterator[Node]:
        for child in self.children:
            yield child
            yield from child.walk()

    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None and node.line is not None:
            out.append(node)
            node = node.parent
        return out[::-1]


def split_lines(text: str) -> list[Line]:
    out, offset = [], 0
    folded = fold(text)
    for index, line in enumerate(text.split("\n")):
        out.append(Line(index, offset, line, folded[offset : offset + len(line)]))
        offset += len(line) + 1
    return out


def _signature_start(lines: list[Line]) -> int:
    """Index of the trailing signature (organisation line and/or date), else len(lines)."""
    start = len(lines)
    filled = [line for line in lines if line.folded.strip()]
    for line in reversed(filled[-3:]):
        text = line.folded.strip()
        if _DATE_LINE.match(text):
            start = line.index
            continue
        # Below a date, any short line without sentence punctuation; the last line itself, an
        # organisation's name (a signature printed without its date).
        if (
            (start < len(lines) or (line is filled[-1] and issuer_like(text)))
            and len(text) <= _SIGNATURE_MAX
            and not re.search(r"[。,，;；:：]", text)
            and not text.startswith(("(", "["))  # "（长期坚持）" closing the last issue
            and not match_heading_markers(text)
            and not find_labels(text)  # "【整改情况】正在推进" has no colon but is no signature
            and not status_line(text)  # "正在推进" alone below its label closes the last issue
        ):
            start = line.index
            continue
        break
    return start


@dataclass(slots=True)
class Tree:
    root: Node
    tail: list[Line]  # closing paragraphs, contacts, signature
    warnings: list[str]


class Unnumbered(StrEnum):
    """Which unnumbered lines open a problem too, numbered by their place."""

    NONE = "none"
    LABELS = "labels"  # a line opened by a problem label: "反馈问题：…" (a list that numbers no problem)
    OPENERS = "openers"  # a paragraph opened by its problem: "针对“…”的问题，…"
    LEADS = "leads"  # the line before each block's first label: "社区矫正监管不到位。" / "整改措施：…"


def annex_line(line: Line) -> bool:
    """Whether the line opens the notice's attachments ("附件：…", "附件2"), which end the notice."""
    return _ANNEX.match(line.folded.strip()) is not None


def build_tree(lines: list[Line], unnumbered: Unnumbered = Unnumbered.NONE) -> Tree:
    """The heading tree of the lines; with ``unnumbered``, lines of that kind are headings too
    (see :class:`Unnumbered`)."""
    root = Node(line=None, marker=None, style=None)
    stack: list[Node] = [root]
    tail: list[Line] = []
    warnings: list[str] = []
    signature = _signature_start(lines)
    closed = annexed = False
    problems = 0  # unnumbered problems met
    leads = lead_lines(lines[:signature]) if unnumbered is Unnumbered.LEADS else {}
    for line in lines:
        if line.index >= signature:
            tail.append(line)
            continue
        stripped = line.folded.strip()
        if not stripped:
            continue
        annexed = annexed or annex_line(line)
        if annexed or _CLOSING.match(stripped) or _CLOSING_INSIDE.match(stripped):
            closed = True
            tail.append(line)
            continue
        markers = match_heading_markers(line.folded)
        if not markers and unnumbered is not Unnumbered.NONE:
            if unnumbered is Unnumbered.LEADS:
                start = len(line.folded) - len(line.folded.lstrip())
                found = Marker(Style.PROBLEM, problems + 1, "", start, start) if line.index in leads else None
            else:
                match = match_problem_label if unnumbered is Unnumbered.LABELS else match_wrapped_opener
                found = match(line.folded, problems + 1)
            problems += found is not None
            markers = [found] if found else []
        if not markers:
            (tail if closed else stack[-1].body).append(line)
            continue
        closed = False
        for marker in markers:
            if marker.style is Style.CN:
                _fix_irregular_top_heading(root, stack, marker, warnings)
            # In a compound "1.(1)…" the text belongs to the inner marker, whose printed label
            # is the whole "1.(1)"; the outer marker opens a group without a title.
            inner = marker is markers[-1]
            node = Node(
                line=line,
                marker=marker,
                style=marker.style,
                text_start=markers[-1].end if inner else len(line.text),
                label_start=markers[0].start if inner and len(markers) > 1 else None,
                title_lines=leads.get(line.index, 1),
            )
            _place(stack, node)
    return Tree(root, tail, warnings)


_LEAD_MAX = 200  # characters of a problem stated before its labels
_BLOCK_LABELS = (LabelKind.MEASURES, LabelKind.STATUS)


def lead_lines(lines: list[Line]) -> dict[int, int]:
    """Problems stated without a number, as {first line: lines stated over}: each ends right
    before a line that opens with the label every issue block opens with (the notice's first
    measures or status label), itself without a label. A line before any other label continues
    the block above it.

    When the blocks open with their measures, the status closes each block: every line between
    the status before and the next block is the problem (stated over several lines), and so are
    those between a heading and the first block (an introduction ending with a colon excepted).
    When they open with their status, a line after the measures may end them or open the next
    problem: only the first problem takes all the lines between its heading and its block."""
    opening = [(line, labels[0]) for line in lines if (labels := find_labels(line.folded.strip()))
               and labels[0].start == 0 and labels[0].kind in _BLOCK_LABELS]
    if len(opening) < 2:
        return {}
    first = opening[0][1].kind
    filled = [line for line in lines if line.folded.strip()]
    starts = {line.index for line, label in opening if label.kind is first}
    out = {}
    for at, line in enumerate(filled[:-1]):
        if filled[at + 1].index in starts and _stated(line):
            # With the status first, only the first problem is known to start below a heading.
            top = _problem_top(filled, at) if first is LabelKind.MEASURES or not out else at
            out[filled[top].index] = at - top + 1
    return out


def _stated(line: Line) -> bool:
    text = line.folded.strip()
    return len(text) <= _LEAD_MAX and not find_labels(text) and not match_heading_markers(text)


def _problem_top(filled: list[Line], at: int) -> int:
    """The first line of the problem whose last line is ``filled[at]``: back over unlabelled
    lines to the status closing the block before, or to a heading; else the line itself."""
    top = at
    total = len(filled[at].folded.strip())
    while top > 0 and _stated(filled[top - 1]) and not status_line(filled[top - 1].folded.strip()):
        text = filled[top - 1].folded.strip()
        total += len(text)
        if total > _LEAD_MAX or text.endswith(":"):
            return at
        top -= 1
    if top == 0 or top == at:
        return at
    above = filled[top - 1].folded.strip()
    labels = find_labels(above)
    closed = (bool(labels) and labels[0].start == 0 and labels[-1].kind is LabelKind.STATUS) or status_line(above)
    return top if closed or match_heading_markers(above) else at


_STATUS_VALUE_MAX = 12


def status_line(text: str) -> bool:
    """A status printed on its own line below its label ("已完成。")."""
    return len(text) <= _STATUS_VALUE_MAX and normalise_status(text) is not None


def _place(stack: list[Node], node: Node) -> None:
    """Push ``node`` under the open heading it belongs to: a style already open closes the
    levels below it and becomes their sibling; a new style opens a level."""
    for depth in range(1, len(stack)):
        if stack[depth].style is node.style:
            del stack[depth:]
            break
    node.parent = stack[-1]
    stack[-1].children.append(node)
    stack.append(node)


def _fix_irregular_top_heading(root: Node, stack: list[Node], marker: Marker, warnings: list[str]) -> None:
    """"1、组织落实情况" … "二、…": a "1、" where "一、" was meant is re-read as a top-level part.

    The stray is the part just before: the first root heading (no 一、 printed at all), or the
    last heading under the previous part when that part is numbered two below."""
    want = marker.number - 1
    if want < 1 or not root.children:
        return
    last = root.children[-1]
    stray: Node | None = None
    if len(root.children) == 1 and last.style is not Style.CN:
        stray = last
    elif last.style is Style.CN and last.marker and last.marker.number == want - 1 and last.children:
        stray = last.children[-1]
    # Only an Arabic "2、"/"2." is taken for a mistyped 二、; a (二) under 一、 is a real sub-part.
    if stray is None or stray.marker is None or stray.marker.number != want or stray.style is not Style.AR:
        return
    warnings.append(f"heading '{stray.label}' read as the top-level part '{_CN_NAMES[want]}、'")
    if stray.parent is not root:
        assert stray.parent is not None
        stray.parent.children.remove(stray)
        stray.parent = root
        root.children.append(stray)
    stray.style = Style.CN
    del stack[1:]


_CN_NAMES = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
