"""Reading: files and folders → decoded :class:`RawDocument` (txt, docx, html).

    >>> read_path("tests/data/read/gbk_notice.txt").encoding
    'gbk'

* **txt** — bytes are decoded by :func:`decode`: a byte-order mark wins; otherwise UTF-8, GBK
  and GB18030 are each tried *strictly* (a codec that fails on one byte is out) and the one giving
  the most plausible Chinese text is kept (ties: UTF-8 first; strict UTF-8 success is proof, not a
  guess). Only when none of them reads the file plausibly (or it holds NUL bytes) is
  charset-normalizer asked for another codec, whose result is checked the same way. Its guess
  is not trusted alone: short Chinese-only GBK texts come back misnamed (``整改结果：已完成`` in
  GBK as ``cp949``), and GBK bytes can be valid UTF-8 (``医院`` → ``ҽԺ``). Traditional-Chinese
  Big5 notices are out of scope (refused as implausible). ``RawDocument.encoding`` names the
  codec used.
* **docx** — paragraphs and tables in document order (python-docx). A table row becomes lines
  the segmenter can read like a printed notice: with a header row ``序号 | 问题 | 整改措施 |
  完成情况``, the row ``1 | 党费收缴不规范 | 一是… | 已完成`` becomes ``1.党费收缴不规范`` /
  ``整改措施：一是…`` / ``完成情况：已完成`` (each column labelled with its own printed header,
  so no label is invented); a row merged across the table is a heading line; a table without a
  recognisable header gives one line per cell.
* **html** — lxml: scripts, styles, navigation, headers/footers, share/print/font-size widgets
  are dropped; the body is the smallest element holding most of the page's non-link Chinese
  text, extended up to the notice title when the title sits just above it; block elements
  become line breaks; a data table (one with no table inside: not page layout) becomes lines by
  the same rule as a docx table (:func:`table_lines`); 当前位置/字体大小/访问量/分享/打印 lines or
  fragments are removed.

Every failure is a :class:`ReadError` naming the file and the reason (empty, binary, not a zip,
truncated zip, undecodable, too big …).

Size limit: a file over ``max_mb`` (setting ``max_notice_mb``, default 20 MB; a real notice is
rarely above 1 MB) is refused before it is read, and a .docx whose parts expand to more than
:data:`DOCX_EXPANSION` times that (a zip bomb) before it is unpacked: a scraped folder can hold
a mislabelled dump, and one file must not stall or exhaust a run.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from indexer.errors import ReadError
from indexer.types import RawDocument

SUFFIXES = {".txt": "txt", ".docx": "docx", ".html": "html", ".htm": "html"}
DEFAULT_MAX_MB = 20.0  # the default of the setting max_notice_mb
DOCX_EXPANSION = 5  # a .docx may unpack to this many times the size limit
MB = 1024 * 1024


class _Unreadable(Exception):
    """Internal: why bytes could not become text; turned into a ReadError with the path."""


# --------------------------------------------------------------------------- files


def _skipped(path: Path) -> bool:
    """Hidden files and Word's ``~$name.docx`` lock files are not notices."""
    return path.name.startswith((".", "~$"))


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Supported files under the given files and folders (recursive, sorted per folder).

    A file named explicitly is always yielded (an unsupported or missing one then fails in
    :func:`read_path` with a clear reason, and the run goes on).
    """
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES and not _skipped(f)
            )
        else:
            yield p


def _megabytes(size: int) -> str:
    return f"{size / MB:.1f} MB"


def read_path(path: str | Path, *, max_mb: float | None = DEFAULT_MAX_MB) -> RawDocument:
    """Read one file. Raises ReadError(path, reason). ``max_mb``: the size limit (None: none).

    >>> read_path("tests/data/read/empty.txt")
    Traceback (most recent call last):
    indexer.errors.ReadError: tests/data/read/empty.txt: empty file (0 bytes)
    """
    p = Path(path)
    if p.is_dir():
        raise ReadError(str(p), "is a directory")
    fmt = SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(SUFFIXES))
        raise ReadError(str(p), f"unsupported file type '{p.suffix}' (supported: {supported})")
    limit = None if max_mb is None else int(max_mb * MB)
    try:
        size = p.stat().st_size
        if limit is None:
            data = p.read_bytes()
        elif size <= limit:
            with p.open("rb") as fh:
                data = fh.read(limit + 1)  # the file may have grown since stat()
            size = max(size, len(data))
    except FileNotFoundError as exc:
        raise ReadError(str(p), "file not found") from exc
    except IsADirectoryError as exc:
        raise ReadError(str(p), "is a directory") from exc
    except PermissionError as exc:
        raise ReadError(str(p), "permission denied") from exc
    except OSError as exc:
        raise ReadError(str(p), f"cannot read the file ({exc.strerror or exc})") from exc
    if limit is not None and size > limit:
        raise ReadError(str(p), f"file is {_megabytes(size)}, over the limit of {max_mb:g} MB (setting max_notice_mb)")
    try:
        if not data:
            raise _Unreadable("empty file (0 bytes)")
        if fmt == "docx":
            unpacked_limit = None if limit is None else limit * DOCX_EXPANSION
            text, encoding = read_docx_bytes(data, max_bytes=unpacked_limit), None
        else:
            decoded = decode(data)
            text, encoding = decoded.text, decoded.encoding
            if fmt == "html":
                text = html_to_text(text)
    except _Unreadable as exc:
        raise ReadError(str(p), str(exc)) from exc
    if not text.strip():
        raise ReadError(str(p), "no text: the file holds only whitespace or markup")
    return RawDocument(source=str(p), text=text, format=fmt, encoding=encoding)


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # Python codec name: "utf_8", "utf_8_sig", "gbk", "gb18030", …


_BOMS = (
    (b"\xef\xbb\xbf", "utf_8_sig", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf_32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf_32", "UTF-32"),
    (b"\xff\xfe", "utf_16", "UTF-16"),
    (b"\xfe\xff", "utf_16", "UTF-16"),
)
# Tried in this order; on equal plausibility the earlier wins (strict UTF-8 success is proof).
_CHINESE_CODECS = ("utf_8", "gbk", "gb18030")
# Below this a non-UTF-8 decoding is refused (mixed, binary or an unsupported encoding).
_MIN_PLAUSIBILITY = 0.8
_NEWLINES = re.compile(r"\r\n?")


def _plausibility(text: str) -> float:
    """Share of characters expected in a Chinese notice (0..1), common characters weighing most.

    Real notices are >99% GB2312 level-1 characters (the 3,755 common ones); UTF-8 bytes read
    as GBK give mostly rare or extension characters, Korean, or Latin letters.

    >>> _plausibility("整改结果：已完成"), round(_plausibility("정개결과：已完成"), 2)
    (1.0, 0.5)
    """
    if not text:
        return 0.0
    return sum(_char_weight(ch) for ch in text) / len(text)


@cache
def _char_weight(ch: str) -> float:
    o = ord(ch)
    if ch in "\t\n\r\f" or 0x20 <= o < 0x7F:
        return 1.0
    if 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x3134F:
        return 0.6  # Ext-A/B…: rare, but only a deliberate GB18030 or UTF-8 file yields them
    if 0x4E00 <= o <= 0x9FFF:
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            return 0.2  # GBK extension: what UTF-8 bytes read as GBK mostly turn into
        return 1.0 if lead <= 0xD7 else 0.5  # GB2312 level 1 (common) / level 2
    if 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or 0x2000 <= o <= 0x206F or o in (0xA0, 0xB7, 0xD7):
        return 1.0  # CJK and full-width punctuation, general punctuation (— … “ ”)
    if 0x2460 <= o <= 0x24FF or 0x2160 <= o <= 0x217F or 0x25A0 <= o <= 0x25FF:
        return 1.0  # ①, Ⅳ, ■ — numbering and bullets
    return 0.0


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detector_guess(data: bytes) -> str | None:
    from charset_normalizer import from_bytes  # ~70 ms import: only when UTF-8 and GB fail

    best = from_bytes(data).best()
    return best.encoding if best is not None else None


def _clean(text: str) -> str:
    return _NEWLINES.sub("\n", text).replace("\ufeff", "")


def decode(data: bytes) -> Decoded:
    """Decode a text file's bytes; never a silent guess (see the module docstring).

    >>> decode("整改结果：已完成".encode("gbk"))
    Decoded(text='整改结果：已完成', encoding='gbk')
    >>> decode(b"\\xef\\xbb\\xbf\\xe9\\x80\\x9a\\xe6\\x8a\\xa5")
    Decoded(text='通报', encoding='utf_8_sig')
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise _Unreadable(f"starts with a {name} byte-order mark but is not valid {name}")
            return Decoded(_clean(text.lstrip("\ufeff")), codec)
    if data.isascii() and b"\x00" not in data:
        return Decoded(_clean(data.decode("ascii")), "ascii")
    guess = None
    if b"\x00" in data:
        guess = _detector_guess(data)
        if not (guess or "").startswith(("utf_16", "utf_32")):
            raise _Unreadable("binary file (contains NUL bytes), not a text notice")
    scored = _score(data, _CHINESE_CODECS if guess is None else (guess,))
    if not scored or not _accepted(scored[0]):
        # Neither UTF-8 nor GB18030 reads it plausibly: ask the detector for another codec.
        guess = guess or _detector_guess(data)
        if guess and guess not in _CHINESE_CODECS:
            scored = sorted([*scored, *_score(data, (guess,), first_rank=len(_CHINESE_CODECS))], reverse=True)
    if not scored:
        raise _Unreadable(_undecodable_reason(data, guess))
    score, _, codec, text = scored[0]
    if not _accepted(scored[0]):
        raise _Unreadable(
            f"cannot decode: the best candidate ({codec}) gives implausible text "
            f"({score:.0%} expected characters); binary or an unsupported encoding"
        )
    return Decoded(_clean(text), codec)


