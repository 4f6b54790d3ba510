"""The project ships no text of the real seed notices: names of the seed institutions and their
problem statements (gold title keys) must not appear in any tracked file. Tests compare with the
seeds by reading ../shared at run time instead."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.conftest import ROOT, SEEDS, SEEDS_MISSING

BINARY = {".docx", ".xlsx", ".png", ".jpg", ".ico", ".pdf", ".bin", ".zip"}


def _seed_phrases() -> set[str]:
    phrases: set[str] = set()
    for path in (SEEDS / "gold").glob("*.json"):
        gold = json.loads(path.read_text("utf-8"))
        for key in ("organization", "institution"):
            if gold.get(key):
                phrases.add(gold[key])
        for issue in gold["issues"]:
            key = re.sub(r"[\s“”\"'‘’]", "", issue["title_key"])
            if len(key) >= 8:
                phrases.add(key)
    return phrases


def _project_files() -> list:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / f for f in listed if (ROOT / f).is_file() and (ROOT / f).suffix not in BINARY]


@pytest.mark.skipif(not SEEDS.is_dir(), reason=SEEDS_MISSING)
def test_no_seed_names_or_problem_statements_in_the_project():
    phrases = _seed_phrases()
    assert len(phrases) > 50
    found = []
    for path in _project_files():
        try:
            text = re.sub(r"[\s“”\"'‘’]", "", path.read_text("utf-8"))
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}: {p}" for p in phrases if p in text]
    assert found == []
