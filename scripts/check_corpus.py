"""Compare the parser with a generated corpus (or the bundled samples).

    .venv/bin/python scripts/check_corpus.py DIR [-v]

DIR is a ``scripts/gen_corpus.py`` output folder (notices + ``manifest.jsonl``) or a folder
with an ``expected.json`` (``indexer/samples``). Every notice is parsed and compared with its
row: issue count, labels, statuses, measure counts, institution, institution type and region.
``--oneline`` parses every .txt notice with its lines joined into one (as gen_corpus.py writes
its one-line files), to test the splitter of run-together bodies on every layout; ``--no-meta``
compares the issues only (not institution, type and region).
Metadata is compared with the row's institution, type and region and, in a generated corpus, with
its ``expect`` (title, organisation(s), inspecting body, kind, level, inspection period, feedback and
publish dates, stated totals): names folded (width, traditional → simplified, no spaces or quote
marks), dates and counts exact; an expected None must come out None. A row with ``truncated_last``
accepts one more issue when the parser flags it as cut off (``truncated`` / ``incomplete`` true or
``complete`` false); a row with ``problems`` compares the problem texts (wrappers stripped, quoted
sentences kept).
Prints one row per mismatching notice (its mismatches with ``-v``) and, last, one line of JSON:
{"notices": …, "notices_exact": …, "issues_expected": …, "issues_found": …,
 "status_correct": …, "measures_correct": …}, plus, for a corpus made with ``--variants``,
"by_variant": {variant: [exact, notices]} and "not_compared": {stated-total levels the parser has no field for}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.errors import ParseError, ReadError
from indexer.parsing.normalise import fold
from indexer.parsing.parse import parse_file, parse_text
from indexer.parsing.read import read_path
from indexer.types import ParsedNotice

_WHITESPACE = re.compile(r"\s+")
_QUOTES = re.compile(r"[“”\"'‘’「」『』]")
_NOT_COMPARED: Counter = Counter()  # stated-total levels the parser has no field for


def _key(text: str | None) -> str:
    return _WHITESPACE.sub("", fold(text or ""))


def _text_key(text: str) -> str:
    """A name, title or problem compared folded, without spaces, quote marks or end punctuation."""
    return _QUOTES.sub("", _key(text)).rstrip("。；;.")


def _same(got: Any, want: Any) -> bool:
    if want is None or got is None:
        return got is want
    if isinstance(want, str):
        return _text_key(str(got)) == _text_key(want)
    return got == want


@dataclass(slots=True)
class CorpusScore:
    """How one parsed notice compares with its generator manifest row (or samples entry).

    Issues are compared by position; ``problems`` holds one line per mismatch and is empty
    exactly when the notice matches on every compared field."""

    name: str
    expected: int
    found: int
    status_correct: int = 0
    measures_correct: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not self.problems


def _label_key(label: str | None) -> str:
    """A printed label compared without width, spaces or trailing punctuation: a table's
    ``1`` and the flattened ``1.`` are the same label, so are ``问题1：`` and ``问题1:``."""
    return _key(label).rstrip(".、:")


def truth_from_expected(entry: dict[str, Any]) -> dict[str, Any]:
    """A samples ``expected.json`` entry in the shape of a manifest row."""
    return {
        "n_issues": entry["issues"],
        "labels": entry.get("labels"),
        "statuses": entry["statuses"],
        "status_raw": entry.get("status_raw"),
        "n_measures": entry["n_measures"],
        "institution": entry.get("institution"),
        "type": entry.get("institution_type"),
        "region": {k: entry.get(k) for k in ("province", "city", "county")},
    }


def score_against_manifest(parsed: ParsedNotice | None, row: dict[str, Any], name: str = "",
                           error: str | None = None, meta: bool = True) -> CorpusScore:
    """Compare one parsed notice (None when parsing failed with ``error``) with its manifest row:
    issue count, labels, statuses, measure counts and (``meta``) institution, institution type
    and region. ``status_raw`` differences are reported too when the row has them.

    >>> from indexer.parsing.parse import parse_text
    >>> row = {"n_issues": 1, "labels": ["1."], "statuses": ["completed"], "n_measures": [2]}
    >>> s = score_against_manifest(parse_text("1.台账不全的问题\\n整改结果：已完成\\n整改情况：一是补齐；二是复核。"), row)
    >>> (s.expected, s.found, s.status_correct, s.measures_correct, s.exact)
    (1, 1, 1, 1, True)
    """
    issues = parsed.issues if parsed is not None else []
    score = CorpusScore(name=name or str(row.get("file", "")), expected=row["n_issues"], found=len(issues))
    if parsed is None:
        score.problems.append(f"not parsed: {error}")
        return score
    if score.found != score.expected:
        score.problems.append(f"{score.found} issues, expected {score.expected}")
    labels, statuses = row.get("labels"), row["statuses"]
    raws, measures = row.get("status_raw"), row["n_measures"]
    for i, issue in enumerate(issues[: score.expected]):
        tag = f"issue {i + 1} {issue.label}"
        if labels is not None and _label_key(issue.label) != _label_key(labels[i]):
            score.problems.append(f"{tag}: label, expected {labels[i]!r}")
        got = issue.status.value if issue.status else None
        if got == statuses[i]:
            score.status_correct += 1
        else:
            score.problems.append(f"{tag}: status {got} (raw {issue.status_raw!r}), expected {statuses[i]}")
        if raws is not None and raws[i] is not None and _key(issue.status_raw) != _key(raws[i]):
            score.problems.append(f"{tag}: status_raw {issue.status_raw!r}, expected {raws[i]!r}")
        if len(issue.measures) == measures[i]:
            score.measures_correct += 1
        else:
            score.problems.append(f"{tag}: {len(issue.measures)} measures, expected {measures[i]}")
    if meta:
        score.problems += meta_problems(parsed, row)
    return score


def meta_problems(parsed: ParsedNotice, row: dict[str, Any]) -> list[str]:
    """Mismatches of the parsed metadata with the row's institution, type, region and ``expect``."""
    meta, out = parsed.meta, []
    wanted = {"institution": row.get("institution"), "institution_type": row.get("type"), **(row.get("region") or {})}
    joint = (row.get("expect") or {}).get("institutions")
    if joint and _text_key(meta.institution or "").replace("、", "") == "".join(map(_text_key, joint)):
        del wanted["institution"]  # a joint notice may name both institutions
    for key, want in wanted.items():
        if want is not None and not _same(getattr(meta, key, None), want):
            out.append(f"{key} {getattr(meta, key, None)!r}, expected {want!r}")
    for key, want in (row.get("expect") or {}).items():
        got, ok = _expected(meta, key, want)
        if not ok:
            out.append(f"{key} {got!r}, expected {want!r}")
    return out