_Scored = tuple[float, int, str, str]  # plausibility, -preference, codec, text


def _score(data: bytes, codecs: Iterable[str], first_rank: int = 0) -> list[_Scored]:
    """Strict decodings, best first; on equal plausibility the earlier codec wins."""
    scored = []
    for rank, codec in enumerate(codecs, start=first_rank):
        text = _strict(data, codec)
        if text is not None:
            scored.append((_plausibility(text), -rank, codec, text))
    return sorted(scored, reverse=True)


def _accepted(candidate: _Scored) -> bool:
    score, _, codec, _ = candidate
    return codec == "utf_8" or score >= _MIN_PLAUSIBILITY  # strict UTF-8 success is proof enough


def _undecodable_reason(data: bytes, guess: str | None) -> str:
    """Name where UTF-8 and GB18030 each fail, so a reader can see a mixed or broken file."""
    where = []
    for codec, name in (("utf_8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            data.decode(codec)
        except UnicodeDecodeError as exc:
            where.append(f"{name} (byte 0x{data[exc.start]:02x} at offset {exc.start})")
    detector = f"charset-normalizer: {guess}" if guess else "charset-normalizer: no match"
    return f"cannot decode: not valid {' nor '.join(where)}; {detector}"


# --------------------------------------------------------------------------- docx

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _open_package(data: bytes, max_bytes: int | None = None) -> zipfile.ZipFile:
    if data.startswith(_OLE_MAGIC):
        raise _Unreadable("a legacy Word 97-2003 (.doc) file named .docx; save it as .docx")
    if not data.startswith(b"PK"):
        raise _Unreadable("not a .docx (not a zip package)")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise _Unreadable(f"truncated or corrupt .docx (zip: {exc})") from exc
    if "word/document.xml" not in package.namelist():
        raise _Unreadable("not a .docx: the package has no word/document.xml")
    unpacked = sum(info.file_size for info in package.infolist())
    if max_bytes is not None and unpacked > max_bytes:
        raise _Unreadable(f"the .docx unpacks to {_megabytes(unpacked)}, over the limit of "
                          f"{_megabytes(max_bytes)} ({DOCX_EXPANSION} × setting max_notice_mb)")
    return package


def read_docx_bytes(data: bytes, *, max_bytes: int | None = None) -> str:
    """A .docx's paragraphs and table rows as lines, in document order. ``max_bytes``: the
    most its parts may unpack to."""
    _open_package(data, max_bytes)
    import docx  # ~0.4 s import (lxml): only when a .docx is read

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, XMLSyntaxError, zipfile errors…
        raise _Unreadable(f"corrupt .docx ({type(exc).__name__}: {exc})") from exc
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


_SEQ_HEADER = re.compile(r"^(序号|序|编号|No\.?)$", re.I)
_PROBLEM_HEADER = re.compile(r"问题")
_ROLE_HEADER = re.compile(r"问题|措施|情况|进展|结果|时限|责任|状态|备注|举措|表现|成效|目标")
_DIGITS = re.compile(r"^\d+[.、．]?$")
_CN_NUMERAL = re.compile(r"^[一二三四五六七八九十]+[、.．]?$")
_SPACES = re.compile(r"\s+")


def _header_roles(row: list[str]) -> dict[str, int] | None:
    """Column roles when ``row`` is a header row (short cells, known labels), else None."""
    labels = [_SPACES.sub("", c) for c in row]
    if len(labels) < 2 or any(len(label) > 12 for label in labels):
        return None
    if sum(1 for label in labels if _ROLE_HEADER.search(label)) < 1:
        return None
    roles: dict[str, int] = {}
    for i, label in enumerate(labels):
        if _SEQ_HEADER.match(label) and "seq" not in roles:
            roles["seq"] = i
        elif _PROBLEM_HEADER.search(label) and not re.search("措施|情况|结果", label) and "problem" not in roles:
            roles["problem"] = i
    return roles


def _numbered(seq: str, first: str) -> str:
    seq = seq.strip()
    if _DIGITS.match(seq):
        return f"{seq.rstrip('.、．')}.{first}"
    if _CN_NUMERAL.match(seq):
        return f"{seq.rstrip('.、．')}、{first}"
    return f"{seq}{first}"


def table_lines(rows: list[list[str]]) -> list[str]:
    """Lines for a table given as rows of cell texts (see the module docstring).

    >>> table_lines([["序号", "问题", "整改措施", "完成情况"],
    ...              ["一、班子建设方面", "", "", ""],
    ...              ["1", "学习不深入", "一是…\\n二是…", "已完成"]])
    ['一、班子建设方面', '1.学习不深入', '整改措施：一是…', '二是…', '完成情况：已完成']
    """
    header_at, roles = None, None
    for i, row in enumerate(rows[:3]):
        roles = _header_roles(row)
        if roles is not None:
            header_at = i
            break
    lines: list[str] = []
    if header_at is None or roles is None:
        for row in rows:
            lines.extend(line for cell in row for line in cell.split("\n") if line.strip())
        return lines
    header = [_SPACES.sub("", c) for c in rows[header_at]]
    lines.extend(line for row in rows[:header_at] for cell in row for line in cell.split("\n") if line)
    for row in rows[header_at + 1 :]:
        filled = [c for c in row if c]
        if not filled or [_SPACES.sub("", c) for c in row] == header:
            continue
        if len(filled) == 1 and not (_DIGITS.match(filled[0]) or _CN_NUMERAL.match(filled[0])):
            lines.extend(filled[0].split("\n"))  # one text across the row: a heading
            continue
        lines.extend(_row_lines(row, header, roles))
    return lines


def _row_lines(row: list[str], header: list[str], roles: dict[str, int]) -> list[str]:
    seq_at, problem_at = roles.get("seq"), roles.get("problem")
    if problem_at is None:
        problem_at = next((i for i, c in enumerate(row) if i != seq_at and c), None)
    lines: list[str] = []
    if problem_at is not None and problem_at < len(row) and row[problem_at]:
        first, *rest = row[problem_at].split("\n")
        seq = row[seq_at] if seq_at is not None and seq_at < len(row) else ""
        lines.append(_numbered(seq, first) if seq else first)
        lines.extend(rest)
    for i, cell in enumerate(row):
        if i in (seq_at, problem_at) or not cell:
            continue
        label = header[i] if i < len(header) and header[i] else None
        first, *rest = cell.split("\n")
        lines.append(f"{label}：{first}" if label else first)
        lines.extend(rest)
    return lines


# --------------------------------------------------------------------------- html

_DROP_TAGS = ("script", "style", "noscript", "nav", "aside", "form", "iframe", "button", "select",
              "input", "textarea", "svg", "template", "object", "embed", "map")
# Page furniture by class/id token: navigation, breadcrumbs, share/print/font widgets, footers.
_JUNK_ATTR = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|position|location|weizhi|dqwz|share|"
    r"bdshare\w*|jiathis|social|footer|foot|sidebar|toolbar|fontsize|font-size|zihao|zh?size|"
    r"print|dayin|visit(?:s|or)?|views?|hits|related|xgwz|xgxx|pager|pagination|copyright|"
    r"banner|login|search|qrcode|ewm|gotop|backtop)(?:$|[\s_\d-])",
    re.I,
)
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "td", "th", "table", "tbody", "thead", "h1", "h2", "h3",
    "h4", "h5", "h6", "section", "article", "main", "dl", "dt", "dd", "blockquote", "pre", "hr",
    "center", "figure", "figcaption", "address", "header", "footer", "caption",
}
_CJK = re.compile(r"[\u3400-\u9fff]")
# Chinese characters allowed between a title and the body (an info line: 发布时间, 来源 …).
_TITLE_SLACK = 80
_ASCII_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_TITLE_ATTR = re.compile(r"title|biaoti|headline|(?:^|[\s_-])(?:bt|tit)(?:$|[\s_\d-])", re.I)
# Whole lines that are page furniture.
_JUNK_LINE = re.compile(
    r"^(?:(?:当前位置|您的位置|您现在的位置|你的位置|你现在的位置|所在位置)\s*[:：]|"
    r"(?:分享到|分享|打印本页|打印|关闭窗口|关闭|返回顶部|返回|收藏本页|收藏|上一篇|下一篇|扫一扫|"
    r"相关链接|相关文章|相关阅读|网站地图|联系我们|版权所有|主办单位|承办单位|技术支持|网站标识码|"
    r"主办|承办)(?:\s*[:：].*)?$|.*(?:ICP备|公网安备|版权所有|Copyright|©).*$)",
    re.I,
)
_BREADCRUMB = re.compile(r"^.{0,12}首页\s*[>＞»›→/]")
# Fragments removed from inside a line (an info line keeps its 发布时间/来源).
_JUNK_FRAGMENTS = (
    re.compile(r"(?:访问量|访问次数|浏览次数|浏览量|阅读次数|阅读量|点击数|点击量|点击率)\s*[:：]?\s*[\d,]*\s*次?"),
    re.compile(r"[【\[]?\s*(?:字体|字号)\s*(?:大小)?\s*[:：]?\s*[【\[]?\s*[大中小](?:\s*[|｜/]?\s*[大中小]){1,2}\s*[】\]]?"),
    re.compile(r"[【\[]\s*(?:打印(?:本页)?|关闭(?:窗口)?|收藏|分享|返回顶部|加入收藏)\s*[】\]]"),
    re.compile(r"(?:分享到|分享)\s*[:：].*$"),
    re.compile(r"(?<!\S)(?:打印本页|打印|关闭窗口|关闭|收藏|返回顶部)(?!\S)"),
)


