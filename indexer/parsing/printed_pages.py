"""Text of printed pages (PDF extraction, soft line breaks): page furniture out, wrapped lines rejoined.

A notice copied out of a PDF keeps the page's line breaks — every ~28 characters in an
official document, mid-word and mid-heading — and the furniture of each page: a page number
("— 3 —", "-3-", "第 3 页 共 8 页") and a running header repeated at the top of each page. Left
in, a footer lands inside a measure and a heading wrapped after "…的问" loses its "题".

* **page numbers** are removed wherever they stand on a line of their own; a bare number
  ("3") only where it cannot be a heading's number or a table's cell (the next line opens a
  paragraph of its own, or a sentence goes on across it);
* **running headers** — a line without punctuation beside a page number, repeated elsewhere
  or reading as the notice's title, or such a title line repeated again and again — are removed;
* **wrapped lines** are joined when the text is wrapped at a fixed width (most lines end
  within a character or two of the same width, almost none beyond it): a full line that does
  not end a sentence goes on with the next, unless that one opens a heading or a label or is
  indented (a closing quote ends a sentence only after a stop: …存在“以会代学”|现象 goes on, and
  关于“…。”|问题的整改 too);
* **soft breaks** in any text (a ``<br>`` inside an HTML paragraph) — a line ending inside a
  clause ("…，") goes on with the next line when that one opens no heading or label, a
  heading number alone on its line ("（一）") with the title on the next, and a label printed
  alone without its colon ("整改措施") with its text on the next ("整改措施：…").

    >>> unwrap(["整改措施：一是修订采购管理办法，", "— 2 —", "明确审批流程；二是开展专项检查。", "（一）", "关于…的问题"], [])
    ['整改措施：一是修订采购管理办法，明确审批流程；二是开展专项检查。', '（一）关于…的问题']
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from indexer.parsing import numbering
from indexer.parsing.characters import TRADITIONAL_TO_SIMPLIFIED

_PAGE_NUMBER = re.compile(
    r"^(?:[-—－–~～]{1,2}\s*\d{1,4}\s*[-—－–~～]{1,2}"  # — 3 —, -3-, －3－
    r"|第\s*\d{1,4}\s*页\s*[,，/]?\s*(?:共\s*\d{1,4}\s*页)?"  # 第 3 页 共 8 页
    r"|共\s*\d{1,4}\s*页\s*[,，/]?\s*第\s*\d{1,4}\s*页"  # 共8页 第3页
    r"|[·•]\s*\d{1,4}\s*[·•]"  # ·3·
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?"  # Page 3 of 8
    r"|(?:page\s*)?\d{1,4}\s*/\s*\d{1,4})$",  # 3/8
    re.I,
)
_PUNCTUATION = re.compile(r"[。，、；：！？,;:!?()（）]")
_TITLE_LIKE = re.compile(r"(?:巡察|巡视|整改).*(?:通报|报告|情况|公告)$")
_HEADER_MIN, _HEADER_MAX = 8, 60  # characters of a running header (a label such as 整改措施 is shorter)
_HEADER_REPEATS = 3  # a line this often in the text, punctuation-free: a running header even without page numbers
_FOOTER_MAX = 16  # characters of a page number or of a heading number alone
_OPENING = 24  # characters that show whether a line opens a paragraph (number, label, 一是)
_INDENT = re.compile(r"^[ \t\u3000\xa0]+")
_INDENT_WIDTH = 2  # a paragraph's first line is indented by two characters
_INDENTED_ALL = 0.8  # this share of lines indented: a margin, not paragraph indents

# Where a wrapped line may not be joined to the next: after a sentence end …
_STOPS = tuple("。！？!?；;")
_QUOTE_CLOSE = tuple("”’\"")
_SENTENCE_END = (*_STOPS, "：", ":", *_QUOTE_CLOSE)  # a colon ends a label's line too
# … but a quoted problem of whole sentences goes on with its wrapper: 关于“…。”|问题的整改, “…。”|的问题
_WRAPPER_TAIL = re.compile(r"[ \t\u3000\xa0]*(?:的?问题|方面)")
# … and, in any text, a line ending inside a clause continues on the next.
_CLAUSE_OPEN = tuple("，,、")
_FULL_SLACK = 1.5  # a full line ends this close to the wrap width (a digit or a squeezed mark)
_OVER_SLACK = 1.0  # a line may exceed the width by a squeezed punctuation mark
_WRAP_MIN, _WRAP_MAX = 16, 60  # plausible wrap widths, in Chinese characters
_WRAP_LINES = 4  # full lines needed to call a text wrapped
_WRAP_SHARE = 0.2  # of the lines of at least half the width
_OVER_SHARE = 0.05  # lines longer than the width allowed in a wrapped text (a title, a table row)


def unwrap(lines: list[str], removed: list[str]) -> list[str]:
    """Page numbers and running headers out, wrapped lines and soft breaks joined; returns the
    lines stripped and without empty ones (see the module docstring). ``removed`` notes what went."""
    kept = _without_page_furniture([line.rstrip() for line in lines if line.strip()], removed)
    width = _wrap_width(kept)
    # Indentation opens a paragraph, unless every line has it (a margin, not an indent).
    indents = sum(1 for line in kept if _INDENT.match(line)) <= _INDENTED_ALL * len(kept)
    out: list[str] = []
    joined = 0
    previous, opened = "", False  # the last physical line, and whether it opened its paragraph
    for line in kept:
        text = line.strip(" \t\u3000\xa0")
        if out and opened and _bare_label(out[-1]):
            # "整改措施" on a line of its own: its colon restored, its text on the next line joined
            # unless that line opens a list ("1.…").
            if _opens_paragraph(line):
                out[-1] += "："
                out.append(text)
            else:
                out[-1] = f"{out[-1]}：{text}"
                joined += 1
        elif out and _continues(previous, opened, line, width, indents):
            out[-1] = _join(out[-1], text)
            joined, opened = joined + 1, False
        else:
            out.append(text)
            opened = True
        previous = line
    if joined:
        removed.append(f"{joined} line breaks inside paragraphs joined" + (f" (wrapped at {width:g})" if width else ""))
    return out


def _without_page_furniture(lines: list[str], removed: list[str]) -> list[str]:
    """Page numbers, and the running headers beside them or repeated, removed."""
    compact = [re.sub(r"\s+", "", line) for line in lines]
    footers = {i for i, line in enumerate(lines) if page_number(line)}
    footers |= _lone_page_numbers(lines, compact)
    if footers:
        removed.append(f"{len(footers)} page numbers")
    counts = Counter(compact)
    beside = {j for i in footers for j in (i - 1, i + 1) if 0 <= j < len(lines) and j not in footers}
    headers = set()
    for i, text in enumerate(compact):
        if not _HEADER_MIN <= len(text) <= _HEADER_MAX or _PUNCTUATION.search(text) or _opens_paragraph(lines[i]):
            continue
        title = _TITLE_LIKE.search(text) is not None
        repeated = title and counts[text] >= _HEADER_REPEATS and text in compact[:i]
        if repeated or (i in beside and (counts[text] > 1 or title)):
            headers.add(i)
    if headers:
        removed.append(f"running header: {compact[min(headers)]}")
    return [line for i, line in enumerate(lines) if i not in footers and i not in headers]


def page_number(line: str) -> bool:
    """Whether a line is a page number ("— 3 —", "第3页 共8页"; not a bare "3")."""
    text = re.sub(r"\s+", "", line)
    return len(text) <= _FOOTER_MAX and _PAGE_NUMBER.match(_width_folded(text)) is not None


_LONE_NUMBER = re.compile(r"^\d{1,3}$")
_PROBLEM_OPENER = re.compile(r"[ \t\u3000\xa0]*(?:关于|针对)")


def _lone_page_numbers(lines: list[str], compact: list[str]) -> set[int]:
    """Bare numbers ("3") printed alone between two pages: where the next line opens a paragraph
    of its own (so the number is not its heading's), where the paragraph goes on across it (the
    line before stops mid-sentence and opens no heading), or as the text's last line."""
    out = set()
    for i, text in enumerate(compact):
        if not _LONE_NUMBER.match(_width_folded(text)) or i == 0:
            continue
        before = lines[i - 1].strip(" \t\u3000\xa0")
        after = lines[i + 1] if i + 1 < len(lines) else None
        if after is None or _opens_paragraph(after):
            out.add(i)
        elif before.endswith(_CLAUSE_OPEN) or (
            not before.endswith(_SENTENCE_END) and not _opens_paragraph(before) and _width(before) >= _WRAP_MIN
        ):
            out.add(i)
    return out


