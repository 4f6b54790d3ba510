"""Write realistic, fictional 巡察/巡视整改进展情况通报 at any scale.

    .venv/bin/python scripts/gen_corpus.py --out DIR --notices N [--seed S] [--formats txt,docx,html,gbk]
        [--variants all|traditional,lost_dates,…]

Every notice is invented: institution names are composed from invented name stems placed in real
provinces / cities / counties, and the problems and measures are composed from the phrase bank
(topic-specific problem templates × object and consequence fillers, staged measure templates ×
numbers, dates, document titles and numbers). The phrase tables are data in ``scripts/corpus_data/``;
the generator is the ``scripts/corpusgen/`` package (this file is its command line and manifest).

Layout families (the same letters as ``indexer/samples/README.md``):

a  ``1.关于…的问题。`` / ``整改结果：`` / ``整改落实情况：一是…``           (no 方面 printed)
b  ``一、<方面>`` + ``(一)`` issues restarting per section, half-width punctuation, ``整改结果:``
c  ``一、…方面`` + ``1.`` continuous + ``整改措施及进展：`` paragraph, no status
d  info-disclosure block, ``(社会公开稿)``, ``一、整改工作基本情况`` (一)–(五), ``(一)“…”方面`` /
   ``1.关于“…”的问题`` (大项) / ``(n)针对“…”问题`` / ``整改情况:`` / ``整改完成情况:``, ``三、今后…``
e  ``（一）关于…问题的整改情况`` + ``（1）针对…的问题，<lead sentence>。`` restarting, measures on
   their own ``一是`` lines, no status, a ``三、`` part with the same label styles
f  grouped by status: ``（一）已完成整改的问题`` / ``（二）正在推进…`` / ``（三）需长期坚持…``
g  compound ``1.(1)`` markers, ``整改进度：`` before ``整改措施：``
h  ``1.<problem>。`` / ``整改措施：`` / ``整改状态:完成``
i  rectification list under ``三、``: ``问题1：`` / ``整改措施：`` / ``完成情况：``
j  ``一、…方面`` + ``（一）`` continuous + ``整改进展：`` + measures as ``1.``/``2.`` lines
k  a table 序号 / 问题 / 整改措施 / 整改情况 (docx and html only)
w  headings wrapped as ``关于“X”问题的整改`` / ``关于“X”的问题`` / ``针对X问题`` (variant ``wrappers`` only)

``--variants`` gives every third notice one of the patterns real pages take (see
``scripts/corpusgen/variants.py``): traditional mirrors with pinyin, dates without 年/月/日, page
furniture, organisational parts only, truncated endings, joint notices, self-references, multi-level
totals, issue wrappers, central and provincial inspections, thousands of items. Without it the corpus is the plain one (benchmarks).

A txt notice is rendered on one single line now and then (manifest ``oneline: true``); html pages
get site furniture (navigation, breadcrumb, 访问量, 字体大小, share buttons, footer); gbk files are
GBK-encoded, half of them with CRLF line ends.

``manifest.jsonl`` has one JSON object per notice: file, n_issues, institution, type, region,
layout, format, variant, the per-issue truth (labels, statuses, n_measures) so benchmarks can check
exact counts, and ``expect``: the metadata the printed text settles (``scripts/check_corpus.py``
compares it). The output is deterministic for a given --seed (each notice has its own RNG seeded
from (seed, index), so notice i is the same whatever N is).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.corpusgen.manifest import manifest_row  # noqa: E402
from scripts.corpusgen.model import FORMATS  # noqa: E402
from scripts.corpusgen.notice import build_notice  # noqa: E402
from scripts.corpusgen.render import render  # noqa: E402
from scripts.corpusgen.variants import VARIANTS  # noqa: E402
from scripts.corpusgen.writers import write_docx, write_html, write_text  # noqa: E402

__all__ = ["FORMATS", "build_notice", "generate", "render"]


def _one(out: Path, seed: int, i: int, formats: tuple[str, ...], width: int, variants: tuple[str, ...]) -> dict:
    """Build, render and write notice i; return its manifest row."""
    n = build_notice(seed, i, formats, variants)
    paras, table = render(n)
    ext = {"txt": "txt", "gbk": "txt", "html": "html", "docx": "docx"}[n.fmt]
    tag = "oneline" if n.oneline else n.fmt if n.fmt == "gbk" else ""
    name = f"n{i:0{width}d}_{n.kind}_{n.layout}{('_' + tag) if tag else ''}.{ext}"
    path = out / name
    if n.fmt == "txt":
        write_text(path, paras, n.oneline, "utf-8", False)
    elif n.fmt == "gbk":
        write_text(path, paras, False, "gbk", (i * 7 + seed) % 2 == 0)
    elif n.fmt == "html":
        write_html(path, n, paras, table)
    else:
        write_docx(path, n, paras, table)
    return manifest_row(n, name, paras)


def _chunk(job: tuple[str, int, int, int, tuple[str, ...], int, tuple[str, ...]]) -> list[tuple[str, dict]]:
    """Make notices lo..hi-1; return (manifest line, row) pairs (the row for the summary)."""
    out, seed, lo, hi, formats, width, variants = job
    rows = [_one(Path(out), seed, i, formats, width, variants) for i in range(lo, hi)]
    return [(json.dumps(row, ensure_ascii=False), row) for row in rows]


def generate(out: Path, notices: int, seed: int = 0, formats: list[str] | None = None,
             quiet: bool = False, jobs: int = 1, variants: list[str] | None = None) -> dict:
    """Write ``notices`` notices and ``manifest.jsonl`` into ``out``; return the summary.

    With ``jobs`` > 1 the notices are made by that many processes; the output is identical.
    ``variants`` (names of ``corpusgen.variants.VARIANTS``) turns those variants on for every third notice."""
    wanted = tuple(variants or ())
    for v in wanted:
        if v not in VARIANTS:
            raise SystemExit(f"unknown variant {v!r}; choose from {','.join(VARIANTS)}")
    fmts_in = tuple(formats or FORMATS)
    for f in fmts_in:
        if f not in FORMATS:
            raise SystemExit(f"unknown format {f!r}; choose from {','.join(FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    width = max(5, len(str(notices)))
    step = max(20, min(250, notices // (max(1, jobs) * 4) or 1))  # chunking never changes the output
    work = [(str(out), seed, lo, min(notices, lo + step), fmts_in, width, wanted) for lo in range(0, notices, step)]
    stats: Counter = Counter()
    layouts: Counter = Counter()
    kinds: Counter = Counter()
    variant_counts: Counter = Counter()
    fmts: Counter = Counter()
    n_issues = 0
    pool = None
    if jobs > 1 and len(work) > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn").Pool(jobs)
        results = pool.imap(_chunk, work)
    else:
        results = map(_chunk, work)
    try:
        with open(out / "manifest.jsonl", "w", encoding="utf-8") as manifest:
            for lines in results:
                for line, row in lines:
                    manifest.write(line + "\n")
                    n_issues += row["n_issues"]
                    layouts[row["layout"]] += 1
                    kinds[row["type"] or "unknown"] += 1
                    variant_counts[row["variant"] or "none"] += 1
                    fmts[row["format"] + ("/oneline" if row["oneline"] else "")] += 1
                    stats.update(s or "none" for s in row["statuses"])
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    dt = time.perf_counter() - t0
    summary = {
        "out": str(out),
        "notices": notices,
        "issues": n_issues,
        "avg_issues": round(n_issues / notices, 2) if notices else 0,
        "seconds": round(dt, 2),
        "notices_per_second": round(notices / dt, 1) if dt else None,
        "jobs": jobs,
        "formats": dict(sorted(fmts.items())),
        "layouts": dict(sorted(layouts.items())),
        "types": dict(sorted(kinds.items())),
        "variants": dict(sorted(variant_counts.items())),
        "statuses": dict(sorted(stats.items())),
    }
    if not quiet:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write fictional 巡察整改进展情况通报 notices and a manifest.jsonl")
    parser.add_argument("--out", type=Path, help="output folder (created)")
    parser.add_argument("--notices", type=int, help="how many notices")
    parser.add_argument("--self-check", action="store_true", help="check the phrase tables and exit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="comma-separated subset of txt,gbk,html,docx (default: all four)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: up to 2); the output does not depend on it")
    parser.add_argument("--variants", default="",
                        help="comma-separated variants for every third notice, or 'all': " + ",".join(VARIANTS))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.self_check:
        from scripts.corpusgen import selfcheck

        return 1 if selfcheck.run() else 0
    if args.out is None or args.notices is None:
        parser.error("--out and --notices are required (or --self-check)")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    variants = list(VARIANTS) if args.variants == "all" else [v.strip() for v in args.variants.split(",") if v.strip()]
    generate(args.out, args.notices, args.seed, formats, args.quiet, max(1, args.jobs), variants)
    return 0


if __name__ == "__main__":
    sys.exit(main())
