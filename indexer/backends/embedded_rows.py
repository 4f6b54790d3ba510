"""What the record store keeps of a document, and how the whole document comes back.

Three things are left out of a stored row and put back when it is read:

* an issue's notice-level fields (:func:`indexer.fields.notice_level_fields`: title, issuer,
  place, dates, source …) that every issue of its notice shares, where they follow its
  ``notice_id`` as the pipeline writes them: kept once per notice (the head, :func:`notice_head`)
  and put back after ``notice_id`` (300 generated notices: 0.13 KiB per issue less);
* a measure's copies of its issue's fields (the notice's metadata, the problem, its tokens,
  status, categories: :func:`indexer.fields.issue_copies`): kept once, on the issue, and joined
  back from it (300 generated notices: measure rows 1.03 → 0.35 KiB per issue), its text, item
  ``measure_seq`` of the issue's ``measures``, and its tokens, a run of the issue's
  ``measures_tokens`` (kept as where it starts and ends; 0.15 KiB per issue less for both);
* fields computed from the document's own text (character bigrams: ``Field.derived_from``),
  computed again (a few microseconds a document).

A measure row's filter keys (for the vector index) leave out its ``issue_id`` where its own id
names it (:func:`stored_keys`; 0.06 KiB per issue: an id is hex, which does not compress).

Each is left out only when it equals what reading will put back (the copies equal to the issue's,
the bigrams to a fresh computation), so a hand-made document is read back exactly as written.
A marker key on the row says what to put back.

    >>> issue = {"id": "n-001", "notice_id": "n", "problem": "公车私用", "status": "completed",
    ...          "measures": ["收回车辆"]}
    >>> measure = {"id": "n-001-m1", "issue_id": "n-001", "notice_id": "n", "measure_seq": 1, "text": "收回车辆",
    ...            "problem": "公车私用", "status": "completed", "bigram_tokens": "收回 回车 车辆"}
    >>> kept = stored_form(Target.MEASURES, measure, issue)
    >>> kept
    {'id': 'n-001-m1', 'issue_id': 'n-001', 'measure_seq': 1, '+issue': 1, '+text': 1, '+derived': ['bigram_tokens']}
    >>> whole(Target.MEASURES, kept, issue) == measure
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from indexer.documents import field_bigrams, issue_of_measure
from indexer.fields import FIELDS, issue_copies, notice_level_fields
from indexer.types import Document, Target

HEADED = "+notice"  # on a stored issue row: the fields of its notice's head were left out
JOINED = "+issue"  # on a stored measure row: its issue's copies were left out (never a field name)
ITEM = "+text"  # on a joined measure row: its text is its issue's measure item, left out
SPAN = "+tokens"  # on a joined measure row: [start, end] of its text_tokens in its issue's measures_tokens
DERIVED = "+derived"  # on a stored row: the names of the derived fields left out
_COPIES = issue_copies()
_DERIVED = {target: tuple(f for f in fields if f.derived_from) for target, fields in FIELDS.items()}
_MARKERS = (JOINED, DERIVED, HEADED, ITEM, SPAN)
NAMED = "+issue_id"  # in a measure row's filter keys: its issue_id is the one its id names
_ORDER = {target: {f.name: n for n, f in enumerate(fields)} for target, fields in FIELDS.items()}
_HEAD = frozenset(f.name for f in notice_level_fields()) - {"notice_id"}  # the id finds the head


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _item(issue: Document, measure: Document) -> str | None:
    """Item ``measure_seq`` (1-based) of the issue's ``measures``, if there is one."""
    items, n = issue.get("measures"), measure.get("measure_seq")
    if type(n) is int and isinstance(items, list) and 0 < n <= len(items) and isinstance(items[n - 1], str):
        return items[n - 1]
    return None


def _span(tokens: Any, own: Any) -> list[int] | None:
    """[start, end] of the first run of ``tokens`` (space-joined) that joins to ``own``, if any."""
    if not isinstance(tokens, str) or not isinstance(own, str) or not own:
        return None
    words, wanted = tokens.split(" "), own.split(" ")
    for start in (i for i, word in enumerate(words) if word == wanted[0]):
        if words[start:start + len(wanted)] == wanted:
            return [start, start + len(wanted)]
    return None


def notice_head(issues: Sequence[Document]) -> Document:
    """The notice-level fields all of a notice's issues have with one value (kept once per notice),
    in the first issue's order.

    >>> notice_head([{"title": "t", "year": 2020, "city": "a"}, {"title": "t", "year": 2020, "city": "b"}])
    {'title': 't', 'year': 2020}
    """
    first = issues[0] if issues else {}
    return {name: value for name, value in first.items()
            if name in _HEAD and all(name in d and _same(d[name], value) for d in issues)}


