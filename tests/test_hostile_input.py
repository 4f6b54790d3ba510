"""Hostile files (issue 13): a small file must not cost gigabytes or minutes, and nothing is lost silently.

One test per defect; every file is made at test time by tests/data/hostile/make_hostile.py and is
at most a few MB. Memory is measured with tracemalloc (what Python allocates: inflated bytes,
strings, lists), time by the test's own timeout.
"""

from __future__ import annotations

import importlib.util
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from indexer.backends.embedded import EmbeddedBackend
from indexer.embed import HashingEmbedder
from indexer.errors import ParseError, ReadError
from indexer.parsing import parse as parse_module
from indexer.parsing import read
from indexer.parsing.docx_text import XML_PART_MB
from indexer.parsing.html_text import MAX_ATTRIBUTES, MAX_TABLE_CELLS
from indexer.parsing.parse import MAX_ISSUES, parse_file, parse_text
from indexer.pipeline import ingest_paths
from indexer.settings import load_settings

pytestmark = pytest.mark.reliability

_spec = importlib.util.spec_from_file_location("make_hostile", Path(__file__).parent / "data" / "hostile" / "make_hostile.py")
make_hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_hostile)


def _peak_mb(call) -> tuple[object, float]:
    """(what ``call`` returned or raised, peak MB Python allocated meanwhile)."""
    tracemalloc.start()
    try:
        try:
            result: object = call()
        except (ReadError, ParseError) as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# -- 1. zip bomb with lying headers -------------------------------------------------------------


@pytest.mark.parametrize("forge_crc", [False, True])
def test_docx_whose_headers_understate_a_part_is_refused_while_inflating(tmp_path, forge_crc):
    path = tmp_path / "bomb.docx"
    path.write_bytes(make_hostile.lying_docx(200, forge_crc=forge_crc))  # 0.2 MB on disk, 200 MB inflated
    assert path.stat().st_size < 1_000_000
    result, peak = _peak_mb(lambda: read.read_path(path))
    assert isinstance(result, ReadError)
    assert "word/document.xml inflates to more than the 1,000 bytes its zip headers declare" in result.reason
    assert peak < 20, peak  # one inflating step (1 MB) past the declared size, not 200 MB


def test_a_docx_whose_xml_part_is_over_the_limit_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "long.docx"
    path.write_bytes(make_hostile.long_docx(90_000))  # 0.3 MB on disk, a 9.4 MB document.xml
    result, peak = _peak_mb(lambda: read.read_path(path))
    assert isinstance(result, ReadError)
    assert f"word/document.xml unpacks to 9.4 MB, over the limit of {XML_PART_MB} MB for one XML part" in result.reason
    assert peak < 5, peak


def test_an_honest_docx_still_reads(tmp_path):
    from docx import Document

    document = Document()
    for line in make_hostile.notice_text().splitlines():
        document.add_paragraph(line)
    document.save(tmp_path / "ok.docx")
    parsed = parse_file(tmp_path / "ok.docx")
    assert len(parsed.issues) == 3 and make_hostile.MARK in parsed.text


# -- 2. quadratic HTML -----------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["valued", "bare", "bracketed"])
def test_an_element_with_too_many_attributes_is_refused_at_once(tmp_path, style):
    path = tmp_path / "attributes.html"
    path.write_text(make_hostile.many_attributes(100_000, style), encoding="utf-8")  # ≤ 2 MB; libxml2: minutes
    with pytest.raises(ReadError, match=f"100,000 attributes, over the limit of {MAX_ATTRIBUTES:,}"):
        read.read_path(path)
    path.write_text(make_hostile.many_attributes(MAX_ATTRIBUTES, style), encoding="utf-8")  # at the limit: read
    assert make_hostile.MARK in read.read_path(path).text


def test_a_table_whose_spans_fill_too_many_cells_is_refused(tmp_path):
    path = tmp_path / "spans.html"
    path.write_text(make_hostile.spanning_table(15_000, 1000), encoding="utf-8")  # 0.7 MB
    result, peak = _peak_mb(lambda: read.read_path(path))
    assert isinstance(result, ReadError) and f"more than {MAX_TABLE_CELLS:,} cells" in result.reason
    assert peak < 200, peak
    # A real table with a status merged over rows still gives one row per problem.
    table = ('<table><tr><th>序号</th><th>问题</th><th>整改情况</th></tr>'
             '<tr><td>1</td><td>台账不全的问题</td><td rowspan="2">已完成</td></tr>'
             '<tr><td>2</td><td>公开不及时的问题</td></tr></table>')
    path.write_text(f"<html><body><p>{make_hostile.MARK}</p>{table}</body></html>", encoding="utf-8")
    assert read.read_path(path).text.count("整改情况：已完成") == 2


