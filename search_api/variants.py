"""Variant wording: the maintained list of equivalent forms (``indexer/data/variants.txt``) → the
extra terms a query also searches, at a lower weight than its own words.

A query containing one form of a group (as text, after width folding, so however jieba cuts
the query) also searches every other form of that group: its tokens minus single characters and
words common in any Chinese text (search_api.lexical.form_terms), minus the query's own terms,
which keep their full weight. (Searching each form whole, as one dictionary word, was measured
and lost: notices word the same finding in pieces — docs/ranking.md.)

    >>> expand("单位私设小金库", ["私设", "小金库"], lambda form: [form]).terms
    ('账外资金', '账外账', '私设账户', '私存私放')
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.parsing.normalise import fold
from indexer.tokenise import DATA_DIR, read_entries

VARIANTS_PATH = DATA_DIR / "variants.txt"
MIN_FORM_CHARS = 2


@dataclass(frozen=True, slots=True)
class Group:
    forms: tuple[str, ...]  # folded, lower-cased
    reason: str


@dataclass(frozen=True, slots=True)
class Expansion:
    """What a query gained: the extra terms in order, and for each form found in the query the
    other forms it brought in (for the explanation)."""

    terms: tuple[str, ...] = ()
    found: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _key(text: str) -> str:
    return fold(text).lower()


def parse_groups(path: Path) -> list[Group]:
    """``FORM | FORM …  # reason`` lines → groups. A line without a reason, or with fewer than two
    forms of two characters or more, is an error: the list is maintained by hand and a mistake
    should stop the load."""
    groups = []
    for line in read_entries(path):
        body, sep, reason = line.partition("#")
        forms = tuple(dict.fromkeys(_key(f.strip()) for f in body.split("|") if f.strip()))
        if not sep or not reason.strip():
            raise ValueError(f"{path}: {line!r} has no '# reason'")
        if len(forms) < 2 or any(len(f) < MIN_FORM_CHARS for f in forms):
            raise ValueError(f"{path}: {line!r} needs two or more forms of {MIN_FORM_CHARS}+ characters")
        groups.append(Group(forms, reason.strip()))
    return groups


_GROUPS: list[Group] | None = None
_LOCK = threading.Lock()


def groups(path: Path = VARIANTS_PATH) -> list[Group]:
    """The packaged groups, read once per process."""
    global _GROUPS
    if path != VARIANTS_PATH:
        return parse_groups(path)
    with _LOCK:
        if _GROUPS is None:
            _GROUPS = parse_groups(path)
    return _GROUPS


def expand(text: str, own_terms: Sequence[str], tokens_of: Callable[[str], Sequence[str]],
           all_groups: Sequence[Group] | None = None) -> Expansion:
    """The variant terms of ``text``: tokens (by ``tokens_of``, which applies the query's term
    rules) of the other forms of every group with a form in the text, that are not among
    ``own_terms``. A form contained in another form found in the text adds nothing of its own."""
    haystack = _key(text)
    own = set(own_terms)
    extra: dict[str, None] = {}
    found: dict[str, tuple[str, ...]] = {}
    for group in all_groups if all_groups is not None else groups():
        present = [f for f in group.forms if f in haystack]
        if not present:
            continue
        others = tuple(f for f in group.forms if f not in present and not any(f in p for p in present))
        if not others:
            continue
        for form in present:
            found[form] = tuple(dict.fromkeys((*found.get(form, ()), *others)))
        for form in others:
            for term in tokens_of(form):
                if term not in own:
                    extra[term] = None
    return Expansion(tuple(extra), found)
