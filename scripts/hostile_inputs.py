"""Parse hostile and bad files one by one in a subprocess: outcome, seconds and peak memory of each.

    .venv/bin/python scripts/hostile_inputs.py [--keep DIR] [--timeout 60]

The files are written at run time: ``tests/data/hostile/make_hostile.py`` (zip bomb with lying
headers, quadratic HTML, deep nesting, thousands of issues, repeated labels) and
``tests/data/bad/make_bad.py --large`` (50 MB text, zip bomb, long notices), both run as files;
the small bad-input files committed in ``tests/data/bad/`` are read as they are.

Each file is parsed by ``parse_file`` in its own process. A typed refusal (ReadError /
ParseError) is a clear outcome; anything else (another exception, a crash, a timeout) counts in
``unclear_errors``. ``lost`` counts hostile files whose expectation (``hostile.json``) is not met:
a file that should be refused was parsed, or a parsed file lost issues or the text it must keep.
Prints one line per file and, last, one JSON object:
{"files": N, "max_rss_mb": …, "max_seconds": …, "unclear_errors": 0, "lost": 0}
Targets (issue 13): every file ≤ 600 MB peak RSS and ≤ 20 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOSTILE = ROOT / "tests" / "data" / "hostile" / "make_hostile.py"
BAD = ROOT / "tests" / "data" / "bad"
SUFFIXES = {".txt", ".docx", ".html", ".htm"}


def parse_one(path: str, keeps: str = "") -> dict[str, Any]:
    """Parse one file (in the child process): what came of it; ``kept``: whether its text has ``keeps``."""
    from indexer.errors import ParseError, ReadError
    from indexer.parsing.parse import parse_file

    try:
        parsed = parse_file(path)
    except (ReadError, ParseError) as exc:
        return {"outcome": "refused", "error": type(exc).__name__, "reason": exc.reason}
    except Exception as exc:  # noqa: BLE001 - anything untyped is what this script looks for
        return {"outcome": "unclear", "error": type(exc).__name__, "reason": str(exc)[:200]}
    return {"outcome": "parsed", "issues": len(parsed.issues), "kept": keeps in parsed.text}


def run_child(path: Path, timeout: float, keeps: str = "") -> dict[str, Any]:
    """``parse_one`` in a subprocess; adds seconds and peak RSS (MB) of that process."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, __file__, "--one", str(path), "--keeps", keeps], stdout=out,
                                 stderr=subprocess.DEVNULL, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        killer = threading.Timer(timeout, child.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            killer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        raw = out.read().decode("utf-8", "replace").strip().splitlines()
    try:
        result = json.loads(raw[-1]) if raw else {}
    except json.JSONDecodeError:
        result = {}
    if not result:
        killed = seconds >= timeout
        result = {"outcome": "unclear", "error": "timeout" if killed else f"exit {child.returncode}", "reason": ""}
    result.update(seconds=round(seconds, 2), rss_mb=round(usage.ru_maxrss / 1024, 1))
    return result


def lost(result: dict[str, Any], expect: dict[str, Any] | None) -> bool:
    """Whether a hostile file's expectation is not met."""
    if not expect:
        return False
    if "refused" in expect:
        return result["outcome"] != "refused" or expect["refused"] not in result.get("reason", "")
    return (result["outcome"] != "parsed" or result["issues"] != expect["parsed"]
            or not result.get("kept"))


def write_files(folder: Path) -> dict[str, dict]:
    """The hostile files, the large bad files and a copy of the small bad files; name → expectation."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, str(HOSTILE), "--out", str(folder)], check=True, env=env, cwd=ROOT)
    subprocess.run([sys.executable, str(BAD / "make_bad.py"), "--large", str(folder)], check=True, env=env, cwd=ROOT)
    for path in BAD.iterdir():
        if path.suffix.lower() in SUFFIXES and path.is_file():
            shutil.copyfile(path, folder / f"bad_{path.name}")
    return json.loads((folder / "hostile.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--keeps", default="", help=argparse.SUPPRESS)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them (default: a temporary folder)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a file's process is killed")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(parse_one(args.one, args.keeps), ensure_ascii=False))
        return 0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    try:
        expected = write_files(folder)
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)
        totals = {"files": len(files), "max_rss_mb": 0.0, "max_seconds": 0.0, "unclear_errors": 0, "lost": 0}
        for path in files:
            expect = expected.get(path.name)
            result = run_child(path, args.timeout, (expect or {}).get("keeps", ""))
            is_lost = lost(result, expect)
            totals["max_rss_mb"] = max(totals["max_rss_mb"], result["rss_mb"])
            totals["max_seconds"] = max(totals["max_seconds"], result["seconds"])
            totals["unclear_errors"] += result["outcome"] == "unclear"
            totals["lost"] += is_lost
            what = (f"{result['issues']} issues" if result["outcome"] == "parsed"
                    else f"{result.get('error')}: {result.get('reason', '')[:110]}")
            print(f"{path.name:<34} {result['outcome']:<8} {result['seconds']:>6.2f} s {result['rss_mb']:>7.1f} MB  "
                  f"{what}{'  <-- LOST' if is_lost else ''}", flush=True)
        print(json.dumps(totals))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
