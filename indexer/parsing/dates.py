"""Dates: every date mention of a notice, and which ones are the inspection period and feedback.

    >>> t = "2024年4月8日至6月28日，县委第一巡察组对县人民医院党委开展了巡察。8月15日，反馈了巡察意见。"
    >>> d = find_dates(t); find_period(t, d, resolve_years(d)), find_feedback(t, d).iso(2024)
    (DateSpan(start='2024-04-08', end='2024-06-28'), '2024-08-15')

* **inspection_period** — the first date range followed by a 巡察组 or 开展了…巡察 in its sentence,
  with no 整改/反馈 in between; 旬/初/底 keep only the month ("2021年3月上旬" → "2021-03").
* **feedback_date** — the date nearest before a feedback verb (反馈了, 向…反馈, 反馈会) in the same
  sentence, not part of a range; a missing year comes from the previous dated mention (next year
  when the month/day would go backwards) or the publish date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.parsing.numerals import cn_int
from indexer.types import DateSpan

_YEAR = r"\d{4}|[〇零○Ｏ一二三四五六七八九]{4}"
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_DAY = r"3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_DATE = re.compile(
    rf"(?<![\d０-９.年])(?:(?P<y>{_YEAR})\s*年\s*)?(?P<m>{_MONTH})\s*月份?\s*"
    rf"(?:(?P<d>{_DAY})\s*[日号]|(?P<part>上旬|中旬|下旬|中下旬|上中旬|初|底|末|中))?"
    rf"|(?<![\d.])(?P<y2>(?:19|20)\d{{2}})[.\-/](?P<m2>1[0-2]|0?[1-9])[.\-/](?P<d2>3[01]|[12]\d|0?[1-9])(?!\d)"
)
# The same pattern without group names, to embed in other patterns.
DATE_ANY = re.sub(r"\(\?P<\w+>", "(?:", _DATE.pattern)
_RANGE_JOINER = re.compile(r"^\s*(?:起)?\s*(?:至|到|—{1,2}|－|-|~|～|–)\s*$")


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    year: int | None
    month: int
    day: int | None  # None for 上旬/底/… or a month alone
    text: str

    def iso(self, year: int | None = None) -> str | None:
        """ISO date, partial when the day is not known; None without a year."""
        y = self.year if self.year is not None else year
        if y is None:
            return None
        return f"{y:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")

    def key(self) -> tuple[int, int]:
        return (self.month, self.day or 0)


def find_dates(text: str) -> list[DateMention]:
    """Every date in ``text`` (full, partial, yearless; Arabic or Chinese numerals).

    >>> [d.iso(2000) for d in find_dates("2021年3月上旬至5月，二〇二三年九月二十日，11月7日，2023.4.17")]
    ['2021-03', '2000-05', '2023-09-20', '2000-11-07', '2023-04-17']
    """
    found = []
    for m in _DATE.finditer(text):
        if m.group("y2"):
            year, month, day = int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
        else:
            year = cn_int(m.group("y")) if m.group("y") else None
            month = cn_int(m.group("m")) or 0
            day = cn_int(m.group("d")) if m.group("d") else None
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            continue
        found.append(DateMention(m.start(), m.end(), year, month, day, m.group(0).strip()))
    return found


@dataclass(frozen=True, slots=True)
class DateRange:
    first: DateMention
    last: DateMention


def _ranges(text: str, dates: list[DateMention]) -> list[DateRange]:
    return [
        DateRange(a, b)
        for a, b in zip(dates, dates[1:], strict=False)
        if _RANGE_JOINER.match(text[a.end : b.start])
    ]


def _year_after(previous: DateMention, previous_year: int, current: DateMention) -> int:
    """Year of a yearless date that follows ``previous`` in the story (never goes backwards)."""
    return previous_year + 1 if current.key() < previous.key() else previous_year


def resolve_years(dates: list[DateMention]) -> list[int | None]:
    """Each date's year: printed, or carried from the previous dated mention."""
    years: list[int | None] = []
    last: tuple[DateMention, int] | None = None
    for d in dates:
        if d.year is not None:
            year = d.year
        elif last is not None:
            year = _year_after(last[0], last[1], d)
        else:
            year = None
        years.append(year)
        if year is not None:
            last = (d, year)
    return years


