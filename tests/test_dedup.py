"""Near-duplicate notices (indexer/dedup.py): the same notice reposted with other page furniture,
whitespace, traditional characters or a small edit is stored once; two different notices of the
same institution are both stored.

The notices are fictional (an invented hospital in an invented county).
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest
from opencc import OpenCC

from indexer import dedup
from indexer.embed import HashingEmbedder
from indexer.parsing import parse
from indexer.pipeline import ingest_paths
from indexer.settings import load_settings
from tests.conftest import BACKEND_FACTORIES

BASE = """中共青石县东岭医院委员会关于县委第三巡察组巡察反馈意见整改进展情况的通报

根据县委统一部署，2024年4月至6月，县委第三巡察组对青石县东岭医院党委开展了常规巡察，并于2024年7月12日反馈了巡察意见。现将整改进展情况予以公布。

一、党的领导方面
1.关于党委会议题把关不严的问题
整改结果：已完成
整改情况：一是重新梳理党委会议题清单，明确前置研究的事项范围。二是建立议题提交审核机制，由党委办公室逐项核对材料。三是对2023年以来的会议记录开展回头看，补正缺漏记录十二份。
2.关于意识形态阵地管理松散的问题
整改结果：已完成
整改情况：一是清理院内宣传栏和电子屏内容，撤换过期信息。二是明确各科室宣传信息发布的审核责任人。三是每季度开展一次意识形态工作专题分析。
二、业务管理方面
3.关于高值耗材出入库登记不全的问题
整改结果：正在推进
整改情况：一是上线耗材追溯系统，实现扫码出入库。二是对库存高值耗材开展全面盘点，核对账实差异。三是制定耗材管理考核细则，纳入科室月度绩效。
4.关于门诊预约号源分配不合理的问题
整改结果：已完成
整改情况：一是按专科就诊量重新调配号源，增设午间门诊。二是开通电话和小程序双渠道预约。三是每月公布各科室平均候诊时长。
三、作风纪律方面
5.关于下乡义诊补助发放不规范的问题
整改结果：已完成
整改情况：一是对近三年义诊补助发放情况逐笔核查，清退多发补助0.86万元。二是修订下乡义诊管理办法，明确补助标准和审批流程。

欢迎广大干部群众对巡察整改落实情况进行监督。联系电话：0000-1234567。

中共青石县东岭医院委员会
2024年10月15日
"""

# The same institution, the next round: other problems, other measures.
NEXT_ROUND = """中共青石县东岭医院委员会关于县委第一巡察组巡察反馈意见整改进展情况的通报

根据县委统一部署，2025年3月至5月，县委第一巡察组对青石县东岭医院党委开展了巡察“回头看”，并于2025年6月3日反馈了巡察意见。现将整改进展情况予以公布。

一、党的领导方面
1.关于理论学习与业务结合不紧的问题
整改结果：已完成
整改情况：一是把医疗质量安全议题列入中心组学习计划。二是每半年组织一次学习成果交流，形成问题清单。
二、业务管理方面
2.关于住院病历归档超时的问题
整改结果：已完成
整改情况：一是设定病历归档时限提醒，超期自动推送科主任。二是病案室每周通报归档率，结果与绩效挂钩。三是抽查出院病历四百份，督促补齐签名。
3.关于医疗设备维保合同管理粗放的问题
整改结果：正在推进
整改情况：一是汇总全院设备维保合同，建立到期预警台账。二是对维保费用偏高的三类设备重新询价。
4.关于药品临期处置不及时的问题
整改结果：已完成
整改情况：一是药剂科每月筛查近效期药品并在科室间调剂。二是明确临期药品报损审批流程和责任人。

欢迎广大干部群众对巡察整改落实情况进行监督。

