"""The test command: lint, then the whole pytest suite (all markers).

Kept as a script so `make test` and `.ci/run` stay one line. Exit status is
pytest's, except that "no tests collected" (5) counts as a failure too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT)
    if lint.returncode != 0:
        print("ruff found problems (see above)", file=sys.stderr)
        return lint.returncode
    tests = subprocess.run([sys.executable, "-m", "pytest", *argv], cwd=ROOT)
    return 1 if tests.returncode == 5 else tests.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
