"""Where a notice was published, as the user gives it: the original's URL, a source name and the
publish date — from a manifest beside the files (``notices.csv`` or ``notices.jsonl``), from an
upload's ``source`` field, or (URL only) from an HTML file's canonical link.

A manifest lists files relative to its own folder; columns (CSV header, or JSON keys):

* ``file``       the notice file, e.g. ``青禾县人民医院.docx`` or ``2024/青禾县人民医院.docx`` (required)
* ``url``        the address of the original notice (http or https)
* ``name``       where it was published, e.g. ``青禾县人民政府网站``
* ``published``  the publish date, ``2024-03-12`` (also ``2024/3/12``, ``2024年3月12日``)

Given values win over what the parser read from the text (a site's publish date is the site's).
A manifest that cannot be read stops the ingest before anything is written, with the line and
the reason (:class:`ManifestError`).

    >>> Origin.given("https://www.qinghe.gov.cn/xxgk/2024/0312.html")
    Origin(url='https://www.qinghe.gov.cn/xxgk/2024/0312.html', name=None, published=None)
    >>> Origin.given(" 青禾县人民政府网站 ")
    Origin(url=None, name='青禾县人民政府网站', published=None)
    >>> iso_date("2024年3月2日"), iso_date("2024/03/12"), iso_date("2024-02-30")
    ('2024-03-02', '2024-03-12', None)
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from indexer.errors import ConfigError
from indexer.types import ParsedNotice

MANIFEST_NAMES = ("notices.csv", "notices.jsonl")
COLUMNS = ("file", "url", "name", "published")
MAX_URL_CHARS = 2000
MAX_NAME_CHARS = 200
_DATE = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*")


class ManifestError(ConfigError):
    """A manifest (notices.csv / notices.jsonl) that cannot be used; the message names the file and line."""


def iso_date(text: str) -> str | None:
    """``YYYY-MM-DD`` for a date written 2024-03-12, 2024/3/12, 2024.3.12 or 2024年3月12日; None otherwise."""
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def web_url(text: str) -> str | None:
    """The text when it is an absolute http(s) URL with a host (and no spaces), else None."""
    text = text.strip()
    if not text or len(text) > MAX_URL_CHARS or any(c.isspace() for c in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


@dataclass(frozen=True, slots=True)
class Origin:
    """What the user says about where a notice came from; every part optional."""

    url: str | None = None
    name: str | None = None
    published: str | None = None  # ISO date

    @classmethod
    def given(cls, text: str | None) -> Origin | None:
        """An upload's ``source`` field: a URL when it is one, else a name."""
        text = (text or "").strip()
        if not text:
            return None
        url = web_url(text)
        return cls(url=url) if url else cls(name=text[:MAX_NAME_CHARS])

    def __bool__(self) -> bool:
        return any((self.url, self.name, self.published))

    def over(self, other: Origin | None) -> Origin:
        """These values, with ``other``'s where these are missing."""
        if other is None:
            return self
        return Origin(self.url or other.url, self.name or other.name, self.published or other.published)


def apply_origin(notice: ParsedNotice, origin: Origin | None) -> None:
    """Put the given origin on a parsed notice (the canonical URL read from the file stays unless
    a URL is given)."""
    if not origin:
        return
    notice.source_url = origin.url or notice.source_url
    notice.source_name = origin.name or notice.source_name
    if origin.published:
        notice.meta.publish_date = origin.published


def keep_stored_origin(notice: ParsedNotice, stored: Mapping[str, object]) -> None:
    """Fill what the parsed notice does not say about its origin from its stored record (an
    update that names the source keeps the URL given before)."""
    notice.source_url = notice.source_url or _text(stored.get("source_url"))
    notice.source_name = notice.source_name or _text(stored.get("source_name"))
    notice.meta.publish_date = notice.meta.publish_date or _text(stored.get("publish_date"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def adds_origin(notice: ParsedNotice, stored: Mapping[str, object]) -> bool:
    """Whether the parsed notice says something about its origin (URL, name, publish date) that
    its stored record does not: a file without source details never erases stored ones."""
    given = {"source_url": notice.source_url, "source_name": notice.source_name,
             "publish_date": notice.meta.publish_date}
    return any(value and value != stored.get(key) for key, value in given.items())


# -- manifests ---------------------------------------------------------------------------------

def _origin(row: Mapping[str, object], where: str) -> tuple[str, Origin]:
    unknown = set(row) - set(COLUMNS)
    if unknown:
        raise ManifestError(f"{where}: unknown column(s) {', '.join(sorted(map(str, unknown)))} "
                            f"(expected: {', '.join(COLUMNS)})")
    values = {k: str(v).strip() if v is not None else "" for k, v in row.items()}
    name = values.get("file", "")
    if not name:
        raise ManifestError(f"{where}: no file name (column 'file')")
    key = PurePosixPath(name.replace("\\", "/")).as_posix()
    if key.startswith("../") or key.startswith("/") or "/../" in key:
        raise ManifestError(f"{where}: file {name!r} is outside the manifest's folder")
    url = values.get("url", "")
    if url and web_url(url) is None:
        raise ManifestError(f"{where}: url {url!r} is not an http(s) address")
    published = values.get("published", "")
    if published and iso_date(published) is None:
        raise ManifestError(f"{where}: published {published!r} is not a date (e.g. 2024-03-12)")
    return key, Origin(url or None, values.get("name", "")[:MAX_NAME_CHARS] or None,
                       iso_date(published) if published else None)


def _rows(path: Path) -> Iterable[tuple[str, Mapping[str, object]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if path.suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        for row in reader:
            if None in row:
                raise ManifestError(f"{path} line {reader.line_num}: more values than columns")
            yield f"{path} line {reader.line_num}", row
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path} line {n}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ManifestError(f"{path} line {n}: expected a JSON object")
        yield f"{path} line {n}", row


def read_manifest(folder: Path) -> dict[str, Origin]:
    """The origins a folder's manifests give, keyed by file path relative to the folder (posix)."""
    origins: dict[str, Origin] = {}
    for name in MANIFEST_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        for where, row in _rows(path):
            key, origin = _origin(row, where)
            if key in origins:
                raise ManifestError(f"{where}: file {key!r} is listed twice")
            origins[key] = origin
    return origins


class Manifests:
    """Finds the origin of a file in the manifests of its folder and of the folders above it, up
    to the folder the ingest was given. Each folder's manifests are read once."""

    def __init__(self, roots: Iterable[str | Path] = ()) -> None:
        self.roots = [Path(os.path.abspath(r)) for r in roots]
        self._cache: dict[Path, dict[str, Origin]] = {}

    def _folder(self, folder: Path) -> dict[str, Origin]:
        if folder not in self._cache:
            self._cache[folder] = read_manifest(folder)
        return self._cache[folder]

    def origin_for(self, path: str | Path) -> Origin | None:
        path = Path(os.path.abspath(path))
        folder = path.parent
        while True:
            found = self._folder(folder).get(path.relative_to(folder).as_posix())
            if found is not None:
                return found
            if not any(folder != root and folder.is_relative_to(root) for root in self.roots):
                return None
            folder = folder.parent