def _cjk_count(text: str | None) -> int:
    return len(_CJK.findall(text)) if text else 0


def _is_element(el) -> bool:
    return isinstance(el.tag, str)


def _drop_furniture(root) -> None:
    for el in list(root.iter(*_DROP_TAGS)):
        el.drop_tree()
    for el in list(root.iter("a")):
        if el.get("href", "").strip().lower().startswith("javascript:"):
            el.drop_tree()  # print / close / font-size buttons
    for el in list(root.iter("header", "footer")):
        if not any(a.tag in ("article", "main") for a in el.iterancestors()):
            el.drop_tree()
    for el in list(root.iter()):
        if not _is_element(el) or el.tag in ("html", "body"):
            continue
        if _JUNK_ATTR.search(f"{el.get('class', '')} {el.get('id', '')}"):
            el.drop_tree()


def _score_text(el, scores: dict, in_link: bool = False) -> int:
    """Non-link Chinese characters under each element (links are navigation, not body)."""
    link = in_link or el.tag == "a"
    total = 0 if link or not _is_element(el) else _cjk_count(el.text)
    for child in el:
        if _is_element(child):
            total += _score_text(child, scores, link)
        total += 0 if link else _cjk_count(child.tail)
    scores[el] = total
    return total


def _content_block(body, scores: dict):
    """The smallest element holding at least 85% of the page's non-link Chinese text (never a
    data table alone: the headings and paragraphs around it belong to the notice too)."""
    total = scores.get(body, 0)
    node = body
    while True:
        child = next((c for c in node if _is_element(c) and scores.get(c, 0) >= 0.85 * total), None)
        if child is None or (child.tag == "table" and _is_data_table(child)):
            return node  # a data table is read whole, with the paragraphs around it
        node = child


