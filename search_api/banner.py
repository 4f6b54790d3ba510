"""The start-up banner of ``python -m search_api serve`` / ``demo``: where the page is, where the
data lives, what the index holds, and whether writes are enabled (and how to enable them).

    >>> from search_api.settings import load_api_settings
    >>> from indexer.backends.base import IndexInfo
    >>> info = IndexInfo("embedded", "/srv/xuncha/data", "e5-small", 384, "d1", 3, notices=12, issues=180, measures=600)
    >>> print(banner(load_api_settings({}), info))  # doctest: +NORMALIZE_WHITESPACE
    xuncha-search is ready
      page     http://127.0.0.1:8000/   (API docs: http://127.0.0.1:8000/docs)
      data     /srv/xuncha/data
      index    12 notices, 180 issues (embedded backend, model e5-small)
      writes   disabled: no API key is set. To upload, delete or reindex, restart with XUNCHA_API_KEY=<a long secret>
      reads    open to everyone on this address
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from indexer.backends.base import IndexInfo
from search_api.settings import ApiSettings

LABEL_WIDTH = 8
POLL_SECONDS = 0.2


def base_url(settings: ApiSettings) -> str:
    """``http://host:port`` as a browser on this machine reaches it."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"  # listening on every address: this one works locally
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _line(label: str, value: str) -> str:
    return f"  {label:<{LABEL_WIDTH}} {value}"


def _data_location(info: IndexInfo) -> str:
    if info.backend == "memory":
        return "in memory only: nothing is kept after the server stops"
    return info.location


def _writes(settings: ApiSettings, url: str) -> str:
    if settings.api_key:
        return f"enabled with the API key (XUNCHA_API_KEY); upload page: {url}/upload"
    return ("disabled: no API key is set. To upload, delete or reindex, restart with "
            "XUNCHA_API_KEY=<a long secret>")


def _reads(settings: ApiSettings, url: str) -> str:
    if not settings.protect_reads:
        return "open to everyone on this address"
    if not settings.api_key:
        return "refused: XUNCHA_PROTECT_READS is set but no API key is (set XUNCHA_API_KEY)"
    return f"protected by the API key (XUNCHA_PROTECT_READS); sign in at {url}/login"


def banner(settings: ApiSettings, info: IndexInfo) -> str:
    """The banner's lines, for an index described by ``info``."""
    url = base_url(settings)
    model = info.model_id or settings.model
    return "\n".join([
        "xuncha-search is ready",
        _line("page", f"{url}/   (API docs: {url}/docs)"),
        _line("data", _data_location(info)),
        _line("index", f"{info.notices} notices, {info.issues} issues ({info.backend} backend, model {model})"),
        _line("writes", _writes(settings, url)),
        _line("reads", _reads(settings, url)),
        *([_line("workers", f"{settings.workers} processes, each with the index and the model loaded")]
          if settings.workers > 1 else []),
    ])


def announce_when_ready(app: Any, echo: Callable[[str], Any], listening: Callable[[], bool] = lambda: True, *,
                        timeout: float | None = None) -> threading.Thread:
    """Print the banner once the server listens (``listening()``) and the app's search service has
    loaded (``serve`` loads it in the background after the server starts), or say why it failed
    to load. Returns the daemon thread."""

    def wait() -> None:
        holder = app.state.search
        deadline = None if timeout is None else time.monotonic() + timeout
        while holder.status == "loading" or (holder.status == "ready" and not listening()):
            if deadline is not None and time.monotonic() > deadline:
                return
            time.sleep(POLL_SECONDS)
        if holder.status != "ready":
            echo(f"xuncha-search could not start its search service: {holder.detail}")
            return
        try:
            info = holder.service().backend.info()
        except Exception as exc:  # noqa: BLE001 - the banner must never take the server down
            echo(f"xuncha-search is up, but the index cannot be read: {exc}")
            return
        echo(banner(app.state.settings, info))

    thread = threading.Thread(target=wait, name="banner", daemon=True)
    thread.start()
    return thread
