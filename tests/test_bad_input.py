"""Bad input: the whole of tests/data/bad/ (plus the big files tests/data/bad/make_bad.py writes at
test time) is ingested with the embedded backend in one run. Every file yields a stored notice or
a clear reason, the run goes on, and the report has one line per file saying what happened.

Issue "Reliability and security": "Each yields a parsed result or a clear error; the run goes on;
the report lists every file and what happened; nothing else is lost."
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import time
from pathlib import Path

import pytest

from indexer.backends.embedded import EmbeddedBackend
from indexer.embed import HashingEmbedder
from indexer.parsing import normalise, read, segment
from indexer.parsing.parse import parse_file
from indexer.pipeline import ingest_paths
from indexer.settings import load_settings

BAD = Path(__file__).resolve().parent / "data" / "bad"

pytestmark = pytest.mark.reliability


def _make_bad():
    spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_bad = _make_bad()

NO_TEXT = "no text: the file holds only whitespace or markup"
NO_ISSUES = "no rectified issues found; stored with its quality report"

# file → (outcome, reason substring or None, issues). "skipped": same id; "duplicate": near-duplicate.
EXPECTED: dict[str, tuple[str, str | None, int]] = {
    # empty and blank
    "empty.txt": ("failed", "empty file (0 bytes)", 0),
    "whitespace_only.txt": ("failed", NO_TEXT, 0),
    "bom_only.txt": ("failed", NO_TEXT, 0),
    "newlines_only.txt": ("failed", NO_TEXT, 0),
    # binary
    "binary_nul.txt": ("failed", "binary file (contains NUL bytes), not a text notice", 0),
    "image_named.txt": ("failed", "binary file (contains NUL bytes), not a text notice", 0),
    "random_high_bytes.txt": ("failed", "cannot decode: not valid UTF-8 (byte 0x", 0),
    # broken Word files
    "truncated.docx": ("failed", "truncated or corrupt .docx", 0),
    "text_named.docx": ("failed", "not a .docx (not a zip package)", 0),
    "legacy_word.docx": ("failed", "a legacy Word 97-2003 (.doc) file named .docx", 0),
    "zip_not_docx.docx": ("failed", "the package has no word/document.xml", 0),
    "empty_body.docx": ("failed", NO_TEXT, 0),
    # pages without a notice: stored as notices without issues, or no text at all
    "portal_page.html": ("empty", NO_ISSUES, 0),
    "scripts_only.html": ("failed", NO_TEXT, 0),
    # libxml2 stops at 256 nested elements: the page is then read as plain text, nothing is lost
    "deep_nesting.html": ("indexed", None, 3),
    # texts without issues: a news report about an inspection, a notice that lists none …
    "news_report.txt": ("empty", NO_ISSUES, 0),
    "notice_no_issues.txt": ("empty", NO_ISSUES, 0),
    "title_only.txt": ("empty", NO_ISSUES, 0),
    "english_only.txt": ("empty", NO_ISSUES, 0),
    "symbols_only.txt": ("empty", NO_ISSUES, 0),
    # encodings
    "gbk_labelled_utf8.html": ("indexed", None, 3),  # <meta charset=utf-8>, GBK bytes
    "gbk_with_utf8_bom.txt": ("failed", "starts with a UTF-8 byte-order mark but is not valid UTF-8", 0),
    "gbk_valid_as_utf8.txt": ("empty", NO_ISSUES, 0),  # GBK bytes that are valid UTF-8: read as GBK
    "mixed_encodings.txt": ("failed", "cannot decode: not valid UTF-8", 0),
    "big5_traditional.txt": ("failed", "cannot decode: the file is in Big5 (traditional Chinese), an encoding not supported", 0),
    "utf16_bom.txt": ("indexed", None, 3),
    "gbk_crlf.txt": ("indexed", None, 3),
    "gb2312_page.htm": ("indexed", None, 3),
    "xml_declared.html": ("indexed", None, 3),
    # the same notice under two names, and reposted with an edit
    "same_notice_a.txt": ("indexed", None, 3),
    "same_notice_b.txt": ("skipped", "same text as ", 3),
    "same_notice_reposted.html": ("duplicate", "near-duplicate of notice ", 3),
    # odd structure and characters
    "skipped_levels.txt": ("indexed", None, 3),
    "control_chars.txt": ("indexed", None, 3),
    "zero_width.txt": ("indexed", None, 3),
    "one_line.txt": ("indexed", None, 3),
    # written at test time by make_bad.write_large
    "huge_50mb.txt": ("failed", "file is 50.0 MB, over the limit of 20 MB (setting max_notice_mb)", 0),
    "zip_bomb.docx": ("failed", "the .docx unpacks to 200.0 MB, over the limit of 100.0 MB", 0),
    "long_one_issue.txt": ("indexed", None, 1),
    "many_issues.txt": ("indexed", None, make_bad.MANY_ISSUES),
    "one_line_300kb.txt": ("indexed", None, 16 * 3 * 12),
}


@pytest.fixture(scope="module")
def bad_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    for path in BAD.iterdir():
        if path.suffix.lower() in read.SUFFIXES:
            shutil.copy(path, folder / path.name)
    make_bad.write_large(folder)
    return folder


@pytest.fixture(scope="module")
def ingested(bad_folder, tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    settings = load_settings({}, backend="embedded", data_dir=str(data), model="hashing")
    backend = EmbeddedBackend(data, threads=1)
    try:
        summary = ingest_paths([str(bad_folder)], settings, backend=backend, embedder=HashingEmbedder(32),
                               progress=False)
        lines = [json.loads(line) for line in Path(summary.report_path).read_text("utf-8").splitlines()]
        yield summary, lines, backend
    finally:
        backend.close()


def test_the_corpus_is_big_enough_and_every_file_has_an_expectation(bad_folder):
    files = sorted(p.name for p in bad_folder.iterdir())
    assert len(files) >= 30
    assert files == sorted(EXPECTED)
    committed = sorted(p.name for p in BAD.iterdir() if p.suffix.lower() in read.SUFFIXES)
    assert committed == sorted(make_bad.small_files())  # make_bad.py writes exactly these
    assert max((BAD / name).stat().st_size for name in committed) < 100_000  # nothing big committed


def test_the_small_files_are_what_make_bad_writes():
    for name, data in make_bad.small_files().items():
        if name.endswith(".docx") and name != "text_named.docx":
            continue  # python-docx output is not byte-stable across versions
        assert (BAD / name).read_bytes() == data, name


def test_every_file_has_one_report_line_with_the_expected_outcome(ingested, bad_folder):
    summary, lines, _ = ingested
    by_name = {Path(line["source"]).name: line for line in lines}
    assert len(lines) == len(by_name) == len(EXPECTED)  # one line per file, none twice
    got = {}
    for name, line in by_name.items():
        outcome, reason, issues = EXPECTED[name]
        got[name] = (line["outcome"], reason if reason and reason in line.get("reason", "") else line.get("reason"),
                     line.get("issues", 0))
    assert got == EXPECTED
    for line in lines:
        assert line["source"] == str(bad_folder / Path(line["source"]).name)
        if line["outcome"] == "failed":
            assert "Traceback" not in line["reason"] and "\n" not in line["reason"]
            assert not line["reason"].startswith(("reader error", "parser error"))  # no unexpected exception


def test_the_run_goes_on_and_counts_add_up(ingested):
    summary, _, _ = ingested
    outcomes = [o for o, _, _ in EXPECTED.values()]
    assert summary.files == len(EXPECTED)
    assert summary.ok
    assert (summary.indexed, summary.empty, summary.skipped, summary.duplicates, summary.failed) == (
        outcomes.count("indexed"), outcomes.count("empty"), outcomes.count("skipped"),
        outcomes.count("duplicate"), outcomes.count("failed"))
    assert [f.outcome.value for f in summary.failures] == ["failed"] * summary.failed


def test_exactly_the_readable_notices_are_stored_whole(ingested, bad_folder):
    _, lines, backend = ingested
    stored = [line for line in lines if line["outcome"] in ("indexed", "empty")]
    info = backend.info()
    assert info.notices == len(stored)
    assert info.issues == sum(line["issues"] for line in stored)
    for line in stored:
        notice = backend.get_notice(line["notice_id"])
        assert notice is not None and len(notice["issue_ids"]) == line["issues"]
        assert notice["source"] == line["source"]
    # a reposted copy points at the notice it duplicates, which is stored
    [reposted] = [line for line in lines if line["outcome"] == "duplicate"]
    assert backend.has_notice(reposted["duplicate_of"])
    assert reposted["duplicate_of"] == parse_file(bad_folder / "same_notice_a.txt").notice_id


def test_the_size_limit_is_a_setting(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(make_bad.notice(3) * 400, "utf-8")  # ~0.6 MB
    with pytest.raises(read.ReadError, match=r"file is 0\.\d MB, over the limit of 0\.5 MB"):
        read.read_path(path, max_mb=0.5)
    assert read.read_path(path, max_mb=None).text
    settings = load_settings({"XUNCHA_MAX_NOTICE_MB": "0.5"}, backend="memory", data_dir=str(tmp_path / "d"),
                             model="hashing")
    summary = ingest_paths([str(path)], settings, embedder=HashingEmbedder(32), progress=False)
    assert summary.failed == 1 and "over the limit of 0.5 MB" in summary.failures[0].reason


def _cpu_seconds(fn, runs: int = 2) -> float:
    """Best CPU time of a few runs (CPU, not wall-clock: the machine may be busy)."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("make", ["long_one_issue", "many_issues"])
def test_normalise_and_segment_are_linear_on_long_notices(make):
    if make == "long_one_issue":
        def text(lines):
            return make_bad.long_one_issue(lines)
    else:
        def text(lines):
            return "\n".join(f"{i % 900 + 1}.关于第{i}号台账登记不全的问题\n整改结果：已完成\n整改情况：一是复核台账。二是建立制度。"
                             for i in range(lines // 3))
    small, large = text(1_250), text(10_000)

    def run(t):
        return lambda: segment.segment(normalise.normalise(t).text)

    t_small, t_large = _cpu_seconds(run(small)), _cpu_seconds(run(large))
    # 8× the lines: linear work takes ~8× the time, quadratic ~64×.
    assert t_large < 24 * t_small + 0.3, (t_small, t_large)
    assert t_large < 20
