"""The web page in a real browser: headless Debian Chromium driven by Playwright-python, against
the real server (``python -m search_api demo``, a uvicorn subprocess on a free loopback port) over
a temp data folder with the bundled sample notices ingested (memory backend, model-free
``hashing`` embedder, so it starts in seconds).

Each test drives what a person does — search, filter by a facet, open "类似问题（其他单位）",
switch to 整改措施, open a notice, export CSV and XLSX and read the files back — and saves
screenshots under ``test-output/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from indexer.child_process import ServerFailed
from search_api.export import COLUMNS
from search_api.server_process import api_server
from tests.browser_setup import LAUNCH_ARGS, ensure_browser

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "screenshots"
VIEWPORT = {"width": 1366, "height": 820}  # a laptop screen
START_TIMEOUT = 180  # seconds for ingest + start
API_KEY = "browser-test-key"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The demo server over the sample notices; yields its base URL."""
    data = tmp_path_factory.mktemp("browser-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(PYTHONUNBUFFERED="1", XUNCHA_THREADS="1")
    env["XUNCHA_API_KEY"] = API_KEY  # uploads (tests/test_browser_guide.py)
    try:
        with api_server("demo", "--backend", "memory", "--model", "hashing", "--data", str(data),
                        log_path=data / "server.log", env=env, timeout=START_TIMEOUT) as base:
            yield base
    except ServerFailed as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    """One headless Chromium (Debian's, fresh user-data-dir) for the module."""
    chromium = ensure_browser()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(chromium), headless=True, args=list(LAUNCH_ARGS),
            viewport=VIEWPORT, locale="zh-CN", accept_downloads=True, timeout=60_000,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context, server):
    yield from checked_page(browser_context, server)


def checked_page(browser_context, base: str) -> Iterator:
    """A new page of the context at ``base`` (``page.base``) that fails the test on a JavaScript error."""
    page = browser_context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.base = base  # type: ignore[attr-defined]
    yield page
    page.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page, name: str, *, full_page: bool = False) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 5_000, f"screenshot {path} looks empty"
    return path


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def search(page, text: str) -> None:
    """Type a query into the box and press Enter, as a person does."""
    page.goto(page.base + "/")
    page.fill("#q", text)
    with page.expect_navigation():
        page.press("#q", "Enter")


def cards(page):
    return page.locator("article.card")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# -- the tests ----------------------------------------------------------------------------------

def test_start_page_shows_the_collection_and_examples(page):
    page.goto(page.base + "/")
    assert page.title() == "巡察整改检索"
    stats = page.locator("#stats").inner_text()
    assert re.fullmatch(r"已收录 12 份通报，\d+ 个问题，\d+ 条整改措施。", stats), stats
    assert page.locator(".examples a").count() >= 4
    assert no_horizontal_scroll(page)
    shot(page, "01-start")
    with page.expect_navigation():
        page.locator(".examples a", has_text="三重一大").click()
    assert query_of(page)["q"] == ["三重一大"]
    assert cards(page).count() > 0


PARAGRAPH = ("巡察发现，部分临床科室存在医生开大处方、做过度检查的情况，合理用药监管缺位，"
             "医保基金使用审核把关不严，个别科室还存在串换诊疗项目收费、分解住院等问题，群众就医负担加重。")


def test_a_pasted_paragraph_is_searched(page):
    page.goto(page.base + "/")
    page.fill("#q", PARAGRAPH)
    assert page.locator("#q").evaluate("el => el.offsetHeight") > 45  # the box grew with the text
    with page.expect_navigation():
        page.locator("#search-form button[type=submit]").click()
    assert query_of(page)["q"] == [PARAGRAPH]
    assert page.input_value("#q") == PARAGRAPH
    assert cards(page).count() == 10
    assert "检索词：" in page.locator("#summary").inner_text()
    assert cards(page).first.locator("mark").count() >= 1
    shot(page, "02-paragraph-search")


