"""``python -m indexer``: parse, ingest, delete, reindex, stats. Each command parses its options,
calls one library function and prints."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import click

from indexer import quality_table
from indexer.backends import BACKENDS
from indexer.documents import issue_record, notice_record
from indexer.errors import BackendError, ConfigError
from indexer.settings import Settings, load_settings


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


@click.group()
def cli() -> None:
    """Index 巡察整改进展情况通报 notices."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--jsonl", "mode", flag_value="jsonl", default=True, help="one JSON object per issue (default)")
@click.option("--notices", "mode", flag_value="notices", help="one JSON object per notice with metadata and quality")
@click.option("--report", "mode", flag_value="report",
              help="a table for people: issues and sections found vs stated, statuses, complete, warnings")
def parse(paths: tuple[str, ...], mode: str) -> None:
    """Parse notices (files or folders) and print records. Errors go to stderr; the exit status
    is non-zero only when nothing could be read."""
    from indexer.parsing.parse import parse_paths  # here: the search server imports this module too

    if mode == "report":
        rows = [quality_table.Row(o.source, o.notice.quality if o.notice else None, o.error)
                for o in parse_paths(paths)]
        for line in quality_table.render(rows):
            click.echo(line)
        if not any(row.quality for row in rows):
            sys.exit(1)
        return
    read_any = False
    for outcome in parse_paths(paths):
        if outcome.error is not None:
            click.echo(f"error: {outcome.error}", err=True)
            continue
        read_any = True
        notice = outcome.notice
        assert notice is not None
        if mode == "notices":
            record = notice_record(notice)
            record.pop("text", None)
            record.pop("original_text", None)
            click.echo(_dump(record))
        else:
            for issue in notice.issues:
                record = issue_record(notice, issue)
                # What the parser read: null where the notice prints no status (the store files
                # such issues under fields.UNSTATED so that they can be filtered and counted).
                record["status"] = issue.status.value if issue.status else None
                record["truncated"] = issue.truncated  # the text ends inside this issue
                click.echo(_dump(record))
        for warning in notice.quality.warnings:
            click.echo(f"warning: {notice.source}: {warning}", err=True)
    if not read_any:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="python -m indexer")


# Shared options of the commands that talk to a backend (ingest, delete, reindex, stats).
def backend_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed((
        click.option("--backend", type=click.Choice(list(BACKENDS)), default=None,
                     help="search backend (default: setting XUNCHA_BACKEND, else embedded)"),
        click.option("--data", "data_dir", default=None, help="data folder of the embedded backend"),
        click.option("--es-url", default=None, help="Elasticsearch URL (default: ES_URL)"),
    )):
        fn = option(fn)
    return fn


def handle_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Configuration and backend errors end the command with one line and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ConfigError, BackendError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper


def _settings(**overrides: Any) -> Settings:
    return load_settings(**overrides)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="no progress bar")
json_option = click.option("--json", "as_json", is_flag=True, help="print the result as one JSON object")
model_option = click.option("--model", default=None,
                            help="embedding model (default: setting XUNCHA_MODEL); 'hashing' for a model-free run")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@backend_options
@model_option
@click.option("--report", "report_path", default=None, type=click.Path(dir_okay=False),
              help="JSON-lines report, one line per file (default: <data>/reports/ingest-<time>.jsonl)")
@click.option("--follow-links", is_flag=True,
              help="follow symbolic links that point out of the given folders (default: skip and report them)")
