"""Reading HTML pages: the notice body as lines, page furniture dropped (lxml).

Scripts, styles, navigation, headers/footers, share/print/font-size widgets are dropped; the
body is the smallest element holding most of the page's non-link Chinese text, extended up to
the notice title when the title sits just above it; block elements become line breaks, an <ol>
item gets the number a browser draws before it; a data
table (one with no table inside: not page layout) becomes lines by the same rule as a docx table
(:func:`indexer.parsing.tables.table_lines`); 当前位置/字体大小/访问量/分享/打印 lines or
fragments are removed.

Bounds (a scraped page must not cost minutes or gigabytes): an element with more than
:data:`MAX_ATTRIBUTES` attributes (libxml2 compares attributes pairwise) and a table that fills
more than :data:`MAX_TABLE_CELLS` grid cells once its row and column spans are laid out are
refused with that reason; a span counts for at most :data:`MAX_SPAN` rows or columns and never
beyond the table. libxml2 drops what is nested deeper than 256 elements: when the parsed page has
lost text that way, the page is read as plain text instead (tags removed, block tags as line
breaks), so nothing is lost silently.
"""

from __future__ import annotations

import re

from indexer.parsing.decode import Unreadable
from indexer.parsing.normalise import fold
from indexer.parsing.numbering import match_heading
from indexer.parsing.tables import table_lines

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
MAX_ATTRIBUTES = 1_000  # per element; real pages have a few dozen
MAX_TABLE_CELLS = 100_000  # per table, spans laid out; a long real rectification table has a few thousand
MAX_SPAN = 50  # rows or columns one cell may span
# A start tag, quoted values whole (they may hold "<" or ">"); a "<" outside quotes ends the try, so
# the scan is linear. Attributes are counted only in tags long enough to hold MAX_ATTRIBUTES of them.
_START_TAG = re.compile(r"""<[A-Za-z][^\s/<>"']*((?:"[^"]*+"|'[^']*+'|[^'"<>]++)*+)>""")  # possessive: no backtracking
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_ATTRIBUTE = re.compile(r"""[^\s="'/]+(?:\s*=\s*(?:""|''|[^\s"']+))?""")  # name, or name=value
_UNREAD = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS | {"title"})) + r")\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"<[^>]*>")
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
    pending: list[str] = []  # an <ol> item's number, printed before the item's first text

    def emit(text: str) -> None:
        text = _ASCII_SPACE.sub(" ", text)
        if pending and text.strip():
            number = pending.pop()
            text = text.lstrip() if match_heading(fold(text.lstrip())) else number + text.lstrip()
        parts.append(text)

    def walk(node) -> None:
        if node.tag == "table" and _is_data_table(node):
            # A data table: its rows read like the printed notice (the same rule as docx).
            parts.extend(("\n", "\n".join(table_lines(_html_table_rows(node))), "\n"))
            return
        block = node.tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if node.tag == "li":
            pending[:] = [label] if (label := _list_number(node)) else []
        if node.text:
            emit(node.text)
        for child in node:
            if _is_element(child):
                walk(child)
            if child.tail:
                emit(child.tail)
        if node.tag == "li":
            pending.clear()  # an empty item numbers nothing after it
        if block:
            parts.append("\n")

    walk(el)
    return [line.strip() for line in "".join(parts).split("\n") if line.strip()]


def _list_number(item) -> str:
    """The number a browser draws before an <ol> item: "1." in a list, "（1）" in a list inside a
    list ("" for an <ul> item). An item that prints its own number keeps it (see ``emit``)."""
    parent = item.getparent()
    if parent is None or parent.tag != "ol":
        return ""
    try:
        start = int(parent.get("start", "1"))
    except ValueError:
        start = 1
    number = start + sum(1 for sibling in item.itersiblings(preceding=True) if sibling.tag == "li")
    nested = any(ancestor.tag == "ol" for ancestor in parent.iterancestors())
    return f"（{number}）" if nested else f"{number}."


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
        return max(1, min(int(cell.get(name, "1")), MAX_SPAN))
    except ValueError:
        return 1


def _too_many_cells(count: int) -> Unreadable:
    return Unreadable(f"an HTML table fills more than {MAX_TABLE_CELLS:,} cells once its row and column spans are "
                      f"laid out ({count:,} so far): refused, a notice's table is far smaller")