def test_search_then_filter_by_a_facet(page):
    search(page, "医保基金")
    assert query_of(page) == {"q": ["医保基金"], "mode": ["hybrid"]}  # the form sends its mode
    assert cards(page).count() == 10
    total = int(page.locator("#total").inner_text())
    assert total > 10
    first = cards(page).first
    assert first.locator(".problem mark").count() >= 1  # highlighted terms
    assert first.locator(".badge").count() == 1
    assert no_horizontal_scroll(page)
    shot(page, "03-search-results")

    facet = page.locator('.facet[data-facet="province"] a.fv').first
    province = facet.get_attribute("data-value")
    count = int(facet.locator(".count").inner_text())
    with page.expect_navigation():
        facet.click()
    assert query_of(page) == {"q": ["医保基金"], "province": [province]}
    # facets are counted over exactly the hits above the relevance floor: clicking one gives its count
    assert int(page.locator("#total").inner_text()) == count
    assert page.locator('.facet[data-facet="province"] a.fv.on').get_attribute("data-value") == province
    assert page.locator("#chips .chip").first.inner_text().startswith(f"省份：{province}")
    regions = page.locator("article.card .card-head .muted").all_inner_texts()
    assert regions and all(province in r for r in regions)
    shot(page, "04-filtered-by-province")

    # the state is in the URL: reloading the bookmark gives the same page
    url = page.url
    filtered = page.locator("#total").inner_text()
    page.goto(url)
    assert page.locator("#total").inner_text() == filtered

    # remove the filter with its chip
    with page.expect_navigation():
        page.locator("#chips .chip").first.click()
    assert query_of(page) == {"q": ["医保基金"]}
    assert int(page.locator("#total").inner_text()) == total


def test_explanation_measures_and_paging(page):
    search(page, "医保基金")
    first = cards(page).first
    why = first.locator("details.why")
    assert not why.locator("dl").is_visible()
    why.locator("summary").click()
    assert why.locator("dl").is_visible()
    text = why.locator("dl").inner_text()
    assert "关键词检索" in text and "语义检索" in text and "融合得分" in text
    assert re.search(r"第 \d+ 名", text)
    assert why.locator("dd mark").count() >= 1  # matched terms
    measures = first.locator("details.measures")
    measures.locator("summary").click()
    assert measures.locator("li").first.is_visible()
    shot(page, "05-explain-and-measures")

    with page.expect_navigation():
        page.locator(".pager a[rel=next]").click()
    assert query_of(page)["page"] == ["2"]
    assert page.locator("article.card .rank").first.inner_text() == "11"


def test_mode_switch_reruns_the_search(page):
    search(page, "医保基金")
    with page.expect_navigation():
        page.locator('#search-form input[name=mode][value=lexical]').check()
    assert query_of(page) == {"q": ["医保基金"], "mode": ["lexical"]}
    assert page.locator("#search-form input[name=mode][value=lexical]").is_checked()
    explains = [card.locator("details.why dd").all_text_contents() for card in cards(page).all()]
    assert explains  # every hit came from the lexical leg alone (a card may add a 同类问题 line)
    assert all(dd[0].startswith("第 ") and dd[1] == "未命中" for dd in explains)
    # lexical: a facet's count is exactly the number of hits its filter leaves
    facet = page.locator('.facet[data-facet="institution_type"] a.fv').nth(1)
    count = int(facet.locator(".count").inner_text())
    value = facet.get_attribute("data-value")
    with page.expect_navigation():
        facet.click()
    assert int(page.locator("#total").inner_text()) == count
    assert query_of(page) == {"q": ["医保基金"], "mode": ["lexical"], "institution_type": [value]}


def test_similar_problems_at_other_institutions(page):
    search(page, "医保基金")
    first = cards(page).first
    institution = first.locator(".inst").inner_text()
    issue_id = first.get_attribute("data-id")
    with page.expect_navigation():
        first.locator("a.similar").click()
    assert query_of(page) == {"similar": [issue_id]}
    assert institution in page.locator("#source").inner_text()
    assert cards(page).count() > 0
    others = cards(page).locator(".inst").all_inner_texts()
    assert institution not in others
    shot(page, "06-similar")


