"""The ingest pipeline (indexer/pipeline.py) over the memory backend and the hashing embedder.

The notices under tests/data/pipeline/ are fictional and use the plainest layout
("1.关于…的问题 / 整改结果：… / 整改情况：一是…二是…"). Expected counts are computed from the
parse (the real parser), so these tests hold while the parser improves.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import threading
import types
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.backends import BACKENDS, backend_class, open_backend
from indexer.backends.memory import MemoryBackend
from indexer.bundles import build_bundle, issue_embedding_text
from indexer.embed import HashingEmbedder, open_embedder
from indexer.errors import ConfigError, IncompatibleIndex
from indexer.fields import UNSTATED
from indexer.parsing import parse
from indexer.pipeline import delete_notices, ingest_paths, reindex, stats
from indexer.settings import load_settings
from indexer.tokenise import DICTIONARY_VERSION, character_bigrams, tokenise_for_index
from indexer.types import Issue, NoticeMeta, ParsedNotice, QualityReport, Target

DATA = Path(__file__).resolve().parent / "data" / "pipeline"
QINGHE, SHIMEN, BEICHENG = "qinghe_hospital.txt", "shimen_health_centre.txt", "beicheng_announcement.txt"

# -- helpers ----------------------------------------------------------------------------------------

def expected(*names: str, folder: Path = DATA) -> tuple[int, int]:
    """(issues, measures) the parser finds in these files."""
    notices = [parse.parse_file(folder / n) for n in names]
    return sum(len(n.issues) for n in notices), sum(len(i.measures) for n in notices for i in n.issues)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "notices"
    folder.mkdir()
    for name in (QINGHE, SHIMEN):
        shutil.copy(DATA / name, folder / name)
    return folder


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings({}, backend="memory", data_dir=str(tmp_path / "data"), model="hashing")


@pytest.fixture
def mem() -> MemoryBackend:
    return MemoryBackend()


def run(paths, settings, backend, embedder=None, **kwargs):
    return ingest_paths([str(p) for p in paths], settings, backend=backend,
                        embedder=embedder or HashingEmbedder(32), progress=False, **kwargs)


def counts(backend) -> tuple[int, int, int]:
    info = backend.info()
    return info.notices, info.issues, info.measures


def read_report(summary) -> list[dict]:
    return [json.loads(line) for line in Path(summary.report_path).read_text("utf-8").splitlines()]


# -- ingest -----------------------------------------------------------------------------------------

def test_the_sample_notices_parse_into_issues_with_measures():
    issues, measures = expected(QINGHE, SHIMEN)
    assert issues >= 4 and measures >= issues  # the plainest layout: one issue per "1.关于…"


def test_ingest_stores_every_issue_and_measure(corpus, settings, mem):
    issues, measures = expected(QINGHE, SHIMEN)
    summary = run([corpus], settings, mem)
    assert (summary.files, summary.read, summary.parsed, summary.indexed) == (2, 2, 2, 2)
    assert (summary.issues, summary.measures) == (issues, measures)
    assert (summary.skipped, summary.replaced, summary.failed, summary.empty) == (0, 0, 0, 0)
    assert counts(mem) == (2, issues, measures)
    info = mem.info()
    assert (info.model_id, info.dims, info.dictionary_version) == ("hashing-bigram-32", 32, DICTIONARY_VERSION)


def test_reingesting_unchanged_notices_skips_them_all(corpus, settings, mem):
    first = run([corpus], settings, mem)
    before = counts(mem)
    second = run([corpus], settings, mem)
    assert (second.skipped, second.indexed, second.replaced, second.failed) == (2, 0, 0, 0)
    assert (second.issues, second.measures, second.parsed) == (first.issues, first.measures, first.parsed)
    assert counts(mem) == before
    assert [r["outcome"] for r in read_report(second)] == ["skipped", "skipped"]
    assert all("reason" not in r for r in read_report(second))


def test_a_changed_file_replaces_its_old_notice(corpus, settings, mem):
    run([corpus], settings, mem)
    path = corpus / QINGHE
    old_id = mem.notice_id_for_source(str(path))
    old_issue_ids = mem.get_notice(old_id)["issue_ids"]
    assert old_issue_ids and mem.get(Target.ISSUES, old_issue_ids)

    path.write_text(path.read_text("utf-8").replace("公务接待超标准", "公务用车管理不规范"), "utf-8")
    issues, measures = expected(QINGHE, SHIMEN, folder=corpus)
    summary = run([corpus], settings, mem)
    assert (summary.replaced, summary.skipped, summary.indexed) == (1, 1, 0)
    new_id = mem.notice_id_for_source(str(path))
    assert new_id != old_id and not mem.has_notice(old_id) and mem.has_notice(new_id)
    assert mem.get(Target.ISSUES, old_issue_ids) == []
    assert mem.get(Target.MEASURES, [f"{i}-m1" for i in old_issue_ids]) == []
    assert counts(mem) == (2, issues, measures)
    problems = [d["problem"] for d in mem.get(Target.ISSUES, mem.get_notice(new_id)["issue_ids"])]
    assert any("公务用车管理不规范" in p for p in problems) and not any("公务接待超标准" in p for p in problems)
    [line] = [r for r in read_report(summary) if r["outcome"] == "replaced"]
    assert (line["source"], line["notice_id"], line["replaces"]) == (str(path), new_id, old_id)


def test_delete_by_id_and_by_source(corpus, settings, mem):
    run([corpus], settings, mem)
    qinghe_id = mem.notice_id_for_source(str(corpus / QINGHE))
    shimen_id = mem.notice_id_for_source(str(corpus / SHIMEN))
    by_id = delete_notices([qinghe_id, "no-such-notice"], settings, backend=mem)
    assert (by_id.deleted, by_id.missing) == ([qinghe_id], ["no-such-notice"])
    by_source = delete_notices([str(corpus / SHIMEN)], settings, backend=mem)
    assert by_source.deleted == [shimen_id]
    assert counts(mem) == (0, 0, 0)
    # deleted notices are ingested again, not skipped
    assert run([corpus], settings, mem).indexed == 2


def test_delete_accepts_a_relative_source(corpus, settings, mem, monkeypatch):
    run([corpus], settings, mem)
    monkeypatch.chdir(corpus)
    assert len(delete_notices([QINGHE], settings, backend=mem).deleted) == 1


def test_a_notice_without_issues_is_stored_and_reported(corpus, settings, mem):
    shutil.copy(DATA / BEICHENG, corpus / BEICHENG)
    assert parse.parse_file(corpus / BEICHENG).issues == []
    summary = run([corpus], settings, mem)
    assert (summary.indexed, summary.empty, summary.failed) == (2, 1, 0)
    [line] = [r for r in read_report(summary) if r["source"] == str(corpus / BEICHENG)]
    assert line["outcome"] == "empty" and line["issues"] == 0
    assert "no rectified issues found" in line["warnings"]
    notice = mem.get_notice(line["notice_id"])
    assert notice["issue_ids"] == [] and notice["quality"]["issues_found"] == 0
    assert notice["original_text"] == (DATA / BEICHENG).read_text("utf-8")


def test_unreadable_files_are_listed_as_failed_and_the_rest_is_ingested(corpus, settings, mem):
    (corpus / "broken.docx").write_bytes(b"\x00\xff\xfe not a zip \x80\x81")
    (corpus / "blank.txt").write_text("  \n\n", "utf-8")
    missing = corpus / "gone.txt"
    summary = run([corpus, missing], settings, mem)
    assert (summary.files, summary.indexed, summary.failed) == (5, 2, 3)
    assert summary.ok
    failed = {Path(f.source).name: f.reason for f in summary.failures}
    assert set(failed) == {"broken.docx", "blank.txt", "gone.txt"}
    assert all(failed.values())
    assert counts(mem)[0] == 2
    report = {Path(r["source"]).name: r for r in read_report(summary)}
    assert {name: r["outcome"] for name, r in report.items()} == {
        "broken.docx": "failed", "blank.txt": "failed", "gone.txt": "failed",
        QINGHE: "indexed", SHIMEN: "indexed",
    }
    assert report["gone.txt"]["reason"] == failed["gone.txt"]


def test_nothing_readable_is_not_ok(tmp_path, settings, mem):
    summary = run([tmp_path / "nope.txt"], settings, mem)
    assert (summary.files, summary.read, summary.failed, summary.ok) == (1, 0, 1, False)
    assert not run([tmp_path / "empty-folder-does-not-exist"], settings, mem).ok


def test_report_file_has_one_line_per_file(corpus, settings, mem, tmp_path):
    summary = run([corpus], settings, mem)
    path = Path(summary.report_path)
    assert path.parent == Path(settings.data_dir) / "reports"
    assert re.fullmatch(r"ingest-\d{8}-\d{6}(-\d+)?\.jsonl", path.name)
    lines = read_report(summary)
    by_name = {Path(r["source"]).name: r for r in lines}
    for name in (QINGHE, SHIMEN):
        issues, measures = expected(name)
        assert by_name[name] == {
            "source": str(corpus / name), "outcome": "indexed", "notice_id": mem.notice_id_for_source(str(corpus / name)),
            "issues": issues, "measures": measures, "warnings": by_name[name]["warnings"],
        }
    custom = run([corpus], settings, mem, report_path=tmp_path / "my-report.jsonl")
    assert custom.report_path == str(tmp_path / "my-report.jsonl")
    assert len(read_report(custom)) == 2
    # a second run in the same second gets its own file
    assert run([corpus], settings, mem).report_path != run([corpus], settings, mem).report_path


def test_the_same_text_twice_in_one_run_is_stored_once(corpus, settings, mem):
    shutil.copy(corpus / QINGHE, corpus / "copy.txt")
    summary = run([corpus], settings, mem)
    assert (summary.indexed, summary.skipped) == (2, 1)
    [skipped] = [r for r in read_report(summary) if r["outcome"] == "skipped"]
    assert skipped["reason"].startswith("same text as ")


# -- documents --------------------------------------------------------------------------------------

def test_issue_documents_carry_tokens_vectors_and_metadata(corpus, settings, mem):
    embedder = HashingEmbedder(32)
    run([corpus], settings, mem, embedder=embedder)
    notice = parse.parse_file(corpus / QINGHE)
    docs = mem.get(Target.ISSUES, [notice.issue_id(i) for i in notice.issues])
    assert len(docs) == len(notice.issues)
    vectors = mem.get_vectors(Target.ISSUES, [d["id"] for d in docs])
    for doc, issue in zip(docs, notice.issues, strict=True):
        assert doc["notice_id"] == notice.notice_id and doc["title"] == notice.meta.title
        assert doc["problem"] == issue.problem and doc["seq"] == issue.seq
        assert doc["problem_tokens"] == " ".join(tokenise_for_index(issue.problem))
        measures_text = "\n".join(t for t in (issue.measures_intro, *issue.measures) if t)
        assert doc["measures_tokens"].split() == tokenise_for_index(measures_text)
        # no bigram spans two measures: each text's own pairs, in order
        assert doc["bigram_tokens"].split() == [b for t in (issue.problem, issue.measures_intro, *issue.measures)
                                                if t for b in character_bigrams(t)]
        assert vectors[doc["id"]] == pytest.approx(embedder.embed_passages([issue_embedding_text(issue)])[0].tolist(), abs=1e-6)


def test_measure_documents_carry_issue_and_notice_metadata(corpus, settings, mem):
    run([corpus], settings, mem)
    notice = parse.parse_file(corpus / QINGHE)
    issue = next(i for i in notice.issues if len(i.measures) >= 2)
    ids = [f"{notice.issue_id(issue)}-m{n}" for n in range(1, len(issue.measures) + 1)]
    docs = mem.get(Target.MEASURES, ids)
    assert [d["text"] for d in docs] == issue.measures
    for n, doc in enumerate(docs, start=1):
        assert doc["issue_id"] == notice.issue_id(issue) and doc["measure_seq"] == n and doc["seq"] == issue.seq
        assert doc["notice_id"] == notice.notice_id and doc["title"] == notice.meta.title
        assert doc["source"] == str(corpus / QINGHE)
        assert doc["problem"] == issue.problem and doc["section"] == issue.section
        assert doc["status"] == (issue.status.value if issue.status else UNSTATED)
        assert doc["text_tokens"] == " ".join(tokenise_for_index(doc["text"]))
        assert doc["bigram_tokens"] == " ".join(character_bigrams(doc["text"]))
        assert doc["problem_tokens"] == " ".join(tokenise_for_index(issue.problem))
    assert mem.info().measures == expected(QINGHE, SHIMEN)[1]


def test_measure_vectors_on_by_default_and_off_behind_the_flag(corpus, settings, mem, tmp_path):
    run([corpus], settings, mem)
    notice = parse.parse_file(corpus / SHIMEN)
    ids = [f"{notice.issue_id(i)}-m{n}" for i in notice.issues for n in range(1, len(i.measures) + 1)]
    assert ids and set(mem.get_vectors(Target.MEASURES, ids)) == set(ids)
    lean = MemoryBackend()
    run([corpus], settings.with_overrides(measure_vectors=False, data_dir=str(tmp_path / "lean")), lean)
    assert lean.get_vectors(Target.MEASURES, ids) == {}


def _hand_made_notice() -> ParsedNotice:
    issue = Issue(seq=1, label="1.", problem="医保基金监管不到位", section="党的建设方面", group="履职尽责",
                  measures=["建立医保基金台账", "开展专项自查"], measures_intro="针对该问题，")
    return ParsedNotice(notice_id="abc", source="a.txt", format="txt", encoding="utf_8", text="正文",
                        meta=NoticeMeta(title="某院通报", institution="某院", province="江西省"),
                        issues=[issue], quality=QualityReport(issues_found=1))


def test_build_bundle_fills_every_tokens_field():
    bundle = build_bundle(_hand_made_notice(), HashingEmbedder(16), "原文")
    [doc] = bundle.issues
    assert doc["categories"] == ["medical_insurance"]  # the rules: 医保 in the problem
    assert doc["context_tokens"] == " ".join(tokenise_for_index("党的建设方面\n履职尽责"))
    assert doc["measures_tokens"] == " ".join(tokenise_for_index("针对该问题，\n建立医保基金台账\n开展专项自查"))
    assert "医保基金" in doc["problem_tokens"].split()
    assert [m["id"] for m in bundle.measures] == ["abc-001-m1", "abc-001-m2"]
    assert all(m["categories"] == ["medical_insurance"] and m["institution"] == "某院" for m in bundle.measures)
    assert all("vector" not in m for m in bundle.measures)
    assert (bundle.notice["original_text"], bundle.notice["issue_ids"]) == ("原文", ["abc-001"])
    with_vectors = build_bundle(_hand_made_notice(), HashingEmbedder(16), "原文", measure_vectors=True)
    assert [len(m["vector"]) for m in with_vectors.measures] == [16, 16]


# -- compatibility, crashes -------------------------------------------------------------------------

def test_another_model_is_refused_before_anything_is_written(corpus, settings, mem):
    run([corpus], settings, mem, embedder=HashingEmbedder(32))
    before = counts(mem)
    reports = set((Path(settings.data_dir) / "reports").iterdir())
    (corpus / "new.txt").write_text((DATA / QINGHE).read_text("utf-8").replace("青禾", "白水"), "utf-8")
    with pytest.raises(IncompatibleIndex, match=r"model hashing-bigram-32 \(32 dims\), not hashing-bigram-64 \(64 dims\)"):
        run([corpus], settings, mem, embedder=HashingEmbedder(64))
    assert counts(mem) == before
    assert set((Path(settings.data_dir) / "reports").iterdir()) == reports  # the refused run wrote no report


class CrashingBackend(MemoryBackend):
    """Dies on its n-th write, like a process killed mid-run."""

    def __init__(self, crash_on: int) -> None:
        super().__init__()
        self.writes = 0
        self.crash_on = crash_on

    def write(self, bundles, replaces=None):
        self.writes += 1
        if self.writes == self.crash_on:
            raise RuntimeError("killed")
        return super().write(bundles, replaces)


def test_notices_are_written_in_batches_so_a_crash_loses_at_most_one(corpus, settings, tmp_path):
    crashing = CrashingBackend(crash_on=2)
    report = tmp_path / "crash.jsonl"
    with pytest.raises(RuntimeError, match="killed"):
        ingest_paths([str(corpus)], settings, backend=crashing, embedder=HashingEmbedder(32), progress=False,
                     report_path=report, batch_size=1)
    assert crashing.info().notices == 1
    [line] = [json.loads(x) for x in report.read_text("utf-8").splitlines()]
    assert line["outcome"] == "indexed" and crashing.has_notice(line["notice_id"])


def test_a_notice_the_backend_refuses_is_reported_failed(corpus, settings):
    class Refusing(MemoryBackend):
        def write(self, bundles, replaces=None):
            result = super().write(bundles[1:], replaces)
            result.failed[bundles[0].notice_id] = "document too large"
            return result

    summary = ingest_paths([str(corpus)], settings, backend=Refusing(), embedder=HashingEmbedder(32),
                           progress=False)
    assert (summary.indexed, summary.failed) == (1, 1)
    assert summary.failures[0].reason == "backend refused the notice: document too large"


# -- reindex, stats -----------------------------------------------------------------------------------

def test_reindex_from_stored_notices_gives_the_same_index(corpus, settings, mem):
    shutil.copy(DATA / BEICHENG, corpus / BEICHENG)
    run([corpus], settings, mem)
    before = counts(mem)
    ids = sorted(n["notice_id"] for n in mem.iter_notices())
    issue_ids = [i for n in sorted(mem.iter_notices(), key=lambda n: n["notice_id"]) for i in n["issue_ids"]]
    docs_before = mem.get(Target.ISSUES, issue_ids)
    shutil.rmtree(corpus)  # reindex needs no source files
    summary = reindex(settings, backend=mem, embedder=HashingEmbedder(32), progress=False)
    assert (summary.notices, summary.issues, summary.measures) == before
    assert (summary.changed_ids, summary.failed) == (0, {})
    assert counts(mem) == before
    assert sorted(n["notice_id"] for n in mem.iter_notices()) == ids
    assert mem.get(Target.ISSUES, issue_ids) == docs_before


def test_reindex_does_not_re_embed_unchanged_text(corpus, settings, mem, tmp_path):
    from indexer.embed import CachedEmbedder
    from indexer.vector_cache import VectorCache

    cache = VectorCache(tmp_path / "vectors.sqlite3")
    try:
        embedder = CachedEmbedder(HashingEmbedder(32), cache)
        settings = settings.with_overrides(measure_vectors=False)  # count issue passages only
        first = run([corpus], settings, mem, embedder=embedder)
        distinct = len({d["problem"] for n in mem.iter_notices() for d in mem.get(Target.ISSUES, n["issue_ids"])})
        assert first.vector_cache == {"hits": first.issues - distinct, "misses": distinct}
        summary = reindex(settings, backend=mem, embedder=embedder, progress=False)
        assert summary.vector_cache == {"hits": first.issues, "misses": 0}
    finally:
        cache.close()


def test_the_embedded_backend_is_its_own_vector_cache(corpus, settings, tmp_path):
    from indexer.backends.embedded import EmbeddedBackend
    from indexer.embed import CachedEmbedder

    backend = EmbeddedBackend(tmp_path / "embedded", threads=1)
    try:
        embedder = CachedEmbedder(HashingEmbedder(32), backend.vector_cache())
        first = run([corpus], settings, backend, embedder=embedder)
        assert first.vector_cache["misses"] > 0
        again = CachedEmbedder(HashingEmbedder(32), backend.vector_cache())  # nothing remembered in memory
        summary = reindex(settings, backend=backend, embedder=again, progress=False)
        assert summary.vector_cache == {"hits": first.issues + first.measures, "misses": 0}
        # the rebuilt generation finds them too
        third = CachedEmbedder(HashingEmbedder(32), backend.vector_cache())
        assert reindex(settings, backend=backend, embedder=third, progress=False).vector_cache["misses"] == 0
    finally:
        backend.close()


def test_reindex_keeps_a_notice_that_no_longer_parses(corpus, settings, mem, monkeypatch):
    run([corpus], settings, mem)
    broken_id = mem.notice_id_for_source(str(corpus / SHIMEN))
    real = pipeline.parse_document

    def flaky(raw):
        if raw.source == str(corpus / SHIMEN):
            raise ValueError("parser bug")
        return real(raw)

    monkeypatch.setattr(pipeline, "parse_document", flaky)
    summary = reindex(settings, backend=mem, embedder=HashingEmbedder(32), progress=False)
    assert summary.failed == {broken_id: "ValueError: parser bug"}
    notice = mem.get_notice(broken_id)
    assert notice["issue_ids"] == [] and notice["quality"]["warnings"][-1] == "re-parse failed: ValueError: parser bug"
    assert mem.info().notices == 2


class AdoptingBackend(MemoryBackend):
    """Follows the rebuild rule of base.py: the fresh index takes the last check_compatible values."""

    def check_compatible(self, model_id, dims, dictionary_version):
        self.requested = (model_id, dims, dictionary_version)
        super().check_compatible(model_id, dims, dictionary_version)

    def rebuild(self, bundles, *, keep_old=False):
        result = super().rebuild(bundles, keep_old=keep_old)
        self._model = self.requested
        return result


def test_reindex_switches_to_another_model(corpus, settings):
    backend = AdoptingBackend()
    run([corpus], settings, backend, embedder=HashingEmbedder(32))
    before = counts(backend)
    summary = reindex(settings, backend=backend, embedder=HashingEmbedder(64), progress=False)
    assert summary.switched_from.startswith("the index holds vectors of model hashing-bigram-32 (32 dims)")
    assert counts(backend) == before
    assert (backend.info().model_id, backend.info().dims) == ("hashing-bigram-64", 64)
    some_issue = next(i for n in backend.iter_notices() for i in n["issue_ids"])
    assert len(backend.get_vectors(Target.ISSUES, [some_issue])[some_issue]) == 64
    assert run([corpus], settings, backend, embedder=HashingEmbedder(64)).skipped == 2


class KeepingBackend(MemoryBackend):
    """Breaks the rebuild rule of base.py: the fresh index keeps the old model (the memory
    backend itself now follows the rule)."""

    def rebuild(self, bundles, *, keep_old=False):
        model = self._model
        result = super().rebuild(bundles, keep_old=keep_old)
        self._model = model
        return result


def test_reindex_says_so_when_the_backend_cannot_switch(corpus, settings):
    backend = KeepingBackend()
    run([corpus], settings, backend, embedder=HashingEmbedder(32))
    with pytest.raises(IncompatibleIndex, match="the memory backend rebuilt the index but kept its old model"):
        reindex(settings, backend=backend, embedder=HashingEmbedder(64), progress=False)


def test_stats_reports_the_index(corpus, settings, mem):
    run([corpus], settings, mem)
    info = stats(settings, backend=mem)
    assert (info.backend, info.notices, info.dictionary_version) == ("memory", 2, DICTIONARY_VERSION)


# -- opening backends and embedders -------------------------------------------------------------------

def test_open_embedder_accepts_hashing_and_refuses_nonsense():
    assert open_embedder(load_settings({}, model="hashing")).model_id == "hashing-bigram-64"
    assert open_embedder(load_settings({}, model="hashing-32")).dims == 32
    with pytest.raises(ConfigError, match="expected hashing or hashing-<dims>"):
        open_embedder(load_settings({}, model="hashing-x"))


def test_open_backend_uses_the_registry():
    assert isinstance(open_backend(load_settings({}, backend="memory")), MemoryBackend)
    assert set(BACKENDS) == {"memory", "embedded", "elasticsearch"}
    with pytest.raises(ConfigError, match="unknown backend 'solr'; choose one of: memory, embedded, elasticsearch"):
        backend_class("solr")


def test_open_backend_builds_classes_with_from_settings(monkeypatch):
    made = []

    class Fake(MemoryBackend):
        @classmethod
        def from_settings(cls, settings):
            made.append(settings.data_dir)
            return cls()

    module = types.ModuleType("fake_backend_module")
    module.Fake = Fake
    monkeypatch.setitem(sys.modules, "fake_backend_module", module)
    monkeypatch.setitem(BACKENDS, "fake", "fake_backend_module:Fake")
    backend = open_backend(load_settings({}, backend="fake", data_dir="somewhere"))
    assert isinstance(backend, Fake) and made == ["somewhere"]


class _WaitingEmbedder(HashingEmbedder):
    """Hashing vectors; the first call waits (up to 10 s) until ingest has parsed another notice."""

    def __init__(self, parsed_another: threading.Event) -> None:
        super().__init__(32)
        self.parsed_another = parsed_another
        self.overlapped: bool | None = None
        self.threads: list[str] = []

    def embed_passages(self, texts):
        self.threads.append(threading.current_thread().name)
        if self.overlapped is None:
            self.overlapped = self.parsed_another.wait(timeout=10)
        return super().embed_passages(texts)


class _NotingBackend(MemoryBackend):
    """The memory backend, noting when ingest asks about a second notice (that is: parsed it)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()
        self.parsed_another = threading.Event()

    def has_notice(self, notice_id):
        self.asked.add(notice_id)
        if len(self.asked) == 2:
            self.parsed_another.set()
        return super().has_notice(notice_id)


