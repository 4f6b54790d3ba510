"""The inspection: which body inspected (巡察组/巡视组), its round, kind, type and level.

    >>> body = find_body("市委巡察组反馈了意见。市委第五巡察组对…开展了巡察"); body, body_level(body, None, None)
    ('市委第五巡察组', 'city')

Patterns over the title and introduction (numbered bodies preferred over a bare 市委巡察组).
**level** from the body's committee: 中央 → central, 省委/自治区党委 → province, 市委/州委/盟委 →
city (county when the institution sits in a county-level city), 县委/区委/旗委 → county.
"""

from __future__ import annotations

import re

# Level of the inspecting body, by the committee that sends it.
LEVELS: dict[str, str] = {
    "中央": "central",
    "自治区党委": "province",
    "省委": "province",
    "市委": "city",
    "州委": "city",
    "盟委": "city",
    "县委": "county",
    "区委": "county",
    "旗委": "county",
    "特区委": "county",
    "林区委": "county",
}

_COMMITTEE = r"(?:中央|自治区党委|省委|市委|州委|盟委|县委|区委|旗委|特区委|林区委)"
_ORDINAL = r"[一二三四五六七八九十\d]+"
_BODY = re.compile(
    rf"{_COMMITTEE}(?:第{_ORDINAL})?(?:提级交叉|提级|交叉|专项|机动)?巡[察视](?:第?{_ORDINAL})?组"
)
# A team printed without its committee ("第二巡察组对我院开展了巡察").
_BARE_BODY = re.compile(rf"第{_ORDINAL}巡[察视]组|巡[察视]第?{_ORDINAL}组")
# "根据县委统一部署": whose inspection it is when no body or round names the committee.
_DEPLOYED = re.compile(rf"(?:根据|按照|依据)({_COMMITTEE})(?:巡[察视]工作)?(?:的)?(?:统一)?(?:部署|安排)")
_ROUND = re.compile(
    rf"(?:第?{_ORDINAL}届[\u4e00-\u9fff]{{0,8}}?)?(?:{_COMMITTEE})?(?:\d{{4}}年度?)?"
    rf"第{_ORDINAL}轮(?:常规|专项|机动|提级|交叉|集中)*巡[察视]"
)
INSPECTION_KINDS: tuple[str, ...] = ("巡察", "巡视")  # the values of inspection_kind
_TYPES = (
    ("提级交叉", re.compile(r"提级交叉|交叉巡[察视]|提级巡[察视]")),
    ("专项", re.compile(r"专项巡[察视]")),
    ("机动", re.compile(r"机动式?巡[察视]")),
    ("常规", re.compile(r"常规巡[察视]")),
)
INSPECTION_TYPES: tuple[str, ...] = tuple(name for name, _ in _TYPES)  # the values of inspection_type


def find_body(*texts: str) -> str | None:
    """The inspecting body: the first numbered one, else a bare 市委巡察组.

    >>> find_body("市委巡察组反馈了意见。市委第五巡察组对…开展了巡察")
    '市委第五巡察组'
    """
    for text in texts:
        bodies = [m.group(0) for m in _BODY.finditer(text)]
        numbered = [b for b in bodies if re.search(_ORDINAL, b)]
        if numbered:
            return numbered[0]
    for pattern in (_BODY, _BARE_BODY):
        for text in texts:
            m = pattern.search(text)
            if m:
                return m.group(0)
    return None


def find_round(*texts: str) -> str | None:
    for text in texts:
        m = _ROUND.search(text)
        if m:
            return m.group(0)
    return None


def inspection_kind(body: str | None, round_: str | None, *texts: str) -> str | None:
    """巡视 or 巡察: from the body or round when printed, else which word the text uses."""
    xuncha, xunshi = INSPECTION_KINDS
    for source in (body, round_):
        if source:
            return xunshi if xunshi in source else xuncha
    for text in texts:
        if xuncha in text:
            return xuncha
        if xunshi in text:
            return xunshi
    return None


def inspection_type(*texts: str) -> str | None:
    """常规 / 专项 / 机动 / 提级交叉 when the text says so; None when it does not."""
    for text in texts:
        for name, pattern in _TYPES:
            if pattern.search(text):
                return name
    return None


def body_level(
    body: str | None, round_: str | None, county: str | None, intro: str = "", municipality: bool = False
) -> str | None:
    """Level of the inspecting body; a 市委 over a county-level city (邹城市) is county level, the
    巡视组 of a municipality's 市委 (重庆市, ``municipality``) provincial.

    >>> body_level("市委第二巡察组", None, "邹城市"), body_level("第二巡察组", None, None, "根据县委统一部署")
    ('county', 'county')
    >>> body_level("市委第四巡视组", None, None, municipality=True)
    'province'
    """
    deployed = _DEPLOYED.search(intro)
    for source in (body, round_, deployed.group(1) if deployed else None):
        if not source:
            continue
        m = re.search(_COMMITTEE, source)
        if m:
            committee = m.group(0)
            if committee == "市委" and municipality and "巡视" in source:
                return "province"  # 巡视 is the provincial inspection; a municipality's 巡察 stays city
            if committee == "市委" and county and county.endswith("市"):
                return "county"
            return LEVELS[committee]
    return None
