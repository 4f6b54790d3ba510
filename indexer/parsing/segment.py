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
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from indexer.parsing.heading_tree import (
    Line,
    Node,
    Unnumbered,
    annex_line,
    build_tree,
    lead_lines,
    split_lines,
    status_line,
)
from indexer.parsing.headings import (
    Role,
    classify_title,
    listing_like,
    measure_like,
    problem_like,
    unclosed_wrapper,
)
from indexer.parsing.issue_block import (
    awaits_measures,
    carries_measures,
    make_issue,
    opens_inline_list,
    outer_headings,
    split_heading,
)
from indexer.parsing.listed import fold_listing, top_part
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import (
    LabelKind,
    Style,
    find_labels,
    match_heading_markers,
    match_problem_label,
    match_wrapped_opener,
)
from indexer.types import Issue


@dataclass(slots=True)
class Segmentation:
    issues: list[Issue] = field(default_factory=list)
    sections_found: int = 0
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False  # the text ends inside a heading (not emitted) or an issue's block (flagged)


# ---------------------------------------------------------------------------------------------
# Which nodes can be issues


def _has_labels(node: Node) -> bool:
    lines = node.body
    if any(label.kind is not LabelKind.DETAIL for line in lines for label in find_labels(line.folded.strip())):
        return True
    return any(label.kind is not LabelKind.DETAIL for label in find_labels(node.title_folded))


def _subtree_has_labels(node: Node) -> bool:
    return _has_labels(node) or any(_has_labels(child) for child in node.walk())


def _assign_roles(root: Node) -> None:
    for node in root.walk():
        node.role = classify_title(node.title_folded)


def _has_container(root: Node) -> bool:
    """Whether the notice names its rectification list (整改落实情况), possibly under a background part."""
    parts = root.children
    return any(part.role is Role.CONTAINER for part in parts) or any(
        child.role is Role.CONTAINER for part in parts if part.role is Role.SOFT for child in part.children
    )


def _regions(root: Node, warnings: list[str], listings: dict[int, str]) -> list[Node]:
    """Nodes that may be issues or their sections: everything under the rectification list. A
    part before it listing the problems fed back (巡察反馈的问题) is kept too, in ``listings``
    (part id → the warning skipping it): it is read only when its items fold into the list."""
    parts = root.children
    has_container = _has_container(root)
    out: list[Node] = []
    for at, part in enumerate(parts):
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
            skipped = f"part '{part.label}{part.title[:30]}' could not be classified; skipped"
            if part.children and listing_like(part.title_folded) and any(
                    later.role is Role.CONTAINER for later in parts[at + 1:]):
                listings[id(part)] = skipped
                out.extend(_inside(part, include_self=True))
            elif part.children:
                warnings.append(skipped)
            continue
        out.extend(_inside(part, include_self=part.role is Role.PLAIN))
    return out


def _inside(node: Node, include_self: bool) -> list[Node]:
    """The node (when it may be an issue or section) and its descendants, minus HARD subtrees."""
    out = [node] if include_self else []
    for child in node.children:
        if child.role is Role.HARD:
            continue
        out.extend(_inside(child, include_self=child.role is not Role.SOFT and child.role is not Role.CONTAINER))
    return out


_MAJORITY = 0.5


def _aspect(node: Node) -> bool:
    """A heading naming an aspect with items under it ("（一）关于…方面"): a section, not an issue."""
    return bool(node.children) and _ASPECT_END.search(node.title_folded.rstrip("。.:： ")) is not None


_ASPECT_END = re.compile(r"方面(?:的问题|问题|存在的问题)?$")


def _issue_style(candidates: list[Node], listed: bool) -> tuple[Style | None, bool]:
    """The numbering style of the issues, and whether it was chosen from 整改结果/整改情况 labels.

    Without labels an issue needs a finding: the style whose headings read as problems. Only
    inside a part that names the rectification list (``listed``) may plain items stand for the
    problems (the list says what they are); elsewhere narrative items are no issues."""
    styles: dict[Style, list[Node]] = {}
    for node in candidates:
        assert node.style is not None
        styles.setdefault(node.style, []).append(node)
    if not styles:
        return None, False
    labelled = {style: sum(_has_labels(n) for n in nodes) for style, nodes in styles.items()}
    best = max(styles, key=lambda s: (labelled[s], len(styles[s])))
    if labelled[best] >= 2 or labelled[best] >= _MAJORITY * len(styles[best]) > 0:
        return _measure_items_parent(styles, best), True
    # No labels: the deepest style whose headings read as problems and that carry content.

    def depth(style: Style) -> float:
        return sum(n.depth for n in styles[style]) / len(styles[style])

    def share(style: Style, test: Callable[[Node], object]) -> float:
        nodes = styles[style]
        return sum(1 for n in nodes if test(n)) / len(nodes)

    content = [s for s in styles if share(s, lambda n: n.body or n.children or _run_in(n.title)) >= _MAJORITY]
    problems = [s for s in content if share(s, lambda n: problem_like(n.title_folded) and not _aspect(n)) >= _MAJORITY]
    pool = problems or (content if listed else [])
    return (max(pool, key=depth), False) if pool else (None, False)


