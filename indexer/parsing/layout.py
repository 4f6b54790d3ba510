"""Layout of a notice: its lines, letter-spacing, info block, title, signature and publish date.

    >>> find_title(["中共青禾县农业农村局党组", "关于落实县委巡察反馈意见整改情况的", "通 报", "根据…"], {})
    Title(text='中共青禾县农业农村局党组关于落实县委巡察反馈意见整改情况的通报', last_line=2)
    >>> find_title(["通知公告", "青禾县教育局巡察整改进展情况通报", "根据…"], {})
    Title(text='青禾县教育局巡察整改进展情况通报', last_line=1)

* **title** — the first lines that end in 通报/公告/报告/情况…, joined when printed over several
  lines ("中共X委员会" / "关于…的" / "通 报"), letter-spacing removed; else the info block's 标题.
* **publish_date** — the date line of the signature, else 发文时间/成文时间/发布时间 of the info block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.parsing.dates import DateMention, find_dates
from indexer.parsing.normalise import PAGE_INFO_LINE

_LETTER_SPACING = re.compile(r"(?<=[\u3400-\u9fff])[ \u3000\xa0]+(?=[\u3400-\u9fff])")
_INFO_LABELS = {"索引号", "主题分类", "发布机构", "成文时间", "成文日期", "文号", "发文时间", "发文日期",
                "发布时间", "发布日期", "标题", "效力状态", "来源", "公开方式", "公开范围", "生成日期"}
_INFO_LINE = re.compile(r"^[-•·*\s]*([\u4e00-\u9fff][\u4e00-\u9fff \u3000]{1,8}?)\s*[:：]\s*(.*)$")
_TITLE_END = re.compile(r"(?:通报|公告|公示|报告|情况|通告|说明|通知)(?:[（(][^）)]{1,12}[）)])?$")
_SENTENCE_LIKE = re.compile(r"[。！？]|^(?:根据|按照|为|经)")
# A notice title names its subject: the inspection or the rectification.
_TITLE_TOPIC = re.compile(r"巡察|巡视|整改|关于")
_NOT_TITLE = re.compile(r"^[（(【\[]?(?:社会公开稿|公开稿|此件公开发布|全文)[）)】\]]?$")
ORG_END = re.compile(r"(?:委员会|党委|党组|党总支|党支部|党工委|医院|卫生院|中心|局|院|校|学|公司|集团|镇|乡|街道|办|所|站|馆|委|社区|村)$")


def despace(text: str) -> str:
    """Remove letter-spacing between Chinese characters.

    >>> despace("通 报"), despace("索 引 号")
    ('通报', '索引号')
    """
    return _LETTER_SPACING.sub("", text.strip())


def text_lines(text: str) -> list[str]:
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
        or ORG_END.search(previous)
    )


@dataclass(frozen=True, slots=True)
class Title:
    text: str
    last_line: int  # index in the line list of the title's last line


def find_title(lines: list[str], header: dict[str, str]) -> Title | None:
    """The notice title, joined over lines; falls back to the info block's 标题.

    >>> find_title(["中共青禾县农业农村局党组", "关于落实县委巡察反馈意见整改情况的", "通 报", "根据…"], {})
    Title(text='中共青禾县农业农村局党组关于落实县委巡察反馈意见整改情况的通报', last_line=2)
    >>> find_title(["通知公告", "青禾县教育局巡察整改进展情况通报", "根据…"], {})
    Title(text='青禾县教育局巡察整改进展情况通报', last_line=1)
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
        if not _TITLE_TOPIC.search("".join(parts)):
            continue  # a navigation column ("通知公告"), not the notice's title
        return Title("".join(parts), i)
    labelled = header.get("标题")
    return Title(despace(labelled), -1) if labelled else None


@dataclass(frozen=True, slots=True)
class Signature:
    issuer: str | None
    date: DateMention | None


_NOT_ISSUER = re.compile(r"^(?:联系|电话|地址|邮箱|电子邮箱|邮政|通讯|欢迎|附件|抄送|印发)|[。，,；;：:？！@]")
_BEFORE_SIGNATURE = re.compile(r"[。；;！？]")


def issuer_like(text: str | None) -> bool:
    return bool(text) and len(text) <= 40 and not _NOT_ISSUER.search(text) and bool(ORG_END.search(text))


def find_signature(lines: list[str]) -> Signature:
    """The issuer and date printed at the end ("中共X委员会" / "2023年11月20日"), also when a
    one-line text glues them to the last sentence ("…联系电话：…。中共X党组2022年3月9日").

    >>> find_signature(["欢迎监督。", "中共某县农业农村局党组", "二〇二三年十一月二十日"])
    Signature(issuer='中共某县农业农村局党组', date=DateMention(start=0, end=11, year=2023, month=11, day=20, text='二〇二三年十一月二十日', readings=()))
    """
    tail = lines[-6:]
    for k in range(len(tail) - 1, -1, -1):
        dates = find_dates(tail[k])
        if not dates or dates[-1].year is None or tail[k][dates[-1].end :].strip():
            continue
        date = dates[-1]
        cut = [m.end() for m in _BEFORE_SIGNATURE.finditer(tail[k], 0, date.start)]
        prefix = tail[k][cut[-1] if cut else 0 : date.start].strip()
        if prefix and not issuer_like(prefix):
            continue  # "截至2024年1月31日" is not a signature
        issuer = prefix or (tail[k - 1] if k > 0 else None)
        return Signature(issuer if issuer_like(issuer) else None, date)
    last = tail[-1] if tail else ""
    return Signature(last if issuer_like(last) else None, None)


_PAGE_INFO_LINES = 12  # the line sits above the title or just below it


def find_publish_date(signature: Signature, info: dict[str, str], lines: Sequence[str] = ()) -> str | None:
    """The signature's date, else the info block's 发文/成文/发布时间, else a repost or page-info
    line at the top ("2022-05-17 09:31:20来源:…"); a signature printed without its day
    ("2024年7月") yields to a full date of the same month from those.

    >>> find_publish_date(Signature(None, None), {}, ["2022-05-17 09:31:20来源:某市林业局", "根据…"])
    '2022-05-17'
    """
    printed = [d for d in (_info_date(info), _page_info_date(lines)) if d]
    if signature.date is not None:
        signed = signature.date.iso()
        if signed and signature.date.day is None:
            return next((d for d in printed if d.startswith(signed) and len(d) > len(signed)), signed)
        return signed
    return printed[0] if printed else None


def _info_date(info: dict[str, str]) -> str | None:
    for label in ("发文时间", "发文日期", "成文时间", "成文日期", "发布时间", "发布日期", "生成日期"):
        value = info.get(label)
        dates = find_dates(value) if value else []
        if dates and dates[0].year is not None:
            return dates[0].iso()
    return None


def _page_info_date(lines: Sequence[str]) -> str | None:
    for line in lines[:_PAGE_INFO_LINES]:
        m = PAGE_INFO_LINE.match(line.strip())
        dates = find_dates(m.group(1)) if m else []
        if dates and dates[0].year is not None and dates[0].day is not None:
            return dates[0].iso()
    return None
