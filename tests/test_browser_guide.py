"""The user guide's walk-through (docs/使用说明.md) in a real browser: each step a person takes —
search, filter, similar problems, measures, common problems, export, a notice, upload — checked and
photographed at a small window size for the guide.

Screenshots go to ``test-output/guide/``; with ``GUIDE_IMAGES=docs/img`` in the environment they
replace the guide's own images (``GUIDE_IMAGES=docs/img .venv/bin/python -m pytest -m browser
tests/test_browser_guide.py``). tests/test_guide.py checks that every image the guide shows exists.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from indexer.parsing.read import SUFFIXES
from tests.test_browser import API_KEY, ROOT, browser_context, query_of, search, server  # noqa: F401
from tests.test_browser import page as browser_page  # noqa: F401
from tests.test_pipeline import DATA, QINGHE, SHIMEN

pytestmark = pytest.mark.browser

GUIDE_VIEWPORT = {"width": 1024, "height": 680}
OUT = ROOT / os.environ.get("GUIDE_IMAGES", "test-output/guide")
MAX_IMAGE_BYTES = 90_000
COLOURS = 32  # a page of text in a few flat colours: 32 keep it sharp at a third of the size


@pytest.fixture
def guide_page(browser_page):  # noqa: F811 (the fixture imported above)
    """The browser test's page (its fixture ``page``), in a smaller window (smaller pictures)."""
    browser_page.set_viewport_size(GUIDE_VIEWPORT)
    return browser_page


def picture(page, name: str, element: str | None = None) -> Path:
    """A screenshot of the window (or of one element) for the guide, as a small palette PNG."""
    from PIL import Image

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    shot = page.locator(element).screenshot() if element else page.screenshot()
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, "PNG", optimize=True)
    size = path.stat().st_size
    assert 1_000 < size < MAX_IMAGE_BYTES, f"{path}: {size} bytes"
    return path


def test_guide_search_filters_similar_and_measures(guide_page) -> None:
    page = guide_page
    page.goto(page.base + "/")
    picture(page, "01-start")
    search(page, "医保基金")
    assert page.locator("article.card").count() == 10
    assert page.locator("article.card").first.locator("mark").count() >= 1
    picture(page, "02-results")

    facet = page.locator('.facet[data-facet="institution_type"] a.fv').first
    value = facet.get_attribute("data-value")
    with page.expect_navigation():
        facet.click()
    assert query_of(page)["institution_type"] == [value]
    assert page.locator("#chips .chip").count() == 1
    with page.expect_navigation():
        page.locator('#sort a[data-sort]').first.click()
    assert "sort" in query_of(page)
    picture(page, "03-filter")

    page.fill("#date-range input[name=date_from]", "2021-01-01")
    page.fill("#date-range input[name=date_to]", "2024-12-31")
    with page.expect_navigation():
        page.locator("#date-range button[type=submit]").click()
    assert (query_of(page)["date_from"], query_of(page)["date_to"]) == (["2021-01-01"], ["2024-12-31"])
    assert query_of(page)["institution_type"] == [value]  # the other filters stay
    picture(page, "04-date-range", element="#date-range")

    search(page, "医保基金")
    first = page.locator("article.card").first
    why = first.locator("details.why")
    why.locator("summary").click()
    assert "融合得分" in why.inner_text()
    first.scroll_into_view_if_needed()
    picture(page, "05-why")

    with page.expect_navigation():
        first.locator("a.similar").click()
    assert "similar" in query_of(page)
    assert page.locator("#source").is_visible()
    picture(page, "06-similar")

    search(page, "医保基金")
    with page.expect_navigation():
        page.locator('.tabs a[data-tab="measures"]').click()
    assert page.locator("article.measure-card").count() > 0
    picture(page, "07-measures")


def test_guide_common_problems_export_and_notice(guide_page) -> None:
    page = guide_page
    page.goto(page.base + "/common-problems")
    assert page.locator("h1").count() == 1
    picture(page, "08-common-problems")

    search(page, "医保基金")
    assert page.locator("#export-csv").is_visible() and page.locator("#export-xlsx").is_visible()
    picture(page, "09-export", element=".results .summary")

    # A sample with a source manifest entry: its notice page links to the original.
    page.goto(page.base + "/?q=" + "东岭人民医院")
    with page.expect_navigation():
        page.locator("article.card a", has_text="查看通报").first.click()
    page.evaluate("window.scrollTo(0, 0)")
    link = page.locator("#origin-link")
    assert link.get_attribute("href").startswith("https://dongling-hospital.example/")
    assert "解析质量" in page.locator("#quality").inner_text()
    picture(page, "10-notice")


def _signed_in(page) -> None:
    """Sign in as a person does: the upload page's link, the key, back to the upload page."""
    with page.expect_navigation():
        page.locator("#sign-in-link").click()
    assert "/login?next=/upload" in page.url
    page.fill("input[name=key]", API_KEY)
    with page.expect_navigation():
        page.locator("#signin-form button[type=submit]").click()
    assert page.url.endswith("/upload"), page.url


def test_guide_upload(guide_page) -> None:
    page = guide_page
    page.goto(page.base + "/upload")
    assert page.locator("#upload-sign-in").is_visible()  # uploads need the key: sign in first
    assert page.locator("#upload-form").count() == 0
    picture(page, "11-upload-sign-in")
    _signed_in(page)
    assert page.locator("#upload-form").is_visible()
    drop(page, "#drop-zone", {QINGHE: (DATA / QINGHE).read_text("utf-8"), SHIMEN: (DATA / SHIMEN).read_text("utf-8"),
                              "扫描件.pdf": "%PDF-1.4 not a notice"})
    assert "已选择 3 个文件" in page.locator("#picked").inner_text()
    assert page.locator("#upload-files").evaluate("input => input.files.length") == 3
    page.fill("#upload-source", "青禾县人民政府网站（虚构）")
    picture(page, "12-upload-form")
    with page.expect_navigation():
        page.locator("#upload-submit").click()
    rows = page.locator("#upload-results tbody tr")
    assert rows.count() == 3
    outcomes = [rows.nth(i).get_attribute("data-outcome") for i in range(3)]
    assert outcomes[:2] in (["indexed", "indexed"], ["skipped", "skipped"]) and outcomes[2] == "failed"
    assert "unsupported file type" in rows.nth(2).inner_text()
    assert all(s in SUFFIXES for s in re.findall(r"\.\w+", rows.nth(2).inner_text()) if s != ".pdf")
    picture(page, "13-upload-results")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table fits the width
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert rows.nth(0).locator("a.notice-link").is_visible()
    page.set_viewport_size(GUIDE_VIEWPORT)
    with page.expect_navigation():
        rows.nth(0).locator("a.notice-link").click()
    assert re.search(r"/notices/[0-9a-f]+$", page.url)
    assert "青禾县人民政府网站（虚构）" in page.locator(".origin").inner_text()


def drop(page, selector: str, files: dict[str, str]) -> None:
    """Drop files on an element as a person dragging them from a file manager does."""
    page.locator(selector).evaluate("""(zone, files) => {
        const data = new DataTransfer();
        for (const [name, text] of Object.entries(files)) data.items.add(new File([text], name));
        for (const type of ["dragenter", "dragover", "drop"])
            zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
    }""", files)

