"""The one status vocabulary: how a notice's printed status maps to a normalised value.

    >>> normalise_status("已完成整改，并长期坚持")
    <Status.COMPLETED: 'completed'>
    >>> normalise_status("部分已整改完成;继续整改")
    <Status.IN_PROGRESS: 'in_progress'>

| value                 | printed as (examples)                                                       |
|-----------------------|-----------------------------------------------------------------------------|
| completed             | 已完成, 已整改完成, 即知即改并已整改完成, 已完成整改并长期坚持, 整改状态:完成 |
| basically_completed   | 基本完成                                                                    |
| in_progress           | 阶段性完成, 正在推进, 继续整改, 部分已整改完成;继续整改, 持续推进             |
| long_term             | 长期任务取得阶段性成效并长期坚持, 长期整改, 长期坚持 (with no completion)     |
| (None)                | the notice prints no status                                                 |
"""

from __future__ import annotations

import re
from enum import StrEnum


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

# Order matters: the first rule that matches wins. Partial completion always wins over
# "完成" (部分已整改完成;继续整改 is in progress), and a long-term task wins over 阶段性.
# "长期坚持" after a completion is a promise, not a status (已完成整改，并长期坚持 is completed);
# alone (整改状态：长期坚持) it marks a long-term task.
_RULES: tuple[tuple[re.Pattern[str], Status], ...] = (
    (re.compile(r"长期任务|长期整改|持续整改.*长期"), Status.LONG_TERM),
    (re.compile(r"继续整改|正在推进|正在整改|推进中|未完成|部分.{0,4}完成|尚未|整改中|未整改"), Status.IN_PROGRESS),
    (re.compile(r"阶段性"), Status.IN_PROGRESS),
    (re.compile(r"基本完成|基本整改"), Status.BASICALLY_COMPLETED),
    (re.compile(r"完成|完毕|已整改|整改到位|已落实|已办结|已销号|立行立改|即知即改|已完结"), Status.COMPLETED),
    (re.compile(r"长期"), Status.LONG_TERM),
    (re.compile(r"持续推进|持续整改|推进"), Status.IN_PROGRESS),
)


def normalise_status(raw: str | None) -> Status | None:
    """Map a printed status (整改结果/整改完成情况/整改状态 text) to the vocabulary, or None."""
    if not raw:
        return None
    text = re.sub(r"\s+", "", raw)
    for pattern, status in _RULES:
        if pattern.search(text):
            return status
    return None
