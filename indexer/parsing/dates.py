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

import itertools
import re
from dataclasses import dataclass, replace

from indexer.parsing.numerals import cn_int
from indexer.types import DateSpan

_YEAR = r"\d{4}|[〇零○Ｏ一二三四五六七八九]{4}"
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_DAY = r"3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_DATE = re.compile(
    rf"(?<![\d０-９.年])(?:(?P<y>{_YEAR})\s*年\s*)?(?P<m>{_MONTH})\s*月份?\s*"
    rf"(?:(?P<d>{_DAY})\s*[日号]|(?P<part>上旬|中旬|下旬|中下旬|上中旬|初|底|末|中)"
    # a day whose 日 the page lost, before a range joiner or a comma ("8月15至10月20日")
    rf"|(?P<d0>3[01]|[12]\d|0?[1-9])(?=\s*(?:至|到|[—~～－]|[，,；;]|对)))?"
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
    # A date whose 年/月/日 the page lost ("2023815日"): every calendar-valid (month, day); month
    # and day above are the first of them until the notice's other dates decide.
    readings: tuple[tuple[int, int], ...] = ()

    def iso(self, year: int | None = None) -> str | None:
        """ISO date, partial when the day is not known; None without a year."""
        y = self.year if self.year is not None else year
        if y is None:
            return None
        return f"{y:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")

    def key(self) -> tuple[int, int]:
        return (self.month, self.day or 0)


# Digits that lost their 年/月 (and sometimes 日): "2023815日", "716日", the range end "至56对".
_LOST = re.compile(r"(?<![\d０-９.\-/:：年月第])(?:(?P<y>(?:19|20)\d{2})\s*年?)?(?P<md>\d{2,4})\s*(?P<d>[日号])?")
_RANGE_START = re.compile(r"\s*(?:至|到)")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _readings(digits: str, year: int | None) -> tuple[tuple[int, int], ...]:
    """Every calendar-valid (month, day) a run of digits can be cut into: "114" → 1-14 or 11-4."""
    out = []
    for cut in range(1, len(digits)):
        month, day = digits[:cut], digits[cut:]
        if len(month) > 2 or len(day) > 2:
            continue
        m, d = int(month), int(day)
        leap = year is None or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))
        if 1 <= m <= 12 and 1 <= d <= (_DAYS[m - 1] if m != 2 or leap else 28):
            out.append((m, d))
    return tuple(out)


def _lost_dates(text: str, printed: list[DateMention]) -> list[DateMention]:
    """Dates whose 年/月/日 were lost: with a year, or 3–4 digits before 日, or (without 日) the
    end of a range whose start lost them too."""
    taken = [(d.start, d.end) for d in printed]
    found: list[DateMention] = []
    for m in _LOST.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        year = int(m.group("y")) if m.group("y") else None
        digits = m.group("md")
        before = [d for d in (*printed, *found) if d.end <= m.start()]
        previous = max(before, key=lambda d: d.end) if before else None
        range_end = previous is not None and _RANGE_JOINER.match(text[previous.end : m.start()]) is not None
        # Two digits without a year are a day ("15日") unless no day is that large ("63日" is 6-3).
        short = year is None and len(digits) < 3 and int(digits) <= 31
        joined = year is not None and _RANGE_START.match(text, m.end()) is not None  # "2023815至1020日"
        if not (m.group("d") or range_end or joined) or (short and not range_end):
            continue
        readings = _readings(digits, year)
        if readings:
            month, day = readings[0]
            found.append(DateMention(m.start(), m.end(), year, month, day, m.group(0).strip(), readings))
    return found


def find_dates(text: str, lost: bool = False) -> list[DateMention]:
    """Every date in ``text`` (full, partial, yearless; Arabic or Chinese numerals); with
    ``lost``, also the dates whose 年/月/日 the page lost, with their possible readings.

    >>> [d.iso(2000) for d in find_dates("2021年3月上旬至5月，二〇二三年九月二十日，11月7日，2023.4.17，8月15至9月3日")]
    ['2021-03', '2000-05', '2023-09-20', '2000-11-07', '2023-04-17', '2000-08-15', '2000-09-03']
    >>> [(d.year, d.readings) for d in find_dates("2023815日至1020日，2022113日反馈，于63日、15日", lost=True)]
    [(2023, ((8, 15),)), (None, ((10, 20),)), (2022, ((1, 13), (11, 3))), (None, ((6, 3),))]
    """
    found = []
    for m in _DATE.finditer(text):
        if m.group("y2"):
            year, month, day = int(m.group("y2")), int(m.group("m2")), int(m.group("d2"))
        else:
            year = cn_int(m.group("y")) if m.group("y") else None
            month = cn_int(m.group("m")) or 0
            day = cn_int(m.group("d")) if m.group("d") else (int(m.group("d0")) if m.group("d0") else None)
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
            continue
        found.append(DateMention(m.start(), m.end(), year, month, day, m.group(0).strip()))
    if lost:
        found = sorted([*found, *_lost_dates(text, found)], key=lambda d: d.start)
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
    r"|(?<=[日号])\s*反馈(?:了)?意见"  # "7月20日反馈意见": right after its date
)
_SENTENCE_END = re.compile(r"[。！？\n]")


