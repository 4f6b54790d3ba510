"""More notice formats met on government websites, each with a small fictional fixture: a status
ticked in one of several status columns, a notice that punctuates none of its paragraphs, text
extracted from a PDF (lines wrapped at the page width, page numbers, running headers), CMS pages
(``<br>`` inside paragraphs, fragments splitting a heading), problems under labels, closing
lines and statuses in their other common wordings. Every name and problem here is invented."""

from __future__ import annotations

import pytest

from indexer.parsing import html_text, tables
from indexer.parsing.parse import parse_document, parse_text
from indexer.parsing.status import Status
from indexer.types import RawDocument

C, B, P, L = Status.COMPLETED, Status.BASICALLY_COMPLETED, Status.IN_PROGRESS, Status.LONG_TERM

HEAD = ("中共临川县水务局党组关于巡察整改进展情况的通报\n"
        "根据县委统一部署，2023年4月至6月，县委第三巡察组对县水务局党组开展了常规巡察。现将整改进展情况公布如下。\n")
SIGNATURE = "\n中共临川县水务局党组\n2024年5月8日"


def _issues(notice) -> list[tuple[str, Status | None, list[str]]]:
    return [(i.problem, i.status, i.measures) for i in notice.issues]


def _html(html: str):
    return parse_document(RawDocument("page.html", html_text.html_to_text(html), "html", "utf_8"))


# ----------------------------------------------------------------- a notice without punctuation


UNPUNCTUATED = HEAD + "\n".join([
    "一、整改落实情况",
    "（一）关于河长制工作落实不到位的问题",
    "整改结果：已完成",
    "整改措施：一是修订河长巡河制度；二是开展河道专项清理行动",
    "（二）关于工程项目资金拨付不及时的问题",
    "整改结果：正在推进",
    "整改措施：建立项目资金拨付台账，按月调度",
])


def test_a_whole_notice_that_punctuates_no_paragraph_is_not_cut() -> None:
    # No signature, and the last line has no final 。: the first issue ends the same way, so that
    # is the notice's style, not a page cut off mid-sentence.
    notice = parse_text(UNPUNCTUATED)
    assert [(i.problem, i.truncated) for i in notice.issues] == [
        ("河长制工作落实不到位", False), ("工程项目资金拨付不及时", False),
    ]
    assert notice.quality.complete and not notice.quality.truncated


def test_a_whole_notice_whose_last_issue_lacks_the_status_line_others_close_with() -> None:
    # Measures first, status last; the last issue prints no status and its measure no 。: the
    # measures above end the same way, so the notice is whole.
    text = HEAD + "\n".join([
        "一、整改落实情况",
        "（一）关于河长制工作落实不到位的问题",
        "整改措施：一是修订河长巡河制度；二是开展河道专项清理行动",
        "整改结果：已完成",
        "（二）关于工程项目资金拨付不及时的问题",
        "整改措施：建立项目资金拨付台账，按月调度",
    ])
    notice = parse_text(text)
    assert not notice.quality.truncated and not any(i.truncated for i in notice.issues)
    # The same notice with its measures punctuated: stopping without a 。 is a cut.
    assert parse_text(text.replace("清理行动", "清理行动。")).issues[-1].truncated


def test_an_unpunctuated_notice_cut_inside_a_clause_is_still_cut() -> None:
    notice = parse_text(UNPUNCTUATED[: UNPUNCTUATED.index("按月调度")])  # ends on "台账，"
    assert notice.issues[-1].truncated and notice.quality.truncated and not notice.quality.complete


# -------------------------------------------------------------------------- a tick per status


def test_a_status_ticked_under_a_two_row_header() -> None:
    # "整改进展" spans three status columns; each row ticks one of them (√ or ✓).
    page = """<html><head><title>通知公告</title></head><body><div class="content">
    <p>中共临川县林业局党组关于巡察整改进展情况的通报</p>
    <p>根据县委统一部署，2023年4月至6月，县委第一巡察组对县林业局党组开展了常规巡察。现将整改进展情况公布如下。</p>
    <table border="1">
    <tr><td rowspan="2">序号</td><td rowspan="2">问题</td><td rowspan="2">整改措施</td><td colspan="3">整改进展</td></tr>
    <tr><td>已完成</td><td>正在推进</td><td>长期坚持</td></tr>
    <tr><td>1</td><td>林木采伐审批把关不严</td><td>修订采伐审批流程，开展专项核查</td><td>√</td><td></td><td></td></tr>
    <tr><td>2</td><td>生态护林员管理松散</td><td>建立护林员考勤制度</td><td></td><td>√</td><td></td></tr>
    <tr><td>3</td><td>党员教育管理不够严格</td><td>落实“三会一课”制度</td><td></td><td></td><td>✓</td></tr>
    </table><p>中共临川县林业局党组</p><p>2024年5月8日</p></div></body></html>"""
    notice = _html(page)
    assert _issues(notice) == [
        ("林木采伐审批把关不严", C, ["修订采伐审批流程，开展专项核查"]),
        ("生态护林员管理松散", P, ["建立护林员考勤制度"]),
        ("党员教育管理不够严格", L, ["落实“三会一课”制度"]),
    ]
    assert [i.status_raw for i in notice.issues] == ["已完成", "正在推进", "长期坚持"]
    assert not notice.quality.warnings


