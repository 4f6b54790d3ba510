"""Reading files: encodings, docx tables, HTML furniture, and the exact error for each bad file.

Fixtures are fictional and written by ``tests/data/read/make_fixtures.py``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from indexer.errors import ReadError
from indexer.parsing import decode, html_text, read, tables
from indexer.parsing.parse import parse_paths

DATA = Path(__file__).resolve().parent / "data" / "read"


@pytest.mark.parametrize(
    ("name", "encoding", "fragment"),
    [
        ("gbk_notice.txt", "gbk", "巡察反馈指出3个方面12个问题，目前已完成整改10个，正在推进整改2个。"),
        ("gbk_ascii_head.txt", "gbk", "Source: www.example.gov.cn/notice/39\n中共云岭县人民医院委员会\n"),
        ("gb18030_notice.txt", "gb18030", "县委第二巡察组对䶮溪镇卫生院党支部开展了专项巡察。"),
        ("utf8_bom_notice.txt", "utf_8_sig", "区委巡察五组反馈问题8个，已完成整改8个。"),
    ],
)
def test_text_files_are_decoded_with_the_named_encoding(name: str, encoding: str, fragment: str) -> None:
    raw = read.read_path(DATA / name)
    assert (raw.format, raw.encoding) == ("txt", encoding)
    assert fragment in raw.text
    assert "\ufeff" not in raw.text and "\r" not in raw.text


def test_bom_is_stripped_and_crlf_becomes_lf() -> None:
    raw = read.read_path(DATA / "utf8_bom_notice.txt")
    assert raw.text == "清河街道社区卫生服务中心关于巡察整改进展情况的通报\n区委巡察五组反馈问题8个，已完成整改8个。\n"


def test_short_gbk_text_is_not_taken_for_korean() -> None:
    # charset-normalizer alone names these 16 bytes cp949; the plausibility check keeps GBK.
    raw = read.read_path(DATA / "short_gbk.txt")
    assert (raw.text, raw.encoding) == ("整改结果：已完成", "gbk")


@pytest.mark.parametrize("text", ["医院", "学习", "省委", "整改结果：已完成", "县委第二巡察组", "六个方面二十二个问题"])
def test_short_chinese_decodes_right_in_both_encodings(text: str) -> None:
    # "医院", "学习", "省委" in GBK are also valid UTF-8 (ҽԺ, ѧϰ, ʡί): validity alone is not enough.
    assert decode.decode(text.encode("gbk")) == decode.Decoded(text, "gbk")
    assert decode.decode(text.encode("utf-8")) == decode.Decoded(text, "utf_8")


def test_gb18030_only_characters_pick_gb18030() -> None:
    assert decode.decode("䶮溪镇".encode("gb18030")) == decode.Decoded("䶮溪镇", "gb18030")


def test_ascii_is_reported_as_ascii() -> None:
    assert decode.decode(b"Index 2024\r\n") == decode.Decoded("Index 2024\n", "ascii")


def test_traditional_chinese_in_utf8_is_kept_as_utf8() -> None:
    # Valid UTF-8 is proof even when the characters are rare in mainland notices.
    assert decode.decode("巡察整改進展情況".encode()) == decode.Decoded("巡察整改進展情況", "utf_8")


def _error(path: Path) -> ReadError:
    with pytest.raises(ReadError) as info:
        read.read_path(path)
    return info.value


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.txt", "empty file (0 bytes)"),
        ("whitespace.txt", "no text: the file holds only whitespace or markup"),
        ("binary.txt", "binary file (contains NUL bytes), not a text notice"),
        ("truncated.docx", "truncated or corrupt .docx (zip: File is not a zip file)"),
        ("legacy.docx", "a legacy Word 97-2003 (.doc) file named .docx; save it as .docx"),
        ("unsupported.pdf", "unsupported file type '.pdf' (supported: .docx, .htm, .html, .txt)"),
        ("missing.txt", "file not found"),
    ],
)
def test_unreadable_files_raise_read_error_naming_file_and_reason(name: str, reason: str) -> None:
    error = _error(DATA / name)
    assert str(error) == f"{DATA / name}: {reason}"
    assert (error.path, error.reason) == (str(DATA / name), reason)


def test_mixed_encodings_name_where_each_codec_fails() -> None:
    error = _error(DATA / "mixed_encodings.txt")
    # The tail names charset-normalizer's verdict, which depends on its version.
    assert error.reason.startswith(
        "cannot decode: not valid UTF-8 (byte 0xd5 at offset 108) nor GB18030 (byte 0x80 at offset 52); "
    )


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    assert _error(tmp_path).reason == "is a directory"


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "plain.docx"
    path.write_text("整改情况", encoding="utf-8")
    assert _error(path).reason == "not a .docx (not a zip package)"


def test_zip_without_a_document_part(tmp_path: Path) -> None:
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("content.xml", "<x/>")
    assert _error(path).reason == "not a .docx: the package has no word/document.xml"


def test_docx_paragraphs_and_table_rows_in_document_order() -> None:
    raw = read.read_path(DATA / "notice.docx")
    assert (raw.format, raw.encoding) == ("docx", None)
    assert raw.text.split("\n") == [
        "中共云岭县中医医院委员会",
        "关于巡察整改进展情况的通报",
        "2024年3月4日至4月26日，市委第二巡察组对云岭县中医医院党委开展了巡察。",
        "一、落实全面从严治党责任方面",
        "1.党费收缴不规范",
        "整改措施：一是重新核定缴费基数。",
        "二是补缴党费1.2万元。",
        "完成情况：已完成",
        "2.药品采购程序不规范",
        "整改措施：修订《药品采购管理办法》。",
        "完成情况：正在推进",
        "欢迎广大干部群众进行监督。",
        "中共云岭县中医医院委员会",
        "2024年9月2日",
    ]


@pytest.mark.parametrize(
    ("rows", "lines"),
    [
        (  # no 序号 column: the row is numbered by its place, other columns keep their labels
            [["存在问题", "整改措施", "整改时限"], ["台账不全", "补建台账", "2025年6月底前"]],
            ["1.台账不全", "整改措施：补建台账", "整改时限：2025年6月底前"],
        ),
        (  # a repeated header row (page break) is skipped; Chinese sequence numbers get 、
            [["序号", "问题", "整改情况"], ["一", "制度缺失", "已完成"], ["序号", "问题", "整改情况"]],
            ["一、制度缺失", "整改情况：已完成"],
        ),
        (  # a traditional-character copy: its header is recognised, its labels are kept as printed
            [["序號", "問題", "整改情況"], ["1", "臺賬不全", "已完成"]],
            ["1.臺賬不全", "整改情況：已完成"],
        ),
        (  # no recognisable header: one line per cell
            [["单位", "云岭县中医医院"], ["日期", "2024年9月2日"]],
            ["单位", "云岭县中医医院", "日期", "2024年9月2日"],
        ),
    ],
)
def test_table_lines(rows: list[list[str]], lines: list[str]) -> None:
    assert tables.table_lines(rows) == lines


HTML_JUNK = ("当前位置", "首页", "信息公开", "访问量", "1024", "字体", "大 中 小", "分享", "微信", "打印",
             "关闭窗口", "相关链接", "冬季传染病", "版权所有", "ICP备", "政务公开", "政民互动", "无障碍",
             "var visits", "color:red")


def test_html_keeps_title_info_and_body_without_furniture() -> None:
    raw = read.read_path(DATA / "notice.html")
    assert (raw.format, raw.encoding) == ("html", "utf_8")
    assert raw.text.split("\n") == [
        "云岭县疾病预防控制中心关于巡察整改进展情况的通报",
        "发布时间：2025-01-06\u3000来源：云岭县卫生健康局",
        "根据县委统一部署，2024年9月2日至10月31日，县委第四巡察组对云岭县疾病预防控制中心党支部开展了巡察。",
        "一、整改工作组织情况",
        "1.关于疫苗管理不规范的问题",
        "整改情况：已完成。",
        "欢迎广大干部群众对巡察整改落实情况进行监督。",
    ]
    for junk in HTML_JUNK:
        assert junk not in raw.text, junk


def test_htm_in_gbk_without_furniture() -> None:
    raw = read.read_path(DATA / "notice_gbk.htm")
    assert (raw.format, raw.encoding) == ("html", "gbk")
    assert raw.text.split("\n") == [
        "云岭县教育局党组关于巡察整改进展情况的通报",
        "根据县委统一部署，县委第五巡察组对县教育局党组开展了巡察，反馈问题15个，已完成整改15个。",
    ]


def test_html_title_comes_from_the_page_title_when_the_body_has_none() -> None:
    page = "<html><head><title>某县医保局关于巡察整改情况的通报_某县政府网</title></head><body><div><p>县委第一巡察组对县医保局党组开展了巡察。</p></div></body></html>"
    assert html_text.html_to_text(page).split("\n") == [
        "某县医保局关于巡察整改情况的通报",
        "县委第一巡察组对县医保局党组开展了巡察。",
    ]


def test_iter_files_recurses_sorts_and_skips_lock_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.docx", "b/1.HTM", "a.txt", "~$a.docx", ".hidden.txt", "notes.md"):
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in read.iter_files([tmp_path])]
    assert found == ["a.txt", "b/1.HTM", "b/2.docx"]
    assert list(read.iter_files([tmp_path / "notes.md"])) == [tmp_path / "notes.md"]


def test_a_bad_file_does_not_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_good.txt").write_bytes("云岭县医保局关于巡察整改情况的通报\n已完成整改。".encode("gbk"))
    outcomes = list(parse_paths([tmp_path]))
    assert [(Path(o.source).name, o.error) for o in outcomes] == [
        ("a_empty.txt", f"{tmp_path / 'a_empty.txt'}: empty file (0 bytes)"),
        ("b_good.txt", None),
    ]
    assert outcomes[1].notice is not None and outcomes[1].notice.encoding == "gbk"


def test_utf16_with_bom() -> None:
    assert decode.decode(b"\xff\xfe" + "整改情况\r\n".encode("utf-16-le")) == decode.Decoded("整改情况\n", "utf_16")