中共青石县东岭医院委员会
2025年9月8日
"""

HTML_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}_青石县人民政府网</title></head>
<body>
<div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/xwzx">新闻中心</a><a href="/hdjl">互动交流</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 通知公告</div>
<div class="article">
<h1>{title}</h1>
<div class="info">发布时间：2024-10-16 09:30 来源：青石县东岭医院 访问量：1024 字体：【大 中 小】</div>
<div class="content">
{paragraphs}
</div>
<div class="share">分享到：<a href="javascript:void(0)">微信</a><a href="javascript:void(0)">微博</a></div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a><a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer">主办：青石县人民政府办公室 版权所有 网站标识码：0000000000 备案号：某ICP备00000000号</div>
</body></html>
"""


def as_html(text: str) -> str:
    title, *body = [line for line in text.splitlines() if line.strip()]
    paragraphs = "\n".join(f"<p>{line}</p>" for line in body)
    return HTML_PAGE.format(title=title, paragraphs=paragraphs)


def with_more_whitespace(text: str) -> str:
    """Blank lines, indents (full-width spaces), trailing spaces, CRLF."""
    lines = [f"\u3000\u3000{line}  " if line else "" for line in text.splitlines()]
    return "\r\n\r\n".join(lines) + "\r\n\r\n\r\n"


def as_traditional(text: str) -> str:
    return OpenCC("s2t").convert(text)


def edited(text: str) -> str:
    """One word of one measure changed."""
    assert "撤换过期信息" in text
    return text.replace("撤换过期信息", "撤换陈旧信息")


def with_other_furniture(text: str) -> str:
    """Another site's copy: a source line, a different date line, print/close links."""
    lines = text.splitlines()
    return "\n".join([lines[0], "来源：青石县卫生健康局　　发布日期：2024年10月18日", *lines[1:],
                      "【打印本页】【关闭窗口】"])


# -- pure functions --------------------------------------------------------------------------------

def test_doctests():
    result = doctest.testmod(dedup)
    assert result.failed == 0 and result.attempted >= 5


def test_similarity_ignores_spacing_punctuation_width_and_script():
    a = "一是清理院内宣传栏和电子屏内容，撤换过期信息。"
    assert dedup.similarity(a, "一是 清理院内宣传栏和电子屏内容 , 撤换过期信息 .") == 1.0
    assert dedup.similarity(a, as_traditional(a)) == 1.0
    assert dedup.similarity(a, "二是开通电话和小程序双渠道预约。") == 0.0


def test_an_edit_lowers_similarity_in_proportion_to_the_text():
    base = parse.parse_text(BASE).issues
    text = dedup.issues_text((i.problem, i.measures) for i in base)
    one_word = dedup.similarity(text, edited(text))
    assert 0.95 <= one_word < 1.0
    assert dedup.similarity(text, dedup.issues_text((i.problem, i.measures) for i in base[:3])) < 0.9


def test_two_rounds_of_one_institution_are_far_apart():
    a, b = (dedup.notice_fingerprint(parse.parse_text(t)) for t in (BASE, NEXT_ROUND))
    assert a.institution == b.institution == "青石县东岭医院"
    assert dedup.jaccard(a.shingles, b.shingles) < 0.2


def test_jaccard_edges():
    assert dedup.jaccard(frozenset(), frozenset()) == 0.0
    assert dedup.jaccard(frozenset({"abcd"}), frozenset({"abcd"})) == 1.0
    assert dedup.jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == pytest.approx(1 / 3)


def test_a_short_notice_is_matched_by_its_exact_id_only():
    short = parse.parse_text("某院关于巡察整改进展情况的通报\n1.关于学习不深入的问题\n整改结果：已完成")
    assert len(dedup.notice_fingerprint(short).shingles) < dedup.MIN_SHINGLES
    assert dedup.find_near_duplicate(short, backend=None) is None  # never asks the backend


# -- through the pipeline, on each backend -----------------------------------------------------------

def _params() -> list:
    return [pytest.param(name, marks=marks, id=name) for name, (_, marks) in BACKEND_FACTORIES.items()]


@pytest.fixture(params=_params())
def store(request, tmp_path):
    factory, _ = BACKEND_FACTORIES[request.param]
    backend = factory(tmp_path)
    try:
        yield backend
    finally:
        backend.close()


