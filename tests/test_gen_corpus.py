"""The corpus generator's phrase tables (``scripts/corpus_data/``) are well formed: every ``{slot}`` is one
the generator fills, every topic names real institution types and categories, and every printed status
wording normalises to the status it stands for.

Manifest-vs-files and determinism tests are in ``tests/test_samples.py``."""

from __future__ import annotations

import random
import re

import pytest

from indexer.parsing.status import normalise_status
from scripts.corpusgen import bank
from scripts.corpusgen.notice import CAT_ORDER
from scripts.corpusgen.slots import Ctx

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


def test_every_slot_of_the_phrase_bank_is_filled():
    ctx = _ctx()
    unknown = {name for t in _templates() for name in SLOT.findall(t)} - CALLER_SLOTS
    for name in sorted(unknown):
        assert ctx.value(name), name  # raises KeyError for a slot nobody fills
    filled = ctx.fill(bank.TOPICS["theory"]["meas"][0][1])
    assert "{" not in filled and "南湖人民医院" in filled


def test_topics_name_real_types_and_categories():
    for key, topic in bank.TOPICS.items():
        assert topic["cat"] in CAT_ORDER, key
        assert topic["kinds"] is None or topic["kinds"] <= set(bank.KINDS), key
        assert topic["probs"] and topic["meas"] and topic["group"], key
        assert all(stage in bank.RUN_IN for stage, _ in topic["meas"]), key
    assert set(bank.CAT_MEASURES) == set(CAT_ORDER)


@pytest.mark.parametrize("table", ["STATUS_RAW", "STATUS_RAW_H", "STATUS_RAW_SHORT"])
def test_printed_status_wordings_normalise_to_their_key(table):
    for status, wordings in getattr(bank, table).items():
        for raw in wordings:
            got = normalise_status(raw)
            assert got is not None and got.value == status, (raw, status)
