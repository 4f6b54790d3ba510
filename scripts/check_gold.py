"""Compare the parser with the hand-checked gold segmentations.

    .venv/bin/python scripts/check_gold.py ../shared/seeds [-v]

Prints one row per notice (expected vs found issues, status and measure accuracy), the
mismatches with ``-v``, and last one line of JSON:
{"issues_expected": …, "issues_matched": …, "extra": …, "status_correct": …, "measures_correct": …}

A gold issue is matched by the next parsed issue (in order) whose problem contains its
``title_key`` and none of whose measures do — compared after :func:`fold` and with all
whitespace removed on both sides; parsed issues skipped over are extra.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.parsing.normalise import fold
from indexer.parsing.parse import parse_file
from indexer.types import Issue, ParsedNotice

DEFAULT_SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
_WHITESPACE = re.compile(r"\s+")


def _key(text: str | None) -> str:
    return _WHITESPACE.sub("", fold(text or ""))


@dataclass(slots=True)
class NoticeScore:
    """How one parsed notice compares with its gold file."""

    name: str
    expected: int
    found: int
    matched: int = 0
    status_correct: int = 0
    measures_correct: int = 0
    problems: list[str] = field(default_factory=list)  # one line per mismatch, for people

    @property
    def extra(self) -> int:
        return self.found - self.matched


def _matches(issue: Issue, title_key: str) -> bool:
    key = _key(title_key)
    return key in _key(issue.problem) and not any(key in _key(m) for m in issue.measures)


def score_notice(parsed: ParsedNotice, gold: dict[str, Any], name: str = "") -> NoticeScore:
    """Compare one parsed notice with its gold record.

    >>> from indexer.parsing.parse import parse_text
    >>> gold = {"issues": [{"seq": 1, "label": "1.", "title_key": "台账不全", "status": "completed",
    ...                     "n_measures": 2}]}
    >>> s = score_notice(parse_text("1.台账不全的问题\\n整改结果：已完成\\n整改情况：一是补齐；二是复核。"), gold)
    >>> (s.expected, s.matched, s.extra, s.status_correct, s.measures_correct)
    (1, 1, 0, 1, 1)
    """
    issues = parsed.issues
    score = NoticeScore(name=name or str(gold.get("file", "")), expected=len(gold["issues"]), found=len(issues))
    cursor = 0
    for want in gold["issues"]:
        at = next((i for i in range(cursor, len(issues)) if _matches(issues[i], want["title_key"])), None)
        tag = f"gold {want['seq']} {want['label']} {want['title_key']!r}"
        if at is None:
            near = next((i for i in issues[cursor:] if _key(want["title_key"]) in _key(i.problem)), None)
            why = "its key is also in the measures" if near else "no parsed problem contains it"
            score.problems.append(f"{tag}: not matched ({why})")
            continue
        score.problems.extend(
            f"parsed {skipped.seq} {skipped.label} {skipped.problem[:30]!r}: extra" for skipped in issues[cursor:at]
        )
        issue, cursor = issues[at], at + 1
        score.matched += 1
        got_status = issue.status.value if issue.status else None
        if got_status == want.get("status"):
            score.status_correct += 1
        else:
            score.problems.append(f"{tag}: status {got_status} (raw {issue.status_raw!r}), gold {want.get('status')}")
        if len(issue.measures) == want["n_measures"]:
            score.measures_correct += 1
        else:
            score.problems.append(f"{tag}: {len(issue.measures)} measures, gold {want['n_measures']}")
    score.problems.extend(
        f"parsed {extra.seq} {extra.label} {extra.problem[:30]!r}: extra" for extra in issues[cursor:]
    )
    return score


def gold_pairs(seeds: Path) -> list[tuple[Path, dict[str, Any]]]:
    """(notice file, gold record) for every ``gold/*.json`` under a seeds folder."""
    pairs = []
    for gold_path in sorted((seeds / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text("utf-8"))
        pairs.append((seeds / gold.get("file", gold_path.with_suffix(".txt").name), gold))
    return pairs


def score_seeds(seeds: Path) -> list[NoticeScore]:
    """Parse every gold notice under ``seeds`` and score it."""
    return [score_notice(parse_file(path), gold, name=path.name) for path, gold in gold_pairs(seeds)]


def totals(scores: list[NoticeScore]) -> dict[str, int]:
    """The summary line of ``scripts/check_gold.py``."""
    return {
        "issues_expected": sum(s.expected for s in scores),
        "issues_matched": sum(s.matched for s in scores),
        "extra": sum(s.extra for s in scores),
        "status_correct": sum(s.status_correct for s in scores),
        "measures_correct": sum(s.measures_correct for s in scores),
    }


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
