"""Ingest: files → parsed notices → bundles (records + tokens + vectors) → a backend.

One library function per CLI command: :func:`ingest_paths` (``ingest``), :func:`delete_notices`
(``delete``), :func:`reindex` (``reindex``), :func:`stats` (``stats``). The backend is anything
that satisfies :class:`indexer.backends.base.Backend`; the embedder anything that satisfies
:class:`indexer.embed.Embedder`.

Ingest is idempotent by notice id (a hash of the normalised text): an unchanged notice is
skipped, a changed file replaces the notice last stored from the same source, in the same write.
Notices are written in batches of :data:`BATCH_NOTICES`, so a crash loses at most one batch, and
every file gets one line in a JSON-lines report (``<data_dir>/reports/ingest-<timestamp>.jsonl``).
A notice in which no issue was found is still stored, with its quality report, and reported as
``empty``: nothing is dropped silently.

Reliability (issue "Reliability and security"):

* a file over ``settings.max_notice_mb`` fails with its size (:func:`indexer.parsing.read.read_path`);
  any file that cannot be read or parsed is reported ``failed`` with the reason and the run goes on;
* the same notice under another name is ``skipped`` (same id); a near-duplicate — the same notice
  reposted with other page furniture or a small edit — is reported ``duplicate`` of the stored
  one and not stored (:mod:`indexer.dedup`, ``settings.near_duplicate_threshold``);
* a backend call that fails because the backend is unreachable or overloaded
  (:class:`~indexer.errors.BackendUnavailable`) is retried ``settings.backend_retries`` times
  with exponential back-off from ``settings.backend_retry_backoff`` seconds; then the run stops
  with one BackendUnavailable naming the backend and saying that a rerun resumes. Every file not
  stored by then gets a ``failed`` report line. Rerunning the same command skips what was stored
  (by notice id), so a killed or stopped run ends, once rerun, with exactly the notices of an
  uninterrupted one (scripts/crash_resume.py).

Each measure item is also a document of its own (target ``measures``) carrying its issue's and
notice's metadata; measure vectors only when ``settings.measure_vectors``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import numpy as np

from indexer import categories, dedup, embed
from indexer.backends import open_backend
from indexer.backends.base import Backend, IndexInfo, NoticeBundle
from indexer.categories import categorise
from indexer.documents import issue_record, measure_records, notice_record
from indexer.embed import Embedder, HashingEmbedder
from indexer.errors import BackendUnavailable, ConfigError, IncompatibleIndex, ParseError, ReadError
from indexer.parsing import read
from indexer.parsing.parse import parse_document
from indexer.progress import progress as show_progress
from indexer.settings import Settings
from indexer.tokenise import DICTIONARY_VERSION, tokenise_for_index
from indexer.types import Document, Issue, NoticeId, ParsedNotice, RawDocument

log = logging.getLogger(__name__)

BATCH_NOTICES = 32  # notices per backend write: a crash loses at most this many
HASHING_MODEL = "hashing"
MAX_RETRY_BACKOFF = 60.0  # seconds: the longest wait between two retries of a backend call


class Outcome(StrEnum):
    """What happened to one file."""

    INDEXED = "indexed"  # new notice stored
    REPLACED = "replaced"  # the source's text changed: the new notice replaced the old one
    SKIPPED = "skipped"  # the same notice (same normalised text) is already stored
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


# -- embedder -------------------------------------------------------------------------------

def open_embedder(settings: Settings, *, cache: bool = True) -> Embedder:
    """The embedder named by ``settings.model``.

    Besides the models of :func:`indexer.embed.load_embedder`, this accepts ``hashing`` (or
    ``hashing-<dims>``): the model-free :class:`~indexer.embed.HashingEmbedder`, for smoke runs,
    benchmarks of everything but the model, and machines without one. Its vectors only share
    character bigrams, so an index built with it is a test index. ``cache=False`` skips the
    vector cache of a real model (benchmarks)."""
    name = settings.model
    if name == HASHING_MODEL or name.startswith(HASHING_MODEL + "-"):
        dims = name[len(HASHING_MODEL) + 1:]
        if dims and not dims.isdigit():
            raise ConfigError(f"model {name!r}: expected hashing or hashing-<dims>, e.g. hashing-64")
        return HashingEmbedder(int(dims) if dims else 64)
    load = getattr(embed, "load_embedder", None)
    if load is None:
        raise ConfigError(
            f"model {name!r} cannot be loaded: indexer.embed.load_embedder is not available yet; "
            "set XUNCHA_MODEL=hashing (or --model hashing) for a model-free run"
        )
    return load(settings, cache=cache)


# -- bundles --------------------------------------------------------------------------------

def _tokens(text: str | None) -> str:
    return " ".join(tokenise_for_index(text)) if text else ""


def _embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dims), dtype=np.float32)
    vectors = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
    if vectors.shape != (len(texts), embedder.dims):
        raise ValueError(f"embedder {embedder.model_id} returned shape {vectors.shape} for {len(texts)} texts")
    return vectors


@contextmanager
def _timed(timings: dict[str, float] | None, key: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - start


# Issue vectors embed the problem with its measures: the measures say what the problem is about
# (dev qrels: semantic nDCG@10 0.48 → 0.64 against problem-only vectors); 256 characters was best.
ISSUE_EMBEDDING_CHARS = 256


def issue_embedding_text(issue: Issue) -> str:
    """The passage embedded for an issue: its problem, then its measures, capped."""
    text = issue.problem + ("。" + "；".join(issue.measures) if issue.measures else "")
    return text[:ISSUE_EMBEDDING_CHARS]


def build_bundles(items: Sequence[tuple[ParsedNotice, str | None]], embedder: Embedder, *,
                  measure_vectors: bool = False, timings: dict[str, float] | None = None) -> list[NoticeBundle]:
    """Bundles for several notices, embedding all their problem statements in one call.

    ``items`` pairs each parsed notice with its original (decoded, uncleaned) text, stored in
    the notice record so that :func:`reindex` needs no source files."""
    with _timed(timings, "embed"):
        problems = _embed(embedder, [issue_embedding_text(i) for parsed, _ in items for i in parsed.issues])
        measure_rows = (_embed(embedder, [m for parsed, _ in items for i in parsed.issues for m in i.measures])
                        if measure_vectors else None)
    bundles = []
    row = measure_row = 0
    with _timed(timings, "tokenise"):
        for parsed, original_text in items:
            issue_docs: list[Document] = []
            measure_docs: list[Document] = []
            for issue in parsed.issues:
                vector = problems[row]
                row += 1
                categories = list(dict.fromkeys([*categorise(issue.problem, issue.measures, vector),
                                                 *issue.categories]))
                problem_tokens = _tokens(issue.problem)
                # jieba never cuts across a line break, so the tokens of the joined measures are
                # the tokens of each measure in turn: each measure is tokenised once.
                measure_tokens = [_tokens(m) for m in issue.measures]
                doc = issue_record(parsed, issue)
                doc.update(
                    categories=categories,
                    problem_tokens=problem_tokens,
                    context_tokens=_tokens("\n".join(t for t in (issue.section, issue.group) if t)),
                    measures_tokens=" ".join(t for t in (_tokens(issue.measures_intro), *measure_tokens) if t),
                    vector=vector.tolist(),
                )
                issue_docs.append(doc)
                for measure, text_tokens in zip(measure_records(parsed, issue), measure_tokens, strict=True):
                    measure.update(categories=categories, text_tokens=text_tokens, problem_tokens=problem_tokens)
                    if measure_rows is not None:
                        measure["vector"] = measure_rows[measure_row].tolist()
                        measure_row += 1
                    measure_docs.append(measure)
            bundles.append(NoticeBundle(
                notice_id=parsed.notice_id, source=parsed.source,
                notice=notice_record(parsed, original_text), issues=issue_docs, measures=measure_docs,
            ))
    return bundles


def build_bundle(parsed: ParsedNotice, embedder: Embedder, original_text: str | None, *,
                 measure_vectors: bool = False) -> NoticeBundle:
    """Everything stored for one notice: its record, issue documents and measure documents."""
    return build_bundles([(parsed, original_text)], embedder, measure_vectors=measure_vectors)[0]


# -- retries --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class RetryParams:
    """How a backend call that failed with BackendUnavailable is retried."""

    retries: int = 5
    backoff: float = 1.0  # seconds before the first retry, doubled for each next one
    max_backoff: float = MAX_RETRY_BACKOFF

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryParams:
        return cls(retries=max(0, settings.backend_retries), backoff=max(0.0, settings.backend_retry_backoff))


def backend_location(backend: Any) -> str:
    """"the elasticsearch backend at http://…" (the URL without credentials), else "the … backend"."""
    url = getattr(backend, "url", None)
    return f"the {backend.name} backend at {url}" if url else f"the {backend.name} backend"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


class RetryingBackend:
    """A backend whose method calls are retried on BackendUnavailable with exponential back-off;
    after the last retry one BackendUnavailable says where, what and for how long."""

    def __init__(self, backend: Backend, params: RetryParams, *, sleep: Any = time.sleep) -> None:
        self.backend = backend
        self.params = params
        self._sleep = sleep

    @property
    def name(self) -> str:
        return self.backend.name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.backend, attr)
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(attr, value, args, kwargs)

        return call

    def _call(self, what: str, fn: Any, args: tuple, kwargs: dict) -> Any:
        started = time.monotonic()
        delay = self.params.backoff
        attempts = self.params.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return fn(*args, **kwargs)
            except BackendUnavailable as exc:
                where = backend_location(self.backend)
                if attempt == attempts:
                    raise BackendUnavailable(
                        f"{where} is unavailable: {what} failed {attempt} time(s) over "
                        f"{time.monotonic() - started:.1f} s (last error: {_one_line(exc)})"
                    ) from exc
                wait = min(delay, self.params.max_backoff)
                log.warning("%s is unavailable (%s: %s); retry %d of %d in %.1f s", where, what, _one_line(exc),
                            attempt, self.params.retries, wait)
                self._sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


# -- ingest ---------------------------------------------------------------------------------

def _cache_counts(embedder: Embedder) -> tuple[int, int] | None:
    """(hits, misses) of an embedder with a vector cache (indexer.embed.CachedEmbedder), else None."""
    hits, misses = getattr(embedder, "hits", None), getattr(embedder, "misses", None)
    return (hits, misses) if isinstance(hits, int) and isinstance(misses, int) else None


def _cache_delta(before: tuple[int, int] | None, embedder: Embedder) -> dict[str, int] | None:
    after = _cache_counts(embedder)
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


class _ReportFile:
    """Writes report lines as outcomes become final, so a crash leaves what was done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("w", encoding="utf-8")

    def write(self, report: FileReport) -> None:
        self._file.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()




