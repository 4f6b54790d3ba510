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
   letters) and the weakest real query. Otherwise the query gets no hits at all.
2. **Per hit**: a hit stays if its coverage is ≥ ``min_coverage`` or its cosine is within
   ``similarity_window`` of the query's best cosine, or — a hit of the bigram leg — it contains
   ≥ ``min_bigram_coverage`` of the query's distinct character bigrams. The bigram leg never
   opens the answer gate: it matches pieces of words (存在 of 不存在), so a query whose words
   are not found stays unanswered whatever bigrams match.

    >>> round(coverage(("医保", "基金"), {}, {"医保"}, lambda t: {"医保": 3.0, "基金": 1.0}[t]), 2)
    0.75
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from indexer.documents import field_bigram_text
from indexer.fields import field_named
from indexer.types import DocId, Document, Leg, Target
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


def apply(fused: Sequence[Fused], covered: Mapping[DocId, float], *, min_coverage: float, similarity_window: float,
          answer_coverage: float, answer_similarity: float, gate: bool = True,
          bigram_covered: Mapping[DocId, float] | None = None, min_bigram_coverage: float = 1.0,
          concepts: Mapping[DocId, float] | None = None) -> list[Fused]:
    """The fused hits above the floor, in their order (see the module docstring); ``gate=False``
    skips the answer gate (query-by-example: an issue is an answer to itself's kind).
    ``bigram_covered``: the share of the query's bigrams each bigram-leg hit contains;
    ``concepts``: each lexical hit's :func:`concept_coverage`, for the gate (default: ``covered``)."""
    bigram_covered = bigram_covered or {}
    concepts = covered if concepts is None else concepts
    lexical = [concepts.get(f.doc_id, 0.0) for f in fused if f.leg(Leg.LEXICAL) is not None]
    cosines = [v.score for f in fused if (v := f.leg(Leg.VECTOR)) is not None]
    best_cosine = max(cosines, default=0.0)
    if gate and (max(lexical) < answer_coverage if lexical else best_cosine < answer_similarity):
        return []

    def kept(item: Fused) -> bool:
        if item.leg(Leg.LEXICAL) is not None and covered.get(item.doc_id, 0.0) >= min_coverage:
            return True
        if item.leg(Leg.BIGRAM) is not None and bigram_covered.get(item.doc_id, 0.0) >= min_bigram_coverage:
            return True
        vec = item.leg(Leg.VECTOR)
        return vec is not None and vec.score >= best_cosine - similarity_window

    return [f for f in fused if kept(f)]
