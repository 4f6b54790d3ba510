"""Variant wording: the maintained list of equivalent forms (``indexer/data/variants.txt``) → the
extra terms a query also searches, at a lower weight than its own words.

A query containing one form of a group (as text, after width folding, so however jieba cuts
the query) also searches every other form of that group: its tokens minus single characters and
words common in any Chinese text (search_api.lexical.form_terms), minus the query's own terms,
which keep their full weight. (Searching each form whole, as one dictionary word, was measured
and lost: notices word the same finding in pieces — docs/ranking.md.)

A group written ``WHOLE > PART | PART …`` names a whole and its parts (四风 > 形式主义 | 官僚主义 …):
the whole brings in every part, a part only the whole — never its siblings, which name other things.

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
    whole: str | None = None  # ``WHOLE > PART | …``: forms[0], the name of the whole; the rest are its parts

    def brought_in(self, present: Sequence[str]) -> tuple[str, ...]:
        """The forms a text containing ``present`` (forms of this group) also searches: the others,
        or for a text naming only parts of a whole, the whole."""
        candidates = self.forms if self.whole is None or self.whole in present else (self.whole,)
        return tuple(f for f in candidates if f not in present and not any(f in p for p in present))


@dataclass(frozen=True, slots=True)
class Expansion:
    """What a query gained: the extra terms in order, and for each form found in the query the
    other forms it brought in (for the explanation)."""

    terms: tuple[str, ...] = ()
    found: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def forms(self) -> list[str]:
        """Every form brought in, once, in order."""
        return list(dict.fromkeys(form for others in self.found.values() for form in others))


def _key(text: str) -> str:
    return fold(text).lower()


def parse_groups(path: Path) -> list[Group]:
    """``FORM | FORM …  # reason`` (or ``WHOLE > PART | PART …  # reason``) lines → groups. A line
    without a reason, with fewer than two forms of two characters or more, or with more than one
    whole, is an error: the list is maintained by hand and a mistake should stop the load."""
    groups = []
    for line in read_entries(path):
        body, sep, reason = line.partition("#")
        whole, arrow, parts = body.rpartition(">") if ">" in body else ("", "", body)
        if arrow and ("|" in whole or ">" in whole or not whole.strip()):
            raise ValueError(f"{path}: {line!r}: one whole before '>'")
        forms = tuple(dict.fromkeys(_key(f.strip()) for f in [whole, *parts.split("|")] if f.strip()))
        if not sep or not reason.strip():
            raise ValueError(f"{path}: {line!r} has no '# reason'")
        if len(forms) < 2 or any(len(f) < MIN_FORM_CHARS for f in forms):
            raise ValueError(f"{path}: {line!r} needs two or more forms of {MIN_FORM_CHARS}+ characters")
        groups.append(Group(forms, reason.strip(), forms[0] if arrow else None))
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
    rules) of the other forms of every group with a form in the text (:meth:`Group.brought_in`),
    that are not among ``own_terms``. A form contained in another form found in the text adds
    nothing of its own."""
    haystack = _key(text)
    own = set(own_terms)
    extra: dict[str, None] = {}
    found: dict[str, tuple[str, ...]] = {}
    for group in all_groups if all_groups is not None else groups():
        present = [f for f in group.forms if f in haystack]
        if not present:
            continue
        others = group.brought_in(present)
        if not others:
            continue
        for form in present:
            found[form] = tuple(dict.fromkeys((*found.get(form, ()), *others)))
        for form in others:
            for term in tokens_of(form):
                if term not in own:
                    extra[term] = None
    return Expansion(tuple(extra), found)
