"""Normalisation: artefacts out, display text kept; ``fold`` for matching. PLACEHOLDER."""

from __future__ import annotations

import unicodedata

from indexer.types import NormalisedText


def fold(text: str) -> str:
    """Width-fold for matching, one character in, one character out (offsets stay valid)."""
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def normalise(text: str) -> NormalisedText:
    lines = [line.strip() for line in text.splitlines()]
    return NormalisedText(text="\n".join(line for line in lines if line))
