"""Compare the parser with the hand-checked gold segmentations.

    .venv/bin/python scripts/check_gold.py ../shared/seeds [-v]

Prints one row per notice (expected vs found issues, status and measure accuracy), the
mismatches with ``-v``, and last one line of JSON:
{"issues_expected": …, "issues_matched": …, "extra": …, "status_correct": …, "measures_correct": …}
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indexer.gold import score_seeds, totals

DEFAULT_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seeds", nargs="?", type=Path, default=DEFAULT_SEEDS, help="folder with *.txt and gold/")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    args = parser.parse_args(argv)
    if not (args.seeds / "gold").is_dir():
        print(f"error: no gold/ folder under {args.seeds}", file=sys.stderr)
        return 2
    scores = score_seeds(args.seeds)
    print(f"{'notice':<28} {'expected':>8} {'found':>6} {'matched':>7} {'extra':>5} {'status':>7} {'measures':>8}")
    for s in scores:
        print(
            f"{s.name:<28} {s.expected:>8} {s.found:>6} {s.matched:>7} {s.extra:>5} "
            f"{s.status_correct:>3}/{s.matched:<3} {s.measures_correct:>4}/{s.matched:<3}"
        )
        if args.verbose:
            for problem in s.problems:
                print(f"    {problem}")
    print(json.dumps(totals(scores)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