@dataclass(slots=True)
class _Pending:
    parsed: ParsedNotice
    original_text: str
    report: FileReport


class _Ingester:
    """The per-run state of :func:`ingest_paths`: the batch being built and the counts."""

    def __init__(self, backend: Backend, embedder: Embedder, settings: Settings, report: _ReportFile,
                 summary: IngestSummary, batch_size: int) -> None:
        self.backend = backend
        self.embedder = embedder
        self.settings = settings
        self.report = report
        self.summary = summary
        self.batch_size = batch_size
        self.batch: list[_Pending] = []
        self.seen: dict[NoticeId, str] = {}  # ids met in this run → source
        self.fingerprints: dict[NoticeId, dedup.Fingerprint] = {}  # of the batch not written yet
        self.finished: set[str] = set()  # sources with a report line
        self.stored = 0  # notices written in this run

    def _finish(self, report: FileReport) -> None:
        self.summary.count(report)
        self.report.write(report)
        self.finished.add(report.source)

    def add(self, path: Path) -> None:
        source = os.path.abspath(path)
        with _timed(self.summary.seconds, "parse"):
            try:
                raw = read.read_path(source, max_mb=self.settings.max_notice_mb)
            except ReadError as exc:
                self._finish(FileReport(source, Outcome.FAILED, reason=exc.reason))
                return
            except Exception as exc:  # the reader is being rewritten; one bad file must not stop a run
                log.exception("reading %s failed", source)
                self._finish(FileReport(source, Outcome.FAILED, reason=f"reader error: {type(exc).__name__}: {exc}"))
                return
            self.summary.read += 1
            try:
                parsed = parse_document(raw)
            except ParseError as exc:
                self._finish(FileReport(source, Outcome.FAILED, reason=exc.reason))
                return
            except Exception as exc:
                log.exception("parsing %s failed", source)
                self._finish(FileReport(source, Outcome.FAILED, reason=f"parser error: {type(exc).__name__}: {exc}"))
                return
        self.summary.parsed += 1
        n_issues = len(parsed.issues)
        n_measures = sum(len(i.measures) for i in parsed.issues)
        self.summary.issues += n_issues
        self.summary.measures += n_measures
        self.summary.warnings += len(parsed.quality.warnings)
        report = FileReport(source, Outcome.INDEXED, parsed.notice_id, n_issues, n_measures,
                            warnings=list(parsed.quality.warnings))
        notice_id = parsed.notice_id
        if notice_id in self.seen or self.backend.has_notice(notice_id):
            report.outcome = Outcome.SKIPPED
            first = self.seen.get(notice_id)
            if first is not None:
                if first != source:
                    report.reason = f"same text as {first}, ingested in this run"
            elif self.backend.notice_id_for_source(source) != notice_id:
                report.reason = "the same text is already stored from another source"
            self._finish(report)
            return
        old = self.backend.notice_id_for_source(source)
        if parsed.issues:
            with _timed(self.summary.seconds, "dedup"):
                fingerprint = dedup.notice_fingerprint(parsed)
                near = dedup.find_near_duplicate(
                    parsed, self.backend, threshold=self.settings.near_duplicate_threshold,
                    exclude=[old] if old else [], pending=self.fingerprints, fingerprint=fingerprint)
            if near is not None:
                report.outcome = Outcome.DUPLICATE
                report.duplicate_of, report.similarity = near.notice_id, near.similarity
                report.reason = (f"near-duplicate of notice {near.notice_id} (similarity {near.similarity:.3f} "
                                 f">= {self.settings.near_duplicate_threshold:g}); not stored")
                self._finish(report)
                return
            self.fingerprints[notice_id] = fingerprint
        self.seen[notice_id] = source
        if old is not None and old != notice_id:
            report.replaces = old
            report.outcome = Outcome.REPLACED
        if not parsed.issues:
            report.outcome = Outcome.EMPTY
            report.reason = "no rectified issues found; stored with its quality report"
        self.batch.append(_Pending(parsed, raw.text, report))
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        self.fingerprints = {}  # written notices are found by the lexical leg from now on
        bundles = build_bundles([(p.parsed, p.original_text) for p in batch], self.embedder,
                                measure_vectors=self.settings.measure_vectors, timings=self.summary.seconds)
        replaces = {p.parsed.notice_id: p.report.replaces for p in batch if p.report.replaces}
        with _timed(self.summary.seconds, "write"):
            result = self.backend.write(bundles, replaces=replaces or None)
        written = set(result.written)
        for pending in batch:
            report = pending.report
            reason = result.failed.get(report.notice_id or "")
            if reason is not None or report.notice_id not in written:
                report.outcome = Outcome.FAILED
                report.reason = f"backend refused the notice: {reason or 'not written'}"
                report.replaces = None
            else:
                self.stored += 1
            self._finish(report)

    def abandon(self, files: Iterable[Path], reason: str) -> None:
        """The run stops: the batch not written and every file not reached get a failed line."""
        batch, self.batch = self.batch, []
        for pending in batch:
            report = pending.report
            report.outcome, report.replaces = Outcome.FAILED, None
            report.reason = f"not stored: the run stopped ({reason})"
            self._finish(report)
        for path in files:
            source = os.path.abspath(path)
            if source not in self.finished:
                self._finish(FileReport(source, Outcome.FAILED, reason=f"not ingested: the run stopped ({reason})"))


