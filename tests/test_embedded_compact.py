"""Compaction of the embedded backend's tantivy indexes (embedded_compact.py): one segment per
collection in id order after a bulk write or a rebuild, the lexical leg's ties then taken in
tantivy's order — which must stay the id order whatever order the rows were written in."""

from __future__ import annotations

import json

from indexer.backends import embedded_compact
from indexer.backends.base import Filters, LexicalQuery, NoticeBundle
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.embedded_compact import ORDERED, is_ordered, segment_ids
from indexer.fields import lexical_boosts
from indexer.types import Target
from tests.contract_corpus import EMBEDDER
from tests.test_embedded_backend import counted_searches

ISSUES, MEASURES = Target.ISSUES, Target.MEASURES
VECTOR = [1.0] + [0.0] * (EMBEDDER.dims - 1)


def _notice(notice: str, numbers: list[int], tokens) -> NoticeBundle:
    """One notice whose issue n has problem tokens ``tokens(n)`` and one measure with the same
    tokens, written in the order of ``numbers``."""
    base = {"notice_id": notice, "source": f"{notice}.txt", "province": "甲省", "year": 2022}
    issues = [{"id": f"{notice}-{n:03d}", **base, "seq": n, "problem": "问题", "problem_tokens": tokens(n),
               "categories": ["c1"], "vector": VECTOR} for n in numbers]
    measures = [{"id": f"{notice}-{n:03d}-m1", "issue_id": f"{notice}-{n:03d}", **base, "seq": n, "measure_seq": 1,
                 "text": "措施", "text_tokens": tokens(n)} for n in numbers]
    return NoticeBundle(notice, f"{notice}.txt", dict(base), issues, measures)


def _tokens(n: int) -> str:
    # 1 best issue, 30 tied behind it, the rest longer (lower, also tied among them)
    return "甲 乙" if n == 1 else "甲 丙" if n <= 31 else "甲 丙 丁 戊"


