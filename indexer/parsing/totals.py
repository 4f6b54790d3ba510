"""Stated totals: how many 方面, 问题, completed and in-progress problems a notice says it has.

"N个方面…M个问题", "已完成整改A项，继续整改B项" (Arabic or Chinese numerals); a count whose
nearest noun is 措施/制度/举措 is not a total, nor is one inside an issue's block (梳理问题清单23条 in
its measures): the introduction, a part's heading and the closing summary state the notice's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from indexer.parsing.normalise import fold
from indexer.parsing.numbering import match_heading_markers
from indexer.parsing.numerals import COUNT, NUM, cn_int
from indexer.parsing.status import PARTLY_COMPLETED_COUNTS, STATUS_COUNTS, Status
from indexer.types import StatedTotals

_N = COUNT
_SECTIONS = re.compile(rf"{_N}\s*(?:个|大|项|类)?\s*大?方面")
_GROUPS = re.compile(rf"{_N}\s*个?\s*大项")
_ISSUES = re.compile(
    rf"{_N}\s*(?:个|条|项|处)?\s*(?:具体|突出|主要|共性)?问题"
    rf"|问题(?:清单)?(?:共计?|共有|合计|总计)?\s*({NUM})\s*(?:个|条|项)(?!\s*(?:具体)?表现)"
)
# Counts about something else: a previous round's or an audit's problems, a measure (一是…).
_OTHER_COUNT = re.compile(r"上一?轮|以往|历次|审计|^\s*[一二三四五六七八九十]+是")
# The other levels: 6类问题, 93个具体表现, 64项整改任务, 88项整改措施.
_CATEGORIES = re.compile(rf"{_N}\s*(?:个|大)?\s*类\s*(?:具体|突出|主要|共性)?问题")
_DETAILS = re.compile(rf"{_N}\s*(?:个|条|项|处)?\s*(?:具体)?表现")
_TASKS = re.compile(rf"{_N}\s*(?:个|条|项)\s*(?:具体)?(?:整改)?任务|整改任务\s*({NUM})\s*(?:个|条|项)")
_MEASURES = re.compile(rf"{_N}\s*(?:个|条|项)\s*(?:具体)?整改措施|整改措施\s*({NUM})\s*(?:个|条|项)")
# More 方面 than this is a damaged count ("梳理为327个方面" lost its characters), never a total.
_MOST_SECTIONS = 30
# "其中…": the counts that follow split the stated whole.
_PARTITION = re.compile(r"其中")
_COMPLETED = STATUS_COUNTS[Status.COMPLETED]
_IN_PROGRESS = STATUS_COUNTS[Status.IN_PROGRESS]
_STATUS_PATTERNS = tuple(p for patterns in STATUS_COUNTS.values() for p in patterns) + PARTLY_COMPLETED_COUNTS
_NOUNS = re.compile(r"问题|措施|举措|制度|任务|事项")
_NOT_ISSUE_NOUNS = {"措施", "举措", "制度"}
_COUNTED = re.compile(rf"整改\s*(?:{NUM})\s*(?:个|项|条)")
# "18个问题已全部整改完成": the completed count is the whole.
_ALL_DONE = re.compile(r"全部|均已")
_CLAUSE_END = re.compile(r"[，,；;：:]")
# "…，均已整改完成" after the whole, with no count of its own.
_ALL_DONE_BARE = re.compile(r"(?:均已|已全部|全部已)(?:整改)?(?:完成|到位|完毕|销号)(?:整改)?")


# A part's own counts in brackets closing its heading: "一、…方面（共3个问题，已完成2个）". They
# count that part's problems, not the notice's, and are no part of the part's name.
PART_COUNTS = re.compile(
    rf"\s*[(（](?=[^()（）\n]*(?:问题|完成|整改|推进))(?=[^()（）\n]*{NUM}\s*[个项条])[^()（）\n]{{2,40}}[)）]\s*$"
)


def _without_part_counts(text: str) -> str:
    """The text with the counts closing part headings removed (see :data:`PART_COUNTS`)."""
    return "\n".join(PART_COUNTS.sub("", line) if PART_COUNTS.search(line) and match_heading_markers(fold(line)) else line
                     for line in text.split("\n"))


def _number(m: re.Match[str]) -> int | None:
    return cn_int(next(g for g in m.groups() if g))


def _about_issues(sentence: str, m: re.Match[str]) -> bool:
    """False when a bare count belongs to measures or rules ("制定整改措施56条，已完成52条");
    "已完成整改20个" names its object (整改 of problems) and is always kept."""
    if "问题" in m.group(0) or "整改" in m.group(0):
        return True
    nouns = list(_NOUNS.finditer(sentence, 0, m.start()))
    if not nouns or nouns[-1].group() not in _NOT_ISSUE_NOUNS:
        return True
    # "制定整改措施56条，已完成整改15个，基本完成2个": a count naming 整改 since the measures
    # brought the problems back as the subject.
    return "整改" in sentence[nouns[-1].end() : m.start()] and _COUNTED.search(sentence, nouns[-1].end(), m.start()) is not None


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


def _issue_count(sentence: str, start: int = 0) -> re.Match[str] | None:
    """The first count of problems in ``sentence`` from ``start`` that is not a status count
    ("其中9个问题已整改到位" counts completed problems, not all of them)."""
    taken = [(m.start(), m.end()) for p in _STATUS_PATTERNS for m in p.finditer(sentence)]
    for m in _ISSUES.finditer(sentence, start):
        if _number(m) and not any(a < m.end() and m.start() < b for a, b in taken):
            return m
    return None


def _levels(totals: StatedTotals, sentence: str) -> None:
    """Categories, details, tasks and measures stated in a sentence (first stated wins)."""
    for name, pattern in (("categories", _CATEGORIES), ("details", _DETAILS), ("tasks", _TASKS), ("measures", _MEASURES)):
        m = pattern.search(sentence)
        if m and getattr(totals, name) is None and _number(m):
            setattr(totals, name, _number(m))


def outside_issues(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text with the issues' blocks blanked (newlines kept, offsets unchanged): a count inside
    an issue's measures ("梳理问题清单23条") is that issue's, never the notice's total, which the
    introduction, a part's heading or the closing summary states.

    >>> outside_issues("共2个问题。\\n1.梳理问题清单23条", [(7, 18)])
    '共2个问题。\\n           '
    """
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = ["\n" if c == "\n" else " " for c in text[start:end]]
    return "".join(chars)


