"""Topic categories of an issue (taxonomy for this genre). PLACEHOLDER: rules + embedding
similarity come with the search-API work; the signature is fixed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def categorise(problem: str, measures: Sequence[str], vector: np.ndarray | None = None) -> list[str]:
    """Category keys for one issue, most specific first; [] when none applies."""
    return []
