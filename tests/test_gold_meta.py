"""Notice metadata of the shared real seed notices against their gold files.

The seeds live outside the project (``../shared/seeds`` beside the project root) and are never
copied into it: every expected value of a gold field is read from the gold JSON at run time, and
without the seeds these tests are skipped.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from indexer.parsing.parse import parse_file
from tests.conftest import SEEDS, SEEDS_MISSING

GOLD = sorted((SEEDS / "gold").glob("*.json")) if SEEDS.is_dir() else []

pytestmark = pytest.mark.skipif(not GOLD, reason=SEEDS_MISSING)

FIELDS = ("title", "organization", "institution", "inspection_body", "inspection_round", "feedback_date", "publish_date")
TOTALS = ("sections", "issues", "completed", "in_progress")

# Fields the gold files do not hold, determined by reading each notice, keyed by the seed's file
# stem: institution type, province, city, county, level, kind, type, feedback year inferred.
# Only vocabulary keys and administrative-division names here, never a seed's institution.
DERIVED = {
    "000_89fdf5de78df62cf": ("hospital", "广东省", "清远市", "阳山县", "county", "巡察", None, False),
    "001_ee7b704da68208c8": ("health_commission", "四川省", "广元市", "旺苍县", "county", "巡察", None, True),
    "002_62bdd0f41ae93329": ("tcm_hospital", "山东省", "淄博市", None, "city", "巡察", None, True),
    "003_60b429b0891c94b2": ("community_health_centre", "山东省", "枣庄市", "薛城区", "county", "巡察", "常规", True),
    "004_d9f04424699fd9bf": ("hospital", "天津市", "天津市", "滨海新区", "county", "巡察", "常规", False),
}


@cache
def _load(gold_path: Path) -> tuple[dict, object]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return gold, parse_file(SEEDS / gold["file"]).meta


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: p.stem)
def test_metadata_matches_gold(gold_path: Path) -> None:
    gold, meta = _load(gold_path)
    got = {f: getattr(meta, f) for f in FIELDS}
    got["inspection_period"] = {"start": meta.inspection_period.start, "end": meta.inspection_period.end}
    got["stated_totals"] = {k: getattr(meta.stated_totals, k) for k in TOTALS}
    expected = {f: gold[f] for f in FIELDS}
    expected["inspection_period"] = gold["inspection_period"]
    expected["stated_totals"] = {k: gold["stated_totals"][k] for k in TOTALS}
    assert got == expected


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: p.stem)
def test_derived_metadata(gold_path: Path) -> None:
    _, meta = _load(gold_path)
    got = (meta.institution_type, meta.province, meta.city, meta.county, meta.level,
           meta.inspection_kind, meta.inspection_type, meta.feedback_date_inferred)
    assert got == DERIVED[gold_path.stem]


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: p.stem)
def test_derived_place_is_named_in_the_notice(gold_path: Path) -> None:
    """The deepest place expected is printed in the notice itself (not guessed from elsewhere)."""
    gold, _ = _load(gold_path)
    _, _, city, county, *_ = DERIVED[gold_path.stem]
    text = re.sub(r"\s", "", (SEEDS / gold["file"]).read_text(encoding="utf-8"))
    assert (county or city) in text


def test_every_seed_has_derived_expectations() -> None:
    assert {p.stem for p in GOLD} == set(DERIVED)
