"""Reading: files and folders → decoded :class:`RawDocument` (txt, docx, html).

    >>> read_path("tests/data/read/gbk_notice.txt").encoding
    'gbk'

* **txt** — bytes are decoded by :func:`indexer.parsing.decode.decode` (``RawDocument.encoding``
  names the codec used).
* **docx** — :func:`indexer.parsing.docx_text.read_docx_bytes`.
* **html** — decoded, then :func:`indexer.parsing.html_text.html_to_text`.

Every failure is a :class:`ReadError` naming the file and the reason (empty, binary, not a zip,
truncated zip, undecodable, too big …).

Folders: symbolic links are not followed out of the folder unless asked (``follow_links``):
a link to a file or folder outside it, a dangling link and a link loop are skipped, and each
skipped entry is reported (``skipped``), never dropped silently.

Size limit: a file over ``max_mb`` (setting ``max_notice_mb``, default 20 MB; a real notice is
rarely above 1 MB) is refused before it is read, and a .docx whose parts expand to more than
:data:`~indexer.parsing.docx_text.DOCX_EXPANSION` times that (a zip bomb) before it is unpacked:
a scraped folder can hold a mislabelled dump, and one file must not stall or exhaust a run.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from indexer.errors import ReadError
from indexer.parsing.decode import Unreadable, decode
from indexer.parsing.docx_text import DOCX_EXPANSION, MB, megabytes, read_docx_bytes
from indexer.parsing.html_text import canonical_link, html_to_text
from indexer.sources import web_url
from indexer.types import RawDocument

SUFFIXES = {".txt": "txt", ".docx": "docx", ".html": "html", ".htm": "html"}
DEFAULT_MAX_MB = 20.0  # the default of the setting max_notice_mb

# --------------------------------------------------------------------------- files


def _skipped(path: Path) -> bool:
    """Hidden files and Word's ``~$name.docx`` lock files are not notices."""
    return path.name.startswith((".", "~$"))


def iter_files(paths: Iterable[str | Path], *, follow_links: bool = False,
               skipped: list[tuple[str, str]] | None = None) -> Iterator[Path]:
    """Supported files under the given files and folders (recursive, sorted per folder).

    A file named explicitly is always yielded (an unsupported or missing one then fails in
    :func:`read_path` with a clear reason, and the run goes on). Inside a folder, a symbolic link
    is followed only to a file in the same folder, or anywhere with ``follow_links``; every link
    not followed (outside, dangling, a loop, a linked folder) is appended to ``skipped`` as
    (path, reason).
    """
    for p in map(Path, paths):
        if p.is_dir():
            found: list[Path] = []
            _scan(p, os.path.realpath(p), found, follow_links, skipped if skipped is not None else [], set())
            yield from sorted(found)
        else:
            yield p


def _candidate(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES and not _skipped(Path(name))


def _scan(folder: Path, root: str, found: list[Path], follow_links: bool, skipped: list[tuple[str, str]],
          seen: set[str]) -> None:
    """Files of ``folder`` and its subfolders into ``found``; links not followed into ``skipped``."""
    seen.add(os.path.realpath(folder))
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        skipped.append((str(folder), f"folder not readable ({exc.strerror or exc})"))
        return
    for entry in entries:
        path = Path(entry.path)
        if not entry.is_symlink():
            if entry.is_dir(follow_symlinks=False):
                _scan(path, root, found, follow_links, skipped, seen)
            elif entry.is_file(follow_symlinks=False) and _candidate(entry.name):
                found.append(path)
            continue
        reason = _link_refused(path, root, follow_links, seen)
        if reason is None and path.is_dir():
            _scan(path, root, found, follow_links, skipped, seen)
        elif reason is None and _candidate(entry.name):
            found.append(path)
        elif reason is not None and (_candidate(entry.name) or reason != "dangling"):
            skipped.append((str(path), f"skipped: {_LINK_REASONS.get(reason, reason)}"))


_LINK_REASONS = {
    "dangling": "a symbolic link whose target does not exist",
    "loop": "a symbolic link loop",
    "outside": "a symbolic link to outside the folder (not followed unless asked: --follow-links)",
    "seen": "a symbolic link to a folder already read",
    "inside": "a symbolic link to a folder inside this folder (its files are read there)",
}


def _link_refused(path: Path, root: str, follow_links: bool, seen: set[str]) -> str | None:
    """Why a symbolic link is not followed (None: it is)."""
    try:
        os.stat(path)
    except OSError as exc:
        return "loop" if exc.errno == errno.ELOOP else "dangling"
    target = os.path.realpath(path)
    inside = os.path.commonpath([target, root]) == root
    if os.path.isdir(target):
        return "inside" if inside else "outside" if not follow_links else "seen" if target in seen else None
    return None if inside or follow_links else "outside"


def read_path(path: str | Path, *, max_mb: float | None = DEFAULT_MAX_MB) -> RawDocument:
    """Read one file. Raises ReadError(path, reason). ``max_mb``: the size limit (None: none).

    >>> read_path("tests/data/read/empty.txt")
    Traceback (most recent call last):
    indexer.errors.ReadError: tests/data/read/empty.txt: empty file (0 bytes)
    """
    p = Path(path)
    if p.is_dir():
        raise ReadError(str(p), "is a directory")
    fmt = SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        supported = ", ".join(sorted(SUFFIXES))
        raise ReadError(str(p), f"unsupported file type '{p.suffix}' (supported: {supported})")
    limit = None if max_mb is None else int(max_mb * MB)
    try:
        size = p.stat().st_size
        if limit is None:
            data = p.read_bytes()
        elif size <= limit:
            with p.open("rb") as fh:
                data = fh.read(size + 1)  # a buffer of the file's size, not of the limit
                if len(data) > size:  # it has grown since stat(): read on up to the limit
                    data += fh.read(limit + 1 - len(data))
            size = max(size, len(data))
    except FileNotFoundError as exc:
        raise ReadError(str(p), "file not found") from exc
    except IsADirectoryError as exc:
        raise ReadError(str(p), "is a directory") from exc
    except PermissionError as exc:
        raise ReadError(str(p), "permission denied") from exc
    except OSError as exc:
        raise ReadError(str(p), f"cannot read the file ({exc.strerror or exc})") from exc
    if limit is not None and size > limit:
        raise ReadError(str(p), f"file is {megabytes(size)}, over the limit of {max_mb:g} MB (setting max_notice_mb)")
    source_url = None
    try:
        if not data:
            raise Unreadable("empty file (0 bytes)")
        if fmt == "docx":
            unpacked_limit = None if limit is None else limit * DOCX_EXPANSION
            text, encoding = read_docx_bytes(data, max_bytes=unpacked_limit), None
        else:
            decoded = decode(data)
            text, encoding = decoded.text, decoded.encoding
            if fmt == "html":
                link = canonical_link(text)
                source_url = web_url(link) if link else None
                text = html_to_text(text)
    except Unreadable as exc:
        raise ReadError(str(p), str(exc)) from exc
    if not text.strip():
        raise ReadError(str(p), "no text: the file holds only whitespace or markup")
    return RawDocument(source=str(p), text=text, format=fmt, encoding=encoding, source_url=source_url)
