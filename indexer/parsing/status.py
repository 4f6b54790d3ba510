"""The one status vocabulary: how a notice's printed status maps to a normalised value.

    >>> normalise_status("已完成整改，并长期坚持")
    <Status.COMPLETED: 'completed'>
    >>> normalise_status("部分已整改完成;继续整改")
    <Status.IN_PROGRESS: 'in_progress'>

| value                 | printed as (examples)                                                       |
|-----------------------|-----------------------------------------------------------------------------|
| completed             | 已完成, 已整改完成, 即知即改并已整改完成, 已完成整改并长期坚持, 整改状态:完成, 已解决 |
| basically_completed   | 基本完成                                                                    |
| in_progress           | 阶段性完成, 正在推进, 继续整改, 部分已整改完成;继续整改, 持续推进, 已完成80%, 初见成效, 计划年底前完成 |
| long_term             | 长期任务取得阶段性成效并长期坚持, 长期整改, 长期坚持 (with no completion)     |
| (None)                | the notice prints no status                                                 |
"""

from __future__ import annotations

import re
from enum import StrEnum

from indexer.parsing.numerals import COUNT, NUM


class Status(StrEnum):
    COMPLETED = "completed"
    BASICALLY_COMPLETED = "basically_completed"
    IN_PROGRESS = "in_progress"
    LONG_TERM = "long_term"


# Chinese labels for display (web page, exports).
STATUS_LABELS: dict[Status, str] = {
    Status.COMPLETED: "已完成",
    Status.BASICALLY_COMPLETED: "基本完成",
    Status.IN_PROGRESS: "推进中",
    Status.LONG_TERM: "长期坚持",
}

# How far each status has come, least advanced first: an issue whose measures carry statuses of
# their own is as far as its least advanced one (one still in progress: in progress).
PROGRESS_ORDER: tuple[Status, ...] = (Status.IN_PROGRESS, Status.BASICALLY_COMPLETED, Status.LONG_TERM,
                                      Status.COMPLETED)

# Order matters: the first rule that matches wins. Partial completion always wins over
# "完成" (部分已整改完成;继续整改 is in progress), and a long-term task wins over 阶段性.
# "长期坚持" after a completion is a promise, not a status (已完成整改，并长期坚持 is completed);
# alone (整改状态：长期坚持) it marks a long-term task.
_RULES: tuple[tuple[re.Pattern[str], Status], ...] = (
    (re.compile(r"长期任务|长期整改|持续整改.*长期"), Status.LONG_TERM),
    (re.compile(r"继续整改|正在推进|正在整改|正在落实|推进中|落实中|进行中|未完成|部分.{0,4}完成|尚未|整改中|未整改|未落实|未销号"
                r"|初见成效|初步成效|序时进度"
                r"|(?:完成|进度)\D{0,2}\d{1,2}(?:\.\d+)?\s*%"), Status.IN_PROGRESS),  # 已完成80%: a share, not done
    (re.compile(r"阶段性"), Status.IN_PROGRESS),
    # A completion planned or due, not reached: 计划年底前完成, 预计6月完成, 力争…完成, 2024年12月底前完成
    # (unless something is already done: 已完成整改，将于…完成验收 stays completed).
    (re.compile(r"^(?!.*(?:已完成|已经完成|已整改|整改完成|已全部|已于))"
                r"(?:.*(?:计划|预计|力争|争取|拟于|拟|将于|待)[^。；;，,]{0,14}?完成|(?:于)?\d{4}\s*年[^。；;，,]{0,8}?前完成)"
                r"|完成(?:一半|过半|大半)"), Status.IN_PROGRESS),
    (re.compile(r"基本完成|基本整改"), Status.BASICALLY_COMPLETED),
    (re.compile(r"完成|完毕|已(?:全部|全面)?整改|整改到位|落实到位|已落实|已(?:全部|全面)?办结|已销号|立行立改|即知即改|已完结"
                r"|已解决|通过验收|达到整改要求|已按要求整改|(?:已|动态)清零"), Status.COMPLETED),
    (re.compile(r"长期"), Status.LONG_TERM),
    (re.compile(r"持续推进|持续整改|持续落实|推进"), Status.IN_PROGRESS),
)


# A status printed as a form: "☑已完成 □正在推进" (or "已完成☑ 正在推进□"), the ticked option counts.
TICKS = frozenset("√✓✔☑■●☒")
_BOXES = frozenset("□☐○")
_OPTION = re.compile("[" + "".join(sorted(TICKS | _BOXES)) + "]")


def status_form(text: str) -> bool:
    """Whether a text prints a status as a form: a tick and a box ("☑已完成 □正在推进")."""
    marks = {m.group() for m in _OPTION.finditer(text)}
    return bool(marks & TICKS) and bool(marks & _BOXES)


