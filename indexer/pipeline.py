"""Ingest, delete and reindex orchestration: files → parsed notices → bundles → a backend.

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

What is stored per notice: :mod:`indexer.bundles`; report lines and summaries:
:mod:`indexer.reports`; retries: :mod:`indexer.retry`; the embedder: :func:`indexer.embed.open_embedder`.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from indexer import dedup, families, versions
from indexer.backends import open_backend
from indexer.backends.base import Backend, IndexInfo, NoticeBundle, WriteResult
from indexer.bundles import NoticeVectors, assemble_bundles, build_bundles, embed_notices
from indexer.categories import Prototypes, prototypes_for
from indexer.documents import notice_record
from indexer.embed import Embedder, cache_counts, open_embedder
from indexer.errors import BackendUnavailable, ConfigError, DiskFull, IncompatibleIndex, ParseError, ReadError
from indexer.parsing import read
from indexer.parsing.parse import parse_document
from indexer.progress import progress as show_progress
from indexer.reports import (
    DeleteSummary,
    FileReport,
    IngestSummary,
    Outcome,
    ReindexSummary,
    ReportFile,
    cache_delta,
    default_report_path,
    timed,
)
from indexer.retry import RetryingBackend, RetryParams, one_line
from indexer.settings import Settings
from indexer.sources import Manifests, Origin, adds_origin, apply_origin, keep_stored_origin
from indexer.tokenise import DICTIONARY_VERSION
from indexer.types import Document, NoticeId, ParsedNotice, RawDocument, Target

log = logging.getLogger(__name__)

BATCH_NOTICES = 32  # notices per backend write: a crash loses at most this many
BATCHES_IN_FLIGHT = 1  # batches embedded while the next is parsed: one keeps the embedder busy
# Embedding calls at once: while one call's batches run in the model, the next call prepares its
# texts (vector-cache look-ups, token ids) instead of leaving the model's threads idle (docs/scaling.md).
EMBED_WORKERS = 2


@dataclass(slots=True)
class _Pending:
    parsed: ParsedNotice
    original_text: str
    report: FileReport
    fingerprint: dedup.Fingerprint | None = None  # for the check again under the writer lock
    versions: list[Document] | None = None  # the earlier versions, when it replaces a stored notice


class _Ingester:
    """The per-run state of :func:`ingest_paths`: the batch being built, the batches being
    embedded, and the counts.

    A full batch goes to one embedding worker thread (onnxruntime releases the GIL), and this
    thread goes on parsing the next batch and tokenising the one before: both cores stay busy.
    At most :data:`BATCHES_IN_FLIGHT` batches wait for their vectors, so memory stays bounded."""

    def __init__(self, backend: Backend, embedder: Embedder, settings: Settings, report: ReportFile,
                 summary: IngestSummary, batch_size: int) -> None:
        self.backend = backend
        self.embedder = embedder
        self.prototypes = prototypes_for(embedder)
        self.settings = settings
        self.report = report
        self.summary = summary
        self.batch_size = batch_size
        self.batch: list[_Pending] = []
        self.seen: dict[NoticeId, str] = {}  # ids met in this run → source
        self.fingerprints: dict[NoticeId, dedup.Fingerprint] = {}  # of the batches not written yet
        self.finished: set[str] = set()  # sources with a report line
        self.stored = 0  # notices written in this run
        self.in_flight: deque[tuple[list[_Pending], Future[NoticeVectors]]] = deque()
        self._worker = ThreadPoolExecutor(EMBED_WORKERS, thread_name_prefix="embed")

    def _finish(self, report: FileReport) -> None:
        self.summary.count(report)
        self.report.write(report)
        self.finished.add(report.source)

    def skip(self, source: str, reason: str) -> None:
        """A folder entry not read (a symbolic link not followed …): one report line."""
        self._finish(FileReport(os.path.abspath(source), Outcome.FAILED, reason=reason))

    def add(self, path: Path, origin: Origin | None = None) -> None:
        source = os.path.abspath(path)
        with timed(self.summary.seconds, "parse"):
            try:
                raw = read.read_path(source, max_mb=self.settings.max_notice_mb)
            except ReadError as exc:
                self._finish(FileReport(source, Outcome.FAILED, reason=exc.reason))
                return
            except Exception as exc:  # a bug met by one file must not stop a bulk run: reported, logged
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
        apply_origin(parsed, origin)
        self.summary.parsed += 1
        n_issues = len(parsed.issues)
        n_measures = sum(len(i.measures) for i in parsed.issues)
        self.summary.issues += n_issues
        self.summary.measures += n_measures
        self.summary.warnings += len(parsed.quality.warnings)
        report = FileReport(source, Outcome.INDEXED, parsed.notice_id, n_issues, n_measures,
                            warnings=list(parsed.quality.warnings))
        notice_id = parsed.notice_id
        if notice_id not in self.seen and self._new_origin(parsed):
            report.outcome = Outcome.UPDATED
            report.reason = "already stored; stored again with the source details given now (URL, name, publish date)"
            self.seen[notice_id] = source
            self.batch.append(_Pending(parsed, raw.text, report))
            if len(self.batch) >= self.batch_size:
                self.flush()
            return
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
        pending = _Pending(parsed, raw.text, report,
                           dedup.notice_fingerprint(parsed) if parsed.issues else None)
        if not self._accept(pending, self.fingerprints):
            return
        if pending.fingerprint is not None:
            self.fingerprints[notice_id] = pending.fingerprint
        self.seen[notice_id] = source
        self.batch.append(pending)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def _accept(self, pending: _Pending, others: Mapping[NoticeId, dedup.Fingerprint]) -> bool:
        """Decide a new notice's outcome against the index and ``others`` (accepted, not written):
        a near-duplicate is reported and refused, else it is indexed, replaces the notice last
        stored from its source, or is stored empty."""
        parsed, report = pending.parsed, pending.report
        old = self.backend.notice_id_for_source(report.source)
        if pending.fingerprint is not None:
            with timed(self.summary.seconds, "dedup"):
                near = dedup.find_near_duplicate(
                    parsed, self.backend, threshold=self.settings.near_duplicate_threshold,
                    exclude=[old] if old else [], pending=others, fingerprint=pending.fingerprint)
            later = self._later_version(pending, near.notice_id) if near is not None else None
            if near is not None and later is not None:
                report.outcome, report.replaces = Outcome.REPLACED, near.notice_id
                changes = versions.status_changes(later[0]["issues"], versions.parsed_issues(parsed))
                report.reason = (f"a later version of notice {near.notice_id} ({len(changes)} status change(s)); "
                                 "the earlier version is kept with it")
                pending.versions = later
                return True
            if near is not None:
                report.outcome, report.replaces = Outcome.DUPLICATE, None
                report.duplicate_of, report.similarity = near.notice_id, near.similarity
                report.reason = (f"near-duplicate of notice {near.notice_id} (similarity {near.similarity:.3f} "
                                 f">= {self.settings.near_duplicate_threshold:g}); not stored")
                self._finish(report)
                return False
        report.outcome, report.replaces, report.reason = Outcome.INDEXED, None, None
        if old is not None and old != parsed.notice_id:
            report.replaces = old
            report.outcome = Outcome.REPLACED
            pending.versions = self._history(old)
        if not parsed.issues:
            report.outcome = Outcome.EMPTY
            report.reason = "no rectified issues found; stored with its quality report"
        return True

    def _history(self, notice_id: NoticeId) -> list[Document] | None:
        """The versions list of a notice that replaces the stored ``notice_id`` (None if it is gone)."""
        record = self.backend.get_notice(notice_id)
        if record is None:
            return None
        return versions.history(record, self.backend.get(Target.ISSUES, record.get("issue_ids") or []))

    def _later_version(self, pending: _Pending, stored_id: NoticeId) -> list[Document] | None:
        """The versions list if the notice is a later version of the stored one it nearly
        duplicates (same notice, and its statuses changed or it names the same given source)."""
        record = self.backend.get_notice(stored_id)
        new = {**notice_record(pending.parsed), "text": None}
        if record is None or not versions.same_notice(new, record):
            return None
        issues = self.backend.get(Target.ISSUES, record.get("issue_ids") or [])
        if not (versions.statuses_differ(pending.parsed, issues) or versions.same_given_source(new, record)):
            return None
        return versions.history(record, issues)

    def _check_again(self, batch: list[_Pending]) -> list[_Pending]:
        """The writer lock was just taken: another process may have stored notices since
        :meth:`add` looked. Check the batch again, so that the duplicate check and the write are
        one step under the lock; returns the notices still to write."""
        kept: list[_Pending] = []
        for pending in batch:
            report = pending.report
            if report.outcome is Outcome.UPDATED:
                kept.append(pending)
                continue
            self.fingerprints.pop(pending.parsed.notice_id, None)
            if self.backend.has_notice(pending.parsed.notice_id):
                report.outcome, report.replaces = Outcome.SKIPPED, None
                report.reason = "the same text was stored meanwhile by another ingest"
                self._finish(report)
                continue
            earlier = {p.parsed.notice_id: p.fingerprint for p in kept if p.fingerprint is not None}
            if self._accept(pending, earlier):
                kept.append(pending)
        return kept

    def _new_origin(self, parsed: ParsedNotice) -> bool:
        """Whether the notice is stored and this file says more about its origin than the store
        (then the stored details it does not repeat are kept)."""
        if not (parsed.source_url or parsed.source_name or parsed.meta.publish_date):
            return False
        stored = self.backend.get_notice(parsed.notice_id)
        if stored is None or not adds_origin(parsed, stored):
            return False
        keep_stored_origin(parsed, stored)
        return True

    def flush(self, *, final: bool = False) -> None:
        """Send the batch to the embedding worker, then write the batches whose turn has come:
        all of them when ``final``, else all but :data:`BATCHES_IN_FLIGHT`."""
        if self.batch:
            batch, self.batch = self.batch, []
            notices = [p.parsed for p in batch]
            self.in_flight.append((batch, self._worker.submit(self._embed, notices)))
        while len(self.in_flight) > (0 if final else BATCHES_IN_FLIGHT):
            self._write(*self.in_flight[0])
            self.in_flight.popleft()

    def _embed(self, notices: list[ParsedNotice]) -> NoticeVectors:  # in the worker thread
        with timed(self.summary.seconds, "embed"):
            return embed_notices(notices, self.embedder, measure_vectors=self.settings.measure_vectors)

    def _write(self, batch: list[_Pending], embedding: Future[NoticeVectors]) -> None:
        with timed(self.summary.seconds, "embed_wait"):  # the part of "embed" that did not overlap
            vectors = embedding.result()
        bundles = assemble_bundles([(p.parsed, p.original_text) for p in batch], vectors,
                                   prototypes=self.prototypes, timings=self.summary.seconds)
        for bundle, pending in zip(bundles, batch, strict=True):
            if pending.versions:
                bundle.notice["versions"] = pending.versions
        if self.backend.begin_writing():
            kept = {id(p) for p in self._check_again(batch)}
            bundles = [b for b, p in zip(bundles, batch, strict=True) if id(p) in kept]
            batch = [p for p in batch if id(p) in kept]
        replaces = {p.parsed.notice_id: p.report.replaces for p in batch if p.report.replaces}
        try:
            with timed(self.summary.seconds, "write"):
                result = self.backend.write(bundles, replaces=replaces or None)
        except DiskFull as exc:
            # The notices stored before the space ran out are kept: their lines say so.
            self.report.release_reserve()
            self._report_batch(batch, WriteResult(written=exc.written), f"not stored: {one_line(exc)}")
            raise
        self._report_batch(batch, result, "backend refused the notice: not written")

    def _report_batch(self, batch: list[_Pending], result: WriteResult, not_written: str) -> None:
        written = set(result.written)
        for pending in batch:
            self.fingerprints.pop(pending.parsed.notice_id, None)  # written: the lexical leg finds it now
            report = pending.report
            reason = result.failed.get(report.notice_id or "")
            if reason is not None or report.notice_id not in written:
                report.outcome = Outcome.FAILED
                report.reason = f"backend refused the notice: {reason}" if reason is not None else not_written
                report.replaces = None
            else:
                self.stored += 1
            self._finish(report)

    def close(self) -> None:
        self._worker.shutdown(wait=True, cancel_futures=True)

    def abandon(self, files: Iterable[Path], reason: str) -> None:
        """The run stops: the batches not written and every file not reached get a failed line."""
        batch, self.batch = self.batch, []
        while self.in_flight:
            batch += self.in_flight.popleft()[0]
        for pending in batch:
            report = pending.report
            if report.source in self.finished:  # its line is written already (the batch that failed)
                continue
            report.outcome, report.replaces = Outcome.FAILED, None
            report.reason = f"not stored: the run stopped ({reason})"
            self._finish(report)
        for path in files:
            source = os.path.abspath(path)
            if source not in self.finished:
                self._finish(FileReport(source, Outcome.FAILED, reason=f"not ingested: the run stopped ({reason})"))


def ingest_paths(paths: Iterable[str | Path], settings: Settings, *, backend: Backend | None = None,
                 embedder: Embedder | None = None, progress: bool = True, report_path: str | Path | None = None,
                 batch_size: int = BATCH_NOTICES, origins: Mapping[str, Origin] | None = None,
                 follow_links: bool = False) -> IngestSummary:
    """Read, parse, tokenise, embed and store every supported file under ``paths``. Symbolic links
    out of a folder are followed only with ``follow_links``; every entry not read is reported.

    Each file's origin (source URL, name, publish date; :mod:`indexer.sources`) comes from
    ``origins`` (keyed by absolute path: an upload's fields), else from a manifest beside it. A
    notice already stored is stored again when its file now gives source details it lacks
    (outcome ``updated``); a manifest that cannot be read raises ManifestError before any write.

    Raises IncompatibleIndex (before writing anything) when the index holds another model's
    vectors or another dictionary's tokens; ConfigError / BackendUnavailable when the backend or
    model cannot be opened. Per-file problems never raise: they are counted and reported."""
    started = time.perf_counter()
    own_backend = backend is None
    backend = backend if backend is not None else open_backend(settings)
    try:
        embedder = embedder if embedder is not None else open_embedder(settings, backend=backend)
        backend.check_compatible(embedder.model_id, embedder.dims, DICTIONARY_VERSION)
        paths = list(paths)
        not_read: list[tuple[str, str]] = []
        files = list(read.iter_files(paths, follow_links=follow_links, skipped=not_read))
        manifests = Manifests(p for p in paths if Path(p).is_dir())
        given = {os.path.abspath(k): v for k, v in (origins or {}).items()}
        file_origins = [(path, (given.get(os.path.abspath(path)) or Origin()).over(manifests.origin_for(path)))
                        for path in files]
        summary = IngestSummary(files=len(files) + len(not_read))
        report = ReportFile(Path(report_path) if report_path else default_report_path(settings), files=len(files))
        summary.report_path = str(report.path)
        calls = RetryingBackend(backend, RetryParams.from_settings(settings))
        ingester = _Ingester(calls, embedder, settings, report, summary, batch_size)  # type: ignore[arg-type]
        for source, reason in not_read:
            ingester.skip(source, reason)
        cache_before = cache_counts(embedder)
        try:
            with show_progress(len(files), "ingest", "file", progress, every=settings.progress_seconds) as bar:
                for path, origin in file_origins:
                    ingester.add(path, origin)
                    bar.set_postfix(issues=summary.issues, failed=summary.failed, refresh=False)
                    bar.update()
                ingester.flush(final=True)
        except (BackendUnavailable, DiskFull) as exc:
            report.release_reserve()
            ingester.abandon(files, one_line(exc))
            message = (f"{one_line(exc)}; the ingest stopped after storing {ingester.stored} notice(s) in this run, "
                       f"which are kept: rerun the same command to resume (stored notices are skipped); "
                       f"report: {report.path}")
            raise (DiskFull(message, needed_mb=exc.needed_mb) if isinstance(exc, DiskFull)
                   else BackendUnavailable(message)) from exc
        finally:
            ingester.close()
            report.close()
            summary.vector_cache = cache_delta(cache_before, embedder)
        with timed(summary.seconds, "families"):
            families.after_change(backend, settings, changed=bool(summary.indexed or summary.replaced or summary.updated))
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
            families.after_change(backend, settings, changed=True)
        summary.deleted = ids
    finally:
        if own_backend:
            backend.close()
    return summary


def _with_versions(bundles: list[NoticeBundle], kept: dict[NoticeId, list[Document]]) -> list[NoticeBundle]:
    """Rebuilt notice records keep the earlier versions their stored records kept."""
    for bundle in bundles:
        if bundle.notice_id in kept:
            bundle.notice["versions"] = kept.pop(bundle.notice_id)
    return bundles


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
        embedder = embedder if embedder is not None else open_embedder(settings, backend=backend)
        prototypes: Prototypes | None = prototypes_for(embedder)
        try:
            # Also tells the backend which model and dictionary the rebuilt index is for.
            backend.check_compatible(embedder.model_id, embedder.dims, DICTIONARY_VERSION)
        except IncompatibleIndex as exc:
            summary.switched_from = str(exc)  # reindexing is how one switches: go on
        total = backend.info().notices
        cache_before = cache_counts(embedder)

        def bundles() -> Iterator[NoticeBundle]:
            with show_progress(total, "reindex", "notice", progress, every=settings.progress_seconds) as bar:
                batch: list[tuple[ParsedNotice, str | None]] = []
                kept: dict[NoticeId, list[Document]] = {}  # earlier versions, carried over
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
                    if record.get("versions"):
                        kept[parsed.notice_id] = record["versions"]
                    if len(batch) >= BATCH_NOTICES:
                        yield from _with_versions(build_bundles(batch, embedder, prototypes=prototypes,
                                                                measure_vectors=settings.measure_vectors), kept)
                        batch = []
                yield from _with_versions(build_bundles(batch, embedder, prototypes=prototypes,
                                                        measure_vectors=settings.measure_vectors), kept)

        result = backend.rebuild(bundles(), keep_old=keep_old)
        summary.vector_cache = cache_delta(cache_before, embedder)
        summary.notices = len(result.written)
        summary.failed.update(result.failed)
        families.after_change(backend, settings, changed=True)  # the new generation has none yet
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


def compact(settings: Settings) -> dict[str, int]:
    """Rewrite the embedded backend's lexical indexes as one segment each, in id order (done by
    itself after a bulk write and by ``reindex``; for a folder written before, or after many small
    updates). Returns the documents written, by collection (none for one already compact)."""
    if settings.backend != "embedded":
        raise ConfigError(f"compact: the {settings.backend} backend has no lexical segments of ours to rewrite "
                          "(Elasticsearch merges its own: its _forcemerge API)")
    from indexer.backends.embedded import EmbeddedBackend

    backend = open_backend(settings)
    try:
        assert isinstance(backend, EmbeddedBackend)
        return {target.value: written for target, written in backend.compact().items()}
    finally:
        backend.close()
