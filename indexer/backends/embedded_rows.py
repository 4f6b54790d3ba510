"""What the record store keeps of a document, and how the whole document comes back.

Two things are left out of a stored row and put back when it is read:

* a measure's copies of its issue's fields (the notice's metadata, the problem, its tokens,
  status, categories: :func:`indexer.fields.issue_copies`): kept once, on the issue, and joined
  back from it (300 generated notices: measure rows 1.03 → 0.35 KiB per issue);
* fields computed from the document's own text (character bigrams: ``Field.derived_from``),
  computed again (a few microseconds a document).

Each is left out only when it equals what reading will put back (the copies equal to the issue's,
the bigrams to a fresh computation), so a hand-made document is read back exactly as written.
A marker key on the row says what to put back.

    >>> issue = {"id": "n-001", "notice_id": "n", "problem": "公车私用", "status": "completed"}
    >>> measure = {"id": "n-001-m1", "issue_id": "n-001", "notice_id": "n", "problem": "公车私用",
    ...            "status": "completed", "text": "收回车辆", "bigram_tokens": "收回 回车 车辆"}
    >>> kept = stored_form(Target.MEASURES, measure, issue)
    >>> kept
    {'id': 'n-001-m1', 'issue_id': 'n-001', 'text': '收回车辆', '+issue': 1, '+derived': ['bigram_tokens']}
    >>> whole(Target.MEASURES, kept, issue) == measure
    True
"""

from __future__ import annotations

from indexer.documents import field_bigrams
from indexer.fields import FIELDS, issue_copies
from indexer.types import Document, Target

JOINED = "+issue"  # on a stored measure row: its issue's copies were left out (never a field name)
DERIVED = "+derived"  # on a stored row: the names of the derived fields left out
_COPIES = issue_copies()
_DERIVED = {target: tuple(f for f in fields if f.derived_from) for target, fields in FIELDS.items()}
_ORDER = {target: {f.name: n for n, f in enumerate(fields)} for target, fields in FIELDS.items()}


def stored_form(target: Target, doc: Document, issue: Document | None = None) -> Document:
    """The document as the store keeps it (``issue``: a measure's issue, when known)."""
    if JOINED in doc or DERIVED in doc:  # already a stored form: keep as is
        return doc
    kept = doc
    if target is Target.MEASURES and issue is not None and all(
            (name in doc) == (name in issue) and doc.get(name) == issue.get(name) for name in _COPIES):
        kept = {k: v for k, v in doc.items() if k not in _COPIES}
        kept[JOINED] = 1
    left_out = [f.name for f in _DERIVED[target] if f.name in doc and doc[f.name] == field_bigrams(doc, f)]
    if left_out:
        kept = {k: v for k, v in kept.items() if k not in left_out}
        kept[DERIVED] = left_out
    return kept


def needs_issue(stored: Document) -> bool:
    return JOINED in stored


def whole(target: Target, stored: Document, issue: Document | None = None, *, derived: bool = True
          ) -> Document | None:
    """The whole document from its stored row (and a measure's issue; None: a measure row that
    needs its issue, which is gone). A joined measure's fields come in the registry's order, as
    the pipeline made them. ``derived=False`` leaves the derived fields out (not recomputed)."""
    if JOINED not in stored and DERIVED not in stored:
        return stored
    if JOINED in stored and issue is None:
        return None
    doc = {k: v for k, v in stored.items() if k not in (JOINED, DERIVED)}
    if JOINED in stored:
        doc.update((name, issue[name]) for name in _COPIES if name in issue)  # type: ignore[index]
    for field in _DERIVED[target]:
        if derived and field.name in stored.get(DERIVED, ()):
            doc[field.name] = field_bigrams(doc, field)  # last, where the pipeline puts them
    if JOINED not in stored:
        return doc
    order = _ORDER[target]
    return dict(sorted(doc.items(), key=lambda kv: order.get(kv[0], len(order))))
