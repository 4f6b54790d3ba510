"""Notices that first list the problems fed back (一、巡察反馈问题清单 1. 2. 3.) and then report their
rectification (二、整改落实情况) with the same problems again: each problem is one issue, with its
status and measures, in the fuller of its two wordings. Every name and problem here is invented."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.parsing import html_text
from indexer.parsing.parse import parse_document, parse_file, parse_text
from indexer.parsing.status import Status
from indexer.types import RawDocument

C, P = Status.COMPLETED, Status.IN_PROGRESS

HEAD = ("中共苇塘县农机服务中心党支部关于巡察整改进展情况的通报\n"
        "根据县委统一部署，县委第三巡察组于2024年3月至4月对县农机服务中心党支部开展了常规巡察，"
        "并于2024年5月20日反馈了巡察意见。现将整改进展情况公布如下。\n")
LISTED = ["1.农机购置补贴审核把关不严，个别补贴对象资格核验流于形式。",
          "2.固定资产登记不及时，报废农机未按规定处置。",
          "3.党员发展程序不规范。"]
ENTRIES = ("二、整改落实情况\n"
           "1.农机购置补贴审核把关不严的问题\n整改情况：已完成。一是修订补贴审核细则；二是逐户复核补贴对象。\n"
           "2.固定资产登记不及时的问题\n整改情况：正在推进。一是全面清查资产；二是规范报废处置流程。\n"
           "3.党员发展程序不规范的问题\n整改情况：已完成。对照发展党员细则逐项补正材料。\n")
END = "三、下一步工作打算\n持续巩固整改成果。\n中共苇塘县农机服务中心党支部\n2024年9月12日"
FULLER = [("1.", "农机购置补贴审核把关不严，个别补贴对象资格核验流于形式", C),
          ("2.", "固定资产登记不及时，报废农机未按规定处置", P),
          ("3.", "党员发展程序不规范", C)]


def _notice(heading: str, listed: list[str] = LISTED, entries: str = ENTRIES) -> str:
    return HEAD + heading + "\n" + "\n".join(listed) + "\n" + entries + END


def _read(notice) -> list[tuple[str, str, Status | None]]:
    return [(i.label, i.problem, i.status) for i in notice.issues]


@pytest.mark.parametrize("heading", ["一、巡察反馈问题清单", "一、巡察反馈的问题", "一、反馈意见"])
def test_listed_problems_fold_into_their_rectification_entries(heading: str) -> None:
    notice = parse_text(_notice(heading))
    assert _read(notice) == FULLER
    assert [i.measures for i in notice.issues][1] == ["全面清查资产", "规范报废处置流程。"]
    assert not any("no status" in w or "no measures" in w or "skipped" in w for w in notice.quality.warnings)


def test_a_listing_in_a_txt_file_as_in_an_html_page(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(_notice("一、巡察反馈问题清单"), encoding="utf-8")
    assert _read(parse_file(path)) == FULLER
    paragraphs = "".join(f"<p>{line}</p>" for line in _notice("一、巡察反馈问题清单").split("\n")[1:])
    html = (f"<html><head><title>{HEAD.splitlines()[0]}</title></head><body><div class='article'>"
            f"<h1>{HEAD.splitlines()[0]}</h1>{paragraphs}</div></body></html>")
    notice = parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))
    assert _read(notice) == FULLER
    assert notice.quality.statuses_found == 3


def test_a_later_entry_paraphrased_short_is_matched_by_its_number() -> None:
    entries = ENTRIES.replace("2.固定资产登记不及时的问题", "2.关于资产登记滞后的问题")
    assert _read(parse_text(_notice("一、巡察反馈问题清单", entries=entries))) == FULLER


@pytest.mark.parametrize("heading", ["一、巡察反馈问题清单", "一、巡察反馈的问题"])
def test_a_listed_problem_without_an_entry_is_kept_and_reported(heading: str) -> None:
    listed = [*LISTED, "4.档案室防潮措施缺失。"]
    notice = parse_text(_notice(heading, listed=listed))
    assert [(i.problem, i.status) for i in notice.issues] == [("档案室防潮措施缺失", None)] + [
        (problem, status) for _, problem, status in FULLER]
    assert any("档案室防潮措施缺失" in w and "no rectification entry" in w for w in notice.quality.warnings)
    assert "1 of 4 issues have no status" in notice.quality.warnings


def test_a_notice_reads_the_same_with_or_without_its_listing() -> None:
    bare = parse_text(HEAD + ENTRIES.replace("二、", "一、") + END.replace("三、", "二、"))
    expected = [("1.", "农机购置补贴审核把关不严", C), ("2.", "固定资产登记不及时", P), ("3.", "党员发展程序不规范", C)]
    assert _read(bare) == expected
    assert bare.quality.warnings == []
    listed = parse_text(_notice("一、巡察反馈问题清单", listed=[line.split("，")[0] for line in LISTED]))
    assert _read(listed) == expected
    assert listed.quality.warnings == []


def test_a_listing_of_other_problems_is_not_folded() -> None:
    other = ["1.食堂采购台账缺失。", "2.车辆加油卡管理混乱。", "3.值班制度落实不严。"]
    unmatched = parse_text(_notice("一、巡察反馈问题清单", listed=other))
    assert [i.problem for i in unmatched.issues][:3] == ["食堂采购台账缺失", "车辆加油卡管理混乱", "值班制度落实不严"]
    assert "3 of 6 issues have no status" in unmatched.quality.warnings
    skipped = parse_text(_notice("一、巡察反馈的问题", listed=other))
    assert len(skipped.issues) == 3
    assert "part '一、巡察反馈的问题' could not be classified; skipped" in skipped.quality.warnings
    assert len(parse_text(_notice("一、巡察反馈问题清单")).issues) == 3