def _title_element(root, content):
    """The nearest heading before the content block, outside it (the notice title)."""
    inside = set(content.iter())
    best = None
    for el in root.iter():
        if el is content:
            break
        if not _is_element(el) or el in inside:
            continue
        is_heading = el.tag in ("h1", "h2", "h3", "h4") or _TITLE_ATTR.search(
            f"{el.get('class', '')} {el.get('id', '')}"
        )
        text = el.text_content().strip()
        if is_heading and 4 <= _cjk_count(text) <= 120:
            best = el
    return best


def _common_ancestor(a, b):
    ancestors = {id(x) for x in [a, *a.iterancestors()]}
    return next(x for x in [b, *b.iterancestors()] if id(x) in ancestors)


def _lines_of(el) -> list[str]:
    parts: list[str] = []

    def walk(node) -> None:
        if node.tag == "table" and _is_data_table(node):
            # A data table: its rows read like the printed notice (the same rule as docx).
            parts.extend(("\n", "\n".join(table_lines(_html_table_rows(node))), "\n"))
            return
        block = node.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.text:
            parts.append(_ASCII_SPACE.sub(" ", node.text))
        for child in node:
            if _is_element(child):
                walk(child)
            if child.tail:
                parts.append(_ASCII_SPACE.sub(" ", child.tail))
        if block:
            parts.append("\n")

    walk(el)
    return [line.strip() for line in "".join(parts).split("\n") if line.strip()]


