"""The parser against the hand-checked gold segmentations of the shared seed notices.

Every gold issue must be found, in order, with nothing extra; its title key must be in the
problem and in none of the measures; status and the number of measures must match. The
seeds live outside the project (``shared/seeds`` beside the project root) and are never
copied into it; without them this test is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.gold import gold_pairs, score_notice
from indexer.parsing.parse import parse_file

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
PAIRS = gold_pairs(SEEDS) if (SEEDS / "gold").is_dir() else []

pytestmark = pytest.mark.skipif(not PAIRS, reason=f"no gold seeds at {SEEDS} (shared folder absent)")


@pytest.mark.parametrize(("path", "gold"), PAIRS, ids=[p.name for p, _ in PAIRS])
def test_gold_notice(path: Path, gold: dict) -> None:
    score = score_notice(parse_file(path), gold, name=path.name)
    report = "\n".join(score.problems)
    assert (score.found, score.matched, score.extra) == (score.expected, score.expected, 0), report
    assert score.status_correct == score.expected, report
    assert score.measures_correct == score.expected, report
