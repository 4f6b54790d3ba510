"""The parser against the hand-checked gold segmentations of the shared seed notices.

Runs ``scripts/check_gold.py`` as a user would. Every gold issue must be found, in order, with
nothing extra; its title key must be in the problem and in none of the measures; status and the
number of measures must match. The seeds live outside the project (``shared/seeds`` beside the
project root) and are never copied into it; without them the seed test is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SCRIPT = ROOT / "scripts" / "check_gold.py"


def check_gold(seeds: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(SCRIPT), str(seeds), "-v"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


@pytest.mark.skipif(not (SEEDS / "gold").is_dir(), reason=f"no gold seeds at {SEEDS} (shared folder absent)")
def test_every_gold_issue_is_found_with_its_status_and_measures() -> None:
    run = check_gold(SEEDS)
    assert run.returncode == 0, run.stderr
    totals = json.loads(run.stdout.strip().splitlines()[-1])
    expected = totals["issues_expected"]
    assert expected > 0
    assert totals == {"issues_expected": expected, "issues_matched": expected, "extra": 0,
                      "status_correct": expected, "measures_correct": expected}, run.stdout


def test_a_fictional_gold_file_is_scored_and_mismatches_are_named(tmp_path: Path) -> None:
    (tmp_path / "gold").mkdir()
    (tmp_path / "n.txt").write_text(
        "1.台账不全的问题\n整改结果：已完成\n整改情况：一是补齐；二是复核。\n"
        "2.制度缺失的问题\n整改结果：正在推进\n整改情况：一是起草制度。\n", "utf-8")
    gold = {"file": "n.txt", "issues": [
        {"seq": 1, "label": "1.", "title_key": "台账不全", "status": "completed", "n_measures": 2},
        {"seq": 2, "label": "2.", "title_key": "制度缺失", "status": "completed", "n_measures": 1},
        {"seq": 3, "label": "3.", "title_key": "公车私用", "status": "completed", "n_measures": 1},
    ]}
    (tmp_path / "gold" / "n.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    run = check_gold(tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "issues_expected": 3, "issues_matched": 2, "extra": 0, "status_correct": 1, "measures_correct": 2}
    assert "gold 2 2. '制度缺失': status in_progress (raw '正在推进'), gold completed" in run.stdout
    assert "gold 3 3. '公车私用': not matched (no parsed problem contains it)" in run.stdout


def test_a_folder_without_gold_is_refused(tmp_path: Path) -> None:
    run = check_gold(tmp_path)
    assert run.returncode == 2 and "no gold/ folder" in run.stderr