@quiet_option
@json_option
@handle_errors
def ingest(paths: tuple[str, ...], backend: str | None, data_dir: str | None, es_url: str | None,
           model: str | None, report_path: str | None, follow_links: bool, quiet: bool, as_json: bool) -> None:
    """Index notices (files or folders). Unchanged notices are skipped, changed files replace
    what was stored from them. Exit status 1 when nothing could be read or every file failed."""
    from indexer.pipeline import ingest_paths

    settings = _settings(backend=backend, data_dir=data_dir, es_url=es_url, model=model)
    summary = ingest_paths(paths, settings, progress=not quiet, report_path=report_path, follow_links=follow_links)
    if as_json:
        click.echo(_dump(summary.to_dict()))
    else:
        for failure in summary.failures:
            click.echo(f"failed: {failure.source}: {failure.reason}", err=True)
        click.echo(
            f"read {summary.read} of {summary.files} files, parsed {summary.parsed}, "
            f"issues {summary.issues}, measures {summary.measures}; "
            f"indexed {summary.indexed}, replaced {summary.replaced}, updated {summary.updated}, "
            f"skipped {summary.skipped} (unchanged), "
            f"empty {summary.empty}, failed {summary.failed}, warnings {summary.warnings}"
        )
        if summary.vector_cache is not None:
            click.echo(f"vector cache: {summary.vector_cache['hits']} hits, {summary.vector_cache['misses']} embedded")
        click.echo(f"report: {summary.report_path}")
    if not summary.ok:
        sys.exit(1)


@cli.command()
@click.argument("keys", nargs=-1, required=True)
@backend_options
@json_option
@handle_errors
def delete(keys: tuple[str, ...], backend: str | None, data_dir: str | None, es_url: str | None,
           as_json: bool) -> None:
    """Delete notices, each given by notice id or by source path. Exit status 1 when none matched."""
    from indexer.pipeline import delete_notices

    settings = _settings(backend=backend, data_dir=data_dir, es_url=es_url)
    summary = delete_notices(keys, settings)
    if as_json:
        click.echo(_dump(summary.to_dict()))
    else:
        for key in summary.missing:
            click.echo(f"not found: {key}", err=True)
        click.echo(f"deleted {len(summary.deleted)} notice(s)")
    if not summary.deleted:
        sys.exit(1)


@cli.command()
@backend_options
@model_option
@click.option("--keep-old", is_flag=True, help="keep the previous index after switching")
@quiet_option
@json_option
@handle_errors
def reindex(backend: str | None, data_dir: str | None, es_url: str | None, model: str | None,
            keep_old: bool, quiet: bool, as_json: bool) -> None:
    """Rebuild the index from the stored notices (no source files needed) and switch to it
    atomically; the old index serves until the switch."""
    from indexer.pipeline import reindex as run_reindex

    settings = _settings(backend=backend, data_dir=data_dir, es_url=es_url, model=model)
    summary = run_reindex(settings, keep_old=keep_old, progress=not quiet)
    if as_json:
        click.echo(_dump(summary.to_dict()))
    else:
        if summary.switched_from:
            click.echo(f"switched: {summary.switched_from}")
        for notice_id, reason in summary.failed.items():
            click.echo(f"kept without issues: {notice_id}: {reason}", err=True)
        click.echo(f"reindexed {summary.notices} notices, issues {summary.issues}, measures {summary.measures}, "
                   f"ids changed {summary.changed_ids}, failed {len(summary.failed)} "
                   f"in {summary.seconds:.1f}s")


@cli.command()
@backend_options
@json_option
@handle_errors
def compact(backend: str | None, data_dir: str | None, es_url: str | None, as_json: bool) -> None:
    """Rewrite the embedded index's keyword indexes as one segment each, in id order: searches pay
    per segment. Done by itself after a bulk ingest and by reindex; needs the writer lock."""
    from indexer.pipeline import compact as run_compact

    written = run_compact(_settings(backend=backend, data_dir=data_dir, es_url=es_url))
    if as_json:
        click.echo(_dump(written))
    else:
        click.echo(", ".join(f"{name}: {count} documents rewritten" for name, count in written.items())
                   or "already compact")


@cli.command()
@backend_options
@json_option
@handle_errors
def stats(backend: str | None, data_dir: str | None, es_url: str | None, as_json: bool) -> None:
    """Counts and the model / dictionary / schema the index was built with."""
    from indexer.pipeline import stats as run_stats

    info = run_stats(_settings(backend=backend, data_dir=data_dir, es_url=es_url))
    if as_json:
        click.echo(_dump(asdict(info)))
        return
    for name, value in asdict(info).items():
        if name != "extra":
            click.echo(f"{name:<20} {value if value is not None else '-'}")
    for name, value in info.extra.items():
        click.echo(f"{name:<20} {value}")
