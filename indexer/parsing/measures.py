"""Measures: the text under a problem split into items (一是…二是…, 1./2., （1）…, ①…, 第一，…).

The scheme whose first marker comes earliest wins, so nested lists stay inside their item
("一是…（1）…（2）…二是…" gives two items). Text before the first marker is the introduction,
not an item; text that is not enumerated at all is one item.

    >>> split_measures(["针对该问题，我局高度重视。一是建立台账；二是完善制度。"])
    MeasureSplit(intro='针对该问题，我局高度重视。', items=['建立台账', '完善制度。'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.parsing import numbering
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import Marker, Style

# Numbered items must start a paragraph or follow a sentence end (never "截至6.30日").
_ITEM_STYLES = (Style.AR, Style.AR_PAREN, Style.AR_HALF, Style.CIRCLED, Style.CN_PAREN, Style.CN, Style.ORDINAL)
_MIN_NUMBERED = 2  # a lone "1." is not a list (but at the very start); a lone "一是" is still an item
_EDGE = "\n\t ：:，,；;、"
_NEWLINE = re.compile("\n")
_ONLY_PUNCT = re.compile(r"^[\s。；;，,：:、.]*$")


@dataclass(slots=True)
class MeasureSplit:
    intro: str | None = None
    items: list[str] = field(default_factory=list)


def _numbered(folded: str) -> list[list[Marker]]:
    """Candidate numbered lists: per style, markers at paragraph starts or after a sentence end,
    counting up from 1."""
    lists = []
    starts = [0, *(m.end() for m in _NEWLINE.finditer(folded))]
    at_starts = [m for start in starts if (m := numbering.match_heading(folded, start)) is not None]
    inline = numbering.inline_markers(folded, _ITEM_STYLES, count_up=False)
    for style in _ITEM_STYLES:
        found = [m for m in at_starts if m.style is style] + [m for m in inline if m.style is style]
        found.sort(key=lambda m: m.start)
        kept: list[Marker] = []
        for m in found:
            if m.number == (kept[-1].number + 1 if kept else 1) and (not kept or m.start > kept[-1].start):
                kept.append(m)
        # A lone "1." opening the text is a list of one ("1.修订公务接待管理办法。").
        if len(kept) >= _MIN_NUMBERED or (len(kept) == 1 and kept[0].start == 0 and len(found) == 1):
            lists.append(kept)
    return lists


def _choose(folded: str) -> list[Marker]:
    """The list whose first marker comes first (ordinals win a tie)."""
    candidates = _numbered(folded)
    ordinals = numbering.ordinal_items(folded)
    if ordinals:
        candidates.insert(0, ordinals)
    if not candidates:
        return []
    return min(candidates, key=lambda markers: markers[0].start)


def _clean(text: str) -> str:
    return text.strip().strip(_EDGE).strip()


def split_measures(paragraphs: list[str], lead: str | None = None) -> MeasureSplit:
    """Split measures text into items; ``lead`` is text that shared the problem's heading line.

    >>> split_measures(["落实整改责任。严格资产盘点。"], lead="逐条对照审计意见整改。")
    MeasureSplit(intro='逐条对照审计意见整改。', items=['落实整改责任。严格资产盘点。'])
    >>> split_measures(["（1）修订制度；", "（2）开展培训。截至6.30日已完成"]).items
    ['修订制度', '开展培训。截至6.30日已完成']
    """
    text = "\n".join(p.strip() for p in paragraphs if p and p.strip())
    lead = _clean(lead) if lead else None
    if not text and lead:  # everything on the heading line: "1.XX问题。一是…二是…"
        text, lead = lead, None
    markers = _choose(fold(text))
    if not markers:
        body = _clean(text)
        if body:
            return MeasureSplit(intro=lead or None, items=[body])
        return MeasureSplit(intro=None, items=[lead] if lead else [])
    ends = [m.start for m in markers[1:]] + [len(text)]
    items = [_clean(text[m.end : end]) for m, end in zip(markers, ends, strict=True)]
    before = text[: markers[0].start]
    intro_parts = [part for part in (lead, _clean(before)) if part and not _ONLY_PUNCT.match(part)]
    return MeasureSplit(intro="\n".join(intro_parts) or None, items=[item for item in items if item])
