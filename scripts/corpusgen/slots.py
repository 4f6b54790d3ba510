"""Template slot filling: ``Ctx`` holds one notice's facts and fills ``{slot}`` placeholders of the phrase bank."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from string import Formatter

from .bank import DOC_KINDS, KIND_TABLES
from .draw import pick, randint

_FIELDS: dict[str, tuple[str, ...]] = {}


def fields_of(template: str) -> tuple[str, ...]:
    """The slot names of a template, in order of appearance (the order fixes the draws)."""
    got = _FIELDS.get(template)
    if got is None:
        got = tuple(dict.fromkeys(f for _, f, _, _ in Formatter().parse(template) if f))
        _FIELDS[template] = got
    return got


@dataclass
class Ctx:
    """Everything a template slot may need for one notice."""

    rng: random.Random
    kind: str
    inst: str
    short: str  # 东岭人民医院 / 县卫生健康局 …
    self_word: str  # 医院 / 中心 / 局 …
    abbr: str  # for document numbers: 东医〔2024〕12号
    county_word: str  # 县 / 区 / 市
    level_word: str  # 县 / 市 / 省 (level of the supervising departments)
    year: int  # year of rectification work
    month: int  # month of feedback
    pub_year: int = 0
    pub_month: int = 0
    obj: str = "相关"  # the object of the current issue (same in its problem and its measures)
    cat: str = "mission"  # category of the current issue's topic (picks document kinds)

    def __post_init__(self) -> None:
        r, tables = self.rng, KIND_TABLES[self.kind]
        fields, depts, upper = tables["fields"], tables["depts"], tables["upper"]
        leaders, staff = tables["leaders"], tables["staff"]
        self._slots: dict[str, Callable[[], str]] = {
            "obj": lambda: self.obj,
            "field": lambda: pick(r, fields),
            "self": lambda: self.self_word,
            "short": lambda: self.short,
            "inst": lambda: self.inst,
            "dept": lambda: pick(r, depts),
            "dept2": lambda: pick(r, depts),
            "lv": lambda: self.level_word,
            "upper": lambda: self.level_word + pick(r, upper),
            "leader": lambda: pick(r, leaders),
            "party": lambda: leaders[0],
            "staff": lambda: pick(r, staff),
            "ym": lambda: self.ym(),
            "ym2": lambda: self.ym(later=True),
            "md": lambda: f"{self.ym_parts()[1]}月{randint(r, 1, 28)}日",
            "since": lambda: str(self.year - pick(r, (1, 2, 2, 3, 3, 4))),
            "y": lambda: str(self.year),
            "deadline": self.deadline,
            "amt": self.amount,
            "amt_small": lambda: f"{randint(r, 120, 9800)}元",
            "amt_big": lambda: f"{randint(r, 20, 980)}.{randint(r, 1, 9)}万元",
            "n": lambda: str(randint(r, 2, 9)),
            "k": lambda: str(randint(r, 2, 9)),
            "n1": lambda: str(randint(r, 3, 24)),
            "n2": lambda: str(randint(r, 11, 96)),
            "n3": lambda: str(randint(r, 120, 3800)),
            "pct": lambda: f"{randint(r, 60, 99)}.{randint(r, 0, 9)}%",
            "doc": self.doc,
            "docno": self.docno,
            "times": lambda: f"{randint(r, 2, 12)}次",
            "people": lambda: f"{randint(r, 12, 480)}人次",
        }

    def value(self, name: str) -> str:
        return self._slots[name]()

    def deadline(self) -> str:
        """A month after the notice's publication (pending work is promised for later)."""
        y, m = self.pub_year, self.pub_month + randint(self.rng, 1, 6)
        if m > 12:
            y, m = y + 1, m - 12
        return f"{y}年{m}月底前"

    def ym_parts(self, later: bool = False) -> tuple[int, int]:
        m = self.month + randint(self.rng, 1, 3) + (randint(self.rng, 1, 3) if later else 0)
        y = self.year
        while m > 12:
            m -= 12
            y += 1
        return y, m

    def ym(self, later: bool = False) -> str:
        y, m = self.ym_parts(later)
        return f"{y}年{m}月"

    def amount(self) -> str:
        r = self.rng
        if r.random() < 0.7:
            return f"{randint(r, 0, 29)}.{randint(r, 10, 99)}万元"
        return f"{randint(r, 1200, 9800)}元"

    def doc(self, kind: str | None = None) -> str:
        kind = kind or pick(self.rng, DOC_KINDS[self.cat])
        base = self.short if self.rng.random() < 0.6 else self.inst
        return f"《{base}{kind}》"

    def docno(self) -> str:
        return f"{self.abbr}〔{self.year}〕{randint(self.rng, 3, 96)}号"

    def fill(self, template: str, extra: dict[str, str] | None = None) -> str:
        names = fields_of(template)
        if not names:
            return template
        slots = self._slots
        if extra:
            values = {name: extra[name] if name in extra else slots[name]() for name in names}
        else:
            values = {name: slots[name]() for name in names}
        return template.format_map(values)
