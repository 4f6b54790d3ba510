"""Ranking: variant expansion (the list, the expansion rule, the explanation)."""

from __future__ import annotations

import pytest

from indexer.backends.memory import MemoryBackend
from indexer.settings import Settings
from indexer.types import Target
from search_api import lexical, variants
from search_api.parse import parse_search_request
from search_api.search import SearchService
from tests import search_corpus


@pytest.fixture(scope="module")
def service():
    backend = MemoryBackend()
    search_corpus.load(backend)
    svc = SearchService(Settings(backend="memory"), backend, search_corpus.EMBEDDER)
    yield svc
    svc.close()


# -- the list ---------------------------------------------------------------------------------------

def test_every_packaged_group_parses_with_a_reason():
    groups = variants.groups()
    assert len(groups) >= 50
    assert all(g.reason and len(g.forms) >= 2 for g in groups)


@pytest.mark.parametrize("line, message", [
    ("小金库 | 账外资金", "no '# reason'"),
    ("小金库  # only one form", "two or more forms"),
    ("小金库 | 账  # a one-character form", "two or more forms"),
])
def test_a_bad_line_stops_the_load(tmp_path, line, message):
    path = tmp_path / "variants.txt"
    path.write_text(f"# comment\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        variants.parse_groups(path)


# -- the expansion --------------------------------------------------------------------------------

GROUPS = [variants.Group(("甲乙丙", "丁戊己", "甲乙"), "made up")]


def test_a_form_in_the_text_brings_in_the_other_forms_but_not_its_own_parts():
    found = variants.expand("关于甲乙丙的问题", ["甲乙丙"], lambda form: [form], GROUPS)
    # 甲乙 is inside the form found: it adds nothing of its own
    assert found.terms == ("丁戊己",) and found.found == {"甲乙丙": ("丁戊己",), "甲乙": ("丁戊己",)}
    assert variants.expand("无关", ["无关"], lambda form: [form], GROUPS).terms == ()
    # the query's own terms keep their own (full) weight: they are not repeated as variants
    assert variants.expand("甲乙丙 丁戊己", ["甲乙丙", "丁戊己"], lambda form: [form], GROUPS).terms == ()


def test_matching_is_on_the_text_whatever_the_segmentation_and_width():
    found = variants.expand("ＡＢ私设小金库问题", ["私设"], lambda form: [form])
    assert "账外资金" in found.terms and "小金库" in found.found


def test_variant_terms_weigh_less_and_generic_words_are_not_added():
    query, expansion = lexical.build("吃空饷", Target.ISSUES, min_idf=4.5, variant_weight=0.4)
    assert expansion.terms and all(query.weight(t) == 0.4 for t in expansion.terms)
    assert all(query.weight(t) == 1.0 for t in query.terms if t not in expansion.terms)
    # the other forms' specific tokens; never a single character or a word common in any text
    assert {"在编", "虚报", "冒领"} <= set(expansion.terms)
    assert all(len(t) > 1 and lexical.idf(t) >= 4.5 for t in expansion.terms)
    off, none = lexical.build("吃空饷", Target.ISSUES, min_idf=4.5, variant_weight=0)
    assert none.terms == () and not set(off.weights)


def test_the_explanation_names_the_variants_a_hit_matched(service):
    request = parse_search_request(service.settings, q="三公经费", mode="lexical")
    result = service.search_issues(request).to_dict()
    assert result["variants"]["三公经费"][:1] == ["公务接待"]
    assert "公务接待" not in result["terms"]
    top = result["hits"][0]
    assert top["problem"].startswith("公务接待超标准")
    assert "公务接待" in top["explain"]["variant_terms"]
    assert top["highlights"]["problem"][0] == (0, 4)
