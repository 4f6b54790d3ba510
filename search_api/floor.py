"""The relevance floor: which fused hits are good enough to show, count in the total and the
facets, and export. A query with no good answer gets no hits.

Two steps, each on evidence either leg gives:

* **coverage** of a hit found by words: the share of the query's specificity it contains — each
  literal term weighted by its idf (jieba's general-Chinese table, as for term selection), a
  variant term by its idf × its weight, capped at 1. A document matching only the generic half
  of a query (存在 of "zzqqxx不存在的东西") covers little.
* **cosine** of a hit found by meaning. Cosines of this model are compressed (unrelated texts
  score 0.75–0.85, and longer queries score higher against everything), so absolute values are
  only used for the answer gate, calibrated on judged data (docs/ranking.md).

1. **Answer gate**: when some of the query's words are found, the query has an answer only if
   some hit covers ≥ ``answer_coverage`` of it (:func:`concept_coverage`: here another wording of
   a listed variant group found whole counts as the query's own — the list says it names the same
   thing, so a notice saying 考勤 answers 迟到早退 even though the form weighs less in ranking) — words found but only the generic part of the
   query mean the corpus holds something else (an education query in a health corpus finds
   only its generic words, none of its subject). When none of its words is found (a variant wording the list does not
   know, or no words at all), only meaning can judge: the best cosine must reach
   ``answer_similarity``, calibrated between wordless nonsense (punctuation, emoji, random
   letters) and the weakest real query — but in a hybrid search only if the bigram leg found some
   character pair of it (a word jieba cut another way): not one word, variant or pair found means
   its subject is not in the corpus. Otherwise the query gets no hits at all.
2. **Per hit**: a hit stays if its coverage is ≥ ``min_coverage`` or its cosine is within
   ``similarity_window`` of the query's best cosine, or — a hit of the bigram leg — it contains
   ≥ ``min_bigram_coverage`` of the query's distinct character bigrams. The bigram leg never
   opens the answer gate: it matches pieces of words (存在 of 不存在), so a query whose words
   are not found stays unanswered whatever bigrams match.

    >>> round(coverage(("医保", "基金"), {}, {"医保"}, lambda t: {"医保": 3.0, "基金": 1.0}[t]), 2)
    0.75
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from indexer.backends.base import LexicalQuery
from indexer.documents import field_bigram_text
from indexer.fields import field_named
from indexer.lru import Lru
from indexer.tokenise import general_idf
from indexer.types import DocId, Document, Hit, Leg, Target
from search_api.fuse import Fused


def doc_tokens(doc: Document, fields: Iterable[str]) -> set[str]:
    """The tokens of a stored document in the given TOKENS fields."""
    out: set[str] = set()
    for name in fields:
        value = doc.get(name)
        if isinstance(value, str):
            out.update(value.split())
        elif isinstance(value, list):
            out.update(str(v) for v in value)
    return out


def share(terms: Sequence[str], tokens: set[str]) -> float:
    """Share of the distinct terms found in ``tokens`` (0 without terms): a bigram hit's coverage.

    >>> share(("医保", "保基", "基金", "医保"), {"医保", "基金"})
    0.6666666666666666
    """
    distinct = set(terms)
    return len(distinct & tokens) / len(distinct) if distinct else 0.0


def bigram_share(terms: Sequence[str], doc: Document, fields: Iterable[str], target: Target) -> float:
    """:func:`share` of a document's bigrams in the given BIGRAMS fields: the stored tokens when
    the document has them, else looked up in the texts they derive from (a document read with
    ``derived=False``: listing every bigram of a hundred hits costs more than finding the
    query's few).

    >>> bigram_share(("公车", "车私", "私用", "用车"), {"problem": "公車私用", "measures": []}, ["bigram_tokens"], Target.ISSUES)
    0.75
    """
    distinct = set(terms)
    if not distinct:
        return 0.0
    names = list(fields)
    if all(name in doc for name in names):
        return share(terms, doc_tokens(doc, names))
    text = "\n".join(field_bigram_text(doc, field_named(name, target)) for name in names)
    return sum(term in text for term in distinct) / len(distinct)


def coverage(terms: Sequence[str], weights: Mapping[str, float], tokens: set[str],
             idf: Callable[[str], float]) -> float:
    """Share of the query's specificity found in ``tokens``: Σ idf × weight of the terms present
    over Σ idf of the literal terms (weight 1), at most 1; 0 for a query without literal terms."""
    total = sum(idf(t) for t in terms if t not in weights)
    if total <= 0:
        return 0.0
    found = sum(idf(t) * weights.get(t, 1.0) for t in terms if t in tokens)
    return min(1.0, found / total)


def answer_threshold(literal_terms: int, answer_coverage: float, *, short_terms: int,
                     short_answer_coverage: float) -> float:
    """The coverage the answer gate asks of a query with ``literal_terms`` words: a short query is
    mostly its subject, so finding its generic half (学术 of 学术不端) is not an answer.

    >>> answer_threshold(2, 0.3, short_terms=3, short_answer_coverage=0.45), answer_threshold(7, 0.3, short_terms=3, short_answer_coverage=0.45)
    (0.45, 0.3)
    """
    return max(answer_coverage, short_answer_coverage) if 0 < literal_terms <= short_terms else answer_coverage


def concept_coverage(terms: Sequence[str], weights: Mapping[str, float], tokens: set[str],
                     idf: Callable[[str], float],
                     alternatives: Mapping[tuple[str, ...], Sequence[tuple[str, ...]]]) -> float:
    """How much of what the query names is in ``tokens``, in its own words or in another listed
    wording found whole (all of that wording's terms): the answer gate's measure. ``alternatives``:
    literal terms of a variant form in the query → the terms of each other form of its group
    (:func:`search_api.lexical.alternatives`). One word of a wording (论文 of 论文造假) is not it.

    >>> idf = {"迟到早退": 4.0, "考勤": 3.0, "制度": 1.0}.get
    >>> alts = {("迟到早退",): [("考勤",), ("脱岗", "离岗")]}
    >>> concept_coverage(("迟到早退",), {"考勤": 0.3}, {"考勤", "制度"}, idf, alts)
    1.0
    >>> concept_coverage(("迟到早退",), {"脱岗": 0.3}, {"脱岗"}, idf, alts)
    0.0
    """
    literal = [t for t in terms if t not in weights]
    total = sum(idf(t) for t in literal)
    if total <= 0:
        return 0.0
    found = {t for t in literal if t in tokens}
    for replaced, wordings in alternatives.items():
        if any(all(t in tokens for t in wording) for wording in wordings):
            found.update(replaced)
    return min(1.0, sum(idf(t) for t in found) / total)


@dataclass(slots=True)
class Coverage:
    """What the floor measures on the hits of the word and bigram legs."""

    words: dict[DocId, float]  # lexical hit → coverage of the query (coverage)
    bigrams: dict[DocId, float]  # bigram hit → share of the query's bigrams it contains (bigram_share)
    docs: dict[DocId, Document]  # the documents read to measure them
    concepts: dict[DocId, float]  # lexical hit → coverage with variant forms whole (concept_coverage)
    literal: set[DocId] = field(default_factory=set)  # lexical hits holding one of the query's own words


def measure(target: Target, docs: dict[DocId, Document], lexical_hits: Sequence[Hit], bigram_hits: Sequence[Hit],
            query: LexicalQuery, bigrams: LexicalQuery | None,
            alternatives: Mapping[tuple[str, ...], Sequence[tuple[str, ...]]]) -> Coverage:
    """Each lexical hit's coverage and concept coverage of the query and whether it holds one of the
    query's own words, and each bigram hit's share of the query's bigrams, on the hits' ``docs``."""
    fields = [name for name, boost in query.boosts.items() if boost > 0]
    idf = functools.cache(general_idf)  # the same few terms, looked up for every hit
    tokens = {h.doc_id: doc_tokens(docs[h.doc_id], fields) for h in lexical_hits if h.doc_id in docs}
    own = query.literal_terms()
    shares: dict[DocId, float] = {}
    if bigrams is not None:
        shares = {h.doc_id: bigram_share(bigrams.terms, docs[h.doc_id], bigrams.boosts, target)
                  for h in bigram_hits if h.doc_id in docs}
    return Coverage({i: coverage(query.terms, query.weights, t, idf) for i, t in tokens.items()}, shares, docs,
                    {i: concept_coverage(query.terms, query.weights, t, idf, alternatives) for i, t in tokens.items()},
                    {i for i, t in tokens.items() if not t.isdisjoint(own)})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a query's hits are judged against: whether it has an answer at all (the gate), and the
    best cosine of its vector hits (the per-hit window). A property of the query, not of a filter:
    a filtered search takes the verdict of the same query unfiltered, so that a facet's count is
    what clicking it gives (a filter that drops the best vector hit must not widen the window)."""

    answered: bool
    best_cosine: float


class Verdicts:
    """The verdicts of recent queries, by key (a small thread-safe LRU whose entries live ``seconds``):
    a facet click is the same query filtered, right after its unfiltered search, so its verdict is
    usually known; the age limit bounds how long one outlives a change of the index (an ingest).

    >>> v = Verdicts(size=1); v.get("a", lambda: Verdict(True, 0.9)); v.get("a", lambda: None)
    Verdict(answered=True, best_cosine=0.9)
    Verdict(answered=True, best_cosine=0.9)
    >>> Verdicts(seconds=0).get("a", lambda: None) is None  # too old at once: judged again
    True
    """

    def __init__(self, size: int = 256, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._known: Lru[Hashable, tuple[float, Verdict | None]] = Lru(size)

    def get(self, key: Hashable, judge: Callable[[], Verdict | None]) -> Verdict | None:
        now = time.monotonic()
        known = self._known.get(key)
        if known is not None and now - known[0] < self.seconds:
            return known[1]
        found = judge()
        self._known.put(key, (now, found))
        return found


def verdict(fused: Sequence[Fused], concepts: Mapping[DocId, float], *, answer_coverage: float,
            answer_similarity: float, gate: bool = True, pieces_searched: bool = False) -> Verdict:
    """The answer gate and the best cosine over ``fused`` (see the module docstring); ``gate=False``
    answers every query (query-by-example: an issue is an answer to its own kind).
    ``pieces_searched``: the bigram leg ran beside the word leg (hybrid search) — then a query of
    which not one word, listed variant or character pair is found has no answer, whatever its cosine:
    its subject is not in the corpus (超期羁押 among health notices), and the cosine of such a real
    phrase is as high as an answered one's."""
    lexical = [concepts.get(f.doc_id, 0.0) for f in fused if f.leg(Leg.LEXICAL) is not None]
    best_cosine = max((v.score for f in fused if (v := f.leg(Leg.VECTOR)) is not None), default=0.0)
    if pieces_searched and not lexical and all(f.leg(Leg.BIGRAM) is None for f in fused):
        return Verdict(not gate, best_cosine)
    answered = not gate or (max(lexical) >= answer_coverage if lexical else best_cosine >= answer_similarity)
    return Verdict(answered, best_cosine)


def apply(fused: Sequence[Fused], covered: Mapping[DocId, float], *, min_coverage: float, similarity_window: float,
          answer_coverage: float, answer_similarity: float, gate: bool = True,
          bigram_covered: Mapping[DocId, float] | None = None, min_bigram_coverage: float = 1.0,
          concepts: Mapping[DocId, float] | None = None, judged: Verdict | None = None) -> list[Fused]:
    """The fused hits above the floor, in their order (see the module docstring); ``gate=False``
    skips the answer gate (query-by-example: an issue is an answer to itself's kind).
    ``bigram_covered``: the share of the query's bigrams each bigram-leg hit contains;
    ``concepts``: each lexical hit's :func:`concept_coverage`, for the gate (default: ``covered``);
    ``judged``: the query's :class:`Verdict` when already known (a filtered search: the query's
    unfiltered one), else it is judged on ``fused``."""
    bigram_covered = bigram_covered or {}
    judged = judged or verdict(fused, covered if concepts is None else concepts, answer_coverage=answer_coverage,
                               answer_similarity=answer_similarity, gate=gate)
    if not judged.answered:
        return []

    def kept(item: Fused) -> bool:
        if item.leg(Leg.LEXICAL) is not None and covered.get(item.doc_id, 0.0) >= min_coverage:
            return True
        if item.leg(Leg.BIGRAM) is not None and bigram_covered.get(item.doc_id, 0.0) >= min_bigram_coverage:
            return True
        vec = item.leg(Leg.VECTOR)
        return vec is not None and vec.score >= judged.best_cosine - similarity_window

    return [f for f in fused if kept(f)]