def ingest(paths, store, tmp_path, **settings):
    values = {"backend": "memory", "data_dir": str(tmp_path / "data"), "model": "hashing", **settings}
    batch_size = values.pop("batch_size", 32)
    return ingest_paths([str(p) for p in paths], load_settings({}, **values), backend=store,
                        embedder=HashingEmbedder(32), progress=False, batch_size=batch_size)


def report(summary) -> dict[str, dict]:
    lines = [json.loads(line) for line in Path(summary.report_path).read_text("utf-8").splitlines()]
    return {Path(line["source"]).name: line for line in lines}


def write_variants(folder: Path) -> None:
    folder.mkdir()
    (folder / "a_original.txt").write_text(BASE, "utf-8")
    (folder / "b_repost.html").write_text(as_html(BASE), "utf-8")
    (folder / "c_whitespace.txt").write_text(with_more_whitespace(BASE), "utf-8")
    (folder / "d_traditional.txt").write_text(as_traditional(BASE), "utf-8")
    (folder / "e_edited.txt").write_text(edited(BASE), "utf-8")
    (folder / "f_other_site.txt").write_text(with_other_furniture(BASE), "gbk")
    (folder / "g_next_round.txt").write_text(NEXT_ROUND, "utf-8")


@pytest.mark.parametrize("batch_size", [1, 32], ids=["stored", "pending"])
def test_reposts_are_stored_once_and_another_round_is_kept(store, tmp_path, batch_size):
    # batch 1: each notice is written before the next is read (found through the lexical leg);
    # batch 32: all are still pending in the batch when the reposts are read.
    folder = tmp_path / "notices"
    write_variants(folder)
    summary = ingest([folder], store, tmp_path, batch_size=batch_size)
    lines = report(summary)
    original = lines["a_original.txt"]["notice_id"]
    assert {name: line["outcome"] for name, line in lines.items()} == {
        "a_original.txt": "indexed",
        "b_repost.html": "skipped",  # the reader drops the page furniture: same id
        "c_whitespace.txt": "skipped",  # same normalised text: same id
        "d_traditional.txt": "skipped",  # fold() maps traditional to simplified: same id
        "e_edited.txt": "duplicate",
        "f_other_site.txt": "skipped",  # the normaliser drops the other site's source line and links
        "g_next_round.txt": "indexed",
    }
    line = lines["e_edited.txt"]
    assert line["duplicate_of"] == original and 0.9 <= line["similarity"] < 1.0
    assert line["reason"].startswith(f"near-duplicate of notice {original} (similarity ")
    assert (summary.indexed, summary.skipped, summary.duplicates, summary.failed) == (2, 4, 1, 0)
    info = store.info()
    expected_issues = len(parse.parse_text(BASE).issues) + len(parse.parse_text(NEXT_ROUND).issues)
    assert (info.notices, info.issues) == (2, expected_issues)


def test_a_repost_met_in_a_later_run_is_a_duplicate(store, tmp_path):
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    (first / "original.txt").write_text(BASE, "utf-8")
    ingest([first], store, tmp_path)
    (later / "repost.html").write_text(as_html(edited(BASE)), "utf-8")  # another site, edited
    summary = ingest([later], store, tmp_path)
    line = report(summary)["repost.html"]
    assert (line["outcome"], line["duplicate_of"]) == ("duplicate", parse.parse_text(BASE).notice_id)
    assert store.info().notices == 1


def test_a_changed_file_replaces_its_old_version(store, tmp_path):
    folder = tmp_path / "notices"
    folder.mkdir()
    path = folder / "notice.txt"
    path.write_text(BASE, "utf-8")
    first = report(ingest([folder], store, tmp_path))["notice.txt"]
    path.write_text(edited(BASE), "utf-8")
    line = report(ingest([folder], store, tmp_path))["notice.txt"]
    assert (line["outcome"], line["replaces"]) == ("replaced", first["notice_id"])
    assert store.info().notices == 1


def test_the_check_can_be_turned_off(tmp_path):
    from indexer.backends.memory import MemoryBackend

    folder = tmp_path / "notices"
    write_variants(folder)
    summary = ingest([folder], MemoryBackend(), tmp_path, near_duplicate_threshold=1.5)
    assert (summary.indexed, summary.skipped, summary.duplicates) == (3, 4, 0)


