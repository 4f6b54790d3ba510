"""``build_notice``: who inspected whom, when, which issues, in which layout and format (and which variant)."""

from __future__ import annotations

import random
from typing import Any

from .bank import KIND_TABLES, KINDS, LEADS, SECTION_TITLES, STATUS_GROUPS, TOPICS
from .draw import add_days, cn, pick, pick_weighted, randint
from .institutions import committee_of, make_institution, party_org, province_committee
from .issues import compose_measures, compose_problem, pick_topics, status_raw_for
from .model import (
    CAT_ORDER,
    FORMAT_WEIGHTS,
    ITYPE_WEIGHTS,
    LAYOUTS_RICH,
    LAYOUTS_TEXT,
    N_MEASURES_WEIGHTS,
    NO_STATUS_LAYOUTS,
    STATUS_ORDER,
    STATUS_WEIGHTS,
    Issue,
    Notice,
    Section,
)
from .slots import Ctx
from .variants import apply_model, reinspected, variant_of

_FORMAT_TABLES: dict[tuple[str, ...], tuple] = {}


def _format_table(formats: tuple[str, ...]) -> tuple:
    table = _FORMAT_TABLES.get(formats)
    if table is None:
        table = _FORMAT_TABLES[formats] = tuple((f, FORMAT_WEIGHTS[f]) for f in formats)
    return table


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


def build_notice(seed: int, index: int, formats: tuple[str, ...], variants: tuple[str, ...] = ()) -> Notice:
    """Notice ``index`` of corpus ``seed``: its own RNG, so notice i is the same whatever N is. ``variants``
    enables those of :mod:`variants` (every third notice gets one)."""
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

    variant = variant_of(index, variants)
    vrng = random.Random(f"variant:{seed}:{index}") if variant else None
    if variant == "level":  # who is inspected and by whom changes before anything is written about it
        kind, info, org, target, committee, xun, body, round_name = reinspected(vrng, info)
        itype = "常规" if itype == "提级交叉" else itype

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
    notice.variant = variant
    if variant:
        notice.extra["vrng"] = vrng
        apply_model(notice, vrng)
    layout = notice.layout
    notice.oneline = fmt == "txt" and rng.random() < 0.04
    notice.feedback_year_printed = rng.random() < 0.8
    for issue in notice.issues:
        issue.status_raw = status_raw_for(rng, layout, issue.status)
        if layout in NO_STATUS_LAYOUTS:
            issue.status = None
    return notice
