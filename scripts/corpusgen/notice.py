"""The notice model (Notice / Section / Issue) and ``build_notice``: who inspected whom, when, and which issues."""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from .bank import (
    CAT_MEASURES,
    GENERIC_MEASURES,
    KIND_TABLES,
    KINDS,
    LEADS,
    PENDING_TAILS,
    RELATED,
    RUN_IN,
    SECOND_SENTENCES,
    SECTION_TITLES,
    STATUS_GROUPS,
    STATUS_RAW,
    STATUS_RAW_H,
    STATUS_RAW_SHORT,
    TOPICS,
)
from .draw import Date, add_days, cn, pick, pick_weighted, randint
from .institutions import committee_of, make_institution, party_org, province_committee
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
_FORMAT_TABLES: dict[tuple[str, ...], tuple] = {}


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
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def issues(self) -> list[Issue]:
        return [i for s in self.sections for i in s.issues]

    @property
    def ctx(self) -> Ctx:
        return self.extra["ctx"]


def _format_table(formats: tuple[str, ...]) -> tuple:
    table = _FORMAT_TABLES.get(formats)
    if table is None:
        table = _FORMAT_TABLES[formats] = tuple((f, FORMAT_WEIGHTS[f]) for f in formats)
    return table


def compose_problem(rng: random.Random, ctx: Ctx, topic: dict, p_index: int) -> str:
    text = ctx.fill(topic["probs"][p_index])
    if len(text) < 34 and topic["cons"] and rng.random() < 0.45:
        cons = ctx.fill(pick(rng, topic["cons"]))
        if not (cons[:2] in text or ("存在" in text and cons.startswith("存在"))):
            text = text.rstrip("。") + "，" + cons
    return text.rstrip("。")


def compose_measures(rng: random.Random, ctx: Ctx, tkey: str, p_index: int, n: int,
                     status: str | None) -> list[str]:
    """n measures for one problem: the topic's measures that share words with the problem first
    (best match first, ties shuffled), then the category's generic measures, then global ones."""
    topic = TOPICS[tkey]
    related = RELATED[tkey][p_index]  # strongest first, precomputed
    if len(related) > 1 and rng.random() < 0.5:  # vary which related measure leads
        related = related[1:2] + related[:1] + related[2:]
    chosen: list[tuple[int, str]] = list(related[: max(1, n - (1 if n >= 4 else 0))])
    for pool in (CAT_MEASURES[topic["cat"]], GENERIC_MEASURES):  # disjoint from the topic's own
        need = n - len(chosen)
        if need <= 0:
            break
        size = len(pool)
        start = int(rng.random() * size)
        step = 1 if rng.random() < 0.5 else size - 1  # walk the pool from a random start, either way
        chosen.extend(pool[(start + j * step) % size] for j in range(min(need, size)))
    chosen = chosen[:n]
    chosen.sort(key=lambda p: p[0])
    out = []
    for stage, template in chosen:
        text = ctx.fill(template)
        if rng.random() < 0.15 and n > 1:
            text = pick(rng, RUN_IN[stage]) + "。" + text
        out.append(text.rstrip("。；;"))
    if status in ("in_progress", "basically_completed") and out and rng.random() < 0.8:
        out[-1] = out[-1] + "，" + ctx.fill(pick(rng, PENDING_TAILS))
    if n == 1 and rng.random() < 0.5:
        out[0] = out[0] + "。" + ctx.fill(pick(rng, SECOND_SENTENCES))
    return out


def pick_topics(rng: random.Random, kind: str, n: int) -> list[str]:
    """n topic keys for an institution type, type-specific topics weighted up, at most 3 per topic."""
    eligible = [k for k, t in TOPICS.items() if t.get("kinds") is None or kind in t["kinds"]]
    weights = []
    for k in eligible:
        t = TOPICS[k]
        w = 3.0 if t.get("kinds") is not None else 1.6
        if t["cat"] == "rectify":
            w = 0.8
        weights.append(w)
    picked: list[str] = []
    counts: Counter = Counter()
    cum = list(accumulate(weights))
    total = cum[-1]
    while len(picked) < n:
        k = eligible[bisect(cum, rng.random() * total)]
        if counts[k] >= min(3, len(TOPICS[k]["probs"])):
            continue
        counts[k] += 1
        picked.append(k)
    return picked


def status_raw_for(rng: random.Random, layout: str, status: str | None) -> str | None:
    """The status as a layout prints it (None where the layout prints none)."""
    if layout in NO_STATUS_LAYOUTS or status is None or layout == "f":
        return None
    if layout == "h":
        return pick(rng, STATUS_RAW_H[status])
    if layout == "k":
        return pick(rng, STATUS_RAW_SHORT[status])
    return pick(rng, STATUS_RAW[status])


def _inspection(rng: random.Random, info: dict[str, Any]) -> tuple[str, str, str, str | None]:
    """(committee, 巡察/巡视, inspecting body, inspection type) for an institution."""
    if info["level"] == "province":
        committee, xun = province_committee(info["province"]), "巡视"
    elif info["level"] == "city":
        committee, xun = committee_of(info["city"]), "巡察"
    else:
        committee, xun = committee_of(info["county"]), "巡察"
    group_no = cn(randint(rng, 1, 8 if xun == "巡察" else 12))
    body = f"{committee}第{group_no}{xun}组" if rng.random() < 0.85 else f"{committee}{xun}{group_no}组"
    itype = pick_weighted(rng, ITYPE_WEIGHTS)
    if xun == "巡视" and itype == "提级交叉":
        itype = "常规"
    return committee, xun, body, itype


