"""The bundled sample notices and the corpus generator.

* every file listed in ``indexer/samples/expected.json`` exists, and the list matches the folder;
* each entry is well formed (counts agree, statuses in the vocabulary, printed statuses normalise to
  the listed values), and each file is in the format its entry says;
* the samples reuse no text of the real seed notices beyond the genre's stock formulas;
* ``scripts/gen_corpus.py`` is deterministic (across hash seeds and worker counts) and its
  ``manifest.jsonl`` matches the files it wrote, issue by issue.

Parser-vs-expected tests live elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.parsing.normalise import fold
from indexer.parsing.status import Status, normalise_status

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "indexer" / "samples"
GEN = ROOT / "scripts" / "gen_corpus.py"
NOT_SAMPLES = {"README.md", "expected.json", "notices.csv"}  # notices.csv: where they were "published"
TYPES = {"hospital", "tcm_hospital", "community_health_centre", "township_health_centre", "health_commission",
         "cdc", "medical_insurance_bureau", "maternal_child_hospital", "school", "township",
         "government_bureau", "soe"}
STATUSES = {s.value for s in Status}
REQUIRED = ("issues", "statuses", "n_measures", "institution", "institution_type", "province", "city", "county",
            "inspection_body", "feedback_date")
ORDINALS = "一二三四五六七八九十"


def _expected() -> dict[str, dict]:
    return json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


def _docx_text(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    import docx

    doc = docx.Document(str(path))
    return [p.text for p in doc.paragraphs], [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]


# ------------------------------------------------------------------------------------------ samples


def test_expected_lists_exactly_the_sample_files():
    expected = _expected()
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file() and p.name not in NOT_SAMPLES}
    missing = [name for name in expected if not (SAMPLES / name).is_file()]
    assert not missing, f"listed in expected.json but not in indexer/samples: {missing}"
    assert set(expected) == on_disk, f"unlisted files: {sorted(on_disk - set(expected))}"
    assert len(expected) == 12


@pytest.mark.parametrize("name", sorted(_expected()))
def test_expected_entry_is_well_formed(name):
    e = _expected()[name]
    for key in REQUIRED:
        assert key in e, key
    n = e["issues"]
    assert 4 <= n <= 25
    assert len(e["statuses"]) == len(e["n_measures"]) == n
    assert len(e.get("labels", [None] * n)) == n
    assert all(s is None or s in STATUSES for s in e["statuses"])
    assert all(isinstance(m, int) and 0 <= m <= 10 for m in e["n_measures"])
    assert e["institution_type"] in TYPES
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", e["feedback_date"])
    assert 2019 <= int(e["feedback_date"][:4]) <= 2025
    assert re.search(r"(巡察|巡视)", e["inspection_body"])
    # a printed status normalises to the listed value (06 prints its statuses as group headings)
    for raw, status in zip(e.get("status_raw", [None] * n), e["statuses"], strict=True):
        if raw is not None:
            got = normalise_status(raw)
            assert (got.value if got else None) == status, (raw, status)


def test_samples_cover_the_variety_asked_for():
    expected = _expected()
    assert {e["institution_type"] for e in expected.values()} == TYPES
    years = {int(e["feedback_date"][:4]) for e in expected.values()}
    assert min(years) == 2019 and max(years) == 2025 and len(years) >= 6
    assert {e["inspection_kind"] for e in expected.values()} == {"巡察", "巡视"}
    assert {"常规", "专项", "机动", "提级交叉"} <= {e["inspection_type"] for e in expected.values()}
    assert len({e["province"] for e in expected.values()}) >= 10
    formats = sorted((e["format"], e["encoding"]) for e in expected.values())
    assert formats.count(("txt", "utf-8")) == 9 and ("txt", "gbk") in formats
    assert ("html", "utf-8") in formats and ("docx", None) in formats
    assert sum(e["issues"] for e in expected.values()) == 125


def test_sample_files_are_in_their_formats():
    expected = _expected()
    for name, e in expected.items():
        raw = (SAMPLES / name).read_bytes()
        if e["format"] == "docx":
            paragraphs, tables = _docx_text(SAMPLES / name)
            assert tables and tables[0][0] == ["序号", "问题", "整改措施", "整改情况"]
            assert len(tables[0]) == e["issues"] + 1
            assert any("欢迎" in p for p in paragraphs)
            continue
        if e["encoding"] == "gbk":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            text = raw.decode("gbk")
        else:
            text = raw.decode("utf-8")
        assert "欢迎" in text and "监督" in text, name
        if e["format"] == "html":
            for furniture in ("<html", "当前位置", "访问量", "字体大小", "分享到"):
                assert furniture in text, furniture
        if name == "12_city_bureau_baoji_oneline.txt":
            assert "\n" not in text and "\r" not in text
        for label in e.get("labels", []):
            assert label in text, (name, label)


def _norm(text: str) -> str:
    return re.sub(r"[\s,，。;；:：()（）、“”\"'‘’]", "", text)


# Stock formulas of the genre that every notice uses; sharing them with a real notice is not copying.
FORMULAS = (
    "按照党务公开原则和巡察工作有关要求现将巡察", "欢迎广大干部群众对巡察整改落实情况进行监督如有意见建议请及时向我们反映",
    "欢迎广大党员干部群众对巡察整改落实情况进行监督如有意见建议请及时向我们反映", "长期任务取得阶段性成效并长期坚持",
    "整改进展情况的通报", "整改进展情况予以公布", "反馈了巡察意见", "根据县委统一部署", "根据市委统一部署",
    "根据区委统一部署", "社会公开稿", "按照巡察工作有关要求现将巡察",
    "党务公开原则和巡察工作有关要求", "请及时向我们反映",
    "巡察工作有关要求现将巡察集中整改进展情况予以公布", "《医疗机构工作人员廉洁从业九项准则》",
    # the layouts' field labels and the status vocabulary (given by the brief, shared by the genre)
    "整改落实情况", "整改完成情况", "整改措施及进展", "整改结果", "整改情况", "即知即改并已整改完成",
    "已完成整改并长期坚持", "已整改完成", "已完成整改", "部分已整改完成", "继续整改", "基本完成", "阶段性完成",
)


def _seed_names(gold_dir: Path) -> set[str]:
    """The seed institutions' names, read from the gold files at run time (the project ships none of
    them): each organisation and institution as written, and the place names inside them (X县, X市,
    X区, X社区), so a sample cannot borrow a seed's county or community either."""
    names: set[str] = set()
    for path in sorted(gold_dir.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        for key in ("organization", "institution"):
            value = gold.get(key)
            if value:
                names.add(value)
                names.update(re.findall(r"[\u4e00-\u9fff]{2,3}?(?:社区|县|市|区)", value.removeprefix("中共")))
    return names


def test_samples_copy_no_seed_text():
    seeds_dir = ROOT.parent / "shared" / "seeds"
    seeds = sorted(seeds_dir.glob("*.txt")) if seeds_dir.is_dir() else []
    if not seeds:
        pytest.skip("the real seed notices (shared/seeds) are not beside the repository")
    seed_text = _norm("".join(p.read_text(encoding="utf-8") for p in seeds))
    n = 16
    grams = {seed_text[i:i + n] for i in range(len(seed_text) - n + 1)}
    formulas = [_norm(f) for f in FORMULAS]
    for name, e in _expected().items():
        path = SAMPLES / name
        if e["format"] == "docx":
            paragraphs, tables = _docx_text(path)
            text = "\n".join(paragraphs + [c for t in tables for r in t for c in r])
        else:
            text = path.read_bytes().decode(e["encoding"] or "utf-8")
        t = _norm(text)
        for f in formulas:
            t = t.replace(f, "|")
        shared = {t[i:i + n] for i in range(len(t) - n + 1)} & grams
        assert not shared, f"{name} shares text with a seed notice: {sorted(shared)[:5]}"
    names = _seed_names(seeds_dir / "gold")
    assert names, f"no institution names in {seeds_dir / 'gold'}"
    for name in sorted(names):
        for path in SAMPLES.iterdir():
            if path.suffix in (".txt", ".html", ".md", ".json"):
                raw = path.read_bytes()
                text = raw.decode("gbk") if "gbk" in path.name else raw.decode("utf-8")
                assert name not in text, (path.name, name)


# ------------------------------------------------------------------------------------------ generator


def _run_gen(out: Path, notices: int, *, seed: int = 5, formats: str = "txt,gbk,html,docx", jobs: int = 1,
             hashseed: str = "0", variants: str = "") -> dict:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    done = subprocess.run(
        [sys.executable, str(GEN), "--out", str(out), "--notices", str(notices), "--seed", str(seed),
         "--formats", formats, "--jobs", str(jobs), "--variants", variants],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )
    return json.loads(done.stdout)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_gen_corpus_is_deterministic(tmp_path):
    a, b, c, d = (tmp_path / x for x in "abcd")
    _run_gen(a, 40, hashseed="1", jobs=1)
    _run_gen(b, 40, hashseed="2", jobs=2)  # other hash seed, other worker count: same bytes
    assert _tree(a) == _tree(b)
    rows_a = [json.loads(line) for line in (a / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    _run_gen(c, 10, seed=6)  # another seed: other notices
    rows_c = [json.loads(line) for line in (c / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["institution"] for r in rows_c] != [r["institution"] for r in rows_a[:10]]
    _run_gen(d, 15, hashseed="3")  # notice i does not depend on N
    assert [json.loads(line) for line in (d / "manifest.jsonl").read_text(encoding="utf-8").splitlines()] == rows_a[:15]


def _decode(path: Path, row: dict) -> list[str]:
    """The notice's paragraphs (for html: the article body; for docx: paragraphs, then table rows)."""
    if row["format"] == "docx":
        paragraphs, tables = _docx_text(path)
        return paragraphs + ["\t".join(r) for t in tables for r in t]
    text = path.read_bytes().decode(row["encoding"])
    if row["format"] == "html":
        body = text.split('id="zoom">', 1)[1].split("</div>", 1)[0]
        body = re.sub(r"</(p|tr)>", "\n", body)
        body = re.sub(r"</t[dh]>", "\t", body)
        text = re.sub(r"<[^>]+>", "", body)
        import html

        text = html.unescape(text)
    return text.replace("\r\n", "\n").split("\n")


def _count_ordinals(text: str) -> int:
    n = 0
    for c in ORDINALS:
        if c + "是" not in text:
            break
        n += 1
    return n


def _check_row(path: Path, row: dict) -> None:
    labels = row["labels"]
    assert len(labels) == row["n_issues"] == len(row["statuses"]) == len(row["n_measures"]) == len(row["topics"])
    lines = _decode(path, row)
    if row["oneline"]:
        assert len([ln for ln in lines if ln]) == 1
        text, pos = lines[0], 0
        for label in labels:
            pos = text.find(label, pos)
            assert pos >= 0, label
        return
    if row["layout"] == "k":
        rows = [ln.split("\t") for ln in lines if "\t" in ln]
        rows = [r for r in rows if r and r[0].strip() and r[0].strip() != "序号"]
        assert [r[0].strip() for r in rows] == labels
        for r, raw, n in zip(rows, row["status_raw"], row["n_measures"], strict=True):
            assert r[3].strip() == raw
            assert (_count_ordinals(r[2]) or (1 if r[2].strip() else 0)) == n
        return
    # find each label at the start of a line, in order
    starts, j = [], 0
    for i, line in enumerate(lines):
        line = re.sub(r"^\[bookmark: [^\]]+\]", "", line)
        if j < len(labels) and line.startswith(labels[j]):
            starts.append(i)
            j += 1
    assert j == len(labels), f"{path.name}: found {j} of {len(labels)} issue labels"
    end = next((i for i in range(starts[-1] + 1, len(lines)) if lines[i].startswith(("三、", "欢迎"))), len(lines))
    for k, start in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else end
        block = lines[start:stop]
        text = "\n".join(block)
        raw = row["status_raw"][k]
        if raw is not None:
            assert raw in text, (path.name, labels[k], raw)
        n = row["n_measures"][k]
        if row["layout"] == "j":
            got = sum(1 for ln in block[1:] if re.match(r"\d+\.", ln))
            got = got or (1 if any(ln.startswith("整改措施：") and len(ln) > 5 for ln in block) else 0)
        else:
            got = _count_ordinals("\n".join(block[1:]))
            if not got:
                got = 1 if any(len(ln) > 12 and not fold(ln).startswith(("整改结果", "整改状态", "整改完成情况", "整改进度",
                                                                   "完成情况", "整改进展"))
                               for ln in block[1:]) else 0
        assert got == n, (path.name, labels[k], got, n)


def test_gen_corpus_manifest_matches_files(tmp_path):
    out = tmp_path / "corpus"
    summary = _run_gen(out, 80, seed=11)
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    files = sorted(p.name for p in out.iterdir() if p.name != "manifest.jsonl")
    assert len(rows) == 80 == summary["notices"]
    assert sorted(r["file"] for r in rows) == files
    assert sum(r["n_issues"] for r in rows) == summary["issues"]
    assert {r["format"] for r in rows} == {"txt", "gbk", "html", "docx"}
    assert len({r["layout"] for r in rows}) >= 9
    assert len({r["type"] for r in rows}) == 12
    for row in rows:
        assert row["type"] in TYPES
        assert 4 <= row["n_issues"] <= 30
        assert all(s is None or s in STATUSES for s in row["statuses"])
        assert all(0 <= m <= 6 for m in row["n_measures"])
        for raw, status in zip(row["status_raw"], row["statuses"], strict=True):
            if raw is not None:
                got = normalise_status(raw)
                assert (got.value if got else None) == status, (row["file"], raw, status)
        _check_row(out / row["file"], row)


def test_gen_corpus_txt_only_and_average(tmp_path):
    out = tmp_path / "txt"
    summary = _run_gen(out, 150, seed=3, formats="txt")
    assert set(summary["formats"]) <= {"txt", "txt/oneline"}
    assert 13.5 <= summary["avg_issues"] <= 18.5
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(len(r["labels"]) for r in rows) == summary["issues"]
    # wording varies: across 40 notices nearly every paragraph is different
    paragraphs = [p for r in rows[:40] for p in (out / r["file"]).read_text(encoding="utf-8").split("\n") if len(p) > 30]
    assert len(set(paragraphs)) > 0.9 * len(paragraphs)
