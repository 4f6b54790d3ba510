"""What of a stored document people may see: no index-only fields, no folder of this server.

Shared by every response that shows documents (search hits, families, exports, the page).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from indexer.sources import web_url

_INTERNAL_SUFFIXES = ("_tokens",)
_INTERNAL_KEYS = frozenset({"vector", "original_text"})


def public(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A stored document without what only the index needs (token fields, vectors), and with its
    ``source`` as people may see it (:func:`file_source`)."""
    out = {k: v for k, v in doc.items() if k not in _INTERNAL_KEYS and not k.endswith(_INTERNAL_SUFFIXES)}
    if "source" in out:
        out["source"] = file_source(out["source"])
    return out


def file_source(source: str | None) -> str | None:
    """A stored source as people may see it: a URL as it is, a file by its name only — never a
    folder of this server (uploads live in temporary folders, ingests anywhere).

    >>> file_source("/tmp/xuncha-upload-1/001/关于巡察整改的通报.docx"), file_source("https://a.example/n/1.html")
    ('关于巡察整改的通报.docx', 'https://a.example/n/1.html')
    """
    if not source or web_url(source):
        return source
    return PurePosixPath(source.replace("\\", "/")).name or None


def shown_source(doc: Mapping[str, Any]) -> str | None:
    """Where a notice came from, for a person: the original's URL, else the name given with it,
    else the file's name."""
    return web_url(str(doc.get("source_url") or "")) or doc.get("source_name") or file_source(doc.get("source"))
