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

from indexer.errors import XunchaError
from indexer.settings import Settings, load_settings

SAMPLES = Path(__file__).resolve().parent.parent / "indexer" / "samples"


def _settings(**overrides: Any) -> Settings:
    return load_settings(**overrides)


def _serve(app: Any, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


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
    for option in reversed((
        click.option("--data", "data_dir", default=None, help="data folder of the embedded backend"),
        click.option("--backend", type=click.Choice(["embedded", "elasticsearch", "memory"]), default=None,
                     help="search backend (default: setting XUNCHA_BACKEND, else embedded)"),
        click.option("--model", default=None, help="embedding model (default: setting XUNCHA_MODEL)"),
        click.option("--host", default=None, help="address to listen on (default 127.0.0.1)"),
        click.option("--port", type=int, default=None, help="port to listen on (default 8000)"),
    )):
        fn = option(fn)
    return fn


@click.group()
def cli() -> None:
    """Search API over 巡察整改 notices."""


@cli.command()
@_common
@click.option("--get", "get_path", default=None, metavar="PATH",
              help='answer one request in-process and print it, e.g. --get "/api/search?q=招标"')
def serve(data_dir: str | None, backend: str | None, model: str | None, host: str | None, port: int | None,
          get_path: str | None) -> None:
    """Serve the API over an existing index (the model loads in the background; see /readyz)."""
    from search_api.app import create_app

    try:
        settings = _settings(data_dir=data_dir, backend=backend, model=model, host=host, port=port)
    except XunchaError as exc:
        _fail(str(exc))
    app = create_app(settings)
    if get_path:
        sys.exit(_get(app, get_path))
    click.echo(f"serving http://{settings.host}:{settings.port}/api  (docs: /docs, readiness: /readyz)")
    _serve(app, settings)


def prepare_demo(settings: Settings, samples: str | Path = SAMPLES, *, progress: bool = True) -> tuple[Any, Any, Any]:
    """Open the backend and the model, and ingest the sample notices unless already stored
    (ingest skips unchanged notices). Returns (backend, embedder, ingest summary)."""
    from indexer.backends import open_backend
    from indexer.embed import open_embedder
    from indexer.pipeline import ingest_paths

    store = open_backend(settings)
    try:
        embedder = open_embedder(settings)
        summary = ingest_paths([samples], settings, backend=store, embedder=embedder, progress=progress)
    except BaseException:
        store.close()
        raise
    return store, embedder, summary


@cli.command()
@_common
@click.option("--samples", type=click.Path(exists=True, file_okay=False), default=str(SAMPLES), show_default=False,
              help="folder of notices to ingest (default: the bundled fictional samples)")
def demo(data_dir: str | None, backend: str | None, model: str | None, host: str | None, port: int | None,
         samples: str) -> None:
    """Ingest the bundled sample notices (if not stored yet) and serve the API."""
    from search_api.app import create_app

    try:
        settings = _settings(data_dir=data_dir, backend=backend, model=model, host=host, port=port)
        click.echo(f"indexing the sample notices into the {settings.backend} index at "
                   f"{settings.data_path.resolve()} (model {settings.model}) …")
        store, embedder, summary = prepare_demo(settings, samples)
    except XunchaError as exc:
        _fail(str(exc))
    click.echo(f"samples: {summary.files} files, {summary.indexed} indexed, {summary.skipped} already stored, "
               f"{summary.replaced} replaced, {summary.empty} without issues, {summary.failed} failed")
    for failure in summary.failures:
        click.echo(f"  failed: {failure.source}: {failure.reason}", err=True)
    info = store.info()
    click.echo(f"index: {info.notices} notices, {info.issues} issues, {info.measures} measures "
               f"({info.backend}, model {info.model_id})")
    app = create_app(settings, store, embedder)
    app.state.search.service().warm_up()
    base = f"http://{settings.host}:{settings.port}"
    click.echo(f"serving {base}/  — try {base}/api/search?q=医保基金  (API docs: {base}/docs)")
    try:
        _serve(app, settings)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="python -m search_api")


if __name__ == "__main__":
    main()
