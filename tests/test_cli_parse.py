"""``python -m indexer parse --jsonl``: one line per issue, as the parser read it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from indexer.cli import cli

# Fictional: the second issue prints a status, the first does not.
NOTICE = """中共青禾县农业农村局党组关于县委第三巡察组巡察反馈意见整改进展情况的通报

根据县委巡察工作统一部署，2024年4月8日至5月20日，县委第三巡察组对青禾县农业农村局党组进行了常规巡察。

一、贯彻落实党的路线方针政策不到位
（一）惠农补贴发放审核不严
1.对补贴申报材料逐一复核，追回多发资金。
2.建立补贴发放公示制度。
（二）农田水利项目验收把关不严。整改情况：已完成。
1.对已验收项目开展回头看。
2.修订项目验收办法。
"""


def test_jsonl_status_is_null_where_the_notice_prints_none(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE, "utf-8")
    result = CliRunner().invoke(cli, ["parse", "--jsonl", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["problem"], r["status"]) for r in records] == [
        ("惠农补贴发放审核不严", None),
        ("农田水利项目验收把关不严", "completed"),
    ]
