"""Reading .docx: paragraphs, tables and content controls in document order (python-docx).

A table becomes lines by :func:`indexer.parsing.tables.table_lines`. A package whose parts
unpack to more than ``max_bytes`` (a zip bomb) is refused before it is unpacked.
"""

from __future__ import annotations

import io
import zipfile

from indexer.parsing.decode import Unreadable
from indexer.parsing.tables import table_lines

DOCX_EXPANSION = 5  # a .docx may unpack to this many times the size limit
MB = 1024 * 1024


def megabytes(size: int) -> str:
    """A byte count for people: ``1.5 MB``."""
    return f"{size / MB:.1f} MB"


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _open_package(data: bytes, max_bytes: int | None = None) -> zipfile.ZipFile:
    if data.startswith(_OLE_MAGIC):
        raise Unreadable("a legacy Word 97-2003 (.doc) file named .docx; save it as .docx")
    if not data.startswith(b"PK"):
        raise Unreadable("not a .docx (not a zip package)")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Unreadable(f"truncated or corrupt .docx (zip: {exc})") from exc
    if "word/document.xml" not in package.namelist():
        raise Unreadable("not a .docx: the package has no word/document.xml")
    unpacked = sum(info.file_size for info in package.infolist())
    if max_bytes is not None and unpacked > max_bytes:
        raise Unreadable(f"the .docx unpacks to {megabytes(unpacked)}, over the limit of "
                          f"{megabytes(max_bytes)} ({DOCX_EXPANSION} × setting max_notice_mb)")
    return package


def read_docx_bytes(data: bytes, *, max_bytes: int | None = None) -> str:
    """A .docx's paragraphs and table rows as lines, in document order. ``max_bytes``: the
    most its parts may unpack to."""
    _open_package(data, max_bytes)
    import docx  # ~0.4 s import (lxml): only when a .docx is read

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, XMLSyntaxError, zipfile errors…
        raise Unreadable(f"corrupt .docx ({type(exc).__name__}: {exc})") from exc
    return "\n".join(_block_lines(document.element.body))


def _block_lines(container) -> list[str]:
    """Lines of a body or table cell: paragraphs, tables, and content controls (w:sdt)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in container.iterchildren():
        if child.tag == _W + "p":
            lines.append(Paragraph(child, None).text.strip())
        elif child.tag == _W + "tbl":
            lines.extend(table_lines(_table_rows(Table(child, None))))
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                lines.extend(_block_lines(content))
    return [line for line in lines if line]


def _table_rows(table) -> list[list[str]]:
    """Cell texts per row, one per grid column; a cell merged across columns is kept in its
    first column and the columns it covers are empty."""
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            cells.append("" if cell._tc is previous else "\n".join(_block_lines(cell._tc)).strip())
            previous = cell._tc
        rows.append(cells)
    return rows
