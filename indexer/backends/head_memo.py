"""Notice heads as the record store last decoded them, for one state of the store.

Nearly every hit of a search has a notice of its own, and reading it whole puts back its notice's
head (the notice-level fields kept once per notice: :mod:`indexer.backends.embedded_rows`): a
SQLite read and a decode per hit, ~16 µs of the ~40 a hit costs (100k issues, 130 hits of a
hybrid search). A head changes only when its notice is written again, which moves the store's
sequence number, so the memo holds for one sequence number and starts over when it moves or when
it is full. json gives each decoded head its own copies of the field names; a kept head shares
one copy per set of names instead: 8,192 heads of 1M issues take ~6 MiB, not 9.5.

    >>> memo, asked = HeadMemo(limit=2), []
    >>> read = lambda ids: asked.extend(ids) or {i: {"title": i.upper()} for i in ids if i != "gone"}
    >>> memo.heads(7, ["a", "b", "gone"], read)
    {'a': {'title': 'A'}, 'b': {'title': 'B'}}
    >>> memo.heads(7, ["a"], read), asked  # known: no read
    ({'a': {'title': 'A'}}, ['a', 'b', 'gone'])
    >>> memo.heads(8, ["a"], read), asked  # the store moved on: read again
    ({'a': {'title': 'A'}}, ['a', 'b', 'gone', 'a'])
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from indexer.types import Document

LIMIT = 8192  # heads kept (the notices of a 100k-issue store: 6,658)


class HeadMemo:
    """The memo (see the module docstring); thread-safe."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._seq: int | None = None
        self._heads: dict[str, Document] = {}
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per set of field names
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._heads)

    def heads(self, seq: int, notice_ids: Sequence[str],
              read: Callable[[list[str]], dict[str, Document]]) -> dict[str, Document]:
        """The heads of ``notice_ids`` at sequence number ``seq`` (``read`` decodes those not known)."""
        with self._lock:
            if seq != self._seq:
                self._seq, self._heads, self._names = seq, {}, {}
            known = self._heads
        found = {n: head for n in notice_ids if (head := known.get(n)) is not None}
        missing = [n for n in dict.fromkeys(notice_ids) if n not in found]
        if missing:
            fresh = read(missing)
            found.update(fresh)
            with self._lock:
                if seq == self._seq:
                    if len(self._heads) + len(fresh) > self.limit:
                        self._heads, self._names = {}, {}
                    for n, head in fresh.items():
                        fields = tuple(head)
                        self._heads[n] = dict(zip(self._names.setdefault(fields, fields), head.values(), strict=True))
        return found
