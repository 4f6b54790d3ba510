"""Normalisation: display text without page artefacts, and the length-preserving fold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.parsing.normalise import fold, normalise


@given(st.text())
def test_fold_is_one_character_in_one_out(text: str) -> None:
    assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（一）整改结果：已完成", "(一)整改结果:已完成"),
        ("１２３ＡＢｃ，；！？", "123ABc,;!?"),
        ("【通报】〔2024〕3号", "[通报]〔2024〕3号"),
        ("1．关于", "1.关于"),
        ("整改結果：正在推進", "整改结果:正在推进"),
        ("①②", "①②"),  # circled numbers stay: they are a numbering style of their own
        ("⼀、⼆、", "一、二、"),  # Kangxi radicals from PDF converters
        ("通\u3000报", "通 报"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_bookmarks_removed_and_recorded() -> None:
    n = normalise("中共某县医院委员会关于巡察整改进展情况的通报\n[bookmark: _GoBack]5.食堂管理不规范。\n"
                  "[bookmark: OLE_LINK3][bookmark: OLE_LINK1]整改结果：已完成。")
    assert n.text == "中共某县医院委员会关于巡察整改进展情况的通报\n5.食堂管理不规范。\n整改结果：已完成。"
    assert n.removed == ["[bookmark: _GoBack]", "[bookmark: OLE_LINK3]", "[bookmark: OLE_LINK1]"]


def test_title_over_three_lines_with_letter_spacing() -> None:
    n = normalise("中共某县医疗保障局党组\n关于县医疗保障局党组巡察整改进展情况的\n通 报\n根据县委统一部署，开展了巡察。")
    assert n.text.split("\n") == [
        "中共某县医疗保障局党组关于县医疗保障局党组巡察整改进展情况的通报",
        "根据县委统一部署，开展了巡察。",
    ]
    assert "letter-spacing: 通 报" in n.removed
    assert "title joined from 3 lines" in n.removed


def test_info_block_becomes_header_and_title_kept_once() -> None:
    title = "某镇卫生院关于县委巡察反馈问题整改进展情况的通报"
    raw = "\n".join([
        "- 索 引 号:000000/2025-00001",
        "- 主题分类:党务公开",
        "- 发布机构:县卫健局",
        "- 成文时间:2024年11月05日",
        "- 文 号:无",
        "- 发文时间:2024年11月06日",
        f"- 标 题:{title}",
        "- 效力状态:有效",
        title,
        "(社会公开稿)",
        "根据县委统一部署，开展了常规巡察。",
    ])
    n = normalise(raw)
    assert n.text == f"{title}\n根据县委统一部署，开展了常规巡察。"
    assert n.header == {
        "索引号": "000000/2025-00001",
        "主题分类": "党务公开",
        "发布机构": "县卫健局",
        "成文时间": "2024年11月05日",
        "文号": "无",
        "发文时间": "2024年11月06日",
        "标题": title,
        "效力状态": "有效",
    }
    assert "(社会公开稿)" in n.removed
    assert "- 索 引 号:000000/2025-00001" in n.removed


def test_info_block_on_one_line() -> None:
    n = normalise("索引号：001/2024-01 发布机构：县医保局 发布日期：2024-05-06\n县医保局关于巡察整改进展情况的通报\n正文。")
    assert n.header == {"索引号": "001/2024-01", "发布机构": "县医保局", "发布日期": "2024-05-06"}
    assert n.text == "县医保局关于巡察整改进展情况的通报\n正文。"


def test_repeated_title_dropped() -> None:
    n = normalise("某县医院党委关于巡察整改情况的通报\n某县医院党委\n关于巡察整改情况的通报\n一、整改工作组织情况")
    assert n.text == "某县医院党委关于巡察整改情况的通报\n一、整改工作组织情况"
    assert n.removed == ["repeated title: 某县医院党委关于巡察整改情况的通报"]


def test_pinyin_injection_removed() -> None:
    n = normalise("根據縣委統(tǒng)一部署，對醫(yī)院黨委開展了巡察(xún chá)的(de)工作，ICU(重症)和(ICU)保持。")
    assert n.text == "根據縣委統一部署，對醫院黨委開展了巡察的工作，ICU(重症)和(ICU)保持。"
    assert n.removed == ["pinyin injected after 4 characters, e.g. (tǒng)"]


def test_untoned_brackets_kept_without_a_mirror() -> None:
    n = normalise("按照統(tǒng)一要求，做好(de)登记。")
    assert n.text == "按照統一要求，做好(de)登记。"


def test_one_line_body_is_broken_before_headings_and_labels() -> None:
    body = (
        "某县医院党委关于巡察整改进展情况的通报根据县委统一部署，县委巡察组开展了巡察。"
        "一、整改工作组织情况 院党委成立领导小组。二、巡察反馈问题整改落实情况（一）党的建设方面"
        "1.关于学习不深入的问题。整改结果：已完成。整改情况：一是修订制度；二是于6.30日前完成研讨。"
        "2.关于台账不全的问题。整改结果：已完成。整改情况：3.15日起补齐台账。"
        "欢迎广大干部群众进行监督。联系电话：0000-1111111。"
    )
    assert normalise(body).text.split("\n") == [
        "某县医院党委关于巡察整改进展情况的通报",
        "根据县委统一部署，县委巡察组开展了巡察。",
        "一、整改工作组织情况",  # the space after a heading's title marks the lost line break
        "院党委成立领导小组。",
        "二、巡察反馈问题整改落实情况",
        "（一）党的建设方面",
        "1.关于学习不深入的问题。",
        "整改结果：已完成。",
        "整改情况：一是修订制度；二是于6.30日前完成研讨。",
        "2.关于台账不全的问题。",
        "整改结果：已完成。",
        "整改情况：3.15日起补齐台账。",
        "欢迎广大干部群众进行监督。联系电话：0000-1111111。",
    ]


def test_long_paragraph_is_not_reflowed() -> None:
    paragraph = "整改措施及进展：" + "一是加强学习，2021年1月开展专题培训，（1）制定计划；（2）组织考试。" * 10
    assert normalise(paragraph).text == paragraph


def test_furniture_and_blank_lines() -> None:
    n = normalise("  某县医院关于巡察整改情况的通报  \n\n打印本页\n\u3000\u3000根据部署，开展巡察。\n关闭窗口\n")
    assert n.text == "某县医院关于巡察整改情况的通报\n根据部署，开展巡察。"
    assert n.removed == ["打印本页", "关闭窗口"]
