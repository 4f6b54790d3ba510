"""The parse-quality report's ``complete``: false when the found and stated counts disagree,
sections included (a notice stating 3 方面 of which one heading was found is not complete)."""

from __future__ import annotations

from indexer.parsing.parse import parse_text
from indexer.types import QualityReport

HEAD = """中共青禾县示范中学委员会关于县委第二轮巡察整改进展情况的通报
根据县委统一部署，2024年3月5日至5月6日，县委第一巡察组对青禾县示范中学党委开展了常规巡察。2024年6月12日，巡察组反馈了巡察意见。
县委第一巡察组反馈意见指出{sections}5个问题。截至2024年12月31日，已完成整改4项，持续推进1项。
一、整改工作组织开展情况
学校党委成立整改工作领导小组，逐条制定整改措施。
二、巡察反馈问题整改落实情况
（一）关于落实全面从严治党责任方面
"""
ISSUES = """1.关于食堂采购询价程序不规范的问题。
整改结果：已完成整改。
整改落实情况：一是修订食堂采购管理办法；二是建立三方询价记录台账。
2.关于教辅资料征订把关不严的问题。
整改结果：已完成整改。
整改落实情况：一是成立教辅资料选用委员会；二是全面清理违规征订行为。
3.关于校外培训监督不到位的问题。
整改结果：已完成整改。
整改落实情况：一是开展在职教师有偿补课专项排查；二是签订师德承诺书。
4.关于公务用车管理松散的问题。
整改结果：已完成整改。
整改落实情况：一是修订公务用车使用登记制度；二是安装车辆定位设备。
5.关于基建项目档案资料缺失的问题。
整改结果：持续推进。
整改落实情况：一是对近三年基建项目档案开展全面梳理；二是补齐缺失的验收材料。
"""


def test_all_issues_in_one_of_three_stated_sections_is_not_complete() -> None:
    quality = parse_text(HEAD.format(sections="3个方面") + ISSUES).quality
    assert (quality.issues_found, quality.issues_stated) == (5, 5)
    assert (quality.sections_found, quality.sections_stated) == (1, 3)
    assert quality.complete is False
    assert "the notice states 3 sections but 1 were found" in quality.warnings


def test_the_same_notice_stating_no_sections_is_complete() -> None:
    quality = parse_text(HEAD.format(sections="") + ISSUES).quality
    assert (quality.sections_found, quality.sections_stated) == (1, None)
    assert quality.complete is True and quality.warnings == []


def test_stated_sections_without_section_headings_do_not_disagree() -> None:
    flat = QualityReport(issues_found=14, issues_stated=14, sections_found=0, sections_stated=4)
    assert flat.complete is True
    assert QualityReport(issues_found=14, issues_stated=13).complete is False
