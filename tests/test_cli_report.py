"""``python -m indexer parse --report``: the parse-quality table for people."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import cli
from tests.test_quality_complete import HEAD, ISSUES


def _report(*paths: Path):
    return CliRunner().invoke(cli, ["parse", "--report", *map(str, paths)], catch_exceptions=False)


def test_report_table_per_notice(tmp_path: Path) -> None:
    (tmp_path / "a_three_sections.txt").write_text(HEAD.format(sections="3个方面") + ISSUES, "utf-8")
    (tmp_path / "b_no_sections.txt").write_text(HEAD.format(sections="") + ISSUES, "gb18030")
    (tmp_path / "c_blank.txt").write_text("\n\n", "utf-8")
    result = _report(tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"notice +issues +sections +statuses +complete +warnings", lines[0])
    by_name = {Path(line.split()[0]).name: line.split()[1:] for line in lines[1:4]}
    assert by_name["a_three_sections.txt"] == ["5/5", "1/3", "5/5", "NO", "1"]
    assert by_name["b_no_sections.txt"] == ["5/5", "1/-", "5/5", "yes", "0"]
    assert by_name["c_blank.txt"][0] == "failed:"
    assert "3 files: 2 parsed (1 complete), 1 failed; 10 issues, 1 warning" in lines
    assert lines[-1].endswith("a_three_sections.txt: the notice states 3 sections but 1 were found")


def test_report_exits_1_when_nothing_parsed(tmp_path: Path) -> None:
    (tmp_path / "blank.txt").write_text("\n", "utf-8")
    result = _report(tmp_path / "blank.txt")
    assert result.exit_code == 1
    assert "1 files: 0 parsed (0 complete), 1 failed" in result.stdout
