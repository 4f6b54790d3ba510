"""Parse speed over a folder of notices.

    .venv/bin/python scripts/bench_parse.py [../shared/seeds] [--repeat 20]

Files are read once; the timed loop runs normalise → segment → enrich (``parse_document``)
``--repeat`` times over all of them and prints notices per second and characters per second,
then the same for normalise + segment alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from indexer.parsing.normalise import normalise
from indexer.parsing.parse import parse_document
from indexer.parsing.read import iter_files, read_path
from indexer.parsing.segment import segment

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--repeat", type=int, default=20, help="passes over the folder (default 20)")
    args = parser.parse_args(argv)
    docs = [read_path(path) for path in iter_files([args.folder])]
    if not docs:
        print(f"error: no notices under {args.folder}", file=sys.stderr)
        return 2
    chars = sum(len(doc.text) for doc in docs)
    issues = sum(len(parse_document(doc).issues) for doc in docs)  # warm-up (imports, regex caches)
    start = time.perf_counter()
    for _ in range(args.repeat):
        for doc in docs:
            parse_document(doc)
    elapsed = time.perf_counter() - start
    n = len(docs) * args.repeat
    print(
        f"{len(docs)} notices ({issues} issues, {chars:,} chars) x {args.repeat}: {elapsed:.2f} s, "
        f"{n / elapsed:.1f} notices/s, {chars * args.repeat / elapsed / 1000:.0f}k chars/s (full parse)"
    )
    start = time.perf_counter()
    for _ in range(args.repeat):
        for doc in docs:
            segment(normalise(doc.text).text)
    core = time.perf_counter() - start
    print(f"  of which normalise + segment: {core:.2f} s, {n / core:.1f} notices/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
