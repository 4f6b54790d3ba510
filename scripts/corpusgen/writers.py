"""Write a rendered notice as a file: UTF-8 or GBK text (one line now and then), an html page with site furniture, a docx."""

from __future__ import annotations

import datetime as dt
import html
import io
import random
import zipfile
from pathlib import Path
from typing import Any

from .draw import Date, randint
from .layouts import TABLE_MARK
from .model import Notice

Table = list[list[str]] | None


def write_text(path: Path, paras: list[str], oneline: bool, encoding: str, crlf: bool) -> None:
    paras = [p for p in paras if p != TABLE_MARK]
    if oneline:
        text = "".join(p for p in paras if p)
    else:
        text = "\n".join(paras) + "\n"
        if crlf:
            text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode(encoding))


def _html_table(table: list[list[str]]) -> str:
    rows = []
    for r_i, row in enumerate(table):
        tag = "th" if r_i == 0 else "td"
        rows.append("<tr>" + "".join(f"<{tag}>{html.escape(c, quote=False)}</{tag}>" for c in row) + "</tr>")
    return ('<table border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse;">\n'
            + "\n".join(rows) + "\n</table>")


def _is_signature(n: Notice, p: str) -> bool:
    return p in (n.org, n.inst) or (p[:2].isdigit() and p.endswith("日") and len(p) < 14)


def write_html(path: Path, n: Notice, paras: list[str], table: Table) -> None:
    rng = random.Random(f"html:{n.index}")
    title = n.extra["title"]
    body = []
    for p in paras[1:]:
        if p == TABLE_MARK and table:
            body.append(_html_table(table))
        elif p:
            style = "text-align:right;" if _is_signature(n, p) else "text-indent:2em;"
            body.append(f'<p style="{style}">{html.escape(p, quote=False)}</p>')
    site = n.county or n.city
    hits = randint(rng, 80, 9800)
    pub = n.publish
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}-{site}人民政府</title>
<meta name="ArticleTitle" content="{html.escape(title)}">
<meta name="PubDate" content="{pub[0]}-{pub[1]:02d}-{pub[2]:02d}">
<link rel="stylesheet" href="/css/style.css">
<script src="/js/jquery.min.js"></script>
</head>
<body>
<div class="top"><a href="/">首页</a> | <a href="#">无障碍浏览</a> | <a href="#">English</a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/xwzx/">新闻中心</a></li><li><a href="/dflz/">党风廉政</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>
<div class="article">
<h1>{html.escape(title)}</h1>
<div class="info"><span>发布时间：{pub[0]}-{pub[1]:02d}-{pub[2]:02d}</span> <span>来源：{html.escape(n.short)}</span> <span>访问量：{hits}</span> <span>字体大小：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a></span></div>
<div class="content" id="zoom">
{chr(10).join(body)}
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer"><p>主办单位：{html.escape(site)}人民政府办公室</p><p>网站标识码：{randint(rng, 1000000000, 9999999999)}</p></div>
</body>
</html>
"""
    path.write_text(page, encoding="utf-8")


def write_docx(path: Path, n: Notice, paras: list[str], table: Table) -> None:
    from docx import Document

    doc = Document()
    for p in paras:
        if p == TABLE_MARK and table:
            t = doc.add_table(rows=0, cols=len(table[0]))
            t.style = "Table Grid"
            for row in table:
                cells = t.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
        else:
            doc.add_paragraph(p)
    props = doc.core_properties
    props.title = n.extra["title"]
    props.author = props.last_modified_by = n.short
    props.created = props.modified = dt.datetime(*n.publish, 9, 0, 0)  # pinned: the bytes are deterministic
    props.revision = 1
    save_docx_deterministic(doc, path, n.publish)


def save_docx_deterministic(doc: Any, path: Path, date: Date) -> None:
    """Save a python-docx Document with fixed zip entry timestamps, so equal content gives equal bytes."""
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(*date, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, zin.read(info.filename))
