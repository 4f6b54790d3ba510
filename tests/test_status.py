"""The status vocabulary: printed status → normalised value."""

from __future__ import annotations

import pytest

from indexer.parsing.status import Status, normalise_status

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("已完成", C),
        # a completion planned or due is not reached; one already reached stays so
        ("计划2024年12月底前完成", P),
        ("预计年底前完成", P),
        ("力争年底完成", P),
        ("2024年12月底前完成", P),
        ("完成一半", P),
        ("已于2024年6月底前完成", C),
        ("已完成整改，将于年底前完成验收", C),
        ("按期完成", C),
        ("已整改完成", C),
        ("即知即改并已整改完成", C),
        ("已完成整改，并长期坚持", C),
        ("完成", C),
        ("立行立改", C),
        ("基本完成", B),
        ("基本完成，长期坚持", B),
        ("阶段性完成", P),
        ("阶段性完成整改，并长期坚持", P),
        ("正在推进", P),
        ("继续整改", P),
        ("部分已整改完成;继续整改", P),
        ("已整改完成。档案数字化继续整改,2024年9月完成", P),
        ("继续整改、2024年底前整改完成;部分已整改完成", P),
        ("未完成", P),
        ("部分完成，持续推进", P),
        ("持续推进", P),
        ("长期任务取得阶段性成效并长期坚持", L),
        ("长期整改", L),
        ("长期坚持", L),
        # Phrasings met beyond the bundled samples.
        ("已解决", C),
        ("责任已落实到位", C),
        ("已通过验收", C),
        ("已达到整改要求", C),
        ("已完成整改，持续落实长效机制", C),
        ("正在落实", P),
        ("落实中", P),
        ("持续落实", P),
        ("未落实到位", P),
        ("已完成80%", P),
        ("整改进度：60%", P),
        ("整改完成率100%", C),
        ("已全部办结", C),
        ("已按要求整改", C),
        ("问题已动态清零", C),
        ("达到序时进度", P),
        ("", None),
        (None, None),
        ("见附件", None),
    ],
)
def test_normalise_status(raw: str | None, status: Status | None) -> None:
    assert normalise_status(raw) is status