def test_measures_tab(page):
    search(page, "医保基金")
    with page.expect_navigation():
        page.locator('.tabs a[data-tab="measures"]').click()
    assert query_of(page) == {"q": ["医保基金"], "tab": ["measures"]}
    assert page.locator(".tabs a.active").inner_text() == "整改措施"
    assert page.locator("article.measure-card").count() == 10
    assert page.locator("article.issue-card").count() == 0
    assert page.locator("article.measure-card .measure-text mark").count() >= 1
    assert "针对问题" in page.locator("article.measure-card .for-problem").first.inner_text()
    shot(page, "07-measures-tab")


def test_notice_view(page):
    search(page, "医保基金")
    first = cards(page).first
    seq = first.locator("a", has_text="查看通报").get_attribute("href").split("#i-")[1]
    with page.expect_navigation():
        first.locator("a", has_text="查看通报").click()
    assert re.search(r"/notices/[0-9a-f]+#i-\d+$", page.url)
    assert page.locator("h1").inner_text().endswith("通报")
    quality = page.locator("#quality")
    assert "通报所述" in quality.inner_text() and "识别出" in quality.inner_text()
    found = int(quality.locator("tr", has_text="问题数").locator("td").nth(1).inner_text())
    assert page.locator(".n-issue").count() == found
    target = page.locator(f"#i-{seq}")
    assert target.is_visible()
    assert target.evaluate("el => el.matches(':target')")
    assert "被巡察单位" in page.locator("#notice-meta").inner_text()
    shot(page, "08-notice-at-issue")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "09-notice-top")
    shot(page, "10-notice-full", full_page=True)


def _download(page, selector: str, tmp_path: Path) -> Path:
    with page.expect_download() as info:
        page.locator(selector).click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    return path


def test_export_csv_and_xlsx(page, tmp_path):
    import openpyxl

    search(page, "医保基金")
    with page.expect_navigation():
        page.locator('.facet[data-facet="status"] a.fv').first.click()
    total = int(page.locator("#total").inner_text())
    institutions = page.locator("article.card .inst").all_inner_texts()
    problems = page.locator("article.card .problem").all_inner_texts()
    status = page.locator('.facet[data-facet="status"] a.fv.on .fl').inner_text()
    shot(page, "11-before-export")

    path = _download(page, "#export-csv", tmp_path)
    assert re.fullmatch(r"巡察整改-问题-医保基金-\d{8}\.csv", path.name), path.name
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    body = rows[1:]
    assert len(body) == total
    assert [r[0] for r in body] == [str(n) for n in range(1, total + 1)]
    assert [r[1] for r in body[:len(institutions)]] == institutions
    assert all(r[13] == status for r in body)
    for row, shown in zip(body, problems, strict=False):
        assert shown.endswith(row[12])  # the card prefixes the printed label

    path = _download(page, "#export-xlsx", tmp_path)
    assert re.fullmatch(r"巡察整改-问题-医保基金-\d{8}\.xlsx", path.name), path.name
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book["检索结果"]
    values = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == COLUMNS
    assert len(values) - 1 == total
    assert [str(v) if isinstance(v, int) else v for v in values[1]] == body[0]
    about = {row[0]: row[1] for row in book["检索条件"].iter_rows(values_only=True)}
    assert (about["检索内容"], about["整改状态"], about["导出条数"]) == ("医保基金", status, str(total))


def test_nonsense_gets_the_no_results_page_with_suggestions(page):
    """The relevance floor: a hybrid search for nonsense returns nothing, and the page says so."""
    for query in ("zzqqxx不存在的东西", "😀😀🎉"):
        page.goto(page.base + "/?" + urlencode({"q": query}))
        empty = page.locator("#empty")
        assert empty.is_visible(), query
        assert f"没有找到与“{query}”相关的问题" in empty.inner_text()
        assert empty.locator("li").count() >= 2  # suggestions: another wording, the other tab …
        assert page.locator(".hits article, .hit").count() == 0
    shot(page, "12b-nonsense")


