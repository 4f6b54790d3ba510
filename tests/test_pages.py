"""The web page through FastAPI's TestClient: the HTML holds the expected results, facets, labels,
empty states and error messages; exports are parsed back (csv, openpyxl) and checked cell by cell.

Runs on the hand-built corpus of tests/search_corpus.py (memory backend, HashingEmbedder), so
rankings are stable; the page must show exactly what the JSON API returns for the same request.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import parse_qs, quote, urlsplit

import openpyxl
import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser

from indexer.backends.base import NoticeBundle
from indexer.backends.memory import MemoryBackend
from indexer.categories import labels as category_labels
from indexer.errors import BackendUnavailable
from indexer.parsing.institutions import INSTITUTION_TYPES
from indexer.parsing.status import STATUS_LABELS, Status
from indexer.settings import Settings
from indexer.tokenise import DICTIONARY_VERSION, tokenise_for_index
from indexer.types import Target
from search_api import export
from search_api.app import create_app
from search_api.page_state import PageState
from search_api.parse import parse_search_request, parse_similar_request
from tests import search_corpus

TODAY = date.today().strftime("%Y%m%d")


@pytest.fixture(scope="module")
def store():
    backend = MemoryBackend()
    search_corpus.load(backend)
    yield backend
    backend.close()


def make_client(backend, **overrides) -> TestClient:
    # the relevance floor (calibrated for the real model) and the variant forms in a short query's vector
    # (which only a real model reads) are off on this hashing-embedder corpus: see test_ranking.py; so is
    # the best hit's category prior for typed words (its own test below)
    settings = Settings(**{"backend": "memory", "relevance_floor": False, "variant_vector": False,
                           "best_hit_categories": False, **overrides})
    return TestClient(create_app(settings, backend, search_corpus.EMBEDDER))


@pytest.fixture(scope="module")
def client(store):
    return make_client(store)


def html(response) -> LexborHTMLParser:
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    return LexborHTMLParser(response.text)


def card_ids(tree) -> list[str]:
    return [node.attributes["data-id"] for node in tree.css("article.card")]


def facet(tree, name: str) -> list[tuple[str, str, bool, str]]:
    """(label, count, selected, href) of each value of a facet in the sidebar."""
    return [(a.css_first(".fl").text(), a.css_first(".count").text(), "on" in a.attributes["class"].split(),
             a.attributes["href"]) for a in tree.css(f'.facet[data-facet="{name}"] a.fv')]


def test_every_facet_value_the_registry_knows_can_be_clicked(store):
    """A notice by a central inspection team (level ``central``, a 专项 inspection): its facet values
    are labelled and clicking them filters, on the page and in the API (a 中央 click once gave 400)."""
    bundles = search_corpus.make_bundles()
    for doc in (bundles[2].notice, *bundles[2].issues, *bundles[2].measures):
        doc.update(level="central", inspection_type="专项", inspection_kind="巡视")
    backend = MemoryBackend()
    backend.check_compatible(search_corpus.EMBEDDER.model_id, search_corpus.EMBEDDER.dims, DICTIONARY_VERSION)
    backend.write(bundles)
    client = make_client(backend)
    tree = html(client.get("/", params={"q": "采购 意识形态", "mode": "lexical"}))
    base = "/?q=%E9%87%87%E8%B4%AD+%E6%84%8F%E8%AF%86%E5%BD%A2%E6%80%81&mode=lexical"
    assert facet(tree, "level") == [("中央", "2", False, f"{base}&level=central")]
    assert facet(tree, "inspection_type") == [("专项", "2", False, f"{base}&inspection_type=%E4%B8%93%E9%A1%B9")]
    for name in ("level", "inspection_kind", "inspection_type"):
        clicked = client.get(facet(tree, name)[0][3])
        assert clicked.status_code == 200, name
        assert sorted(card_ids(html(clicked))) == ["bc2022-001", "bc2022-002"]
    assert sorted(api_ids(client, "/api/search", q="采购 意识形态", mode="lexical", level="central",
                          inspection_type="专项")) == ["bc2022-001", "bc2022-002"]
    chips = html(client.get("/", params={"q": "采购", "level": "central", "inspection_kind": "巡视"})).css(".chip")
    assert [c.text().split(" ")[0] for c in chips] == ["巡察层级：中央", "巡察或巡视：巡视"]


def api_ids(client, path: str, **params) -> list[str]:
    body = client.get(path, params=params).json()
    return [h["id"] for h in body["hits"]]


def core_ids(client, *, target: Target = Target.ISSUES, similar: str | None = None, **params) -> list[str]:
    """One page of the core's own ranked list (``SearchService.ranked``) for a request: where two
    hits nearly tie, the expected order comes from here rather than from hard-coded ids."""
    settings = client.app.state.settings
    if similar is not None:
        request = parse_similar_request(settings, issue_id=similar, **params)
    else:
        request = parse_search_request(settings, **params)
    ranked = [f.doc_id for f in client.app.state.search.service().ranked(request, target)]
    start = (request.page - 1) * request.size
    return ranked[start:start + request.size]


# -- start page -----------------------------------------------------------------------------------

def test_start_page_shows_collection_stats_and_examples(client):
    response = client.get("/")
    assert response.status_code == 200
    tree = html(response)
    assert tree.css_first("title").text() == "巡察整改检索"
    assert tree.css_first("#stats").text() == "已收录 4 份通报，11 个问题，19 条整改措施。"
    examples = [(a.text(), a.attributes["href"]) for a in tree.css(".examples a")]
    assert examples[0] == ("医保基金", "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&tab=issues")
    assert ("签订廉洁承诺书", f"/?q={quote('签订廉洁承诺书')}&tab=measures") in examples
    overview = {g.css_first("h3").text(): [li.text(separator="|") for li in g.css("li")] for g in tree.css(".ov-group")}
    assert overview["单位类型"] == ["医院|6", "乡镇卫生院|3", "疾病预防控制中心|2"]
    assert overview["年份"] == ["2025年|2", "2024年|3", "2023年|4", "2022年|2"]
    assert overview["整改状态"] == ["已完成|5", "推进中|3", "基本完成|1", "长期坚持|1", "未注明|1"]
    assert tree.css("article.card") == []


# -- search results -----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["lexical", "semantic", "hybrid"])
def test_results_are_the_cores_ranking(client, mode):
    response = client.get("/", params={"q": "医保基金", "mode": mode})
    assert response.status_code == 200
    tree = html(response)
    assert card_ids(tree) == api_ids(client, "/api/search", q="医保基金", mode=mode)
    assert tree.css_first("#total").text() == str(client.get("/api/search", params={"q": "医保基金", "mode": mode}).json()["total"])
    checked = tree.css_first("input[name=mode][checked]")
    assert checked.attributes["value"] == mode


def test_issue_card_shows_institution_status_highlight_and_measures(client):
    tree = html(client.get("/", params={"q": "医保基金", "mode": "lexical"}))
    assert card_ids(tree) == ["qh2025-001", "sm2024-001", "qh2023-001"]
    first = tree.css_first("article.card")
    assert first.css_first(".inst").text() == "青禾县人民医院"
    assert first.css_first(".inst").attributes["href"] == "/notices/qh2025#i-1"
    assert first.css_first(".tag").text() == INSTITUTION_TYPES["hospital"]
    assert first.css_first(".card-head .muted").text() == "江西省 吉安市"
    badge = first.css_first(".badge")
    assert (badge.text(), badge.attributes["class"]) == (STATUS_LABELS[Status.IN_PROGRESS], "badge st-in_progress")
    assert first.css_first(".problem").html == (
        '<p class="problem"><span class="label">1.</span>违规使用<mark>医保基金</mark>问题整改不彻底</p>')
    assert [c.text() for c in first.css(".cat")] == [category_labels()["medical_insurance"], category_labels()["rectification"]]
    measures = first.css_first("details.measures")
    assert "open" not in measures.attributes  # collapsed until asked for
    assert measures.css_first("summary").text() == "整改措施（1 条，1 条含检索词）"
    assert [li.html for li in measures.css("li")] == ["<li>再次开展<mark>医保基金</mark>自查</li>"]
    similar = first.css_first("a.similar")
    # the mode (and any filters and sort) come along to the similar view
    assert (similar.text(), similar.attributes["href"]) == ("类似问题（其他单位）", "/?similar=qh2025-001&mode=lexical")
    # a status the notice does not print
    tree = html(client.get("/", params={"q": "政府采购", "mode": "lexical"}))
    assert card_ids(tree)[0] == "bc2022-001"
    assert tree.css_first("article.card .badge").text() == "未注明"


def test_explanation_gives_each_legs_rank_and_the_matched_terms(client):
    tree = html(client.get("/", params={"q": "医保基金 过度检查", "size": 3}))
    api = client.get("/api/search", params={"q": "医保基金 过度检查", "size": 3}).json()["hits"]
    # the one issue with both query words is first on both legs; the other two 医保基金 issues nearly
    # tie, so their order is the core's
    assert card_ids(tree) == [h["id"] for h in api] == core_ids(client, q="医保基金 过度检查", size=3)
    assert card_ids(tree)[0] == "sm2024-001"
    assert sorted(card_ids(tree)[1:]) == ["qh2023-001", "qh2025-001"]
    why = [[dd.text() for dd in card.css("details.why dd")] for card in tree.css("article.card")]
    assert len(why) == 3
    first = api[0]["explain"]
    assert why[0] == [
        f"第 1 名（BM25 {first['lexical']['score']:.2f}）",
        f"第 1 名（相似度 {first['vector']['score']:.3f}）",
        f"{first['score']:.4f}（LINEAR）",
        "医保 医保基金 过度 检查 过度检查",
    ]
    # every card says what the core's explanation says, leg by leg
    for shown, hit in zip(why, api, strict=True):
        explain = hit["explain"]
        assert shown == [
            f"第 {explain['lexical']['rank']} 名（BM25 {explain['lexical']['score']:.2f}）",
            f"第 {explain['vector']['rank']} 名（相似度 {explain['vector']['score']:.3f}）",
            f"{explain['score']:.4f}（{explain['fusion'].upper()}）",
            " ".join(explain["matched_terms"]),
        ]
    # all three are found by both legs: each leg's ranks are 1, 2, 3 in some order
    assert sorted(w[0].split("（")[0] for w in why) == ["第 1 名", "第 2 名", "第 3 名"]
    assert sorted(w[1].split("（")[0] for w in why) == ["第 1 名", "第 2 名", "第 3 名"]
    lexical_only = html(client.get("/", params={"q": "三重一大", "size": 2}))
    assert lexical_only.css("article.card")[1].css("details.why dd")[0].text() == "未命中"
    assert lexical_only.css("article.card")[1].css("details.why dd")[3].text() == "无（仅语义相近）"


def test_facets_have_counts_labels_and_links_that_keep_the_state(client):
    tree = html(client.get("/", params={"q": "医保基金", "mode": "lexical"}))
    base = "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&mode=lexical"
    assert facet(tree, "province") == [
        ("江西省", "2", False, f"{base}&province=%E6%B1%9F%E8%A5%BF%E7%9C%81"),
        ("湖南省", "1", False, f"{base}&province=%E6%B9%96%E5%8D%97%E7%9C%81"),
    ]
    assert facet(tree, "institution_type")[0][:3] == (INSTITUTION_TYPES["hospital"], "2", False)
    assert [f[:2] for f in facet(tree, "status")] == [("已完成", "2"), ("推进中", "1")]
    assert facet(tree, "category")[0][:2] == (category_labels()["medical_insurance"], "3")
    assert [f[0] for f in facet(tree, "year")] == ["2025年", "2024年", "2023年"]
    assert facet(tree, "year")[0][3] == f"{base}&year_from=2025&year_to=2025"
    assert facet(tree, "level") == [("县级", "3", False, f"{base}&level=county")]
    assert [s.attributes["data-facet"] for s in tree.css(".facet")] == [
        "institution_type", "province", "city", "level", "inspection_kind", "year", "status", "category"]


def test_clicking_a_facet_filters_and_shows_a_removable_chip(client):
    base = "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&mode=lexical"
    tree = html(client.get(f"{base}&province=%E6%B1%9F%E8%A5%BF%E7%9C%81"))
    assert card_ids(tree) == ["qh2025-001", "qh2023-001"]
    assert facet(tree, "province")[0] == ("江西省", "2", True, base)  # selected: its link switches it off
    chips = [(c.text(), c.attributes["href"]) for c in tree.css("#chips .chip")]
    assert chips == [("省份：江西省 ×", base)]
    # the filters travel with a new search typed in the box
    assert [(i.attributes["name"], i.attributes["value"]) for i in tree.css("#search-form input[type=hidden]")] == [
        ("province", "江西省")]
    # two values of one field are ORed, fields are ANDed; the year facet sets a one-year range
    both = html(client.get(f"{base}&province=江西省&province=湖南省&year_from=2024&year_to=2025"))
    assert card_ids(both) == ["qh2025-001", "sm2024-001"]
    assert [c.text() for c in both.css("#chips .chip")] == ["省份：江西省 ×", "省份：湖南省 ×", "年份：2024–2025年 ×"]
    year = html(client.get(f"{base}&year_from=2024&year_to=2024"))
    assert card_ids(year) == ["sm2024-001"]
    assert [f[:3] for f in facet(year, "year")] == [("2024年", "1", True)]


def test_a_selected_value_without_hits_stays_visible_to_be_switched_off(client):
    tree = html(client.get("/", params={"q": "医保基金", "mode": "lexical", "province": "西藏自治区"}))
    assert card_ids(tree) == []
    assert facet(tree, "province") == [("西藏自治区", "0", True, "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&mode=lexical")]
    empty = tree.css_first("#empty")
    assert empty.css_first("strong").text() == "没有找到与“医保基金”相关的问题"
    assert [a.text() for a in empty.css("a")] == ["去掉筛选条件", "语义检索", "整改措施"]


def test_measures_tab(client):
    tree = html(client.get("/", params={"q": "医保基金", "mode": "lexical", "tab": "measures"}))
    assert card_ids(tree) == api_ids(client, "/api/measures/search", q="医保基金", mode="lexical") == [
        "qh2025-001-m1", "sm2024-001-m1", "qh2023-001-m1", "qh2023-001-m2", "sm2024-001-m2"]
    assert tree.css_first(".tabs a.active").text() == "整改措施"
    first = tree.css_first("article.measure-card")
    assert first.css_first(".measure-text").html == (
        '<p class="measure-text"><span class="label">措施 1</span>再次开展<mark>医保基金</mark>自查</p>')
    assert first.css_first(".for-problem").text() == "针对问题：违规使用医保基金问题整改不彻底"
    assert [a.attributes["href"] for a in first.css(".actions a")] == [
        "/?similar=qh2025-001&mode=lexical", "/issues/qh2025-001", "/notices/qh2025#i-1"]
    assert tree.css_first(".facet") is not None  # measures have facets on the page
    tabs = [(a.text(), a.attributes["href"]) for a in tree.css(".tabs a")]
    assert tabs == [("问题", "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&mode=lexical"),
                    ("整改措施", "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&mode=lexical&tab=measures")]


def test_similar_shows_the_source_and_other_institutions_only(client):
    response = client.get("/", params={"similar": "qh2023-001"})
    tree = html(response)
    assert card_ids(tree) == api_ids(client, "/api/issues/qh2023-001/similar") == core_ids(client, similar="qh2023-001")
    # the other institution's 医保基金 problem first; then every issue of the two other institutions
    assert card_ids(tree)[0] == "sm2024-001"
    assert sorted(card_ids(tree)) == ["bc2022-001", "bc2022-002", "sm2024-001", "sm2024-002", "sm2024-003"]
    source = tree.css_first("#source")
    assert "青禾县人民医院" in source.text() and "违规使用医保基金，存在串换项目收费问题" in source.text()
    assert "青禾县人民医院" not in [n.text() for n in tree.css("article.card .inst")]
    assert tree.css_first("#summary").text().split()[0:3] == ["共", "5", "条类似问题"]
    assert [(a.text(), a.attributes["href"]) for a in tree.css(".tabs a")] == [
        ("问题", "/?similar=qh2023-001"), ("整改措施", "/?similar=qh2023-001&tab=measures")]
    # typing a query on a similar page starts a new search
    assert card_ids(html(client.get("/", params={"similar": "qh2023-001", "q": "党费"})))[0] == "qh2025-002"


def test_typed_hits_say_which_category_they_share_with_the_first(store):
    client = make_client(store, best_hit_categories=True)
    api = client.get("/api/search", params={"q": "医保基金监管"}).json()["hits"]
    lines = [{dt.text(): dd.text() for dt, dd in zip(card.css(".why dt"), card.css(".why dd"), strict=True)}
             for card in html(client.get("/", params={"q": "医保基金监管"})).css("article.card")]
    shared = [h for h in api if h["explain"]["shared_categories"]]
    assert shared and all(h["explain"]["shared_with"] == "best_hit" for h in shared)
    for hit, line in zip(api, lines, strict=True):
        assert ("同类问题" in line) == bool(hit["explain"]["shared_categories"])
        if hit["explain"]["shared_categories"]:
            assert line["同类问题"].startswith("与首条结果同属")


def test_similar_explains_which_hits_share_the_examples_category(client):
    # the prior that raised them (example_category_boost) is named in the card's 为何命中
    tree = html(client.get("/", params={"similar": "qh2023-001"}))
    shared = {h["id"]: h["explain"]["shared_categories"]
              for h in client.get("/api/issues/qh2023-001/similar").json()["hits"]}
    assert shared["sm2024-001"] == ["medical_insurance"]
    for card in tree.css("article.card"):
        line = next((dd.text() for dt, dd in zip(card.css(".why dt"), card.css(".why dd"), strict=True)
                     if dt.text() == "同类问题"), None)
        if shared[card.attributes["data-id"]]:
            assert line is not None and category_labels()["medical_insurance"] in line
        else:
            assert line is None


def test_similar_keeps_the_filters_and_has_both_tabs(client):
    tree = html(client.get("/", params={"q": "医保基金", "province": "江西省", "sort": "date"}))
    link = tree.css_first("article.card a.similar").attributes["href"]
    assert parse_qs(urlsplit(link).query) == {"similar": ["qh2025-001"], "province": ["江西省"], "sort": ["date"]}
    similar = html(client.get(link))
    assert card_ids(similar) == api_ids(client, "/api/issues/qh2025-001/similar", province="江西省", sort="date")
    assert card_ids(similar) and all(i.startswith("bc2022") for i in card_ids(similar))  # 湖南省 filtered out
    assert [c.text().split(" ")[0] for c in similar.css(".chip")] == ["省份：江西省"]
    tab = similar.css(".tabs a")[1]
    assert tab.text() == "整改措施"
    measures = html(client.get(tab.attributes["href"]))
    assert card_ids(measures) == api_ids(client, "/api/issues/qh2025-001/similar", province="江西省", sort="date",
                                         target="measures")
    assert measures.css("article.measure-card") and measures.css_first("#source") is not None
    assert measures.css_first("#summary").text().split()[2] == "条类似问题的整改措施"


def test_sort_by_date_on_the_page(client):
    tree = html(client.get("/", params={"q": "医保基金"}))
    assert tree.css_first("#sort strong").text() == "按相关度"
    by_date = tree.css_first('#sort a[data-sort="date"]').attributes["href"]
    assert by_date == "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&sort=date"
    assert card_ids(html(client.get(by_date))) == api_ids(client, "/api/search", q="医保基金", sort="date") == [
        "qh2025-001", "qh2025-002", "sm2024-001", "sm2024-003", "qh2023-001", "qh2023-002", "qh2023-003"]


def test_date_range_on_the_page(client):
    tree = html(client.get("/", params={"q": "医保基金", "mode": "lexical"}))
    form = tree.css_first("form#date-range")
    hidden = {i.attributes["name"]: i.attributes["value"] for i in form.css("input[type=hidden]")}
    assert hidden == {"q": "医保基金", "mode": "lexical"}
    assert [i.attributes["name"] for i in form.css("input[type=date]")] == ["date_from", "date_to"]
    filtered = html(client.get("/", params={**hidden, "date_from": "2024-01-01", "date_to": "2024-12-31"}))
    assert card_ids(filtered) == ["sm2024-001"]
    assert [c.text().split(" ")[0] for c in filtered.css(".chip")] == ["日期：2024-01-01–2024-12-31"]
    assert filtered.css_first('form#date-range input[name="date_from"]').attributes["value"] == "2024-01-01"
    bad = client.get("/", params={**hidden, "date_from": "2024-02-30"})
    assert bad.status_code == 400
    assert html(bad).css_first("#error p").text() == "起始日期应为日期，如 2024、2024-03 或 2024-03-05（收到 '2024-02-30'）。"


def test_unstated_status_is_shown_filtered_and_exported(client):
    tree = html(client.get("/", params={"q": "采购", "mode": "lexical"}))
    assert facet(tree, "status")[0][:3] == ("未注明", "1", False)
    card = html(client.get(facet(tree, "status")[0][3]))
    assert card_ids(card) == ["bc2022-001"]
    badge = card.css_first("article.card .badge")
    assert (badge.text(), badge.attributes["class"]) == ("未注明", "badge st-unspecified")
    rows = read_csv(client.get("/export.csv", params={"q": "采购", "mode": "lexical", "status": "unspecified"}))
    assert [(r[13], r[16]) for r in rows[1:]] == [("未注明", "bc2022-001")]


def test_a_page_past_the_results_states_the_real_count(client, store):
    response = client.get("/", params={"q": "医保基金", "mode": "lexical", "page": "2"})
    assert response.status_code == 400
    tree = html(response)
    assert tree.css_first("#error strong").text() == "页码超出范围"
    assert tree.css_first("#error p").text() == "第 2 页超出范围：共 3 条结果，每页 10 条，共 1 页。"
    assert tree.css_first("#error-link").attributes["href"] == "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&mode=lexical"
    # beyond the result window: the real count, and the window
    narrow = make_client(store, max_result_window=4)
    tree = html(narrow.get("/", params={"q": "医保基金", "size": "2", "page": "3"}))
    assert tree.css_first("#error p").text() == (
        "第 3 页超出范围：共 7 条结果，每页 2 条，共 2 页。最多可查看前 4 条，请增加筛选条件缩小范围。")
    assert tree.css_first("#error-link").text() == "转到第 2 页"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response.headers["content-type"]) == (200, "image/svg+xml")
    assert response.content.startswith(b"<svg")
    icon = html(client.get("/")).css_first('link[rel="icon"]').attributes["href"]
    assert client.get(icon).content == response.content


def test_pagination_links(client):
    tree = html(client.get("/", params={"q": "医保基金", "size": 2, "page": 2}))
    assert card_ids(tree) == api_ids(client, "/api/search", q="医保基金", size=2, page=2) == core_ids(
        client, q="医保基金", size=2, page=2)
    # the last of the three 医保基金 issues, then the best semantic-only hit (a near tie: the core's)
    assert len(card_ids(tree)) == 2 and card_ids(tree)[0] == "qh2023-001"
    pager = [(a.text(), a.attributes["href"]) for a in tree.css(".pager a")]
    q = "/?q=%E5%8C%BB%E4%BF%9D%E5%9F%BA%E9%87%91&size=2"
    assert pager == [("上一页", q), ("1", q), ("3", f"{q}&page=3"), ("4", f"{q}&page=4"), ("下一页", f"{q}&page=3")]
    assert tree.css_first(".pager .current").text() == "2"
    assert tree.css_first("article.card .rank").text() == "3"
    assert html(client.get("/", params={"q": "医保基金"})).css(".pager") == []


# -- empty states and errors --------------------------------------------------------------------------

def test_no_results(client):
    response = client.get("/", params={"q": "量子纠缠", "mode": "lexical"})
    assert response.status_code == 200
    tree = html(response)
    assert tree.css_first("#total").text() == "0"
    assert tree.css_first("#empty strong").text() == "没有找到与“量子纠缠”相关的问题"
    assert tree.css("#export-csv") == []
    assert [a.attributes["href"] for a in tree.css("#empty a")] == [
        "/?q=%E9%87%8F%E5%AD%90%E7%BA%A0%E7%BC%A0&mode=semantic",
        "/?q=%E9%87%8F%E5%AD%90%E7%BA%A0%E7%BC%A0&mode=lexical&tab=measures"]


@pytest.mark.parametrize("params, message", [
    ({"q": "医保", "page": "abc"}, "页码必须是整数（收到 'abc'）。"),
    ({"q": "医保", "mode": "fuzzy"}, "检索方式的取值 'fuzzy' 无效，可选：hybrid, lexical, semantic。"),
    ({"q": "医保", "page": "200"}, "第 200 页超出范围：共 5 条结果，每页 10 条，共 1 页。"),
    ({"q": "医保", "year_from": "2025", "year_to": "2020"}, "起始年份 2025 晚于截止年份 2020。"),
    ({"q": "医保", "status": "done"}, "整改状态的取值 'done' 无效，可选：completed, basically_completed, in_progress, long_term, unspecified。"),
    ({"q": "医" * 2001}, "检索内容过长：最多 2000 字，当前 2001 字。请只保留问题描述的关键部分。"),
    ({"province": "江西省"}, "筛选条件需要和检索词一起使用：请先输入关键词或粘贴一段问题描述。"),
])
def test_bad_parameters_give_a_message_in_chinese(client, params, message):
    response = client.get("/", params=params)
    assert response.status_code == 400
    tree = html(response)
    assert tree.css_first("#error p").text() == message
    assert tree.css("article.card") == []


def test_unknown_ids_are_404_pages(client):
    for path, heading in [("/notices/nope", "未找到"), ("/issues/nope-001", "未找到")]:
        response = client.get(path)
        assert response.status_code == 404
        assert html(response).css_first("#error strong").text() == heading
    response = client.get("/", params={"similar": "nope-001"})
    assert response.status_code == 404
    assert html(response).css_first("#error p").text() == "没有编号为 nope-001 的问题，无法查找类似问题。"


class DownBackend:
    name = "memory"

    def __getattr__(self, item):
        def fail(*args, **kwargs):
            raise BackendUnavailable("connection refused by 127.0.0.1:9200")
        return fail


@pytest.mark.parametrize("path", ["/", "/?q=医保", "/notices/qh2023", "/export.csv?q=医保", "/export.xlsx?q=医保"])
def test_backend_unavailable_is_a_friendly_503(path):
    client = TestClient(create_app(Settings(backend="memory"), DownBackend(), search_corpus.EMBEDDER))
    response = client.get(path)
    assert response.status_code == 503
    tree = html(response)
    assert tree.css_first("#error strong").text() == "检索服务暂时不可用"
    assert tree.css_first("#error p").text() == (
        "无法连接检索后端，请稍后重试；如持续出现，请联系管理员。"
        "（the search backend is unavailable, retry later (connection refused by 127.0.0.1:9200)）")
    assert "Traceback" not in response.text


def test_service_still_loading_is_503():
    client = TestClient(create_app(Settings(backend="memory")))  # not started: still loading
    response = client.get("/", params={"q": "医保"})
    assert response.status_code == 503
    assert html(response).css_first("#error strong").text() == "检索服务正在启动"


def test_user_text_is_escaped(client):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    response = client.get("/", params={"q": payload})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert "<img src=x" not in response.text
    tree = html(response)
    assert tree.css_first("#q").text() == payload  # shown back as text, inside the textarea
    assert tree.css("script") == [tree.css_first("script[src]")]  # only the page's own script


# -- a notice with odd content: stated ≠ found, warnings, markup in the text ------------------------------

ODD_PROBLEM = '医保基金<img src=x onerror=alert(1)>报销不规范'


@pytest.fixture(scope="module")
def odd_client():
    backend = MemoryBackend()
    backend.check_compatible(search_corpus.EMBEDDER.model_id, search_corpus.EMBEDDER.dims, DICTIONARY_VERSION)
    base = {"notice_id": "odd2024", "source": "odd.txt", "title": "中共白石镇卫生院支部关于巡察整改进展情况的通报",
            "institution": "白石镇卫生院", "institution_type": "township_health_centre", "province": "湖南省",
            "city": "常德市", "county": "石门县", "level": "county", "inspection_body": "县委第一巡察组",
            "feedback_date": "2024-03-12", "publish_date": "2024-09-01", "year": 2024}
    issues = [("医保基金<img src=x onerror=alert(1)>报销不规范", "completed", "已完成整改", ["追回<b>违规</b>费用"], "财务管理方面"),
              ("药品采购不规范", None, None, [], "财务管理方面"),
              ("党支部组织生活不严肃", "long_term", "长期坚持", ["落实三会一课"], "党建方面")]
    issue_docs, measure_docs = [], []
    for seq, (problem, status, raw, measures, section) in enumerate(issues, start=1):
        issue_id = f"odd2024-{seq:03d}"
        issue_docs.append({
            "id": issue_id, **base, "seq": seq, "label": f"{seq}.", "section": section, "section_label": "一、",
            "group": None, "problem": problem, "status": status, "status_raw": raw, "measures": measures,
            "categories": [], "problem_tokens": " ".join(tokenise_for_index(problem)), "context_tokens": "",
            "measures_tokens": " ".join(tokenise_for_index("\n".join(measures))),
            "vector": search_corpus.EMBEDDER.embed_passages([problem])[0].tolist(),
        })
        for n, text in enumerate(measures, start=1):
            measure_docs.append({"id": f"{issue_id}-m{n}", "issue_id": issue_id, **base, "seq": seq, "measure_seq": n,
                                 "text": text, "problem": problem, "section": section, "status": status,
                                 "categories": [], "text_tokens": " ".join(tokenise_for_index(text)),
                                 "problem_tokens": " ".join(tokenise_for_index(problem))})
    quality = {"issues_found": 3, "issues_stated": 5, "sections_found": 2, "sections_stated": 3, "statuses_found": 2,
               "warnings": ["stated 5 issues, found 3", "issue 2: no status printed"], "complete": False}
    notice = {**base, "issue_ids": [d["id"] for d in issue_docs], "quality": quality, "format": "txt",
              "encoding": "utf_8", "organization": "中共白石镇卫生院支部", "inspection_period": {"start": "2023-10", "end": None},
              "stated_totals": {"raw": "共反馈3个方面5个问题"}, "text": "全文<script>x</script>", "original_text": "全文"}
    backend.write([NoticeBundle("odd2024", "odd.txt", notice, issue_docs, measure_docs)])
    yield make_client(backend)
    backend.close()


def test_document_text_is_escaped_but_highlighted(odd_client):
    response = odd_client.get("/", params={"q": "医保基金", "mode": "lexical"})
    assert "<img src=x" not in response.text and "<b>违规</b>" not in response.text
    tree = html(response)
    card = tree.css_first("article.card")
    assert card.css_first(".problem").html == (
        '<p class="problem"><span class="label">1.</span><mark>医保基金</mark>&lt;img src=x onerror=alert(1)&gt;报销不规范</p>')
    assert card.css_first(".measures li").html == "<li>追回&lt;b&gt;违规&lt;/b&gt;费用</li>"
    assert card.css_first(".badge").attributes["title"] == "通报原文：已完成整改"


def test_notice_view_shows_metadata_issues_in_order_and_the_quality_report(odd_client):
    response = odd_client.get("/notices/odd2024")
    assert response.status_code == 200
    tree = html(response)
    assert tree.css_first("h1").text() == "中共白石镇卫生院支部关于巡察整改进展情况的通报"
    meta = {tr.css_first("th").text(): tr.css_first("td").text() for tr in tree.css("#notice-meta tr")}
    assert meta["被巡察单位"] == "白石镇卫生院"
    assert meta["单位类型"] == INSTITUTION_TYPES["township_health_centre"]
    assert meta["地区"] == "湖南省 常德市 石门县"
    assert meta["巡察组"] == "县委第一巡察组"
    assert meta["巡察层级"] == "县级"
    assert meta["巡察轮次"] == "—"
    assert meta["巡察时间"] == "2023-10"
    assert (meta["反馈日期"], meta["发布日期"]) == ("2024-03-12", "2024-09-01")
    assert meta["通报所述总数"] == "共反馈3个方面5个问题"
    quality = tree.css_first("#quality")
    assert "warn" in quality.attributes["class"]
    rows = [[c.text() for c in tr.css("th, td")] for tr in quality.css("tr")]
    assert rows == [["", "通报所述", "识别出"], ["问题数", "5", "3"], ["方面数", "3", "2"], ["整改状态", "—", "2 个问题注明"]]
    assert quality.css_first(".verdict").text() == "识别出的问题数与通报所述不一致，请对照原文"
    assert [li.text() for li in quality.css(".warnings li")] == ["stated 5 issues, found 3", "issue 2: no status printed"]
    assert [s.css_first("h3").text() for s in tree.css(".n-section")] == ["一、财务管理方面", "一、党建方面"]
    assert [n.attributes["id"] for n in tree.css(".n-issue")] == ["i-1", "i-2", "i-3"]
    assert [b.text() for b in tree.css(".n-issue .badge")] == ["已完成", "未注明", "长期坚持"]
    assert tree.css(".n-issue")[1].css_first(".muted").text() == "未列出整改措施"
    assert tree.css_first(".fulltext pre").html == "<pre>全文&lt;script&gt;x&lt;/script&gt;</pre>"


def test_notice_view_of_a_complete_notice(client):
    tree = html(client.get("/notices/sm2024"))
    assert tree.css_first("#quality .verdict").text() == "✓ 识别出的问题数与通报所述一致"
    assert [n.css_first(".problem").text() for n in tree.css(".n-issue")] == [
        "医保基金监管不到位，存在过度检查", "村卫生室药品配备不全，乡村医生服务能力弱", "中心组理论学习走过场"]


def test_issue_page(client):
    response = client.get("/issues/qh2023-002")
    assert response.status_code == 200
    tree = html(response)
    assert tree.css_first("h1").text() == "青禾县人民医院 · 第 2 个问题"
    card = tree.css_first("article.card")
    assert "open" in card.css_first("details.measures").attributes
    assert [li.text() for li in card.css(".measures li")] == ["修订“三重一大”事项清单", "重大事项一律经党委会集体研究"]
    assert card.css("details.why") == []


# -- exports ----------------------------------------------------------------------------------------

def read_csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def read_xlsx(response) -> tuple[list[list], dict]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [[c for c in row] for row in book["检索结果"].iter_rows(values_only=True)]
    about = {r[0]: r[1] for r in book["检索条件"].iter_rows(values_only=True)}
    return rows, about


QH2025_001 = ["1", "青禾县人民医院", "医院", "江西省", "吉安市", "", "", "", "2025-01-10", "", "", "1",
              "违规使用医保基金问题整改不彻底", "推进中", "再次开展医保基金自查", "qh2025.txt", "qh2025-001"]


def test_export_csv_cell_by_cell(client):
    response = client.get("/export.csv", params={"q": "医保基金", "mode": "lexical"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    name = f"巡察整改-问题-医保基金-{TODAY}.csv"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"xuncha-export-{TODAY}.csv\"; filename*=UTF-8''{quote(name, safe='')}")
    assert (response.headers["x-export-rows"], response.headers["x-export-truncated"]) == ("3", "false")
    rows = read_csv(response)
    assert rows[0] == list(export.COLUMNS) == [
        "排名", "单位", "单位类型", "省份", "城市", "区县", "巡察组", "巡察轮次", "反馈日期", "发布日期",
        "方面", "序号", "问题", "整改状态", "整改措施", "来源", "问题编号"]
    assert rows[1] == QH2025_001
    assert rows[3] == ["3", "青禾县人民医院", "医院", "江西省", "吉安市", "", "", "", "2023-06-20", "", "", "1",
                       "违规使用医保基金，存在串换项目收费问题", "已完成",
                       "开展医保基金专项自查自纠，退回违规费用3.2万元\n上线医保智能审核系统，从源头防范违规收费",
                       "qh2023.txt", "qh2023-001"]
    assert [r[16] for r in rows[1:]] == ["qh2025-001", "sm2024-001", "qh2023-001"]


def test_export_xlsx_cell_by_cell(client):
    response = client.get("/export.xlsx", params={"q": "医保基金", "mode": "lexical", "province": "江西省"})
    assert response.status_code == 200
    assert response.headers["content-type"] == export.MEDIA_TYPES["xlsx"]
    assert f"filename*=UTF-8''{quote(f'巡察整改-问题-医保基金-{TODAY}.xlsx', safe='')}" in response.headers["content-disposition"]
    rows, about = read_xlsx(response)
    assert rows[0] == list(export.COLUMNS)
    assert [None if v is None else str(v) for v in rows[1]] == [v or None for v in QH2025_001]
    assert isinstance(rows[1][0], int) and isinstance(rows[1][11], int)
    assert [r[16] for r in rows[1:]] == ["qh2025-001", "qh2023-001"]
    assert about["导出内容"] == "问题"
    assert about["检索内容"] == "医保基金"
    assert about["检索方式"] == "关键词"
    assert about["省份"] == "江西省"
    assert (about["导出条数"], about["结果总数"], about["是否截断"]) == ("2", "2", "否")
    assert parse_qs(urlsplit(about["链接"]).query) == {"q": ["医保基金"], "mode": ["lexical"], "province": ["江西省"]}


def test_export_holds_every_page_in_the_pages_order(client):
    params = {"q": "医保基金", "size": 2}
    pages = [card_ids(html(client.get("/", params={**params, "page": n}))) for n in (1, 2, 3, 4)]
    rows = read_csv(client.get("/export.csv", params={**params, "page": 3}))
    assert [r[16] for r in rows[1:]] == [i for page in pages for i in page]
    assert len(rows) - 1 == int(html(client.get("/", params=params)).css_first("#total").text()) == 7


def test_export_of_measures_and_of_similar(client):
    rows = read_csv(client.get("/export.csv", params={"q": "医保基金", "mode": "lexical", "tab": "measures"}))
    assert [(r[14], r[16]) for r in rows[1:3]] == [("再次开展医保基金自查", "qh2025-001"),
                                                    ("建立医保基金日常监管台账", "sm2024-001")]
    response = client.get("/export.csv", params={"similar": "qh2023-001"})
    assert f"filename*=UTF-8''{quote(f'巡察整改-类似问题-qh2023-001-{TODAY}.csv', safe='')}" in response.headers["content-disposition"]
    assert [r[16] for r in read_csv(response)[1:]] == api_ids(client, "/api/issues/qh2023-001/similar")


def test_export_is_capped(store):
    client = make_client(store, export_cap=2)
    page = html(client.get("/", params={"q": "医保基金"}))
    assert page.css_first(".export .muted").text() == "仅导出前 2 条"
    response = client.get("/export.xlsx", params={"q": "医保基金"})
    assert (response.headers["x-export-rows"], response.headers["x-export-truncated"]) == ("2", "true")
    rows, about = read_xlsx(response)
    assert [r[16] for r in rows[1:]] == ["qh2025-001", "sm2024-001"]
    assert (about["导出条数"], about["结果总数"], about["导出上限"], about["是否截断"]) == ("2", "7", "2", "是")


def test_export_needs_a_query(client):
    response = client.get("/export.csv")
    assert response.status_code == 400
    assert html(response).css_first("#error p").text() == "请先输入检索内容，再导出结果。"


def test_export_helpers():
    assert export.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert [export.csv_cell(v) for v in ("+1", "-x", "@a", "正常", 3)] == ["'+1", "'-x", "'@a", "正常", 3]
    data = export.ExportData(kind="问题", subject='a/b:c*?"<>| 医保  基金\n', rows=[], total=0, cap=10)
    assert export.filename(data, "csv", date(2025, 3, 1)) == "巡察整改-问题-a_b_c_医保_基金-20250301.csv"
    data.subject = "   "
    assert export.filename(data, "xlsx", date(2025, 3, 1)) == "巡察整改-问题-结果-20250301.xlsx"
    assert export.content_disposition("问题.csv", fallback='a"b.csv') == (
        "attachment; filename=\"ab.csv\"; filename*=UTF-8''%E9%97%AE%E9%A2%98.csv")
    # a formula-looking problem is written as a string in XLSX, quoted in CSV
    data = export.ExportData(kind="问题", subject="x", rows=[[1, "=1+1"]], total=1, cap=10)
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx(data)))
    assert book["检索结果"]["B2"].value == "=1+1" and book["检索结果"]["B2"].data_type == "s"
    assert export.to_csv(data).decode("utf-8-sig").splitlines()[1] == "1,'=1+1"


# -- page state and assets ---------------------------------------------------------------------------

def test_page_state_round_trips_through_the_url():
    from starlette.datastructures import QueryParams

    url = "/?q=%E5%8C%BB%E4%BF%9D&mode=semantic&tab=measures&province=a&province=b&year_from=2020&year_to=2021&size=20&page=3"
    state = PageState.from_query(QueryParams(url[2:]))
    assert state.url(keep_page=True) == url
    assert state.url() == url.replace("&page=3", "")
    assert state.toggle("province", "a") == url.replace("&province=a", "").replace("&page=3", "")
    assert state.toggle("year", "2022").endswith("&year_from=2022&year_to=2022&size=20")
    assert PageState.from_query(QueryParams("tab=nonsense")).tab == "issues"


def test_static_assets_are_local_and_small(client):
    tree = html(client.get("/", params={"q": "医保"}))
    assets = [n.attributes.get("href") for n in tree.css("link[rel=stylesheet]")] + \
             [n.attributes.get("src") for n in tree.css("script[src]")]
    assert [a.split("?")[0] for a in assets] == ["/static/app.css", "/static/app.js"]
    total = 0
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200
        total += len(response.content)
    assert total < 30_000
    assert client.get("/static/app.css").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/static/..%2Fpages.py").status_code == 404


def test_the_json_api_is_unchanged_by_the_page(client):
    assert client.get("/healthz").json() == {"ok": True, "status": "alive"}
    assert client.get("/api/search", params={"q": "医保基金"}).headers["content-type"] == "application/json"
