"""A small thread-safe least-recently-used map: the one implementation behind the process's memo
caches (query vectors, the relevance floor's verdicts, facet counts).

    >>> lru = Lru[str, int](2); lru.put("a", 1); lru.put("b", 2); lru.get("a"); lru.put("c", 3)
    1
    >>> lru.get("b") is None, lru.get("a"), lru.get("c"), len(lru)
    (True, 1, 3, 2)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most ``size`` entries (0: keeps nothing); reading an entry makes it the most recent, adding
    one beyond ``size`` drops the least recent. Safe to share between threads (request threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
