"""The vector leg: query text → embedding (once per distinct text, cached) → cosine top-k.

The embedder is loaded once per process and shared by every request; its ``embed_queries``
adds the model's query prompt (e5: ``"query: "``).
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict

from indexer.backends.base import Backend, Filters
from indexer.embed import Embedder
from indexer.types import Hit, Target, Vector


def normalised_query(text: str) -> str:
    """The cache key and the text embedded: NFKC-folded (the model's tokenizer folds the same way,
    so the vector does not change), whitespace runs collapsed, ends trimmed.

    >>> normalised_query(" 公车　私用  ＡＢＣ ")
    '公车 私用 ABC'
    """
    return " ".join(unicodedata.normalize("NFKC", text).split())


class QueryEncoder:
    """Query embeddings with a small LRU cache keyed by :func:`normalised_query` (thread-safe;
    the model call itself is not serialised by the cache)."""

    def __init__(self, embedder: Embedder, cache_size: int = 1024) -> None:
        self.embedder = embedder
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, text: str) -> Vector:
        text = normalised_query(text)
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
        vector = [float(x) for x in self.embedder.embed_queries([text])[0]]
        if self.cache_size > 0:
            with self._lock:
                self._cache[text] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return vector


def run(backend: Backend, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
    """Cosine top-k under the same filters as the lexical leg; a cosine ≤ 0 (orthogonal or
    opposite: nothing in common) is not a match and is dropped."""
    if k <= 0:
        return []
    return [h for h in backend.vector(target, vector, filters, k) if h.score > 0]
