"""Per-issue extras: deadlines, money amounts and documents cited in an issue's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from indexer.parsing.dates import DATE_ANY
from indexer.parsing.normalise import fold
from indexer.types import Issue

_DEADLINE = re.compile(
    rf"(?:(?:整改|完成)?(?:时限|期限)\s*[:：]?\s*)(?:{DATE_ANY})\s*(?:底|末)?\s*(?:前|以前|之前)?"
    rf"|(?<!已于)(?<!已在)(?<!已)(?:{DATE_ANY})\s*(?:底|末)?\s*(?:前|以前|之前)?\s*"
    rf"(?:全面|全部|彻底)?\s*(?:整改)?\s*(?:完成|到位|办结|完毕|完工)(?!了)(?:整改)?"
    rf"|(?<!已于)(?<!已)(?:{DATE_ANY})\s*(?:底|末)?\s*(?:前|以前|之前)"
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
    """Dated deadlines as printed (matched on the fold, so a traditional copy's 個月 counts).

    >>> find_deadlines("持续整改、2026年3月底前整改到位；业务培训2025年10月完成。已于2023年10月完成。长期坚持")
    ['2026年3月底前整改到位', '2025年10月完成']
    """
    return _unique(text[m.start() : m.end()].strip() for m in _DEADLINE.finditer(fold(text)))


def find_amounts(text: str) -> list[str]:
    """Money amounts as printed.

    >>> find_amounts("收入4.2万元全额退回，补缴2,500元，总投资1.6亿元，元旦前")
    ['4.2万元', '2,500元', '1.6亿元']
    """
    return _unique(text[m.start() : m.end()].replace(" ", "") for m in _AMOUNT.finditer(fold(text)))


def find_documents(text: str) -> list[str]:
    """《…》 titles and document numbers.

    >>> find_documents("印发了青医发〔2024〕17号文件和《公务接待管理办法》，见青农办发〔2023〕8号")
    ['《公务接待管理办法》', '青医发〔2024〕17号', '青农办发〔2023〕8号']
    """
    key = fold(text)  # matched on the fold (萬, 號 of a traditional copy), returned as printed
    titles = [text[m.start() : m.end()] for m in _DOC_TITLE.finditer(key)]
    numbers = []
    for m in _DOC_NUMBER.finditer(key):
        start = m.start()
        prefix = m.group(1) or m.group(2) or ""
        cut = _DOC_PREFIX_CUT.match(prefix)
        if cut:
            start += cut.end()
        numbers.append(re.sub(r"\s+", "", text[start : m.end()]))
    return _unique([*titles, *numbers])


def enrich_issue(issue: Issue) -> None:
    """Fill ``deadlines``, ``amounts`` and ``documents`` from the problem, measures and status."""
    text = "\n".join(
        t for t in (issue.problem, issue.measures_intro, *issue.measures, issue.status_raw) if t
    )
    issue.deadlines = find_deadlines(text)
    issue.amounts = find_amounts(text)
    issue.documents = find_documents(text)
