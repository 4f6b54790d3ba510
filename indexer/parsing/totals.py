"""Stated totals: how many 方面, 问题, completed and in-progress problems a notice says it has.

"N个方面…M个问题", "已完成整改A项，继续整改B项" (Arabic or Chinese numerals); a count whose
nearest noun is 措施/制度/举措 is not a total.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from indexer.parsing.numerals import COUNT, NUM, cn_int
from indexer.parsing.status import STATUS_COUNTS, Status
from indexer.types import StatedTotals

_N = COUNT
_SECTIONS = re.compile(rf"{_N}\s*(?:个|大|项|类)?\s*大?方面")
_GROUPS = re.compile(rf"{_N}\s*个?\s*大项")
_ISSUES = re.compile(
    rf"{_N}\s*(?:个|条|项|类|处)?\s*(?:具体|突出|主要|共性)?问题|问题(?:共计?|共有|合计|总计)?\s*({NUM})\s*(?:个|条|项)"
)
_COMPLETED = STATUS_COUNTS[Status.COMPLETED]
_IN_PROGRESS = STATUS_COUNTS[Status.IN_PROGRESS]
_NOUNS = re.compile(r"问题|措施|举措|制度|任务|事项")
_NOT_ISSUE_NOUNS = {"措施", "举措", "制度"}
_CLAUSE_END = re.compile(r"[，,；;：:]")


def _number(m: re.Match[str]) -> int | None:
    return cn_int(next(g for g in m.groups() if g))


def _about_issues(sentence: str, m: re.Match[str]) -> bool:
    """False when a bare count belongs to measures or rules ("制定整改措施56条，已完成52条");
    "已完成整改20个" names its object (整改 of problems) and is always kept."""
    if "问题" in m.group(0) or "整改" in m.group(0):
        return True
    nouns = _NOUNS.findall(sentence[: m.start()])
    return not nouns or nouns[-1] not in _NOT_ISSUE_NOUNS


def _first(patterns: Iterable[re.Pattern[str]], sentence: str) -> re.Match[str] | None:
    hits = [m for p in patterns for m in p.finditer(sentence) if _about_issues(sentence, m)]
    return min(hits, key=lambda m: m.start()) if hits else None


def _fits(issues: int | None, done: re.Match[str] | None, going: re.Match[str] | None) -> bool:
    """Counts of rectified problems cannot exceed the stated number of problems."""
    if issues is None:
        return True
    counts = [_number(m) or 0 for m in (done, going) if m]
    return sum(counts) <= issues


def _sentences(text: str) -> Iterator[str]:
    yield from (s for s in re.split(r"[。！？\n]", text) if s.strip())


def _clauses(sentence: str, matches: list[re.Match[str]]) -> str:
    """The clauses of ``sentence`` that hold the matches (for ``StatedTotals.raw``)."""
    start = min(m.start() for m in matches)
    end = max(m.end() for m in matches)
    before = [c.end() for c in _CLAUSE_END.finditer(sentence, 0, start)]
    after = _CLAUSE_END.search(sentence, end)
    return sentence[before[-1] if before else 0 : after.start() if after else len(sentence)].strip()


def find_totals(text: str) -> StatedTotals:
    """Totals the notice states.

    >>> find_totals("巡察反馈指出五个方面十八个问题，制定整改措施47条、建立制度9项，已完成整改15个，正在推进整改3个。")
    StatedTotals(sections=5, groups=None, issues=18, completed=15, in_progress=3, raw='巡察反馈指出五个方面十八个问题，制定整改措施47条、建立制度9项，已完成整改15个，正在推进整改3个')
    """
    totals = StatedTotals()
    sentences = list(_sentences(text))
    used: dict[int, list[re.Match[str]]] = {}
    for i, s in enumerate(sentences):
        m = _SECTIONS.search(s)
        if not m or (_number(m) or 0) < 2 or not re.search("问题|反馈|指出|巡察|巡视", s):
            continue
        totals.sections = _number(m)
        used[i] = [m]
        groups = _GROUPS.search(s, m.end())
        if groups:
            totals.groups = _number(groups)
            used[i].append(groups)
        issues = _ISSUES.search(s, m.end())
        if issues and _number(issues):
            totals.issues = _number(issues)
            used[i].append(issues)
        break
    if totals.issues is None:
        for i, s in enumerate(sentences):
            m = _ISSUES.search(s)
            if m and _number(m) and re.search("反馈|指出|交办|移交|巡察|巡视", s):
                totals.issues = _number(m)
                used.setdefault(i, []).append(m)
                break
    at = min(used) if used else None  # the sentence stating 方面/问题, if any
    best: tuple[int, int] | None = None  # (rank, index)
    for i, s in enumerate(sentences):
        done, going = _first(_COMPLETED, s), _first(_IN_PROGRESS, s)
        if not (done or going) or not _fits(totals.issues, done, going):
            continue
        follows = at is not None and at < i <= at + 2  # "…17个问题。截至目前，已完成整改14项…"
        stated = totals.issues is not None and re.search(rf"(?<!\d){totals.issues}(?!\d)", s)
        if i == at:
            rank = 3
        elif follows or stated or "方面" in s or "问题中" in s:
            rank = 2
        elif re.search("问题|巡察|巡视|反馈", s):
            rank = 1
        else:
            continue
        if best is None or rank > best[0]:
            best = (rank, i)
    if best is not None:
        s = sentences[best[1]]
        done, going = _first(_COMPLETED, s), _first(_IN_PROGRESS, s)
        totals.completed = _number(done) if done else None
        totals.in_progress = _number(going) if going else None
        used.setdefault(best[1], []).extend(m for m in (done, going) if m)
    raws = [_clauses(sentences[i], used[i]) for i in sorted(used)]
    totals.raw = " / ".join(raws) or None
    return totals