def test_empty_state_error_and_no_script_injection(page):
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    search(page, "<script>alert(1)</script>")
    assert page.input_value("#q") == "<script>alert(1)</script>"
    assert dialogs == []

    page.goto(page.base + "/?q=量子纠缠退相干&mode=lexical")
    empty = page.locator("#empty")
    assert empty.is_visible()
    assert "没有找到与“量子纠缠退相干”相关的问题" in empty.inner_text()
    assert empty.locator("a", has_text="语义检索").count() == 1
    shot(page, "12-empty")

    response = page.goto(page.base + "/?q=医保&page=abc")
    assert response.status == 400
    assert page.locator("#error").is_visible()
    assert "页码" in page.locator("#error").inner_text()
    shot(page, "13-error")

    response = page.goto(page.base + "/notices/0000000000000000")
    assert response.status == 404
    assert "未找到" in page.locator("#error").inner_text()


# -- phone width, sort, date range, similar tabs --------------------------------------------------

PHONE = {"width": 390, "height": 844}


def test_phone_layout_results_first_facets_folded(page):
    page.set_viewport_size(PHONE)
    search(page, "医保基金")
    first = cards(page).first
    box = first.bounding_box()
    assert box is not None and box["y"] + 60 < PHONE["height"], f"first result below the fold: {box}"
    assert no_horizontal_scroll(page)
    facet_value = page.locator(".facet a.fv").first
    assert not facet_value.is_visible()  # folded: nothing of the ~60 facet entries before the results
    shot(page, "20-phone-results")
    page.locator("#facet-toggle-label").click()
    assert facet_value.is_visible()
    shot(page, "21-phone-facets-open")
    with page.expect_navigation():
        page.locator('.facet[data-facet="province"] a.fv').first.click()
    assert "province" in query_of(page)
    assert cards(page).first.bounding_box()["y"] < PHONE["height"]


@pytest.mark.parametrize("viewport", [PHONE, VIEWPORT], ids=["phone", "laptop"])
def test_anchor_lands_below_the_sticky_header(page, viewport):
    page.set_viewport_size(viewport)
    search(page, "医保基金")
    href = cards(page).nth(2).locator("a", has_text="查看通报").get_attribute("href")
    page.goto(page.base + href)
    seq = href.split("#i-")[1]
    header = page.locator("header.top").bounding_box()
    target = page.locator(f"#i-{seq}").bounding_box()
    assert header is not None and target is not None
    if seq != "1" or target["y"] > 0:  # the first issue may sit below the header without scrolling
        assert target["y"] >= header["y"] + header["height"] - 1, (header, target)
    shot(page, f"22-anchor-{'phone' if viewport == PHONE else 'laptop'}")


def test_sort_date_range_and_similar_tabs(page):
    search(page, "医保基金")
    with page.expect_navigation():
        page.locator('#sort a[data-sort="date"]').click()
    assert query_of(page)["sort"] == ["date"]
    dates = [d for d in page.locator("article.card .card-sub").all_inner_texts()]
    stamps = [re.search(r"(?:反馈|发布) (\d{4}(?:-\d{2})?(?:-\d{2})?)", d) for d in dates]
    found = [m.group(1) for m in stamps if m]
    assert found == sorted(found, reverse=True)  # newest first
    page.fill('#date-range input[name="date_from"]', "2024-01-01")
    with page.expect_navigation():
        page.locator("#date-range button").click()
    assert query_of(page)["date_from"] == ["2024-01-01"] and query_of(page)["sort"] == ["date"]
    assert "日期：2024-01-01–…" in page.locator("#chips").inner_text()
    if cards(page).count():
        with page.expect_navigation():
            cards(page).first.locator("a.similar").click()
        assert query_of(page)["date_from"] == ["2024-01-01"]  # the similar view keeps the filters
        with page.expect_navigation():
            page.locator('.tabs a[data-tab="measures"]').click()
        assert page.locator("#source").is_visible()
        assert "类似问题的整改措施" in page.locator("#summary").inner_text()
        shot(page, "23-similar-measures")
    assert httpx.get(page.base + "/favicon.ico").status_code == 200


