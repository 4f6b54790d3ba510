"""The 共性问题 pages and the 整改台账 exports (search_api/family_pages.py, charts.py, ledger.py)
through FastAPI's TestClient, on the corpus of tests/search_corpus.py (one family: the 医保基金
issues of 青禾县人民医院 and 石门镇卫生院), and on the bundled samples through the real ingest."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from indexer import families
from indexer.backends.memory import MemoryBackend
from indexer.settings import Settings
from search_api import charts
from search_api.app import create_app
from tests import search_corpus

MEMBERS = {"qh2023-001", "qh2025-001", "sm2024-001"}


@pytest.fixture(scope="module")
def client():
    backend = MemoryBackend()
    search_corpus.load(backend)
    settings = Settings(backend="memory", family_threshold=0.4)
    families.refresh(backend, settings)
    return TestClient(create_app(settings, backend, search_corpus.EMBEDDER))


def _family_id(client) -> str:
    return client.get("/api/common-problems").json()["families"][0]["id"]


def test_list_page_shows_the_family_with_its_charts(client):
    page = client.get("/common-problems")
    assert page.status_code == 200
    html = page.text
    assert '<strong id="total">1</strong> 个共性问题' in html
    assert f'href="/common-problems/{_family_id(client)}"' in html
    assert "<strong>2</strong> 家单位" in html and "3 个问题" in html
    assert html.count('<svg class="chart columns"') == 1 and html.count('<svg class="chart rows"') == 1
    assert "各年份问题数：2023年 1，2024年 1，2025年 1" in html
    assert 'data-facet="province"' in html  # the search's facets, over the listed members


def test_list_page_keeps_filters_and_min_institutions_in_its_links(client):
    html = client.get("/common-problems", params={"province": "湖南省", "min_institutions": "1"}).text
    assert '<strong id="total">1</strong>' in html
    assert 'href="/common-problems?min_institutions=1"' in html  # the chip that removes 湖南省
    assert client.get("/common-problems", params={"province": "湖南省"}).text.count('class="card family-card"') == 0
    bad = client.get("/common-problems", params={"min_institutions": "0"})
    assert bad.status_code == 400 and 'id="error"' in bad.text


def test_family_page_members_breakdowns_and_measure_families(client):
    family_id = _family_id(client)
    page = client.get(f"/common-problems/{family_id}")
    assert page.status_code == 200
    html = page.text
    for member in MEMBERS:
        assert f'href="/issues/{member}"' in html
    assert html.count('class="card member"') == 3
    assert 'data-breakdown="institution_type"' in html and 'data-breakdown="year"' in html
    assert html.count("<svg") >= 4
    assert 'data-measure="sm2024-001-m1"' in html and ('id="measure-families"' in html or 'id="measure-singles"' in html)
    assert client.get("/common-problems/fnothing").status_code == 404


def test_issue_pages_and_result_cards_link_to_the_family(client):
    family_id = _family_id(client)
    issue = client.get("/issues/sm2024-001").text
    assert f'href="/common-problems/{family_id}"' in issue and "2</strong> 家单位有类似问题" in issue
    assert "common-problems" not in client.get("/issues/sm2024-002").text.split("<main")[1].split("</main>")[0]
    results = client.get("/", params={"q": "医保基金"}).text
    assert results.count(f'class="family-link" href="/common-problems/{family_id}"') == 3
    assert 'href="/?q=' in results and "/ledger.xlsx?q=" in results


def test_family_ledger_opens_with_one_row_per_member(client):
    family_id = _family_id(client)
    response = client.get(f"/common-problems/{family_id}/ledger.xlsx")
    assert response.status_code == 200 and response.headers["x-export-rows"] == "3"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["问题清单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("序号", "单位", "单位类型", "地区", "巡察组", "通报日期", "问题", "整改状态", "整改措施", "问题类别",
                       "问题编号")
    assert {r[10] for r in rows[1:]} == MEMBERS
    shimen = next(r for r in rows[1:] if r[10] == "sm2024-001")
    assert shimen[1:4] == ("石门镇卫生院", "乡镇卫生院", "湖南省 常德市")
    assert shimen[7] == "已完成" and shimen[8] == "1. 建立医保基金日常监管台账\n2. 开展合理检查专项培训"
    csv_rows = list(csv.reader(io.StringIO(client.get(f"/common-problems/{family_id}/ledger.csv").content
                                           .decode("utf-8-sig"))))
    assert len(csv_rows) == 4 and csv_rows[0][0] == "序号"


def test_search_ledger_has_the_search_results_as_rows(client):
    response = client.get("/ledger.csv", params={"q": "医保基金", "mode": "lexical"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r[10] for r in rows[1:]] == ["qh2025-001", "sm2024-001", "qh2023-001"]
    assert client.get("/ledger.xlsx").status_code == 400


def test_charts_are_svg_with_titles_and_escape_labels():
    svg = str(charts.rows([("<医院>", 3), ("卫生院", 1)], title="按单位类型"))
    assert svg.startswith('<svg class="chart rows"') and "<title>按单位类型</title>" in svg
    assert "&lt;医院&gt;" in svg and "<医院>" not in svg
    many = str(charts.rows([(str(n), 1) for n in range(12)], title="t", limit=8))
    assert many.count("<rect") == 18 and "其他" in many  # 8 shown + 其他, a track and a bar each
    assert str(charts.columns([], title="t")) == ""