_MEASURE_SHARE = 0.6  # items reading as measures (and not as problems) for a list of measures


def _measure_items_parent(styles: dict[Style, list[Node]], best: Style) -> Style:
    """The style of the problems when the labelled style numbers their measures: "（一）关于…的
    问题" / "1．修订…" / "2．建立…" / "整改情况：已完成" — the label closes the last measure item,
    but the issue is the problem heading above the items."""
    nodes = styles[best]
    # Items read as measures, most of them: one that names the problem it fixes ("对未按期完工的
    # 项目约谈施工单位") does not make the list a list of problems.
    # Items listed under a bare measures label ("问题1：…" / "整改措施：" / "1.…" / "2.…") are
    # measures whatever their wording ("对…进行调配", "上线…系统").
    measures = sum(1 for n in nodes if (measure_like(n.title_folded) and not problem_like(n.title_folded))
                   or (n.parent is not None and n.parent.marker is not None and awaits_measures(n.parent)))
    if measures < _MEASURE_SHARE * len(nodes):
        return best
    parents = {id(n.parent): n.parent for n in nodes if n.parent is not None and n.parent.style is not None}
    parent_styles = {p.style for p in parents.values()}
    if len(parents) < 2 or len(parent_styles) != 1:
        return best
    style = parent_styles.pop()
    assert style is not None
    # headings numbered as problems ("问题1：") say what they are, whatever their wording
    said = sum(p.style is Style.PROBLEM or problem_like(p.title_folded) for p in parents.values())
    if style not in styles or said < _MAJORITY * len(parents):
        return best
    return style


def _run_in(title: str) -> bool:
    """Whether a heading line carries text after its problem ("（2）针对…的问题，统一记录。")."""
    return split_heading(title, labelled=False)[1] is not None


def _numbering_warnings(nodes: list[Node], what: str) -> list[str]:
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
    """Issues of a normalised notice, in order, with warnings about anything suspicious. A list
    that numbers none of its problems is read by its problem labels ("反馈问题：…"), one whose
    paragraphs open with their problems by those paragraphs."""
    lines = split_lines(text)
    result = _segment_all(lines)
    if not result.issues and any(annex_line(line) for line in lines):
        # Attachments end the notice — but when nothing before them is an issue, the attachment is
        # the notice's own list ("附件：巡察反馈问题整改情况表" over the table): read it, its
        # opening line blanked (lines keep their places: the signature is found by them).
        attached = _segment_all([replace(line, text="", folded="") if annex_line(line) else line for line in lines])
        if _whole(attached):  # not a list of attachments' titles: issues with status and measures
            return attached
    return result


def _segment_all(lines: list[Line]) -> Segmentation:
    """:func:`segment` over split lines: numbered headings, then the unnumbered readings."""
    result = _segment_lines(lines)
    # Problems under labels ("存在问题：…") and not numbered: read by their labels when nothing
    # numbered is found, or when reading so gives more whole issues (status and measures) than
    # the numbered headings — several problems under each numbered 方面 heading, or measures
    # numbered "1." "2." under each label. One label per issue is the issue's own detail line.
    labelled = sum(1 for line in lines if not match_heading_markers(line.folded) and match_problem_label(line.folded, 1))
    if not result.issues or (labelled >= _MIN_LABELS and _whole(result) < labelled):
        by_labels = _segment_lines(lines, Unnumbered.LABELS)
        if (not result.issues and by_labels.issues) or _whole(by_labels) > _whole(result):
            return by_labels
    # Paragraphs each opened by their problem ("针对“…”的问题，…") under numbered 方面 headings:
    # the paragraphs are the issues when reading them so finds more than the headings alone.
    openers = sum(1 for line in lines if not match_heading_markers(line.folded) and match_wrapped_opener(line.folded, 1))
    if openers >= _MIN_OPENERS:
        by_paragraphs = _segment_lines(lines, Unnumbered.OPENERS)
        if len(by_paragraphs.issues) > len(result.issues):
            return by_paragraphs
    # Problems printed without numbers (a web page that lost Word's list numbering), each on the
    # line before its block's labels: read so when the issues found hold more status lines than
    # there are issues, or hold no whole issue, and reading so gives more whole issues.
    statuses = sum(1 for line in lines if (found := find_labels(line.folded.strip())) and found[0].start == 0
                   and found[0].kind is LabelKind.STATUS)
    if (statuses > len(result.issues) or _whole(result) < len(result.issues)) and lead_lines(lines):
        by_leads = _segment_lines(lines, Unnumbered.LEADS)
        if _whole(by_leads) > _whole(result):
            result = by_leads
            result.warnings += _after_status(result.issues, lines) + _before_problem(result.issues, lines)
    if result.issues and statuses > len(result.issues):  # a half-read list is reported, never passed as whole
        result.warnings.append(f"{statuses} status lines for {len(result.issues)} issues: an issue may hold others")
    return result


