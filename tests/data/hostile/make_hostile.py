"""Hostile files for the readers and the parser (issue 13): small inputs that cost a lot. All text is fictional.

    .venv/bin/python tests/data/hostile/make_hostile.py --out DIR   # writes the files and hostile.json

Nothing here is committed but this script: tests/test_hostile_input.py loads it as a file and
scripts/hostile_inputs.py runs it (scripts do not import from tests/). ``hostile.json`` lists each
file with what must come of it: ``refused`` with a phrase of the reason, or ``parsed`` with the
number of issues and a phrase the text must keep.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

TITLE = "中共青禾县杏林医院委员会关于巡察整改进展情况的通报"
MARK = "杏林医院坚持问题导向逐项整改"  # a sentence the reader must keep


def issue_lines(count: int, start: int = 1) -> list[str]:
    """``count`` numbered issues with a status and one measure each."""
    lines = []
    for i in range(start, start + count):
        lines += [f"{i}.第{i}号病区药品盘点记录登记不全的问题。", "整改结果：已完成",
                  f"整改情况：对第{i}号病区盘点记录逐份复核并补齐签字。"]
    return lines


def notice_text(issues: int = 3) -> str:
    return "\n".join([TITLE, f"{MARK}。", "一、问题整改情况", *issue_lines(issues)])


# -- docx -------------------------------------------------------------------------------------------


def lying_docx(inflated_mb: int, declared: int = 1000, forge_crc: bool = False) -> bytes:
    """A .docx whose document.xml inflates to ``inflated_mb`` MB while its zip headers say ``declared``
    bytes (with ``forge_crc`` the CRC is that of the declared prefix, so a check of the declared bytes passes)."""
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + f"<w:p><w:r><w:t>{MARK}</w:t></w:r></w:p>".encode() + b"<w:p><w:r><w:t>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                package.writestr(info.filename, src.read(info.filename))
        with package.open("word/document.xml", "w") as member:  # streamed: the generator stays small
            member.write(head)
            chunk = b"A" * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(chunk)
            member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    data = bytearray(out.getvalue())
    crc = zlib.crc32((head + b"A" * declared)[:declared])
    name = b"word/document.xml"
    at = data.find(name)
    while at >= 0:
        if data[at - 30:at - 26] == b"PK\x03\x04":  # local header: crc at 14, size at 22
            struct.pack_into("<I", data, at - 30 + 22, declared)
            if forge_crc:
                struct.pack_into("<I", data, at - 30 + 14, crc)
        elif data[at - 46:at - 42] == b"PK\x01\x02":  # central directory: crc at 16, size at 24
            struct.pack_into("<I", data, at - 46 + 24, declared)
            if forge_crc:
                struct.pack_into("<I", data, at - 46 + 16, crc)
        at = data.find(name, at + 1)
    return bytes(data)


def long_docx(paragraphs: int) -> bytes:
    """An honest .docx of ``paragraphs`` short paragraphs (its document.xml grows ~105 bytes a paragraph)."""
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    paragraph = "<w:p><w:r><w:t>第{}项：对病区药品盘点记录逐份复核并补齐签字手续。</w:t></w:r></w:p>"
    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           + "".join(paragraph.format(i) for i in range(paragraphs)).encode() + b"</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in src.infolist():
            package.writestr(info.filename, xml if info.filename == "word/document.xml" else src.read(info.filename))
    return out.getvalue()


# -- html ---------------------------------------------------------------------------------------------


def _page(body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>{body}</body></html>'


def many_attributes(count: int = 100_000, style: str = "valued") -> str:
    """One element with ``count`` attributes (libxml2 checks duplicates pairwise): ``valued`` a{i}="{i}",
    ``bare`` names only, ``bracketed`` values holding "<" and ">"."""
    form = {"valued": 'data-a{i}="{i}"', "bare": "a{i}", "bracketed": 'a{i}="<b>{i}"'}[style]
    attributes = " ".join(form.format(i=i) for i in range(count))
    return _page(f"<div {attributes}><p>{MARK}</p></div>")


def spanning_table(cells: int = 15_000, span: int = 1000) -> str:
    """A table of cells that each span ``span`` rows and columns (each would fill span² grid cells)."""
    row = f'<td rowspan="{span}" colspan="{span}">问题</td>' * 10
    rows = "".join(f"<tr>{row}</tr>" for _ in range(cells // 10))
    return _page(f"<p>{MARK}</p><table>{rows}</table>")


def deep_nesting(depth: int) -> str:
    """The notice inside ``depth`` nested elements."""
    body = "".join(f"<p>{line}</p>" for line in notice_text().splitlines())
    return _page("<div>" * depth + body + "</div>" * depth)


# -- text ---------------------------------------------------------------------------------------------


def repeated_labels(lines: int = 200_000) -> str:
    """Nothing but issue labels, one per line."""
    return "\n".join([TITLE, *["（一）"] * lines])


def files() -> dict[str, tuple[bytes, dict]]:
    """name → (bytes, expectation)."""
    return {
        "docx_lying_header.docx": (lying_docx(400), {"refused": "inflates"}),
        "docx_lying_header_crc.docx": (lying_docx(400, forge_crc=True), {"refused": "inflates"}),
        "docx_9mb_xml.docx": (long_docx(90_000), {"refused": "for one XML part"}),
        "html_100k_attributes.html": (many_attributes().encode(), {"refused": "attributes"}),
        "html_100k_bare_attributes.html": (many_attributes(style="bare").encode(), {"refused": "attributes"}),
        "html_100k_bracketed_attributes.html": (many_attributes(style="bracketed").encode(), {"refused": "attributes"}),
        "html_span_table.html": (spanning_table().encode(), {"refused": "table"}),
        "html_nested_300.html": (deep_nesting(300).encode(), {"parsed": 3, "keeps": MARK}),
        "html_nested_100k.html": (deep_nesting(100_000).encode(), {"parsed": 3, "keeps": MARK}),
        "repeated_labels.txt": (repeated_labels().encode(), {"refused": "implausible"}),
        "issues_10000.txt": ("\n".join([TITLE, "一、问题整改情况", *issue_lines(10_000)]).encode(),
                             {"parsed": 10_000, "keeps": "第10000号病区"}),
        "issues_over_limit.txt": ("\n".join([TITLE, "一、问题整改情况", *issue_lines(10_050)]).encode(),
                                  {"refused": "10,000"}),
    }


def write(folder: Path) -> dict[str, dict]:
    """Write the files and ``hostile.json`` into ``folder``; return name → expectation."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (data, expect) in files().items():
        (folder / name).write_bytes(data)
        expected[name] = expect
    (folder / "hostile.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")
    return expected


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to write into (created)")
    write(parser.parse_args().out)
