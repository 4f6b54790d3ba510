"""What an ingest, reindex or delete run reports: per-file outcomes, run summaries, the JSON-lines
report file written as outcomes become final, timings and vector-cache counts.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from indexer.embed import Embedder, cache_counts
from indexer.errors import DiskFull
from indexer.settings import Settings
from indexer.types import NoticeId

Timings = dict[str, float]  # step name → seconds

RESERVE_BASE = 64 * 1024  # bytes kept free for the report's last lines …
RESERVE_PER_FILE = 1024  # … and per file of the run (a failed line with its reason is ~300 bytes)
RESERVE_MAX = 64 * 2**20


class Outcome(StrEnum):
    """What happened to one file."""

    INDEXED = "indexed"  # new notice stored
    REPLACED = "replaced"  # the source's text changed: the new notice replaced the old one
    SKIPPED = "skipped"  # the same notice (same normalised text) is already stored
    UPDATED = "updated"  # already stored; stored again for its new source details (URL, name, publish date)
    EMPTY = "empty"  # stored, but no issue was found in it
    DUPLICATE = "duplicate"  # not stored: nearly the same issues as ``duplicate_of`` (indexer.dedup)
    FAILED = "failed"  # not stored; ``reason`` says why


@dataclass(slots=True)
class FileReport:
    """One line of the ingest report."""

    source: str
    outcome: Outcome
    notice_id: NoticeId | None = None
    issues: int = 0
    measures: int = 0
    replaces: NoticeId | None = None
    duplicate_of: NoticeId | None = None
    similarity: float | None = None
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return {k: v for k, v in data.items() if v is not None}


@dataclass(slots=True)
class IngestSummary:
    """Counts of one ingest run. ``issues``/``measures`` count every parsed notice, skipped ones
    included, so an unchanged re-run reports the same numbers."""

    files: int = 0
    read: int = 0
    parsed: int = 0
    issues: int = 0
    measures: int = 0
    indexed: int = 0
    replaced: int = 0
    skipped: int = 0
    updated: int = 0
    duplicates: int = 0
    empty: int = 0
    failed: int = 0
    warnings: int = 0
    failures: list[FileReport] = field(default_factory=list)
    report_path: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # parse, tokenise, embed, write, total
    vector_cache: dict[str, int] | None = None  # passages found in / missing from the embedder's cache

    @property
    def ok(self) -> bool:
        """False when nothing could be read or every file failed (the CLI exits 1)."""
        return self.files > 0 and self.read > 0 and self.failed < self.files

    def count(self, report: FileReport) -> None:
        if report.outcome is Outcome.FAILED:
            self.failed += 1
            self.failures.append(report)
            return
        if report.outcome is Outcome.SKIPPED:
            self.skipped += 1
        elif report.outcome is Outcome.UPDATED:
            self.updated += 1
        elif report.outcome is Outcome.DUPLICATE:
            self.duplicates += 1
        elif report.outcome is Outcome.EMPTY:
            self.empty += 1
        elif report.outcome is Outcome.INDEXED:
            self.indexed += 1
        if report.replaces is not None:
            self.replaced += 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [f.to_dict() for f in self.failures]
        return data


@dataclass(slots=True)
class ReindexSummary:
    notices: int = 0
    issues: int = 0
    measures: int = 0
    changed_ids: int = 0  # notices whose id changed (the normaliser changed)
    failed: dict[str, str] = field(default_factory=dict)  # notice id → reason (kept, without issues)
    switched_from: str | None = None  # why the old index was incompatible, when this run switched
    vector_cache: dict[str, int] | None = None  # passages found in / missing from the embedder's cache
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class DeleteSummary:
    deleted: list[NoticeId] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # keys that matched no notice

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def timed(timings: Timings | None, key: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[key]`` (nothing when ``timings`` is None)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - start


def cache_delta(before: tuple[int, int] | None, embedder: Embedder) -> dict[str, int] | None:
    """Passages found in / missing from the embedder's vector cache since ``before``."""
    after = cache_counts(embedder)
    if before is None or after is None:
        return None
    return {"hits": after[0] - before[0], "misses": after[1] - before[1]}


def default_report_path(settings: Settings) -> Path:
    """``<data_dir>/reports/ingest-<timestamp>.jsonl``, never an existing file."""
    folder = settings.data_path / "reports"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"ingest-{stamp}.jsonl"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"ingest-{stamp}-{n}.jsonl"
    return path


class ReportFile:
    """Writes report lines as outcomes become final, so a crash leaves what was done.

    Beside the report, a reserve file holds space for the lines still to come (``files`` × 1 KB,
    at most 64 MB): when the disk fills up during the run, it is given back first, so that every
    file still gets its line and the report matches the store."""

    def __init__(self, path: Path, files: int = 0) -> None:
        self.path = path
        self.reserve = path.with_name(f".{path.name}.reserve")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file: IO[str] = path.open("w", encoding="utf-8")
            with open(self.reserve, "wb") as fh:
                os.posix_fallocate(fh.fileno(), 0, min(RESERVE_MAX, RESERVE_BASE + RESERVE_PER_FILE * files))
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            self.reserve.unlink(missing_ok=True)
            raise DiskFull(f"no space left on device for the ingest report {path} (needed "
                           f"~{-(-(RESERVE_BASE + RESERVE_PER_FILE * files) // 2**20)} MB): free some space",
                           needed_mb=(RESERVE_BASE + RESERVE_PER_FILE * files) / 2**20) from exc

    def write(self, report: FileReport) -> None:
        line = json.dumps(report.to_dict(), ensure_ascii=False) + "\n"
        try:
            self._file.write(line)
            self._file.flush()
        except OSError as exc:
            if exc.errno != errno.ENOSPC or not self.release_reserve():
                raise
            self._file.write(line)  # the reserve's space is free now
            self._file.flush()

    def release_reserve(self) -> bool:
        """Give the reserved space back; False if it was given back already."""
        try:
            self.reserve.unlink()
        except FileNotFoundError:
            return False
        return True

    def close(self) -> None:
        self.release_reserve()
        self._file.close()