def _width_folded(text: str) -> str:
    """Full-width digits, dashes and colons as ASCII and traditional characters as simplified,
    for the patterns of page numbers, headings and labels (整改結果： is a label too)."""
    return unicodedata.normalize("NFKC", text).translate(TRADITIONAL_TO_SIMPLIFIED)


_NARROW = re.compile("[\x00-\u2e7f]+")  # Latin letters, digits, spaces: half a Chinese character wide


def _width(text: str) -> float:
    """Printed width in Chinese characters: ASCII letters, digits and spaces count half."""
    if len(text) > 2 * _WRAP_MAX + 2:
        return float(len(text))  # wider than any wrap width either way
    return len(text) - (len(text) - len(_NARROW.sub("", text))) / 2


def _wrap_width(lines: list[str]) -> float | None:
    """The width the text is wrapped at, or None when its lines are paragraphs of their own:
    enough lines end at the same width, almost none beyond it, and most of those full lines
    stop mid-sentence (a paragraph's own longest lines end on 。)."""
    widths = Counter(_width(line) for line in lines)
    total = sum(widths.values())
    long_lines = sum(n for w, n in widths.items() if w >= _WRAP_MIN / 2)
    best: tuple[int, float] | None = None
    for candidate in range(_WRAP_MIN, _WRAP_MAX + 1):
        full = sum(n for w, n in widths.items() if candidate - _FULL_SLACK <= w <= candidate + _OVER_SLACK)
        if best is None or full >= best[0]:
            best = (full, float(candidate))
    assert best is not None
    full, width = best
    over = sum(n for w, n in widths.items() if w > width + _OVER_SLACK)
    if full < _WRAP_LINES or full < _WRAP_SHARE * long_lines or over > _OVER_SHARE * total:
        return None
    open_ends = sum(1 for line in lines if _width(line) >= width - _FULL_SLACK and not line.endswith(_SENTENCE_END))
    return width if open_ends * 2 >= full else None