_MIN_OPENERS = 2
_MIN_LABELS = 2


def _after_status(issues: list[Issue], lines: list[Line]) -> list[str]:
    """Warnings for unnumbered issues whose block goes on after the status that closes it (the
    measures first, the status last): those lines may state the next problem, over two lines."""
    warnings = []
    for issue in issues:
        if issue.span is None:
            continue
        start, end = issue.span
        kinds = [_line_kind(line) for line in lines
                 if start < line.start and line.start + len(line.text) <= end and line.folded.strip()]
        opened = next((kind for kind in kinds if kind is not None), None)
        last_status = max((k for k, kind in enumerate(kinds) if kind is LabelKind.STATUS), default=None)
        if opened is LabelKind.MEASURES and last_status is not None and last_status < len(kinds) - 1:
            warnings.append(f"issue {issue.seq}: {len(kinds) - 1 - last_status} lines after its status may state "
                            "the next problem")
    return warnings


def _before_problem(issues: list[Issue], lines: list[Line]) -> list[str]:
    """Warnings for unnumbered issues whose block before ends on a line reading as a problem, not
    as a measure (the status first, the measures last): it may be the first line of the problem."""
    filled = [line for line in lines if line.folded.strip()]
    warnings = []
    for before, issue in zip(issues, issues[1:], strict=False):
        if before.span is None or issue.span is None:
            continue
        last = next((line for line in reversed(filled) if line.start < issue.span[0]), None)
        if last is None or last.start < before.span[0] or _line_kind(last) is not None:
            continue
        text = last.folded.strip()
        if problem_like(text) and not measure_like(text):
            warnings.append(f"issue {issue.seq}: the line before its problem may state it too")
    return warnings


def _line_kind(line: Line) -> LabelKind | None:
    """The label opening a line; a status printed alone below its label ("已完成。") counts as one."""
    text = line.folded.strip()
    if (found := find_labels(text)) and found[0].start == 0:
        return found[0].kind
    return LabelKind.STATUS if status_line(text) else None


def _whole(result: Segmentation) -> int:
    """Issues read whole: a status and at least one measure."""
    return sum(1 for issue in result.issues if issue.status is not None and issue.measures)


def _segment_lines(lines: list[Line], unnumbered: Unnumbered = Unnumbered.NONE) -> Segmentation:
    tree = build_tree(lines, unnumbered)
    _assign_roles(tree.root)
    warnings = list(tree.warnings)
    warnings += _numbering_warnings([n for n in tree.root.children if n.style is Style.CN], "part")
    cut = _cut_off_heading(tree.root, lines)
    if cut is not None:
        warnings.append(f"the text ends inside the heading '{cut.label}{cut.title[:30]}': not an issue (truncated)")
    listings: dict[int, str] = {}
    candidates = [n for n in _regions(tree.root, warnings, listings) if n is not cut]
    style, by_labels = _issue_style([n for n in candidates if id(top_part(n)) not in listings],
                                    _has_container(tree.root))
    if style is None:
        return Segmentation(warnings=[*warnings, "no numbered headings found"], truncated=cut is not None)
    nodes = [n for n in candidates if n.style is style]
    if by_labels:
        nodes = _absorb_restarted_items(nodes)
        nodes = _with_labelled_strays(candidates, nodes, style)
    listing = fold_listing(nodes, lambda node: make_issue(0, node, last_in_region=node is nodes[-1])[0])
    warnings += [skipped for part, skipped in listings.items() if part != id(listing.part)]
    # The listed problems matched to nothing stay issues; an unfolded listing stays skipped.
    listed = [n for n in nodes if top_part(n) is listing.part and id(n) not in listing.folded]
    rest = [n for n in nodes if id(top_part(n)) not in listings and top_part(n) is not listing.part]
    nodes = listed + _drop_odd_parts(rest, by_labels, warnings)
    warnings += listing.warnings
    issues: list[Issue] = []
    sections: set[int] = set()
    for seq, node in enumerate(nodes, start=1):
        issue, issue_warnings = make_issue(seq, node, last_in_region=seq == len(nodes))
        issue.problem = listing.fuller.get(id(node), issue.problem)
        issues.append(issue)
        warnings += issue_warnings
        outer = outer_headings(node)
        if outer:
            sections.add(id(outer[0]))
    if cut is None and issues and not tree.tail and _ends_inside(issues[-1], lines, issues[:-1]):
        issues[-1].truncated = True
        cut_issue = issues[-1]
        warnings.append(f"the text ends inside issue {cut_issue.seq} ({cut_issue.label}): its block is cut (truncated)")
    warnings += _numbering_warnings(nodes, "issue")
    missing = sum(1 for i in issues if i.status is None)
    if 0 < missing < len(issues):
        warnings.append(f"{missing} of {len(issues)} issues have no status")
    warnings += _unread_statuses(issues, lines)
    truncated = cut is not None or any(issue.truncated for issue in issues)
    return Segmentation(issues=issues, sections_found=len(sections), warnings=warnings, truncated=truncated)


