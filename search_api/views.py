"""View models of the web page: documents and search results → what the templates show, with the
registry's Chinese labels (``indexer.fields``) and the core's highlight spans as ``<mark>``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from indexer.backends.base import Filters
from indexer.fields import FACETS, Field, field_named
from indexer.settings import Settings
from indexer.sources import web_url
from indexer.types import Target
from search_api.highlight import mark
from search_api.page_state import RANGE_PARAMS, PageState
from search_api.public import shown_source
from search_api.search import SearchService

STATUS = field_named("status")
INSTITUTION_TYPE = field_named("institution_type")
LEVEL = field_named("level")
CATEGORY = field_named("categories")

# The facet panels of the page, in the registry's order; the start page's overview counts these.
PANELS: tuple[Field, ...] = tuple(f for f in FACETS if f.panel)
OVERVIEW: tuple[Field, ...] = tuple(field_named(n) for n in ("institution_type", "province", "year", "status"))


def status_label(value: str | None) -> str:
    return STATUS.value_label(value)


def type_label(value: str | None) -> str:
    return INSTITUTION_TYPE.value_label(value)


def level_label(value: str | None) -> str:
    return LEVEL.value_label(value)


def category_label(value: str) -> str:
    return CATEGORY.value_label(value)


def _spans(raw: Any) -> list[tuple[int, int]]:
    return [(int(s[0]), int(s[1])) for s in raw or ()]


def marked(text: str | None, spans: Any = ()) -> Markup:
    """The text as HTML, escaped, with the core's highlight spans wrapped in ``<mark>``."""
    return Markup(mark(text or "", _spans(spans)))


