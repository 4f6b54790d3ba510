"""Normalisation: page artefacts out, display text kept (one paragraph per line); ``fold`` for matching.

``normalise`` returns the DISPLAY text: the notice's own characters, with Word bookmarks,
letter-spacing, injected pinyin, the info-disclosure block and "(社会公开稿)" removed, Word's
one-character numbers ⑴/⒈ spelled out, the title
joined onto the first line, and a body that arrived as one line broken before its headings.

``fold`` is for MATCHING: one character in, one character out, so an offset found in
``fold(text)`` slices ``text`` at the same place.

    >>> fold("（一）整改結果：已完成１２项")
    '(一)整改结果:已完成12项'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from indexer.parsing import numbering, printed_pages
from indexer.parsing.characters import TRADITIONAL_TO_SIMPLIFIED
from indexer.parsing.status import status_form
from indexer.types import NormalisedText

# ---------------------------------------------------------------------------------------------
# fold


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = (
        (0xFF01, 0xFF5F),  # full-width ASCII: digits, letters, punctuation, brackets
        (0xFF61, 0xFF65),  # half-width CJK punctuation ｡｢｣､
        (0x2F00, 0x2FD6),  # Kangxi radicals that PDF converters emit for 一 二 …
        (0x2E80, 0x2EF4),  # CJK radicals supplement
        (0xF900, 0xFB00),  # CJK compatibility ideographs
        (0xFE50, 0xFE6C),  # small form variants ﹒﹙﹚
    )
    for low, high in ranges:
        for cp in range(low, high):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if len(folded) == 1 and folded != chr(cp):
                table[cp] = folded
    # Brackets unified; odd spaces become a plain space (still one character).
    for ch, to in {"【": "[", "】": "]", "〖": "[", "〗": "]", "\u3000": " ", "\xa0": " "}.items():
        table[ord(ch)] = to
    for cp in (*range(0x2000, 0x200C), 0x202F, 0x205F, 0xFEFF, 0x2060):
        table[cp] = " "
    for cp, to in _T2S.items():
        table.setdefault(cp, to)
    return table


_T2S = TRADITIONAL_TO_SIMPLIFIED
_FOLD = _fold_table()
# str.translate is four times faster with a list than with a dict: a dict raises (and catches)
# KeyError for every character it does not map. The list covers the BMP; the few astral
# characters in the table get a second pass.
_IDENTITY = list(range(0x10000))  # both tables start from it, sharing its 65k int objects (1.8 MiB)
_FOLD_BMP = _IDENTITY.copy()
for _cp, _to in _FOLD.items():
    if _cp < 0x10000:
        _FOLD_BMP[_cp] = ord(_to)
_FOLD_ASTRAL = {cp: to for cp, to in _FOLD.items() if cp >= 0x10000}
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


_T2S_BMP = _IDENTITY.copy()
for _cp, _to in _T2S.items():
    if _cp < 0x10000:
        _T2S_BMP[_cp] = ord(_to)
del _IDENTITY  # its ints live on in both tables
# A text is a traditional-character copy when this share of its Chinese characters is traditional
# (a simplified notice has a stray 覆 or 乾 at most: well under 1%).
_TRADITIONAL_SHARE = 0.05
_TRADITIONAL_MIN = 3
_HAN = re.compile(r"[\u4e00-\u9fff]")


def traditional_copy(text: str) -> str | None:
    """The simplified-character copy of a notice printed in traditional characters (one
    character in, one out, punctuation and width untouched), or None for a simplified notice.

    >>> traditional_copy("巡察組對黨組反饋了意見"), traditional_copy("督查全覆盖")
    ('巡察组对党组反馈了意见', None)
    """
    han = len(_HAN.findall(text))
    changed = sum(1 for ch in text if ord(ch) in _T2S)
    if changed < max(_TRADITIONAL_MIN, _TRADITIONAL_SHARE * han):
        return None
    return simplified_characters(text)


def simplified_characters(text: str) -> str:
    """Every traditional character replaced by its simplified one (one character in, one out;
    punctuation and width untouched) — what :func:`fold` does to characters, without the width fold.

    >>> simplified_characters("醫保基金")
    '医保基金'
    """
    simplified = text.translate(_T2S_BMP)
    return simplified.translate(_T2S) if _ASTRAL.search(simplified) else simplified


def fold(text: str) -> str:
    """Width-fold for matching, one character in, one character out (offsets stay valid):
    full-width → half-width punctuation, digits and letters; （）【】 → ()[]; traditional →
    simplified characters.

    >>> fold("整改狀態：完成（２０２４年）")
    '整改状态:完成(2024年)'
    """
    folded = text.translate(_FOLD_BMP)
    return folded.translate(_FOLD_ASTRAL) if _ASTRAL.search(folded) else folded


# ---------------------------------------------------------------------------------------------
# normalise: each step takes lines, returns lines, and notes what it removed.

Removed = list[str]
_CJK = "\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef“”‘’"
_SPACE = "[ \t\u3000\xa0\u2000-\u200b\u202f\u205f]"
_LINE_BREAKS = re.compile("[\r\f\v\u2028\u2029\x85]")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff])[（(]((?:[a-zü{_TONED}]{{1,7}})(?:[ ,][a-zü{_TONED}]{{1,7}})*)[)）]")
_PINYIN_CUT = re.compile(rf"(?<=[\u3400-\u9fff])[（(][a-zü{_TONED}]{{0,6}}\s*$")
_PINYIN_HINT = re.compile(rf"[（(][a-zü{_TONED}]*[{_TONED}]")
_PINYIN_SYLLABLE = re.compile(r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?(?:[aeiouüv])[a-zü]{0,4}")
_SPACED_WORD = re.compile(rf"(?:[{_CJK}]{_SPACE}+)+[{_CJK}]")
_ANY_SPACE = re.compile(_SPACE)
_LETTER_SPACED = re.compile(r"(?:\S ){3,}\S")
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]){_SPACE}+|{_SPACE}+(?=[{_CJK}])")
_PUBLIC_COPY = re.compile(r"[(（]\s*(?:社会)?公开(?:稿|版)\s*[)）]")
_FURNITURE = re.compile(
    r"^(?:【?字体[:：]|【?打印(?:本页|此页)?】?$|【?关闭(?:窗口|本页)?】?$|分享到[:：]?|扫一扫|当前位置[:：]|"
    r"浏览次数|访问次数|上一篇[:：]|下一篇[:：])"
    # Font-size controls (【大 中 小】, 字号：大|中|小), breadcrumbs (首页 > 信息公开 > …), a file name.
    r"|^[【\[]?\s*(?:字号|字体)?\s*[:：]?\s*[大中小](?:\s*[|｜/]?\s*[大中小]){2}\s*[】\]]?$"
    r"|^.{0,12}首页\s*[>＞»›→/]|^[^\s。，,；;]{1,80}\.(?:docx?|pdf|wps|xlsx?|ofd)$",
    re.I,
)
# A repost or page-info line: "2022-05-17 09:31:20 来源: …", "发布时间：2024年3月8日 浏览次数：…";
# group 1 is its date. It is never part of the title.
PAGE_INFO_LINE = re.compile(
    r"^(?:(?:发布|发表|更新)?(?:时间|日期)\s*[:：]\s*)?"
    r"((?:19|20)\d{2}\s*(?:[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日))"
    r"\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:$|(?:来源|发布|作者|浏览|阅读|点击|访问|字号|字体|编辑|供稿|【|\[))"
)
# Font-size controls inside a line: "…的通报字号：大 中 小", "【字体：大 中 小】".
# and bracketed widgets: 【打印】【关闭】【大 中 小】.
_FONT_SIZE = re.compile(
    r"[【\[]?\s*(?:字号|字体)\s*(?:大小)?\s*[:：]?\s*[【\[]?\s*[大中小](?:\s*[|｜/]?\s*[大中小]){1,2}\s*[】\]]?"
    r"|[【\[]\s*[大中小](?:\s*[|｜/]?\s*[大中小]){1,2}\s*[】\]]"
    r"|[【\[]\s*(?:打印(?:本页|此页)?|关闭(?:窗口|本页)?|收藏(?:本页)?|分享|返回顶部|加入收藏)\s*[】\]]"
)
# A breadcrumb whose last crumb is the notice title: "首页 > 党务公开 > 中共X…的通报".
_TITLE_CRUMB = re.compile(r"^.{0,16}首页(?:\s*[>＞»›→/]\s*[^>＞»›→/]{1,12})*\s*[>＞»›→/]\s*([^>＞»›→/]{6,120}(?:通报|报告|情况))\s*$")
# A title with the page-info line glued after it.
_TITLE_THEN_INFO = re.compile(
    r"^(.{6,120}?(?:通报|报告|公告|情况))\s*((?:发布|发表|更新)?(?:时间|日期)\s*[:：].*|(?:来源|作者|浏览次数|点击数|阅读次数)\s*[:：].*)$"
)
# A column tag printed before the title: "【巡察整改】中共某县…的通报".
_COLUMN_TAG = re.compile(r"^[【\[][\u4e00-\u9fff]{2,10}[】\]]\s*(?=\S.{3,}(?:通报|报告|公告|公示|情况)$)")


# Word's enclosed numbers: ⑴…⒇ (parenthesised) and ⒈…⒛ (with a full stop), one character each.
_ENCLOSED = re.compile("[\u2474-\u2487\u2488-\u249b]")


def _spell_enclosed_numbers(text: str) -> str:
    """"⑴" → "（1）", "⒈" → "1．": the numbering that a Word list typed as one character."""

    def spell(m: re.Match[str]) -> str:
        code = ord(m.group(0))
        return f"（{code - 0x2473}）" if code <= 0x2487 else f"{code - 0x2487}．"

    return _ENCLOSED.sub(spell, text)


# A bullet opening a line ("●问题：…", "◆文物账目不清"): decoration, not text. Not before a digit
# ("·3·" is a page number) and not in a status form ("●已完成 ○正在推进").
_BULLET_OPENING = re.compile(r"[ \t\u3000]*[●■◆◇★☆·•○▲△▪►▶➢➤※-][ \t\u3000]*(?=[\u4e00-\u9fff(（【\[])")


def _remove_bullets(lines: list[str], removed: Removed) -> list[str]:
    """Bullets opening lines removed (see :data:`_BULLET_OPENING`); after the info block is
    taken, whose fields a converter may print as a list ("- 索引号：…")."""
    out = []
    for line in lines:
        m = _BULLET_OPENING.match(line)
        out.append(line[m.end() :] if m and not status_form(line) else line)
    if (count := sum(1 for a, b in zip(lines, out, strict=True) if a is not b)):
        removed.append(f"{count} bullets opening lines")
    return out


def _remove_bookmarks(text: str, removed: Removed) -> str:
    """Word bookmark tags glued to the text: "[bookmark: _GoBack]5.食堂管理…" → "5.食堂管理…"."""
    tags = _BOOKMARK.findall(text)
    if tags:
        removed.extend(tags)
    return _BOOKMARK.sub("", text)


def _remove_pinyin(text: str, removed: Removed) -> str:
    """Tone-marked pinyin a mirror site injected after characters: "統(tǒng)一" → "統一".

    Untoned syllables ("的(de)") are removed too once the text is clearly such a mirror."""
    if not _PINYIN_HINT.search(text):  # cheap test first: the look-behind scan is slow
        return text
    toned = [m for m in _PINYIN.finditer(text) if any(ch in _TONED for ch in m.group(1))]
    if not toned:
        return text
    mirror = len(toned) >= 3

    def drop(m: re.Match[str]) -> str:
        syllables = m.group(1)
        if any(ch in _TONED for ch in syllables):
            return ""
        if mirror and all(_PINYIN_SYLLABLE.fullmatch(s) for s in re.split("[ ,]", syllables)):
            return ""
        return m.group(0)

    count = 0

    def counted(m: re.Match[str]) -> str:
        nonlocal count
        kept = drop(m)
        count += kept == ""
        return kept

    out = _PINYIN.sub(counted, text)
    if mirror:  # a page opening cut inside the pinyin of its last character: "黨組認(r"
        out = _PINYIN_CUT.sub("", out)
    removed.append(f"pinyin injected after {count} characters, e.g. {toned[0].group(0)}")
    return out


def _at_spaced_labels(line: str) -> list[str]:
    """A line cut before each field label set apart by two spaces or more ("…不清  状态：已完成"):
    a field of its own, not text to glue to the one before when the spaces go."""
    cuts = [label.start for label in numbering.find_labels(fold(line))
            if label.start >= 2 and line[label.start - 2 : label.start].isspace()
            and label.kind is not numbering.LabelKind.DETAIL]
    bounds = [0, *cuts, len(line)]
    return [part for a, b in zip(bounds, bounds[1:], strict=False) if (part := line[a:b].strip())] or [line]


def _tidy_spaces(lines: list[str], removed: Removed) -> list[str]:
    """Spaces between Chinese characters go ("通 报" → "通报", "1. 关于" → "1.关于"), and every
    space of a line whose characters are all spaced ("2 0 2 4 年 9 月"); a field label set apart
    by spaces opens a line of its own."""
    out = []
    touched = 0
    for line in lines:
        if _SPACED_WORD.fullmatch(line):
            removed.append(f"letter-spacing: {line}")
        if _LETTER_SPACED.fullmatch(line.strip()):  # every character spaced (text out of some PDFs): "2 0 2 4 年"
            line = line.strip().replace(" ", "")
        parts = _at_spaced_labels(line) if _ANY_SPACE.search(line) else [line]
        tidy = [_CJK_SPACE.sub("", part) if _ANY_SPACE.search(part) else part for part in parts]
        touched += tidy != [line]
        out.extend(tidy)
    if touched:
        removed.append(f"spaces inside Chinese text on {touched} lines")
    return out


_INFO_LABELS = (
    "索引号", "主题分类", "信息分类", "内容分类", "体裁分类", "组配分类", "发布机构", "所属机构", "发文机关",
    "成文时间", "成文日期", "发文时间", "发文日期", "发布时间", "发布日期", "生成日期", "发文字号", "文件编号",
    "统一编号", "文号", "标题", "名称", "效力状态", "有效性", "时效性", "主题词", "关键词", "公开方式", "公开范围",
    "公开时限", "服务对象", "信息来源", "来源", "作者", "浏览次数",
)
# Labels are often letter-spaced ("索 引 号"): allow spaces between their characters.
_INFO_LABEL = re.compile(
    r"(?:^|(?<=\s)|(?<=\|))("
    + "|".join(f"{_SPACE}*".join(label) for label in _INFO_LABELS)
    + r")\s*[:：]"
)
_BULLET = re.compile(r"^[-•·*●▪■]\s*")
_INFO_WINDOW = 20  # the block sits at the top of the page
_INFO_VALUE_MAX = 200  # a longer "value" is the body run together with the block: not a field


def _info_fields(line: str) -> list[tuple[str, str]] | None:
    """Label/value pairs of an info-block line, or None when the line is not one."""
    body = _BULLET.sub("", line)
    matches = list(_INFO_LABEL.finditer(body))
    if not matches or matches[0].start() != 0:
        return None
    fields = []
    for m, nxt in zip(matches, [*matches[1:], None], strict=True):
        value = body[m.end() : nxt.start() if nxt else len(body)].strip(" |\t\u3000")
        if len(value) > _INFO_VALUE_MAX:
            return None
        fields.append((re.sub(_SPACE, "", m.group(1)), value))
    return fields


def _take_info_block(lines: list[str], header: dict[str, str], removed: Removed) -> list[str]:
    """The leading 索引号/主题分类/发布机构/成文时间/文号/标题/效力状态 block becomes ``header``."""
    for start in range(min(len(lines), _INFO_WINDOW)):
        if _info_fields(lines[start]) is not None:
            break
    else:
        return lines
    end = start
    fields: list[tuple[str, str]] = []
    while end < len(lines):
        found = _info_fields(lines[end])
        if found is None:
            break
        fields.extend(found)
        end += 1
    if len(fields) < 2:
        return lines
    for label, value in fields:
        header.setdefault(label, value)
    removed.extend(lines[start:end])
    return lines[:start] + lines[end:]


def _remove_furniture(lines: list[str], removed: Removed) -> list[str]:
    """"(社会公开稿)" and page furniture (打印本页, 关闭窗口, 【大 中 小】, breadcrumbs, a column tag
    before the title …)."""
    out = []
    for line in lines:
        crumb = _TITLE_CRUMB.match(line)
        if crumb:  # a breadcrumb ending in the page's own title: the title stays
            removed.append(line[: crumb.start(1)])
            line = crumb.group(1)
        elif _FURNITURE.match(line):
            removed.append(line)
            continue
        if _FONT_SIZE.search(line):
            removed.extend(m.group(0) for m in _FONT_SIZE.finditer(line))
            line = _FONT_SIZE.sub("", line).strip()
            if not line:
                continue
        info = _TITLE_THEN_INFO.match(line)
        if info:  # "…的通报 发布时间：2024-03-08 来源：…": the page-info part on a line of its own
            out.append(info.group(1))
            line = info.group(2)
        tag = _COLUMN_TAG.match(line)
        if tag:
            removed.append(tag.group(0).strip())
            line = line[tag.end() :]
        cleaned = _PUBLIC_COPY.sub("", line)
        if cleaned != line:
            removed.extend(_PUBLIC_COPY.findall(line))
        if cleaned.strip():
            out.append(cleaned.strip())
    return out


_TITLE_END = re.compile(r"(?:通报|报告|公告|公示|通告|情况)$")
_DOCUMENT_HEAD = re.compile(r"^(?:\S{2,40}文件|\S{0,16}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d{1,4}\s*号)$")
_TITLE_GLUED = re.compile(r"^(.{4,100}?关于.{2,100}?(?:通报|报告|公告|公示))\s*(?=[^\s。,，()（）])(?=.{10,}?[。；])")
_SENTENCE_PUNCT = re.compile(r"[。；;！？!?]")
_TITLE_MAX_LINES = 4
_TITLE_MAX_CHARS = 120
_LONG_LINE = 120  # shorter lines are never a run-together body


def _title_lines(lines: list[str]) -> int:
    """How many leading lines make up the title (0 when the notice does not open with one)."""
    joined = ""
    for count, line in enumerate(lines[:_TITLE_MAX_LINES], start=1):
        folded = fold(line)
        if _SENTENCE_PUNCT.search(folded) or numbering.match_heading(folded) is not None or PAGE_INFO_LINE.match(line):
            return 0
        joined += line
        if len(joined) > _TITLE_MAX_CHARS:
            return 0
        if _TITLE_END.search(joined):
            return count
        if len(line) > 40:  # a long line that does not end the title is a paragraph
            return 0
    return 0


def _join_title(lines: list[str], removed: Removed) -> list[str]:
    """Title split over lines joined; a title printed twice (or again by the info block) kept once.

    ["中共X县卫生健康局党组", "关于…进展情况的", "通报", …] → ["中共X县卫生健康局党组关于…进展情况的通报", …]
    """
    # A repost line above the title stays where it is (it gives the publish date), and so does the
    # head of a printed document: "中共X党组文件" and its number "X党字〔2024〕12号".
    above = next((i for i, line in enumerate(lines[:3]) if not PAGE_INFO_LINE.match(line)
                  and not _DOCUMENT_HEAD.match(line)), 0)
    if above:
        return [*lines[:above], *_join_title(lines[above:], removed)]
    m = _TITLE_GLUED.match(lines[0]) if lines else None
    if m:  # one-line notice: the title glued to the first sentence of the body
        lines = [m.group(1), lines[0][m.end() :], *lines[1:]]
        removed.append("line break after the title")
    count = _title_lines(lines)
    if not count:
        return lines
    title = "".join(lines[:count])
    tag = _COLUMN_TAG.match(title)  # a column tag before a title printed over several lines
    if tag:
        removed.append(tag.group(0).strip())
        title = title[tag.end() :]
    rest = lines[count:]
    key = _compact(title)
    # The same title again right below (web page heading + document heading), whole or split.
    again = _title_lines(rest)
    if again and _compact("".join(rest[:again])) == key:
        removed.append("repeated title: " + "".join(rest[:again]))
        rest = rest[again:]
    if count > 1:
        removed.append(f"title joined from {count} lines")
    return [title, *rest]


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", fold(text))


_HEADING_GAP = re.compile(r"[^。；;\s]{2,30}?\s+(?=\S)")
# The closing 欢迎…监督 paragraph; glued to the text before only in its set form
# ("整改状态:完成欢迎广大干部群众对巡察整改落实情况进行监督").
_CLOSING_BREAK = re.compile(
    r"(?<=[。；;！？!?\s])欢迎(?=.{0,60}监督)"
    r"|(?<=[\u4e00-\u9fff])欢迎(?=(?:广大|社会各界|各界|党员|干部|群众|人民群众)[^。；;]{0,50}监督)"
)
_STRONG_BREAKS = 3  # inline headings/labels that prove a line is a whole body run together


def _break_positions(folded: str) -> list[int]:
    """Offsets where a body that arrived as one line needs a line break: before headings,
    status and measures labels, and the closing 欢迎…监督 paragraph — never before 一是 or a
    date such as 6.30日. Empty when the line does not look like a run-together body."""
    # Labels count even when glued to the text before ("…的问题整改措施及进展:"): a heading
    # printed without its final 。 is still a paragraph of its own.
    labels = numbering.label_breaks(folded, loose=True)
    strict = numbering.inline_markers(folded, (numbering.Style.CN, numbering.Style.CN_PAREN))
    if len(strict) + len(labels) < _STRONG_BREAKS:
        return []
    markers = numbering.inline_markers(folded, loose=True)
    # No break inside a compound "1.(1)": its inner marker follows the outer one directly.
    ends = {m.end for m in markers}
    positions = {m.start for m in markers if numbering.skip_spaces_back(folded, m.start) not in ends}
    positions |= set(labels)
    positions |= {m.start() for m in _CLOSING_BREAK.finditer(folded)}
    # Paragraphs joined by spaces: the first space after a short heading ends its title
    # ("一、整改工作组织情况 中心党委成立…").
    for marker in markers:
        if marker.style in (numbering.Style.CN, numbering.Style.CN_PAREN):
            gap = _HEADING_GAP.match(folded, marker.end)
            if gap:
                positions.add(gap.end())
    return sorted(p for p in positions if p > 0)


# The page head of a run-together page: info labels (letter-spaced or not), a column tag, the end
# of a file name, the end of a title before its first sentence, an info value glued to the title.
_HEAD_LABEL = re.compile(
    "(?:" + "|".join(f"{_SPACE}*".join(label) for label in _INFO_LABELS if len(label) >= 2) + rf"){_SPACE}*[:：]"
)
_HEAD_BREAKS = re.compile(
    r"(?P<tag>\[[\u4e00-\u9fff]{2,10}\])(?=\S)"  # 【党务公开】 (folded to [ ]): a break before it
    r"|\.(?:docx?|pdf|wps)(?=\S)"  # the others: a break after them
    r"|效力状态:(?:有效|失效|废止)"
    r"|文号:[^:]{0,12}?[〔\[]\d{4}[〕\]]\d{1,4}号(?=[\u4e00-\u9fff])"
    r"|(?:通报|报告|公告|公示)(?:\((?:社会)?公开稿\))?(?=根据|按照|依据|为|经|\d{4}\s*年|\d{4}[-.])"
)
_HEAD_SPAN = 800  # the page head sits at the start of the line


def _head_breaks(folded: str) -> set[int]:
    """Where the page head of a run-together page needs line breaks (info labels only when the
    head has at least two of them: one could be a word of the text)."""
    head = folded[:_HEAD_SPAN]
    labels = [m.start() for m in _HEAD_LABEL.finditer(head)]
    cuts = set(labels) if len(labels) >= 2 else set()
    for m in _HEAD_BREAKS.finditer(head):
        cuts.add(m.start() if m.group("tag") else m.end())
    return cuts


def _reflow_run_together(lines: list[str], removed: Removed) -> list[str]:
    """A body that arrived as one single line is broken before its headings and labels, and its
    page head (info block, column tag, title) into lines of their own."""
    out = []
    for line in lines:
        folded = fold(line)
        cuts = _break_positions(folded) if len(line) >= _LONG_LINE else []
        if cuts:
            cuts = sorted({*cuts, *(c for c in _head_breaks(folded) if 0 < c < len(line))})
        if not cuts:
            out.append(line)
            continue
        removed.append(f"one-line body broken into {len(cuts) + 1} lines")
        bounds = [0, *cuts, len(line)]
        out.extend(p for a, b in zip(bounds, bounds[1:], strict=False) if (p := line[a:b].strip()))
    return out


def normalise(text: str) -> NormalisedText:
    """Clean a decoded notice into display text, one paragraph per line.

    >>> n = normalise("- 索 引 号:0001/2025-001\\n- 发布机构:区卫健局\\n中共某县卫生健康局党组\\n"
    ...               "关于巡察整改进展情况的\\n通 报\\n[bookmark: _GoBack]1.学习不深入。")
    >>> n.text
    '中共某县卫生健康局党组关于巡察整改进展情况的通报\\n1.学习不深入。'
    >>> n.header
    {'索引号': '0001/2025-001', '发布机构': '区卫健局'}
    """
    removed: Removed = []
    header: dict[str, str] = {}
    text = _ZERO_WIDTH.sub("", _LINE_BREAKS.sub("\n", text.replace("\r\n", "\n")))
    text = _remove_bookmarks(text, removed)
    text = _remove_pinyin(text, removed)
    text = _spell_enclosed_numbers(text)
    # Printed pages first: page numbers and running headers out, lines wrapped at the page width
    # (or broken inside a clause) joined into their paragraphs.
    lines = printed_pages.unwrap(text.split("\n"), removed)
    # Reflow next: in a run-together body the spaces between paragraphs are still there, and
    # its info block is on lines of its own only after it.
    lines = _reflow_run_together(lines, removed)
    lines = _take_info_block(lines, header, removed)
    steps: tuple[Callable[[list[str], Removed], list[str]], ...] = (
        _remove_bullets,
        _tidy_spaces,
        _remove_furniture,
        _join_title,
    )
    for step in steps:
        lines = step(lines, removed)
    return NormalisedText(text="\n".join(line for line in lines if line), header=header, removed=removed)
