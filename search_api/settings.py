"""The HTTP server's settings (address, API key, CORS, body limits), declared like every other
setting (:mod:`indexer.settings`) on a subclass of the indexer's settings.

    >>> load_api_settings({"XUNCHA_MAX_BODY_KB": "8"}).max_body_kb
    8
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from indexer.settings import Settings, setting


@dataclass(frozen=True, slots=True)
class ApiSettings(Settings):
    """Settings of the API server: the indexer's and the search core's, plus the HTTP ones."""

    # serving
    host: str = setting("127.0.0.1", "address the API listens on")
    port: int = setting(8000, "port the API listens on")
    workers: int = setting(1, "server processes sharing the port (serve): 2 on two cores answers ~1.7x the requests "
        "under load, each process holding the index and the model (2x the memory; docs/scaling.md)")
    pin_workers: bool = setting(True, "with no more workers than the CPUs the server may use, keep each worker on a CPU "
        "of its own (its caches stay warm, no migration; 100k issues, 2 workers: p99 -12 to -20 ms; docs/scaling.md); "
        "a worker so kept runs with threads 1 (its search's legs one after the other: no second CPU to run them beside)")
    search_slots: int = setting(1, "searches one server process runs at once; the others wait their turn, first come "
        "first served (cheap requests never wait). 1: one at a time costs less CPU than several sharing the GIL "
        "(100k issues, 2 workers: 37-38 ms a request against 42.6 with 2; one process: the same; docs/scaling.md)")
    # access
    api_key: str | None = setting(None, "API key required by endpoints that change data (upload, delete, reindex), sent as "
        "X-API-Key or Authorization: Bearer; unset: those endpoints are disabled", secret=True)
    protect_reads: bool = setting(False, "require the API key for read endpoints and pages too (/healthz, /readyz stay open)")
    cors_origins: str = setting("", "comma-separated origins allowed by CORS, or * (closed when empty)")
    max_upload_mb: int = setting(20, "largest upload (POST /api/notices request body) accepted, in MB")
    max_body_kb: int = setting(64, "largest request body accepted by every other endpoint, in KB")

    @classmethod
    def of(cls, settings: Settings) -> ApiSettings:
        """``settings`` as ApiSettings: given ones as they are, a plain Settings with the HTTP defaults."""
        return settings if isinstance(settings, cls) else cls(**asdict(settings))


def load_api_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> ApiSettings:
    """API settings from defaults, then the environment, then explicit overrides."""
    return ApiSettings.load(environ, **overrides)
