"""Composing issues from the phrase bank: topics for an institution type, a problem, its measures, its printed status."""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from itertools import accumulate

from .bank import (
    CAT_MEASURES,
    GENERIC_MEASURES,
    PENDING_TAILS,
    RELATED,
    RUN_IN,
    SECOND_SENTENCES,
    STATUS_RAW,
    STATUS_RAW_H,
    STATUS_RAW_SHORT,
    TOPICS,
)
from .draw import pick
from .model import NO_STATUS_LAYOUTS
from .slots import Ctx


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
