"""The parse-quality report as a table for people (``python -m indexer parse --report``): per
notice, issues and sections found against what the notice states, statuses found, whether the
parse is complete, the number of warnings; then the warnings and the files that failed.

    >>> from indexer.types import QualityReport
    >>> rows = [Row("青禾县人民医院.txt", QualityReport(22, 22, 6, 6, 20, ["issue 3 (3.) has no measures"])),
    ...         Row("石门卫生院.docx", QualityReport(22, None, 1, 6, 22)), Row("blank.txt", error="no text")]
    >>> print("\\n".join(render(rows)))
    notice              issues  sections  statuses  complete  warnings
    青禾县人民医院.txt   22/22       6/6     20/22  yes              1
    石门卫生院.docx       22/-       1/6     22/22  NO               0
    blank.txt           failed: no text
    <BLANKLINE>
    3 files: 2 parsed (1 complete), 1 failed; 44 issues, 1 warning
    <BLANKLINE>
    warnings:
      青禾县人民医院.txt: issue 3 (3.) has no measures
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.types import QualityReport

HEADERS = ("notice", "issues", "sections", "statuses", "complete", "warnings")
MAX_NAME_WIDTH = 48  # display columns; longer names keep their end (the file name)


@dataclass(slots=True)
class Row:
    """One file: its name and quality report, or the error that stopped it."""

    name: str
    quality: QualityReport | None = None
    error: str | None = None


def width(text: str) -> int:
    """Display columns: a CJK character takes two.

    >>> width("abc"), width("通报.txt")
    (3, 8)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _fit(name: str) -> str:
    if width(name) <= MAX_NAME_WIDTH:
        return name
    kept = ""
    for char in reversed(name):
        if width(kept) + width(char) > MAX_NAME_WIDTH - 1:
            break
        kept = char + kept
    return "…" + kept


def _left(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def _of(found: int, stated: int | None) -> str:
    return f"{found}/{'-' if stated is None else stated}"


def _cells(quality: QualityReport) -> tuple[str, ...]:
    return (_of(quality.issues_found, quality.issues_stated), _of(quality.sections_found, quality.sections_stated),
            f"{quality.statuses_found}/{quality.issues_found}", "yes" if quality.complete else "NO",
            str(len(quality.warnings)))


def render(rows: Iterable[Row]) -> list[str]:
    """The table's lines, a summary line, and the warnings notice by notice."""
    rows = list(rows)
    names = [_fit(row.name) for row in rows]
    name_width = max([width(HEADERS[0]), *map(width, names)])
    cells = [_cells(row.quality) if row.quality is not None else None for row in rows]
    widths = [max([len(header), *(len(c[i]) for c in cells if c is not None)]) for i, header in enumerate(HEADERS[1:])]
    lines = ["  ".join([_left(HEADERS[0], name_width), *(h.rjust(w) if h != "complete" else h.ljust(w)
                                                          for h, w in zip(HEADERS[1:], widths, strict=True))])]
    for name, row, cell in zip(names, rows, cells, strict=True):
        if cell is None:
            lines.append(f"{_left(name, name_width)}  failed: {row.error}")
            continue
        columns = [c.ljust(w) if h == "complete" else c.rjust(w) for h, c, w in zip(HEADERS[1:], cell, widths, strict=True)]
        lines.append("  ".join([_left(name, name_width), *columns]).rstrip())
    parsed = [row.quality for row in rows if row.quality is not None]
    warnings = sum(len(q.warnings) for q in parsed)
    lines += ["", (f"{len(rows)} files: {len(parsed)} parsed ({sum(q.complete for q in parsed)} complete), "
                   f"{len(rows) - len(parsed)} failed; {sum(q.issues_found for q in parsed)} issues, "
                   f"{warnings} warning{'' if warnings == 1 else 's'}")]
    if warnings:
        lines += ["", "warnings:"]
        lines += [f"  {row.name}: {w}" for row in rows if row.quality is not None for w in row.quality.warnings]
    return lines
