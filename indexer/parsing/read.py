"""Reading: files and folders → decoded :class:`RawDocument` (txt, docx, html).

    >>> read_path("tests/data/read/gbk_notice.txt").encoding
    'gbk'

* **txt** — bytes are decoded by :func:`indexer.parsing.decode.decode` (``RawDocument.encoding``
  names the codec used).
* **docx** — :func:`indexer.parsing.docx_text.read_docx_bytes`.
* **html** — decoded, then :func:`indexer.parsing.html_text.html_to_text`.

Every failure is a :class:`ReadError` naming the file and the reason (empty, binary, not a zip,
truncated zip, undecodable, too big …).

Size limit: a file over ``max_mb`` (setting ``max_notice_mb``, default 20 MB; a real notice is
rarely above 1 MB) is refused before it is read, and a .docx whose parts expand to more than
:data:`~indexer.parsing.docx_text.DOCX_EXPANSION` times that (a zip bomb) before it is unpacked:
a scraped folder can hold a mislabelled dump, and one file must not stall or exhaust a run.
"""

from __future__ import annotations

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


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Supported files under the given files and folders (recursive, sorted per folder).

    A file named explicitly is always yielded (an unsupported or missing one then fails in
    :func:`read_path` with a clear reason, and the run goes on).
    """
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(
                f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES and not _skipped(f)
            )
        else:
            yield p


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
                data = fh.read(limit + 1)  # the file may have grown since stat()
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
