"""The notice's stated totals are read outside its issues' blocks: a count in an issue's measures
(梳理问题清单23条, 发现的9类问题) is that issue's own, while the introduction, a part's heading and
the closing summary after the last issue state the notice's. Every name and problem here is invented."""

from __future__ import annotations

import pytest

from indexer.parsing.parse import parse_text
from indexer.parsing.totals import find_totals

HEAD = ("中共青柳县水务局党组关于巡察整改进展情况的通报\n"
        "根据县委统一部署，县委第一巡察组于2024年4月至5月对县水务局党组开展了常规巡察，"
        "并于2024年6月12日反馈了巡察意见。现将整改进展情况公布如下。\n")
END = "\n中共青柳县水务局党组\n2024年10月8日"
ISSUES = ("1.河道巡查记录不全。\n整改情况：已完成。召开专题会议，梳理问题清单23条，已整改17条；"
          "对上级检查发现的9类问题举一反三开展自查。\n"
          "2.工程资金拨付审核不严。\n整改情况：已完成。修订资金拨付审核办法。\n"
          "3.水质监测数据上报滞后。\n整改情况：正在推进。建立监测数据周报制度。\n")


def test_counts_inside_an_issues_measures_are_not_the_notices_totals() -> None:
    notice = parse_text(HEAD + ISSUES + END)
    totals = notice.meta.stated_totals
    assert (totals.issues, totals.completed, totals.categories) == (None, None, None)
    assert notice.quality.issues_stated is None and notice.quality.warnings == []
    assert "梳理问题清单23条" in "".join(notice.issues[0].measures)


def test_the_same_counts_outside_the_issues_are_the_notices_totals() -> None:
    # the very sentence, as the introduction states it, is a total (the masking is by place, not wording)
    assert find_totals("巡察反馈后，梳理问题清单23条，已整改17条。").issues == 23
    notice = parse_text(HEAD + "巡察反馈问题清单共3个，已完成整改2个，正在整改1个。\n" + ISSUES + END)
    totals = notice.meta.stated_totals
    assert (totals.issues, totals.completed, totals.in_progress) == (3, 2, 1)
    assert notice.quality.warnings == []


RUN_IN = ("1.河道巡查记录不全。梳理问题清单23条，已整改17条，该问题已整改完成。\n"
          "2.工程资金拨付审核不严。修订资金拨付审核办法，该问题已整改完成。\n"
          "3.水质监测数据上报滞后。建立监测数据周报制度，该问题正在整改。\n")


@pytest.mark.parametrize("issues", [ISSUES, RUN_IN], ids=["labelled", "run_in"])
def test_a_closing_summary_after_the_last_issue_is_the_notices_and_not_the_issues(issues: str) -> None:
    notice = parse_text(HEAD + issues + "截至目前，巡察反馈的3个问题，已完成整改2个，正在整改1个。\n" + END)
    totals = notice.meta.stated_totals
    assert (totals.issues, totals.completed, totals.in_progress) == (3, 2, 1)
    last = notice.issues[-1]
    assert last.span is not None and "截至目前" not in notice.text[last.span[0]:last.span[1]]
    assert "截至目前" not in "".join([last.measures_intro or "", *last.measures])
