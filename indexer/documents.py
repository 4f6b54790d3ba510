"""Flat records from a parsed notice: what the CLI prints and what backends store.

Keys are the field names of :mod:`indexer.fields`; tokens and vectors are added by the
pipeline (``tokenise``/``embed``), not here.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from typing import Any

from indexer.fields import UNSTATED, Field, date_number
from indexer.tokenise import bigram_text, character_bigrams
from indexer.types import DocId, Document, Issue, ParsedNotice


def notice_fields(notice: ParsedNotice) -> dict[str, Any]:
    """The notice metadata every issue and measure document carries."""
    m = notice.meta
    return {
        "notice_id": notice.notice_id,
        "source": notice.source,
        "source_url": notice.source_url,
        "source_name": notice.source_name,
        "title": m.title,
        "organization": m.organization,
        "institution": m.institution,
        "institution_type": m.institution_type,
        "province": m.province,
        "city": m.city,
        "county": m.county,
        "level": m.level,
        "inspection_body": m.inspection_body,
        "inspection_round": m.inspection_round,
        "inspection_kind": m.inspection_kind,
        "inspection_type": m.inspection_type,
        "feedback_date": m.feedback_date,
        "publish_date": m.publish_date,
        "year": m.year,
        "date": date_number(m.feedback_date or m.publish_date or m.inspection_period.start),
    }


def issue_record(notice: ParsedNotice, issue: Issue) -> Document:
    """One issue as a flat record (the ``parse --jsonl`` line, and the stored issue document)."""
    return {
        "id": notice.issue_id(issue),
        **notice_fields(notice),
        "seq": issue.seq,
        "label": issue.label,
        "section": issue.section,
        "section_label": issue.section_label,
        "group": issue.group,
        "group_label": issue.group_label,
        "problem": issue.problem,
        "status": issue.status.value if issue.status else UNSTATED,
        "status_raw": issue.status_raw,
        "measures": list(issue.measures),
        "measures_intro": issue.measures_intro,
        "deadlines": list(issue.deadlines),
        "amounts": list(issue.amounts),
        "documents": list(issue.documents),
        "categories": list(issue.categories),
    }


def measure_id(issue_id: DocId, n: int) -> DocId:
    """The id of an issue's ``n``-th measure document (from 1).

    >>> measure_id("n1-003", 2), issue_of_measure(measure_id("n1-003", 2))
    ('n1-003-m2', 'n1-003')
    """
    return f"{issue_id}-m{n}"


def measure_ids(issue: Document) -> list[DocId]:
    """Ids of an issue document's measure documents, in order (:func:`measure_id`).

    >>> measure_ids({"id": "n1-003", "measures": ["公示", "整改"]})
    ['n1-003-m1', 'n1-003-m2']
    """
    return [measure_id(issue["id"], n) for n in range(1, len(issue.get("measures") or []) + 1)]


def measure_id_bounds(issue_id: DocId) -> tuple[DocId, DocId]:
    """``(low, high)``: every measure id of the issue sorts in ``[low, high)`` (a store finds an
    issue's measures with one range scan of its id index).

    >>> low, high = measure_id_bounds("n1-003")
    >>> low <= measure_id("n1-003", 12) < high, low <= "n1-0031-m1" < high
    (True, False)
    """
    return f"{issue_id}-m", f"{issue_id}-n"


def issue_of_measure(measure: DocId) -> DocId:
    """The issue a measure document belongs to (the inverse of :func:`measure_id`)."""
    return measure.rsplit("-m", 1)[0]


def measure_records(notice: ParsedNotice, issue: Issue) -> list[Document]:
    """Each measure item of an issue as its own document (reviewers search measures)."""
    issue_id = notice.issue_id(issue)
    base = notice_fields(notice)
    return [
        {
            "id": measure_id(issue_id, n),
            "issue_id": issue_id,
            **base,
            "seq": issue.seq,
            "measure_seq": n,
            "text": text,
            "problem": issue.problem,
            "section": issue.section,
            "status": issue.status.value if issue.status else UNSTATED,
            "categories": list(issue.categories),
        }
        for n, text in enumerate(issue.measures, start=1)
    ]


def field_bigrams(doc: Document, field: Field) -> str:
    """A BIGRAMS field's value from the document's fields it is derived from (texts or lists of
    texts): each text's own bigrams, space-joined (none spans two texts).

    >>> from indexer.fields import field_named
    >>> field_bigrams({"problem": "公车私用", "measures": ["收回车辆"]}, field_named("bigram_tokens"))
    '公车 车私 私用 收回 回车 车辆'
    """
    return " ".join(filter(None, map(_bigrams, _texts(doc, field))))


def _bigrams(text: str) -> str:
    """One text's bigrams, space-joined (memoised up to a length: each measure document repeats
    its issue's problem; 300 generated notices gave 85,738 texts, 8,715 of them distinct)."""
    return _memo_bigrams(text) if len(text) <= 1024 else " ".join(character_bigrams(text))


@lru_cache(maxsize=1024)
def _memo_bigrams(text: str) -> str:
    return " ".join(character_bigrams(text))


def field_bigram_text(doc: Document, field: Field) -> str:
    """The texts a BIGRAMS field is derived from, as :func:`indexer.tokenise.bigram_text` reads
    them, one per line (no bigram spans two): a bigram is in :func:`field_bigrams` exactly when it
    occurs here.

    >>> from indexer.fields import field_named
    >>> "车私" in field_bigram_text({"problem": "公車私用", "measures": ["收回车辆"]}, field_named("bigram_tokens"))
    True
    """
    return "\n".join(bigram_text(text) for text in _texts(doc, field))


def _texts(doc: Document, field: Field) -> list[str]:
    values = [v for name in field.derived_from
              for v in (doc.get(name) if isinstance(doc.get(name), list) else [doc.get(name)])]
    return [v for v in values if isinstance(v, str) and v]


def notice_record(notice: ParsedNotice, original_text: str | None = None) -> Document:
    """The notice-level record: metadata, stated totals, quality report, text, issue ids."""
    meta = asdict(notice.meta)
    return {
        "notice_id": notice.notice_id,
        "source": notice.source,
        "source_url": notice.source_url,
        "source_name": notice.source_name,
        "format": notice.format,
        "encoding": notice.encoding,
        **meta,
        "year": notice.meta.year,
        "quality": {**asdict(notice.quality), "complete": notice.quality.complete},
        "issue_ids": [notice.issue_id(i) for i in notice.issues],
        "text": notice.text,
        "original_text": original_text,
    }
