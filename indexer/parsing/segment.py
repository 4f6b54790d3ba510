"""Segmentation: normalised text → issues (problem, status, measures) and warnings.

The heading hierarchy is inferred from the numbering the notice actually uses: each numbering
style met for the first time under a heading opens a level below it, a style already open
closes the levels under it (so numbering that restarts per section, or a part that switches
from （一）/1./（1） to （一）/（1）/1., both nest correctly). Then:

1. top-level parts are classified by their titles — the rectification list (整改落实情况),
   parts that are not (整改工作组织情况/基本情况, 下一步打算, 存在的主要问题 …) and the 方面
   sections themselves;
2. inside the rectification list, the issue level is the numbering style whose items carry
   整改结果:/整改情况: labels — or, in a notice without labels, the deepest style whose
   headings read as problems (关于/针对…问题, 不到位, 短板 …);
3. each issue's block (heading line, body, sub-items) gives the problem, the status and the
   measures; the levels above it give the section (方面) and group (大项).

    >>> result = segment("二、整改落实情况\\n（一）党建工作方面\\n1.关于理论学习不深入的问题\\n"
    ...                  "整改结果：已完成。\\n整改情况：一是修订学习制度；二是开展专题研讨。")
    >>> issue = result.issues[0]
    >>> issue.problem, issue.section, issue.status, issue.measures
    ('理论学习不深入', '党建工作方面', <Status.COMPLETED: 'completed'>, ['修订学习制度', '开展专题研讨。'])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from indexer.parsing.measures import split_measures
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import LabelKind, Marker, Style, find_labels, match_heading_markers
from indexer.parsing.status import Status, normalise_status
from indexer.types import Issue


@dataclass(slots=True)
class Segmentation:
    issues: list[Issue] = field(default_factory=list)
    sections_found: int = 0
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Vocabulary of part titles and of problems. Chinese patterns, matched on folded text.


class Role(StrEnum):
    """What a heading's title says its part is."""

    PLAIN = "plain"  # a 方面, a group, an issue — anything not named below
    CONTAINER = "container"  # the list of rectified problems: 整改落实情况, 反馈问题整改情况
    SOFT = "soft"  # organisation/background: 整改工作组织情况, 基本情况 (may hold the list)
    HARD = "hard"  # never issues: 下一步打算, 存在的主要问题, 工作计划