def _after_id(doc: Document, count: int) -> list[str]:
    """The names of the ``count`` fields right after ``notice_id``."""
    names = list(doc)
    start = names.index("notice_id") + 1
    return names[start:start + count]


def stored_form(target: Target, doc: Document, issue: Document | None = None, head: Document | None = None
                ) -> Document:
    """The document as the store keeps it (``issue``: a measure's issue, when known; ``head``: an
    issue's notice head, when kept)."""
    if any(marker in doc for marker in _MARKERS):  # already a stored form: keep as is
        return doc
    kept = doc
    if target is Target.ISSUES and head and "notice_id" in doc and _after_id(doc, len(head)) == list(head) \
            and all(_same(doc[name], value) for name, value in head.items()):
        kept = {k: v for k, v in doc.items() if k not in head}
        kept[HEADED] = 1
    if target is Target.MEASURES and issue is not None and all(
            (name in doc) == (name in issue) and doc.get(name) == issue.get(name) for name in _COPIES):
        kept = {k: v for k, v in doc.items() if k not in _COPIES}
        kept[JOINED] = 1
        if doc.get("text") is not None and _item(issue, doc) == doc["text"]:
            del kept["text"]
            kept[ITEM] = 1
        span = _span(issue.get("measures_tokens"), doc.get("text_tokens"))
        if span is not None:
            del kept["text_tokens"]
            kept[SPAN] = span
    left_out = [f.name for f in _DERIVED[target] if f.name in doc and doc[f.name] == field_bigrams(doc, f)]
    if left_out:
        kept = {k: v for k, v in kept.items() if k not in left_out}
        kept[DERIVED] = left_out
    return kept


def needs_issue(stored: Document) -> bool:
    return JOINED in stored


def needs_head(stored: Document) -> bool:
    return HEADED in stored


def whole(target: Target, stored: Document, issue: Document | None = None, *, derived: bool = True,
          head: Document | None = None) -> Document | None:
    """The whole document from its stored row (and a measure's issue, an issue's notice head;
    None: a row that needs one of them, which is gone). A joined measure's fields come in the
    registry's order, as the pipeline made them; a head's after ``notice_id``, where they were.
    ``derived=False`` leaves the derived fields out (not recomputed)."""
    if JOINED not in stored and DERIVED not in stored and HEADED not in stored:
        return stored
    if (JOINED in stored and issue is None) or (HEADED in stored and head is None):
        return None
    doc = {k: v for k, v in stored.items() if k not in _MARKERS}
    if HEADED in stored:
        names = list(doc)
        at = names.index("notice_id") + 1
        doc = {**{k: doc[k] for k in names[:at]}, **head, **{k: doc[k] for k in names[at:]}}  # type: ignore[dict-item]
    if JOINED in stored:
        doc.update((name, issue[name]) for name in _COPIES if name in issue)  # type: ignore[index]
        if ITEM in stored:
            doc["text"] = _item(issue, doc)  # type: ignore[arg-type]
        if SPAN in stored:
            start, end = stored[SPAN]
            doc["text_tokens"] = " ".join(issue["measures_tokens"].split(" ")[start:end])  # type: ignore[index]
    for field in _DERIVED[target]:
        if derived and field.name in stored.get(DERIVED, ()):
            doc[field.name] = field_bigrams(doc, field)  # last, where the pipeline puts them
    if JOINED not in stored:
        return doc
    # the registry's fields in its order, then any others in their own (a sort by that key, ~4x faster)
    out = {name: doc[name] for name in _ORDER[target] if name in doc}
    if len(out) < len(doc):
        out.update((name, value) for name, value in doc.items() if name not in out)
    return out


def stored_keys(target: Target, doc_id: str, keys: Document) -> Document:
    """A row's own filter keys as the store keeps them: a measure's ``issue_id`` left out where
    its id names it (:func:`indexer.documents.issue_of_measure`).

    >>> stored_keys(Target.MEASURES, "n-001-m2", {"issue_id": "n-001", "measure_seq": 2})
    {'measure_seq': 2, '+issue_id': 1}
    >>> whole_keys("n-001-m2", _)
    {'measure_seq': 2, 'issue_id': 'n-001'}
    """
    if target is not Target.MEASURES or NAMED in keys or keys.get("issue_id") != issue_of_measure(doc_id):
        return keys
    return {**{k: v for k, v in keys.items() if k != "issue_id"}, NAMED: 1}


def whole_keys(doc_id: str | None, keys: Document) -> Document:
    """The filter keys :func:`stored_keys` kept, whole again."""
    if NAMED not in keys or doc_id is None:
        return keys
    return {**{k: v for k, v in keys.items() if k != NAMED}, "issue_id": issue_of_measure(doc_id)}