def _expected(meta: Any, key: str, want: Any) -> tuple[Any, bool]:
    """(what the parser gave, whether it is what ``expect[key]`` says)."""
    if key == "inspection_period":
        got = [meta.inspection_period.start, meta.inspection_period.end]
        return got, all(_same(g, w) for g, w in zip(got, want, strict=True))
    if key == "stated_totals":
        got = {}
        for level in want:
            if hasattr(meta.stated_totals, level):
                got[level] = getattr(meta.stated_totals, level)
            else:
                _NOT_COMPARED[f"stated_totals.{level}"] += 1
        return got, all(got[level] == want[level] for level in got)
    if key == "institutions":  # checked with the institution
        return None, True
    if key == "organizations":  # a joint notice: both, as a list or in one name
        got = getattr(meta, "organizations", None) or meta.organization
        if isinstance(got, list):
            return got, len(got) == len(want) and all(_same(g, w) for g, w in zip(got, want, strict=True))
        return got, got is not None and all(_text_key(w) in _text_key(got) for w in want)
    got = getattr(meta, key, None)
    return got, _same(got, want)


def _flagged(issue: Any) -> bool:
    """An issue the parser marks as cut off by the end of the text."""
    return bool(getattr(issue, "truncated", False) or getattr(issue, "incomplete", False)
                or getattr(issue, "complete", True) is False)


def score_row(parsed: ParsedNotice | None, row: dict[str, Any], error: str | None = None,
              meta: bool = True) -> CorpusScore:
    """One notice against its row: issues and metadata (``score_against_manifest``), cut-off last
    heading, problem texts."""
    if parsed is not None and row.get("truncated_last") and len(parsed.issues) == row["n_issues"] + 1 \
            and _flagged(parsed.issues[-1]):
        parsed = dataclasses.replace(parsed, issues=parsed.issues[:-1])
    score = score_against_manifest(parsed, row, name=row["file"], error=error, meta=meta)
    for i, (issue, want) in enumerate(zip(parsed.issues if parsed else [], row.get("problems") or [], strict=False)):
        if _text_key(issue.problem) != _text_key(want):
            score.problems.append(f"issue {i + 1} {issue.label}: problem {issue.problem[:50]!r}, expected {want[:50]!r}")
    return score


def corpus_totals(scores: list[CorpusScore]) -> dict[str, int]:
    """The summary line of ``scripts/check_corpus.py``."""
    return {
        "notices": len(scores),
        "notices_exact": sum(s.exact for s in scores),
        "issues_expected": sum(s.expected for s in scores),
        "issues_found": sum(s.found for s in scores),
        "status_correct": sum(s.status_correct for s in scores),
        "measures_correct": sum(s.measures_correct for s in scores),
    }


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
        scores.append(score_row(parsed, row, error, meta))
    return scores


def by_variant(scores: list[CorpusScore], rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    """variant → [notices exact, notices]."""
    out: dict[str, list[int]] = {}
    for score, row in zip(scores, rows, strict=True):
        cell = out.setdefault(row.get("variant") or "none", [0, 0])
        cell[0] += score.exact
        cell[1] += 1
    return dict(sorted(out.items()))


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
    summary: dict[str, Any] = corpus_totals(scores)
    rows = truth_rows(args.folder)
    if any("variant" in row for row in rows):
        summary["by_variant"] = by_variant(scores, rows)
    if _NOT_COMPARED:
        summary["not_compared"] = dict(_NOT_COMPARED)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
