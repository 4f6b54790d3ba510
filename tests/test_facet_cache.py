"""Facet counts of the embedded backend are cached per query and filters until the index changes."""

from __future__ import annotations

from pathlib import Path

from indexer.backends.base import Filters, LexicalQuery
from indexer.backends.embedded import EmbeddedBackend
from indexer.fields import lexical_boosts
from indexer.types import Target
from tests.contract_corpus import EMBEDDER, make_bundles


def test_facet_counts_are_reused_until_a_write_changes_them(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, threads=1)
    backend.check_compatible(EMBEDDER.model_id, EMBEDDER.dims, "test-dict")
    backend.write(make_bundles())
    query = LexicalQuery(("医保",), lexical_boosts(Target.ISSUES))
    first = backend.facets(Target.ISSUES, Filters(), ["province", "year"], query=query)
    assert len(backend._facet_cache) == 1
    first["province"].clear()  # callers may change what they get: the cached counts stay intact
    again = backend.facets(Target.ISSUES, Filters(), ["province", "year"], query=query)
    assert again["province"] and len(backend._facet_cache) == 1
    other = backend.facets(Target.ISSUES, Filters(equals={"year": ("2024",)}), ["province"], query=query)
    assert len(backend._facet_cache) == 2 and other != again

    [extra] = make_bundles([("n4", "东山县卫生健康局", "health_bureau", "丙省", 2024,
                             [("违规使用医保基金", "completed", ["建立拨付台账"])])])
    backend.write([extra])
    after = backend.facets(Target.ISSUES, Filters(), ["province", "year"], query=query)
    assert ("丙省", 1) in after["province"] and after != again  # the write made the old counts stale
    backend.close()