def _opens_paragraph(line: str) -> bool:
    """Whether a line starts a paragraph of its own: a heading number, a field label, or 一是."""
    text = _width_folded(line.strip(" \t\u3000\xa0")[:_OPENING])
    if numbering.match_heading_markers(text) or numbering.match_problem_label(text, 1):
        return True
    labels = numbering.find_labels(text)
    if labels and labels[0].start == 0:
        return True
    items = numbering.ordinal_items(text)
    return bool(items) and items[0].start == 0


def _continues(previous: str, opened: bool, line: str, width: float | None, indents: bool) -> bool:
    """Whether ``line`` goes on with the paragraph whose last physical line is ``previous`` (see
    the module docstring); ``opened``: that line opened its paragraph."""
    text = previous.strip(" \t\u3000\xa0")
    if _bare_marker(text):  # "（一）" alone, its title on the next line (a <p> each)
        return not _opens_paragraph(line)
    if _LONE_NUMBER.match(_width_folded(text)) and _PROBLEM_OPENER.match(line):  # "3" alone, then "关于…的问题"
        return True
    if indents and _INDENT.match(line):
        return False
    if text.endswith(_CLAUSE_OPEN):
        return not _opens_paragraph(line)
    if width is None or (_ends_sentence(text) and not (text.endswith(_QUOTE_CLOSE) and _WRAPPER_TAIL.match(line))):
        return False
    # The first line of a body paragraph may have lost its two-character indent.
    full = width - _FULL_SLACK - (_INDENT_WIDTH if opened and not _opens_paragraph(previous) else 0)
    return _width(previous) >= full and not _opens_paragraph(line)


def _ends_sentence(text: str) -> bool:
    """Whether a line ends a sentence: a closing quote only after a stop (…。” does; a quoted word
    wrapped at the line's end, …存在“以会代学”|现象, does not)."""
    if text.endswith(_QUOTE_CLOSE):
        return text[:-1].endswith(_STOPS)
    return text.endswith(_SENTENCE_END)


def _bare_marker(text: str) -> bool:
    """A heading number alone on its line ("一、"): its title follows on the next line."""
    if len(text) > _FOOTER_MAX:
        return False
    markers = numbering.match_heading_markers(_width_folded(text))
    return bool(markers) and markers[-1].end >= len(text)


def _bare_label(text: str) -> bool:
    """A field label printed alone, without its colon ("整改措施", "完成情况")."""
    if len(text) > _FOOTER_MAX:
        return False
    labels = numbering.find_labels(_width_folded(text) + ":")
    return len(labels) == 1 and labels[0].start == 0 and labels[0].end == len(text) + 1


def _join(previous: str, text: str) -> str:
    """Two parts of one paragraph; a space only between two Latin words."""
    if previous[-1:].isascii() and previous[-1:].isalpha() and text[:1].isascii() and text[:1].isalpha():
        return f"{previous} {text}"
    return previous + text