def find_totals(text: str, issue_spans: Sequence[tuple[int, int]] = ()) -> StatedTotals:
    """Totals the notice states, at every level it states them, outside the issues' blocks
    (``issue_spans``: :func:`outside_issues`).

    The issue total is the count of problems: not 方面, 类, 具体表现, 整改任务 or 整改措施, each of
    which has its own field; a count of completed or ongoing problems is never the total, but when
    the notice splits a (damaged or unstated) whole with 其中 its parts add up to it.

    >>> find_totals("巡察反馈指出五个方面十八个问题，制定整改措施47条、建立制度9项，已完成整改15个，正在推进整改3个。")
    StatedTotals(sections=5, groups=None, issues=18, completed=15, in_progress=3, raw='巡察反馈指出五个方面十八个问题，制定整改措施47条、建立制度9项，已完成整改15个，正在推进整改3个', categories=None, details=None, tasks=None, measures=47, basically_completed=None, partly_completed=None, long_term=None)
    >>> find_totals("巡察反馈问题13个，均已整改完成。").completed
    13
    >>> t = find_totals("巡察反馈3个方面8类问题。细化为25个具体问题、93个具体表现，形成64项整改任务。")
    >>> t.sections, t.categories, t.issues, t.details, t.tasks
    (3, 8, 25, 93, 64)
    """
    totals = StatedTotals()
    sentences = list(_sentences(_without_part_counts(outside_issues(text, issue_spans))))
    used: dict[int, list[re.Match[str]]] = {}
    for i, s in enumerate(sentences):
        m = _SECTIONS.search(s)
        if not m or (_number(m) or 0) < 2 or not re.search("问题|反馈|指出|巡察|巡视", s):
            continue
        if (_number(m) or 0) > _MOST_SECTIONS:
            continue  # a damaged count ("327个方面"): neither sections nor a total
        totals.sections = _number(m)
        used[i] = [m]
        groups = _GROUPS.search(s, m.end())
        if groups:
            totals.groups = _number(groups)
            used[i].append(groups)
        issues = _issue_count(s, m.end())
        if issues:
            totals.issues = _number(issues)
            used[i].append(issues)
        break
    if totals.issues is None:
        for i, s in enumerate(sentences):
            m = _issue_count(s)
            if m and re.search("反馈|指出|交办|移交|巡察|巡视|细化|问题中|问题清单", s) and not _OTHER_COUNT.search(s):
                totals.issues = _number(m)
                used.setdefault(i, []).append(m)
                break
    for s in sentences:
        if re.search("反馈|指出|巡察|巡视|整改", s):
            _levels(totals, s)
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
        _status_counts(totals, sentences[best[1]], used.setdefault(best[1], []))
    elif at is not None and totals.issues is not None and (m := _ALL_DONE_BARE.search(sentences[at])):
        totals.completed = totals.issues  # "反馈问题13个，均已整改完成": no count, all of them
        used[at].append(m)
    raws = [_clauses(sentences[i], used[i]) for i in sorted(used) if used[i]]
    totals.raw = " / ".join(raws) or None
    return totals


def _status_counts(totals: StatedTotals, sentence: str, used: list[re.Match[str]]) -> None:
    """Completed, ongoing and the complementary counts of the summary sentence; when it splits
    the whole with 其中 and no total was stated, the parts make the total."""
    counts = {
        "completed": _first(_COMPLETED, sentence),
        "in_progress": _first(_IN_PROGRESS, sentence),
        "basically_completed": _first(STATUS_COUNTS[Status.BASICALLY_COMPLETED], sentence),
        "partly_completed": _first(PARTLY_COMPLETED_COUNTS, sentence),
        "long_term": _first(STATUS_COUNTS[Status.LONG_TERM], sentence),
    }
    spans: list[tuple[int, int]] = []
    for name, m in counts.items():
        if m is None or any(a < m.end() and m.start() < b for a, b in spans):
            continue  # one phrase is one count: 阶段性完成 is not also 完成
        setattr(totals, name, _number(m))
        spans.append((m.start(), m.end()))
        used.append(m)
    if totals.partly_completed is not None:  # 阶段性完成 is in progress in the status vocabulary
        totals.in_progress = (totals.in_progress or 0) + totals.partly_completed
    done = counts["completed"]
    if totals.issues is None and done is not None and _ALL_DONE.search(done.group(0)) and len(spans) == 1:
        totals.issues = totals.completed
    partition = _PARTITION.search(sentence)
    if totals.issues is None and partition and spans and partition.start() < min(a for a, _ in spans):
        totals.issues = sum(getattr(totals, name) or 0 for name in counts if name != "partly_completed")