def test_a_status_ticked_in_a_docx_table_with_merged_header_cells(tmp_path) -> None:
    import docx

    from indexer.parsing.parse import parse_file

    document = docx.Document()
    document.add_paragraph("中共临川县林业局党组关于巡察整改进展情况的通报")
    document.add_paragraph("根据县委统一部署，县委第一巡察组对县林业局党组开展了常规巡察。现将整改进展情况公布如下。")
    table = document.add_table(rows=4, cols=5)
    for i, title in enumerate(["序号", "问题", "整改进展"]):
        table.cell(0, i).text = title
    for i in range(2):  # 序号 and 问题 merged down the two header rows, 整改进展 across three columns
        table.cell(0, i).merge(table.cell(1, i))
    table.cell(0, 2).merge(table.cell(0, 4))
    for i, title in enumerate(["已完成", "基本完成", "正在推进"]):
        table.cell(1, 2 + i).text = title
    for row, (problem, ticked) in enumerate([("林木采伐审批把关不严", 4), ("生态护林员管理松散", 2)], start=2):
        table.cell(row, 0).text, table.cell(row, 1).text = str(row - 1), problem
        table.cell(row, ticked).text = "√"
    document.add_paragraph("中共临川县林业局党组")
    path = tmp_path / "ticks.docx"
    document.save(str(path))
    notice = parse_file(path)
    assert [(i.problem, i.status, i.status_raw) for i in notice.issues] == [
        ("林木采伐审批把关不严", P, "正在推进"), ("生态护林员管理松散", C, "已完成"),
    ]


def test_a_status_ticked_under_a_one_row_header() -> None:
    rows = [["序号", "存在问题", "整改措施", "已完成", "基本完成", "正在整改"],
            ["1", "档案管理不规范", "补建档案台账", "", "✔", ""],
            ["2", "公车使用登记不全", "完善登记制度", "", "", "√"]]
    assert tables.table_lines(rows) == [
        "1.档案管理不规范", "整改措施：补建档案台账", "完成情况：基本完成",
        "2.公车使用登记不全", "整改措施：完善登记制度", "完成情况：正在整改",
    ]


def test_a_yes_no_column_asking_whether_the_issue_is_done() -> None:
    rows = [["序号", "存在问题", "整改措施", "是否整改到位"],
            ["1", "档案管理不规范", "补建档案台账", "是"], ["2", "公车使用登记不全", "完善登记制度", "否"]]
    text = HEAD + "\n".join(tables.table_lines(rows)) + SIGNATURE
    assert _issues(parse_text(text)) == [("档案管理不规范", C, ["补建档案台账"]), ("公车使用登记不全", P, ["完善登记制度"])]


# ------------------------------------------- 方面 → problem → numbered measures → 整改进展


