"""Measure vectors in the issue vector leg: an issue is found by the best of its own vector and its
measures' vectors, so a measure beyond the issue passage's cut still finds its issue."""

from __future__ import annotations

import pytest

from indexer.backends.base import Filters
from indexer.backends.memory import MemoryBackend
from indexer.bundles import ISSUE_EMBEDDING_CHARS, build_bundle, issue_embedding_text
from indexer.embed import HashingEmbedder
from indexer.settings import Settings
from indexer.types import Issue, Leg, NoticeMeta, ParsedNotice, QualityReport, Target
from search_api.parse import Mode
from search_api.search import SearchService

EMBEDDER = HashingEmbedder(256)
QUERY = "建立考勤打卡与请销假登记台账"
FILLER = "组织召开专题会议研究部署整改工作明确责任分工和完成时限"  # says nothing about the query


def _notice(notice_id: str, problems: list[tuple[str, list[str]]]) -> ParsedNotice:
    issues = [Issue(seq=n, label=f"{n}.", problem=problem, section="作风建设方面", measures=measures)
              for n, (problem, measures) in enumerate(problems, start=1)]
    return ParsedNotice(notice_id=notice_id, source=f"{notice_id}.txt", format="txt", encoding="utf_8",
                        text="正文", meta=NoticeMeta(title=f"{notice_id}通报", institution="某局"),
                        issues=issues, quality=QualityReport(issues_found=len(issues)))


@pytest.fixture(scope="module")
def backend() -> MemoryBackend:
    # the answer's matching measure comes after enough filler that the issue passage is cut before it
    deep = _notice("deep", [("干部日常管理宽松", [FILLER * 10, QUERY])])
    decoys = _notice("decoy", [("考勤制度执行不严格", [FILLER]), ("请假审批流程不规范", [FILLER])])
    store = MemoryBackend()
    store.write([build_bundle(deep, EMBEDDER, None, measure_vectors=True),
                 build_bundle(decoys, EMBEDDER, None, measure_vectors=True)])
    return store


def _semantic(backend: MemoryBackend, **settings: object) -> list[str]:
    service = SearchService(Settings(backend="memory", relevance_floor=False, **settings), backend, EMBEDDER)
    try:
        fused = service.rank(Target.ISSUES, text=QUERY, query_vector=None, mode=Mode.SEMANTIC, filters=Filters(),
                             fusion="rrf", depth=10)
    finally:
        service.close()
    return [f.doc_id for f in fused]


def test_the_matching_measure_lies_beyond_the_issue_passage():
    issue = Issue(seq=1, label="1.", problem="干部日常管理宽松", measures=[FILLER * 10, QUERY])
    assert QUERY not in issue_embedding_text(issue)
    assert len(issue.problem + FILLER * 10) > ISSUE_EMBEDDING_CHARS


def test_an_issue_is_found_through_its_best_measure(backend):
    assert _semantic(backend)[0] == "deep-001"


def test_without_measure_vectors_the_issue_vector_alone_ranks(backend):
    assert _semantic(backend, measure_vectors=False)[0] != "deep-001"


class _MeasuresSearchedWhole(MemoryBackend):
    """The memory backend without :class:`~indexer.backends.base.RescoresIssueFamilies`: the core
    searches the measure vectors whole, as with Elasticsearch."""

    issue_family_vectors = None


def _hybrid(backend: MemoryBackend) -> list[tuple[str, float | None]]:
    service = SearchService(Settings(backend="memory", relevance_floor=False, vector_top_k=1), backend, EMBEDDER)
    try:
        fused = service.rank(Target.ISSUES, text=QUERY, query_vector=None, mode=Mode.HYBRID, filters=Filters(),
                             fusion="linear", depth=1)
    finally:
        service.close()
    return [(f.doc_id, round(f.leg(Leg.VECTOR).score, 4) if f.leg(Leg.VECTOR) else None) for f in fused]


def test_measure_cosines_are_scored_for_the_candidates_of_every_leg(backend):
    """With one vector hit asked for, the issue the word leg found still gets its measure's cosine,
    and the ranking is the one of searching all measure vectors."""
    ranked = _hybrid(backend)
    assert ranked[0][0] == "deep-001" and ranked[0][1] is not None
    whole = _MeasuresSearchedWhole()
    whole.write([build_bundle(_notice("deep", [("干部日常管理宽松", [FILLER * 10, QUERY])]), EMBEDDER, None,
                              measure_vectors=True),
                 build_bundle(_notice("decoy", [("考勤制度执行不严格", [FILLER]), ("请假审批流程不规范", [FILLER])]),
                              EMBEDDER, None, measure_vectors=True)])
    assert _hybrid(whole)[0] == ranked[0]
