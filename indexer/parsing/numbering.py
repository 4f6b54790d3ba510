"""The one place for the markers that give a notice its structure.

* heading numbering: ``一、`` ``（一）`` ``1.``/``1、``/``1．`` ``1.1`` ``1.1.1`` ``（1）`` ``1）`` ``①`` ``Ⅱ、`` ``B.`` ``问题1：``
  ``【问题一】``, the ordinals ``第一，`` ``第1项：`` ``第一项问题：`` and the compound ``1.(1)``;
* measure ordinals: ``一是`` ``二是`` … (items of a measures paragraph, not headings);
* field labels that open a status paragraph (``整改结果：``) or a measures paragraph
  (``整改情况：``), the labels of problem details (``具体表现：``) and of duties (``责任领导：``,
  ``完成时限：``).

Every pattern here runs on *folded* text (:func:`indexer.parsing.normalise.fold`): full-width brackets,
colons and digits are already half-width, so ``（一）`` is matched as ``(一)``.

    >>> match_heading("(三)食品安全抽检覆盖面不足")
    Marker(style=<Style.CN_PAREN: 'cn_paren'>, number=3, label='(三)', start=0, end=3)
    >>> match_heading("6.30日前完成整改") is None   # a date, not a heading
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from indexer.parsing.numerals import cn_int
from indexer.parsing.status import normalise_status


class Style(StrEnum):
    """Numbering styles, named after their printed form."""

    CN = "cn"  # 一、 (also 一. 一．)
    CN_PAREN = "cn_paren"  # （一） (一)
    AR = "ar"  # 1. 1、 1．
    AR_PAREN = "ar_paren"  # （1） (1)
    AR_HALF = "ar_half"  # 1） 1)
    CIRCLED = "circled"  # ① ②
    PROBLEM = "problem"  # 问题1： 问题一： 【问题一】
    ORDINAL = "ordinal"  # 第一， 第1项： 第一项问题： 第一个问题：
    DECIMAL = "decimal"  # 1.1 1.2 2.1 (numbered within their part, as a report's sections are)
    DECIMAL_DEEP = "decimal_deep"  # 1.1.1 1.1.2 (a level below)
    ROMAN = "roman"  # Ⅰ、 Ⅱ. IV.
    LETTER = "letter"  # A. B、 (a) a)


@dataclass(frozen=True, slots=True)
class Marker:
    """A numbering marker found in a line: its style, value, printed label and offsets."""

    style: Style
    number: int
    label: str  # as matched in the folded text (callers slice the display text for printing)
    start: int
    end: int  # where the heading text starts (spaces after the marker skipped)


_CN_NUM = "[一二三四五六七八九十]{1,3}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫ"
_ROMAN_ASCII = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def cn_to_int(text: str) -> int | None:
    """Value of a Chinese heading numeral (up to 99, tens written with 十: 一二 is no number).

    >>> cn_to_int("十二"), cn_to_int("二十"), cn_to_int("九"), cn_to_int("一二")
    (12, 20, 9, None)
    """
    if len(text) > 1 and "十" not in text:
        return None
    value = cn_int(text)
    return value if value is not None and value < 100 else None


# After "2.1": a space, a stop or Chinese text other than a unit ("3.5万元", "6.30日" are no numbers).
_DECIMAL_END = r"(?:\s*[、.](?!\d)|(?=\s)|(?=[\u4e00-\u9fff]))(?![日月号时分秒元万亿倍个年次名人条项件家余多米吨亩户])"

# Line-start heading markers, tried in this order. The Arabic patterns refuse a digit or a
# dot after the marker, so dates such as "6.30日" or "2024.5" are not headings. Five digits:
# a notice past the issue limit (parse.MAX_ISSUES, 10,000) must be seen whole to be refused.
_HEADING_PATTERNS: tuple[tuple[Style, re.Pattern[str]], ...] = (
    # 〔一〕 and 【1】 (folded to [1]) are bracketed numbers too; 〔2024〕 is a year, not a number.
    (Style.CN_PAREN, re.compile(rf"\(\s*({_CN_NUM})\s*\)|[〔\[]\s*({_CN_NUM})\s*[〕\]]|({_CN_NUM})\)(?![一二三四五六七八九十])")),
    (Style.AR_PAREN, re.compile(r"\(\s*(\d{1,5})\s*\)|[〔\[]\s*(\d{1,3})\s*[〕\]]")),
    (Style.CN, re.compile(rf"({_CN_NUM})\s*[、.](?![一二三四五六七八九十、])")),
    # "2.1 …", "2.1.3 …": items numbered within their part; small numbers only, not amounts or dates.
    (Style.DECIMAL_DEEP, re.compile(rf"\d{{1,2}}\.\d{{1,2}}\.(\d{{1,2}}){_DECIMAL_END}")),
    (Style.DECIMAL, re.compile(rf"\d{{1,2}}\.(\d{{1,2}}){_DECIMAL_END}")),
    # "3 关于…的问题": a number whose full stop a web page lost, before a problem heading.
    (Style.AR, re.compile(r"(\d{1,5})\s*(?:、|\.(?![\d.]))(?!\d)|(\d{1,3})\s*(?=关于|针对)")),
    (Style.AR_HALF, re.compile(r"(\d{1,3})\s*\)(?![\d.)])")),
    (Style.CIRCLED, re.compile(f"([{_CIRCLED}])")),
    # Roman numerals and Latin letters, only before Chinese text: "Ⅱ、关于…", "B.关于…", "(b)关于…".
    (Style.ROMAN, re.compile(rf"([{_ROMAN}]|IX|IV|V?I{{1,3}}|V|X)(?:\s*[、.]|(?=\s))(?=\s*[\u4e00-\u9fff])")),
    (Style.LETTER, re.compile(r"([A-Z])\s*[、.](?=\s*[\u4e00-\u9fff])|\(([a-z])\)(?=\s*[\u4e00-\u9fff])|([a-z])\)(?=\s*[\u4e00-\u9fff])")),
    # … and "问题一" alone on its line, over the problem's labels.
    (Style.PROBLEM, re.compile(rf"问题\s*(\d{{1,5}}|{_CN_NUM})\s*[:、.]|\[\s*问题\s*(\d{{1,5}}|{_CN_NUM})\s*\]\s*:?"
                               rf"|问题\s*(\d{{1,3}}|{_CN_NUM})\s*$")),
    # An ordinal then a comma or colon, or 项 (问题) then punctuation or a space: "第一时间", "第一项工作"
    # and "第二巡察组" open no heading.
    # "第一个问题：" too, with its colon.
    (Style.ORDINAL, re.compile(rf"第\s*(\d{{1,3}}|{_CN_NUM})\s*(?:项\s*(?:问题)?\s*(?:[:,、.]|(?=\s))|个\s*问题\s*[:,、.]|[,、:])")),
)
_SPACES = re.compile(r"[ \t\u3000]*")


def _number(style: Style, digits: str) -> int | None:
    if style in (Style.CN, Style.CN_PAREN) or (style in (Style.PROBLEM, Style.ORDINAL) and not digits.isdigit()):
        return cn_to_int(digits)
    if style is Style.CIRCLED:
        return _CIRCLED.index(digits) + 1
    if style is Style.ROMAN:
        return _ROMAN.index(digits) + 1 if digits in _ROMAN else _ROMAN_ASCII.index(digits) + 1
    if style is Style.LETTER:
        return ord(digits.lower()) - ord("a") + 1
    return int(digits)


def match_heading(folded: str, pos: int = 0) -> Marker | None:
    """The numbering marker at ``pos`` of a folded line, or None.

    >>> match_heading("1. 关于内部管理不严格的问题").label
    '1.'
    >>> match_heading("一是加强学习") is None
    True
    """
    for style, pattern in _HEADING_PATTERNS:
        m = pattern.match(folded, pos)
        if m is None:
            continue
        number = _number(style, next(g for g in m.groups() if g is not None))
        if number is None or number == 0:
            continue
        end = _SPACES.match(folded, m.end()).end()
        return Marker(style, number, folded[m.start() : m.end()], m.start(), end)
    return None


# A problem printed under a label instead of a number ("反馈问题：…", "【存在问题】…", "巡察指出：…").
_PROBLEM_LABEL = re.compile(r"(?:(?:巡察|巡视)组?)?(?:反馈问题|存在问题|问题描述|问题内容|问题表述|反馈意见|反馈指出|指出|发现"
                            r"|反馈|问题)\s*(?::|\]\s*:?)")


def match_problem_label(folded: str, number: int) -> Marker | None:
    """A problem label opening a line, as the marker of the problem numbered ``number`` (for a
    list that numbers none of its problems).

    >>> match_problem_label("反馈问题:档案数字化推进缓慢。", 2)
    Marker(style=<Style.PROBLEM: 'problem'>, number=2, label='反馈问题:', start=0, end=5)
    """
    start = _SPACES.match(folded).end()
    opened = start < len(folded) and folded[start] == "["
    m = _PROBLEM_LABEL.match(folded, start + opened)
    if m is None or opened != m.group(0).rstrip(": ").endswith("]"):
        return None
    end = _SPACES.match(folded, m.end()).end()
    return Marker(Style.PROBLEM, number, folded[start : m.end()], start, end)


# A paragraph opened by the problem it answers: "针对“…”的问题，…" (not "针对该问题/上述问题"); a
# quoted problem may hold its own commas ("针对“账目不清，白条入账”的问题").
_WRAPPED_OPENER = re.compile(
    r"(?:针对|关于)(?!该|此|上述|以上|这些|这一|相关|前述|有关)"
    r"(?:[“\"‘][^”\"’。;；]{2,120}[”\"’]的?问题|[^,，。;；:]{2,60}?问题[”\"’]?)\s*(?:[,，。:]|$)"
)


def match_wrapped_opener(folded: str, number: int) -> Marker | None:
    """A paragraph that opens with the problem it answers, as the (unprinted) marker of the problem
    numbered ``number``: the heading's text starts at the paragraph's start.

    >>> match_wrapped_opener("针对“台账不全”的问题,补建台账。", 1).end, match_wrapped_opener("针对该问题,补建台账。", 1)
    (0, None)
    """
    start = _SPACES.match(folded).end()
    if _WRAPPED_OPENER.match(folded, start) is None:
        return None
    return Marker(Style.PROBLEM, number, "", start, start)


# A status printed in brackets before a heading's number: "[已完成]1.…", "(正在推进)(三)…".
STATUS_BEFORE_MARKER = re.compile(r"[(\[]([^()\[\]]{2,8})[)\]]\s*")


def match_heading_markers(folded: str) -> list[Marker]:
    """All markers opening a line: one, or two for a compound ``1.(1)``.

    >>> [m.label for m in match_heading_markers("1.(1)党建工作基础不牢")]
    ['1.', '(1)']
    """
    start = _SPACES.match(folded).end()
    first = match_heading(folded, start)
    if first is None:
        status = STATUS_BEFORE_MARKER.match(folded, start)
        if status is None or normalise_status(status.group(1)) is None:
            return []
        first = match_heading(folded, status.end())  # "[已完成]1.…": the status printed before the number
        if first is None:
            return []
    second = match_heading(folded, first.end)
    if second is not None and second.style != first.style:
        return [first, second]
    return [first]


# ---------------------------------------------------------------------------------------------
# Markers inside running text (a body that arrived as one line; measures written inline).

# What may precede an inline marker: sentence ends, colons, spaces (Arabic numbers: no colon,
# so "整改情况:1.…" stays one measures paragraph). The character before a match is checked in
# Python rather than by a look-behind, which would run at every position of the text.
_BOUNDARY = frozenset("。；;！？!?:：") | frozenset(" \t\n\r\u3000")
_SENTENCE_END = _BOUNDARY - frozenset(":：")
_CJK_OR_QUOTE = re.compile("[\u4e00-\u9fff”]")
_PROBLEM_FOLLOWS = re.compile(r"\s*(?:关于|针对)")


@dataclass(frozen=True, slots=True)
class _InlineRule:
    style: Style
    pattern: re.Pattern[str]
    before: frozenset[str] | None  # allowed previous characters; None: any
    after_cjk_if_problem: bool = False  # also after a Chinese character when 关于/针对 follows
    glued: bool = False  # also glued to the text before, when it continues its count (see below)


_STRICT_RULES = (
    _InlineRule(Style.CN_PAREN, re.compile(rf"\(({_CN_NUM})\)"), _BOUNDARY),
    _InlineRule(Style.AR_PAREN, re.compile(r"\((\d{1,2})\)"), _BOUNDARY),
    _InlineRule(Style.CN, re.compile(rf"({_CN_NUM})、(?![一二三四五六七八九十、])"), _BOUNDARY),
    _InlineRule(Style.AR, re.compile(r"(\d{1,2})(?:、|\.(?![\d.]))(?!\d)"), _SENTENCE_END),
    _InlineRule(Style.CIRCLED, re.compile(f"([{_CIRCLED}])"), _BOUNDARY),
    # "…;第二,…": measures enumerated by ordinals (a heading only at a line start, see above).
    _InlineRule(Style.ORDINAL, re.compile(rf"第({_CN_NUM}|\d{{1,2}})(?:项\s*)?[,、:]"), _BOUNDARY),
)
# In a body already known to be run together, headings may follow any character:
# "…整改落实情况(一)党的建设方面1.关于…的问题" — a bracketed 一 anywhere, an Arabic number
# when a problem (关于/针对…) follows, a 问题1: almost anywhere; and a 一、 or 1. glued to the text
# before it when it continues the count ("整改结果:已完成2.…", "二、问题整改情况1.…").
_LOOSE_RULES = (
    _InlineRule(Style.CN_PAREN, re.compile(rf"\(({_CN_NUM})\)"), None),
    _InlineRule(Style.AR_PAREN, re.compile(r"\((\d{1,2})\)"), _BOUNDARY, after_cjk_if_problem=True),
    _InlineRule(Style.AR, re.compile(r"(\d{1,2})(?:、|\.(?![\d.]))(?!\d)"), _SENTENCE_END,
                after_cjk_if_problem=True, glued=True),
    _InlineRule(Style.CN, re.compile(rf"({_CN_NUM})、(?![一二三四五六七八九十、])"), _BOUNDARY, glued=True),
    _InlineRule(Style.CIRCLED, re.compile(f"([{_CIRCLED}])"), _BOUNDARY),
    # "问题1:" only with a colon, and not after 的: "…整改的问题1.关于…" is a heading's end + "1.".
    _InlineRule(Style.PROBLEM, re.compile(rf"(?<!的)问题\s*(\d{{1,2}}|{_CN_NUM})\s*:"), None),
    # "…。第二,关于…的问题。" or "…。第二,台账不全。整改措施:…": an ordinal numbering problems, not
    # the "第二,…" of measures enumerated inside their paragraph.
    _InlineRule(Style.ORDINAL, re.compile(
        rf"第({_CN_NUM}|\d{{1,2}})(?:项\s*(?:问题)?)?[,、:](?=\s*(?:关于|针对)|[^。;:]{{2,80}}。?\s*"
        r"(?:整改措施|整改情况|整改结果|整改进展|整改举措|存在问题|问题表现|具体表现)\s*:)"), _BOUNDARY,
        glued=True),
)
# What a glued marker may follow: the end of a word or of a bracket — never a digit, a letter
# or a colon ("共112.5万元", "整改情况:1.…" are not glued headings).
_GLUE_BEFORE = re.compile("[\u4e00-\u9fff”’\")\\]》]")  # folded text: （）【】 are already ()[]


class _Kind(StrEnum):
    BOUNDARY = "boundary"  # after a sentence boundary: a marker whenever it counts
    GLUED = "glued"  # glued to the text before: only when it continues a count
    COMPOUND = "compound"  # right after another marker: the inner marker of "1.(1)"


def _kind(rule: _InlineRule, folded: str, m: re.Match[str]) -> _Kind | None:
    if m.start() == 0:
        return None  # a line start is a heading, not an inline marker
    before = folded[m.start() - 1]
    if rule.before is None or before in rule.before:
        return _Kind.BOUNDARY
    if (
        rule.after_cjk_if_problem
        and _CJK_OR_QUOTE.match(before) is not None
        and _PROBLEM_FOLLOWS.match(folded, m.end()) is not None
    ):
        return _Kind.BOUNDARY
    if rule.glued and _GLUE_BEFORE.match(before):
        return _Kind.GLUED
    return None


def inline_markers(
    folded: str, styles: tuple[Style, ...] = tuple(Style), loose: bool = False, count_up: bool = True
) -> list[Marker]:
    """Numbering markers after a sentence boundary inside a line, in text order. Each style is
    kept only while it counts up from 1 (so "。3.19日" is never a marker). ``loose`` also accepts
    the headings of a run-together body that follow a character directly, and the inner marker
    of a compound "1.(1)"; ``count_up=False`` leaves the counting to the caller (whose list may
    start at a paragraph start).

    >>> [m.label for m in inline_markers("整改情况:建立台账。1.完善制度。2.压实责任。截至6.30日完成")]
    ['1.', '2.']
    >>> [m.label for m in inline_markers("整改落实情况(一)党建方面1.关于学习不深入的问题", loose=True)]
    ['(一)', '1.']
    >>> [m.label for m in inline_markers("二、问题整改情况1.台账不全。整改结果:已完成2.制度缺失。", loose=True)]
    ['1.', '2.']
    """
    found: list[tuple[Marker, _Kind]] = []
    for rule in _LOOSE_RULES if loose else _STRICT_RULES:
        if rule.style not in styles:
            continue
        for m in rule.pattern.finditer(folded):
            kind = _kind(rule, folded, m)
            if kind is None and loose and m.start() > 0:
                kind = _Kind.COMPOUND  # kept only when it sits right after another marker
            if kind is None:
                continue
            number = _number(rule.style, m.group(1))
            if number:
                found.append((Marker(rule.style, number, m.group(0), m.start(), m.end()), kind))
    found.sort(key=lambda pair: pair[0].start)
    found = _outermost(found)
    if loose:
        found = _compounds(folded, found)
    return _counting_up(folded, found) if count_up else [marker for marker, _ in found]


def _outermost(found: list[tuple[Marker, _Kind]]) -> list[tuple[Marker, _Kind]]:
    """Markers not inside another one: the "1:" of "问题1:" is not a marker of its own."""
    out: list[tuple[Marker, _Kind]] = []
    reach = -1
    for pair in found:
        if pair[0].start >= reach:
            out.append(pair)
        reach = max(reach, pair[0].end)
    return out


def skip_spaces_back(folded: str, pos: int) -> int:
    """``pos`` moved back over the spaces before it."""
    while pos > 0 and folded[pos - 1] in " \t\u3000":
        pos -= 1
    return pos


def _compounds(folded: str, found: list[tuple[Marker, _Kind]]) -> list[tuple[Marker, _Kind]]:
    """Inner markers of compounds ("1.(1)"): a COMPOUND candidate is kept only right after
    another marker, and that outer marker, even glued to the text before, is a heading."""
    by_end = {marker.end: at for at, (marker, kind) in enumerate(found) if kind is not _Kind.COMPOUND}
    out: list[tuple[Marker, _Kind] | None] = list(found)
    for at, (marker, kind) in enumerate(found):
        if kind is not _Kind.COMPOUND:
            continue
        outer = by_end.get(skip_spaces_back(folded, marker.start))
        if outer is None:
            out[at] = None
            continue
        outer_marker, outer_kind = found[outer]
        if outer_kind is _Kind.GLUED:
            out[outer] = (outer_marker, _Kind.BOUNDARY)
    return [pair for pair in out if pair is not None]


def _counting_up(folded: str, found: list[tuple[Marker, _Kind]]) -> list[Marker]:
    """Keep each style's markers that continue its count (n == 1 or previous + 1). A glued
    marker must continue a count already started — or, numbered 1, open a list whose next
    marker of the style (numbered 1 or 2) is its 2; the inner marker of a compound counts
    only when its outer marker was kept."""
    last: dict[Style, int] = {}
    kept: list[Marker] = []
    for at, (marker, kind) in enumerate(found):
        previous = last.get(marker.style, 0)
        if kind is _Kind.GLUED:
            counts = (previous >= 1 and marker.number == previous + 1) or (
                marker.number == 1 and _opens_list(found, at)
            )
        elif kind is _Kind.COMPOUND and not (kept and kept[-1].end == skip_spaces_back(folded, marker.start)):
            counts = False
        elif marker.style is Style.CN and previous == 0:
            counts = True  # a sentence opening with 二、 is a part heading even when 一、 is misprinted
        else:
            counts = marker.number == 1 or marker.number == previous + 1
        if counts:
            last[marker.style] = marker.number
            kept.append(marker)
    return kept


def _opens_list(found: list[tuple[Marker, _Kind]], at: int) -> bool:
    style = found[at][0].style
    following = (m.number for m, _ in found[at + 1 :] if m.style is style and m.number in (1, 2))
    return next(following, None) == 2


# ---------------------------------------------------------------------------------------------
# Measure ordinals: 一是 … 二十是. Preceded by a boundary so that 统一是 or 唯一是 never count.

_ORDINAL = re.compile(r"(?:十[一二三四五六七八九]?|[二三四五六七八九]十[一二三四五六七八九]?|[一二三四五六七八九])$")
_IS = re.compile("是")
_ORDINAL_BEFORE = frozenset("\n。；;，,：:、！？!?)）\"” \t\u3000")


def ordinal_items(folded: str) -> list[Marker]:
    """The 一是/二是/… markers of a text, kept only while they count up from 一.

    >>> [m.number for m in ordinal_items("一是建立台账;二是完善制度。统一是关键,三是压实责任")]
    [1, 2, 3]
    """
    kept: list[Marker] = []
    for shi in _IS.finditer(folded):  # found from each 是, not tried at every position
        m = _ORDINAL.search(folded, max(0, shi.start() - 3), shi.start())
        if m is None or (m.start() > 0 and folded[m.start() - 1] not in _ORDINAL_BEFORE):
            continue
        number = cn_to_int(m.group(0))
        expected = kept[-1].number + 1 if kept else 1
        if number == expected:
            kept.append(Marker(Style.CN, number, folded[m.start() : shi.end()], m.start(), shi.end()))
    return kept


# ---------------------------------------------------------------------------------------------
# Field labels. Longest first: 整改措施及进展 is a measures label although it contains 进展.

_MEASURE_LABELS = (
    "整改措施及进展", "整改措施及成效", "整改进展及成效", "整改落实情况", "整改落实措施",
    "主要整改措施", "具体整改措施", "整改措施", "整改举措", "整改情况", "落实情况", "具体措施", "主要措施",
    "整改成效", "取得成效", "采取措施", "工作措施", "主要做法", "整改做法",
    # what is planned next, after what was done: measures too ("下一步措施：持续开展…")
    "下一步整改措施", "下一步措施", "下一步打算", "下一步计划", "下步措施", "措施",
)
_STATUS_LABELS = (
    "整改完成情况", "整改进展情况", "整改完成状态", "整改结果", "整改状态", "整改进展", "整改进度",
    "完成情况", "完成状态", "办结情况", "目前进展", "当前进展", "进展情况", "完成进度", "目前状态", "进展", "进度", "状态",
)
_DETAIL_LABELS = ("问题表现", "具体表现", "主要表现", "问题描述", "存在问题", "反馈问题",
                  # a 方面's problems listed before its one block of measures: "巡察指出的问题：1.…；2.…"
                  "巡察指出的问题", "巡察发现的问题", "巡察反馈的问题", "指出的问题", "发现的问题", "反馈的问题",
                  "巡察指出", "巡视指出", "巡察发现", "巡视发现", "反馈指出")
# Who answers for an issue and by when (a rectification table's 责任领导/完成时限 columns), and
# the goal and remarks columns beside them: kept beside the measures, not among them.
_DUTY_LABELS = (
    "整改目标", "目标要求", "备注",
    "责任领导", "责任人", "责任单位", "责任部门", "责任科室", "责任股室", "责任处室", "责任主体", "牵头领导",
    "牵头单位", "牵头部门", "配合单位", "完成时限", "整改时限", "整改期限", "时限要求", "完成时间",
    "完成期限", "时限", "整改责任人", "整改责任单位", "分管领导",
)


def _label_pattern(labels: tuple[str, ...]) -> str:
    return "(?:" + "|".join(labels) + ")"


class LabelKind(StrEnum):
    STATUS = "status"
    MEASURES = "measures"
    DETAIL = "detail"
    DUTY = "duty"  # 责任领导, 完成时限, 整改目标: kept beside the measures, not among them


# A label followed by a colon; in the middle of a line it must follow a sentence boundary.
_LABEL_BEFORE = frozenset("。；;！？!?)") | frozenset(" \t\n\u3000")
# Matched backwards from each colon (few per line) instead of at every position of the line.
_LABEL_NAMES = (
    rf"(?:(?P<status>{_label_pattern(_STATUS_LABELS)})|(?P<measures>{_label_pattern(_MEASURE_LABELS)})"
    rf"|(?P<detail>{_label_pattern(_DETAIL_LABELS)})|(?P<duty>{_label_pattern(_DUTY_LABELS)}))"
)
_LABEL = re.compile(rf"{_LABEL_NAMES}\s*$")
# A label printed in brackets instead of before a colon: "【整改措施】…" (folded to "[整改措施]").
_BRACKET_LABEL = re.compile(rf"\[\s*{_LABEL_NAMES}\s*\]\s*:?")
# At a line start only, a label in round brackets or before a dash: "(整改措施)…", "整改进展——…".
_LINE_START_LABEL = re.compile(rf"\s*(?P<open>\()?\s*{_LABEL_NAMES}\s*(?(open)\)\s*:?|(?:——|—|--)\s*)")
_COLON = re.compile("[:：]")
_LABEL_WINDOW = 10  # longest label plus spaces


@dataclass(frozen=True, slots=True)
class Label:
    kind: LabelKind
    start: int
    end: int  # just after the colon


def find_labels(folded: str) -> list[Label]:
    """Status, measures, detail and duty labels of a folded line, in order.

    >>> [(l.kind.value, l.start) for l in find_labels("整改结果:已完成。整改情况:一是建立台账")]
    [('status', 0), ('measures', 9)]
    >>> [(l.kind.value, l.end) for l in find_labels("[整改措施]开展专项整治")]
    [('measures', 6)]
    >>> [(l.kind.value, l.end) for l in find_labels("(整改进展)已完成")], find_labels("整改措施——一是")[0].end
    ([('status', 6)], 6)
    """
    out = []
    if ":" in folded:
        for colon in _COLON.finditer(folded):
            m = _LABEL.search(folded, max(0, colon.start() - _LABEL_WINDOW), colon.start())
            if m is not None and (m.start() == 0 or folded[m.start() - 1] in _LABEL_BEFORE):
                out.append(Label(_label_kind(m), m.start(), colon.end()))
    if "[" in folded:
        for m in _BRACKET_LABEL.finditer(folded):
            if m.start() == 0 or folded[m.start() - 1] in _LABEL_BEFORE:
                out.append(Label(_label_kind(m), m.start(), m.end()))
    if ("(" in folded[:2] or "—" in folded or "--" in folded) and (m := _LINE_START_LABEL.match(folded)):
        out.append(Label(_label_kind(m), len(m.group(0)) - len(m.group(0).lstrip()), m.end()))
    out.sort(key=lambda label: label.start)
    return out


def _label_kind(m: re.Match[str]) -> LabelKind:
    return next(LabelKind(name) for name in ("status", "measures", "detail", "duty") if m.group(name))


# Labels that open a line in a one-line body (where a line break belongs before them).
def label_breaks(folded: str, loose: bool = False) -> list[int]:
    """Offsets of status and measures labels after a sentence end (line breaks of a one-line
    body); ``loose`` also takes those glued to the text before ("…的问题整改结果:").

    >>> label_breaks("1.关于台账不全的问题。整改结果:已完成。整改情况:补齐台账。")
    [12, 21]
    >>> label_breaks("1.关于台账不全的问题整改结果:已完成", loose=True)
    [11]
    """
    out = []
    for colon in _COLON.finditer(folded):
        m = _LABEL.search(folded, max(0, colon.start() - _LABEL_WINDOW), colon.start())
        if m is None or m.start() == 0 or m.group("detail") or m.group("duty"):
            continue
        before = folded[m.start() - 1]
        if before in _SENTENCE_END or (loose and _CJK_OR_QUOTE.match(before)):
            out.append(m.start())
    return out