def _issues(rng: random.Random, ctx: Ctx, kind: str, layout: str) -> list[Issue]:
    n_issues = max(4, min(30, round(rng.gauss(16.2, 5.2))))
    if layout == "k":
        n_issues = max(4, min(n_issues, 18))
    issues: list[Issue] = []
    used: set[tuple[str, int]] = set()
    group_of: dict[str, str] = {}
    for tkey in pick_topics(rng, kind, n_issues):
        topic = TOPICS[tkey]
        ctx.obj = pick(rng, topic["objs"]) if topic["objs"] else "相关"
        ctx.cat = topic["cat"]
        free = [i for i in range(len(topic["probs"])) if (tkey, i) not in used]
        p_index = pick(rng, free)
        used.add((tkey, p_index))
        problem = compose_problem(rng, ctx, topic, p_index)
        status = pick_weighted(rng, STATUS_WEIGHTS)
        n = pick_weighted(rng, N_MEASURES_WEIGHTS)
        if layout in ("a", "h") and rng.random() < 0.02:
            n = 0
        measures = compose_measures(rng, ctx, tkey, p_index, n, status) if n else []
        group = group_of.setdefault(tkey, pick(rng, topic["group"]))
        issues.append(Issue(topic=tkey, cat=topic["cat"], problem=problem, group=group,
                            status=status, status_raw=None, measures=measures, lead=pick(rng, LEADS)))
    return issues


def _sections(rng: random.Random, ctx: Ctx, kind: str, layout: str, issues: list[Issue]) -> list[Section]:
    """Issues grouped by category in the canonical order (small political / rectify groups merged);
    layout f groups them by status instead."""
    by_cat: dict[str, list[Issue]] = {}
    for issue in issues:
        by_cat.setdefault(issue.cat, []).append(issue)
    sections: list[Section] = []
    mission_word = pick(rng, KIND_TABLES[kind]["mission_words"])
    for cat in CAT_ORDER:
        items = by_cat.get(cat)
        if not items:
            continue
        if cat == "political" and "mission" in by_cat and len(items) < 3:
            by_cat["mission"] = items + by_cat["mission"]
            continue
        if cat == "rectify" and sections and len(items) < 2 and rng.random() < 0.6:
            sections[-1].issues.extend(items)
            continue
        title = ctx.fill(pick(rng, SECTION_TITLES[cat]), {"mission": mission_word})
        sections.append(Section(title=title, issues=items))
    if layout == "f":
        flat = sorted((i for s in sections for i in s.issues), key=lambda i: STATUS_ORDER.index(i.status))
        sections = [Section(title=STATUS_GROUPS[st], issues=[i for i in flat if i.status == st])
                    for st in STATUS_ORDER if any(i.status == st for i in flat)]
    return sections


def build_notice(seed: int, index: int, formats: tuple[str, ...]) -> Notice:
    """Notice ``index`` of corpus ``seed``: its own RNG, so notice i is the same whatever N is."""
    rng = random.Random(f"xuncha-corpus:{seed}:{index}")
    kind = pick(rng, KINDS)
    info = make_institution(rng, kind)
    org, target = party_org(rng, kind, info)
    fmt = pick_weighted(rng, _format_table(tuple(formats)))
    layout = pick_weighted(rng, LAYOUTS_RICH if fmt in ("docx", "html") else LAYOUTS_TEXT)

    year = randint(rng, 2019, 2025)
    committee, xun, body, itype = _inspection(rng, info)
    start = (year, randint(rng, 2, 10), randint(rng, 1, 28))
    end = add_days(start, randint(rng, 30, 75))
    feedback = add_days(end, randint(rng, 25, 100))
    publish = add_days(feedback, randint(rng, 70, 260))
    round_name = None
    if rng.random() < 0.3:
        round_name = f"{cn(randint(rng, 11, 15))}届{committee}第{cn(randint(rng, 1, 9))}轮{xun}"

    ctx = Ctx(rng=rng, kind=kind, inst=info["inst"], short=info["short"], self_word=info["self_word"],
              abbr=info["abbr"], county_word=info["lw"], level_word=info["lw"] if info["level"] != "province" else "省",
              year=feedback[0], month=feedback[1], pub_year=publish[0], pub_month=publish[1])
    sections = _sections(rng, ctx, kind, layout, _issues(rng, ctx, kind, layout))
    notice = Notice(index=index, kind=kind, inst=info["inst"], short=info["short"], org=org, target=target,
                    province=info["province"], city=info["city"], county=info["county"], committee=committee,
                    body=body, xun=xun, itype=itype, round_name=round_name, start=start, end=end,
                    feedback=feedback, publish=publish, sections=sections, layout=layout, fmt=fmt)
    notice.extra["info"] = info
    notice.extra["ctx"] = ctx
    notice.oneline = fmt == "txt" and rng.random() < 0.04
    notice.feedback_year_printed = rng.random() < 0.8
    for issue in notice.issues:
        issue.status_raw = status_raw_for(rng, layout, issue.status)
        if layout in NO_STATUS_LAYOUTS:
            issue.status = None
    return notice
