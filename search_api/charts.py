"""Small bar charts drawn on the server as inline SVG (no script, no charting library, no CDN).

Two shapes: :func:`columns` (one bar per value left to right, for years) and :func:`rows` (one
labelled bar per line, for institution types, regions, statuses, categories). Both are drawn at their
natural size and shrink with a narrow container (``viewBox``, CSS ``max-width: 100%``), so they stay
readable at phone width; labels are text in the
SVG, in the page's fonts. Every chart has a ``<title>`` and an ``aria-label`` that says what it counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR = "#1d5fa8"
TRACK = "#e8f0fa"
INK = "#1f2933"
MUTED = "#66727f"


def _svg(width: int, height: int, title: str, body: str, css_class: str) -> Markup:
    label = escape(title)
    return Markup(
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{label}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{label}</title>{body}</svg>")


def columns(items: Sequence[tuple[str, int]], *, title: str, width: int = 240, height: int = 64) -> Markup:
    """Vertical bars, one per (label, count), labels below and counts above each bar."""
    if not items:
        return Markup("")
    top, bottom = 12, 14
    slot = width / len(items)
    bar = max(4.0, min(28.0, slot * 0.6))
    peak = max(c for _, c in items) or 1
    parts = []
    for i, (label, count) in enumerate(items):
        x = i * slot + (slot - bar) / 2
        h = (height - top - bottom) * count / peak
        y = height - bottom - h
        cx = i * slot + slot / 2
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" rx="2" fill="{BAR}">'
                     f"<title>{escape(label)}：{count}</title></rect>")
        parts.append(f'<text x="{cx:.1f}" y="{y - 2:.1f}" font-size="10" text-anchor="middle" fill="{INK}">{count}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{height - 2}" font-size="10" text-anchor="middle" '
                     f'fill="{MUTED}">{escape(label)}</text>')
    return _svg(width, height, title, "".join(parts), "columns")


def rows(items: Sequence[tuple[str, int]], *, title: str, width: int = 320, label_width: int = 96,
         limit: int = 8) -> Markup:
    """Horizontal bars, one labelled line per (label, count), most first as given; past ``limit``
    the rest are summed into one line ("其他")."""
    if not items:
        return Markup("")
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(("其他", sum(c for _, c in items[limit:])))
    line = 18
    height = line * len(shown) + 2
    peak = max(c for _, c in shown) or 1
    room = width - label_width - 30
    parts = []
    for i, (label, count) in enumerate(shown):
        y = i * line + 1
        w = max(1.5, room * count / peak)
        text = label if len(label) <= 8 else label[:7] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + 13}" font-size="11" text-anchor="end" fill="{INK}">'
                     f"{escape(text)}<title>{escape(label)}</title></text>")
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{room}" height="12" rx="2" fill="{TRACK}"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="12" rx="2" fill="{BAR}">'
                     f"<title>{escape(label)}：{count}</title></rect>")
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + 13}" font-size="11" fill="{MUTED}">{count}</text>')
    return _svg(width, height, title, "".join(parts), "rows")