def _written_backwards(path, batches: int = 3) -> EmbeddedBackend:
    """A backend whose notices and issues were written in reverse id order, in several commits
    (several segments): tantivy's own order of ties is nowhere the ids' order."""
    backend = EmbeddedBackend(path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    for notice in [f"n{b}" for b in range(batches, 0, -1)]:
        backend.write([_notice(notice, list(range(60, 0, -1)), _tokens)])
    return backend


def _query(*terms: str, target: Target = ISSUES) -> LexicalQuery:
    return LexicalQuery(terms, lexical_boosts(target))


def _ranked(backend: EmbeddedBackend, target: Target, k: int) -> list[tuple[str, float]]:
    query = _query("甲", "乙", target=target)
    return [(h.doc_id, h.score) for h in backend.lexical(target, query, Filters(), k)]


def _expected(target: Target, k: int) -> list[str]:
    """The reference order: best score first, ties by id."""
    suffix = "-m1" if target is MEASURES else ""
    best = [f"n{b}-001{suffix}" for b in (1, 2, 3)]
    tied = sorted(f"n{b}-{n:03d}{suffix}" for b in (1, 2, 3) for n in range(2, 32))
    return (best + tied)[:k]


def test_compaction_leaves_one_segment_in_id_order_and_the_same_hits(tmp_path):
    backend = _written_backwards(tmp_path)
    gen = backend._gen
    assert all(len(segment_ids(gen.index_folder(t))) == 3 and not gen.searching[t].ordered for t in Target)
    before = {(t, k): _ranked(backend, t, k) for t in Target for k in (2, 5, 10, 40)}
    assert [d for d, _ in before[ISSUES, 10]] == _expected(ISSUES, 10)
    assert [d for d, _ in before[MEASURES, 40]] == _expected(MEASURES, 40)

    assert backend.compact() == {ISSUES: 180, MEASURES: 180}
    for target in Target:
        assert len(segment_ids(gen.index_folder(target))) == 1 and gen.searching[target].ordered
        assert gen.searching[target].searcher.num_docs == 180
    counted = counted_searches(backend, ISSUES)
    after = {(t, k): _ranked(backend, t, k) for t in Target for k in (2, 5, 10, 40)}
    assert after == before  # ids and scores: the cut in a tie of 90 rows, taken as tantivy ranks them
    assert counted.searches == 4  # one search of k hits each, no fetch past the cut
    assert json.loads(gen.store.meta()[ORDERED]) == {t.value: segment_ids(gen.index_folder(t))[0] for t in Target}
    assert backend.compact() == {}  # already compact
    backend.close()


def test_a_write_after_compaction_ends_the_order_and_a_deletion_keeps_it(tmp_path):
    backend = _written_backwards(tmp_path)
    backend.compact()
    gen = backend._gen
    backend.delete_notices(["n2"])  # the same segment, fewer live rows: still in id order
    assert gen.searching[ISSUES].ordered
    want = [d for d in _expected(ISSUES, 90) if not d.startswith("n2-")][:10]
    assert [d for d, _ in _ranked(backend, ISSUES, 10)] == want
    # a notice whose ids sort first, written last: a second segment, ties by id again
    backend.write([_notice("n0", list(range(60, 0, -1)), _tokens)])
    assert not gen.searching[ISSUES].ordered and len(segment_ids(gen.index_folder(ISSUES))) == 2
    assert [d for d, _ in _ranked(backend, ISSUES, 12)] == [
        "n0-001", "n1-001", "n3-001", *sorted(f"n{b}-{n:03d}" for b in (0, 1, 3) for n in range(2, 32))[:9]]
    backend.close()


def test_a_reader_opened_before_compaction_searches_the_compacted_index(tmp_path):
    writer = _written_backwards(tmp_path)
    reader = EmbeddedBackend(tmp_path, threads=1)
    before = _ranked(reader, ISSUES, 10)
    writer.compact()
    assert not reader._gen.searching[ISSUES].ordered  # not refreshed yet: the searcher it had
    assert _ranked(reader, ISSUES, 10) == before  # a search refreshes first
    assert reader._gen.searching[ISSUES].ordered
    reader.close()
    writer.close()


def test_closing_after_a_bulk_write_compacts_and_after_a_small_one_does_not(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded_compact, "BULK_MIN_ROWS", 200)
    _written_backwards(tmp_path / "bulk").close()  # 360 rows written into an empty folder
    reopened = EmbeddedBackend(tmp_path / "bulk", threads=1)
    assert all(reopened._gen.searching[t].ordered for t in Target)
    assert [d for d, _ in _ranked(reopened, MEASURES, 10)] == _expected(MEASURES, 10)
    # a small write into it (under the bulk size, and under a quarter of the rows): left as written
    reopened.write([_notice("n0", [2, 1], _tokens)])
    reopened.close()
    again = EmbeddedBackend(tmp_path / "bulk", threads=1)
    assert not again._gen.searching[ISSUES].ordered and len(segment_ids(again._gen.index_folder(ISSUES))) == 2
    again.close()
    _written_backwards(tmp_path / "small", batches=1).close()  # 120 rows: under the bulk size
    small = EmbeddedBackend(tmp_path / "small", threads=1)
    assert not any(small._gen.searching[t].ordered for t in Target)
    small.close()


def test_a_folder_without_the_record_searches_as_before_and_a_rebuild_compacts(tmp_path):
    backend = _written_backwards(tmp_path, batches=1)  # one segment, never compacted: as older folders are
    gen = backend._gen
    assert len(segment_ids(gen.index_folder(ISSUES))) == 1 and ORDERED not in gen.store.meta()
    assert not gen.searching[ISSUES].ordered  # its order is the writing order
    assert [d for d, _ in _ranked(backend, ISSUES, 10)] == [d for d in _expected(ISSUES, 90) if d.startswith("n1-")][:10]
    backend.rebuild([_notice("n1", list(range(60, 0, -1)), _tokens), _notice("n2", [3, 2, 1], _tokens)])
    assert all(backend._gen.searching[t].ordered for t in Target)
    assert [d for d, _ in _ranked(backend, ISSUES, 5)] == ["n1-001", "n2-001", "n1-002", "n1-003", "n1-004"]
    backend.close()


def test_only_the_recorded_segment_read_twice_alone_is_taken_as_ordered(tmp_path):
    backend = _written_backwards(tmp_path, batches=2)
    several = backend._gen.searching[ISSUES].searcher  # two segments
    backend.compact()
    one = backend._gen.searching[ISSUES].searcher
    [segment] = segment_ids(backend._gen.index_folder(ISSUES))
    assert is_ordered(one, [segment], [segment], segment)
    assert not is_ordered(one, ["older"], [segment], segment)  # committed while the searcher loaded
    assert not is_ordered(several, [segment], [segment], segment)  # a searcher of an older commit
    assert not is_ordered(one, ["other"], ["other"], segment)  # another segment (a merge, an older folder)
    assert not is_ordered(one, [segment], [segment], None)  # nothing recorded
    backend.close()


def test_the_compact_command_rewrites_a_folder_once(tmp_path):
    """`python -m indexer compact` on a folder written in small batches (several segments, closed
    without compacting): one segment per collection after it; a second run has nothing to do."""
    from click.testing import CliRunner

    from indexer.cli import cli

    _written_backwards(tmp_path).close()
    with EmbeddedBackend(tmp_path, threads=1) as backend:
        assert not any(ordered for _, ordered in backend._gen.searching.values())
    runner = CliRunner()
    first = runner.invoke(cli, ["compact", "--data", str(tmp_path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"issues": 180, "measures": 180}
    with EmbeddedBackend(tmp_path, threads=1) as backend:
        assert all(ordered for _, ordered in backend._gen.searching.values())
    again = runner.invoke(cli, ["compact", "--data", str(tmp_path)])
    assert again.exit_code == 0 and "already compact" in again.output
    refused = runner.invoke(cli, ["compact", "--backend", "memory"])
    assert refused.exit_code != 0 and "compact" in refused.output