# Next steps, self-criticism, plans: nothing under these is an inspection issue. The second
# pattern is weaker: it does not apply to a title that opens like a problem (关于/针对…).
_HARD = re.compile(
    r"^(?:下一步|下步|下一阶段|下阶段|今后|存在的(?:主要)?问题|存在问题|主要问题和不足|不足之处|几点体会)"
)
_HARD_WEAK = re.compile(
    r"^.{0,8}下一步|(?:打算|工作计划|计划安排|工作思路|努力方向)$|存在的(?:主要)?问题$"
    r"|^(?:持续|进一步)?巩固.{0,8}整改成[果效]|长效机制$"
)
# Background and organisation of the rectification work. Matched on the first words of a
# title, so a run-in heading ("整改工作组织情况中心党委成立…") is still recognised.
_SOFT = re.compile(
    r"^.{0,12}?(?:基本情况|总体情况|组织情况|工作开展情况|工作推进情况|整改工作情况|主要做法|工作措施|主要成效|"
    r"整改成效|取得的成效|工作成效|概况)|^(?:加强|强化)?组织(?:领导|落实)"
    # Background headings open with a pledge, never with a problem: 提高政治站位, 压实责任 …
    r"|^(?:提高政治站位|压实|强化|加强|扎实|切实|高度重视|坚持|聚焦|统筹|精心|细化|注重|健全)"
)
# The rectification list itself: generic words that end in 情况 (or name the list).
_CONTAINER = re.compile(
    r"^(?:巡察|巡视)?(?:反馈|发现)?(?:意见|问题)?(?:的)?(?:具体)?整改(?:落实|进展|完成)?(?:情况)?$"
    r"|^.{0,16}?(?:反馈|巡察|巡视|指出|发现).{0,14}?(?:整改|落实)(?:落实|进展|完成)?情况"
    r"|逐项(?:整改|落实)|^.{0,10}?问题整改(?:落实)?情况|^整改(?:落实|进展)情况"
    r"|^.{0,16}?(?:整改|问题)(?:清单|台账)$"
)
_CLASSIFY_SPAN = 30  # how much of a title its role is read from
_WRAPPER = re.compile(r"^(?:针对|关于|对于)+\s*")
_PROBLEM_WORDS = re.compile(
    r"问题|不够|不足|不到位|不力|不严|不实|不规范|不深入|不高|不强|不全|不明|不畅|不准|不细|不彻底|"
    r"不及时|不健全|不完善|不扎实|不紧密|不平衡|不充分|不清|不好|不牢|不当|不精准|不佳|不重视|"
    r"未|没有|缺失|缺位|缺乏|欠缺|薄弱|短板|差距|偏差|滞后|弱化|混乱|漏洞|风险|流于形式|有待|"
    r"突出|较大|宽松|虚化|淡化|淡漠|缓慢|多发|失职|违规|违反|乱"
)
_MEASURE_START = re.compile(
    r"^(?:加强|强化|建立|健全|完善|制定|修订|落实|开展|推进|深化|坚持|提升|严格|规范|组织|持续|压实|优化|"
    r"召开|印发|出台|成立|实行|实施|做好|抓好|狠抓|聚焦|着力|全面|进一步|切实|认真|积极|及时|定期|扎实|"
    r"提高|增强|明确|细化|构建|推动|统筹|毫不松懈|不断)"
)
_STATUS_GROUP = re.compile(
    r"(?:已完成|已整改|完成整改|整改完成|基本完成|阶段性|正在|推进中|未完成|尚未|长期|持续|立行立改|即知即改)"
)
_GROUP_END = re.compile(r"(?:问题|事项|任务|类)\s*(?:\(\d+\s*[个项条]\))?$")
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
_TRANSITION = re.compile(r"^(?:下一步|下步|今后|下阶段|下一阶段|我们将|总体来看|总之)")
_TRANSITION_TOPIC = re.compile(r"巡察整改|整改成果|整改成效|为契机|全面从严治党")
_TRAILING_BRACKET = re.compile(r"[(\[]([^()\[\]]{2,60})[)\]]$")
_RESPONSIBILITY = re.compile(r"责任|牵头|时限|分管|完成时间")
_SENTENCE_END = "。"


def classify_title(title: str) -> Role:
    """The role of a part from its title (folded, without its number).

    >>> [classify_title(t) for t in ("整改工作组织情况", "反馈问题整改落实情况", "今后整改工作打算", "党建工作方面")]
    [<Role.SOFT: 'soft'>, <Role.CONTAINER: 'container'>, <Role.HARD: 'hard'>, <Role.PLAIN: 'plain'>]
    """
    head = title.split(_SENTENCE_END, 1)[0].strip()
    if _HARD.search(head) or (_HARD_WEAK.search(head) and not _WRAPPER.match(head)):
        return Role.HARD
    head = head[:_CLASSIFY_SPAN]
    # "关于…不到位问题的整改情况" is a 方面, not the list; neither is a problem that happens to
    # say 组织 or 整改情况. (The list's own 反馈问题/巡察问题 is not a problem word.)
    if _PROBLEM_WORDS.search(re.sub("(?:反馈|巡察|发现)?问题", "", _WRAPPER.sub("", head))):
        return Role.PLAIN
    if _SOFT.search(head):
        return Role.SOFT
    if _CONTAINER.search(head):
        return Role.CONTAINER
    return Role.PLAIN


def problem_like(title: str) -> bool:
    """Whether a heading reads as a problem rather than as a measure.

    >>> problem_like("针对学习贯彻不深入的问题"), problem_like("建立健全内控制度。")
    (True, False)
    """
    head = title.split(_SENTENCE_END, 1)[0]
    score = 0
    if _WRAPPER.match(head):
        score += 1
    if _PROBLEM_WORDS.search(head):
        score += 1
    elif _MEASURE_START.match(head):
        score -= 2
    return score > 0


def heading_status(title: str) -> Status | None:
    """A status printed by a grouping heading ("已完成整改的问题", "长期整改的问题"), else None.

    >>> heading_status("集中整改期间已整改完成的问题"), heading_status("需长期坚持的问题")
    (<Status.COMPLETED: 'completed'>, <Status.LONG_TERM: 'long_term'>)
    """
    head = title.split(_SENTENCE_END, 1)[0].strip()
    if not (_STATUS_GROUP.search(head) and _GROUP_END.search(head)):
        return None
    status = normalise_status(head)
    if status is None and "长期" in head:
        return Status.LONG_TERM
    return status