def test_statuses_in_their_common_wordings_and_closing_lines_that_are_no_issues() -> None:
    text = ("中共临川县文化广电旅游局党组关于巡察整改进展情况的通报\n"
            "根据县委统一部署，2023年9月至11月，县委第一巡察组对县文广旅局党组开展了巡察，反馈问题4个。"
            "现将整改进展情况公布如下。\n") + "\n".join([
        "一、贯彻落实党的路线方针政策方面",
        "（一）公共文化服务体系建设推进缓慢",
        "1.制定乡镇综合文化站建设三年计划。",
        "2.为12个行政村配齐文化活动器材。",
        "整改进展：已整改到位",
        "（二）文物安全巡查不到位",
        "1.建立文物保护单位巡查台账。",
        "2.聘请文物安全员18名。",
        "整改进展：持续整改",
        "二、全面从严治党方面",
        "（三）公务接待审批不规范",
        "1.修订公务接待管理办法。",
        "整改进展：立行立改",
        "（四）党风廉政教育形式单一",
        "1.开展警示教育活动4次。",
        "整改进展：初见成效",
        "三、下一步工作打算",
        "一是持续巩固整改成果，对已完成的整改事项适时组织“回头看”。",
        "二是建立健全长效机制，推动整改常态化。",
        "欢迎广大干部群众对巡察整改落实情况进行监督。如有意见建议，请及时向我们反映。"
        "联系电话：0794-1234567；电子邮箱：lcwgl@example.com。",
        "中共临川县文化广电旅游局党组",
        "2024年3月1日",
    ])
    notice = parse_text(text)
    assert _issues(notice) == [
        ("公共文化服务体系建设推进缓慢", C, ["制定乡镇综合文化站建设三年计划。", "为12个行政村配齐文化活动器材。"]),
        ("文物安全巡查不到位", P, ["建立文物保护单位巡查台账。", "聘请文物安全员18名。"]),
        ("公务接待审批不规范", C, ["修订公务接待管理办法。"]),  # a list of one keeps no "1."
        ("党风廉政教育形式单一", P, ["开展警示教育活动4次。"]),
    ]
    assert notice.quality.complete and not notice.quality.warnings


# ------------------------------------------------------------------- text extracted from a PDF

# Wrapped at the page width (28 characters, digits half), a page number and a running header at
# each page break — one inside a problem heading, one inside a measure.
PDF_TEXT = """中共临川县卫生健康委员会党组
关于巡察整改进展情况的通报
根据县委统一部署，2023年3月至5月，县委第五巡察组对县卫生
健康委员会党组开展了常规巡察，并于2023年6月20日反馈了巡
察意见。县卫健委党组高度重视，现将整改进展情况通报如下。
一、整改落实情况
（一）关于医疗机构药品采购管理不规范、采购审批程序执行不
— 1 —
临川县卫生健康委员会巡察整改进展情况通报
严格的问题
整改措施：一是修订药品集中采购管理办法，明确采购审批流程
和责任分工；二是对全县12家医疗机构开展药品采购专项检查，
发现问题5个，均已整改。
整改结果：已完成。
（二）关于基层医疗卫生服务能力不足的问题
整改措施：一是选派县级医院骨干医师下沉乡镇卫生院坐诊，每
周不少于2天；二是开展乡村医生轮训，全年培训200人次。
整改结果：正在推进。
（三）关于医疗废物处置监管不严的问题
整改措施：建立医疗废物转运台账，实行月检查、季通报制度，组
织开展医疗废物专项检查4次，对发现的问题全部限期整改到位
第 2 页 共 3 页
临川县卫生健康委员会巡察整改进展情况通报
。
整改结果：已完成。
中共临川县卫生健康委员会党组
2024年4月2日
-3-"""

PDF_ISSUES = [
    ("医疗机构药品采购管理不规范、采购审批程序执行不严格", C,
     ["修订药品集中采购管理办法，明确采购审批流程和责任分工", "对全县12家医疗机构开展药品采购专项检查，发现问题5个，均已整改。"]),
    ("基层医疗卫生服务能力不足", P, ["选派县级医院骨干医师下沉乡镇卫生院坐诊，每周不少于2天", "开展乡村医生轮训，全年培训200人次。"]),
    ("医疗废物处置监管不严", C, ["建立医疗废物转运台账，实行月检查、季通报制度，组织开展医疗废物专项检查4次，对发现的问题全部限期整改到位。"]),
]


def test_pdf_text_wrapped_at_the_page_width_with_page_numbers_and_a_running_header() -> None:
    notice = parse_text(PDF_TEXT)
    assert _issues(notice) == PDF_ISSUES
    assert not any(footer in notice.text for footer in ("— 1 —", "第 2 页", "-3-"))
    assert notice.text.count("临川县卫生健康委员会巡察整改进展情况通报") == 0
    assert notice.meta.title == "中共临川县卫生健康委员会党组关于巡察整改进展情况的通报"
    assert notice.meta.feedback_date == "2023-06-20" and notice.meta.publish_date == "2024-04-02"
    assert notice.quality.complete and not notice.quality.warnings


def test_pdf_text_with_indented_paragraphs() -> None:
    # The same pages as extracted with the two-character paragraph indent kept.
    indented = PDF_TEXT.replace("\n根据", "\n\u3000\u3000根据")
    assert _issues(parse_text(indented)) == PDF_ISSUES