def _html_table_rows(table) -> list[list[str]]:
    """Cell texts per row, one per grid column, as :func:`_table_rows` gives them for docx: a
    cell spanning columns (colspan) is kept in its first column and the columns it covers are
    empty; a cell spanning rows (rowspan) is repeated in each of them (a status merged over
    several problems belongs to each)."""
    rows: list[list[str]] = []
    spanned: dict[tuple[int, int], str] = {}  # (row, column) → text of a rowspan from above
    own_rows = _own_rows(table)
    filled = 0  # grid cells laid out so far, spans included
    for r, tr in enumerate(own_rows):
        cells: list[str] = []
        for td in (c for c in tr if _is_element(c) and c.tag in ("td", "th")):
            while (r, len(cells)) in spanned:
                cells.append(spanned.pop((r, len(cells))))
            col = len(cells)
            colspan, rowspan = _span(td, "colspan"), _span(td, "rowspan")
            text = "\n".join(_lines_of(td))
            below_rows = range(r + 1, min(r + rowspan, len(own_rows)))
            filled += colspan * (1 + len(below_rows))
            if filled > MAX_TABLE_CELLS:
                raise _too_many_cells(filled)
            cells.extend([text] + [""] * (colspan - 1))
            for below in below_rows:
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


# The canonical link sits in the page's head: only its first characters are searched, and a tag's
# length is bounded, so a hostile page costs no more than a short scan.
_HEAD_CHARS = 64 * 1024
_LINK_TAG = re.compile(r"<link\b[^<>]{0,2000}>", re.I)
_TAG_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def canonical_link(markup: str) -> str | None:
    """The href of the page's ``<link rel="canonical">`` (entities decoded), as written.

    >>> canonical_link('<head><link href="https://x.gov.cn/a.html?id=1&amp;p=2" rel="Canonical"></head>')
    'https://x.gov.cn/a.html?id=1&p=2'
    >>> canonical_link('<link rel="stylesheet" href="a.css">') is None
    True
    """
    import html

    for tag in _LINK_TAG.finditer(markup, 0, _HEAD_CHARS):
        attrs = {m.group(1).lower(): next(v for v in m.groups()[1:] if v is not None)
                 for m in _TAG_ATTR.finditer(tag.group())}
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return html.unescape(attrs["href"]).strip()
    return None


def html_to_text(markup: str) -> str:
    """The notice body of an HTML page as lines (see the module docstring)."""
    from lxml import html as lxml_html

    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)  # lxml refuses str with an XML declaration
    _check_attributes(markup)
    try:
        root = lxml_html.document_fromstring(markup)
    except Exception as exc:  # lxml.etree.ParserError on empty or non-HTML input
        raise Unreadable(f"not an HTML page ({exc})") from exc
    if _lost_text(root, markup):
        return "\n".join(_plain_lines(markup))
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


def _check_attributes(markup: str) -> None:
    """Refuse a page with an element of more than MAX_ATTRIBUTES attributes (before libxml2 sees it)."""
    for match in _START_TAG.finditer(markup):
        if len(match.group(1)) < 2 * MAX_ATTRIBUTES:  # " a" is the shortest attribute
            continue
        count = sum(1 for _ in _ATTRIBUTE.finditer(_QUOTED.sub('""', match.group(1))))
        if count > MAX_ATTRIBUTES:
            raise Unreadable(f"an HTML element with {count:,} attributes, over the limit of {MAX_ATTRIBUTES:,}: "
                             "refused (parsing it would take minutes)")


def _lost_text(root, markup: str) -> bool:
    """Whether libxml2 dropped text (it stops reading below 256 nested elements)."""
    kept = _cjk_count(root.text_content())
    present = _cjk_count(_ANY_TAG.sub("", _UNREAD.sub("", markup)))
    return present > 0 and kept < 0.95 * present


def _plain_lines(markup: str) -> list[str]:
    """The page as plain text: unread parts and tags removed, block tags as line breaks."""
    import html

    text = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", _UNREAD.sub("", markup)))
    lines = (_ASCII_SPACE.sub(" ", line).strip() for line in html.unescape(text).split("\n"))
    return [kept for line in lines if line and (kept := _strip_furniture(line))]


# A first line that is itself a notice title (the page's <title> is then only the site's label).
_TITLE_LIKE = re.compile(r"^[^。；;，,]{6,120}(?:巡察|巡视|整改)[^。；;，,]{0,60}(?:通报|报告|公告|公示)$")


def _with_page_title(lines: list[str], page_title: str) -> list[str]:
    """Prepend the <title> (minus the site name) when the body starts without a title."""
    parts = [p.strip() for p in re.split(r"\s*[-_|｜–—]+\s*", page_title) if p.strip()]
    candidates = [p for p in parts if re.search("巡察|巡视|整改", p)]
    if not candidates or (lines and (candidates[0] in lines[0] or _TITLE_LIKE.search(lines[0]))):
        return lines
    return [candidates[0], *lines]
