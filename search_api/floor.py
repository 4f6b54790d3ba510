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
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

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


BATCH = 16  # documents read at once while a decision may need only the first few (the answer gate)
# term × field look-ups above which a leg's hits are measured on their documents rather than told by the
# lexical index (Evidence's ``held``): at 1M issues ~0.1 ms a look-up for 100 hits against ~50 µs a
# document read (or ~85 for a measure) — a typed query's ≤ 12 terms over an issue's 3 fields are told,
# an example's 24 read (measured at 100k and 1M issues: docs/scaling.md "Session 9")
LOOKUPS = 36


class Evidence:
    """What the floor measures on the hits of the word and bigram legs — each word hit's coverage
    (:func:`coverage`) and concept coverage (:func:`concept_coverage`) of the query and whether it
    holds one of the query's own words, each bigram hit's share of the query's bigrams
    (:func:`bigram_share`) — on their documents, read (``read``: ids → documents, a batch at a
    time) only once a decision asks for them: a hit kept by its cosine, or by any one query term
    (:func:`least_coverage`), or behind a hit that already opened the answer gate, is never read.
    ``words``, ``concepts`` and ``bigrams`` are mappings over the legs' hits, measured on first
    look-up; :meth:`prefetch` reads the documents of many hits in one batch beforehand.

    ``held`` (a backend's :meth:`~indexer.backends.base.FindsTermsHeld.terms_held`): which of the
    query's terms and words (``query``'s, ``alternatives``' and ``bigrams``') hits hold, told by the
    lexical index for a leg's every hit at once, when each leg has at most :data:`LOOKUPS` terms ×
    fields; a hit it tells about is measured on those, its document not read."""

    def __init__(self, target: Target, read: Callable[[list[DocId]], Iterable[Document]],
                 lexical_hits: Sequence[Hit], bigram_hits: Sequence[Hit], query: LexicalQuery,
                 bigrams: LexicalQuery | None,
                 alternatives: Mapping[tuple[str, ...], Sequence[tuple[str, ...]]],
                 held: Callable[[list[DocId], Sequence[str], Sequence[str]], Mapping[DocId, set[str]]] | None = None
                 ) -> None:
        self.target, self.query, self.bigram_query, self.alternatives = target, query, bigrams, alternatives
        self._read = read
        self.docs: dict[DocId, Document] = {}  # the documents read so far (kept for the page)
        self._asked: set[DocId] = set()  # the hits whose documents were read
        self._lexical = list(dict.fromkeys(h.doc_id for h in lexical_hits))
        self._fields = [name for name, boost in query.boosts.items() if boost > 0]
        # what the measures below look up: the query's terms and the words of its other listed wordings
        self._terms = list(dict.fromkeys([*query.terms, *(t for ws in alternatives.values() for w in ws for t in w)]))
        self._term_set = frozenset(self._terms)
        self._by_terms: dict[frozenset[str], tuple[float, float, bool]] = {}  # the measures of a set of _terms held
        self._tokens: dict[DocId, set[str]] = {}  # word hit → those of _terms it holds (told by ``held``)
        self._pairs: dict[DocId, set[str]] = {}  # bigram hit → the query's bigrams it holds (told by ``held``)
        # both legs or neither: their hits overlap, and a document read for one measures both
        if len(self._terms) * len(self._fields) > LOOKUPS or (
                bigrams is not None and len(set(bigrams.terms)) * len(bigrams.boosts) > LOOKUPS):
            held = None
        self._held_words, self._held_pairs = held, held if bigrams is not None else None
        self._tried: tuple[set[DocId], set[DocId]] = (set(), set())  # the word / bigram hits ``held`` was asked about
        self._idf = functools.cache(general_idf)  # the same few terms, looked up for every hit
        self._own = query.literal_terms()
        self._measured: dict[DocId, tuple[float, float, bool]] = {}  # word hit → coverage, concept, own word
        self._shares: dict[DocId, float] = {}
        self.words = _Measured(self, self._lexical, 0)
        self.concepts = _Measured(self, self._lexical, 1)
        self.bigrams = _Measured(self, list(dict.fromkeys(h.doc_id for h in bigram_hits)) if bigrams else [], None)
        self.found = frozenset((*self.words.hits, *self.bigrams.hits))

    @property
    def least(self) -> float:
        """:func:`least_coverage` of the query."""
        return least_coverage(self.query, self._idf)

    def prefetch(self, ids: Iterable[DocId]) -> None:
        """Measure the given hits not measured yet in one batch: by the terms they hold where
        ``held`` tells (asked about their leg's every hit: 100 cost little more than 16), else by
        their documents, read."""
        ids = list(dict.fromkeys(ids))
        legs = ((self.words, self._tokens, self._held_words, self._fields, self._terms, self._tried[0]),
                (self.bigrams, self._pairs, self._held_pairs, list(self.bigram_query.boosts) if self.bigram_query else [],
                 self.bigram_query.terms if self.bigram_query else (), self._tried[1]))
        for leg, told, held, fields, terms, tried in legs:
            if held is not None and any(i in leg._ids and i not in told and i not in tried for i in ids):
                ask = [i for i in leg.hits if i not in told and i not in tried and i not in self._asked]
                tried.update(ask)
                told.update(held(ask, fields, terms))
        unread = [i for i in ids if i not in self._asked and not self._told(i)]
        if unread:
            self._asked.update(unread)
            self.docs.update((d["id"], d) for d in self._read(unread))

    def early(self) -> None:
        """Read the word leg's first :data:`BATCH` hits (what the answer gate looks at first), e.g.
        while the query is being embedded."""
        self.prefetch(self._lexical[:BATCH])

    def holds_own_word(self) -> bool:
        """Whether some word hit holds one of the query's own words (not only variant ones)."""
        return any(self._word(i)[2] for i in self._lexical)

    def _told(self, doc_id: DocId) -> bool:
        """Whether ``held`` told the terms of ``doc_id`` in every leg that found it (no read needed)."""
        in_words, in_pairs = doc_id in self.words._ids, doc_id in self.bigrams._ids
        return (in_words or in_pairs) and (not in_words or doc_id in self._tokens) and (
            not in_pairs or doc_id in self._pairs)

    def _word(self, doc_id: DocId) -> tuple[float, float, bool]:
        known = self._measured.get(doc_id)
        if known is None:
            self._ahead(doc_id, self._lexical, self._tokens)
            doc, tokens = self.docs.get(doc_id), self._tokens.get(doc_id)
            if doc is None and tokens is None:  # gone since the leg found it
                known = (0.0, 0.0, False)
            else:  # the measures look at _terms only: hits holding the same ones measure the same
                found = frozenset(self._term_set.intersection(
                    tokens if tokens is not None else doc_tokens(doc, self._fields)))  # type: ignore[arg-type]
                known = self._by_terms.get(found)
                if known is None:
                    q, idf = self.query, self._idf
                    known = self._by_terms[found] = (
                        coverage(q.terms, q.weights, found, idf),
                        concept_coverage(q.terms, q.weights, found, idf, self.alternatives),
                        not found.isdisjoint(self._own))
            self._measured[doc_id] = known
        return known

    def _share(self, doc_id: DocId) -> float:
        known = self._shares.get(doc_id)
        if known is None:
            self._ahead(doc_id, self.bigrams.hits, self._pairs)
            doc, pairs, query = self.docs.get(doc_id), self._pairs.get(doc_id), self.bigram_query
            if query is None or (doc is None and pairs is None):  # gone since the leg found it
                known = 0.0
            else:
                known = share(query.terms, pairs) if pairs is not None else bigram_share(
                    query.terms, doc, query.boosts, self.target)  # type: ignore[arg-type]
            self._shares[doc_id] = known
        return known

    def _ahead(self, doc_id: DocId, order: list[DocId], told: Mapping[DocId, set[str]]) -> None:
        """Measure ``doc_id`` with the next ones of ``order`` not measured yet (one batch); ``told``:
        the hits of that leg measured by ``held``."""
        if doc_id in self._asked or doc_id in told:
            return
        at = order.index(doc_id) if doc_id in order else len(order)
        self.prefetch([doc_id, *[i for i in order[at + 1:] if i not in self._asked and i not in told][:BATCH - 1]])


