"""Tables printed as text (copied out of a PDF): rows rebuilt from their cells, then read like a docx table.

Text copied from a PDF table keeps no table: each row comes out as one line with its cells
apart by runs of spaces (``1    台账不全    补建台账    已完成``), or each cell comes out as a
line of its own (``序号`` / ``问题`` / … / ``1`` / ``台账不全`` / …). Both start with a header of
known column titles (序号, 问题, 整改措施, 完成情况 …); the rows under it are rebuilt and turned
into lines by :func:`indexer.parsing.tables.table_lines`, as a docx or HTML table is.

* **cells apart by spaces** — a row is a line starting with the next number (when the table
  has a 序号 column), else a line with a cell in every column, or in all but one of them and
  the first; a line with fewer cells
  goes on with the row above, each piece in the column it stands under (a cell wrapped over
  two lines; above the first row, a column title wrapped so). The table ends at a line that
  is no row and stands under no column; one that opens with the next number is reported.
* **a cell per line** — the table needs its 序号 column: a row runs from its number to the
  next number; a row of as many lines as the header has columns is rebuilt, and so is one
  whose cells wrap when the short columns (status, 责任人, 时限) close it and the measures,
  if any, start with a measure (建立…, 一是…); any other row is kept as its lines under its
  number, with a warning.

Page numbers and the header printed again at the top of the next page are passed over.

    >>> text, warnings = rebuild("序号  问题  整改措施  完成情况\\n1  台账不全  补建台账  已完成")
    >>> text.split("\\n")
    ['1.台账不全', '整改措施：补建台账', '完成情况：已完成']
"""

from __future__ import annotations

import re
import unicodedata

from indexer.parsing.headings import measure_like
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import match_heading_markers, ordinal_items
from indexer.parsing.printed_pages import page_number
from indexer.parsing.status import normalise_status
from indexer.parsing.tables import column_kind, column_title, header_roles, table_lines

_GAP = re.compile(r"[ \t\xa0]{2,}|\t|\u3000+")  # between two cells: two spaces, a tab, a full-width space
_SEQ = re.compile(r"^\d{1,3}[.、．]?$")
_HEADER_CELLS = 3  # a header names at least this many columns
_HEADER_CELL_MAX = 8  # characters of a column title
_COLUMNS_MAX = 12


def rebuild(text: str) -> tuple[str, list[str]]:
    """The text with each table printed as text replaced by the lines of its rows, and warnings
    for rows that could not be rebuilt (see the module docstring)."""
    lines = text.split("\n")
    out: list[str] = []
    warnings: list[str] = []
    i = 0
    while i < len(lines):
        found = _header(lines, i)
        if found is None:
            out.append(lines[i])
            i += 1
            continue
        header, layout = found
        rows, after = _ROWS[layout](lines, i, header, warnings)
        if not rows:  # a header with nothing under it: left as it was printed
            out.append(lines[i])
            i += 1
            continue
        out.extend(table_lines([header, *rows]))
        i = after
    return "\n".join(out), warnings


def _header(lines: list[str], i: int) -> tuple[list[str], str] | None:
    """The header starting at line ``i``: its column titles, and how its cells are laid out —
    apart by runs of spaces on one line (``spaced``), by single spaces (``single``: a web page's
    table copied as text) or one per line (``lines``)."""
    cells = _cells(lines[i])
    if len(cells) >= _HEADER_CELLS:
        return (cells, "spaced") if _titles(cells) else None
    if len(cells) != 1:
        return None
    words = lines[i].split()
    if len(words) >= _HEADER_CELLS:  # every word a known title: "序号 问题 整改措施 完成情况"
        return (words, "single") if _titles(words) and all(column_title(w) for w in words) else None
    run = []
    for line in lines[i : i + _COLUMNS_MAX]:
        cell = line.strip()
        if not cell or len(cell) > _HEADER_CELL_MAX or _SEQ.match(cell):
            break
        run.append(cell)
    # The longest run of titles from here that names a problem column and a 序号 column.
    for end in range(len(run), _HEADER_CELLS - 1, -1):
        roles = header_roles(run[:end])
        if roles is not None and roles.get("seq") == 0 and "problem" in roles and _titles(run[:end]):
            return run[:end], "lines"
    return None


def _titles(cells: list[str]) -> bool:
    """Column titles naming a problem column: short cells, each a known title or a short word."""
    roles = header_roles(cells)
    return (roles is not None and "problem" in roles and all(len(c) <= _HEADER_CELL_MAX for c in cells)
            and sum(1 for c in cells if column_title(c)) >= _HEADER_CELLS - 1)