def _sentence_bounds(text: str, at: int) -> tuple[int, int]:
    starts = [m.end() for m in _SENTENCE_END.finditer(text, 0, at)]
    start = starts[-1] if starts else 0
    end_match = _SENTENCE_END.search(text, at)
    return start, end_match.start() if end_match else len(text)


def _period_range(text: str, dates: list[DateMention]) -> DateRange | None:
    """The range followed by a 巡察组 or 开展…巡察 in its sentence, no 整改/反馈 between."""
    for r in _ranges(text, dates):
        _, sentence_end = _sentence_bounds(text, r.last.end)
        after = text[r.last.end : sentence_end]
        m = _INSPECTED.search(after)
        if m and not re.search(r"整改|反馈", after[: m.start()]):
            return r
    return None


def _span(r: DateRange, dates: list[DateMention], years: list[int | None], publish: str | None) -> DateSpan:
    index = {id(d): i for i, d in enumerate(dates)}
    first_year = years[index[id(r.first)]]
    if first_year is None:  # "3月12日至5月10日": the year comes from what follows
        first_year = _year_before(r.first, dates, years, publish)
    last_year = years[index[id(r.last)]]
    if last_year is None and first_year is not None:
        last_year = _year_after(r.first, first_year, r.last)
    return DateSpan(r.first.iso(first_year), r.last.iso(last_year))


def find_period(
    text: str, dates: list[DateMention], years: list[int | None], publish: str | None = None
) -> DateSpan:
    """The inspection period: a date range followed by a 巡察组 or 开展…巡察, no 整改/反馈 between.

    >>> t = "2021年3月上旬至2021年5月中旬，市委第四巡察组对学院党委开展了巡察。"
    >>> d = find_dates(t); find_period(t, d, resolve_years(d))
    DateSpan(start='2021-03', end='2021-05')
    """
    r = _period_range(text, dates)
    return _span(r, dates, years, publish) if r else DateSpan()


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


@dataclass(frozen=True, slots=True)
class NoticeDates:
    period: DateSpan
    feedback: str | None
    feedback_inferred: bool  # the feedback date printed no year
    warnings: tuple[str, ...] = ()


def _feedback_iso(
    feedback: DateMention | None, dates: list[DateMention], years: list[int | None], publish: str | None
) -> tuple[str | None, bool]:
    if feedback is None:
        return None, False
    if feedback.year is not None:
        return feedback.iso(), False
    year = infer_year(feedback, dates, years, publish)
    return feedback.iso(year), year is not None


def _in_order(*isos: str | None) -> bool:
    """Inspection start ≤ end ≤ feedback ≤ publish, the period under a year (partial dates compare
    on what they print)."""
    known = [iso for iso in isos if iso]
    if any(a[: len(b)] > b[: len(a)] for a, b in zip(known, known[1:], strict=False)):
        return False
    start, end = isos[0], isos[1]
    return not (start and end and int(end[:4]) - int(start[:4]) > 1)


def notice_dates(text: str, publish: str | None = None) -> NoticeDates:
    """Inspection period and feedback date of a notice (see the module docstring).

    A date that lost its 年/月/日 is read the only way that keeps start ≤ end ≤ feedback ≤
    publish; when several readings remain, the date is left empty with a warning.

    >>> notice_dates("2022918日至125日，县委第三巡察组对县林业局党组开展了巡察。2023112日，"
    ...              "县委第三巡察组向县林业局党组反馈了巡察意见。", publish="2023-05-20")
    NoticeDates(period=DateSpan(start='2022-09-18', end='2022-12-05'), feedback='2023-01-12', feedback_inferred=False, warnings=())
    """
    dates = find_dates(text, lost=True)
    chosen = _period_range(text, dates)
    feedback = find_feedback(text, dates)
    at = {id(d): i for i, d in enumerate(dates)}
    lost = sorted({at[id(d)] for d in (chosen.first if chosen else None, chosen.last if chosen else None, feedback)
                   if d is not None and len(d.readings) > 0})
    outcomes: set[tuple[str | None, str | None, str | None, bool]] = set()  # start, end, feedback, inferred
    for combo in itertools.product(*(dates[i].readings for i in lost)):
        read = list(dates)
        for i, (month, day) in zip(lost, combo, strict=True):
            read[i] = replace(dates[i], month=month, day=day)
        years = resolve_years(read)
        span = DateRange(read[at[id(chosen.first)]], read[at[id(chosen.last)]]) if chosen else None
        period = _span(span, read, years, publish) if span else DateSpan()
        fb, inferred = _feedback_iso(read[at[id(feedback)]] if feedback else None, read, years, publish)
        if not lost or _in_order(period.start, period.end, fb, publish):
            outcomes.add((period.start, period.end, fb, inferred))
    if len(outcomes) == 1:
        start, end, fb, inferred = outcomes.pop()
        return NoticeDates(DateSpan(start, end), fb, inferred)
    # Several readings (or none) fit: keep what they agree on, leave the rest empty.
    starts, ends = {o[0] for o in outcomes}, {o[1] for o in outcomes}
    feedbacks = {(o[2], o[3]) for o in outcomes}
    period = DateSpan(starts.pop() if len(starts) == 1 else None, ends.pop() if len(ends) == 1 else None)
    fb, inferred = feedbacks.pop() if len(feedbacks) == 1 else (None, False)
    texts = ", ".join(dates[i].text for i in lost)
    return NoticeDates(period, fb, inferred, (f"dates that lost 年/月/日 ({texts}) read several ways or none: left empty",))