# "进度情况：已完成" under a label the vocabulary does not know: a short name, a colon, a status.
_UNKNOWN_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,8}[:：]\s*(.{2,12})$")


def _unread_statuses(issues: list[Issue], lines: list[Line]) -> list[str]:
    """Warnings for issues read without a status whose block holds a line printing one under a
    label not understood: the status is there, the parser missed it."""
    warnings = []
    for issue in issues:
        if issue.status is not None or issue.span is None:
            continue
        start, end = issue.span
        for line in lines:
            if start < line.start and line.start + len(line.text) <= end:
                m = _UNKNOWN_LABEL.match(line.folded.strip())
                if m and status_line(m.group(1)) and not find_labels(line.folded.strip()):  # not 整改时限：长期坚持
                    warnings.append(f"issue {issue.seq}: '{line.text.strip()}' may print its status under a label "
                                    "not understood")
                    break
    return warnings


def _absorb_restarted_items(nodes: list[Node]) -> list[Node]:
    """Measure lines numbered like the issues belong to the issue before them: under the same
    heading, counting again from 1 ("（1）…（2）…" under a labelled "（3）", not reading as problems
    when the issue itself is number 1), or continuing a list its measures label opened
    ("整改措施：1.…" / "2.…"). The last item may carry the issue's status ("整改结果：已完成"),
    which closes the list."""
    out: list[Node] = []
    host: Node | None = None
    count = 0  # last number absorbed into host
    for node in nodes:
        assert node.marker is not None
        previous = out[-1] if out else None
        if (
            host is not None
            and node.parent is host.parent
            and node.marker.number == count + 1
            and _measure_item(node)
        ):
            _reparent(node, host)
            count += 1
            host = None if _has_labels(node) else host
            continue
        host = None
        if previous is not None and previous.marker is not None and _opens_measures(previous, node):
            host, count = previous, node.marker.number
            _reparent(node, host)
            host = None if _has_labels(node) else host
            continue
        out.append(node)
    return out


def _measure_item(node: Node) -> bool:
    """A numbered line that can be a measure: no labels, or only a closing status label."""
    return not _has_labels(node) or (not carries_measures(node) and not problem_like(node.title_folded))


def _opens_measures(previous: Node, node: Node) -> bool:
    """Whether ``node`` starts (or continues) a list of measures inside the labelled ``previous``."""
    assert previous.marker is not None and node.marker is not None
    if node.parent is not previous.parent or not _has_labels(previous):
        return False
    if node.marker.number == 1:
        if awaits_measures(previous):  # "整改措施：" alone, then one item closed by the status
            return _measure_item(node)
        return not _has_labels(node) and (previous.marker.number > 1 or not problem_like(node.title_folded))
    return node.marker.number == 2 and _measure_item(node) and opens_inline_list(previous, node.marker.style)