def ingest_paths(paths: Iterable[str | Path], settings: Settings, *, backend: Backend | None = None,
                 embedder: Embedder | None = None, progress: bool = True, report_path: str | Path | None = None,
                 batch_size: int = BATCH_NOTICES) -> IngestSummary:
    """Read, parse, tokenise, embed and store every supported file under ``paths``.

    Raises IncompatibleIndex (before writing anything) when the index holds another model's
    vectors or another dictionary's tokens; ConfigError / BackendUnavailable when the backend or
    model cannot be opened. Per-file problems never raise: they are counted and reported."""
    started = time.perf_counter()
    own_backend = backend is None
    backend = backend if backend is not None else open_backend(settings)
    try:
        embedder = embedder if embedder is not None else open_embedder(settings)
        categories.use_embedder(embedder)
        backend.check_compatible(embedder.model_id, embedder.dims, DICTIONARY_VERSION)
        files = list(read.iter_files(paths))
        summary = IngestSummary(files=len(files))
        report = _ReportFile(Path(report_path) if report_path else default_report_path(settings))
        summary.report_path = str(report.path)
        calls = RetryingBackend(backend, RetryParams.from_settings(settings))
        ingester = _Ingester(calls, embedder, settings, report, summary, batch_size)  # type: ignore[arg-type]
        cache_before = _cache_counts(embedder)
        try:
            with show_progress(len(files), "ingest", "file", progress, every=settings.progress_seconds) as bar:
                for path in files:
                    ingester.add(path)
                    bar.set_postfix(issues=summary.issues, failed=summary.failed, refresh=False)
                    bar.update()
                ingester.flush()
        except BackendUnavailable as exc:
            ingester.abandon(files, _one_line(exc))
            raise BackendUnavailable(
                f"{_one_line(exc)}; the ingest stopped after storing {ingester.stored} notice(s) in this run, "
                f"which are kept: rerun the same command to resume (stored notices are skipped); "
                f"report: {report.path}"
            ) from exc
        finally:
            report.close()
            summary.vector_cache = _cache_delta(cache_before, embedder)
    finally:
        if own_backend:
            backend.close()
    summary.seconds["total"] = time.perf_counter() - started
    return summary


