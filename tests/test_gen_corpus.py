"""The corpus generator's phrase tables (``scripts/corpus_data/``) are well formed: every ``{slot}`` is one
the generator fills, every topic names real institution types and categories, and every printed status
wording normalises to the status it stands for.

The variants (``--variants``) make the patterns of issue 11 and their manifest says so.
Manifest-vs-files and determinism tests of the plain corpus are in ``tests/test_samples.py``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

GEN = Path(__file__).resolve().parent.parent / "scripts" / "gen_corpus.py"


def test_phrase_tables_pass_their_self_checks():
    run = subprocess.run([sys.executable, str(GEN), "--self-check"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.split() == [
        "ok", "every_slot_is_filled", "ok", "topics_name_real_types_and_categories",
        "ok", "printed_statuses_normalise_to_their_key", "ok", "lost_date_readings",
    ]


def _variant_names() -> list[str]:
    """The variants ``gen_corpus.py --help`` offers (``… or 'all': a,b,c``)."""
    run = subprocess.run([sys.executable, str(GEN), "--help"], capture_output=True, text=True, timeout=60)
    joined = "".join(run.stdout.split())
    return joined.split("or'all':", 1)[1].split("--quiet")[0].split(",")


def test_variants_make_the_patterns_real_pages_take(tmp_path):
    from tests.test_samples import _check_row, _run_gen

    out = tmp_path / "v"
    summary = _run_gen(out, 63, seed=5, formats="txt,gbk,html,docx", variants="all")  # one turn of the rotation
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    by = {}
    for row in rows:
        by.setdefault(row["variant"], []).append(row)
    assert set(by) == {None, *_variant_names()}
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
