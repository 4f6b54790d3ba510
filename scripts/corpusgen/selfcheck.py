"""Self-checks of the phrase tables: every ``{slot}`` is one the generator fills, every topic names
real institution types and categories, every printed status wording normalises to the status it
stands for, and lost-date readings are the calendar-valid ones.

    .venv/bin/python scripts/gen_corpus.py --self-check     # prints one line per check, exit 1 on a failure

Run by tests/test_gen_corpus.py as a subprocess (tests do not import scripts).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from indexer.parsing.status import normalise_status
from scripts.corpusgen import bank
from scripts.corpusgen.model import CAT_ORDER
from scripts.corpusgen.slots import Ctx
from scripts.corpusgen.variants import _readings

SLOT = re.compile(r"\{([a-z0-9_]+)\}")
# slots filled by the caller, not by Ctx
CALLER_SLOTS = {"mission", "target", "xun"}


def _ctx() -> Ctx:
    return Ctx(rng=random.Random(0), kind="hospital", inst="东岭县南湖人民医院", short="南湖人民医院", self_word="医院",
               abbr="南医", county_word="县", level_word="县", year=2023, month=5, pub_year=2023, pub_month=11)


def _templates() -> list[str]:
    out = []
    for topic in bank.TOPICS.values():
        out += topic["probs"] + topic["cons"] + topic["objs"] + [m for _, m in topic["meas"]]
    out += [m for rows in bank.CAT_MEASURES.values() for _, m in rows] + [m for _, m in bank.GENERIC_MEASURES]
    out += [t for rows in bank.SECTION_TITLES.values() for t in rows]
    out += bank.ORG_PARAGRAPHS + bank.PENDING_TAILS + bank.SECOND_SENTENCES
    return out


def every_slot_is_filled() -> None:
    ctx = _ctx()
    unknown = {name for t in _templates() for name in SLOT.findall(t)} - CALLER_SLOTS
    for name in sorted(unknown):
        assert ctx.value(name), name  # raises KeyError for a slot nobody fills
    filled = ctx.fill(bank.TOPICS["theory"]["meas"][0][1])
    assert "{" not in filled and "南湖人民医院" in filled


def topics_name_real_types_and_categories() -> None:
    for key, topic in bank.TOPICS.items():
        assert topic["cat"] in CAT_ORDER, key
        assert topic["kinds"] is None or topic["kinds"] <= set(bank.KINDS), key
        assert topic["probs"] and topic["meas"] and topic["group"], key
        assert all(stage in bank.RUN_IN for stage, _ in topic["meas"]), key
    assert set(bank.CAT_MEASURES) == set(CAT_ORDER)


def printed_statuses_normalise_to_their_key() -> None:
    for table in ("STATUS_RAW", "STATUS_RAW_H", "STATUS_RAW_SHORT"):
        for status, wordings in getattr(bank, table).items():
            for raw in wordings:
                got = normalise_status(raw)
                assert got is not None and got.value == status, (table, raw, status)


def lost_date_readings() -> None:
    assert [(m, d) for m, d, _ in _readings("815", 2023)] == [(8, 15)]  # 81/5 is no month
    assert [(m, d) for m, d, _ in _readings("112", 2023)] == [(1, 12), (11, 2)]  # ambiguous
    assert _readings("1020", 2023) == [(10, 20, False)]
    assert _readings("230", 2023) == []  # 2/30 and 23/0 are no dates
    assert any(zero for *_, zero in _readings("101", 2023))  # 1/01 counts as a reading


CHECKS: tuple[Callable[[], None], ...] = (
    every_slot_is_filled, topics_name_real_types_and_categories, printed_statuses_normalise_to_their_key,
    lost_date_readings,
)


def run() -> int:
    """Run every check; print ``ok NAME`` or ``FAILED NAME: reason``; the number of failures."""
    failures = 0
    for check in CHECKS:
        try:
            check()
        except (AssertionError, KeyError) as exc:
            failures += 1
            print(f"FAILED {check.__name__}: {exc!r}")
        else:
            print(f"ok {check.__name__}")
    return failures