# -- delete, reindex, stats -----------------------------------------------------------------

def delete_notices(keys: Iterable[str], settings: Settings, *, backend: Backend | None = None) -> DeleteSummary:
    """Delete notices given by id or by source (the path as ingested, or as given now)."""
    own_backend = backend is None
    backend = backend if backend is not None else open_backend(settings)
    summary = DeleteSummary()
    try:
        ids: list[NoticeId] = []
        for key in keys:
            notice_id = key if backend.has_notice(key) else (
                backend.notice_id_for_source(key) or backend.notice_id_for_source(os.path.abspath(key)))
            if notice_id is None:
                summary.missing.append(key)
            elif notice_id not in ids:
                ids.append(notice_id)
        if ids:
            backend.delete_notices(ids)
        summary.deleted = ids
    finally:
        if own_backend:
            backend.close()
    return summary


def _reparse(record: Document) -> tuple[ParsedNotice, str]:
    """Parse a stored notice again from its original text (else its normalised text)."""
    text = record.get("original_text") or record.get("text")
    if not text:
        raise ParseError(record.get("source") or record["notice_id"], "no stored text to re-parse")
    raw = RawDocument(source=record.get("source") or record["notice_id"], text=text,
                      format=record.get("format") or "txt", encoding=record.get("encoding"))
    return parse_document(raw), text


