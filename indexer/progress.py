"""Progress of a long run (ingest, reindex): a tqdm bar on a terminal; when the output goes to a
log, a plain line every few seconds — done of total, the counts the run keeps, rate, ETA.

    >>> import io
    >>> clock = iter([0.0, 0.0, 1.0, 6.0, 6.5, 9.0]).__next__
    >>> out = io.StringIO()
    >>> with LineProgress(4, "ingest", "file", every=5, stream=out, clock=clock) as bar:
    ...     for n in range(4):
    ...         bar.set_postfix(issues=10 * (n + 1), refresh=False)
    ...         bar.update()
    >>> print(out.getvalue(), end="")
    ingest: 0/4 files
    ingest: 3/4 files (75%), issues 30, 0.50 files/s, ETA 2s
    ingest: 4/4 files in 9s (0.44 files/s), issues 40
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any, Protocol

from tqdm import tqdm

DEFAULT_EVERY = 5.0  # seconds between two lines when the output is not a terminal


class Progress(Protocol):
    """What the runs call: tqdm's subset."""

    def update(self, n: int = 1) -> Any: ...
    def set_postfix(self, refresh: bool = True, **values: Any) -> Any: ...
    def close(self) -> Any: ...
    def __enter__(self) -> Progress: ...
    def __exit__(self, *exc: object) -> Any: ...


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``.

    >>> duration(42.4), duration(185), duration(3720)
    ('42s', '3m05s', '1h02m')
    """
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _rate(done: int, seconds: float, unit: str) -> str:
    value = done / seconds if seconds > 0 else 0.0
    return f"{value:.2f} {unit}s/s" if value < 10 else f"{value:.0f} {unit}s/s"


class LineProgress:
    """Prints a start line, one line at most every ``every`` seconds while work is done, and a
    last line with the total time. ``every=0`` prints a line per update."""

    def __init__(self, total: int | None, desc: str, unit: str, *, every: float = DEFAULT_EVERY,
                 stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.desc = desc
        self.unit = unit
        self.every = every
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.done = 0
        self.postfix: dict[str, Any] = {}
        self.started = clock()
        self.last = self.started
        self.closed = False
        self._print(f"{desc}: 0{'' if total is None else f'/{total}'} {unit}s")

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def _counts(self) -> str:
        return "".join(f", {name} {value}" for name, value in self.postfix.items())

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        self._line(now)

    def _line(self, now: float) -> None:
        elapsed = now - self.started
        if self.total:
            where = f"{self.done}/{self.total} {self.unit}s ({100 * self.done // self.total}%)"
        else:
            where = f"{self.done} {self.unit}s"
        eta = ""
        if self.total and self.done and elapsed > 0:
            eta = f", ETA {duration((self.total - self.done) * elapsed / self.done)}"
        self._print(f"{self.desc}: {where}{self._counts()}, {_rate(self.done, elapsed, self.unit)}{eta}")

    def set_postfix(self, refresh: bool = True, **values: Any) -> None:
        self.postfix.update(values)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        elapsed = self.clock() - self.started
        of = f"/{self.total}" if self.total is not None else ""
        self._print(f"{self.desc}: {self.done}{of} {self.unit}s in {duration(elapsed)} "
                    f"({_rate(self.done, elapsed, self.unit)}){self._counts()}")

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def progress(total: int | None, desc: str, unit: str, enabled: bool, *, every: float = DEFAULT_EVERY,
             stream: IO[str] | None = None) -> Progress:
    """A tqdm bar when ``stream`` (stderr) is a terminal, else a :class:`LineProgress`; a silent
    bar when not ``enabled`` (``--quiet``, the API's uploads)."""
    stream = stream if stream is not None else sys.stderr
    terminal = stream.isatty()
    if enabled and not terminal:
        return LineProgress(total, desc, unit, every=every, stream=stream)
    return tqdm(total=total, desc=desc, unit=unit, file=stream, dynamic_ncols=True, disable=not enabled)
