"""Highlighting done by us, on the original text: spans are offsets into the text as stored
(Python ``str`` indices, i.e. Unicode code points; every CJK character counts 1).

Matching runs on a width-folded, lower-cased copy that keeps one character per character, so
offsets found there are offsets in the original: a query typed with half-width "3" matches a
full-width "３" and the span still points at the "３".

    >>> highlight_spans("违规使用医保基金，过度检查问题突出", ["医保", "基金", "检查"])
    [(4, 8), (11, 13)]
    >>> mark("违规使用医保基金", [(4, 8)])
    '违规使用<mark>医保基金</mark>'

Adjacent or overlapping matches merge into one span. Single-character terms are only
highlighted when the query has nothing longer (a lone "党" would otherwise light up every
line).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from indexer.parsing.normalise import fold

Span = tuple[int, int]


def match_text(text: str) -> str:
    """Width-folded, lower-cased, one character per character (offsets stay valid)."""
    folded = fold(text)
    low = folded.lower()
    if len(low) == len(folded):  # lower() only ever lengthens (İ → i̇); equal length: 1:1
        return low
    out = []
    for ch in folded:
        lowered = ch.lower()
        out.append(lowered if len(lowered) == 1 else ch)
    return "".join(out)


def usable_terms(terms: Iterable[str]) -> list[str]:
    """The terms worth highlighting: folded, de-duplicated, longest first, single characters
    only when nothing longer is left."""
    folded = {match_text(t.strip()) for t in terms if t and t.strip()}
    folded = {t for t in folded if any(ch.isalnum() for ch in t)}
    longer = [t for t in folded if len(t) > 1]
    chosen = longer or list(folded)
    return sorted(chosen, key=lambda t: (-len(t), t))


class Highlighter:
    """The terms of one query, folded once, applied to many texts."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = list(terms)
        self._marking = usable_terms(terms)
        self._folded = [(t, match_text(t)) for t in self.terms]

    def spans(self, text: str | None) -> list[Span]:
        """Sorted, merged (start, end) spans of the text where any of the terms occurs."""
        if not text or not self._marking:
            return []
        haystack = match_text(text)
        marked = bytearray(len(haystack))
        for term in self._marking:
            size = len(term)
            start = haystack.find(term)
            while start >= 0:
                marked[start:start + size] = b"\x01" * size
                start = haystack.find(term, start + 1)
        spans: list[Span] = []
        i, n = 0, len(marked)
        while True:
            i = marked.find(1, i)
            if i < 0:
                break
            j = marked.find(0, i)
            j = n if j < 0 else j
            spans.append((i, j))
            i = j
        return spans

    def matched(self, *texts: str | None) -> list[str]:
        """The query terms (as given, in query order) found in any of the texts."""
        haystack = "\n".join(match_text(t) for t in texts if t)
        return [term for term, folded in self._folded if folded and folded in haystack]


def highlight_spans(text: str | None, terms: Sequence[str]) -> list[Span]:
    """Sorted, merged (start, end) spans of the text where any of the terms occurs."""
    return Highlighter(terms).spans(text)


def matched_terms(terms: Sequence[str], *texts: str | None) -> list[str]:
    """The query terms (as given, in query order) found in any of the texts."""
    return Highlighter(terms).matched(*texts)


def mark(text: str, spans: Sequence[Span], tag: str = "mark") -> str:
    """HTML of the text with each span wrapped in ``<tag>``; everything else is escaped."""
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<{tag}>{html.escape(text[start:end])}</{tag}>")
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)
