"""The notice model (Notice / Section / Issue) and the generator's layout, format and status tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .draw import Date
from .slots import Ctx

FORMATS = ("txt", "gbk", "html", "docx")
FORMAT_WEIGHTS = {"txt": 70, "gbk": 10, "html": 12, "docx": 8}
LAYOUT_WEIGHTS = {"a": 16, "b": 14, "c": 10, "d": 10, "e": 9, "f": 7, "g": 8, "h": 8, "i": 6, "j": 8, "k": 4}
LAYOUTS_TEXT = tuple((k, w) for k, w in LAYOUT_WEIGHTS.items() if k != "k")  # a table needs docx or html
LAYOUTS_RICH = tuple((k, w * (4 if k == "k" else 1)) for k, w in LAYOUT_WEIGHTS.items())
NO_STATUS_LAYOUTS = {"c", "e"}
STATUS_WEIGHTS = (("completed", 74), ("basically_completed", 8), ("in_progress", 11), ("long_term", 7))
N_MEASURES_WEIGHTS = ((1, 13), (2, 30), (3, 31), (4, 15), (5, 7), (6, 4))
ITYPE_WEIGHTS = (("常规", 64), ("专项", 13), ("机动", 8), ("提级交叉", 6), (None, 9))
CAT_ORDER = ("political", "mission", "discipline", "organisation", "rectify")
STATUS_ORDER = ("completed", "basically_completed", "in_progress", "long_term")


@dataclass
class Issue:
    topic: str
    cat: str
    problem: str
    group: str  # 大项 title (layout d)
    status: str | None  # normalised value
    status_raw: str | None
    measures: list[str]
    lead: str  # lead sentence (layout e)
    label: str = ""
    heading: str = ""  # the printed heading after the label, where a variant sets it (layout w)


@dataclass
class Section:
    title: str
    issues: list[Issue]


@dataclass
class Notice:
    index: int
    kind: str
    inst: str
    short: str
    org: str
    target: str  # the inspected party organisation as named in the intro
    province: str
    city: str
    county: str | None
    committee: str  # 县委 / 市委 / 省委 …
    body: str  # 县委第三巡察组
    xun: str  # 巡察 / 巡视
    itype: str | None
    round_name: str | None
    start: Date
    end: Date
    feedback: Date
    publish: Date
    sections: list[Section]
    layout: str
    fmt: str
    oneline: bool = False
    feedback_year_printed: bool = True
    variant: str | None = None  # one of variants.VARIANTS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def issues(self) -> list[Issue]:
        return [i for s in self.sections for i in s.issues]

    @property
    def ctx(self) -> Ctx:
        return self.extra["ctx"]
