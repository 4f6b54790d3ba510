"""Searches that run outside a lock, and the changes that wait for them to finish.

The embedded backend's vector search scans for milliseconds; holding the backend's lock across the
scan made every other request of the server (its lexical leg, its document reads, other scans)
queue behind it, one scan at a time (issue #14 item 6: 16 clients measured 2.8 threads waiting
on that lock on average). With the gate, scans run side by side (faiss releases the GIL) and only
what changes the scanned structures — replaying new rows into the vector indexes, closing a
generation — waits until the scans in flight are done; scans that come meanwhile wait for the
change (so a steady stream of searches cannot hold a change off).

    >>> import threading
    >>> lock = threading.RLock(); gate = SearchGate(lock)
    >>> with lock:
    ...     gate.admit(); gate.enter()       # checked under the lock, then searched without it
    >>> gate.leave()
    >>> with lock:
    ...     gate.drain()                     # nothing runs: returns at once; change things here
"""

from __future__ import annotations

import threading


class SearchGate:
    """Counts the searches running outside ``lock``. Every method but :meth:`leave` is called
    holding ``lock`` (an RLock may be held more than once: waiting releases it entirely)."""

    def __init__(self, lock: threading.RLock) -> None:
        self._changed = threading.Condition(lock)
        self._running = 0
        self._draining = 0

    def admit(self) -> None:
        """Wait until no change is pending; call before looking at what will be searched."""
        while self._draining:
            self._changed.wait()

    def enter(self) -> None:
        """A search starts (after :meth:`admit`, the lock held all along since)."""
        self._running += 1

    def leave(self) -> None:
        """A search is done (called without the lock)."""
        with self._changed:
            self._running -= 1
            if not self._running:
                self._changed.notify_all()

    def drain(self) -> None:
        """Wait until no search runs; on return (the lock held) the searched structures may change."""
        self._draining += 1
        try:
            while self._running:
                self._changed.wait()
        finally:
            self._draining -= 1
            self._changed.notify_all()
