"""scripts/bench_embed.py --queries: single queries timed as a server embeds them, one per call."""

from __future__ import annotations

import re


def test_query_mode_times_each_round_of_single_queries(capsys) -> None:
    from scripts import bench_embed

    assert bench_embed.main(["--model", "hashing-32", "--queries", "7", "--rounds", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("model hashing-32") and "7 queries a round, one per call" in lines[0]
    rounds = [re.match(r"round (\d): +([\d.]+) ms CPU per query, +([\d.]+) ms wall  load [\d.]+$", line)
              for line in lines[1:]]
    assert [int(m.group(1)) for m in rounds if m] == [1, 2]