def _cells(line: str) -> list[str]:
    return [c for c in _GAP.split(line.strip()) if c]


def _columns(line: str, wide: bool) -> list[tuple[float, str]]:
    """Each cell of a line with the printed column it starts at. Counted in characters or, when
    ``wide``, with a Chinese character two wide: a PDF converter aligns its columns one way or
    the other, so both are tried."""
    out = []
    for m in re.finditer(r"\S+(?: \S+)*", line.replace("\u3000", "  ")):
        out.append((_width(line[: m.start()], wide), m.group(0)))
    return out


def _width(text: str, wide: bool) -> float:
    return sum(2 if wide and unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _spaced_rows(lines: list[str], i: int, header: list[str], warnings: list[str]) -> tuple[list[list[str]], int]:
    """Rows of a table whose cells are apart by spaces, from the header at line ``i``; returns
    the rows and the index of the first line after the table."""
    numbered = (header_roles(header) or {}).get("seq") == 0
    rows: list[list[str]] = []
    j = i + 1
    while j < len(lines):
        line = lines[j]
        cells = _cells(line)
        if not cells or cells == header or page_number(line):  # the header again on a new page
            j += 1
            continue
        # A heading or a label after the table ("二、下一步工作打算") stands under the first column
        # too: it ends the table.
        heading = match_heading_markers(fold(cells[0])) and not (numbered and _SEQ.match(cells[0]))
        placed = None if heading else _under_columns(lines[i], line)
        if numbered:
            new_row = _SEQ.match(cells[0]) is not None and int(cells[0].rstrip(".、．")) == len(rows) + 1
        else:  # every cell, or all but one (left empty) with the first column's
            filled = sum(1 for piece in placed or [] if piece)
            new_row = len(cells) == len(header) or (placed is not None and bool(placed[0]) and filled >= len(header) - 1)
        if new_row and (len(cells) == len(header) or placed is not None):
            rows.append(cells if len(cells) == len(header) else placed)  # type: ignore[arg-type]
        elif not new_row and placed is not None:
            # Under the row above; before the first row, under the header (a title over two lines).
            for k, piece in enumerate(placed):
                if piece and rows:
                    rows[-1][k] += piece
                elif piece:
                    header[k] += piece
        else:
            if new_row or (numbered and _next_number(line, len(rows) + 1)):
                warnings.append(f"table row {len(rows) + 1}: its cells stand under no column of the header; "
                                "read as text")
            break
        j += 1
    return rows, j


def _single_spaced_rows(lines: list[str], i: int, header: list[str],
                        warnings: list[str]) -> tuple[list[list[str]], int]:
    """Rows of a table whose cells are apart by single spaces, from the header at line ``i``: a
    row is a line of as many words as there are columns (its number first when the table has a
    序号 column). Cells are told apart only by those spaces, so a line opening with the next
    number but holding more or fewer words is reported and read as text, and ends the table."""
    numbered = (header_roles(header) or {}).get("seq") == 0
    rows: list[list[str]] = []
    j = i + 1
    while j < len(lines):
        words = lines[j].split()
        if not words or words == header or page_number(lines[j]):
            j += 1
            continue
        opens = _is_seq(words[0], len(rows) + 1) if numbered else not match_heading_markers(fold(words[0]))
        if opens and len(words) == len(header):
            rows.append(words)
            j += 1
            continue
        if numbered and opens:
            warnings.append(f"table row {len(rows) + 1}: {len(words)} cells apart by spaces for {len(header)} "
                            "columns; read as text")
        break
    return rows, j


def _under_columns(header: str, line: str) -> list[str] | None:
    """The pieces of a line each in the header's column it starts under, or None when a piece
    stands under no column (a paragraph after the table, starting at the margin and running
    across the next column), counted in characters, else with Chinese characters two wide."""
    for wide in (False, True):
        starts = [at for at, _ in _columns(header, wide)]
        out = [""] * len(starts)
        for at, piece in _columns(line, wide):
            column = max((k for k, start in enumerate(starts) if start <= at + 1), default=0)
            if column + 1 < len(starts) and at + _width(piece, wide) > starts[column + 1] + 1:
                break  # runs across the next column: not a cell
            out[column] += piece
        else:
            return out
    return None


def _line_rows(lines: list[str], i: int, header: list[str], warnings: list[str]) -> tuple[list[list[str]], int]:
    """Rows of a table printing a cell per line, from the header at line ``i`` (its 序号 column
    first); returns the rows and the index of the first line after the table. The header
    printed again at the top of a page, and page numbers, are passed over."""
    width = len(header)
    j = i + width
    rows: list[list[str]] = []
    while (j := _past_furniture(lines, j, header)) < len(lines) and _is_seq(lines[j], len(rows) + 1):
        at = [j]  # the lines of the row's cells
        k = j + 1
        while (k := _past_furniture(lines, k, header)) < len(lines) and not _is_seq(lines[k], len(rows) + 2) \
                and len(at) < _ROW_LINES_MAX * width:
            at += [k] if lines[k].strip() else []
            k += 1
        texts = [lines[n].strip() for n in at]
        last = k >= len(lines) or not _is_seq(lines[k], len(rows) + 2)
        # The last row ends where its cells do: the fewest lines that fill the columns.
        sizes = range(width, len(texts) + 1) if last else [len(texts)]
        cells, size = next(((c, n) for n in sizes if (c := _typed_cells(texts[:n], header, last)) is not None),
                           (None, 0))
        if cells is not None:
            k = at[size - 1] + 1
        elif last and len(texts) > width:
            cells, k = texts[:width], at[width - 1] + 1
        else:
            warnings.append(f"table row {len(rows) + 1}: {len(texts)} lines for {width} columns; "
                            "its cells could not be told apart")
            roles = header_roles(header) or {}
            cells = [""] * width
            cells[roles.get("seq", 0)], cells[roles.get("problem", 1)] = texts[0], "\n".join(texts[1:])
        rows.append(cells)
        j = k
    return rows, j


_ROW_LINES_MAX = 4  # lines per column a row may take (its cells wrapped)
_SHORT_CELL = 20  # characters of a person's name, a unit or a date


def _typed_cells(texts: list[str], header: list[str], checked: bool = False) -> list[str] | None:
    """A row's cells from its lines: one line per column, or, when cells wrap over several lines,
    the short columns after the problem (status, 责任人, 时限) a line each from the right, the
    lines left to the problem and, when it has one, the measures column, which starts at the
    first line reading as a measure. None when the lines do not fit so. A line per column is
    taken as it is unless ``checked`` (the last row, whose end is not printed)."""
    if len(texts) == len(header) and not checked:
        return texts
    roles = header_roles(header) or {}
    problem = roles.get("problem")
    if roles.get("seq") != 0 or problem != 1 or len(texts) < len(header):
        return None
    cells = [texts[0], *[""] * (len(header) - 1)]
    rest = texts[1:]
    column = len(header) - 1
    while column > problem and (kind := column_kind(header, column)) in ("status", "duty"):
        text = rest.pop()
        short = len(text) <= _SHORT_CELL and "。" not in text
        if not short or (kind == "status" and normalise_status(text) is None):
            return None
        cells[column] = text
        column -= 1
    if column == problem:
        cells[problem] = _joined(rest)
        return cells
    split = next((n for n in range(1, len(rest)) if measure_like(fold(rest[n]))), None)
    if column != problem + 1 or split is None:
        return None
    cells[problem], cells[column] = _joined(rest[:split]), _joined(rest[split:])
    return cells


def _joined(texts: list[str]) -> str:
    """A cell's lines: a wrapped line goes on with the one before, a numbered one opens its own."""
    out = texts[0]
    for text in texts[1:]:
        opens = match_heading_markers(fold(text)) or (items := ordinal_items(fold(text))) and items[0].start == 0
        out += ("\n" if opens else "") + text
    return out


def _past_furniture(lines: list[str], j: int, header: list[str]) -> int:
    """The first line from ``j`` that is not a page number or the header printed again."""
    while j < len(lines):
        if page_number(lines[j]):
            j += 1
        elif [line.strip() for line in lines[j : j + len(header)]] == header:
            j += len(header)
        else:
            return j
    return j


def _next_number(line: str, number: int) -> bool:
    """Whether a line opens with ``number`` (then a space or a stop), as the next row would."""
    m = re.match(r"\s*(\d{1,3})(?:[.、．\s]|$)", line)
    return m is not None and int(m.group(1)) == number


def _is_seq(line: str, number: int) -> bool:
    text = line.strip()
    return _SEQ.match(text) is not None and int(text.rstrip(".、．")) == number


_ROWS = {"spaced": _spaced_rows, "single": _single_spaced_rows, "lines": _line_rows}
