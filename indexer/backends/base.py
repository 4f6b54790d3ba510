"""The backend contract. A backend stores documents and answers lexical top-k, vector top-k,
filters and facets; parsing, tokenising, embedding, fusion and highlighting are ours and shared.

Implementations: ``memory.py`` (in-process fake for tests), ``embedded.py`` (default: one data
folder — SQLite record store + tantivy + in-memory vector index), ``elastic.py`` (Elasticsearch 8).
A contract test suite (tests/test_backend_contract.py) runs against each of them.

Documents are flat dicts keyed by :mod:`indexer.fields`. Lexical ``TOKENS`` fields arrive already
tokenised (a list of tokens, or a space-joined string); ``vector`` arrives as a list of floats.

Construction: every backend class is registered in ``indexer.backends.BACKENDS`` and opened by
``indexer.backends.open_backend(settings)``, which calls the classmethod
``cls.from_settings(settings) -> cls`` (``EmbeddedBackend.from_settings`` builds
``EmbeddedBackend(settings.data_path, settings)``; ``ElasticBackend.from_settings`` builds
``ElasticBackend(settings)``). It is not part of the protocol below because callers never hold a
class; a class without it (the memory fake) is built with no arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol, runtime_checkable

import numpy as np

from indexer.errors import IncompatibleIndex
from indexer.types import DocId, Document, Hit, NoticeId, Target, Vector


def refuse_mismatch(have: tuple[str | None, int | None, str | None], model_id: str, dims: int,
                    dictionary_version: str) -> None:
    """Raise IncompatibleIndex when an index's (model, dims, dictionary) differ from the asked ones.

    One wording for every backend, so the CLI and API show the same message."""
    have_model, have_dims, have_dict = have
    if (have_model, have_dims) != (model_id, dims):
        raise IncompatibleIndex(
            f"the index holds vectors of model {have_model} ({have_dims} dims), not {model_id} ({dims} dims); "
            "reindex with the new model or configure the old one"
        )
    if have_dict != dictionary_version:
        raise IncompatibleIndex(
            f"the index was tokenised with dictionary {have_dict}, not {dictionary_version}; reindex"
        )


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of up to ``size`` items in order (itertools.batched arrives with Python 3.12).

    >>> list(batched(range(5), 2))
    [[0, 1], [2, 3], [4]]
    """
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass(frozen=True, slots=True)
class Filters:
    """Exact filters, applied identically by both legs.

    ``equals``: field → allowed values (any of them; several fields are ANDed).
    ``ranges``: integer field → (min, max), inclusive, either side optional.
    ``excludes``: field → values a document must not have.
    """

    equals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    excludes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.equals or self.ranges or self.excludes)


NO_FILTERS = Filters()


@dataclass(frozen=True, slots=True)
class LexicalQuery:
    """OR of tokens, each searched in every field with the field's boost times the term's weight
    (BM25, k1=1.2, b=0.75).

    ``terms`` are already tokenised with :func:`indexer.tokenise.tokenise_query`; user text never
    reaches any query-string syntax.
    """

    terms: tuple[str, ...]
    boosts: Mapping[str, float]  # TOKENS field name → weight
    # term → weight of that term (a variant of the user's word weighs less); absent: 1.0
    weights: Mapping[str, float] = field(default_factory=dict)

    def weight(self, term: str) -> float:
        return self.weights.get(term, 1.0)

    def literal_terms(self) -> list[str]:
        """The terms of the user's own words (a variant term has a weight of its own)."""
        return [t for t in self.terms if t not in self.weights]


@dataclass(slots=True)
class NoticeBundle:
    """Everything stored for one notice: written and deleted as one unit."""

    notice_id: NoticeId
    source: str
    notice: Document  # notice-level record: metadata, normalised text, original text, quality report
    issues: list[Document]
    measures: list[Document]


@dataclass(slots=True)
class WriteResult:
    written: list[NoticeId] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # notice or document id → reason