# ---------------------------------------------------------------------------------------------
# Lines and the heading tree


@dataclass(slots=True, eq=False)
class _Line:
    index: int
    start: int  # offset in the text
    text: str  # display
    folded: str


@dataclass(slots=True, eq=False)
class _Node:
    line: _Line | None
    marker: Marker | None
    style: Style | None
    text_start: int = 0  # where the title starts in the line
    label_start: int | None = None  # where the printed label starts, when before the marker ("1.(1)")
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    body: list[_Line] = field(default_factory=list)
    role: Role = Role.PLAIN

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

    def walk(self) -> Iterator[_Node]:
        for child in self.children:
            yield child
            yield from child.walk()

    def ancestors(self) -> list[_Node]:
        out, node = [], self.parent
        while node is not None and node.line is not None:
            out.append(node)
            node = node.parent
        return out[::-1]


def _lines(text: str) -> list[_Line]:
    out, offset = [], 0
    folded = fold(text)
    for index, line in enumerate(text.split("\n")):
        out.append(_Line(index, offset, line, folded[offset : offset + len(line)]))
        offset += len(line) + 1
    return out


def _signature_start(lines: list[_Line]) -> int:
    """Index of the trailing signature (organisation line and/or date), else len(lines)."""
    start = len(lines)
    filled = [line for line in lines if line.folded.strip()]
    for line in reversed(filled[-3:]):
        text = line.folded.strip()
        if _DATE_LINE.match(text):
            start = line.index
            continue
        if (
            start < len(lines)
            and len(text) <= _SIGNATURE_MAX
            and not re.search(r"[。,，;；:：]", text)
            and not match_heading_markers(text)
        ):
            start = line.index
            continue
        break
    return start


@dataclass(slots=True)
class _Tree:
    root: _Node
    tail: list[_Line]  # closing paragraphs, contacts, signature
    warnings: list[str]


def _build_tree(lines: list[_Line]) -> _Tree:
    root = _Node(line=None, marker=None, style=None)
    stack: list[_Node] = [root]
    tail: list[_Line] = []
    warnings: list[str] = []
    signature = _signature_start(lines)
    closed = annexed = False
    for line in lines:
        if line.index >= signature:
            tail.append(line)
            continue
        stripped = line.folded.strip()
        if not stripped:
            continue
        annexed = annexed or _ANNEX.match(stripped) is not None
        if annexed or _CLOSING.match(stripped) or _CLOSING_INSIDE.match(stripped):
            closed = True
            tail.append(line)
            continue
        markers = match_heading_markers(line.folded)
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
            node = _Node(
                line=line,
                marker=marker,
                style=marker.style,
                text_start=markers[-1].end if inner else len(line.text),
                label_start=markers[0].start if inner and len(markers) > 1 else None,
            )
            _place(stack, node)
    return _Tree(root, tail, warnings)


def _place(stack: list[_Node], node: _Node) -> None:
    """Push ``node`` under the open heading it belongs to: a style already open closes the
    levels below it and becomes their sibling; a new style opens a level."""
    for depth in range(1, len(stack)):
        if stack[depth].style is node.style:
            del stack[depth:]
            break
    node.parent = stack[-1]
    stack[-1].children.append(node)
    stack.append(node)


def _fix_irregular_top_heading(root: _Node, stack: list[_Node], marker: Marker, warnings: list[str]) -> None:
    """"1、组织落实情况" … "二、…": a "1、" where "一、" was meant is re-read as a top-level part.

    The stray is the part just before: the first root heading (no 一、 printed at all), or the
    last heading under the previous part when that part is numbered two below."""
    want = marker.number - 1
    if want < 1 or not root.children:
        return
    last = root.children[-1]
    stray: _Node | None = None
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


# ---------------------------------------------------------------------------------------------
# Which nodes can be issues


def _has_labels(node: _Node) -> bool:
    lines = node.body
    if any(label.kind is not LabelKind.DETAIL for line in lines for label in find_labels(line.folded.strip())):
        return True
    return any(label.kind is not LabelKind.DETAIL for label in find_labels(node.title_folded))