def test_pdf_text_under_the_head_of_a_printed_document() -> None:
    # The issuer's mark ("…文件") and the document number above the title are not the title.
    notice = parse_text("中共临川县卫生健康委员会党组文件\n临卫党字〔2024〕12号\n" + PDF_TEXT)
    assert notice.meta.title == "中共临川县卫生健康委员会党组关于巡察整改进展情况的通报"
    assert notice.meta.organization == "中共临川县卫生健康委员会党组"
    assert _issues(notice) == PDF_ISSUES


def test_pdf_text_in_traditional_characters() -> None:
    # A mirror's traditional-character copy of the same pages: 整改結果： still opens a line.
    opencc = pytest.importorskip("opencc")
    notice = parse_text(opencc.OpenCC("s2t").convert(PDF_TEXT))
    assert [(i.status, len(i.measures)) for i in notice.issues] == [(C, 2), (P, 2), (C, 1)]
    assert notice.issues[2].measures[0].endswith("限期整改到位。") and not notice.quality.warnings


def _printed(paragraphs: list[str], width: int) -> str:
    """Paragraphs as a PDF prints them: cut every ``width`` characters (these are all Chinese)."""
    return "\n".join(p[i:i + width] for p in paragraphs for i in range(0, len(p), width))


def test_pdf_text_whose_wrapped_lines_end_on_a_quoted_word_are_joined() -> None:
    # …存在“以会代学”| 现象 — a line that ends on a closing quote mark goes on with the next
    # unless a stop comes before the mark (…已整改到位。”), or the wrapper of a quoted problem
    # follows (关于“…。”| 问题的整改).
    paragraphs = [
        "中共临川县水务局党组关于巡察整改进展情况的通报",
        "根据县委统一部署，县委第三巡察组于二〇二三年四月至六月对县水务局党组开展了常规巡察，现将整改进展情况公布如下。",
        "一、党组专题学习研讨质量不高，班子成员存在“以会代学”现象，学习成果转化不够",
        "整改情况：已完成。修订党组专题学习制度，开展专题研讨，杜绝“以会代学”现象发生，并建立学习台账。",
        "二、工程项目监管不严，个别在建项目存在“先施工后审批”问题，廉政风险防控不到位",
        "整改情况：正在推进。对在建项目逐一排查，补办审批手续，并对相关责任人进行约谈。",
        "三、关于“公务用车使用登记不全。部分车辆出车无派单。”问题的整改",
        "整改情况：已完成。启用公务用车管理平台，出车一律线上派单，登记台账按月核对。",
        "中共临川县水务局党组",
    ]
    printed = _printed(paragraphs, 27)
    # the cuts this test is about
    assert "“以会代学”\n现象" in printed and "“先施工后审批”\n问题" in printed and "派单。”\n问题的整改" in printed
    assert _issues(parse_text(printed)) == _issues(parse_text("\n".join(paragraphs)))
    assert [i.problem for i in parse_text(printed).issues] == [
        "党组专题学习研讨质量不高，班子成员存在“以会代学”现象，学习成果转化不够",
        "工程项目监管不严，个别在建项目存在“先施工后审批”问题，廉政风险防控不到位",
        "公务用车使用登记不全。部分车辆出车无派单。"]


# ------------------------------------------------------------------------------ CMS web pages


def test_cms_page_with_br_inside_paragraphs_and_fragmented_headings() -> None:
    # &nbsp;/full-width-space indents, a <br> inside a sentence, heading numbers in <span>/<font>
    # fragments of their own, page furniture around the article.
    page = """<html><head><title>临川县人民政府</title></head><body>
    <div class="breadcrumb">首页 &gt; 信息公开 &gt; 通知公告</div>
    <div class="article"><h1>中共临川县市场监督管理局党组关于巡察整改进展情况的通报</h1>
    <div class="info">发布时间：2024-05-10　来源：县市场监管局　字体：[大 中 小]</div>
    <div id="zoom">
    <p>&nbsp;&nbsp;&nbsp;&nbsp;根据县委统一部署，2023年9月至11月，县委第四巡察组对县市场监督管理局党组开展了常规巡察，<br>
    并于2023年12月15日反馈了巡察意见。现将整改进展情况予以公布。</p>
    <p>　　<strong><span style="font-family:黑体">一、</span><span>整改落实情况</span></strong></p>
    <p>　　<b><font face="楷体">（</font><font face="楷体">一</font><font face="楷体">）</font></b><font>关于食品安全监管</font><font>不到位的问题</font></p>
    <p>　　整改措施：一是开展校园周边食品安全专项检查，<br>检查经营主体128家；二是建立问题清单，逐项销号。</p>
    <p>　　整改情况：已完成。</p>
    <p>　　<b><font face="楷体">（二）</font></b><span>关于特种设备安全隐患排查不彻底的问题</span></p>
    <p>　　整改措施：对全县电梯开展拉网式排查，<br/>督促整改隐患23处。</p>
    <p>　　整改情况：正在整改。</p>
    <p>&nbsp;</p>
    <p style="text-align:right">中共临川县市场监督管理局党组</p><p style="text-align:right">2024年5月10日</p>
    </div></div><div class="footer">主办单位：临川县人民政府办公室　联系电话：0791-88880000</div>
    </body></html>"""
    notice = _html(page)
    assert _issues(notice) == [
        ("食品安全监管不到位", C, ["开展校园周边食品安全专项检查，检查经营主体128家", "建立问题清单，逐项销号。"]),
        ("特种设备安全隐患排查不彻底", P, ["对全县电梯开展拉网式排查，督促整改隐患23处。"]),
    ]
    assert notice.meta.feedback_date == "2023-12-15"
    assert notice.quality.complete and not notice.quality.warnings