@dataclass(slots=True)
class IndexInfo:
    backend: str  # "memory" | "embedded" | "elasticsearch"
    location: str  # data folder or cluster URL + alias
    model_id: str | None
    dims: int | None
    dictionary_version: str | None
    schema_version: int
    notices: int
    issues: int
    measures: int
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Backend(Protocol):
    """What the indexer and the search core need from a store. One line per method says its contract."""

    name: str

    def info(self) -> IndexInfo:
        """Counts and the model / dictionary / schema the index was built with."""

    def check_compatible(self, model_id: str, dims: int, dictionary_version: str) -> None:
        """Raise IncompatibleIndex if the index holds vectors or tokens of another model or dictionary.

        An empty index adopts the given values."""

    def notice_id_for_source(self, source: str) -> NoticeId | None:
        """The id of the notice last stored from this source, if any (for replace-on-change)."""

    def has_notice(self, notice_id: NoticeId) -> bool:
        """True if this notice (same normalised text) is stored."""

    def begin_writing(self) -> bool:
        """Become the index's only writer now, where the backend has such a lock (the embedded
        one's ``writer.lock``, held until close), and see what others committed before. True when
        this call took the lock: whatever was checked against the index before may be stale.
        False when it was already held, or the backend has no writer lock."""

    def write(self, bundles: Sequence[NoticeBundle], replaces: Mapping[NoticeId, NoticeId] | None = None) -> WriteResult:
        """Store whole notices; each notice's documents become visible together, and
        ``replaces`` (new id → old id) removes the old notice in the same step."""

    def delete_notices(self, notice_ids: Sequence[NoticeId]) -> int:
        """Remove notices with all their issues and measures; returns how many existed."""

    def lexical(self, target: Target, query: LexicalQuery, filters: Filters, k: int) -> list[Hit]:
        """BM25 top-k over the TOKENS fields, best first, restricted by filters."""

    def vector(self, target: Target, vector: Vector, filters: Filters, k: int) -> list[Hit]:
        """Cosine top-k over ``vector``, best first, restricted by the same filters (exact or recall ≥ 0.98)."""

    def facets(self, target: Target, filters: Filters, fields: Sequence[str], query: LexicalQuery | None = None,
               size: int = 50) -> dict[str, list[tuple[str, int]]]:
        """Per field, (value, count) pairs, most frequent first, over documents passing the filters
        and, when ``query`` is given, matching at least one of its terms."""

    def count_facets(self, target: Target, ids: Sequence[DocId], fields: Sequence[str],
                     size: int = 50) -> dict[str, list[tuple[str, int]]]:
        """Per field, (value, count) pairs over exactly the given (distinct) documents — each distinct
        value of a document once, as a string — most frequent first, ties by value; unknown ids are
        left out (the facets of a result list: :mod:`indexer.backends.facet_columns`)."""

    def get(self, target: Target, ids: Sequence[DocId], *, derived: bool = True) -> list[Document]:
        """Documents by id, in the order asked; missing ids are left out. ``derived=False``: fields
        computed from others (``Field.derived_from``: the bigrams) may be left out, for reads
        that do not need them (recomputing them costs more than the read)."""

    def get_vectors(self, target: Target, ids: Sequence[DocId]) -> dict[DocId, Vector]:
        """Stored vectors by document id (for query-by-example)."""

    def get_notice(self, notice_id: NoticeId) -> Document | None:
        """The notice-level record, with ``issue_ids`` in order."""

    def iter_notices(self) -> Iterator[Document]:
        """Every stored notice record (with its original text), for rebuilding an index."""

    def scan(self, target: Target, fields: Sequence[str], *, vectors: bool = False,
             batch: int = 1000) -> Iterator[tuple[list[Document], np.ndarray | None]]:
        """Every stored document of a collection, a batch at a time, in no particular order: each
        reduced to ``id`` and ``fields`` (absent ones left out); with ``vectors`` their vectors as
        one float32 array, a row per document (zeros where one has none). Whole-index work
        (problem families, :mod:`indexer.families`) reads the index through this."""

    def put_derived(self, name: str, data: bytes) -> None:
        """Store data computed from the whole index under ``name``, with the live generation
        (a rebuild starts without it; whoever rebuilds computes it again)."""

    def get_derived(self, name: str) -> bytes | None:
        """What :meth:`put_derived` stored under ``name`` for the live generation, if anything."""

    def rebuild(self, bundles: Iterable[NoticeBundle], *, keep_old: bool = False) -> WriteResult:
        """Build a fresh index from bundles and switch to it atomically once complete;
        the old index serves until then (and is kept if ``keep_old``). The fresh index records the
        model / dictionary of the last ``check_compatible`` call, even one that raised (that is
        how ``reindex`` switches model or dictionary)."""

    def close(self) -> None:
        """Release files, locks and connections."""


@runtime_checkable
class SearchesBothLegs(Protocol):
    """Optional: a backend that runs both legs in one round trip (Elasticsearch: one ``msearch``).
    The search core uses it when ``isinstance(backend, SearchesBothLegs)``, else calls both legs."""

    def search_both(self, target: Target, query: LexicalQuery, vector: Vector, filters: Filters,
                    k_lexical: int, k_vector: int) -> tuple[list[Hit], list[Hit]]:
        """Exactly ``(lexical(target, query, filters, k_lexical), vector(target, vector, filters, k_vector))``."""


class RescoresIssueFamilies(Protocol):
    """Optional: a backend that reads the stored vectors of given issues and of their measures
    in one go, so the search core can score measure vectors for its candidate issues only
    (the cost no longer grows with the corpus). Without it (Elasticsearch, whose kNN over the
    measures is cheap) the core searches the measure vectors like any other vector leg."""

    def issue_family_vectors(self, issue_ids: Sequence[DocId]) -> tuple[list[DocId], np.ndarray]:
        """``(owners, matrix)``: one row per stored vector of each issue and of each of its
        measures, ``owners[i]`` the issue id row ``i`` belongs to; ids without vectors are left out."""


class FindsTermsHeld(Protocol):
    """Optional: a backend that tells from its lexical index which query terms a search leg's
    hits hold, so the relevance floor (search_api.floor) need not read their documents."""

    def terms_held(self, target: Target, ids: Sequence[DocId], fields: Sequence[str],
                   terms: Sequence[str]) -> dict[DocId, set[str]]:
        """Those of ``terms`` each document holds as a token of one of ``fields`` (a stored token
        field split on whitespace: a term holding whitespace is never one), for the documents of
        ``ids`` it can tell (the rest are left out: read them); a document gone holds none."""


class ReadsKeywordValues(Protocol):
    """Optional: a backend that keeps keyword fields in columns (the embedded one, for its filters
    and facets) and reads a hit's values there, not from its document (the category prior)."""

    def keyword_values(self, target: Target, ids: Sequence[DocId], name: str) -> dict[DocId, list[str]]:
        """The values of the keyword field ``name`` of the documents of ``ids`` it can tell (a
        search leg found them; the rest are left out: read them), as the document lists them."""