# An inspection team or the act of inspecting (not 巡察反馈问题, which is the rectification).
_INSPECTED = re.compile(r"巡[察视][^，。,；;]{0,3}组|(?:开展|进行|实施)了?[^，。,；;]{0,8}巡[察视]|进驻")
_FEEDBACK = re.compile(
    r"反馈了(?!整改)|反馈(?:巡察|巡视)(?:意见|情况)|(?:巡察|巡视)?(?:情况)?反馈会|"
    r"(?:进行|作出|作了)了?反馈|向[^。，,；;]{1,40}?反馈(?!整改)"
)
_SENTENCE_END = re.compile(r"[。！？\n]")


def _sentence_bounds(text: str, at: int) -> tuple[int, int]:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = starts[-1] if starts else 0
    end_match = _SENTENCE_END.search(text, at)
    return start, end_match.start() if end_match else len(text)


def find_period(
    text: str, dates: list[DateMention], years: list[int | None], publish: str | None = None
) -> DateSpan:
    """The inspection period: a date range followed by a 巡察组 or 开展…巡察, no 整改/反馈 between.

    >>> t = "2021年3月上旬至2021年5月中旬，市委第四巡察组对学院党委开展了巡察。"
    >>> d = find_dates(t); find_period(t, d, resolve_years(d))
    DateSpan(start='2021-03', end='2021-05')
    """
    index = {id(d): i for i, d in enumerate(dates)}
    for r in _ranges(text, dates):
        _, sentence_end = _sentence_bounds(text, r.last.end)
        after = text[r.last.end : sentence_end]
        m = _INSPECTED.search(after)
        if m and not re.search(r"整改|反馈", after[: m.start()]):
            first_year = years[index[id(r.first)]]
            if first_year is None:  # "3月12日至5月10日": the year comes from what follows
                first_year = _year_before(r.first, dates, years, publish)
            last_year = years[index[id(r.last)]]
            if last_year is None and first_year is not None:
                last_year = _year_after(r.first, first_year, r.last)
            return DateSpan(r.first.iso(first_year), r.last.iso(last_year))
    return DateSpan()


def _year_before(date: DateMention, dates: list[DateMention], years: list[int | None], publish: str | None) -> int | None:
    """Year of a yearless date told before any dated mention: the next dated mention's year
    (one less if the month/day would go backwards), else the publish date's."""
    later = [(d, y) for d, y in zip(dates, years, strict=True) if d.start > date.start and d.year is not None]
    if later:
        following, year = later[0]
        return year - 1 if following.key() < date.key() else year
    if publish and publish[:4].isdigit():
        month = int(publish[5:7]) if len(publish) >= 7 else 12
        return int(publish[:4]) - (1 if date.month > month else 0)
    return None


def find_feedback(text: str, dates: list[DateMention]) -> DateMention | None:
    """The date the inspection team fed back, nearest before a feedback verb in its sentence."""
    in_range = {id(d) for r in _ranges(text, dates) for d in (r.first, r.last)}
    for m in _FEEDBACK.finditer(text):
        start, end = _sentence_bounds(text, m.start())
        before = [d for d in dates if start <= d.start and d.end <= m.start() and id(d) not in in_range]
        if before and m.start() - before[-1].end <= 80:
            return before[-1]
        after = [d for d in dates if m.end() <= d.start < min(end, m.end() + 15) and id(d) not in in_range]
        if after:
            return after[0]
    return None


def infer_year(date: DateMention, dates: list[DateMention], years: list[int | None], publish: str | None) -> int | None:
    """Year of a yearless date: from the closest earlier dated mention, else the publish date."""
    earlier = [(d, y) for d, y in zip(dates, years, strict=True) if d.start < date.start and y is not None]
    if earlier:
        previous, year = earlier[-1]
        return _year_after(previous, year, date)
    if publish and publish[:4].isdigit():
        year = int(publish[:4])
        month = int(publish[5:7]) if len(publish) >= 7 else 12
        return year - 1 if date.month > month else year
    return None
