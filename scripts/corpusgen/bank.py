"""Phrase tables of the generator, loaded from ``scripts/corpus_data/*.json``, and the problem → measure index.

The tables are data (edit the JSON files, not this module); list order matters because the
generator draws by index, so reordering a table changes the corpus of every seed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "corpus_data"


def load(name: str) -> dict[str, Any]:
    """One JSON table of ``scripts/corpus_data/``."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _pairs(rows: list[list]) -> list[tuple]:
    return [tuple(row) for row in rows]


_places = load("places.json")
REGIONS: list[tuple[str, str, str]] = _pairs(_places["regions"])
CAPITALS: dict[str, str] = _places["capitals"]
NAME_STEMS: list[str] = _places["name_stems"]
TOWN_A: str = _places["town_a"]
TOWN_B: str = _places["town_b"]
STREET_STEMS: list[str] = _places["street_stems"]
BUREAUS: list[str] = _places["bureaus"]
SOE_INDUSTRIES: list[str] = _places["soe_industries"]

# per institution type: fields, mission_words, special_themes, depts, upper, leaders, staff
KIND_TABLES: dict[str, dict[str, list[str]]] = load("kinds.json")["kinds"]
KINDS: tuple[str, ...] = tuple(KIND_TABLES)

_wording = load("wording.json")
DOC_KINDS: dict[str, list[str]] = _wording["doc_kinds"]
SECTION_TITLES: dict[str, list[str]] = _wording["section_titles"]
STATUS_GROUPS: dict[str, str] = _wording["status_groups"]
STATUS_COUNT_WORDS: dict[str, str] = _wording["status_count_words"]
STATUS_RAW: dict[str, list[str]] = _wording["status_raw"]
STATUS_RAW_H: dict[str, list[str]] = _wording["status_raw_h"]
STATUS_RAW_SHORT: dict[str, list[str]] = _wording["status_raw_short"]
LEADS: list[str] = _wording["leads"]
RUN_IN: dict[int, list[str]] = {int(k): v for k, v in _wording["run_in"].items()}
PENDING_TAILS: list[str] = _wording["pending_tails"]
SECOND_SENTENCES: list[str] = _wording["second_sentences"]
ORG_PARAGRAPHS: list[str] = _wording["org_paragraphs"]
NEXT_STEPS: list[tuple[str, str]] = _pairs(_wording["next_steps"])
WORK_ITEMS: list[tuple[str, str]] = _pairs(_wording["work_items"])
WORK_ITEMS_SHORT: list[tuple[str, str]] = _pairs(_wording["work_items_short"])
REMAINING_PROBLEMS: list[str] = _wording["remaining_problems"]

_topics = load("topics.json")
# topic key → {cat, kinds (frozenset or None: every type), group, probs, meas [(stage, template)], objs, cons}
TOPICS: dict[str, dict[str, Any]] = {
    key: {**t, "kinds": None if t["kinds"] is None else frozenset(t["kinds"]), "meas": _pairs(t["meas"])}
    for key, t in _topics["topics"].items()
}
CAT_MEASURES: dict[str, list[tuple[int, str]]] = {k: _pairs(v) for k, v in _topics["cat_measures"].items()}
GENERIC_MEASURES: list[tuple[int, str]] = _pairs(_topics["generic_measures"])

_SLOT_RE = re.compile(r"\{[a-z0-9_]+\}")
_NOISE = set("，。、；：“”‘’《》（）,;:()0123456789%")


def _bigrams(text: str) -> set[str]:
    text = _SLOT_RE.sub("|", text)
    return {text[i:i + 2] for i in range(len(text) - 1) if not (_NOISE & set(text[i:i + 2])) and "|" not in text[i:i + 2]}


def _related_index() -> dict[str, list[list[tuple[int, str]]]]:
    """For every topic and problem template: the topic's measures that share informative character
    bigrams with the problem, best first. Bigrams common across the bank don't count."""
    df: Counter = Counter()
    for topic in TOPICS.values():
        for text in topic["probs"] + [m for _, m in topic["meas"]]:
            df.update(_bigrams(text))
    common = {bg for bg, c in df.items() if c > 14}
    out: dict[str, list[list[tuple[int, str]]]] = {}
    for key, topic in TOPICS.items():
        mb = [_bigrams(m) - common for _, m in topic["meas"]]
        rows = []
        for prob in topic["probs"]:
            pb = _bigrams(prob) - common
            scored = sorted(((len(pb & b), mi) for mi, b in enumerate(mb) if pb & b), key=lambda p: (-p[0], p[1]))
            strong = [p for p in scored if p[0] >= 2]
            picked = strong or scored[:1] or [(0, 0)]
            rows.append([topic["meas"][mi] for _, mi in picked])
        out[key] = rows
    return out


RELATED = _related_index()