def _drop_odd_parts(nodes: list[Node], by_labels: bool, warnings: list[str]) -> list[Node]:
    """A top-level part unlike the others is not part of the list: when issues carry labels, a
    part none of whose items has one; without labels, a part none of whose items reads as a
    problem ("三、巩固整改成果" with "（一）健全制度…")."""
    parts: dict[int, list[Node]] = {}
    for node in nodes:
        top = top_part(node)
        if top is not node and top.role is Role.PLAIN:
            parts.setdefault(id(top), []).append(node)
    if len(parts) < 2:
        return nodes
    fits = _subtree_has_labels if by_labels else (lambda n: problem_like(n.title_folded))
    dropped: set[int] = set()
    for members in parts.values():
        if not any(fits(n) for n in members):
            top = members[0].ancestors()[0]
            warnings.append(f"part '{top.label}{top.title[:30]}' does not look like the others; skipped")
            dropped.update(map(id, members))
    return [n for n in nodes if id(n) not in dropped]


def _reparent(node: Node, parent: Node) -> None:
    assert node.parent is not None
    node.parent.children.remove(node)
    node.parent = parent
    parent.children.append(node)


def _with_labelled_strays(candidates: list[Node], nodes: list[Node], style: Style) -> list[Node]:
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


_OPEN_CLOSE = (("“", "”"), ("‘", "’"), ("(", ")"), ("《", "》"), ("[", "]"), ("「", "」"))


# How a finished paragraph ends; a text that stops on anything else stopped mid-sentence.
_FINISHED = tuple("。.！!？?；;…”’\"')）]】》")
# A clause left open: a text stopping here stopped mid-sentence whatever the notice's style.
_OPEN_CLAUSE = tuple("，,、：:（(《“‘")


def _ends_inside(issue: Issue, lines: list[Line], others: list[Issue]) -> bool:
    """Whether the text stops mid-sentence inside the issue's block (a cut page opening): its last
    line is the issue's, unfinished and not the status the issue understood ("整改结果：已完成").
    A notice that leaves its paragraphs unpunctuated (a body line of another issue ends the same
    way) is read as cut only when its last line stops inside a clause ("…，")."""
    last = next((line for line in reversed(lines) if line.folded.strip()), None)
    if last is None or issue.span is None or issue.span[1] != last.start + len(last.text):
        return False
    text = last.folded.strip()
    if any(text.count(a) > text.count(b) for a, b in _OPEN_CLOSE) or text.endswith(_OPEN_CLAUSE):
        return True
    if not _unfinished(issue, text):
        return False
    return not _unpunctuated(others, lines)


def _unpunctuated(others: list[Issue], lines: list[Line]) -> bool:
    """Whether a body line of one of the issues (not its heading) ends a paragraph without
    punctuation; one pass over the lines (the issues are in text order)."""
    spans = [(issue.span, issue) for issue in others if issue.span is not None]
    k = 0
    for line in lines:
        line_end = line.start + len(line.text)
        while k < len(spans) and spans[k][0][1] < line_end:
            k += 1
        if k == len(spans):
            return False
        (start, end), issue = spans[k]
        text = line.folded.strip()
        if start < line.start and line_end <= end and text and not text.endswith(_OPEN_CLAUSE) and _unfinished(issue, text):
            return True
    return False


def _unfinished(issue: Issue, text: str) -> bool:
    """Whether the last line of an issue's block ends elsewhere than on a finished sentence, a
    table's last column ("完成时限：2024年12月") or the status the issue understood."""
    labels = find_labels(text)
    if text.endswith(_FINISHED) or (labels and labels[-1].kind is LabelKind.DUTY and text[labels[-1].end :].strip()):
        return False
    return not (issue.status is not None and issue.status_raw and text.endswith(fold(issue.status_raw)))


def _cut_off_heading(root: Node, lines: list[Line]) -> Node | None:
    """The heading the text ends in when the text stops inside it (a page opening cut at a
    length): the last line, with nothing under it, and an open quote or bracket, a 关于/针对
    wrapper never closed, or no body where every heading numbered like it has one."""
    last = next((line for line in reversed(lines) if line.folded.strip()), None)
    # The deepest node on that line: "3.(5)…" opens a group 3. and, inside it, the heading (5).
    on_last = [n for n in root.walk() if last is not None and n.line is last]
    node = on_last[-1] if on_last else None
    if node is None or node.body or node.children or not node.line or node.line.index != last.index:
        return None
    title = node.title_folded.strip()
    if "。" in title:
        return None  # the heading ended; the text stops in the paragraph run in after it
    unbalanced = any(title.count(a) > title.count(b) for a, b in _OPEN_CLOSE)
    unclosed = unclosed_wrapper(title)
    # Numbered like issues that all have a body, it alone has none: the text stopped after its title.
    peers = [n for n in root.walk() if n.style is node.style and n is not node]
    bare = bool(peers) and all(n.body or n.children or _run_in(n.title) for n in peers)
    return node if unbalanced or unclosed or bare else None
