"""read → normalise → segment → enrich: a file or a text becomes a :class:`ParsedNotice`.

This module only orchestrates; each step lives in its own module.

Bounds: a notice of more than :data:`MAX_ISSUES` issues is refused (a real notice has tens; the
single writer must not be held for hours), never truncated; a text that is mostly bare issue
labels (``（一）`` lines with nothing after them) is refused as implausible before it is segmented.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import ParseError, ReadError
from indexer.parsing import enrich, normalise, read, segment, text_tables
from indexer.parsing.status import Status
from indexer.types import ParsedNotice, QualityReport, RawDocument

_WHITESPACE = re.compile(r"\s+")
MAX_ISSUES = 10_000  # issues per notice; the one place this limit is set
_BARE_LABEL = re.compile(r"^[(（［\[]?(?:[一二三四五六七八九十百千零〇]+|\d+)[)）］\].、．:：]?$")
_BARE_LABELS_MIN = 1_000  # this many bare labels, over half the lines: not a notice


def _check_plausible(source: str, text: str) -> None:
    """Refuse a text that is mostly issue labels with nothing after them."""
    lines = [line for line in (raw.strip() for raw in text.split("\n")) if line]
    bare = sum(1 for line in lines if len(line) <= 8 and _BARE_LABEL.match(line))
    if bare >= _BARE_LABELS_MIN and bare * 2 > len(lines):
        raise ParseError(source, f"implausible notice: {bare:,} of its {len(lines):,} lines are bare issue labels "
                                 "with no text after them; refused")


def notice_id_for(text: str) -> str:
    """Hash of the normalised text (width-folded, whitespace removed): the same notice ingested
    twice, or re-saved with other spacing, gets the same id."""
    key = _WHITESPACE.sub("", normalise.fold(text))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def parse_document(raw: RawDocument) -> ParsedNotice:
    """Parse one decoded document. Raises ParseError when there is no text at all."""
    _check_plausible(raw.source, raw.text)  # before clean-up: a file of bare labels costs nothing more
    # A table copied out of a PDF as text: its rows rebuilt before the text is cleaned (its
    # cells apart by spaces would be joined, a cell per line read as paragraphs).
    text, table_warnings = text_tables.rebuild(raw.text)
    normalised = normalise.normalise(text)
    if not normalised.text.strip():
        raise ParseError(raw.source, "no text left after clean-up (empty or not a notice)")
    # A traditional-character copy: metadata read from its simplified copy (the same facets as
    # the original notice); issues keep the printed characters (segment matches on ``fold``).
    simplified = normalise.traditional_copy(raw.text)
    segmentation = segment.segment(normalised.text)
    if len(segmentation.issues) > MAX_ISSUES:
        raise ParseError(raw.source, f"{len(segmentation.issues):,} issues, over the limit of {MAX_ISSUES:,} per "
                                     "notice (a real notice has tens): refused rather than truncated")
    meta_warnings: list[str] = []
    meta_text = normalised if simplified is None else normalise.normalise(simplified)
    # the issues' blocks, where the notice's totals are not looked for (a simplified copy: the same
    # offsets when it kept the length, as a character-for-character conversion does)
    spans = [i.span for i in segmentation.issues if i.span] if len(meta_text.text) == len(normalised.text) else []
    meta = enrich.extract_meta(meta_text, meta_warnings, spans)
    for issue in segmentation.issues:
        enrich.enrich_issue(issue)
    quality = QualityReport(
        issues_found=len(segmentation.issues),
        issues_stated=meta.stated_totals.issues,
        sections_found=segmentation.sections_found,
        sections_stated=meta.stated_totals.sections,
        statuses_found=sum(1 for i in segmentation.issues if i.status is not None),
        warnings=[*meta_warnings, *table_warnings, *segmentation.warnings],
        truncated=segmentation.truncated,
    )
    if not segmentation.issues:
        quality.warnings.append("no rectified issues found")
    elif quality.issues_stated is not None and quality.issues_stated != quality.issues_found:
        quality.warnings.append(
            f"the notice states {quality.issues_stated} issues but {quality.issues_found} were found"
        )
    elif (stated := meta.stated_totals.completed) is not None and quality.statuses_found == quality.issues_found:
        # Every issue found and read with a status: a count of completed ones that disagrees
        # points at a status misread. A notice may count 基本完成 and 长期坚持 as completed
        # ("已完成10项(其中长期坚持1项)"), so only a count outside that range disagrees.
        statuses = [issue.status for issue in segmentation.issues]
        completed = statuses.count(Status.COMPLETED)
        if not completed <= stated <= completed + statuses.count(Status.BASICALLY_COMPLETED) + statuses.count(Status.LONG_TERM):
            quality.warnings.append(f"the notice states {stated} issues completed but {completed} were read as completed")
    if quality.sections_disagree:
        quality.warnings.append(
            f"the notice states {quality.sections_stated} sections but {quality.sections_found} were found"
        )
    return ParsedNotice(
        notice_id=notice_id_for(normalised.text),
        source=raw.source,
        format=raw.format,
        encoding=raw.encoding,
        text=normalised.text,
        meta=meta,
        issues=segmentation.issues,
        quality=quality,
        source_url=raw.source_url,
    )


def parse_text(text: str, source: str = "<text>", format: str = "txt") -> ParsedNotice:
    """Parse a notice given as a string."""
    return parse_document(RawDocument(source=source, text=text, format=format))


def parse_file(path: str | Path) -> ParsedNotice:
    """Read and parse one file. Raises ReadError or ParseError."""
    return parse_document(read.read_path(path))


@dataclass(slots=True)
class ParseOutcome:
    """The result for one file: a parsed notice, or the error that stopped it."""

    source: str
    notice: ParsedNotice | None = None
    error: str | None = None


def parse_paths(paths: Iterable[str | Path]) -> Iterator[ParseOutcome]:
    """Parse every supported file under the given files and folders; one outcome per file.

    A file that fails yields an outcome with ``error`` set and the run goes on."""
    for path in read.iter_files(paths):
        try:
            yield ParseOutcome(source=str(path), notice=parse_file(path))
        except (ReadError, ParseError) as exc:
            yield ParseOutcome(source=str(path), error=str(exc))