# ------------------------------------------------------------------- problems under labels

AUDIT_HEAD = ("中共临川县审计局党组关于巡察整改进展情况的通报\n"
              "根据县委统一部署，县委第三巡察组于2023年10月至12月对县审计局党组开展了巡察。现将整改进展情况公布如下。\n")
AUDIT_END = "\n三、下一步工作打算\n继续抓好整改落实，确保问题清仓见底。\n中共临川县审计局党组\n2024年3月1日"


def test_several_labelled_problems_under_each_numbered_aspect() -> None:
    text = AUDIT_HEAD + "\n".join([
        "一、党的建设方面",
        "存在问题：党组理论学习中心组学习流于形式。",
        "整改措施：修订中心组学习制度，每季度开展专题研讨。",
        "整改情况：已完成。",
        "存在问题：审计整改跟踪督促不到位。",
        "整改措施：建立审计整改销号制度。",
        "整改情况：整改中。",
        "二、业务工作方面",
        "问题：审计项目计划执行率偏低。",
        "整改措施：优化年度审计项目计划。",
        "整改情况：持续整改。",
    ]) + AUDIT_END
    notice = parse_text(text)
    assert _issues(notice) == [
        ("党组理论学习中心组学习流于形式", C, ["修订中心组学习制度，每季度开展专题研讨。"]),
        ("审计整改跟踪督促不到位", P, ["建立审计整改销号制度。"]),
        ("审计项目计划执行率偏低", P, ["优化年度审计项目计划。"]),
    ]
    assert [i.section for i in notice.issues] == ["党的建设方面", "党的建设方面", "业务工作方面"]


def test_labelled_problems_with_measures_numbered_under_them() -> None:
    # "1." "2." under each label are measures, not problems.
    text = AUDIT_HEAD + "\n".join([
        "一、党的建设方面",
        "存在问题：党组理论学习中心组学习流于形式。",
        "整改措施：",
        "1.修订中心组学习制度；",
        "2.每季度开展专题研讨。",
        "整改情况：已完成。",
        "存在问题：审计整改跟踪督促不到位。",
        "整改措施：",
        "1.建立审计整改销号制度；",
        "2.对整改情况开展“回头看”。",
        "整改情况：正在整改。",
        "二、业务工作方面",
        "问题：审计项目计划执行率偏低。",
        "整改措施：",
        "1.优化年度审计项目计划；",
        "2.实行项目进度月报。",
        "整改情况：持续整改。",
    ]) + AUDIT_END
    notice = parse_text(text)
    assert _issues(notice) == [
        ("党组理论学习中心组学习流于形式", C, ["修订中心组学习制度", "每季度开展专题研讨。"]),
        ("审计整改跟踪督促不到位", P, ["建立审计整改销号制度", "对整改情况开展“回头看”。"]),
        ("审计项目计划执行率偏低", P, ["优化年度审计项目计划", "实行项目进度月报。"]),
    ]
    assert notice.quality.complete and not notice.quality.warnings


# ------------------------------------------------------------------------------------ Big5