class _Measured(Mapping[DocId, float]):
    """One measure of :class:`Evidence` over one leg's hits (``part``: 0 coverage, 1 concept
    coverage, None the bigram share), measured on first look-up."""

    def __init__(self, evidence: Evidence, hits: list[DocId], part: int | None) -> None:
        self.evidence, self.hits, self.part = evidence, hits, part
        self._ids = frozenset(hits)

    def __getitem__(self, doc_id: DocId) -> float:
        if doc_id not in self._ids:
            raise KeyError(doc_id)
        return self.evidence._share(doc_id) if self.part is None else self.evidence._word(doc_id)[self.part]

    def __iter__(self) -> Iterator[DocId]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def prefetch(self, ids: Iterable[DocId]) -> None:
        """Read the documents of those of ``ids`` either leg found (one batch for both measures)."""
        self.evidence.prefetch(i for i in ids if i in self.evidence.found)


def least_coverage(query: LexicalQuery, idf: Callable[[str], float]) -> float:
    """What every hit of the word leg covers at least: the least :func:`coverage` of one of the
    query's terms — a hit BM25 scores holds one of them in the fields searched (0 when a term
    holds whitespace: its tokens might not split alike).

    >>> least_coverage(LexicalQuery(("医保", "基金"), {"problem_tokens": 1.0}), {"医保": 3.0, "基金": 1.0}.get)
    0.25
    """
    distinct = set(query.terms)
    if not distinct or any(len(t.split()) != 1 or t != t.strip() for t in distinct):
        return 0.0
    return min(coverage(query.terms, query.weights, {t}, idf) for t in distinct)


