"""Exports of a result set to CSV and XLSX, with the fields an inspection report needs.

The set exported is the one the search page pages through: the same fused ranked list the page's
first page is cut from (:meth:`SearchService.ranked` at the first page's depth), so the row count equals
the "共 N 条" the page shows, cut at ``settings.export_cap``. One row per issue (``问题`` tab and
"类似问题"), or per measure item (``整改措施`` tab, where 整改措施 holds that one item):

    排名 单位 单位类型 省份 城市 区县 巡察组 巡察轮次 反馈日期 发布日期 方面 序号 问题 整改状态 整改措施 来源 问题编号

(the registry's ``EXPORT_FIELDS`` under their labels; values shown as the page shows them).

CSV is UTF-8 with a BOM and CRLF line ends (Excel opens it as UTF-8); a cell that starts like a
formula (= + - @) gets a leading apostrophe so a spreadsheet does not evaluate it. XLSX cells are
always written as strings or numbers, never formulas, with a second sheet "检索条件" saying what
was searched and when.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from indexer.fields import EXPORT_FIELDS, field_named
from indexer.types import DocId, Target
from search_api.parse import SearchRequest, SimilarRequest
from search_api.public import shown_source
from search_api.search import SearchService

_FIELDS = tuple(field_named(name) for name in EXPORT_FIELDS)
COLUMNS: tuple[str, ...] = ("排名", *(f.label for f in _FIELDS))
# Column widths in the XLSX sheet (characters) by field, and the columns that wrap.
_WIDTHS: dict[str, int] = {"institution": 22, "institution_type": 14, "province": 9, "city": 9, "county": 9,
                           "inspection_body": 16, "inspection_round": 18, "feedback_date": 11, "publish_date": 11,
                           "section": 24, "seq": 6, "problem": 48, "status": 9, "measures": 70, "source": 24,
                           "id": 22}
_WIDTH_OF: tuple[int, ...] = (6, *(_WIDTHS.get(f.name, 12) for f in _FIELDS))
_WRAP = frozenset(field_named(name).label for name in ("section", "problem", "measures"))
# Fields whose values are shown under their labels (the others as stored).
_LABELLED = frozenset({"institution_type", "status"})

MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KINDS: dict[Target, str] = {Target.ISSUES: "问题", Target.MEASURES: "整改措施"}
_FETCH_CHUNK = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


@dataclass(slots=True)
class ExportData:
    """What is written: the rows, and what they are the result of."""

    kind: str  # 问题 | 整改措施 | 类似问题 | 类似问题的整改措施
    subject: str  # the query, or the source issue's id for 类似问题
    rows: list[list[Any]]
    total: int  # length of the ranked list before the cap
    cap: int
    conditions: list[tuple[str, str]] = field(default_factory=list)
    # the sheet's layout: another export (search_api.ledger, the 整改台账) writes other columns
    columns: tuple[str, ...] = COLUMNS
    widths: tuple[int, ...] = _WIDTH_OF
    wrap: frozenset[str] = _WRAP
    sheet: str = "检索结果"

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def row_of(rank: int, doc: Mapping[str, Any], target: Target) -> list[Any]:
    """One row of :data:`COLUMNS` for an issue or measure document."""
    values = dict(doc)
    if target is Target.MEASURES:
        values["measures"], values["id"] = [doc.get("text") or ""], doc.get("issue_id")
    row: list[Any] = [rank]
    for f in _FIELDS:
        value = values.get(f.name)
        if f.name == "measures":
            value = "\n".join(m for m in value or [] if m)
        elif f.name == "source":
            value = shown_source(doc)
        elif f.name == "status" and not value and doc.get("status_raw"):
            value = doc["status_raw"]  # printed, but not one of the vocabulary's wordings
        elif f.name in _LABELLED:
            value = f.value_label(value)
        row.append("" if value is None else value)
    return row


def ranked_ids(service: SearchService, request: SearchRequest | SimilarRequest, target: Target) -> list[DocId]:
    """The fused ranked list of the request, at the depth of its first page (what the page shows).

    The core ranks it (:meth:`SearchService.ranked`), so a search and a query-by-example are ranked
    here exactly as the page and the API rank them; query-by-example always ranks issues."""
    return [f.doc_id for f in service.ranked(request, target, depth=request.size)]


def collect(service: SearchService, request: SearchRequest | SimilarRequest, target: Target, *, cap: int,
            conditions: Sequence[tuple[str, str]] = ()) -> ExportData:
    """The rows of the request's result set, at most ``cap``, in rank order."""
    if isinstance(request, SimilarRequest):
        target, subject = request.target, request.issue_id
        kind = "类似问题" if target is Target.ISSUES else "类似问题的整改措施"
    else:
        kind, subject = KINDS[target], request.q
    ids = ranked_ids(service, request, target)
    wanted = ids[:max(0, cap)]
    docs: dict[DocId, Mapping[str, Any]] = {}
    for start in range(0, len(wanted), _FETCH_CHUNK):
        chunk = wanted[start:start + _FETCH_CHUNK]
        docs.update({d["id"]: d for d in service.backend.get(target, chunk)})
    rows = []
    for doc_id in wanted:
        doc = docs.get(doc_id)
        if doc is not None:  # deleted between ranking and fetching
            rows.append(row_of(len(rows) + 1, doc, target))
    return ExportData(kind=kind, subject=subject, rows=rows, total=len(ids), cap=cap, conditions=list(conditions))


def csv_cell(value: Any) -> Any:
    """A value as written to CSV: text that a spreadsheet would read as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(data: ExportData) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(data.columns)
    for row in data.rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(data: ExportData, *, now: datetime | None = None) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF6", "border": 1, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    plain = book.add_format({"valign": "top"})
    sheet = book.add_worksheet(data.sheet)
    for col, (name, width) in enumerate(zip(data.columns, data.widths, strict=True)):
        sheet.write_string(0, col, name, head)
        sheet.set_column(col, col, width, wrap if name in data.wrap else plain)
    for r, row in enumerate(data.rows, start=1):
        for col, value in enumerate(row):
            if value == "" or value is None:
                continue  # a blank cell, so a spreadsheet's (空白) filter finds it
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(1, len(data.rows)), len(data.columns) - 1)
    about = book.add_worksheet("检索条件")
    about.set_column(0, 0, 14)
    about.set_column(1, 1, 80, wrap)
    stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    info = [("导出内容", data.kind), ("检索内容", data.subject), *data.conditions,
            ("导出条数", str(len(data.rows))), ("结果总数", str(data.total)),
            ("导出上限", str(data.cap)), ("是否截断", "是" if data.truncated else "否"), ("导出时间", stamp)]
    for r, (label, value) in enumerate(info):
        about.write_string(r, 0, label, head)
        about.write_string(r, 1, value)
    book.close()
    return buffer.getvalue()


def filename(data: ExportData, ext: str, day: date) -> str:
    """``巡察整改-问题-医保基金-20250301.csv``: kind, the query (made safe, shortened), date."""
    subject = _UNSAFE_IN_NAME.sub(" ", data.subject)
    subject = "_".join(subject.split())[:24].strip("._") or "结果"
    return f"巡察整改-{data.kind}-{subject}-{day:%Y%m%d}.{ext}"


def content_disposition(name: str, *, fallback: str) -> str:
    """``attachment`` with an ASCII fallback name and the UTF-8 name (RFC 5987 / RFC 6266)."""
    ascii_name = fallback.encode("ascii", "ignore").decode().replace('"', "") or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
