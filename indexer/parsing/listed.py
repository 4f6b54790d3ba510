"""Problems listed before their rectification: each listed copy folded into the entry reporting it.

Some notices first list the problems the inspectors fed back (一、巡察反馈问题清单 1. 2. 3., no
status, no measures) and then report the rectification of the same problems (二、整改落实情况),
in the same order, the wording the same or shortened. Read plainly, each problem is an issue
twice; here a listing part is recognised — a part before another one, none of whose items has a
status or a measure — and each of its items is matched, in order, to a later issue stating the
same problem. A matched item is not an issue of its own (its fuller wording is kept); an item
matched to nothing stays an issue, with a warning. A listing most of whose items match nothing
is not folded at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.parsing.heading_tree import Node
from indexer.parsing.normalise import fold
from indexer.tokenise import character_bigrams
from indexer.types import Issue

# Share of the shorter problem's character pairs found in the longer one for both to state the
# same problem: a shortened wording keeps nearly all of its pairs, another problem few of them.
_SAME_PROBLEM = 0.7
_ALIKE = 0.4  # enough when both carry the same number


@dataclass(slots=True)
class Listing:
    """What folding a listing part does to the issue nodes."""

    part: Node | None = None  # the listing part folded, if any
    folded: set[int] = field(default_factory=set)  # ids of listed nodes that are not issues of their own
    fuller: dict[int, str] = field(default_factory=dict)  # node id → the listed (fuller) problem wording
    warnings: list[str] = field(default_factory=list)


def overlap(a: str, b: str) -> float:
    """Share of the shorter wording's character pairs found in the other one.

    >>> overlap("设备维护保养不及时，部分站点数据缺报", "设备维护保养不及时")
    1.0
    >>> overlap("设备维护保养不及时", "财务报销审核把关不严")
    0.0
    """
    pa, pb = set(character_bigrams(a)), set(character_bigrams(b))
    shorter, longer = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
    return len(shorter & longer) / len(shorter) if shorter else 0.0


def _entry(node: Node, draft: Issue, later: list[tuple[Node, Issue]], at: int) -> int | None:
    """The later entry (from ``at``) stating the listed problem: worded the same, or numbered the
    same and worded alike (a paraphrased short heading: 关于报销审核不严的问题)."""
    found = next((k for k in range(at, len(later)) if overlap(draft.problem, later[k][1].problem) >= _SAME_PROBLEM), None)
    if found is not None or node.marker is None:
        return found
    return next((k for k in range(at, len(later)) if (m := later[k][0].marker) is not None
                 and m.number == node.marker.number and overlap(draft.problem, later[k][1].problem) >= _ALIKE), None)


def top_part(node: Node) -> Node:
    """The top-level part a node lies in (the node itself at the top)."""
    return (node.ancestors() or [node])[0]


def fold_listing(nodes: list[Node], read: Callable[[Node], Issue]) -> Listing:
    """How the issue nodes' first part folds into the later ones when it only lists their problems;
    ``read`` reads a node's issue alone (called only when the nodes lie in several parts)."""
    listing = Listing()
    parts: list[Node] = []
    for node in nodes:
        top = top_part(node)
        if top is not node and (not parts or parts[-1] is not top):
            parts.append(top)
    if len(parts) < 2 or len(set(map(id, parts))) != len(parts):
        return listing
    drafts = [(n, read(n)) for n in nodes]
    listed = [(n, d) for n, d in drafts if top_part(n) is parts[0]]
    later = [(n, d) for n, d in drafts if top_part(n) is not parts[0]]
    if any(d.status is not None or d.measures or d.status_raw for _, d in listed) or not any(
            d.status is not None for _, d in later):
        return listing
    matches: dict[int, tuple[Node, Issue]] = {}
    at = 0  # in order: a listed problem is looked for after the entry the one before it matched
    for node, draft in listed:
        found = _entry(node, draft, later, at)
        if found is not None:
            matches[id(node)] = later[found]
            at = found + 1
    if 2 * len(matches) < len(listed):  # mostly unmatched: not a listing of these problems
        return listing
    listing.part = parts[0]
    for node, draft in listed:
        entry = matches.get(id(node))
        if entry is None:
            listing.warnings.append(f"listed problem '{draft.label}{draft.problem[:30]}' has no rectification entry; "
                                    "kept without status")
            continue
        listing.folded.add(id(node))
        if len(fold(draft.problem)) > len(fold(entry[1].problem)):
            listing.fuller[id(entry[0])] = draft.problem
    return listing
