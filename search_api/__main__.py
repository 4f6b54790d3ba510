"""``python -m search_api``: ``serve`` (the API over an existing index) and ``demo`` (the README's
first command: ingest the bundled fictional sample notices if they are not stored yet, then serve).

    python -m search_api demo --host 127.0.0.1 --port 8000
    python -m search_api serve --data data --port 8000
    python -m search_api serve --get "/api/search?q=医保基金&size=3"   # one request, no server
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from indexer.cli import backend_options, model_option
from indexer.errors import XunchaError
from indexer.settings import Settings
from search_api.banner import announce_when_ready, base_url
from search_api.settings import ApiSettings, load_api_settings

SAMPLES = Path(__file__).resolve().parent.parent / "indexer" / "samples"


# glibc gives each thread that allocates its own malloc arena (up to 8 per core), and each keeps
# what it freed: with the request and search threads of a loaded server that is memory never given
# back. Two arenas: 1M issues, 4 clients for 60 s, anonymous RSS 556 -> 517 MiB, same CPU per request.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
# glibc serves blocks above a threshold with their own mapping, but raises the threshold to the size of
# each such block freed (up to 32 MiB): a search's temporary arrays (masks, candidate lists: MiBs at
# 1M rows) then come from the heap and stay there once freed. A fixed threshold keeps the largest
# mapped and returned (1M issues, bench_api: anonymous RSS 442 -> 397 MiB at 256 KiB). Not lower than
# 4 MiB: every block above it is mapped, zero-filled page by page and unmapped again on each search —
# a search's family-vector matrices and decoded rows (~1 MiB at 100k issues) cost page faults that
# were ~5% of a loaded server's CPU at 256 KiB (100k issues, 2 workers: 28.1-28.9 against 30.1-31.3 ms
# a request; 1M: anonymous RSS 337 MiB against 311; docs/scaling.md, session 12).
MALLOC_MMAP_THRESHOLD = 4 * 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def tune_malloc(arenas: int = MALLOC_ARENAS) -> bool:
    """Tune glibc's malloc before the server starts its threads: the mapping threshold fixed at
    ``MALLOC_MMAP_THRESHOLD`` (unless ``MALLOC_MMAP_THRESHOLD_`` says it) and the arenas capped at
    ``arenas`` (unless ``MALLOC_ARENA_MAX`` says how many). Whether the arenas were capped (not with
    another C library)."""
    import ctypes
    import os

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD)
        mallopt(_M_TRIM_THRESHOLD, 2 * MALLOC_MMAP_THRESHOLD)
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))


def _serve(app: Any, settings: ApiSettings) -> None:
    """Run the server; the banner (search_api.banner) is printed once it listens and the search
    service is ready."""
    import uvicorn

    from search_api.server_workers import uvicorn_config

    tune_malloc()
    server = uvicorn.Server(uvicorn_config(app, settings))
    app.state.search.settle_heap()  # once loaded (the lifespan loads it in the background)
    announce_when_ready(app, click.echo, lambda: server.started)
    server.run()


def _get(app: Any, path: str) -> int:
    """Run one request through the app in-process and print the JSON; 0 for a 2xx answer."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        app.state.search.wait()
        response = client.get(path)
    try:
        body = response.json()
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    except ValueError:
        click.echo(response.text)
    return 0 if response.status_code < 300 else 1


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _common(fn: Any) -> Any:
    """The options of both commands: the indexer's backend and model options, then where to listen."""
    for option in reversed((
        backend_options,
        model_option,
        click.option("--host", default=None, help="address to listen on (default: setting XUNCHA_HOST, else 127.0.0.1)"),
        click.option("--port", type=int, default=None, help="port to listen on (default: setting XUNCHA_PORT, else 8000)"),
    )):
        fn = option(fn)
    return fn


@click.group()
def cli() -> None:
    """Search API over 巡察整改 notices."""


@cli.command()
@_common
@click.option("--workers", type=int, default=None,
              help="server processes sharing the port, each loading the index and the model (default: setting "
                   "XUNCHA_WORKERS, else 1); with several, the port opens once all have loaded")
@click.option("--get", "get_path", default=None, metavar="PATH",
              help='answer one request in-process and print it, e.g. --get "/api/search?q=招标"')
def serve(backend: str | None, data_dir: str | None, es_url: str | None, model: str | None, host: str | None,
          port: int | None, workers: int | None, get_path: str | None) -> None:
    """Serve the API over an existing index (the model loads in the background; see /readyz)."""
    from search_api.app import create_app
    from search_api.server_workers import check_workers, serve_workers

    try:
        settings = load_api_settings(data_dir=data_dir, backend=backend, es_url=es_url, model=model, host=host,
                                     port=port, workers=workers)
        check_workers(settings)
    except XunchaError as exc:
        _fail(str(exc))
    if get_path:
        sys.exit(_get(create_app(settings), get_path))
    if settings.workers > 1:
        click.echo(f"starting {settings.workers} worker processes on {base_url(settings)}: each loads the index "
                   f"and the model ({settings.model}); the port opens once all have …")
        try:
            sys.exit(serve_workers(settings, click.echo))
        except XunchaError as exc:
            _fail(str(exc))
    click.echo(f"starting on {base_url(settings)}: loading the index and the model ({settings.model}) …")
    _serve(create_app(settings), settings)


def prepare_demo(settings: Settings, samples: str | Path = SAMPLES, *, progress: bool = True) -> tuple[Any, Any, Any]:
    """Open the backend and the model, and ingest the sample notices unless already stored
    (ingest skips unchanged notices). Returns (backend, embedder, ingest summary)."""
    from indexer.backends import open_backend
    from indexer.embed import open_embedder
    from indexer.pipeline import ingest_paths

    store = open_backend(settings)
    try:
        embedder = open_embedder(settings, backend=store)  # the embedded store is its own vector cache
        summary = ingest_paths([samples], settings, backend=store, embedder=embedder, progress=progress)
    except BaseException:
        store.close()
        raise
    return store, embedder, summary


@cli.command()
@_common
@click.option("--samples", type=click.Path(exists=True, file_okay=False), default=str(SAMPLES), show_default=False,
              help="folder of notices to ingest (default: the bundled fictional samples)")
def demo(backend: str | None, data_dir: str | None, es_url: str | None, model: str | None, host: str | None,
         port: int | None, samples: str) -> None:
    """Ingest the bundled sample notices (if not stored yet) and serve the API."""
    from search_api.app import create_app

    try:
        settings = load_api_settings(data_dir=data_dir, backend=backend, es_url=es_url, model=model, host=host,
                                     port=port)
        click.echo(f"indexing the sample notices into the {settings.backend} index at "
                   f"{settings.data_path.resolve()} (model {settings.model}) …")
        store, embedder, summary = prepare_demo(settings, samples)
    except XunchaError as exc:
        _fail(str(exc))
    click.echo(f"samples: {summary.files} files, {summary.indexed} indexed, {summary.skipped} already stored, "
               f"{summary.replaced} replaced, {summary.updated} updated, {summary.empty} without issues, {summary.failed} failed")
    for failure in summary.failures:
        click.echo(f"  failed: {failure.source}: {failure.reason}", err=True)
    app = create_app(settings, store, embedder)
    app.state.search.service().warm_up()
    try:
        _serve(app, settings)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="python -m search_api")


if __name__ == "__main__":
    main()
