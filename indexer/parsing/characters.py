"""Character tables: single traditional → simplified pairs (OpenCC's data), for folding and decoding.

    >>> TRADITIONAL_TO_SIMPLIFIED[ord("組")], TRADITIONAL_TO_SIMPLIFIED[ord("黨")]
    ('组', '党')
"""

from __future__ import annotations

from pathlib import Path


def _traditional_to_simplified() -> dict[int, str]:
    """Single-character traditional → simplified pairs from opencc's data (mirror sites print
    notices in traditional characters). Optional: without opencc the fold simply skips it."""
    try:
        import opencc  # noqa: PLC0415 — optional data source
    except ImportError:  # pragma: no cover - opencc is a dependency, but stay importable without it
        return {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError:  # pragma: no cover
        return {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1 and parts[1] <= "\uffff":
            table[ord(parts[0])] = parts[1]
    return table


# Mirror sites print notices in traditional characters; matching folds them to simplified ones.
TRADITIONAL_TO_SIMPLIFIED: dict[int, str] = _traditional_to_simplified()
