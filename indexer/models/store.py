"""Build a model folder once: under a lock, into a temporary folder, renamed into place.

A folder counts as built when its marker file (``xuncha_model.json``) is there with the expected
``build`` value; a half-written folder never has it, because the marker is written last and the
folder appears under its final name only by an atomic rename.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MARKER = "xuncha_model.json"


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``: serialises builders across processes and threads
    (each holder opens its own descriptor, and flock locks per open file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_built(dest: Path, build: Callable[[Path], dict[str, Any]], *, build_id: str) -> dict[str, Any]:
    """The marker of ``dest``, building the folder first if it is missing or from another ``build_id``.

    ``build(tmp)`` fills an empty folder and returns what to record in the marker."""
    marker = read_marker(dest)
    if marker and marker.get("build") == build_id:
        return marker
    with file_lock(dest.parent / f".{dest.name}.lock"):
        marker = read_marker(dest)  # another process may have built it while we waited
        if marker and marker.get("build") == build_id:
            return marker
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            marker = {"build": build_id, **build(tmp)}
            (tmp / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=2), encoding="utf-8")
            _make_readable(tmp)
            if dest.exists():  # stale build: move it aside first, so dest is never half old, half new
                old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
                os.rename(dest, old / dest.name)
                shutil.rmtree(old, ignore_errors=True)
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return marker


def _make_readable(folder: Path) -> None:
    # mkdtemp (and some writers) create owner-only modes; the data dir is shared with the API process.
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