def test_a_big5_file_is_refused_by_name(tmp_path) -> None:
    from indexer.errors import ReadError
    from indexer.parsing.read import read_path

    text = ("中共臨川縣水務局黨組關於巡察整改進展情況的通報\n"
            "根據縣委統一部署，縣委第三巡察組對縣水務局黨組開展了常規巡察。現將整改進展情況公佈如下。\n"
            "一、關於河長制工作落實不到位的問題\n整改措施：修訂河長巡河制度。\n整改結果：已完成。\n")
    path = tmp_path / "notice.txt"
    path.write_bytes(text.encode("big5"))
    with pytest.raises(ReadError, match=r"Big5 \(traditional Chinese\), an encoding not supported"):
        read_path(path)
    path.write_text(text, "utf-8")  # the same text in UTF-8 is read (traditional characters kept)
    assert read_path(path).text.startswith("中共臨川縣")


# ------------------------------------------------------------ numbering printed otherwise


HOUSING = ("中共临川县住房和城乡建设局党组关于巡察整改进展情况的通报\n"
           "根据县委统一部署，2023年9月至11月，县委第二巡察组对县住建局党组开展了巡察。现将整改进展情况公布如下。\n"
           "一、整改落实情况\n"
           "１．关于建筑施工安全监管不到位的问题\n"
           "整改措施：（１）开展建筑施工安全大检查；（２）约谈施工企业负责人。\n"
           "整改结果：已完成\n"
           "２． 关于保障性住房分配管理不规范的问题\n"
           "整改措施：１、清理违规占用保障房１５套；２、完善准入退出机制。\n"
           "整改结果：正在整改\n"
           "{third}关于城市燃气管道老化更新滞后的问题\n"
           "整改措施：制定燃气管道更新改造计划。\n"
           "整改结果：整改中\n"
           "中共临川县住房和城乡建设局党组\n2024年3月1日")


def test_full_width_numbers_and_a_number_that_lost_its_full_stop() -> None:
    notice = parse_text(HOUSING.format(third="３\u3000"))
    assert _issues(notice) == [
        ("建筑施工安全监管不到位", C, ["开展建筑施工安全大检查", "约谈施工企业负责人。"]),
        ("保障性住房分配管理不规范", P, ["清理违规占用保障房１５套", "完善准入退出机制。"]),
        ("城市燃气管道老化更新滞后", P, ["制定燃气管道更新改造计划。"]),
    ]
    assert not notice.quality.warnings


def test_a_problem_heading_read_into_the_issue_before_is_reported() -> None:
    # A number the parser does not know ("Ⅲ."): the third problem is not silently lost.
    notice = parse_text(HOUSING.format(third="Ⅲ."))
    assert any("'Ⅲ.关于城市燃气管道老化更新滞后的问题' inside its block reads as a problem heading" in w
               for w in notice.quality.warnings)


def test_heading_numbers_in_paragraphs_of_their_own() -> None:
    # Each number in a <p> of its own, its title in the next one.
    page = """<html><body><div id="zoom">
    <p>中共临川县统计局党组关于巡察整改进展情况的通报</p>
    <p>根据县委统一部署，2023年9月至11月，县委第二巡察组对县统计局党组开展了巡察。现将整改进展情况公布如下。</p>
    <p>一、</p><p>整改落实情况</p>
    <p>（一）</p><p>关于统计数据质量核查不严的问题</p>
    <p>整改措施：建立统计数据三级审核制度。</p><p>整改情况：已完成。</p>
    <p>（二）</p><p>关于统计执法检查覆盖面不足的问题</p>
    <p>整改措施：制定年度统计执法检查计划，检查企业30家。</p><p>整改情况：正在推进。</p>
    <p>中共临川县统计局党组</p><p>2024年3月1日</p></div></body></html>"""
    notice = _html(page)
    assert _issues(notice) == [
        ("统计数据质量核查不严", C, ["建立统计数据三级审核制度。"]),
        ("统计执法检查覆盖面不足", P, ["制定年度统计执法检查计划，检查企业30家。"]),
    ]
    assert [i.label for i in notice.issues] == ["（一）", "（二）"] and not notice.quality.warnings


