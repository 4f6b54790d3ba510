"""Measure families: the measures the members of a problem family took, grouped by what they do.

Each measure item (a measure document: its text and its jieba ``text_tokens``) becomes a tf-idf
vector (idf over the measures grouped together); measures whose cosine is at least ``threshold``
are grouped around a leader — the measure with the most such neighbours still ungrouped, ties by
id — so every member of a group is close to its leader (no chaining). Groups are ordered by how
many institutions took the measure, then how many issues: the common measures first. The same
measures always give the same groups.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

THRESHOLD = 0.3  # least cosine of a measure to its group's leader
MAX_MEASURES = 3000  # a bigger family groups its first measures (by issue id) only: a dense n² step


@dataclass(slots=True)
class MeasureFamily:
    label: str  # the leader's text
    leader_id: str
    measures: list[dict[str, Any]] = field(default_factory=list)  # id, issue_id, institution, text
    issues: int = 0
    institutions: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "measure_id": self.leader_id, "issues": self.issues,
                "institutions": self.institutions, "measures": self.measures}


def _tokens(value: Any) -> list[str]:
    if not value:
        return []
    return value.split() if isinstance(value, str) else [str(t) for t in value]


def _matrix(token_lists: Sequence[Sequence[str]]) -> np.ndarray:
    df: Counter[str] = Counter()
    for tokens in token_lists:
        df.update(set(tokens))
    vocab = {t: i for i, t in enumerate(sorted(df))}
    n = len(token_lists)
    matrix = np.zeros((n, max(1, len(vocab))), dtype=np.float32)
    for row, tokens in enumerate(token_lists):
        for token, count in Counter(tokens).items():
            matrix[row, vocab[token]] = (1.0 + math.log(count)) * math.log(1.0 + n / df[token])
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def group_measures(measures: Sequence[Mapping[str, Any]], *, threshold: float = THRESHOLD) -> list[MeasureFamily]:
    """Measure documents (``id``, ``issue_id``, ``text``, ``text_tokens``, ``institution``) → families."""
    items = sorted(measures, key=lambda m: str(m["id"]))[:MAX_MEASURES]
    if not items:
        return []
    vectors = _matrix([_tokens(m.get("text_tokens")) for m in items])
    close = (vectors @ vectors.T) >= threshold
    free = np.ones(len(items), dtype=bool)
    degree = close.sum(axis=1)
    out: list[MeasureFamily] = []
    while free.any():
        candidates = np.flatnonzero(free)
        leader = int(candidates[np.argmax(degree[candidates])])  # first of the highest: smallest id
        members = np.flatnonzero(close[leader] & free)
        if leader not in members:
            members = np.append(members, leader)
        free[members] = False
        degree = degree - close[:, members].sum(axis=1)
        group = MeasureFamily(label=str(items[leader].get("text") or ""), leader_id=str(items[leader]["id"]))
        ordered = [leader, *[int(m) for m in members if m != leader]]
        group.measures = [{"id": items[i]["id"], "issue_id": items[i].get("issue_id"),
                           "institution": items[i].get("institution"), "text": items[i].get("text") or ""}
                          for i in ordered]
        group.issues = len({m["issue_id"] for m in group.measures})
        group.institutions = len({m["institution"] or m["issue_id"] for m in group.measures})
        out.append(group)
    out.sort(key=lambda g: (-g.institutions, -g.issues, g.leader_id))
    return out