def _is_data_table(table) -> bool:
    """A table holding data, not page layout: no table inside it."""
    return next(table.iterdescendants("table"), None) is None


def _own_rows(table) -> list:
    """The table's rows (directly, or under thead/tbody/tfoot), not those of nested tables."""
    rows = []
    for child in table:
        if not _is_element(child):
            continue
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if _is_element(c) and c.tag == "tr")
    return rows


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name, "1")), 50))
    except ValueError:
        return 1


def _html_table_rows(table) -> list[list[str]]:
    """Cell texts per row, one per grid column, as :func:`_table_rows` gives them for docx: a
    cell spanning columns (colspan) is kept in its first column and the columns it covers are
    empty; a cell spanning rows (rowspan) is repeated in each of them (a status merged over
    several problems belongs to each)."""
    rows: list[list[str]] = []
    spanned: dict[tuple[int, int], str] = {}  # (row, column) → text of a rowspan from above
    for r, tr in enumerate(_own_rows(table)):
        cells: list[str] = []
        for td in (c for c in tr if _is_element(c) and c.tag in ("td", "th")):
            while (r, len(cells)) in spanned:
                cells.append(spanned.pop((r, len(cells))))
            col = len(cells)
            colspan, rowspan = _span(td, "colspan"), _span(td, "rowspan")
            text = "\n".join(_lines_of(td))
            cells.extend([text] + [""] * (colspan - 1))
            for below in range(r + 1, r + rowspan):
                for c in range(col, col + colspan):
                    spanned[(below, c)] = text if c == col else ""
        while (r, len(cells)) in spanned:
            cells.append(spanned.pop((r, len(cells))))
        rows.append(cells)
    return rows