def _subtree_has_labels(node: _Node) -> bool:
    return _has_labels(node) or any(_has_labels(child) for child in node.walk())


def _assign_roles(root: _Node) -> None:
    for node in root.walk():
        node.role = classify_title(node.title_folded)


def _regions(root: _Node, warnings: list[str]) -> list[_Node]:
    """Nodes that may be issues or their sections: everything under the rectification list."""
    parts = root.children
    has_container = any(part.role is Role.CONTAINER for part in parts) or any(
        child.role is Role.CONTAINER for part in parts if part.role is Role.SOFT for child in part.children
    )
    out: list[_Node] = []
    for part in parts:
        if part.role is Role.HARD:
            continue
        if part.role is Role.SOFT:
            for child in part.children:
                if child.role is Role.CONTAINER or (child.role is Role.PLAIN and _subtree_has_labels(child)):
                    out.extend(_inside(child, include_self=child.role is Role.PLAIN))
            continue
        # Beside the rectification list, an unnamed part is background — unless its items carry
        # 整改结果/整改情况 labels (a list continued under a mistyped heading).
        if part.role is Role.PLAIN and has_container and not _subtree_has_labels(part):
            if part.children:
                warnings.append(f"part '{part.label}{part.title[:30]}' could not be classified; skipped")
            continue
        out.extend(_inside(part, include_self=part.role is Role.PLAIN))
    return out


def _inside(node: _Node, include_self: bool) -> list[_Node]:
    """The node (when it may be an issue or section) and its descendants, minus HARD subtrees."""
    out = [node] if include_self else []
    for child in node.children:
        if child.role is Role.HARD:
            continue
        out.extend(_inside(child, include_self=child.role is not Role.SOFT and child.role is not Role.CONTAINER))
    return out


_MAJORITY = 0.5


def _issue_style(candidates: list[_Node]) -> tuple[Style | None, bool]:
    """The numbering style of the issues, and whether it was chosen from 整改结果/整改情况 labels."""
    styles: dict[Style, list[_Node]] = {}
    for node in candidates:
        assert node.style is not None
        styles.setdefault(node.style, []).append(node)
    if not styles:
        return None, False
    labelled = {style: sum(_has_labels(n) for n in nodes) for style, nodes in styles.items()}
    best = max(styles, key=lambda s: (labelled[s], len(styles[s])))
    if labelled[best] >= 2 or labelled[best] >= _MAJORITY * len(styles[best]) > 0:
        return best, True
    # No labels: the deepest style whose headings read as problems and that carry content.

    def depth(style: Style) -> float:
        return sum(n.depth for n in styles[style]) / len(styles[style])

    def share(style: Style, test: Callable[[_Node], object]) -> float:
        nodes = styles[style]
        return sum(1 for n in nodes if test(n)) / len(nodes)

    content = [s for s in styles if share(s, lambda n: n.body or n.children or _run_in(n.title)) >= _MAJORITY]
    problems = [s for s in content if share(s, lambda n: problem_like(n.title_folded)) >= _MAJORITY]
    pool = problems or content or list(styles)
    return max(pool, key=depth), False


def _run_in(title: str) -> bool:
    """Whether a heading line carries text after its problem ("（2）针对…的问题，统一记录。")."""
    return split_heading(title, labelled=False)[1] is not None


# ---------------------------------------------------------------------------------------------
# From an issue node to an Issue


@dataclass(slots=True)
class _Block:
    problem: str
    lead: str | None
    status_raw: str | None
    paragraphs: list[str]
    details: list[str]


_WRAPPED_PROBLEM = re.compile(r"^(?:针对|关于|对于)+.*?(?:问题|方面)[”\"'’]?(?=[,，。;；:：])")


def split_heading(rest: str, labelled: bool) -> tuple[str, str | None]:
    """Split a heading line (after its number) into the problem and measures sharing the line.

    >>> split_heading("针对分级诊疗推进成效不明显的问题，完善转诊机制，提高成效。", labelled=False)
    ('针对分级诊疗推进成效不明显的问题', '完善转诊机制，提高成效。')
    >>> split_heading("关于党费核算不准确。", labelled=True)
    ('关于党费核算不准确。', None)
    """
    folded = fold(rest)
    m = _WRAPPED_PROBLEM.match(folded)
    if m:
        remainder = rest[m.end() + 1 :].strip()
        if remainder:
            return rest[: m.end()], remainder
    if not labelled:
        head, sep, remainder = rest.partition(_SENTENCE_END)
        if sep and remainder.strip():
            return head + sep, remainder.strip()
    return rest, None