def region(doc: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for key in ("province", "city", "county"):
        value = doc.get(key)
        if value and value not in parts:
            parts.append(value)
    return " ".join(parts)


def notice_date(doc: Mapping[str, Any]) -> tuple[str, str]:
    """(what, date) for a card: the feedback date, else the publish date."""
    if doc.get("feedback_date"):
        return "反馈", str(doc["feedback_date"])
    if doc.get("publish_date"):
        return "发布", str(doc["publish_date"])
    return "", ""


def explain_view(explain: Mapping[str, Any] | None) -> dict[str, Any]:
    explain = explain or {}
    lex, vec, big = explain.get("lexical"), explain.get("vector"), explain.get("bigram")
    # the bigram leg is keyword search too (over character pairs): said in the same line
    return {
        "lexical": (f"第 {lex['rank']} 名（BM25 {lex['score']:.2f}）" if lex else "未命中")
                   + (f"；双字第 {big['rank']} 名（BM25 {big['score']:.2f}）" if big else ""),
        "vector": (f"第 {vec['rank']} 名（相似度 {vec['score']:.3f}）"
                   + ("，按所属问题的向量" if vec.get("via") == "issue" else "")) if vec else "未命中",
        "fusion": f"{explain.get('score', 0):.4f}（{str(explain.get('fusion', '')).upper()}）",
        "terms": list(explain.get("matched_terms") or []),
        "categories": [category_label(c) for c in explain.get("shared_categories") or []],
        "categories_with": "首条结果" if explain.get("shared_with") == "best_hit" else "范例",
    }


def _common_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    what, when = notice_date(hit)
    return {
        "institution": hit.get("institution") or "（未识别单位）",
        "type_label": type_label(hit.get("institution_type")),
        "region": region(hit),
        "inspection_body": hit.get("inspection_body") or "",
        "date_what": what,
        "date": when,
        "section": hit.get("section") or "",
        "status": hit.get("status") or "",
        "status_label": status_label(hit.get("status")),
        "status_raw": hit.get("status_raw") or "",
        "categories": [category_label(c) for c in hit.get("categories") or []],
        "notice_id": hit.get("notice_id"),
        "seq": hit.get("seq"),
        "rank": hit.get("rank"),
        "explain": explain_view(hit.get("explain")),
        "collapsed": hit.get("collapsed"),
    }


def issue_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    spans = hit.get("highlights") or {}
    measure_spans = list(spans.get("measures") or [])
    measures = list(hit.get("measures") or [])
    measure_spans += [[]] * (len(measures) - len(measure_spans))
    return {
        **_common_view(hit),
        "kind": "issue",
        "id": hit["id"],
        "issue_id": hit["id"],
        "label": hit.get("label") or "",
        "problem_html": marked(hit.get("problem"), spans.get("problem")),
        "measures_html": [marked(m, s) for m, s in zip(measures, measure_spans, strict=False)],
        "measures_intro": hit.get("measures_intro") or "",
        "measure_hits": sum(1 for s in measure_spans if s),
    }


def measure_view(hit: Mapping[str, Any]) -> dict[str, Any]:
    spans = hit.get("highlights") or {}
    return {
        **_common_view(hit),
        "kind": "measure",
        "id": hit["id"],
        "issue_id": hit.get("issue_id"),
        "measure_seq": hit.get("measure_seq"),
        "text_html": marked(hit.get("text"), spans.get("text")),
        "problem_html": marked(hit.get("problem"), spans.get("problem")),
    }


def facets_view(state: PageState, facets: Mapping[str, Sequence[Mapping[str, Any]]] | None) -> list[dict[str, Any]]:
    """The facet panels: the counts of each panel field, with the URL that switches a value."""
    out = []
    for f in PANELS:
        name = f.request_param
        entries = list((facets or {}).get(name) or [])
        seen = {str(e["value"]) for e in entries}
        # a selected value the counts no longer list stays visible, so it can be switched off
        selected = state.filters.get(name, ())
        if name in RANGE_PARAMS and name in state.ranges and len(set(state.ranges[name])) == 1:
            selected = (state.ranges[name][0],)
        entries += [{"value": value, "count": 0} for value in selected if value not in seen]
        if name in RANGE_PARAMS:
            entries.sort(key=lambda e: str(e["value"]), reverse=True)
        if not entries:
            continue
        out.append({
            "name": name,
            "title": f.label,
            "values": [{
                "value": str(e["value"]),
                "label": f.value_label(e["value"]),
                "count": int(e.get("count") or 0),
                "selected": state.is_selected(name, str(e["value"])),
                "url": state.toggle(name, str(e["value"])),
            } for e in entries],
        })
    return out


def pagination(state: PageState, total: int, page: int, size: int, window: int) -> dict[str, Any] | None:
    last = min(math.ceil(total / size), max(1, window // size)) if total else 0
    if last <= 1:
        return None
    shown = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    items: list[dict[str, Any]] = []
    previous = 0
    for n in shown:
        if n - previous > 1:
            items.append({"gap": True})
        items.append({"n": n, "url": state.with_page(n), "current": n == page})
        previous = n
    return {
        "items": items,
        "prev": state.with_page(page - 1) if page > 1 else None,
        "next": state.with_page(page + 1) if page < last else None,
        "last": last,
    }


def collection_overview(service: SearchService, settings: Settings, issues: int) -> list[dict[str, Any]]:
    """Counts over the whole collection for the start page (type, province, year, status); issues
    whose notice prints no status are counted as 未注明."""
    raw = service.backend.facets(Target.ISSUES, Filters(), [f.name for f in OVERVIEW], size=settings.facet_size)
    out = []
    for f in OVERVIEW:
        pairs = list(raw.get(f.name) or [])
        if f.request_param in RANGE_PARAMS:
            pairs.sort(key=lambda kv: str(kv[0]), reverse=True)
        counted = sum(int(c) for _, c in pairs)
        if f.missing and issues > counted:
            pairs.append(("", issues - counted))
        if pairs:
            out.append({"title": f.label, "values": [{"label": f.value_label(v), "count": int(c)} for v, c in pairs]})
    return out


def origin_link(notice: Mapping[str, Any]) -> dict[str, str] | None:
    """The link to the original notice: its URL (http or https only), shown as the source name
    given with it, else as the site's host.

    >>> origin_link({"source_url": "https://www.qinghe.gov.cn/a/1.html", "source_name": None})
    {'href': 'https://www.qinghe.gov.cn/a/1.html', 'text': 'www.qinghe.gov.cn'}
    >>> origin_link({"source_url": "javascript:alert(1)"}) is None
    True
    """
    url = web_url(str(notice.get("source_url") or ""))
    if url is None:
        return None
    return {"href": url, "text": str(notice.get("source_name") or urlsplit(url).netloc)}


def notice_metadata(notice: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the notice's metadata table; unknown values shown as "—"."""
    period = notice.get("inspection_period") or {}
    period_text = "–".join(p for p in (period.get("start"), period.get("end")) if p)
    feedback = notice.get("feedback_date") or ""
    if feedback and notice.get("feedback_date_inferred"):
        feedback += "（年份据上下文推断）"
    totals = notice.get("stated_totals") or {}

    def row(name: str, value: Any = None) -> tuple[str, Any]:
        f = field_named(name)
        return f.label, f.value_label(notice.get(name)) if value is None else value

    rows = [
        row("organization"),
        ("被巡察单位", notice.get("institution")),
        row("institution_type"),
        ("地区", region(notice)),
        row("inspection_body"),
        row("level"),
        row("inspection_round"),
        ("巡察类型", " ".join(x for x in (notice.get("inspection_type"), notice.get("inspection_kind")) if x)),
        ("巡察时间", period_text),
        ("反馈日期", feedback),
        row("publish_date"),
        ("通报所述总数", totals.get("raw")),
        ("来源", shown_source(notice)),
        ("格式", " / ".join(x for x in (notice.get("format"), notice.get("encoding")) if x)),
        row("notice_id"),
    ]
    return [(label, str(value) if value not in (None, "") else "—") for label, value in rows]