def _strip_furniture(line: str) -> str | None:
    """The line without page furniture; None when nothing of the notice is left."""
    if _JUNK_LINE.match(line) or _BREADCRUMB.match(line):
        return None
    for fragment in _JUNK_FRAGMENTS:
        line = fragment.sub("", line)
    line = line.strip(" \u3000\xa0|｜/")
    return line if re.search(r"[\w\u3400-\u9fff]", line) else None


def html_to_text(markup: str) -> str:
    """The notice body of an HTML page as lines (see the module docstring)."""
    from lxml import html as lxml_html

    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)  # lxml refuses str with an XML declaration
    try:
        root = lxml_html.document_fromstring(markup)
    except Exception as exc:  # lxml.etree.ParserError on empty or non-HTML input
        raise _Unreadable(f"not an HTML page ({exc})") from exc
    page_title = root.findtext(".//title") or ""
    _drop_furniture(root)
    body = root.find("body")
    if body is None:
        body = root
    scores: dict = {}
    _score_text(body, scores)
    content = _content_block(body, scores)
    heading = _title_element(body, content)
    if heading is not None:
        article = _common_ancestor(heading, content)
        # Only widen to the title's container when that adds little besides the title.
        if scores.get(article, 0) - scores.get(content, 0) <= _cjk_count(heading.text_content()) + _TITLE_SLACK:
            content = article
        else:
            heading = None
    lines = [kept for line in _lines_of(content) if (kept := _strip_furniture(line))]
    if heading is None:
        lines = _with_page_title(lines, page_title)
    if lines and lines[0] in lines[1:5]:
        # The page heading repeats the title the body prints again: keep one.
        del lines[lines.index(lines[0], 1)]
    return "\n".join(lines)


def _with_page_title(lines: list[str], page_title: str) -> list[str]:
    """Prepend the <title> (minus the site name) when the body starts without a title."""
    parts = [p.strip() for p in re.split(r"\s*[-_|｜–—]+\s*", page_title) if p.strip()]
    candidates = [p for p in parts if re.search("巡察|巡视|整改", p)]
    if not candidates or (lines and candidates[0] in lines[0]):
        return lines
    return [candidates[0], *lines]
