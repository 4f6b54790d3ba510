"""``python -m indexer``: parse, ingest, delete, reindex, stats. Each command parses its options,
calls one library function and prints."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from indexer.documents import issue_record, notice_record
from indexer.parse import parse_paths


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


@click.group()
def cli() -> None:
    """Index 巡察整改进展情况通报 notices."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--jsonl", "mode", flag_value="jsonl", default=True, help="one JSON object per issue (default)")
@click.option("--notices", "mode", flag_value="notices", help="one JSON object per notice with metadata and quality")
def parse(paths: tuple[str, ...], mode: str) -> None:
    """Parse notices (files or folders) and print records. Errors go to stderr; the exit status
    is non-zero only when nothing could be read."""
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
                click.echo(_dump(issue_record(notice, issue)))
        for warning in notice.quality.warnings:
            click.echo(f"warning: {notice.source}: {warning}", err=True)
    if not read_any:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="python -m indexer")


# Shared options of the commands that talk to a backend (ingest, delete, reindex, stats).
def backend_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed((
        click.option("--backend", type=click.Choice(["embedded", "elasticsearch", "memory"]), default=None,
                     help="search backend (default: setting XUNCHA_BACKEND, else embedded)"),
        click.option("--data", "data_dir", default=None, help="data folder of the embedded backend"),
        click.option("--es-url", default=None, help="Elasticsearch URL (default: ES_URL)"),
    )):
        fn = option(fn)
    return fn
