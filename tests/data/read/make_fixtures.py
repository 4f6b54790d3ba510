"""Writes the reader fixtures beside this file. Every notice here is fictional.

    .venv/bin/python tests/data/read/make_fixtures.py

The generated files are committed; tests read them, they do not run this script. Re-run it
only when a fixture has to change (the .docx is rebuilt with fixed core properties).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).resolve().parent

GBK_NOTICE = """中共云岭县人民医院委员会
关于县委第三轮巡察整改进展情况的通报
根据县委统一部署，2024年4月8日至6月28日，县委第一巡察组对云岭县人民医院党委开展了常规巡察。8月15日，县委第一巡察组向医院党委反馈了巡察意见。
巡察反馈指出3个方面12个问题，目前已完成整改10个，正在推进整改2个。
一、党的领导方面
1.理论学习不深入。
整改结果：已完成整改。
整改落实情况：制定《云岭县人民医院党委理论学习中心组学习计划》，全年开展集中学习12次。
欢迎广大干部群众对巡察整改落实情况进行监督。
中共云岭县人民医院委员会
2024年12月20日
"""

# ASCII first: a reader that samples the start would take it for UTF-8.
ASCII_HEAD = "".join(f"Index-No: YL-2024-{n:04d}  Source: www.example.gov.cn/notice/{n}\n" for n in range(40))

# 䶮 (U+4DAE) exists in GB18030 but not in GBK.
GB18030_NOTICE = """䶮溪镇卫生院党支部关于巡察整改进展情况的通报
2024年5月6日至6月30日，县委第二巡察组对䶮溪镇卫生院党支部开展了专项巡察。
整改结果：已完成
"""

BOM_NOTICE = """清河街道社区卫生服务中心关于巡察整改进展情况的通报
区委巡察五组反馈问题8个，已完成整改8个。
"""

DOCX_TITLE = ("中共云岭县中医医院委员会", "关于巡察整改进展情况的通报")
DOCX_INTRO = "2024年3月4日至4月26日，市委第二巡察组对云岭县中医医院党委开展了巡察。"
DOCX_TABLE = [
    ("序号", "问题", "整改措施", "完成情况"),
    ("一、落实全面从严治党责任方面",) * 4,  # merged across the row: a heading
    ("1", "党费收缴不规范", "一是重新核定缴费基数。\n二是补缴党费1.2万元。", "已完成"),
    ("2", "药品采购程序不规范", "修订《药品采购管理办法》。", "正在推进"),
]
DOCX_CLOSING = ("欢迎广大干部群众进行监督。", "中共云岭县中医医院委员会", "2024年9月2日")

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于巡察整改进展情况的通报-云岭县人民政府</title>
<script>var visits = "访问量统计";</script><style>.nav{color:red}</style></head>
<body>
<div class="top-bar">云岭县人民政府门户网站 | 无障碍 | 长者模式</div>
<nav><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/hd">政民互动</a></li></ul></nav>
<div class="main">
  <div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">信息公开</a> &gt; 通知公告</div>
  <div class="article">
    <h1 class="article-title">云岭县疾病预防控制中心关于巡察整改进展情况的通报</h1>
    <div class="info">发布时间：2025-01-06　来源：云岭县卫生健康局　访问量：1024　字体：【大 中 小】 <a href="javascript:window.print()">打印</a></div>
    <div class="bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a></div>
    <div class="content" id="zoom">
      <p style="text-align:center"><strong>云岭县疾病预防控制中心关于巡察整改进展情况的通报</strong></p>
      <p>根据县委统一部署，2024年9月2日至10月31日，县委第四巡察组对云岭县疾病预防控制中心党支部开展了巡察。</p>
      <p><span>一、整改工作</span><span>组织情况</span></p>
      <p>1.关于疫苗管理不规范的问题<br>整改情况：已完成。</p>
      <p>&nbsp;</p>
      <p>欢迎广大干部群众对巡察整改落实情况进行监督。</p>
    </div>
    <div class="tools">【打印本页】【关闭窗口】</div>
  </div>
  <div class="related"><h3>相关链接</h3><ul><li><a href="/a">云岭县卫生健康局关于做好冬季传染病防控工作的通知</a></li></ul></div>
</div>
<div class="footer">版权所有：云岭县人民政府办公室　网站标识码：0000000000　ICP备00000000号</div>
</body></html>
"""

HTM_PAGE_GBK = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>通报</title></head><body>
<table><tr><td class="nav"><a href="/">首页</a></td></tr></table>
<div>您现在的位置：首页 &gt; 党务公开</div>
<div id="text"><p>云岭县教育局党组关于巡察整改进展情况的通报</p>
<p>根据县委统一部署，县委第五巡察组对县教育局党组开展了巡察，反馈问题15个，已完成整改15个。</p>
<p>浏览次数：88</p></div>
</body></html>
"""


def write_text_fixtures() -> None:
    (HERE / "gbk_notice.txt").write_bytes(GBK_NOTICE.encode("gbk"))
    (HERE / "gbk_ascii_head.txt").write_bytes((ASCII_HEAD + GBK_NOTICE).encode("gbk"))
    (HERE / "gb18030_notice.txt").write_bytes(GB18030_NOTICE.encode("gb18030"))
    (HERE / "utf8_bom_notice.txt").write_bytes(b"\xef\xbb\xbf" + BOM_NOTICE.replace("\n", "\r\n").encode("utf-8"))
    (HERE / "short_gbk.txt").write_bytes("整改结果：已完成".encode("gbk"))
    (HERE / "mixed_encodings.txt").write_bytes(("整改结果：已完成。" * 4).encode("utf-8") + ("整改情况：正在推进。" * 4).encode("gbk"))
    (HERE / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (HERE / "empty.txt").write_bytes(b"")
    (HERE / "whitespace.txt").write_bytes(" \n\t\n\u3000\n".encode())
    (HERE / "notice.html").write_bytes(HTML_PAGE.encode("utf-8"))
    (HERE / "notice_gbk.htm").write_bytes(HTM_PAGE_GBK.encode("gbk"))
    (HERE / "legacy.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (HERE / "unsupported.pdf").write_bytes(b"%PDF-1.4\n")


def write_docx_fixtures() -> None:
    import docx

    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = dt.datetime(2024, 9, 2)
    document.core_properties.author = "fixture"
    for line in DOCX_TITLE:
        document.add_paragraph(line)
    document.add_paragraph(DOCX_INTRO)
    header, *rows = DOCX_TABLE
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    for i, label in enumerate(header):
        table.cell(0, i).text = label
    for r, row in enumerate(rows, start=1):
        if len(set(row)) == 1:
            merged = table.cell(r, 0).merge(table.cell(r, len(header) - 1))
            merged.text = row[0]
            continue
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            first, *more = value.split("\n")
            cell.text = first
            for paragraph in more:
                cell.add_paragraph(paragraph)
    for line in DOCX_CLOSING:
        document.add_paragraph(line)
    path = HERE / "notice.docx"
    document.save(path)
    data = path.read_bytes()
    (HERE / "truncated.docx").write_bytes(data[: len(data) // 2])


if __name__ == "__main__":
    write_text_fixtures()
    write_docx_fixtures()
