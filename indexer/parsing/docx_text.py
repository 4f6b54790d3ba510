"""Reading .docx: paragraphs, tables and content controls in document order (python-docx).

A table becomes lines by :func:`indexer.parsing.tables.table_lines`; a list paragraph gets the number
Word draws before it (:mod:`indexer.parsing.docx_numbering`).

Zip bombs: the zip headers are not trusted. A package whose parts declare more than ``max_bytes``
in all, or an XML part more than :data:`XML_PART_MB`, is refused before anything is unpacked;
then every part is inflated here, a megabyte at a time, and refused as soon as it inflates past
the size its headers declare (a lying header). python-docx only ever sees the parts so checked,
stored uncompressed, so no part can grow in memory beyond what was counted.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from indexer.parsing.decode import Unreadable
from indexer.parsing.docx_numbering import ListNumbers
from indexer.parsing.tables import table_lines

DOCX_EXPANSION = 5  # a .docx may unpack to this many times the size limit
XML_PART_MB = 8  # one XML part (document.xml …) may unpack to this much; a long real notice is well under 1 MB
MB = 1024 * 1024
_CHUNK = MB  # bytes inflated per step


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
    for info in package.infolist():
        if info.filename.endswith((".xml", ".rels")) and info.file_size > XML_PART_MB * MB:
            raise Unreadable(f"the .docx part {info.filename} unpacks to {megabytes(info.file_size)}, over the "
                              f"limit of {XML_PART_MB} MB for one XML part")
    return package


def _inflate(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One part's bytes, inflated here: never more than one step past the size its headers declare."""
    if info.flag_bits & 0x1:
        raise Unreadable(f"an encrypted .docx (part {info.filename})")
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        raise Unreadable(f"truncated or corrupt .docx (no local header for {info.filename})")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    raw = data[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytearray(raw[: info.file_size + 1])
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater, out, pending = zlib.decompressobj(-15), bytearray(), raw
        try:
            while not inflater.eof and len(out) <= info.file_size:
                step = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
                if not step and not pending:
                    break
                out += step
        except zlib.error as exc:
            raise Unreadable(f"truncated or corrupt .docx (part {info.filename}: {exc})") from exc
    else:
        raise Unreadable(f"a .docx with an unsupported compression method ({info.compress_type}) in {info.filename}")
    if len(out) > info.file_size:
        raise Unreadable(f"the .docx part {info.filename} inflates to more than the {info.file_size:,} bytes its "
                          "zip headers declare (a zip bomb with a lying header)")
    if len(out) < info.file_size or zlib.crc32(out) != info.CRC:
        raise Unreadable(f"truncated or corrupt .docx (part {info.filename} does not match its zip headers)")
    return bytes(out)


def _checked_package(data: bytes, max_bytes: int | None) -> bytes:
    """The package rebuilt from parts inflated under the bounds above, stored uncompressed."""
    package = _open_package(data, max_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as rebuilt:
        for info in package.infolist():
            if not info.is_dir():
                rebuilt.writestr(info.filename, _inflate(data, info))
    return out.getvalue()


def read_docx_bytes(data: bytes, *, max_bytes: int | None = None) -> str:
    """A .docx's paragraphs and table rows as lines, in document order. ``max_bytes``: the
    most its parts may unpack to."""
    checked = _checked_package(data, max_bytes)
    import docx  # ~0.4 s import (lxml): only when a .docx is read

    try:
        document = docx.Document(io.BytesIO(checked))
    except Exception as exc:  # python-docx raises KeyError, XMLSyntaxError, zipfile errors…
        raise Unreadable(f"corrupt .docx ({type(exc).__name__}: {exc})") from exc
    return "\n".join(_block_lines(document.element.body, ListNumbers.of(document)))


def _block_lines(container, numbers: ListNumbers) -> list[str]:
    """Lines of a body or table cell: paragraphs (with the number Word draws before a list
    paragraph), tables, and content controls (w:sdt)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in container.iterchildren():
        if child.tag == _W + "p":
            text = Paragraph(child, None).text.strip()
            label = numbers.label(child)
            lines.append(label + text if text else "")
        elif child.tag == _W + "tbl":
            lines.extend(table_lines(_table_rows(Table(child, None), numbers)))
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                lines.extend(_block_lines(content, numbers))
    return [line for line in lines if line]


def _table_rows(table, numbers: ListNumbers) -> list[list[str]]:
    """Cell texts per row, one per grid column; a cell merged across columns is kept in its
    first column and the columns it covers are empty."""
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            cells.append("" if cell._tc is previous else "\n".join(_block_lines(cell._tc, numbers)).strip())
            previous = cell._tc
        rows.append(cells)
    return rows
