"""Seeded draws (choice, randint, weighted pick), Chinese numerals and date helpers for the generator.

Every draw goes through ``random()`` so one seed gives one corpus on every Python version.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

CN_NUM = "零一二三四五六七八九十"
Date = tuple[int, int, int]


def pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    """rng.choice, via the C-level random() (several times faster than choice/randint)."""
    return seq[int(rng.random() * len(seq))]


def randint(rng: random.Random, a: int, b: int) -> int:
    """rng.randint(a, b), via random()."""
    return a + int(rng.random() * (b - a + 1))


_CUM: dict[int, tuple] = {}  # keyed by id() of module-level weight tables, checked by identity


def pick_weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    """A key of ``pairs`` ((key, weight), …) drawn by weight; cumulative tables are cached."""
    table = _CUM.get(id(pairs))
    if table is None or table[0] is not pairs:
        keys = [k for k, _ in pairs]
        cum = list(accumulate(w for _, w in pairs))
        table = (pairs, cum, cum[-1], keys)
        _CUM[id(pairs)] = table
    _, cum, total, keys = table
    return keys[min(len(keys) - 1, bisect(cum, rng.random() * total))]


def cn(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (enough for labels up to 99)."""
    if n <= 10:
        return CN_NUM[n]
    if n < 20:
        return "十" + CN_NUM[n - 10]
    tens, ones = divmod(n, 10)
    return CN_NUM[tens] + "十" + (CN_NUM[ones] if ones else "")


def date_cn(y: int, m: int, d: int) -> str:
    return f"{y}年{m}月{d}日"


def iso(t: Date) -> str:
    return f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"


def add_days(t: Date, days: int) -> Date:
    d = dt.date(*t) + dt.timedelta(days=days)
    return (d.year, d.month, d.day)
