"""The 共性问题 pages in a real browser (headless Debian Chromium through Playwright), against the
real demo server over the bundled samples (memory backend, model-free ``hashing`` embedder, with
the family threshold for that embedder): the list with its charts, a family page, the 整改台账
download opened as a workbook, the way from an issue to its family, and the list at phone width
(390 px) without sideways scrolling. Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import openpyxl
import pytest

from indexer.child_process import ServerFailed
from search_api.server_process import api_server
from tests.test_browser import START_TIMEOUT, browser_context, checked_page, shot  # noqa: F401

pytestmark = pytest.mark.browser
HASHING_THRESHOLD = "0.5"  # the hashing embedder's cosines run lower than a real model's


@pytest.fixture(scope="module")
def family_server(tmp_path_factory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("browser-families")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(PYTHONUNBUFFERED="1", XUNCHA_THREADS="1", XUNCHA_FAMILY_THRESHOLD=HASHING_THRESHOLD)
    try:
        with api_server("demo", "--backend", "memory", "--model", "hashing", "--data", str(data),
                        log_path=data / "server.log", env=env, timeout=START_TIMEOUT) as base:
            yield base
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(browser_context, family_server):  # noqa: F811 - the imported fixture is used by this one
    yield from checked_page(browser_context, family_server)


def test_list_shows_families_across_institutions_with_charts(page):
    page.goto(page.base + "/")
    page.click("#nav-common")
    page.wait_for_selector(".family-card")
    assert int(page.inner_text("#total")) >= 5
    first = page.locator(".family-card").first
    institutions = int(first.locator(".fam-count strong").inner_text())
    assert institutions >= 3  # a problem several institutions share
    assert first.locator("svg.chart.columns rect").count() >= 1
    assert first.locator("svg.chart.rows rect").count() >= 2
    box = first.locator("svg.chart.rows").bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 10
    shot(page, "common-problems-list")
    page.click("[data-facet='institution_type'] .fv >> nth=0")
    page.wait_for_selector("#chips")
    assert "institution_type=" in page.url and page.url.split("?")[0].endswith("/common-problems")
    shot(page, "common-problems-filtered")


def test_family_page_members_charts_measures_and_ledger(page):
    page.goto(page.base + "/common-problems")
    label = page.locator(".fam-label").first
    label_text = label.inner_text()
    label.click()
    page.wait_for_selector("#members")
    assert page.inner_text("#family-label") == label_text
    members = page.locator(".card.member").count()
    assert members >= 3
    assert page.locator("#breakdowns svg").count() >= 4  # type, region, year, status at least
    assert page.locator("#measure-families li.mf, #measure-singles li").count() >= 1
    shot(page, "common-problem-family", full_page=True)
    with page.expect_download() as download_info:
        page.click("#ledger-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx") and "整改台账" in download.suggested_filename
    book = openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    rows = list(book["问题清单"].iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "单位", "单位类型") and len(rows) == members + 1
    assert all(r[6] for r in rows[1:])  # every row has its problem
    measure_link = page.locator("[data-measure]").first
    if not measure_link.is_visible():
        page.click("#measure-singles summary")
    measure_link.click()
    page.wait_for_selector("#family")
    assert "家单位有类似问题" in page.inner_text("#family")


def test_issue_leads_to_its_family(page):
    page.goto(page.base + "/?q=公务接待&mode=lexical")
    link = page.locator(".family-link").first
    link.wait_for()
    text = link.inner_text()
    link.click()
    page.wait_for_selector("#members")
    assert f"{page.locator('.fam-stats strong').first.inner_text()} 家单位" in text


def test_list_and_family_fit_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + "/common-problems")
    page.wait_for_selector(".family-card")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    shot(page, "common-problems-phone", full_page=False)
    page.locator(".fam-label").first.click()
    page.wait_for_selector("#members")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    width = page.locator("#breakdowns svg").first.bounding_box()["width"]
    assert 150 < width <= 390
    shot(page, "common-problem-family-phone")
