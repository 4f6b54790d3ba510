"""The vector leg: query text → embedding (once per distinct text, cached) → cosine top-k.

The embedder is loaded once per process and shared by every request; its ``embed_queries``
adds the model's query prompt (e5: ``"query: "``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np

from indexer.backends.base import Backend, Filters
from indexer.documents import issue_of_measure
from indexer.embed import Embedder
from indexer.lru import Lru
from indexer.parsing.normalise import simplified_characters
from indexer.types import DocId, Hit, Leg, Target, Vector


def normalised_query(text: str) -> str:
    """The cache key and the text embedded: NFKC-folded (the model's tokenizer folds the same way,
    so the vector does not change), traditional characters made simplified as the word leg and
    the indexed notices have them (a query typed in traditional characters gets the same vector),
    whitespace runs collapsed, ends trimmed.

    >>> normalised_query(" 公车　私用  ＡＢＣ "), normalised_query("醫保基金")
    ('公车 私用 ABC', '医保基金')
    """
    return " ".join(simplified_characters(unicodedata.normalize("NFKC", text)).split())


def with_variants(text: str, forms: Sequence[str]) -> str:
    """What a short query's vector is made from when the variant list gave it other wordings: the
    query, a colon, then those forms, as a term and its gloss (a two- to four-character keyword says
    little to the model on its own; its listed official and colloquial forms say what it means).

    >>> with_variants("小金库", ["账外资金", "账外账"]), with_variants("医保基金", [])
    ('小金库：账外资金，账外账', '医保基金')
    """
    return f"{text}：{'，'.join(forms)}" if forms else text


class QueryEncoder:
    """Query embeddings with a small LRU cache keyed by :func:`normalised_query`: the process's one
    cache of query vectors (the model call itself is not serialised by it). The cache keeps each
    vector as the model's array (1.5 KiB at 384 float32 dims, against 12 KiB as a list of Python
    floats) and hands out the same values as a list."""

    def __init__(self, embedder: Embedder, cache_size: int = 1024) -> None:
        self.embedder = embedder
        self._cache: Lru[str, np.ndarray] = Lru(cache_size)

    def encode(self, text: str) -> Vector:
        text = normalised_query(text)
        cached = self._cache.get(text)
        if cached is not None:
            return cached.tolist()
        row = np.array(self.embedder.embed_queries([text])[0])  # a copy: not a view keeping the batch
        if row.dtype.kind != "f":
            row = row.astype(np.float64)
        self._cache.put(text, row)
        return row.tolist()


def run(backend: Backend, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
    """Cosine top-k under the same filters as the lexical leg; a cosine ≤ 0 (orthogonal or
    opposite: nothing in common) is not a match and is dropped."""
    if k <= 0:
        return []
    return [h for h in backend.vector(target, vector, filters, k) if h.score > 0]


def best_of_issue_and_measures(issue_hits: list[Hit], measure_hits: list[Hit], k: int) -> list[Hit]:
    """Issues ranked by their best cosine: their own vector's, or the best of their measures'.

    An issue's vector holds its problem and the opening of its measures (cut to the model's
    passage length); a measure item's vector holds one measure whole. A query about what was done
    (台账, 考勤, 公示 …) is often nearer one measure than the issue's blend (dev queries: semantic
    nDCG@10 0.546 → 0.675, docs/ranking.md).

    >>> best_of_issue_and_measures([Hit("a", 0.8, Leg.VECTOR)], [Hit("b-m2", 0.9, Leg.VECTOR),
    ...     Hit("a-m1", 0.85, Leg.VECTOR)], 5)
    [Hit(doc_id='b', score=0.9, leg=<Leg.VECTOR: 'vector'>), Hit(doc_id='a', score=0.85, leg=<Leg.VECTOR: 'vector'>)]
    """
    best: dict[DocId, float] = {}
    for hit in issue_hits:
        best[hit.doc_id] = max(best.get(hit.doc_id, hit.score), hit.score)
    for hit in measure_hits:
        issue = issue_of_measure(hit.doc_id)
        best[issue] = max(best.get(issue, hit.score), hit.score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [Hit(doc_id, score, Leg.VECTOR) for doc_id, score in ranked]


def best_of_family(owners: Sequence[DocId], matrix: np.ndarray, vector: Vector, k: int) -> list[Hit]:
    """Issues ranked by the best cosine of their rows (their own vector and their measures', as
    :meth:`~indexer.backends.base.RescoresIssueFamilies.issue_family_vectors` gives them): the
    ranking of :func:`best_of_issue_and_measures`, scored for given issues only; a cosine ≤ 0 is
    not a match.

    >>> best_of_family(["a", "a", "b"], np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]), [0.0, 2.0], 5)
    [Hit(doc_id='b', score=1.0, leg=<Leg.VECTOR: 'vector'>), Hit(doc_id='a', score=0.8, leg=<Leg.VECTOR: 'vector'>)]
    """
    if not len(owners):
        return []
    q = np.asarray(vector, dtype=np.float32).ravel()
    q = q / (np.linalg.norm(q) or 1.0)
    norms = np.linalg.norm(matrix, axis=1)
    scores = (matrix @ q) / np.where(norms > 0, norms, 1.0)
    best: dict[DocId, float] = {}  # a plain loop: a Hit per row (~1,000 of them) cost more than the ranking
    for owner, score in zip(owners, scores.tolist(), strict=True):
        if score > best.get(owner, 0.0):
            best[owner] = score
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [Hit(doc_id, score, Leg.VECTOR) for doc_id, score in ranked]
