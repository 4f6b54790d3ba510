"""``python -m search_api``: ``demo`` (the README's main job) and ``serve``. PLACEHOLDER until the
API exists: ``demo`` parses the bundled sample notices and prints a summary."""

from __future__ import annotations

import sys
from pathlib import Path

from indexer.parse import parse_paths

SAMPLES = Path(__file__).resolve().parent.parent / "indexer" / "samples"


def main(argv: list[str]) -> int:
    outcomes = list(parse_paths([SAMPLES]))
    for o in outcomes:
        if o.error:
            print(f"error  {o.error}")
        else:
            assert o.notice is not None
            print(f"{len(o.notice.issues):4d} issues  {o.notice.meta.institution or '?'}  {o.source}")
    return 0 if outcomes else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
