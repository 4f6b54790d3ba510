"""Domain exceptions. Foreign exceptions are translated where they enter (``raise … from exc``).

    XunchaError
     ├── ReadError            a file could not be read or decoded
     ├── ParseError           a notice was read but could not be parsed
     ├── BackendError         the search backend failed (tantivy, SQLite, Elasticsearch)
     │    ├── BackendUnavailable   the backend cannot be reached right now (retry later)
     │    ├── WriterBusy           another process holds the data folder's writer lock
     │    ├── ReadOnlyIndex        the data folder can be searched, not written
     │    ├── DiskFull             no space left on the device of the data folder
     │    └── IncompatibleIndex    index built with another model / dictionary / schema
     ├── BadQuery             a query or filter a user sent is invalid
     └── ConfigError          a setting is missing or malformed
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class XunchaError(Exception):
    """Base class of every error this project raises on purpose."""


class ReadError(XunchaError):
    """A file could not be read or decoded; the message names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ParseError(XunchaError):
    """A notice was read but could not be parsed; the message names the notice and the part."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class BackendError(XunchaError):
    """The search backend failed."""


class BackendUnavailable(BackendError):
    """The backend cannot be reached right now; the operation can be retried."""


class WriterBusy(BackendError):
    """Another process holds the data folder's writer lock; only one writer at a time."""

    def __init__(self, message: str, *, holder: str = "?", lock: str = "") -> None:
        super().__init__(message)
        self.holder = holder  # the pid written in the lock file, "?" if unknown
        self.lock = lock


class ReadOnlyIndex(BackendError):
    """The data folder can only be read (a read-only mount or copy): searching works, writing does not."""


class DiskFull(BackendError):
    """No space left on the device that holds the data folder; says about how much more a write needed."""

    def __init__(self, message: str, *, needed_mb: float = 0.0, written: list[str] | None = None) -> None:
        super().__init__(message)
        self.needed_mb = needed_mb
        self.written = list(written or [])  # notices stored before the space ran out (they are kept)


class IncompatibleIndex(BackendError):
    """The index was built with another embedding model, dictionary or schema version."""


class Problem(StrEnum):
    """What is wrong with a query parameter (:class:`BadQuery` ``code``)."""

    REQUIRED = "required"  # missing or blank
    TOO_LONG = "too_long"  # limits: max (characters)
    NOT_INTEGER = "not_integer"
    NOT_DATE = "not_date"  # not 2024, 2024-03 or 2024-03-05
    OUT_OF_RANGE = "out_of_range"  # limits: min, max
    NOT_ALLOWED = "not_allowed"  # limits: allowed (the values accepted)
    TOO_MANY = "too_many"  # limits: max (values)
    REVERSED = "reversed"  # a range's start after its end; limits: to (the other end's value)
    TOO_DEEP = "too_deep"  # page × size beyond the result window; limits: max, page, size
    INVALID = "invalid"  # anything else (the message says what)


class BadQuery(XunchaError):
    """A query or filter sent by a user is invalid: ``field`` (the request parameter), ``code`` and
    ``limits`` say what and how, so each edge words it for its readers; the message is the API's."""

    def __init__(self, message: str, *, field: str = "", code: Problem = Problem.INVALID, got: Any = None,
                 limits: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.got = got
        self.limits = dict(limits or {})


class ConfigError(XunchaError):
    """A setting is missing or malformed."""