def test_another_institution_with_the_same_issues_is_not_a_duplicate(tmp_path):
    from indexer.backends.memory import MemoryBackend

    folder = tmp_path / "notices"
    folder.mkdir()
    (folder / "a.txt").write_text(BASE, "utf-8")
    (folder / "b.txt").write_text(BASE.replace("东岭医院", "西苑医院"), "utf-8")
    summary = ingest([folder], MemoryBackend(), tmp_path)
    assert (summary.indexed, summary.duplicates) == (2, 0)


# -- two processes ingesting into one data folder (embedded backend) -------------------------------

ROOT = Path(__file__).resolve().parent.parent


def _ingest_process(path: Path, data: Path, report: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XUNCHA_")}
    env["XUNCHA_WRITER_WAIT_SECONDS"] = "120"  # the second writer waits for the first, not fails
    return subprocess.Popen([sys.executable, "-m", "indexer", "ingest", str(path), "--backend", "embedded",
                             "--data", str(data), "--model", "hashing", "--quiet", "--report", str(report)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _waits_for_writer_lock(process: subprocess.Popen, lock: Path) -> bool:
    """Whether the process has the writer lock file open: it has checked its notices and is
    trying to write (Linux: /proc)."""
    try:
        fds = os.listdir(f"/proc/{process.pid}/fd")
    except FileNotFoundError:
        return False
    for fd in fds:
        with suppress(OSError):
            if os.readlink(f"/proc/{process.pid}/fd/{fd}") == str(lock):
                return True
    return False


@pytest.mark.reliability
def test_a_near_duplicate_stored_by_another_process_meanwhile_is_caught_under_the_lock(tmp_path):
    """Another ingest stores the original between this one's duplicate check and its write: the
    check is made again under the writer lock, so the repost is a duplicate, not a second notice."""
    from indexer.backends.embedded import EmbeddedBackend

    folder, data = tmp_path / "notices", tmp_path / "data"
    folder.mkdir()
    (folder / "original.txt").write_text(BASE, "utf-8")
    (folder / "repost.txt").write_text(edited(BASE), "utf-8")
    other = EmbeddedBackend(data)
    other.begin_writing()  # "the other process" is the writer now
    process = _ingest_process(folder / "repost.txt", data, tmp_path / "repost.jsonl")
    try:
        deadline = time.monotonic() + 120
        while not _waits_for_writer_lock(process, data / "writer.lock"):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the ingest never tried to write"
            time.sleep(0.05)
        # It checked the repost against an index without the original; now the original arrives.
        ingest([folder / "original.txt"], other, tmp_path)
    finally:
        other.close()  # the waiting ingest takes the lock
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    [line] = [json.loads(x) for x in (tmp_path / "repost.jsonl").read_text("utf-8").splitlines()]
    assert (line["outcome"], line["duplicate_of"]) == ("duplicate", parse.parse_text(BASE).notice_id)
    with EmbeddedBackend(data) as backend:
        assert backend.info().notices == 1


@pytest.mark.reliability
@pytest.mark.parametrize("run", range(3))
def test_two_concurrent_ingests_store_a_near_duplicate_once(tmp_path, run):
    folder, data = tmp_path / "notices", tmp_path / "data"
    folder.mkdir()
    (folder / "original.txt").write_text(BASE, "utf-8")
    (folder / "repost.txt").write_text(edited(BASE), "utf-8")
    processes = [_ingest_process(folder / name, data, tmp_path / f"{name}.jsonl")
                 for name in (("original.txt", "repost.txt") if run % 2 == 0 else ("repost.txt", "original.txt"))]
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    outcomes = sorted(json.loads((tmp_path / f"{name}.jsonl").read_text("utf-8"))["outcome"]
                      for name in ("original.txt", "repost.txt"))
    assert outcomes == ["duplicate", "indexed"]
    from indexer.backends.embedded import EmbeddedBackend

    with EmbeddedBackend(data) as backend:
        assert backend.info().notices == 1
