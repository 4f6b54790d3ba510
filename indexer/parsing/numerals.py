"""Numerals: the one reader (and writer) of Arabic and Chinese numbers (二十二, 一百零五, 二〇二四, ３１).

    >>> cn_int("二十二"), cn_int("十"), cn_int("一百零五"), cn_int("31"), cn_int("二〇二四"), cn_int("两千三百")
    (22, 10, 105, 31, 2024, 2300)
    >>> cn_int("第一"), cn_int("")
    (None, None)

Chinese numerals are read by cn2an (place-value 一千零五 and digit-by-digit 二〇二四 alike, 两,
万/亿); Arabic digits, full-width ones included, by ``int``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType

# A number as printed, to embed in patterns: Arabic (full-width too) or Chinese.
NUM = r"[0-9０-９]+|[零〇两一二三四五六七八九十百千]+"
# A count: a number not preceded by 第/另/每 … (第3个 is a rank, not a count).
COUNT = rf"(?<![第另这每各某\d０-９])({NUM})"
_ZEROS = str.maketrans({"○": "〇", "Ｏ": "〇"})  # circles typed for 〇 in dates


def _cn2an() -> ModuleType:
    """cn2an, imported on first use: the server imports this module (through the status patterns)
    but reads no Chinese numeral, and cn2an with its dependencies holds ~4 MiB."""
    return importlib.import_module("cn2an")


@lru_cache(maxsize=4096)
def cn_int(text: str) -> int | None:
    """An Arabic or Chinese numeral as an int; None when it is not one."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)  # int() reads full-width digits too
    try:
        value = _cn2an().cn2an(text.translate(_ZEROS), "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if float(value).is_integer() and value >= 0 else None


def cn_numeral(number: int) -> str:
    """A count written in Chinese, as a heading numbers it.

    >>> cn_numeral(3), cn_numeral(12), cn_numeral(20)
    ('三', '十二', '二十')
    """
    return str(_cn2an().an2cn(number))
