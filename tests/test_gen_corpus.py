"""The corpus generator's phrase tables (``scripts/corpus_data/``) are well formed: every ``{slot}`` is one
the generator fills, every topic names real institution types and categories, and every printed status
wording normalises to the status it stands for.

The variants (``--variants``) make the patterns of issue 11 and their manifest says so.
Manifest-vs-files and determinism tests of the plain corpus are in ``tests/test_samples.py``."""

from __future__ import annotations

import json
import random
import re

import pytest

from indexer.parsing.status import normalise_status
from scripts.corpusgen import bank
from scripts.corpusgen.model import CAT_ORDER
from scripts.corpusgen.slots import Ctx
from scripts.corpusgen.variants import VARIANTS

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


def test_lost_date_readings():
    from scripts.corpusgen.variants import _readings

    assert [(m, d) for m, d, _ in _readings("815", 2023)] == [(8, 15)]  # 81/5 is no month
    assert [(m, d) for m, d, _ in _readings("112", 2023)] == [(1, 12), (11, 2)]  # ambiguous
    assert _readings("1020", 2023) == [(10, 20, False)]
    assert _readings("230", 2023) == []  # 2/30 and 23/0 are no dates
    assert any(zero for *_, zero in _readings("101", 2023))  # 1/01 counts as a reading


def test_variants_make_the_patterns_real_pages_take(tmp_path):
    from tests.test_samples import _check_row, _run_gen

    out = tmp_path / "v"
    summary = _run_gen(out, 63, seed=5, formats="txt,gbk,html,docx", variants="all")  # one turn of the rotation
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    by = {}
    for row in rows:
        by.setdefault(row["variant"], []).append(row)
    assert set(by) == {None, *VARIANTS}
    assert summary["variants"]["none"] == 42
    for row in rows:
        if row["n_issues"]:
            _check_row(out / row["file"], row)
    texts = {row["file"]: _text(out, row) for row in rows}
    for row in by["traditional"]:
        assert re.search(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔù]+\)", texts[row["file"]])  # 關(guān)
        assert "问题" not in texts[row["file"]]
    for row in by["org_only"]:
        assert row["n_issues"] == 0 and "整改措施" not in texts[row["file"]]
    for row in by["truncated"]:
        last = [ln for ln in texts[row["file"]].splitlines() if ln.strip()][-1]
        assert row["truncated_last"] and not last.endswith("。"), last
    for row in by["many_items"]:
        assert row["n_issues"] >= 1000 and row["labels"][-1] == f"{row['n_issues']}."
    for row in by["lost_dates"]:
        assert not re.search(r"\d{4}年\d{1,2}月\d{1,2}日至\d{1,2}月\d{1,2}日", texts[row["file"]])
    for row in by["joint"]:
        assert len(row["expect"]["organizations"]) == 2
    for row in by["wrappers"]:
        assert len(row["problems"]) == row["n_issues"]
    for row in by["level"]:
        assert row["expect"]["level"] in ("central", "province") and "巡视组" in row["expect"]["inspection_body"]


def _text(out, row) -> str:
    path = out / row["file"]
    if row["format"] == "docx":
        from docx import Document

        return "\n".join(p.text for p in Document(str(path)).paragraphs)
    return path.read_bytes().decode(row["encoding"])