def test_ingest_parses_the_next_batch_while_the_last_is_embedded(tmp_path: Path, settings) -> None:
    folder = tmp_path / "notices"
    folder.mkdir()
    for name in (QINGHE, SHIMEN):  # both with issues: each batch calls the embedder
        shutil.copy(DATA / name, folder / name)
    backend = _NotingBackend()
    embedder = _WaitingEmbedder(backend.parsed_another)
    summary = run([folder], settings, backend, embedder, batch_size=1)
    assert (summary.indexed, summary.failed) == (2, 0) and counts(backend)[0] == 2
    assert embedder.overlapped  # notice 2 was parsed while notice 1 was being embedded
    assert embedder.threads and all(name.startswith("embed") for name in embedder.threads)  # a worker thread
    assert "embed" in summary.seconds and "embed_wait" in summary.seconds
    # the same documents as a run that embeds in the ingesting thread, batch by batch
    again = MemoryBackend()
    run([folder], settings, again, HashingEmbedder(32), batch_size=32)
    ids = sorted(again._docs[Target.ISSUES])
    assert sorted(backend._docs[Target.ISSUES]) == ids
    mine, theirs = backend.get_vectors(Target.ISSUES, ids), again.get_vectors(Target.ISSUES, ids)
    assert all(list(mine[i]) == list(theirs[i]) for i in ids)
