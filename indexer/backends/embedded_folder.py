"""The embedded backend's data folder: the ``CURRENT`` pointer, generation names and the writer lock.

    CURRENT                 name of the live generation, e.g. "gen-000001" (replaced atomically)
    writer.lock             flock()ed by the one process allowed to write; holds its pid
    gen-000001/             one generation (see embedded_generation.py)
        .building           present only while the generation is being filled
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from pathlib import Path

from indexer.errors import DiskFull, WriterBusy

CURRENT = "CURRENT"
LOCK = "writer.lock"
BUILDING = ".building"
GENERATION_PREFIX = "gen-"


def write_atomically(path: Path, text: str) -> None:
    """Write a small file so that readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def folder_is_read_only(path: Path) -> bool:
    """Whether ``path`` (an existing folder) cannot be written: a read-only mount, or no write
    permission for this user. Probed without writing. False for a folder that does not exist yet."""
    try:
        read_only_mount = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
    return read_only_mount or not os.access(path, os.W_OK)


def free_mb(path: Path) -> float:
    """Space left on the device that holds ``path``, in MB (0 if it cannot be told)."""
    try:
        return shutil.disk_usage(path).free / 2**20
    except OSError:
        return 0.0


def no_space(path: Path, needed_bytes: int, doing: str, *, written: list[str] | None = None) -> DiskFull:
    """The error for a write that ran out of space: what failed, about how much more it needed."""
    needed = max(1, -(-needed_bytes // 2**20))  # whole MB, rounded up
    return DiskFull(f"no space left on device (needed ~{needed} MB, {free_mb(path):.1f} MB free on the device "
                    f"of {path}) while {doing}: free some space, then rerun (what was stored is kept)",
                    needed_mb=needed, written=written)


class DataFolder:
    """Names and pointers of one data folder; remembers the ``CURRENT`` file it last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._current_stat: tuple[int, int] | None = None

    def read_current(self) -> str | None:
        """The live generation's name, or None in a new folder."""
        path = self.path / CURRENT
        try:
            stat = path.stat()
            name = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        self._current_stat = (stat.st_ino, stat.st_mtime_ns)
        return name or None

    def current_moved(self) -> bool:
        """Whether ``CURRENT`` was replaced since it was last read (one stat())."""
        try:
            stat = (self.path / CURRENT).stat()
        except FileNotFoundError:
            return False
        return (stat.st_ino, stat.st_mtime_ns) != self._current_stat

    def set_current(self, name: str) -> None:
        write_atomically(self.path / CURRENT, name + "\n")
        self.read_current()

    def next_generation_name(self) -> str:
        numbers = [int(p.name[len(GENERATION_PREFIX):]) for p in self.path.glob(f"{GENERATION_PREFIX}*")
                   if p.name[len(GENERATION_PREFIX):].isdigit()]
        return f"{GENERATION_PREFIX}{max(numbers, default=0) + 1:06d}"

    def new_generation_path(self, name: str) -> Path:
        """An empty folder for a generation, marked as being built."""
        path = self.path / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        (path / BUILDING).touch()
        return path

    def remove_unfinished(self) -> None:
        """Delete generations a crashed rebuild left half-built (they carry a .building marker)."""
        current = self.read_current()
        for path in self.path.glob(f"{GENERATION_PREFIX}*"):
            if path.name != current and (path / BUILDING).exists():
                shutil.rmtree(path, ignore_errors=True)


class WriterLock:
    """flock() on ``writer.lock``: one writing process per data folder (readers take no lock)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self, timeout: float) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds; False if another holder kept it."""
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def acquire(self, timeout: float) -> None:
        """Take the lock or raise WriterBusy naming the holder."""
        if not self.try_acquire(timeout):
            raise self.busy()

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def busy(self) -> WriterBusy:
        try:
            holder = self.path.read_text().strip() or "?"
        except OSError:
            holder = "?"
        return WriterBusy(
            f"another process (pid {holder}) is writing to the index in {self.path.parent} (lock {self.path}); "
            "only one writer at a time: wait for it to finish or stop it (searching needs no lock)",
            holder=holder, lock=str(self.path))
