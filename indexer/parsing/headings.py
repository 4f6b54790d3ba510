"""What a heading says: the role of a part (the list, background, plans), problem or measure.

    >>> classify_title("整改工作组织情况"), problem_like("针对学习贯彻不深入的问题")
    (<Role.SOFT: 'soft'>, True)
"""

from __future__ import annotations

import re
from enum import StrEnum


class Role(StrEnum):
    """What a heading's title says its part is."""

    PLAIN = "plain"  # a 方面, a group, an issue — anything not named below
    CONTAINER = "container"  # the list of rectified problems: 整改落实情况, 反馈问题整改情况
    SOFT = "soft"  # organisation/background: 整改工作组织情况, 基本情况 (may hold the list)
    HARD = "hard"  # never issues: 下一步打算, 存在的主要问题, 工作计划


# Next steps, self-criticism, plans: nothing under these is an inspection issue. The second
# pattern is weaker: it does not apply to a title that opens like a problem (关于/针对…).
_HARD = re.compile(
    r"^(?:下一步|下步|下一阶段|下阶段|今后|存在的(?:主要)?问题|存在问题|主要问题和不足|不足之处|几点体会)"
)
_HARD_WEAK = re.compile(
    # "…方面存在的问题" names a 方面 of the problems fed back, not the unit's own shortcomings
    r"^.{0,8}下一步|(?:打算|工作计划|计划安排|工作思路|努力方向)$|(?<!方面)存在的(?:主要)?问题$"
    r"|^(?:持续|进一步)?巩固.{0,8}整改成[果效]|长效机制$"
)
# Background and organisation of the rectification work. Matched on the first words of a
# title, so a run-in heading ("整改工作组织情况中心党委成立…") is still recognised.
_SOFT = re.compile(
    r"^.{0,12}?(?:基本情况|总体情况|组织情况|工作开展情况|工作推进情况|整改工作情况|主要做法|工作措施|主要成效|"
    r"整改成效|取得的成效|工作成效|概况)|^(?:加强|强化)?组织(?:领导|落实)"
    # Who organised the rectification: 组织整改落实情况, …组织落实整改情况, …主体责任落实情况.
    r"|^.{0,24}?(?:组织(?:整改)?落实|主体责任|第一责任人|组织领导).{0,10}?情况$"
    # Background headings open with a pledge, never with a problem: 提高政治站位, 压实责任 …
    r"|^(?:提高政治站位|压实|强化|加强|扎实|切实|高度重视|坚持|聚焦|统筹|精心|细化|注重|健全)"
)
# The rectification list itself: generic words that end in 情况 (or name the list).
_CONTAINER = re.compile(
    r"^(?:巡察|巡视)?(?:反馈|发现)?(?:意见|问题)?(?:的)?(?:具体)?整改(?:落实|进展|完成)?(?:情况)?$"
    r"|^.{0,16}?(?:反馈|巡察|巡视|指出|发现).{0,14}?(?:整改|落实)(?:落实|进展|完成)?情况"
    r"|逐项(?:整改|落实)|^.{0,10}?问题整改(?:落实)?情况|^整改(?:落实|进展)情况"
    r"|^.{0,16}?(?:整改|问题)(?:清单|台账)$"
)
_CLASSIFY_SPAN = 30  # how much of a title its role is read from
WRAPPER = re.compile(r"^(?:针对|关于|对于)+\s*")
# How a wrapped problem heading ends: 关于…的问题, 针对…方面, 关于…的整改情况.
WRAPPED_CLOSED = re.compile(r"(?:问题|方面|情况|整改|不足|短板)[”\"'’]?[。.;；:：,，]?$")


def unclosed_wrapper(title: str) -> bool:
    """Whether a heading opens a 关于/针对 wrapper it does not close ("关于预算绩效管理结果运用").

    >>> unclosed_wrapper("关于预算绩效管理结果运用"), unclosed_wrapper("关于预算绩效管理不充分的问题")
    (True, False)
    """
    return WRAPPER.match(title) is not None and WRAPPED_CLOSED.search(title) is None