# -- content security policy, sign-in (reliability) ------------------------------------------------

@pytest.mark.reliability
def test_the_page_works_under_its_content_security_policy(page):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    response = page.goto(page.base + "/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    search(page, "医保基金")
    # the scripts ran: the box grew to its text, the header height is measured for anchor jumps
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--header-h')").endswith("px")
    with page.expect_navigation():
        cards(page).first.locator("a", has_text="查看通报").click()
    page.locator("details.fulltext summary").click()
    assert page.locator("details.fulltext pre").is_visible()
    assert violations == []


@pytest.mark.reliability
def test_sign_in_when_reads_are_protected(browser_context, tmp_path):
    key = "browser-test-key-51"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(XUNCHA_PROTECT_READS="1", XUNCHA_API_KEY=key, XUNCHA_THREADS="1", PYTHONUNBUFFERED="1")
    with api_server("serve", "--backend", "memory", "--model", "hashing", "--data", str(tmp_path / "data"),
                    log_path=tmp_path / "server.log", env=env, timeout=180) as base:
        page = browser_context.new_page()
        try:
            page.goto(base + "/?q=医保")
            assert urlsplit(page.url).path == "/login"
            shot(page, "24-sign-in")
            page.fill("#key", "wrong")
            with page.expect_navigation():
                page.locator("#signin-form button").click()
            assert "密钥不正确" in page.locator("#error").inner_text()
            page.fill("#key", key)
            with page.expect_navigation():
                page.locator("#signin-form button").click()
            assert urlsplit(page.url).path == "/" and query_of(page) == {"q": ["医保"]}
            assert page.locator("#summary, #empty").first.is_visible()
            cookie = next(c for c in browser_context.cookies(base) if c["name"] == "xuncha_session")
            assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Strict")
            assert page.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read it
        finally:
            page.close()
            browser_context.clear_cookies()


@pytest.mark.reliability
def test_a_progress_update_shows_as_versions_on_the_notice_page(browser_context, tmp_path):
    """Upload v1, then v2 of a notice with statuses moved on: search has one notice, v2's statuses,
    and its page lists both versions with the status changes (issue "Hostile files…", defect 5)."""
    from tests.test_versions import SOURCE, V1, V2

    key = "browser-test-key-versions"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env.update(XUNCHA_API_KEY=key, XUNCHA_THREADS="1", PYTHONUNBUFFERED="1")
    with api_server("serve", "--backend", "memory", "--model", "hashing", "--data", str(tmp_path / "data"),
                    log_path=tmp_path / "server.log", env=env, timeout=180) as base:
        lines = []
        for name, text in (("东坪镇卫生院整改通报.txt", V1), ("东坪镇卫生院整改通报（更新）.txt", V2)):
            response = httpx.post(f"{base}/api/notices", headers={"X-API-Key": key}, data={"source": SOURCE},
                                  files=[("files", (name, text.encode("utf-8")))], timeout=120)
            assert response.status_code == 200, response.text
            lines += response.json()["files"]
        assert [line["outcome"] for line in lines] == ["indexed", "replaced"]
        page = browser_context.new_page()
        try:
            page.goto(f"{base}/?q=药品耗材采购&mode=lexical")
            assert cards(page).count() == 1
            assert "发布 2024-09-02" in cards(page).first.inner_text()  # v2, not v1 (2024-06-10)
            with page.expect_navigation():
                cards(page).first.locator("a", has_text="查看通报").click()
            panel = page.locator("#versions")
            assert panel.locator("h2").inner_text() == "版本（2）"
            assert panel.locator("li.version").count() == 2
            assert "（当前）" in panel.locator("li.version").first.inner_text()
            changes = panel.locator(".status-changes li").all_inner_texts()
            assert [c.split("：")[-1] for c in changes] == ["正在整改 → 阶段性完成", "阶段性完成 → 已完成"]
            assert "药品耗材采购" in changes[0] and "公共卫生服务档案" in changes[1]
            panel.scroll_into_view_if_needed()
            shot(page, "25-notice-versions")
        finally:
            page.close()