# -- 3. deep nesting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [300, 100_000])
def test_text_nested_deeper_than_libxml2_reads_is_kept(tmp_path, depth):
    path = tmp_path / "deep.html"
    path.write_text(make_hostile.deep_nesting(depth), encoding="utf-8")
    parsed = parse_file(path)
    assert make_hostile.MARK in parsed.text
    assert len(parsed.issues) == 3


# -- 4. issues per notice ---------------------------------------------------------------------------


def test_more_issues_than_the_limit_is_refused_not_truncated(monkeypatch):
    assert MAX_ISSUES >= 10_000
    text = make_hostile.notice_text(12)
    assert len(parse_text(text).issues) == 12
    monkeypatch.setattr(parse_module, "MAX_ISSUES", 11)  # the same check, with a limit a test can reach
    with pytest.raises(ParseError, match="12 issues, over the limit of 11 per notice .* refused rather than truncated"):
        parse_text(text)


def test_a_file_of_nothing_but_labels_is_refused_as_implausible(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text(make_hostile.repeated_labels(200_000), encoding="utf-8")
    with pytest.raises(ParseError, match="implausible notice: 200,000 of its 200,001 lines are bare issue labels"):
        parse_file(path)


# -- 13. symbolic links ---------------------------------------------------------------------------


def _linked_folder(tmp_path: Path) -> Path:
    folder, outside = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    outside.mkdir()
    (folder / "notice.txt").write_text(make_hostile.notice_text(), encoding="utf-8")
    (outside / "secret.txt").write_text(make_hostile.notice_text(4), encoding="utf-8")
    os.symlink(outside / "secret.txt", folder / "outside.txt")
    os.symlink(outside, folder / "outside_dir")
    os.symlink(folder / "missing.txt", folder / "dangling.txt")
    os.symlink(folder / "loop.txt", folder / "loop.txt")
    return folder


def test_links_out_of_the_folder_dangling_or_looping_are_skipped_and_reported(tmp_path):
    folder = _linked_folder(tmp_path)
    skipped: list[tuple[str, str]] = []
    assert [p.name for p in read.iter_files([folder], skipped=skipped)] == ["notice.txt"]
    assert {Path(p).name: reason for p, reason in skipped} == {
        "dangling.txt": "skipped: a symbolic link whose target does not exist",
        "loop.txt": "skipped: a symbolic link loop",
        "outside.txt": "skipped: a symbolic link to outside the folder (not followed unless asked: --follow-links)",
        "outside_dir": "skipped: a symbolic link to outside the folder (not followed unless asked: --follow-links)",
    }
    followed = [p.name for p in read.iter_files([folder], follow_links=True, skipped=[])]
    assert sorted(followed) == ["notice.txt", "outside.txt", "secret.txt"]


def test_the_ingest_report_lists_every_skipped_link(tmp_path):
    folder = _linked_folder(tmp_path)
    settings = load_settings({}, backend="embedded", data_dir=str(tmp_path / "data"), model="hashing")
    backend = EmbeddedBackend(tmp_path / "data", threads=1)
    try:
        summary = ingest_paths([str(folder)], settings, backend=backend, embedder=HashingEmbedder(32), progress=False)
        lines = [json.loads(line) for line in Path(summary.report_path).read_text("utf-8").splitlines()]
        assert summary.files == 5 and summary.issues == 3  # the notice outside the folder is not stored
        assert sorted(Path(line["source"]).name for line in lines) == [
            "dangling.txt", "loop.txt", "notice.txt", "outside.txt", "outside_dir"]
        assert all(line["outcome"] == "failed" and line["reason"].startswith("skipped: ")
                   for line in lines if Path(line["source"]).name != "notice.txt")
    finally:
        backend.close()


def test_five_digit_labels_are_issues_so_a_long_notice_is_seen_whole():
    text = "\n".join([make_hostile.TITLE, "一、问题整改情况", *make_hostile.issue_lines(4, start=9_998)])
    assert [issue.label for issue in parse_text(text).issues] == ["9998.", "9999.", "10000.", "10001."]
