"""The user guide (docs/使用说明.md) shows the screenshots the browser walk-through takes
(tests/test_browser_guide.py, with GUIDE_IMAGES=docs/img), and only those, each one small."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "使用说明.md"
IMAGES = ROOT / "docs" / "img"
WALK_THROUGH = ROOT / "tests" / "test_browser_guide.py"
MAX_BYTES = 90_000


def test_every_image_of_the_guide_is_taken_by_the_walk_through_and_committed() -> None:
    shown = set(re.findall(r"!\[[^\]]*\]\(img/([^)]+\.png)\)", GUIDE.read_text("utf-8")))
    taken = {f"{name}.png" for name in re.findall(r'picture\(page, "([^"]+)"', WALK_THROUGH.read_text("utf-8"))}
    on_disk = {p.name for p in IMAGES.glob("*.png")}
    assert shown == taken == on_disk, (shown ^ taken, shown ^ on_disk)
    for name in on_disk:
        size = (IMAGES / name).stat().st_size
        assert size < MAX_BYTES, f"docs/img/{name} is {size} bytes: regenerate it with the walk-through"


def test_the_guide_covers_what_people_do() -> None:
    text = GUIDE.read_text("utf-8")
    for heading in ("检索问题", "筛选与排序", "类似问题", "整改措施", "共性问题", "导出", "上传通报", "常见问题"):
        assert re.search(rf"^## .*{heading}", text, re.M), heading
