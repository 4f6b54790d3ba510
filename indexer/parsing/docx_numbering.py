"""Word list numbering: the numbers Word draws before a paragraph but does not store in its text.

A paragraph of a Word list carries ``w:numPr`` (list id and level), directly or through its style;
its printed number ("1.", "（一）", "①") comes from ``word/numbering.xml``: the level's format
(decimal, chineseCounting, decimalEnclosedCircle …), its text pattern (``%1.``, ``（%1）``) and
start value, counted over the paragraphs of the list in document order, a level restarting each
time a level above it counts on. Without this, a notice numbered by Word lists has no headings.
Bullets and formats not listed here give no number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.parsing.numerals import cn_numeral

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PLACEHOLDER = re.compile(r"%([1-9])")


def _format(number: int, fmt: str) -> str | None:
    """One counter in a level's format, or None for a format that prints no number."""
    if fmt in ("decimal", "decimalZero", "decimalFullWidth", "decimalHalfWidth"):
        return str(number)
    if fmt.startswith(("chineseCounting", "ideographDigital", "japaneseCounting", "taiwaneseCounting")):
        return cn_numeral(number)
    if fmt.startswith("decimalEnclosedCircle") and number <= len(_CIRCLED):
        return _CIRCLED[number - 1]
    if fmt in ("lowerLetter", "upperLetter") and number <= 26:
        letter = chr(ord("a") + number - 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    return None


@dataclass(slots=True)
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


def _val(element, tag: str) -> str | None:
    child = element.find(_W + tag) if element is not None else None
    return child.get(_W + "val") if child is not None else None


@dataclass(slots=True)
class ListNumbers:
    """The printed numbers of a document's list paragraphs, in document order (call :meth:`label`
    once per paragraph, in order)."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstractNumId → ilvl → level
    lists: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    styles: dict[str, tuple[str, int]] = field(default_factory=dict)  # styleId → (numId, ilvl)
    counters: dict[str, list[int]] = field(default_factory=dict)  # abstractNumId → counter per level

    @classmethod
    def of(cls, document) -> ListNumbers:
        numbers = cls()
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):  # python-docx: the package has no numbering part
            return numbers
        for abstract in numbering.iterfind(_W + "abstractNum"):
            levels = numbers.levels.setdefault(abstract.get(_W + "abstractNumId", ""), {})
            for lvl in abstract.iterfind(_W + "lvl"):
                start = _val(lvl, "start")
                levels[int(lvl.get(_W + "ilvl", "0"))] = _Level(
                    _val(lvl, "numFmt") or "decimal", _val(lvl, "lvlText") or "", int(start) if start else 1
                )
        for num in numbering.iterfind(_W + "num"):
            abstract_id = _val(num, "abstractNumId")
            if abstract_id is not None:
                numbers.lists[num.get(_W + "numId", "")] = abstract_id
        for style in document.styles.element.iterfind(_W + "style"):
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            num_id = _val(num_pr, "numId")
            if num_id is not None:
                numbers.styles[style.get(_W + "styleId", "")] = (num_id, int(_val(num_pr, "ilvl") or 0))
        return numbers

    def label(self, paragraph) -> str:
        """The number Word prints before this ``w:p`` ("1.", "（一）"), or "" when it prints none."""
        ppr = paragraph.find(_W + "pPr")
        if ppr is None or not self.lists:
            return ""
        num_pr = ppr.find(_W + "numPr")
        num_id, ilvl = _val(num_pr, "numId"), int(_val(num_pr, "ilvl") or 0)
        if num_id is None:
            num_id, ilvl = self.styles.get(_val(ppr, "pStyle") or "", (None, 0))
        abstract_id = self.lists.get(num_id or "")
        levels = self.levels.get(abstract_id or "", {})
        if abstract_id is None or ilvl not in levels or not _PLACEHOLDER.search(levels[ilvl].text):
            return ""  # not a list, or a bullet
        counters = self.counters.setdefault(abstract_id, [0] * 9)
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = 0  # a level restarts under each new item above it

        def counted(m: re.Match[str]) -> str:
            level = int(m.group(1)) - 1
            spec = levels.get(level, _Level())
            value = max(counters[level], 1) + spec.start - 1
            return _format(value, spec.fmt) or "\0"

        label = _PLACEHOLDER.sub(counted, levels[ilvl].text)
        return "" if "\0" in label else label
