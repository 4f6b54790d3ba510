"""Generate the bundled .docx sample notice (a fictional provincial SOE, 巡视 layout with a table).

    .venv/bin/python scripts/make_sample_docx.py [--out indexer/samples/11_soe_xiangyuan.docx]

The institution, people, numbers and contacts are invented. The issues are printed as a table
with the columns 序号 / 问题 / 整改措施 / 整改情况, the way many units publish their 整改清单
as a Word attachment. The output is byte-for-byte deterministic: the core properties' dates and the zip entries'
timestamps are pinned, so re-running the script does not change the committed file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "indexer" / "samples" / "11_soe_xiangyuan.docx"

TITLE = "中共湖南湘沅交通建设投资集团有限公司委员会关于省委巡视整改进展情况的通报"

INTRO = [
    "根据省委统一部署，2022年3月10日至5月10日，省委第七巡视组对湖南湘沅交通建设投资集团有限公司党委开展了常规巡视。"
    "2022年7月15日，省委第七巡视组向集团党委反馈了巡视意见。按照党务公开原则和巡视工作有关要求，现将巡视整改进展情况予以公布。",
]

PART_ONE = [
    "一、整改工作开展情况",
    "集团党委把巡视整改作为重大政治任务和检验“两个维护”的试金石，成立由党委书记、董事长任组长的巡视整改工作领导小组，"
    "先后召开党委会议8次、领导小组会议5次研究推进整改工作。制定《集团党委落实省委第七巡视组反馈意见整改方案》，"
    "建立问题、任务、责任“三张清单”，实行集团领导领题督办、职能部门对口指导、子公司具体落实的责任体系。",
    "省委第七巡视组反馈意见指出4个方面9个问题。截至2022年12月31日，已完成整改6个，基本完成2个，正在推进1个。",
    "二、巡视反馈问题整改落实情况",
    "各项问题的整改措施和整改情况见下表。",
]

# (问题, 整改措施, 整改情况)
ISSUES: list[tuple[str, str, str]] = [
    (
        "党委“把方向、管大局、保落实”作用发挥不充分，部分重大经营事项先由总经理办公会决定后再报党委会“补程序”。",
        "一是修订《集团党委前置研究讨论重大经营管理事项清单》，明确28类事项必须经党委会前置研究。"
        "二是对2020年以来总经理办公会决策事项逐项梳理，对应前置未前置的6项事项提交党委会复核。"
        "三是由集团纪委对前置研究程序执行情况开展专项检查，检查结果纳入子公司党建考核。",
        "已完成",
    ),
    (
        "落实“第一议题”制度不够严格，学习贯彻习近平总书记关于国有企业改革发展重要论述与推动企业发展结合不紧。",
        "一是制定集团党委“第一议题”学习清单，2022年8月以来开展“第一议题”学习17次。"
        "二是围绕国企改革三年行动，组织集团领导班子开展专题研讨3次，形成调研报告4篇并转化为改革任务。",
        "已完成",
    ),
    (
        "合同管理不规范，部分合同先履行后签订，合同法律审核流于形式。",
        "一是修订《集团合同管理办法》，明确合同未经法律审核不得签订、未签订不得履行。"
        "二是上线合同管理信息系统，实现合同起草、审核、签订、履行全流程线上管理。"
        "三是对2020年以来签订的1536份合同开展专项清查，对先履行后签订的41份合同逐一分析原因并追责问责。"
        "四是配备专职法律顾问5名，重大合同法律审核率达到100%。",
        "已完成",
    ),
    (
        "国有资产出租未进场公开交易，部分商铺、场地租金明显低于市场价格。",
        "一是制定《集团国有资产出租管理办法》，规定资产出租一律通过省产权交易平台公开招租。"
        "二是对所属服务区、收费站周边商铺等出租资产开展全面清查，对低价出租的23处资产重新评估租金，已完成重新招租17处。"
        "三是对剩余6处资产租赁合同到期后一律进场交易。",
        "基本完成",
    ),
    (
        "工程项目招标存在“量身定制”资格条件现象，围标串标风险突出。",
        "一是修订招标文件范本，统一资格条件设置标准，严禁设置与项目无关的业绩、人员等限制性条件。"
        "二是对2021年以来的63个招标项目开展专项复查，对2个存在倾向性条款的项目移交集团纪委处理。"
        "三是建立评标专家履职评价和投标人异常行为预警机制，与省公共资源交易中心共享数据。",
        "已完成",
    ),
    (
        "违反中央八项规定精神问题仍有发生，个别子公司在下属项目部报销业务招待费、公务用车运行费用。",
        "一是对所属子公司2020年以来业务招待费、车辆使用费进行全面清查，违规报销费用3.62万元已全部退缴。"
        "二是对相关责任人给予诫勉处理，并在集团系统内通报曝光。",
        "已完成",
    ),
    (
        "对外担保和借款风险管控不严，部分应收款项长期未能清收。",
        "一是全面清理对外担保和借款事项，停止新增对非控股企业担保。"
        "二是成立应收款项清收专班，对账龄3年以上的应收款项逐户制定清收方案，已清收欠款1.86亿元。"
        "三是对清收难度大的款项依法提起诉讼，目前4起案件正在审理中。",
        "正在推进",
    ),
    (
        "选人用人“带病提拔”风险防控不力，干部人事档案审核不严。",
        "一是严格执行干部选拔任用“凡提四必”，对拟提拔干部一律听取纪检机构意见。"
        "二是对集团管理干部人事档案开展专项审核，发现并纠正出生日期、参加工作时间认定不一致问题11人次。",
        "已完成",
    ),
    (
        "对所属子公司监管缺位，个别子公司负责人违规兼职取酬。",
        "一是对子公司负责人兼职情况进行全面摸排，责令违规兼职的2名人员辞去兼职并退回兼职报酬。"
        "二是建立子公司负责人兼职审批备案制度，将兼职情况纳入年度个人有关事项报告核查范围。",
        "基本完成",
    ),
]

PART_THREE = [
    "三、下一步工作打算",
    "集团党委将坚持目标不变、力度不减，对已完成整改的问题巩固提升，对基本完成和正在推进的问题紧盯不放、逐项销号，"
    "把巡视整改与深化国企改革、防范化解重大风险结合起来，推动集团高质量发展。",
    "欢迎广大干部群众对巡视整改落实情况进行监督。如有意见建议，请及时向我们反映。"
    "联系电话：0731-85526147；通讯地址：长沙市芙蓉区湘沅大道209号集团党委办公室；电子邮箱：xyjt_xszg@163.com。",
]

SIGNATURE = ["中共湖南湘沅交通建设投资集团有限公司委员会", "2023年1月18日"]


def _font(run, size: float, bold: bool = False, name: str = "仿宋_GB2312") -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    run._element.rPr.rFonts.set(qn("w:eastAsia"), name)


def _para(doc, text: str, *, size: float = 16, bold: bool = False, align=None, indent: bool = True,
          font: str = "仿宋_GB2312"):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), size, bold, font)
    return p


def build(out: Path) -> Path:
    doc = Document()
    _para(doc, TITLE, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, font="方正小标宋简体")
    for text in INTRO:
        _para(doc, text)
    for text in PART_ONE:
        heading = text.startswith(("一、", "二、", "三、"))
        _para(doc, text, bold=heading, font="黑体" if heading else "仿宋_GB2312")

    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, label in zip(table.rows[0].cells, ("序号", "问题", "整改措施", "整改情况"), strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(label), 12, True, "黑体")
    for n, (problem, measures, status) in enumerate(ISSUES, 1):
        cells = table.add_row().cells
        for cell, text in zip(cells, (str(n), problem, measures, status), strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), 12)

    for text in PART_THREE:
        heading = text.startswith("三、")
        _para(doc, text, bold=heading, font="黑体" if heading else "仿宋_GB2312")
    doc.add_paragraph()
    for text in SIGNATURE:
        _para(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    props = doc.core_properties
    props.title = TITLE
    props.author = "集团党委办公室"
    props.last_modified_by = "集团党委办公室"
    props.created = props.modified = dt.datetime(2023, 1, 18, 9, 0, 0)
    props.revision = 1
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    # fixed zip entry timestamps: re-running the script gives the same bytes
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2023, 1, 18, 9, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, zin.read(info.filename))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(build(args.out))


if __name__ == "__main__":
    main()
