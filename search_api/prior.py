"""The category prior: hits sharing a topic category (:mod:`indexer.categories`) with the example
of a query-by-example, or with the best hit of a typed issue search, rank higher — score × (1 +
``example_category_boost``), a soft prior, since issues judged alike share one far more often than
others (docs/ranking.md). A hit's categories come from a document already read, else from the
backend's keyword columns where it keeps them (:class:`~indexer.backends.base.ReadsKeywordValues`:
at 100k issues ~1 µs a hit against ~50 to read its document), else from its document, read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexer.backends.base import Backend
from indexer.types import DocId, Document, Target
from search_api.fuse import Fused, boost_sharing

FIELD = "categories"


def categories(backend: Backend, target: Target, ids: Sequence[DocId], docs: Mapping[DocId, Document]
               ) -> tuple[dict[DocId, Sequence[str]], dict[DocId, Document]]:
    """The categories of the hits ``ids`` (a hit gone has none), and ``docs`` with the documents
    read for them (kept for the page)."""
    labels: dict[DocId, Sequence[str]] = {i: docs[i].get(FIELD) or () for i in ids if i in docs}
    unread = [i for i in dict.fromkeys(ids) if i not in labels]
    columns = getattr(backend, "keyword_values", None)
    if unread and columns is not None:
        labels.update(columns(target, unread, FIELD))
        unread = [i for i in unread if i not in labels]
    read = {d["id"]: d for d in backend.get(target, unread, derived=False)} if unread else {}
    labels.update((i, d.get(FIELD) or ()) for i, d in read.items())
    return labels, {**docs, **read}


def boost(backend: Backend, target: Target, fused: list[Fused], docs: Mapping[DocId, Document],
          wanted: Sequence[str], factor: float, above: float = float("-inf")
          ) -> tuple[list[Fused], dict[DocId, Document]]:
    """``fused`` with the hits sharing a category of ``wanted`` boosted and re-sorted (stable), and
    ``docs`` with any read for it. Only the hits already read or scoring at least ``above`` are looked
    at (one below cannot reach the places the caller orders)."""
    ids = [f.doc_id for f in fused if f.doc_id in docs or f.score >= above]
    labels, docs = categories(backend, target, ids, docs)
    return boost_sharing(fused, labels, wanted, factor), docs
