"""Comparison of parsed notices with hand-checked gold segmentations (``seeds/gold/*.json``).

One function, :func:`score_notice`, is used by ``tests/test_gold.py`` and ``scripts/check_gold.py``.
A gold issue is matched by the next parsed issue (in order) whose problem contains its
``title_key`` and none of whose measures do — compared after :func:`fold` and with all
whitespace removed on both sides; parsed issues skipped over are extra.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.parsing.normalise import fold
from indexer.parsing.parse import parse_file
from indexer.types import Issue, ParsedNotice

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


# ---------------------------------------------------------------------------------------------
# Generated corpora (scripts/gen_corpus.py manifest.jsonl) and the bundled samples (expected.json)


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
    if not meta:
        return score
    wanted = {"institution": row.get("institution"), "institution_type": row.get("type")}
    wanted.update(row.get("region") or {})
    for key, want in wanted.items():
        got = getattr(parsed.meta, key, None)
        if want is not None and got != want:
            score.problems.append(f"{key} {got!r}, expected {want!r}")
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
