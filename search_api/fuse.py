"""Fusion of the legs' ranked lists (word, vector, bigram) into one. Small pure functions, one registry.

    >>> from indexer.types import Hit, Leg
    >>> lex = [Hit("a", 9.1, Leg.LEXICAL), Hit("b", 4.0, Leg.LEXICAL)]
    >>> vec = [Hit("b", 0.83, Leg.VECTOR), Hit("c", 0.80, Leg.VECTOR)]
    >>> [(f.doc_id, round(f.score, 5)) for f in rrf({Leg.LEXICAL: lex, Leg.VECTOR: vec}, FusionParams(k=60))]
    [('b', 0.03252), ('a', 0.01639), ('c', 0.01613)]

``FUSERS`` drives dispatch, validation and help texts: add a function there and it is accepted
everywhere a fusion name is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from indexer.types import DocId, Hit, Leg

DEFAULT_WEIGHTS: Mapping[Leg, float] = {Leg.LEXICAL: 1.0, Leg.VECTOR: 1.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class FusionParams:
    k: int = 60  # reciprocal-rank constant (rrf)
    weights: Mapping[Leg, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


@dataclass(frozen=True, slots=True)
class LegRank:
    """Where one leg put a document: 1-based rank and the leg's own score."""

    rank: int
    score: float


@dataclass(frozen=True, slots=True)
class Fused:
    """One document of the fused list, with each leg's rank and score (None: not retrieved)."""

    doc_id: DocId
    score: float
    legs: Mapping[Leg, LegRank]

    def leg(self, leg: Leg) -> LegRank | None:
        return self.legs.get(leg)


Legs = Mapping[Leg, Sequence[Hit]]


def _positions(legs: Legs) -> dict[DocId, dict[Leg, LegRank]]:
    return _first_places(legs)[0]


def _first_places(legs: Legs) -> tuple[dict[DocId, dict[Leg, LegRank]], dict[Leg, list[tuple[DocId, LegRank]]]]:
    """Each document's place in each leg (its first, if a leg lists it twice), and each leg's
    documents at those places in its order."""
    seen: dict[DocId, dict[Leg, LegRank]] = {}
    by_leg: dict[Leg, list[tuple[DocId, LegRank]]] = {}
    for leg, hits in legs.items():
        firsts = by_leg[leg] = []
        for rank, hit in enumerate(hits, start=1):
            ranks = seen.get(hit.doc_id)
            if ranks is None:
                ranks = seen[hit.doc_id] = {}
            elif leg in ranks:
                continue
            ranks[leg] = place = LegRank(rank, hit.score)
            firsts.append((hit.doc_id, place))
    return seen, by_leg


def _ordered(scores: dict[DocId, float], positions: dict[DocId, dict[Leg, LegRank]]) -> list[Fused]:
    # Ties: the better best rank of either leg first, then the id (deterministic pages).
    keys = {d: (-score, min([r.rank for r in positions[d].values()]), d) for d, score in scores.items()}
    return [Fused(d, scores[d], positions[d]) for d in sorted(scores, key=keys.__getitem__)]


def rrf(legs: Legs, params: FusionParams) -> list[Fused]:
    """Reciprocal-rank fusion: score = Σ weight_leg / (k + rank_leg)."""
    positions = _positions(legs)
    scores = {
        doc_id: sum(params.weights.get(leg, 1.0) / (params.k + r.rank) for leg, r in ranks.items())
        for doc_id, ranks in positions.items()
    }
    return _ordered(scores, positions)


def linear(legs: Legs, params: FusionParams) -> list[Fused]:
    """Normalised linear combination: each leg's scores min–max scaled to [0, 1] over its own
    candidates (a single candidate scores 1), then score = Σ weight_leg × scaled score; a leg
    that did not retrieve a document adds 0."""
    positions, by_leg = _first_places(legs)
    scores = dict.fromkeys(positions, 0.0)
    for leg, hits in legs.items():
        if not hits:
            continue
        values = [h.score for h in hits]
        low, high = min(values), max(values)
        span = high - low
        weight = params.weights.get(leg, 1.0)
        for doc_id, r in by_leg[leg]:  # legs added in the same order for every document, as before
            scores[doc_id] += weight * ((r.score - low) / span if span > 0 else 1.0)
    return _ordered(scores, positions)


def boost_sharing(fused: Sequence[Fused], labels: Mapping[DocId, Iterable[str]], wanted: Iterable[str],
                  boost: float) -> list[Fused]:
    """A soft prior after fusion: a document carrying any of the ``wanted`` labels has its score
    × (1 + ``boost``) — relative, so the same for every fuser's scale; the order is re-sorted
    (stable: equal scores keep their order).

    >>> f = [Fused("a", 1.0, {}), Fused("b", 0.9, {})]
    >>> [(x.doc_id, x.score) for x in boost_sharing(f, {"b": ["union"]}, ["union"], 0.2)]
    [('b', 1.08), ('a', 1.0)]
    """
    want = set(wanted)
    if not want or boost <= 0:
        return list(fused)
    out = [Fused(f.doc_id, f.score * (1.0 + boost), f.legs) if want.intersection(labels.get(f.doc_id, ())) else f
           for f in fused]
    return sorted(out, key=lambda f: -f.score)


def variant_evidence(params: FusionParams, variant_weight: float) -> FusionParams:
    """Fusion weights for a query whose word leg found only variant terms, none of its own words:
    that leg weighs ``variant_weight`` of its usual weight. Min–max scaling would otherwise give its
    best hit — an issue holding only the list's other wordings, often only their generic words
    (会议, 落实 of 以会议落实会议) — the full weight of a hit on the user's own words.

    >>> variant_evidence(FusionParams(weights={Leg.LEXICAL: 1.0, Leg.VECTOR: 1.0}), 0.3).weights[Leg.LEXICAL]
    0.3
    """
    weights = dict(params.weights)
    weights[Leg.LEXICAL] = weights.get(Leg.LEXICAL, 1.0) * variant_weight
    return replace(params, weights=weights)


Fuser = Callable[[Legs, FusionParams], list[Fused]]

FUSERS: dict[str, Fuser] = {
    "rrf": rrf,
    "linear": linear,
}
