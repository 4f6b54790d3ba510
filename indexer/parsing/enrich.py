"""Enrichment: notice metadata (:func:`extract_meta`) and per-issue extras (:func:`enrich_issue`).

    >>> meta = extract_meta(NormalisedText(
    ...     "中共云岭县人民医院委员会\\n关于巡察整改进展情况的通报\\n"
    ...     "2024年4月8日至6月28日，县委第一巡察组对县人民医院党委开展了巡察。"
    ...     "8月15日，县委第一巡察组向医院党委反馈了巡察意见。"))
    >>> meta.title, meta.institution, meta.inspection_body, meta.feedback_date, meta.feedback_date_inferred
    ('中共云岭县人民医院委员会关于巡察整改进展情况的通报', '云岭县人民医院', '县委第一巡察组', '2024-08-15', True)

Where each field comes from (general rules, checked on real notices):

* **title** — the first lines that end in 通报/公告/报告/情况…, joined when printed over several
  lines ("中共X委员会" / "关于…的" / "通 报"), letter-spacing removed; else the info block's 标题.
* **organization** — the part of the title before 关于 when it is a Party organisation (中共…,
  …党委/党组/党支部); else the signature above the closing date when that is one; else the
  signature (fuller than the title's short form); else the title part.
* **institution** — that title part (or the organisation) without the Party wrapper: 中共X委员会
  → X, X党组 → X, X党委 → X. **institution_type** — :mod:`indexer.parsing.institutions`.
* **region** — :mod:`indexer.parsing.regions` over institution, organisation, title, signature, the
  postal address line, then the introduction.
* **inspection_body** / **inspection_round** / **kind** / **type** — patterns over the title and
  introduction (numbered bodies preferred over a bare 市委巡察组). **level** from the body's
  committee: 中央 → central, 省委/自治区党委 → province, 市委/州委/盟委 → city (county when the
  institution sits in a county-level city), 县委/区委/旗委 → county.
* **inspection_period** — the first date range followed by a 巡察组 or 开展了…巡察 in its sentence,
  with no 整改/反馈 in between;
  旬/初/底 keep only the month ("2021年3月上旬" → "2021-03").
* **feedback_date** — the date nearest before a feedback verb (反馈了, 向…反馈, 反馈会) in the same
  sentence, not part of a range; a missing year comes from the previous dated mention (next year
  when the month/day would go backwards) or the publish date, and ``feedback_date_inferred`` is set.
* **publish_date** — the date line of the signature, else 发文时间/成文时间/发布时间 of the info block.
* **stated_totals** — "N个方面…M个问题", "已完成整改A项，继续整改B项" (Arabic or Chinese numerals);
  a count whose nearest noun is 措施/制度/举措 is not a total.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from indexer.parsing import regions
from indexer.parsing.institutions import INSTITUTION_TYPES, institution_type
from indexer.types import DateSpan, Issue, NormalisedText, NoticeMeta, StatedTotals

__all__ = ["INSTITUTION_TYPES", "INSPECTION_KINDS", "INSPECTION_TYPES", "LEVELS", "extract_meta", "enrich_issue", "cn_int", "find_dates"]

# Level of the inspecting body, by the committee that sends it.
LEVELS: dict[str, str] = {
    "中央": "central",
    "自治区党委": "province",
    "省委": "province",
    "市委": "city",
    "州委": "city",
    "盟委": "city",
    "县委": "county",
    "区委": "county",
    "旗委": "county",
    "特区委": "county",
    "林区委": "county",
}

# --------------------------------------------------------------------------- numbers

_CN_DIGIT = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
NUM = r"[0-9０-９]+|[零〇两一二三四五六七八九十百千]+"


def cn_int(text: str) -> int | None:
    """An Arabic or Chinese numeral as an int; None when it is not one.

    >>> cn_int("二十二"), cn_int("十"), cn_int("一百零五"), cn_int("31"), cn_int("二〇二四")
    (22, 10, 105, 31, 2024)
    """
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)  # int() reads full-width digits too
    if all(ch in _CN_DIGIT for ch in text):  # read digit by digit: 二〇二四
        return int("".join(str(_CN_DIGIT[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


# --------------------------------------------------------------------------- dates

_YEAR = r"\d{4}|[〇零○Ｏ一二三四五六七八九]{4}"
_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_DAY = r"3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_DATE = re.compile(
    rf"(?<![\d０-９.年])(?:(?P<y>{_YEAR})\s*年\s*)?(?P<m>{_MONTH})\s*月份?\s*"
    rf"(?:(?P<d>{_DAY})\s*[日号]|(?P<part>上旬|中旬|下旬|中下旬|上中旬|初|底|末|中))?"
    rf"|(?<![\d.])(?P<y2>(?:19|20)\d{{2}})[.\-/](?P<m2>1[0-2]|0?[1-9])[.\-/](?P<d2>3[01]|[12]\d|0?[1-9])(?!\d)"
)
# The same pattern without group names, to embed in other patterns.
_DATE_ANY = re.sub(r"\(\?P<\w+>", "(?:", _DATE.pattern)
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


def _resolve_years(dates: list[DateMention]) -> list[int | None]:
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


# --------------------------------------------------------------------------- lines, title, info block

_LETTER_SPACING = re.compile(r"(?<=[\u3400-\u9fff])[ \u3000\xa0]+(?=[\u3400-\u9fff])")
_INFO_LABELS = {"索引号", "主题分类", "发布机构", "成文时间", "成文日期", "文号", "发文时间", "发文日期",
                "发布时间", "发布日期", "标题", "效力状态", "来源", "公开方式", "公开范围", "生成日期"}
_INFO_LINE = re.compile(r"^[-•·*\s]*([\u4e00-\u9fff][\u4e00-\u9fff \u3000]{1,8}?)\s*[:：]\s*(.*)$")
_TITLE_END = re.compile(r"(?:通报|公告|公示|报告|情况|通告|说明|通知)(?:[（(][^）)]{1,12}[）)])?$")
_SENTENCE_LIKE = re.compile(r"[。！？]|^(?:根据|按照|为|经)")
_NOT_TITLE = re.compile(r"^[（(【\[]?(?:社会公开稿|公开稿|此件公开发布|全文)[）)】\]]?$")
_ORG_END = re.compile(r"(?:委员会|党委|党组|党总支|党支部|党工委|医院|卫生院|中心|局|院|校|学|公司|集团|镇|乡|街道|办|所|站|馆|委|社区|村)$")


def despace(text: str) -> str:
    """Remove letter-spacing between Chinese characters.

    >>> despace("通 报"), despace("索 引 号")
    ('通报', '索引号')
    """
    return _LETTER_SPACING.sub("", text.strip())


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def info_block(lines: list[str]) -> dict[str, str]:
    """Info-disclosure labels among the first lines ("- 索 引 号:000000/…" → {"索引号": …})."""
    found: dict[str, str] = {}
    for line in lines[:25]:
        m = _INFO_LINE.match(line)
        if m and despace(m.group(1)).replace(" ", "") in _INFO_LABELS:
            found.setdefault(despace(m.group(1)).replace(" ", ""), m.group(2).strip())
    return found


def _is_info_line(line: str) -> bool:
    m = _INFO_LINE.match(line)
    return bool(m and despace(m.group(1)).replace(" ", "") in _INFO_LABELS)


def _joinable(previous: str, first: str) -> bool:
    """Does ``previous`` continue into the title part ``first`` (a title printed over lines)?"""
    if len(previous) > 50 or re.search(r"[。，,；;：:]", previous) or _is_info_line(previous):
        return False
    return bool(
        first.startswith("关于")
        or len(first) <= 6
        or previous.endswith(("的", "关于"))
        or previous.startswith("关于")
        or _ORG_END.search(previous)
    )


@dataclass(frozen=True, slots=True)
class Title:
    text: str
    last_line: int  # index in the line list of the title's last line


def find_title(lines: list[str], header: dict[str, str]) -> Title | None:
    """The notice title, joined over lines; falls back to the info block's 标题.

    >>> find_title(["中共青禾县农业农村局党组", "关于落实县委巡察反馈意见整改情况的", "通 报", "根据…"], {})
    Title(text='中共青禾县农业农村局党组关于落实县委巡察反馈意见整改情况的通报', last_line=2)
    """
    for i, raw in enumerate(lines[:15]):
        line = despace(raw)
        if _is_info_line(line) or _NOT_TITLE.match(line):
            continue
        if _SENTENCE_LIKE.search(line) or len(line) > 100:
            break
        if not _TITLE_END.search(line):
            continue
        parts, j = [line], i - 1
        while j >= 0 and len(parts) < 4:
            previous = despace(lines[j])
            if not _joinable(previous, parts[0]) or _NOT_TITLE.match(previous):
                break
            parts.insert(0, previous)
            j -= 1
        return Title("".join(parts), i)
    labelled = header.get("标题")
    return Title(despace(labelled), -1) if labelled else None


# --------------------------------------------------------------------------- organisation, institution

_PARTY_PREFIX = re.compile(r"^(?:中共|中国共产党)")
_PARTY_SUFFIX = re.compile(
    r"(?:机关委员会|机关党委|党总支委员会|党支部委员会|总支部委员会|支部委员会|党总支部|党总支|党支部|党工委|党委|党组)$"
)
# 中共X委员会 → X only when X is a body's name (not 卫生健康委员会, which is the body itself).
_BODY_END = re.compile(r"(?:院|局|中心|镇|乡|街道|校|学|公司|集团|所|站|社区|村|县|市|区|旗|厅|办|馆|队)$")


def is_party_org(name: str) -> bool:
    """中共…, …党委, …党组, …党支部 …

    >>> is_party_org("中共青禾县人民医院委员会"), is_party_org("云岭市第二医院党委"), is_party_org("清河社区卫生服务中心")
    (True, True, False)
    """
    return bool(_PARTY_PREFIX.search(name) or _PARTY_SUFFIX.search(name))


def strip_party(name: str) -> str:
    """The institution inside a Party organisation's name.

    >>> strip_party("中共青禾县人民医院委员会"), strip_party("中共青禾县农业农村局党组"), strip_party("中共某县卫生健康委员会党组")
    ('青禾县人民医院', '青禾县农业农村局', '某县卫生健康委员会')
    """
    had_prefix = bool(_PARTY_PREFIX.search(name))
    core = _PARTY_PREFIX.sub("", name)
    stripped = _PARTY_SUFFIX.sub("", core)
    if stripped == core and had_prefix and core.endswith("委员会") and _BODY_END.search(core[:-3]):
        stripped = core[:-3]
    return stripped or name


_TITLE_SPLIT = re.compile(r"(?:落实|接受|(?:第?[一二三四五六七八九十]+届)|(?:省|市|县|区|州|旗)委|巡察|巡视|整改)")
_AFTER_ABOUT = re.compile(r"^关于对?(.{2,40}?)(?:落实|接受|对|第?[一二三四五六七八九十]+[届轮]|(?:省|市|县|区|州|旗)委|巡察|巡视|整改)")


def title_issuer(title: str) -> str | None:
    """The organisation printed at the head of the title.

    >>> title_issuer("中共云岭市中西医结合医院委员会关于巡察整改情况的通报")
    '中共云岭市中西医结合医院委员会'
    >>> title_issuer("青禾县教育局党组巡察整改进展情况的通报")
    '青禾县教育局党组'
    """
    at = title.find("关于")
    if at >= 2:
        return title[:at]
    if at == 0:
        m = _AFTER_ABOUT.match(title)
        return m.group(1) if m and _ORG_END.search(m.group(1)) else None
    m = _TITLE_SPLIT.search(title)
    if m and m.start() >= 3 and _ORG_END.search(title[: m.start()]):
        return title[: m.start()]
    return None


@dataclass(frozen=True, slots=True)
class Signature:
    issuer: str | None
    date: DateMention | None


_NOT_ISSUER = re.compile(r"^(?:联系|电话|地址|邮箱|电子邮箱|邮政|通讯|欢迎|附件|抄送|印发)|[。，,；;：:？！@]")
_BEFORE_SIGNATURE = re.compile(r"[。；;！？]")


def _issuer_like(text: str | None) -> bool:
    return bool(text) and len(text) <= 40 and not _NOT_ISSUER.search(text) and bool(_ORG_END.search(text))


def find_signature(lines: list[str]) -> Signature:
    """The issuer and date printed at the end ("中共X委员会" / "2023年11月20日"), also when a
    one-line text glues them to the last sentence ("…联系电话：…。中共X党组2022年3月9日").

    >>> find_signature(["欢迎监督。", "中共某县农业农村局党组", "二〇二三年十一月二十日"])
    Signature(issuer='中共某县农业农村局党组', date=DateMention(start=0, end=11, year=2023, month=11, day=20, text='二〇二三年十一月二十日'))
    """
    tail = lines[-6:]
    for k in range(len(tail) - 1, -1, -1):
        dates = find_dates(tail[k])
        if not dates or dates[-1].year is None or tail[k][dates[-1].end :].strip():
            continue
        date = dates[-1]
        cut = [m.end() for m in _BEFORE_SIGNATURE.finditer(tail[k], 0, date.start)]
        prefix = tail[k][cut[-1] if cut else 0 : date.start].strip()
        if prefix and not _issuer_like(prefix):
            continue  # "截至2024年1月31日" is not a signature
        issuer = prefix or (tail[k - 1] if k > 0 else None)
        return Signature(issuer if _issuer_like(issuer) else None, date)
    last = tail[-1] if tail else ""
    return Signature(last if _issuer_like(last) else None, None)


_INTRO_TARGET = re.compile(r"对(?:中共)?([\u4e00-\u9fff]{2,30}?(?:党委|党组|党总支|党支部))(?:开展|进行|实施)")


def choose_organization(issuer: str | None, signature: str | None, intro: str) -> str | None:
    """The issuing organisation (see the module docstring for the order)."""
    if issuer and is_party_org(issuer):
        return issuer
    if signature and is_party_org(signature):
        return signature
    if signature and (issuer is None or issuer in signature):
        return signature
    if issuer:
        return issuer
    m = _INTRO_TARGET.search(intro)
    return m.group(1) if m else None


# --------------------------------------------------------------------------- inspection

_COMMITTEE = r"(?:中央|自治区党委|省委|市委|州委|盟委|县委|区委|旗委|特区委|林区委)"
_ORDINAL = r"[一二三四五六七八九十\d]+"
_BODY = re.compile(
    rf"{_COMMITTEE}(?:第{_ORDINAL})?(?:提级交叉|提级|交叉|专项|机动)?巡[察视](?:第?{_ORDINAL})?组"
)
# A team printed without its committee ("第二巡察组对我院开展了巡察").
_BARE_BODY = re.compile(rf"第{_ORDINAL}巡[察视]组|巡[察视]第?{_ORDINAL}组")
# "根据县委统一部署": whose inspection it is when no body or round names the committee.
_DEPLOYED = re.compile(rf"(?:根据|按照|依据)({_COMMITTEE})(?:巡[察视]工作)?(?:的)?(?:统一)?(?:部署|安排)")
_ROUND = re.compile(
    rf"(?:第?{_ORDINAL}届[\u4e00-\u9fff]{{0,8}}?)?(?:{_COMMITTEE})?(?:\d{{4}}年度?)?"
    rf"第{_ORDINAL}轮(?:常规|专项|机动|提级|交叉|集中)*巡[察视]"
)
INSPECTION_KINDS: tuple[str, ...] = ("巡察", "巡视")  # the values of inspection_kind
_TYPES = (
    ("提级交叉", re.compile(r"提级交叉|交叉巡[察视]|提级巡[察视]")),
    ("专项", re.compile(r"专项巡[察视]")),
    ("机动", re.compile(r"机动式?巡[察视]")),
    ("常规", re.compile(r"常规巡[察视]")),
)
INSPECTION_TYPES: tuple[str, ...] = tuple(name for name, _ in _TYPES)  # the values of inspection_type
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、．](?!\d)|[（(][一二三四五六七八九十]+[）)])")
_ADDRESS = re.compile(r"(?:通讯|通信|邮政|邮寄|联系)?地\s*址\s*[:：]\s*([^；;。，,]+)|邮政信箱\s*[:：]\s*([^；;。，,@]+)")


def find_body(*texts: str) -> str | None:
    """The inspecting body: the first numbered one, else a bare 市委巡察组.

    >>> find_body("市委巡察组反馈了意见。市委第五巡察组对…开展了巡察")
    '市委第五巡察组'
    """
    for text in texts:
        bodies = [m.group(0) for m in _BODY.finditer(text)]
        numbered = [b for b in bodies if re.search(_ORDINAL, b)]
        if numbered:
            return numbered[0]
    for pattern in (_BODY, _BARE_BODY):
        for text in texts:
            m = pattern.search(text)
            if m:
                return m.group(0)
    return None


def find_round(*texts: str) -> str | None:
    for text in texts:
        m = _ROUND.search(text)
        if m:
            return m.group(0)
    return None


def inspection_kind(body: str | None, round_: str | None, *texts: str) -> str | None:
    """巡视 or 巡察: from the body or round when printed, else which word the text uses."""
    xuncha, xunshi = INSPECTION_KINDS
    for source in (body, round_):
        if source:
            return xunshi if xunshi in source else xuncha
    for text in texts:
        if xuncha in text:
            return xuncha
        if xunshi in text:
            return xunshi
    return None


def inspection_type(*texts: str) -> str | None:
    """常规 / 专项 / 机动 / 提级交叉 when the text says so; None when it does not."""
    for text in texts:
        for name, pattern in _TYPES:
            if pattern.search(text):
                return name
    return None


def body_level(body: str | None, round_: str | None, county: str | None, intro: str = "") -> str | None:
    """Level of the inspecting body; a 市委 over a county-level city (邹城市) is county level.

    >>> body_level("市委第二巡察组", None, "邹城市"), body_level("第二巡察组", None, None, "根据县委统一部署")
    ('county', 'county')
    """
    deployed = _DEPLOYED.search(intro)
    for source in (body, round_, deployed.group(1) if deployed else None):
        if not source:
            continue
        m = re.search(_COMMITTEE, source)
        if m:
            committee = m.group(0)
            if committee == "市委" and county and county.endswith("市"):
                return "county"
            return LEVELS[committee]
    return None


# --------------------------------------------------------------------------- dates of the notice

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
    >>> d = find_dates(t); find_period(t, d, _resolve_years(d))
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


def find_publish_date(signature: Signature, info: dict[str, str]) -> str | None:
    if signature.date is not None:
        return signature.date.iso()
    for label in ("发文时间", "发文日期", "成文时间", "成文日期", "发布时间", "发布日期", "生成日期"):
        value = info.get(label)
        dates = find_dates(value) if value else []
        if dates and dates[0].year is not None:
            return dates[0].iso()
    return None


# --------------------------------------------------------------------------- stated totals

_N = rf"(?<![第另这每各某\d０-９])({NUM})"
_SECTIONS = re.compile(rf"{_N}\s*(?:个|大|项|类)?\s*大?方面")
_GROUPS = re.compile(rf"{_N}\s*个?\s*大项")
_ISSUES = re.compile(
    rf"{_N}\s*(?:个|条|项|类|处)?\s*(?:具体|突出|主要|共性)?问题|问题(?:共计?|共有|合计|总计)?\s*({NUM})\s*(?:个|条|项)"
)
_COMPLETED = (
    re.compile(
        rf"(?<!基本)(?<!阶段性)(?<!未)(?:已经?|均已|已全部)?(?:完成|整改完成|整改到位|完成整改|整改销号)"
        rf"(?:问题)?(?:整改)?(?:完成)?(?:的有|的)?(?:问题)?\s*({NUM})\s*(?:个|项|条|类)"
    ),
    re.compile(rf"{_N}\s*(?:个|项|条)(?:问题)?(?:已经?|均已)(?:全部)?(?:完成整改|整改完成|整改到位|完成|销号)"),
)
_IN_PROGRESS = (
    re.compile(rf"(?:正在|继续|持续|仍在|尚在){{1,2}}(?:推进)?(?:整改)?中?(?:的有)?\s*({NUM})\s*(?:个|项|条)"),
    re.compile(rf"(?:尚未完成|未完成|未整改完成|整改中|推进中)(?:整改)?(?:的有)?\s*({NUM})\s*(?:个|项|条)"),
    re.compile(rf"{_N}\s*(?:个|项|条)(?:问题)?(?:正在|持续|继续|仍在){{1,2}}(?:推进|整改){{1,2}}"),
)
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


# --------------------------------------------------------------------------- the notice


def _intro(lines: list[str], title: Title | None) -> str:
    """Title and the text before the first numbered heading (at least six lines, ≤ 3000 chars)."""
    start = title.last_line + 1 if title and title.last_line >= 0 else 0
    body = lines[start:]
    stop = next((i for i, line in enumerate(body) if i >= 1 and _HEADING.match(line)), len(body))
    return "\n".join(body[: max(stop, 6)])[:3000]


def _address(lines: list[str]) -> str | None:
    for line in reversed(lines[-8:]):
        m = _ADDRESS.search(line)
        if m:
            return next(g for g in m.groups() if g)
    return None


def extract_meta(normalised: NormalisedText) -> NoticeMeta:
    """Every :class:`NoticeMeta` field that the text allows (see the module docstring)."""
    lines = _lines(normalised.text)
    info = {**info_block(lines), **{k.replace(" ", ""): v for k, v in normalised.header.items()}}
    title = find_title(lines, info)
    intro = _intro(lines, title)
    head = "\n".join(lines[:400])[:12000]  # enough for the introduction and the first part
    signature = find_signature(lines)
    issuer = title_issuer(title.text) if title else None
    organization = choose_organization(issuer, signature.issuer, intro)
    institution = strip_party(issuer or organization) if (issuer or organization) else None

    title_text = title.text if title else ""
    body = find_body(title_text, intro, head)
    round_ = find_round(title_text, intro, head)
    region = regions.resolve(institution, organization, title_text, signature.issuer, _address(lines), intro)

    dates = find_dates(head)
    years = _resolve_years(dates)
    publish = find_publish_date(signature, info)
    period = find_period(head, dates, years, publish)
    feedback = find_feedback(head, dates)
    feedback_iso, inferred = None, False
    if feedback is not None:
        if feedback.year is not None:
            feedback_iso = feedback.iso()
        else:
            year = infer_year(feedback, dates, years, publish)
            feedback_iso, inferred = feedback.iso(year), year is not None

    return NoticeMeta(
        title=title.text if title else None,
        organization=organization,
        institution=institution,
        institution_type=institution_type(institution),
        province=region.province,
        city=region.city,
        county=region.county,
        inspection_body=body,
        level=body_level(body, round_, region.county, intro),
        inspection_round=round_,
        inspection_kind=inspection_kind(body, round_, title_text, intro),
        inspection_type=inspection_type(title_text, intro),
        inspection_period=period,
        feedback_date=feedback_iso,
        feedback_date_inferred=inferred,
        publish_date=publish,
        stated_totals=find_totals(normalised.text),
    )


# --------------------------------------------------------------------------- per issue

_DEADLINE = re.compile(
    rf"(?:(?:整改|完成)时限\s*[:：]?\s*)(?:{_DATE_ANY})\s*(?:底|末)?\s*(?:前|以前|之前)?"
    rf"|(?<!已于)(?<!已在)(?<!已)(?:{_DATE_ANY})\s*(?:底|末)?\s*(?:前|以前|之前)?\s*"
    rf"(?:全面|全部|彻底)?\s*(?:整改)?\s*(?:完成|到位|办结|完毕|完工)(?!了)(?:整改)?"
    rf"|(?<!已于)(?<!已)(?:{_DATE_ANY})\s*(?:底|末)?\s*(?:前|以前|之前)"
)
_AMOUNT = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*(?:\.\d+)?\s*(?:多|余)?\s*(?:万|亿|千)?\s*元(?![旦素宵首器件帅老])")
_DOC_TITLE = re.compile(r"《[^《》\n]{1,80}》")
_DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,10})?[〔\[［【﹝]\s*(?:19|20)\d{2}\s*[〕\]］】﹞]\s*\d{1,4}\s*号"
    r"|([\u4e00-\u9fff]{1,10})[(（]\s*(?:19|20)\d{2}\s*[)）]\s*\d{1,4}\s*号"
)
# Words that end a sentence fragment before a document number's issuer prefix.
_DOC_PREFIX_CUT = re.compile(r".*(?:印发|下发|出台|制定|修订|根据|按照|依据|参照|通过|转发|了|的|即|以|和|及|与|并|见)")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def find_deadlines(text: str) -> list[str]:
    """Dated deadlines as printed.

    >>> find_deadlines("持续整改、2026年3月底前整改到位；业务培训2025年10月完成。已于2023年10月完成。长期坚持")
    ['2026年3月底前整改到位', '2025年10月完成']
    """
    return _unique(m.group(0).strip() for m in _DEADLINE.finditer(text))


def find_amounts(text: str) -> list[str]:
    """Money amounts as printed.

    >>> find_amounts("收入4.2万元全额退回，补缴2,500元，总投资1.6亿元，元旦前")
    ['4.2万元', '2,500元', '1.6亿元']
    """
    return _unique(m.group(0).replace(" ", "") for m in _AMOUNT.finditer(text))


def find_documents(text: str) -> list[str]:
    """《…》 titles and document numbers.

    >>> find_documents("印发了青医发〔2024〕17号文件和《公务接待管理办法》，见青农办发〔2023〕8号")
    ['《公务接待管理办法》', '青医发〔2024〕17号', '青农办发〔2023〕8号']
    """
    titles = [m.group(0) for m in _DOC_TITLE.finditer(text)]
    numbers = []
    for m in _DOC_NUMBER.finditer(text):
        number = m.group(0)
        prefix = m.group(1) or m.group(2) or ""
        cut = _DOC_PREFIX_CUT.match(prefix)
        if cut:
            number = number[cut.end() :]
        numbers.append(re.sub(r"\s+", "", number))
    return _unique([*titles, *numbers])


def enrich_issue(issue: Issue) -> None:
    """Fill ``deadlines``, ``amounts`` and ``documents`` from the problem, measures and status."""
    text = "\n".join(
        t for t in (issue.problem, issue.measures_intro, *issue.measures, issue.status_raw) if t
    )
    issue.deadlines = find_deadlines(text)
    issue.amounts = find_amounts(text)
    issue.documents = find_documents(text)
