"""The 问题清单 / 整改台账 export: one row per issue of a problem family or of a search, in the form
rectification offices keep their ledgers:

    序号 单位 单位类型 地区 巡察组 通报日期 问题 整改状态 整改措施 问题类别 问题编号

整改措施 are numbered (``1. …`` one per line), 地区 is province, city and county, 通报日期 the
feedback date (else the publish date). Written by the one CSV / XLSX writer of
:mod:`search_api.export` (same formula guards, a second sheet saying what was exported).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from indexer.fields import field_named
from indexer.types import Document, Target
from search_api import export
from search_api.parse import SearchRequest, SimilarRequest
from search_api.search import SearchService

COLUMNS: tuple[str, ...] = ("序号", "单位", "单位类型", "地区", "巡察组", "通报日期", "问题", "整改状态", "整改措施",
                            "问题类别", "问题编号")
WIDTHS: tuple[int, ...] = (6, 22, 14, 22, 16, 11, 48, 10, 70, 16, 22)
WRAP = frozenset({"问题", "整改措施", "问题类别"})
_STATUS = field_named("status")
_TYPE = field_named("institution_type")
_CATEGORY = field_named("categories")


def numbered(measures: Sequence[str]) -> str:
    """``1. …`` one measure per line."""
    return "\n".join(f"{n}. {m}" for n, m in enumerate((m for m in measures if m), start=1))


def row_of(n: int, doc: Mapping[str, Any]) -> list[Any]:
    region = " ".join(dict.fromkeys(v for v in (doc.get("province"), doc.get("city"), doc.get("county")) if v))
    status = _STATUS.value_label(doc.get("status")) if doc.get("status") else (doc.get("status_raw") or "未注明")
    return [n, doc.get("institution") or "", _TYPE.value_label(doc.get("institution_type")), region,
            doc.get("inspection_body") or "", doc.get("feedback_date") or doc.get("publish_date") or "",
            doc.get("problem") or "", status, numbered(doc.get("measures") or []),
            "、".join(_CATEGORY.value_label(c) for c in doc.get("categories") or []), doc.get("id") or ""]


def ledger(docs: Sequence[Document], *, subject: str, total: int | None = None, cap: int | None = None,
           conditions: Sequence[tuple[str, str]] = ()) -> export.ExportData:
    rows = [row_of(n, d) for n, d in enumerate(docs, start=1)]
    return export.ExportData(kind="整改台账", subject=subject, rows=rows, total=len(rows) if total is None else total,
                             cap=len(rows) if cap is None else cap, conditions=list(conditions), columns=COLUMNS,
                             widths=WIDTHS, wrap=WRAP, sheet="问题清单")


def of_search(service: SearchService, request: SearchRequest | SimilarRequest, *, cap: int,
              conditions: Sequence[tuple[str, str]] = ()) -> export.ExportData:
    """The ledger of a search's issues, ranked as the page's 问题 tab ranks them, at most ``cap``."""
    ids = export.ranked_ids(service, request, Target.ISSUES)
    wanted = ids[:max(0, cap)]
    found = {d["id"]: d for d in service.backend.get(Target.ISSUES, wanted)}
    docs = [found[i] for i in wanted if i in found]
    subject = request.issue_id if isinstance(request, SimilarRequest) else request.q
    return ledger(docs, subject=subject, total=len(ids), cap=cap, conditions=conditions)
