"""Facet counts from the embedded backend's columns (indexer.backends.facet_columns) against the
same counts from the documents: many notices with multi-valued and missing values, documents
without a vector, deletions, a replaced notice, and a fresh process reading the folder."""

from __future__ import annotations

import random

import pytest

from indexer.backends.base import Filters, NoticeBundle
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.facet_columns import count_documents
from indexer.fields import facet_fields
from indexer.types import Target

ISSUES = Target.ISSUES
MEASURES = Target.MEASURES
FIELDS = list(facet_fields(ISSUES))
CATEGORIES = ["medical_insurance", "procurement", "discipline", "hospitality", "drugs"]


def _bundles(rng: random.Random, count: int, first: int = 0) -> list[NoticeBundle]:
    bundles = []
    for n in range(first, first + count):
        notice_id = f"fc{n:03d}"
        base = {"notice_id": notice_id, "source": f"{notice_id}.txt", "institution": f"第{n % 7}人民医院",
                "institution_type": rng.choice(["hospital", "cdc", None]), "province": rng.choice(["江西省", "湖南省"]),
                "city": rng.choice(["赣州市", "", None]), "level": "county", "year": rng.choice([2022, 2023, None])}
        issues, measures = [], []
        for seq in range(1, rng.randint(1, 5) + 1):
            issue_id = f"{notice_id}-{seq:03d}"
            # a category listed twice counts once; some issues are stored without a vector
            categories = rng.sample(CATEGORIES, rng.randint(0, 3)) + rng.choice([[], ["drugs"]])
            vector = [rng.random() + 0.01 for _ in range(8)] if rng.random() < 0.8 else None
            issues.append({"id": issue_id, **base, "seq": seq, "problem": "问题", "categories": categories,
                           "status": rng.choice(["completed", "in_progress", "unspecified"]), "vector": vector})
            measures.append({"id": f"{issue_id}-m1", "issue_id": issue_id, **base, "seq": seq, "measure_seq": 1,
                             "text": "措施", "categories": categories, "status": "completed"})
        bundles.append(NoticeBundle(notice_id, base["source"], {**base, "issue_ids": [d["id"] for d in issues]},
                                    issues, measures))
    return bundles


def _ids(backend: EmbeddedBackend, target: Target, rng: random.Random) -> list[str]:
    ids = [doc["id"] for docs, _ in backend.scan(target, []) for doc in docs]
    return rng.sample(ids, min(len(ids), rng.randint(1, 60))) + ["fc999-001"]


def _agree(backend: EmbeddedBackend, rng: random.Random, rounds: int = 20) -> None:
    for target in (ISSUES, MEASURES):
        for _ in range(rounds):
            ids = _ids(backend, target, rng)
            size = rng.choice([3, 30])
            assert backend.count_facets(target, ids, FIELDS, size) == count_documents(backend.get(target, ids),
                                                                                     FIELDS, size)


@pytest.mark.parametrize("seed", [1, 2])
def test_columns_count_what_the_documents_count(tmp_path, seed):
    rng = random.Random(seed)
    backend = EmbeddedBackend(tmp_path / "data", threads=1)
    try:
        backend.write(_bundles(rng, 40))
        _agree(backend, rng)
        backend.delete_notices([f"fc{n:03d}" for n in range(0, 40, 3)])
        replaced = _bundles(rng, 1, first=1)[0]  # same id, new values: the old rows are tombstoned
        backend.write([replaced])
        _agree(backend, rng)
    finally:
        backend.close()
    reader = EmbeddedBackend(tmp_path / "data", threads=1)  # a fresh process: columns from the store
    try:
        _agree(reader, rng)
    finally:
        reader.close()


def test_counts_follow_a_write_after_being_cached(tmp_path):
    rng = random.Random(3)
    backend = EmbeddedBackend(tmp_path / "data", threads=1)
    try:
        backend.write(_bundles(rng, 5))
        ids = [doc["id"] for docs, _ in backend.scan(ISSUES, []) for doc in docs]
        before = backend.count_facets(ISSUES, ids, ["province"], 10)
        assert sum(n for _, n in before["province"]) == len(ids)
        backend.delete_notices(["fc000"])
        after = backend.count_facets(ISSUES, ids, ["province"], 10)
        assert sum(n for _, n in after["province"]) == len(ids) - len(_bundles(random.Random(3), 1)[0].issues)
    finally:
        backend.close()


def test_hits_whose_rows_the_legs_found_count_alike(tmp_path):
    """The rows a search leg just looked up are not asked of the store again: counts over hits
    some of which a vector search found (and some not, and an id that is gone) are the documents'."""
    rng = random.Random(4)
    backend = EmbeddedBackend(tmp_path / "data", threads=1)
    try:
        backend.write(_bundles(rng, 30))
        found = [h.doc_id for h in backend.vector(ISSUES, [1.0] * 8, Filters(), 15)]
        assert len(backend._row_ids.known_rows(backend._gen, ISSUES, found)) == 15  # the leg's rows are known
        others = [i for i in _ids(backend, ISSUES, rng) if i not in found]
        for ids in (found, [*found[:7], *others], [*others, *found[7:]]):
            assert backend.count_facets(ISSUES, ids, FIELDS, 30) == count_documents(backend.get(ISSUES, ids), FIELDS, 30)
    finally:
        backend.close()