_QUOTES = {"“": "”", '"': '"', "‘": "’", "'": "'", "「": "」"}


def _strip_quotes(text: str) -> str:
    """Remove one pair of quotes around the whole text when they pair with each other."""
    if len(text) < 2 or text[0] not in _QUOTES or text[-1] != _QUOTES[text[0]]:
        return text
    opening, closing = text[0], text[-1]
    if opening == closing:
        inner = text[1:-1]
        return inner if opening not in inner else text
    depth = 0
    for i, ch in enumerate(text):
        depth += (ch == opening) - (ch == closing)
        if depth == 0 and i < len(text) - 1:
            return text  # the first quote closes before the end: "A”和“B" is not one quotation
    return text[1:-1]


_TRAILING_PUNCT = "。.，,；;：: \t"


def clean_problem(text: str) -> str:
    """The bare problem: no label, no 关于/针对…的问题 wrapper, no outer quotes or end punctuation.

    >>> clean_problem("针对““三会一课”制度落实不严”问题。")
    '“三会一课”制度落实不严'
    >>> clean_problem("关于院内感染防控不到位，应急处置能力不够强的问题")
    '院内感染防控不到位，应急处置能力不够强'
    """
    problem = text.strip().rstrip(_TRAILING_PUNCT)
    wrapped = _WRAPPER.match(problem) is not None
    problem = _WRAPPER.sub("", problem)
    if wrapped or re.search(r"(?:[”\"'’]|的)(?:问题|方面)$", problem):
        problem = re.sub(r"(?:的)?(?:问题|方面)$", "", problem).rstrip(_TRAILING_PUNCT)
    return _strip_quotes(problem.strip()).strip()


def _block_lines(node: _Node) -> list[_Line]:
    lines = list(node.body)
    for child in node.walk():
        assert child.line is not None
        if not lines or lines[-1] is not child.line:
            lines.append(child.line)
        lines.extend(child.body)
    return sorted(set(lines), key=lambda line: line.index)


_Segment = tuple[LabelKind | None, str]


def _segments(text: str, folded: str) -> list[_Segment]:
    """A line cut at its labels: [(None, text before), (STATUS, value), (MEASURES, text) …]."""
    labels = find_labels(folded)
    if not labels:
        return [(None, text)]
    out: list[_Segment] = []
    if labels[0].start > 0:
        out.append((None, text[: labels[0].start]))
    for label, nxt in zip(labels, [*labels[1:], None], strict=True):
        out.append((label.kind, text[label.end : nxt.start if nxt else len(text)]))
    return out


def _status_value(text: str) -> str:
    return text.strip().rstrip("。.． ").strip()


_STATUS_MAX = 30
_SHORT_STATUS = 12


def _looks_like_status(text: str, longest: int = _STATUS_MAX) -> bool:
    return len(text.strip()) <= longest and normalise_status(fold(text)) is not None


