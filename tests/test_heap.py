"""The garbage collector of a serving process (search_api.heap): the loaded search service frozen out
of the collector's scans, the youngest generation collected less often; only where asked (a server,
not an app a test builds). Each check runs in a fresh interpreter: freezing is for the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.backends.row_ids import RowIds
from indexer.types import Target

ROOT = Path(__file__).resolve().parent.parent

# Builds a service holder over an empty memory index (hashing model: nothing to load), settles its heap
# before (``early``), after (``late``) or never (``never``) loading, and prints what the collector holds.
SCRIPT = """
import gc, json, sys
from search_api.app import ServiceHolder
from search_api.settings import load_api_settings
when, data = sys.argv[1], sys.argv[2]
holder = ServiceHolder(load_api_settings({}, backend="memory", data_dir=data, model="hashing"))
if when == "early":
    holder.settle_heap()
before = len(gc.get_objects())
holder.load()
assert holder.status == "ready", holder.detail
if when == "late":
    holder.settle_heap()
young = [object() for _ in range(3)], {"made": "after"}
print(json.dumps({"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold(), "before": before,
                  "scanned": len(gc.get_objects()), "service_scanned": gc.is_tracked(holder.service()) and
                  any(o is holder.service() for o in gc.get_objects()), "young_scanned": any(o is young for o in gc.get_objects())}))
"""


def _run(when: str, data: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, when, str(data)], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("when", ["early", "late"])
def test_a_serving_process_freezes_its_loaded_service(tmp_path, when):
    from search_api.heap import YOUNG_THRESHOLD

    got = _run(when, tmp_path / "data")
    assert got["frozen"] > 10_000  # the modules, the service and what it loaded
    assert not got["service_scanned"]  # frozen: no collection scans it again
    assert got["young_scanned"]  # what is made afterwards is collected as usual
    assert got["scanned"] < got["before"] / 4
    assert got["threshold"][0] == YOUNG_THRESHOLD


def test_an_app_not_served_keeps_the_collector_as_it_is(tmp_path):
    got = _run("never", tmp_path / "data")
    assert got["frozen"] == 0 and got["service_scanned"] and got["threshold"][0] == 700


def test_the_row_memo_adds_nothing_for_the_collector_to_scan():
    import gc

    memo = RowIds()
    state = ("g", 1)
    ids = [f"n{i:05d}-001" for i in range(2_000)]
    gc.collect()
    before = len(gc.get_objects())
    memo.ids_of(state, Target.ISSUES, list(range(2_000)), lambda rows: {r: ids[r] for r in rows})
    after = len(gc.get_objects())
    assert after - before < 50  # ~2,000 (target, id) keys when kept as tuples holding the enum member
    assert memo.rows_of(state, Target.ISSUES, ids[:3]) == {ids[0]: 0, ids[1]: 1, ids[2]: 2}
    assert memo.rows_of(state, Target.MEASURES, ids[:3]) == {}  # rows are known per target