def _kept_as_is(record: Document, reason: str) -> NoticeBundle:
    """A stored notice that no longer parses: kept, without issues, with the reason as a warning."""
    notice = dict(record)
    quality = dict(notice.get("quality") or {})
    quality["warnings"] = [*quality.get("warnings", []), f"re-parse failed: {reason}"]
    notice.update(quality=quality, issue_ids=[])
    return NoticeBundle(record["notice_id"], record.get("source") or "", notice, [], [])


def reindex(settings: Settings, *, backend: Backend | None = None, embedder: Embedder | None = None,
            keep_old: bool = False, progress: bool = True) -> ReindexSummary:
    """Re-parse every stored notice from its stored original text, rebuild the index from the
    results and switch to it atomically (``Backend.rebuild``); the old index serves until then.

    This is also how an index moves to another model or dictionary: ``check_compatible`` is
    called first (its IncompatibleIndex noted in ``switched_from``) and the rebuilt index records
    the values of that call. Unchanged texts are not re-embedded when the embedder caches vectors."""
    started = time.perf_counter()
    own_backend = backend is None
    backend = backend if backend is not None else open_backend(settings)
    summary = ReindexSummary()
    try:
        embedder = embedder if embedder is not None else open_embedder(settings)
        categories.use_embedder(embedder)
        try:
            # Also tells the backend which model and dictionary the rebuilt index is for.
            backend.check_compatible(embedder.model_id, embedder.dims, DICTIONARY_VERSION)
        except IncompatibleIndex as exc:
            summary.switched_from = str(exc)  # reindexing is how one switches: go on
        total = backend.info().notices
        cache_before = _cache_counts(embedder)

        def bundles() -> Iterator[NoticeBundle]:
            with show_progress(total, "reindex", "notice", progress, every=settings.progress_seconds) as bar:
                batch: list[tuple[ParsedNotice, str | None]] = []
                for record in backend.iter_notices():
                    bar.update()
                    try:
                        parsed, text = _reparse(record)
                    except Exception as exc:  # keep the notice rather than lose it
                        reason = exc.reason if isinstance(exc, ParseError) else f"{type(exc).__name__}: {exc}"
                        summary.failed[record["notice_id"]] = reason
                        yield _kept_as_is(record, reason)
                        continue
                    summary.changed_ids += parsed.notice_id != record["notice_id"]
                    summary.issues += len(parsed.issues)
                    summary.measures += sum(len(i.measures) for i in parsed.issues)
                    batch.append((parsed, text))
                    if len(batch) >= BATCH_NOTICES:
                        yield from build_bundles(batch, embedder, measure_vectors=settings.measure_vectors)
                        batch = []
                yield from build_bundles(batch, embedder, measure_vectors=settings.measure_vectors)

        result = backend.rebuild(bundles(), keep_old=keep_old)
        summary.vector_cache = _cache_delta(cache_before, embedder)
        summary.notices = len(result.written)
        summary.failed.update(result.failed)
        if summary.switched_from is not None:
            try:
                backend.check_compatible(embedder.model_id, embedder.dims, DICTIONARY_VERSION)
            except IncompatibleIndex as exc:
                raise IncompatibleIndex(
                    f"the {backend.name} backend rebuilt the index but kept its old model or dictionary ({exc}); "
                    "it cannot switch them: ingest into a new data folder instead"
                ) from exc
    finally:
        if own_backend:
            backend.close()
    summary.seconds = time.perf_counter() - started
    return summary


def stats(settings: Settings, *, backend: Backend | None = None) -> IndexInfo:
    """Counts and the model / dictionary / schema of the index."""
    own_backend = backend is None
    backend = backend if backend is not None else open_backend(settings)
    try:
        return backend.info()
    finally:
        if own_backend:
            backend.close()