def _ticked(text: str) -> str:
    """The ticked options of a status printed as a form, or the text itself when it is none.

    >>> _ticked("□已完成☑正在推进□长期坚持"), _ticked("已完成☑正在推进□")
    ('正在推进', '已完成')
    """
    marks = list(_OPTION.finditer(text))
    if not marks or not any(m.group() in _BOXES for m in marks):
        return text
    before = marks[0].start() == 0  # "☑已完成": the mark precedes its option
    bounds = [m.start() for m in marks] + [len(text)] if before else [0] + [m.end() for m in marks]
    chosen = []
    for k, mark in enumerate(marks):
        option = text[mark.end() : bounds[k + 1]] if before else text[bounds[k] : mark.start()]
        if mark.group() in TICKS:
            chosen.append(option)
    return "".join(chosen)


def normalise_status(raw: str | None) -> Status | None:
    """Map a printed status (整改结果/整改完成情况/整改状态 text) to the vocabulary, or None."""
    if not raw:
        return None
    text = _ticked(re.sub(r"\s+", "", raw))
    for pattern, status in _RULES:
        if pattern.search(text):
            return status
    return None


# ---------------------------------------------------------------------------------------------
# Status words in other places of a notice: a grouping heading, and the counts of a summary.

# A grouping heading that names the status of the problems under it ("已整改完成的问题").
_STATUS_GROUP = re.compile(
    r"(?:已完成|已整改|完成整改|整改完成|基本完成|阶段性|正在|推进中|未完成|尚未|长期|持续|立行立改|即知即改)"
)
_GROUP_END = re.compile(r"(?:问题|事项|任务|类)\s*(?:\(\d+\s*[个项条]\))?$")


def heading_status(title: str) -> Status | None:
    """A status printed by a grouping heading ("已完成整改的问题", "长期整改的问题"), else None.

    >>> heading_status("集中整改期间已整改完成的问题"), heading_status("需长期坚持的问题")
    (<Status.COMPLETED: 'completed'>, <Status.LONG_TERM: 'long_term'>)
    """
    head = title.split("。", 1)[0].strip()
    if not (_STATUS_GROUP.search(head) and _GROUP_END.search(head)):
        return None
    status = normalise_status(head)
    if status is None and "长期" in head:
        return Status.LONG_TERM
    return status


# A count of problems ends its phrase: "完成12个村卫生室改造" counts something else.
_OF_PROBLEMS = r"(?!(?!问题|事项|整改|任务|具体|方面)[\u4e00-\u9fff])"
_UNIT = rf"\s*(?:个|项|条|类){_OF_PROBLEMS}"
# "已完成整改15个" / "15个问题已完成整改", … : how many problems a summary puts in each status.
STATUS_COUNTS: dict[Status, tuple[re.Pattern[str], ...]] = {
    Status.COMPLETED: (
        re.compile(
            rf"(?<!基本)(?<!阶段性)(?<!未)(?:(?:已经?|均已|已全部)?(?:完成|整改完成|整改到位|完成整改|整改销号)"
            rf"|(?:已经?|均已|已全部)(?:整改|销号))"
            rf"(?:问题)?(?:整改)?(?:完成)?(?:的有|的)?(?:问题)?\s*({NUM}){_UNIT}"
        ),
        # "18个问题已全部整改完成" — but in "12个问题已完成整改10个" the 12 is the whole.
        re.compile(rf"{COUNT}\s*(?:个|项|条)(?:问题)?(?:已经?|均已)(?:全部)?(?:完成整改|整改完成|整改到位|完成|销号)"
                   rf"(?!\s*(?:整改)?\s*(?:{NUM})\s*(?:个|项|条))"),
    ),
    Status.IN_PROGRESS: (
        re.compile(rf"(?:正在|继续|持续|仍在|尚在){{1,2}}(?:推进)?(?:整改)?中?(?:的有)?\s*({NUM})\s*(?:个|项|条)"),
        re.compile(rf"(?:尚未完成|未完成|未整改完成|整改中|推进中|未销号)(?:整改)?(?:的有)?\s*({NUM})\s*(?:个|项|条)"),
        re.compile(rf"{COUNT}\s*(?:个|项|条)(?:问题)?(?:正在|持续|继续|仍在){{1,2}}(?:按计划|按序时|按时序|有序|加快)?"
                   rf"(?:推进|整改){{1,2}}"),
    ),
    Status.BASICALLY_COMPLETED: (
        re.compile(rf"基本(?:完成|整改到位)(?:整改)?(?:的有|的)?(?:问题)?\s*({NUM}){_UNIT}"),
        re.compile(rf"{COUNT}\s*(?:个|项|条)(?:问题)?基本(?:完成|整改到位)"),
    ),
    Status.LONG_TERM: (
        re.compile(rf"(?:需要?)?长期(?:坚持整改|推进整改|整改|坚持|推进|任务)(?:的有|的)?(?:问题)?\s*({NUM}){_UNIT}"),
        re.compile(rf"{COUNT}\s*(?:个|项|条)(?:问题)?(?:需要?)?(?:长期整改|长期坚持|长期推进|持续长期)"),
    ),
}
# 阶段性完成 is in progress in the vocabulary; its count is kept apart from 正在推进 in summaries.
PARTLY_COMPLETED_COUNTS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"阶段性(?:完成|成效)(?:整改)?(?:的有|的)?(?:问题)?\s*({NUM}){_UNIT}"),
    re.compile(rf"{COUNT}\s*(?:个|项|条)(?:问题)?(?:取得)?阶段性(?:完成|成效)"),
)