def test_pdf_text_of_problems_with_numbered_measures_wrapped_at_36() -> None:
    # 一、方面 → （一）problem → 1./2. measures → 整改进展: wrapped at 36 characters; a measure
    # that names the problem it fixes ("对未按期完工的…") is still a measure.
    text = """中共临川县农业农村局党组
关于巡察整改进展情况的通报
根据县委统一部署，2023年3月至5月，县委第五巡察组对县农业农村局党组开展了
常规巡察，并于2023年6月20日反馈了巡察意见。现将整改进展情况通报如下。
一、贯彻落实党的路线方针政策方面
（一）高标准农田建设项目推进缓慢，部分项目未按期完工，影响项目效益发挥和
- 1 -
临川县农业农村局巡察整改进展情况通报
群众满意度
1.成立项目建设专班，实行周调度、月通报，倒排工期推进建设，确保年底前全部
完工。
2.对未按期完工的3个项目约谈施工单位，督促加快进度。
整改进展：已完成
（二）农村集体“三资”管理不规范
- 2 -
临川县农业农村局巡察整改进展情况通报
1.开展农村集体“三资”清理核查，清理合同156份，收回被侵占集体资产一批。
2.建立村级财务公开制度，每季度公开一次。
整改进展：正在推进
二、全面从严治党方面
（三）党风廉政建设主体责任落实不到位，警示教育针对性不强
1.修订党风廉政建设责任清单。
- 3 -
临川县农业农村局巡察整改进展情况通报
2.开展以案促改警示教育3次，组织党员干部旁听庭审1次。
整改进展：长期坚持
中共临川县农业农村局党组
2024年4月2日
- 4 -"""
    notice = parse_text(text)
    assert _issues(notice) == [
        ("高标准农田建设项目推进缓慢，部分项目未按期完工，影响项目效益发挥和群众满意度", C,
         ["成立项目建设专班，实行周调度、月通报，倒排工期推进建设，确保年底前全部完工。",
          "对未按期完工的3个项目约谈施工单位，督促加快进度。"]),
        ("农村集体“三资”管理不规范", P,
         ["开展农村集体“三资”清理核查，清理合同156份，收回被侵占集体资产一批。", "建立村级财务公开制度，每季度公开一次。"]),
        ("党风廉政建设主体责任落实不到位，警示教育针对性不强", L,
         ["修订党风廉政建设责任清单。", "开展以案促改警示教育3次，组织党员干部旁听庭审1次。"]),
    ]
    assert [i.section for i in notice.issues] == ["贯彻落实党的路线方针政策方面"] * 2 + ["全面从严治党方面"]
    assert notice.quality.complete and not notice.quality.warnings


# ------------------------------------------------------------------ problems without numbers

JUSTICE = [("社区矫正对象监管不到位", "建立社区矫正对象分级管理台账。", "已完成", C),
           ("法律援助案件质量不高", "开展法律援助案件质量评查。", "正在推进", P),
           ("普法宣传形式单一", "组织“法律进乡村”活动20场。", "长期坚持", L)]
JUSTICE_HEAD = ("中共临川县司法局党组关于巡察整改进展情况的通报\n"
                "根据县委统一部署，县委第一巡察组对县司法局党组开展了巡察。现将整改进展情况公布如下。\n")
JUSTICE_END = "\n中共临川县司法局党组\n2024年3月1日"


def test_problems_that_lost_their_numbers_each_before_its_labels() -> None:
    # A web page that dropped Word's list numbers: each problem is the line before "整改措施：".
    body = "\n".join(f"{p}。\n整改措施：{m}\n整改结果：{s}" for p, m, s, _ in JUSTICE)
    notice = parse_text(JUSTICE_HEAD + "一、整改落实情况\n" + body + JUSTICE_END)
    assert _issues(notice) == [(p, status, [m]) for p, m, _, status in JUSTICE]
    assert not notice.quality.warnings


def test_unnumbered_problems_under_numbered_aspects_with_the_status_first() -> None:
    body = "\n".join(f"{p}。\n整改结果：{s}\n整改措施：一是{m}\n二是持续跟踪问效。" for p, m, s, _ in JUSTICE)
    other = body.replace("社区", "城区").replace("法律援助", "公证").replace("普法", "法治")
    notice = parse_text(JUSTICE_HEAD + "一、党的建设方面\n" + body + "\n二、业务工作方面\n" + other + JUSTICE_END)
    assert [(i.problem, i.status, i.section) for i in notice.issues] == [
        *((p, status, "党的建设方面") for p, _, _, status in JUSTICE),
        ("城区矫正对象监管不到位", C, "业务工作方面"), ("公证案件质量不高", P, "业务工作方面"),
        ("法治宣传形式单一", L, "业务工作方面"),
    ]
    assert notice.issues[0].measures == ["建立社区矫正对象分级管理台账。", "持续跟踪问效。"]
    assert not notice.quality.warnings