def _read_block(node: _Node, lines: list[_Line]) -> _Block:
    assert node.line is not None
    rest = node.line.text[node.text_start :]
    rest_folded = node.line.folded[node.text_start :]
    heading_labels = find_labels(rest_folded)
    heading_tail: list[_Segment] = []
    if heading_labels:
        cut = heading_labels[0].start
        heading_tail = _segments(rest[cut:], rest_folded[cut:])
        rest = rest[:cut]
    # Labels on their own lines mean the heading holds only the problem; labels on the heading
    # line itself (a one-line issue) may follow a run-in sentence of measures.
    labelled = any(find_labels(line.folded) for line in lines)
    problem_text, lead = split_heading(rest.strip(), labelled)
    status_raw = None
    problem_text = problem_text.rstrip(_TRAILING_PUNCT)
    trailing = _TRAILING_BRACKET.search(fold(problem_text))
    if trailing and _looks_like_status(trailing.group(1)):
        status_raw = _status_value(problem_text[trailing.start(1) : trailing.end(1)])
        problem_text = problem_text[: trailing.start()]
    elif trailing and _RESPONSIBILITY.search(trailing.group(1)):
        # "（牵头领导：…；责任科室：…）" after the problem: who does it, kept with the measures.
        lead = "\n".join(part for part in (problem_text[trailing.start() :], lead) if part)
        problem_text = problem_text[: trailing.start()]
    paragraphs: list[str] = []
    details: list[str] = []
    pending_status = False
    measures_labelled = False  # a 整改措施:-labelled paragraph came before
    for kind, text in heading_tail + [seg for line in lines for seg in _segments(line.text, line.folded)]:
        if kind is LabelKind.STATUS:
            if status_raw is None:
                status_raw = _status_value(text) or None
                pending_status = status_raw is None
            continue
        if pending_status and kind is None and _looks_like_status(text):
            status_raw, pending_status = _status_value(text), False
            continue
        if kind is LabelKind.MEASURES and status_raw is None and (
            _looks_like_status(text, _SHORT_STATUS) or (measures_labelled and _looks_like_status(text))
        ):
            # "整改情况：已完成" (or "整改情况：长期整改，已取得阶段性成效" after "整改措施：…") —
            # the column holds a status, not measures.
            status_raw = _status_value(text)
            continue
        measures_labelled = measures_labelled or kind is LabelKind.MEASURES
        if kind is LabelKind.DETAIL:
            details.append(text.strip())
        elif text.strip():
            paragraphs.append(text.strip())
    return _Block(problem_text, lead, status_raw, paragraphs, details)


def _trim_transition(paragraphs: list[str]) -> list[str]:
    """Drop a closing "下一步，我们将…巩固整改成效" paragraph glued to the last issue."""
    while paragraphs and _TRANSITION.match(paragraphs[-1]) and _TRANSITION_TOPIC.search(paragraphs[-1]):
        paragraphs = paragraphs[:-1]
    return paragraphs


def _title_of(node: _Node) -> str:
    """A section/group title: without its number and a trailing 。, cut at a run-in 。."""
    head, _, _ = node.title.partition(_SENTENCE_END)
    return head.strip().rstrip(_TRAILING_PUNCT)


def _outer(node: _Node) -> list[_Node]:
    """The headings above an issue that name something (方面, 大项), outermost first; the
    rectification-list and background headings are skipped."""
    return [a for a in node.ancestors() if a.role is Role.PLAIN]


def _make_issue(seq: int, node: _Node, last_in_region: bool) -> tuple[Issue, list[str]]:
    warnings: list[str] = []
    lines = _block_lines(node)
    block = _read_block(node, lines)
    paragraphs = _trim_transition(block.paragraphs) if last_in_region else block.paragraphs
    split = split_measures(paragraphs, block.lead)
    problem = clean_problem(block.problem)
    if block.details:
        problem = "\n".join([problem, *block.details])
    outer = _outer(node)
    section = outer[0] if outer else None
    group = outer[-1] if len(outer) > 1 else None
    status = normalise_status(fold(block.status_raw)) if block.status_raw else None
    if status is None and block.status_raw is None:
        status = next((s for a in reversed(outer) if (s := heading_status(a.title_folded))), None)
    assert node.line is not None
    end_line = lines[-1] if lines else node.line
    issue = Issue(
        seq=seq,
        label=node.label,
        problem=problem,
        section=_title_of(section) if section else None,
        section_label=section.label if section else None,
        group=(_title_of(group) or None) if group else None,
        group_label=group.label if group else None,
        status=status,
        status_raw=block.status_raw,
        measures=split.items,
        measures_intro=split.intro,
        span=(node.line.start, end_line.start + len(end_line.text)),
    )
    if not split.items:
        warnings.append(f"issue {seq} ({issue.label}) has no measures")
    if not problem:
        warnings.append(f"issue {seq} ({issue.label}) has an empty problem")
    if block.status_raw and status is None:
        warnings.append(f"issue {seq} ({issue.label}): status '{block.status_raw}' not understood")
    return issue, warnings


def _numbering_warnings(nodes: list[_Node], what: str) -> list[str]:
    """Gaps and repeats in a sequence of sibling-or-continuing labels."""
    warnings = []
    last: int | None = None
    for node in nodes:
        assert node.marker is not None
        number = node.marker.number
        if last is not None and number == last:
            warnings.append(f"repeated {what} label '{node.label}'")
        elif last is not None and number not in (1, last + 1):
            warnings.append(f"{what} numbering jumps from {last} to {number} at '{node.label}'")
        last = number
    return warnings


