"""Write the Elasticsearch index bodies to ``mappings/<collection>.json`` from the one field list.

    .venv/bin/python scripts/gen_mappings.py          # (re)write mappings/*.json
    .venv/bin/python scripts/gen_mappings.py --check  # exit 1 if a committed file is stale

The files show the default model (``_meta.dictionary_version`` is filled when the backend creates
an index); tests/test_mappings.py fails when they differ from what the code generates.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.backends.es_mapping import example_files  # noqa: E402

MAPPINGS_DIR = ROOT / "mappings"


def generated() -> dict[Path, str]:
    """File path → the text it should hold."""
    return {MAPPINGS_DIR / name: text for name, text in example_files().items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed files are current")
    args = parser.parse_args(argv)
    stale = [path for path, text in generated().items()
             if not path.exists() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run scripts/gen_mappings.py)", file=sys.stderr)
        return 1 if stale else 0
    MAPPINGS_DIR.mkdir(exist_ok=True)
    for path, text in generated().items():
        path.write_text(text, "utf-8")
        print(f"{'wrote' if path in stale else 'unchanged'}: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