def test_an_issue_holding_other_status_lines_is_reported() -> None:
    # Problem and measures run together on one line, no numbers: the 方面 headings are all that
    # is found, and the notice is reported as half-read rather than passed as whole.
    body = "\n".join(f"{p}。整改措施：{m}\n整改结果：{s}" for p, m, s, _ in JUSTICE)
    notice = parse_text(JUSTICE_HEAD + "一、党的建设方面\n" + body + "\n二、业务工作方面\n" + body + JUSTICE_END)
    assert len(notice.issues) < 6
    assert any(f"6 status lines for {len(notice.issues)} issues" in w for w in notice.quality.warnings)


# ------------------------------------------------------------------- a status printed as a form


def test_a_status_printed_as_check_boxes_counts_the_ticked_one() -> None:
    text = JUSTICE_HEAD + "\n".join([
        "一、整改落实情况",
        "（一）关于社区矫正对象监管不到位的问题",
        "整改措施：建立社区矫正对象分级管理台账。",
        "整改状态：☑已完成 □正在推进 □长期坚持",
        "（二）关于法律援助案件质量不高的问题",
        "整改措施：开展法律援助案件质量评查。",
        "整改状态：□已完成 ☑正在推进 □长期坚持",
        "（三）关于普法宣传形式单一的问题",
        "整改措施：组织“法律进乡村”活动20场。",
        "整改状态：已完成□ 正在推进□ 长期坚持■",
    ]) + JUSTICE_END
    notice = parse_text(text)
    assert [(i.problem, i.status) for i in notice.issues] == [(p, status) for p, _, _, status in JUSTICE]
    assert not notice.quality.warnings


@pytest.mark.parametrize(("printed", "expected"), [
    ("已整改到位", C), ("立行立改", C), ("已办结", C), ("已全部整改", C), ("已全面整改", C),
    ("整改中", P), ("持续整改", P), ("正在整改", P), ("初见成效", P), ("取得初步成效", P), ("进行中", P),
    ("☑已完成□正在推进", C), ("已完成□正在推进☑", P),
])
def test_status_wordings_map_through_the_one_vocabulary(printed: str, expected: Status) -> None:
    from indexer.parsing.status import normalise_status

    assert normalise_status(printed) is expected


@pytest.mark.parametrize("label", ["〔{n}〕", "【{n}】", "〔{c}〕", "【{c}】"])
def test_numbers_in_square_and_tortoise_shell_brackets(label: str) -> None:
    body = "\n".join(f"{label.format(n='１２３'[k], c='一二三'[k])}{p}\n整改措施：{m}\n整改结果：{s}"
                     for k, (p, m, s, _) in enumerate(JUSTICE))
    notice = parse_text(JUSTICE_HEAD + "一、整改落实情况\n" + body + JUSTICE_END)
    assert [(i.label[0], i.problem, i.status) for i in notice.issues] == [(label[0], p, st) for p, _, _, st in JUSTICE]


def test_labels_printed_alone_without_their_colon() -> None:
    # "整改措施" / "完成情况" as bold paragraphs of their own, the text in the next paragraph
    # (or a numbered list): the last status must not be read from the label's own word 完成.
    page = "".join(
        f"<p><b>（{'一二三'[k]}）{p}</b></p><p><b>整改措施</b></p>"
        + (f"<p>{m}</p>" if k else f"<p>1.{m}</p><p>2.建立定期回访制度。</p>")
        + f"<p><b>完成情况</b></p><p>{s}</p>"
        for k, (p, m, s, _) in enumerate(JUSTICE)
    )
    head = "".join(f"<p>{line}</p>" for line in JUSTICE_HEAD.splitlines())
    notice = _html(f"<html><body><div id='zoom'>{head}<p>一、整改落实情况</p>{page}</div></body></html>")
    assert _issues(notice) == [
        (JUSTICE[0][0], C, [JUSTICE[0][1], "建立定期回访制度。"]),
        *((p, status, [m]) for p, m, _, status in JUSTICE[1:]),
    ]
    assert not notice.quality.warnings


@pytest.mark.parametrize("layout", [
    "（{c}）{p}。（{s}）\n{m}",  # the status in brackets after the problem's full stop
    "（{c}）{p}\n{m}\n（{s}）",  # … or on a line of its own closing the measures (the last one above the signature)
])
def test_a_bracketed_status_after_the_problem_or_closing_the_issue(layout: str) -> None:
    body = "\n".join(layout.format(c="一二三"[k], p=p, m=m, s=s) for k, (p, m, s, _) in enumerate(JUSTICE))
    notice = parse_text(JUSTICE_HEAD + "一、整改落实情况\n" + body + JUSTICE_END)
    assert _issues(notice) == [(p, status, [m]) for p, m, _, status in JUSTICE]
    assert not notice.quality.warnings
