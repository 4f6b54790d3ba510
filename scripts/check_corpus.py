"""Compare the parser with a generated corpus (or the bundled samples).

    .venv/bin/python scripts/check_corpus.py DIR [-v]

DIR is a ``scripts/gen_corpus.py`` output folder (notices + ``manifest.jsonl``) or a folder
with an ``expected.json`` (``indexer/samples``). Every notice is parsed and compared with its
row: issue count, labels, statuses, measure counts, institution, institution type and region.
``--oneline`` parses every .txt notice with its lines joined into one (as gen_corpus.py writes
its one-line files), to test the splitter of run-together bodies on every layout; ``--no-meta``
compares the issues only (not institution, type and region).
Prints one row per mismatching notice (its mismatches with ``-v``) and, last, one line of JSON:
{"notices": …, "notices_exact": …, "issues_expected": …, "issues_found": …,
 "status_correct": …, "measures_correct": …}
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indexer.errors import ParseError, ReadError
from indexer.gold import CorpusScore, corpus_totals, score_against_manifest, truth_from_expected
from indexer.parsing.parse import parse_file, parse_text
from indexer.parsing.read import read_path


def truth_rows(folder: Path) -> list[dict]:
    """Manifest rows (``file`` set) from ``manifest.jsonl``, else from ``expected.json``."""
    manifest = folder / "manifest.jsonl"
    if manifest.is_file():
        return [json.loads(line) for line in manifest.read_text("utf-8").splitlines() if line.strip()]
    expected = folder / "expected.json"
    if expected.is_file():
        entries = json.loads(expected.read_text("utf-8"))
        return [{"file": name, **truth_from_expected(entry)} for name, entry in entries.items()]
    raise FileNotFoundError(f"no manifest.jsonl or expected.json in {folder}")


def _parse(path: Path, oneline: bool):
    if oneline and path.suffix.lower() == ".txt":
        raw = read_path(path)
        return parse_text("".join(line.strip() for line in raw.text.splitlines()), source=str(path))
    return parse_file(path)


def score_folder(folder: Path, oneline: bool = False, meta: bool = True) -> list[CorpusScore]:
    scores = []
    for row in truth_rows(folder):
        try:
            parsed, error = _parse(folder / row["file"], oneline), None
        except (ReadError, ParseError) as exc:
            parsed, error = None, str(exc)
        scores.append(score_against_manifest(parsed, row, name=row["file"], error=error, meta=meta))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="gen_corpus.py output folder (or indexer/samples)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every mismatch")
    parser.add_argument("--oneline", action="store_true", help="parse each .txt notice joined into one line")
    parser.add_argument("--no-meta", action="store_true", help="compare the issues only, not the metadata")
    args = parser.parse_args(argv)
    try:
        scores = score_folder(args.folder, args.oneline, meta=not args.no_meta)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for s in scores:
        if s.exact:
            continue
        print(f"{s.name:<48} expected {s.expected:>3} found {s.found:>3} "
              f"status {s.status_correct:>3} measures {s.measures_correct:>3}  {s.problems[0]}")
        if args.verbose:
            for problem in s.problems[1:]:
                print(f"    {problem}")
    print(json.dumps(corpus_totals(scores)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