def segment(text: str) -> Segmentation:
    """Issues of a normalised notice, in order, with warnings about anything suspicious."""
    lines = _lines(text)
    tree = _build_tree(lines)
    _assign_roles(tree.root)
    warnings = list(tree.warnings)
    warnings += _numbering_warnings([n for n in tree.root.children if n.style is Style.CN], "part")
    candidates = _regions(tree.root, warnings)
    style, by_labels = _issue_style(candidates)
    if style is None:
        return Segmentation(warnings=[*warnings, "no numbered headings found"])
    nodes = [n for n in candidates if n.style is style]
    if by_labels:
        nodes = _absorb_restarted_items(nodes)
        nodes = _with_labelled_strays(candidates, nodes, style)
    nodes = _drop_odd_parts(nodes, by_labels, warnings)
    issues: list[Issue] = []
    sections: set[int] = set()
    for seq, node in enumerate(nodes, start=1):
        issue, issue_warnings = _make_issue(seq, node, last_in_region=seq == len(nodes))
        issues.append(issue)
        warnings += issue_warnings
        outer = _outer(node)
        if outer:
            sections.add(id(outer[0]))
    warnings += _numbering_warnings(nodes, "issue")
    missing = sum(1 for i in issues if i.status is None)
    if 0 < missing < len(issues):
        warnings.append(f"{missing} of {len(issues)} issues have no status")
    return Segmentation(issues=issues, sections_found=len(sections), warnings=warnings)


def _absorb_restarted_items(nodes: list[_Node]) -> list[_Node]:
    """Measure lines numbered like the issues ("（1）…（2）…" under a labelled "（3）") belong to
    the issue before them: under the same heading, without labels of their own, counting again
    from 1 — and not reading as problems when the issue itself is number 1."""
    out: list[_Node] = []
    host: _Node | None = None
    count = 0  # last number absorbed into host
    for node in nodes:
        assert node.marker is not None
        previous = out[-1] if out else None
        if host is not None and node.parent is host.parent and not _has_labels(node):
            if node.marker.number == count + 1:
                _reparent(node, host)
                count += 1
                continue
        host = None
        if (
            previous is not None
            and previous.marker is not None
            and node.parent is previous.parent
            and node.marker.number == 1
            and _has_labels(previous)
            and not _has_labels(node)
            and (previous.marker.number > 1 or not problem_like(node.title_folded))
        ):
            host, count = previous, 1
            _reparent(node, host)
            continue
        out.append(node)
    return out


def _drop_odd_parts(nodes: list[_Node], by_labels: bool, warnings: list[str]) -> list[_Node]:
    """A top-level part unlike the others is not part of the list: when issues carry labels, a
    part none of whose items has one; without labels, a part none of whose items reads as a
    problem ("三、巩固整改成果" with "（一）健全制度…")."""
    parts: dict[int, list[_Node]] = {}
    for node in nodes:
        top = (node.ancestors() or [node])[0]
        if top is not node and top.role is Role.PLAIN:
            parts.setdefault(id(top), []).append(node)
    if len(parts) < 2:
        return nodes
    fits = _has_labels if by_labels else (lambda n: problem_like(n.title_folded))
    dropped: set[int] = set()
    for members in parts.values():
        if not any(fits(n) for n in members):
            top = members[0].ancestors()[0]
            warnings.append(f"part '{top.label}{top.title[:30]}' does not look like the others; skipped")
            dropped.update(map(id, members))
    return [n for n in nodes if id(n) not in dropped]


def _reparent(node: _Node, parent: _Node) -> None:
    assert node.parent is not None
    node.parent.children.remove(node)
    node.parent = parent
    parent.children.append(node)


def _with_labelled_strays(candidates: list[_Node], nodes: list[_Node], style: Style) -> list[_Node]:
    """Issues numbered in another style but carrying their own labels join the list."""
    chosen = set(map(id, nodes))
    out = list(nodes)
    for node in candidates:
        if id(node) in chosen or not _has_labels(node):
            continue
        related = node.ancestors() + list(node.walk())
        if any(n.style is style for n in related) or any(_has_labels(n) for n in node.walk()):
            continue
        out.append(node)
    return sorted(out, key=lambda n: n.line.index if n.line else -1)
