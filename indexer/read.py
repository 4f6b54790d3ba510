"""Reading: files and folders → decoded :class:`RawDocument` (txt, docx, html). PLACEHOLDER."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from indexer.errors import ReadError
from indexer.types import RawDocument

SUFFIXES = {".txt": "txt", ".docx": "docx", ".html": "html", ".htm": "html"}


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Supported files under the given files and folders (recursive, sorted)."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            yield p


def read_path(path: str | Path) -> RawDocument:
    p = Path(path)
    try:
        return RawDocument(source=str(p), text=p.read_text("utf-8"), format="txt", encoding="utf_8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReadError(str(p), str(exc)) from exc