_PROBLEM_WORDS = re.compile(
    r"问题|不够|不足|不到位|不力|不严|不实|不规范|不深入|不高|不强|不全|不明|不畅|不准|不细|不彻底|"
    r"不及时|不健全|不完善|不扎实|不紧密|不平衡|不充分|不清|不好|不牢|不当|不精准|不佳|不重视|"
    r"未|没有|缺失|缺位|缺乏|欠缺|薄弱|短板|差距|偏差|滞后|弱化|混乱|漏洞|风险|流于形式|有待|"
    r"突出|较大|宽松|虚化|淡化|淡漠|缓慢|多发|失职|违规|违反|乱"
)
_MEASURE_START = re.compile(
    r"^(?:加强|强化|建立|健全|完善|制定|修订|落实|开展|推进|深化|坚持|提升|严格|规范|组织|持续|压实|优化|"
    r"召开|印发|出台|成立|实行|实施|做好|抓好|狠抓|聚焦|着力|全面|进一步|切实|认真|积极|及时|定期|扎实|"
    r"提高|增强|明确|细化|构建|推动|统筹|毫不松懈|不断|推行|上线|追回|清退|约谈|督促|开通|新建|选派)"
)
SENTENCE_END = "。"


def classify_title(title: str) -> Role:
    """The role of a part from its title (folded, without its number).

    >>> [classify_title(t) for t in ("整改工作组织情况", "反馈问题整改落实情况", "今后整改工作打算", "党建工作方面")]
    [<Role.SOFT: 'soft'>, <Role.CONTAINER: 'container'>, <Role.HARD: 'hard'>, <Role.PLAIN: 'plain'>]
    """
    head = title.split(SENTENCE_END, 1)[0].strip()
    if _HARD.search(head) or (_HARD_WEAK.search(head) and not WRAPPER.match(head)):
        return Role.HARD
    head = head[:_CLASSIFY_SPAN]
    # "关于…不到位问题的整改情况" is a 方面, not the list; neither is a problem that happens to
    # say 组织 or 整改情况. (The list's own 反馈问题/巡察问题 is not a problem word.)
    if _PROBLEM_WORDS.search(re.sub("(?:反馈|巡察|发现)?问题", "", WRAPPER.sub("", head))):
        return Role.PLAIN
    if _SOFT.search(head):
        return Role.SOFT
    if _CONTAINER.search(head):
        return Role.CONTAINER
    return Role.PLAIN


# Set phrases of the work, not findings: 问题导向, 聚焦问题整改, 补齐短板, 防范风险.
_PLEDGE_PHRASES = re.compile(
    r"(?:反馈|巡察|巡视|发现|指出|存在)?问题(?:导向|整改|清单|台账|线索|销号)|(?:整改|聚焦|解决|查找|查摆|认领)问题"
    r"|补齐短板|补短板|缩小差距|找准差距|查找差距|防范(?:化解)?风险|化解风险|堵塞漏洞|堵漏洞"
)


def problem_like(title: str) -> bool:
    """Whether a heading reads as a problem rather than as a measure.

    >>> problem_like("针对学习贯彻不深入的问题"), problem_like("建立健全内控制度。")
    (True, False)
    >>> problem_like("坚持问题导向，逐项推进整改"), problem_like("补齐短板，建立长效机制")
    (False, False)
    """
    head = title.split(SENTENCE_END, 1)[0]
    score = 0
    if WRAPPER.match(head):
        score += 1
    if _PROBLEM_WORDS.search(_PLEDGE_PHRASES.sub("", head)):
        score += 1
    elif _MEASURE_START.match(head):
        score -= 2
    return score > 0


def opens_with_measure(text: str) -> bool:
    """Whether a text opens with a measure's verb ("开展…", "建立…"), whatever it mentions after.

    >>> opens_with_measure("开展专项督查，梳理问题清单23条"), opens_with_measure("问题清单23条")
    (True, False)
    """
    return _MEASURE_START.match(text) is not None


def measure_like(title: str) -> bool:
    """Whether a heading opens with a measure ("建立…", "修订…") and reads as no problem.

    >>> measure_like("修订意识形态工作责任清单。"), measure_like("意识形态工作责任制落实不力")
    (True, False)
    """
    return _MEASURE_START.match(title) is not None and not problem_like(title)


# A part listing the problems fed back, before the part reporting their rectification:
# 巡察反馈问题清单, 巡察反馈的问题, 反馈意见, 巡察组反馈的主要问题.
_LISTING = re.compile(r"^.{0,12}?(?:反馈|指出|发现)的?.{0,6}?(?:问题|意见)(?:清单)?[。.:：]?$|问题清单[。.:：]?$")


def listing_like(title: str) -> bool:
    """Whether a part's title names the problems fed back (not their rectification).

    >>> listing_like("巡察反馈的问题"), listing_like("反馈意见"), listing_like("巡察反馈问题整改情况")
    (True, True, False)
    """
    return _LISTING.search(title) is not None
