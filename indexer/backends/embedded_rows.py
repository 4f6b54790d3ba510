"""What the record store keeps of a measure document, and how the whole document comes back.

A measure document repeats its issue's fields: the notice's metadata, the problem, its tokens,
status, categories (:func:`indexer.fields.issue_copies`). The store keeps them once, on the
issue: a measure row holds only its own fields and a marker, and reading it joins the issue's
copies back in (measured on 300 generated notices: measure rows 1.03 → 0.35 KiB per issue).
A measure whose copies differ from its issue's (hand-made documents) is kept whole.

    >>> issue = {"id": "n-001", "notice_id": "n", "problem": "公车私用", "status": "completed"}
    >>> measure = {"id": "n-001-m1", "issue_id": "n-001", "notice_id": "n", "problem": "公车私用",
    ...            "status": "completed", "text": "收回车辆"}
    >>> kept = stored_measure(measure, issue)
    >>> kept
    {'id': 'n-001-m1', 'issue_id': 'n-001', 'text': '收回车辆', '+issue': 1}
    >>> joined(kept, issue) == measure
    True
"""

from __future__ import annotations

from indexer.fields import FIELDS, issue_copies
from indexer.types import Document, Target

JOINED = "+issue"  # on a stored measure row: its issue's copies were left out (never a field name)
_COPIES = issue_copies()
_ORDER = {f.name: n for n, f in enumerate(FIELDS[Target.MEASURES])}


def stored_measure(measure: Document, issue: Document | None) -> Document:
    """The measure without its issue's copies, when they are all equal to the issue's fields
    (present in both or in neither); else the measure as it is."""
    if issue is None or JOINED in measure:
        return measure
    for name in _COPIES:
        if (name in measure) != (name in issue) or measure.get(name) != issue.get(name):
            return measure
    own = {k: v for k, v in measure.items() if k not in _COPIES}
    own[JOINED] = 1
    return own


def joined(stored: Document, issue: Document | None) -> Document | None:
    """The whole measure document from its stored row and its issue (None: a row that needs its
    issue, which is gone). Fields come in the registry's order, as the pipeline built them."""
    if JOINED not in stored:
        return stored
    if issue is None:
        return None
    whole = {k: v for k, v in stored.items() if k != JOINED}
    whole.update((name, issue[name]) for name in _COPIES if name in issue)
    return dict(sorted(whole.items(), key=lambda kv: _ORDER.get(kv[0], len(_ORDER))))