def prefetch(values: Mapping[DocId, float], ids: Iterable[DocId]) -> None:
    """Let a lazy mapping (:class:`Evidence`'s) read the documents behind ``ids`` in one batch."""
    ahead = getattr(values, "prefetch", None)
    if ahead is not None:
        ahead(ids)


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
    # in the word leg's order: its best hits are the likeliest answers (and the first ones read: Evidence.early)
    lexical = [f.doc_id for f in sorted((f for f in fused if f.leg(Leg.LEXICAL) is not None),
                                        key=lambda f: f.legs[Leg.LEXICAL].rank)]
    best_cosine = max((v.score for f in fused if (v := f.leg(Leg.VECTOR)) is not None), default=0.0)
    if pieces_searched and not lexical and all(f.leg(Leg.BIGRAM) is None for f in fused):
        return Verdict(not gate, best_cosine)
    answered = not gate or (_reaches(concepts, lexical, answer_coverage) if lexical else best_cosine >= answer_similarity)
    return Verdict(answered, best_cosine)


def _reaches(values: Mapping[DocId, float], ids: Sequence[DocId], threshold: float) -> bool:
    """Whether one of ``ids`` has a value ≥ ``threshold`` (absent: 0), looked at a batch at a time
    in their order: a lazy mapping reads no further than the first that has."""
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        prefetch(values, chunk)
        if any(values.get(i, 0.0) >= threshold for i in chunk):
            return True
    return False


def apply(fused: Sequence[Fused], covered: Mapping[DocId, float], *, min_coverage: float, similarity_window: float,
          answer_coverage: float, answer_similarity: float, gate: bool = True,
          bigram_covered: Mapping[DocId, float] | None = None, min_bigram_coverage: float = 1.0,
          concepts: Mapping[DocId, float] | None = None, judged: Verdict | None = None,
          least_coverage: float = 0.0) -> list[Fused]:
    """The fused hits above the floor, in their order (see the module docstring); ``gate=False``
    skips the answer gate (query-by-example: an issue is an answer to itself's kind).
    ``bigram_covered``: the share of the query's bigrams each bigram-leg hit contains;
    ``concepts``: each lexical hit's :func:`concept_coverage`, for the gate (default: ``covered``);
    ``judged``: the query's :class:`Verdict` when already known (a filtered search: the query's
    unfiltered one), else it is judged on ``fused``; ``least_coverage``: what every lexical hit
    covers at least (:func:`least_coverage`). A hit's coverages are looked up only when its cosine
    does not keep it (lazy mappings: :class:`Evidence`)."""
    bigram_covered = bigram_covered or {}
    judged = judged or verdict(fused, covered if concepts is None else concepts, answer_coverage=answer_coverage,
                               answer_similarity=answer_similarity, gate=gate)
    if not judged.answered:
        return []
    near = judged.best_cosine - similarity_window
    words = least_coverage >= min_coverage  # every lexical hit covers enough
    # the hits their cosine keeps; the others' coverages are looked up (one batch: prefetch)
    close = [(vec := f.legs.get(Leg.VECTOR)) is not None and vec.score >= near for f in fused]
    prefetch(covered, [f.doc_id for f, near_enough in zip(fused, close, strict=True)
                       if not near_enough and not (words and Leg.LEXICAL in f.legs)])

    def kept(item: Fused) -> bool:
        if Leg.LEXICAL in item.legs and (words or covered.get(item.doc_id, 0.0) >= min_coverage):
            return True
        return Leg.BIGRAM in item.legs and bigram_covered.get(item.doc_id, 0.0) >= min_bigram_coverage

    return [f for f, near_enough in zip(fused, close, strict=True) if near_enough or kept(f)]
