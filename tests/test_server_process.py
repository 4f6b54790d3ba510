"""What benchmarks read of a server process from /proc: its CPU time and its memory."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from search_api.server_process import cpu_seconds, descendants, memory_mib


def test_memory_grows_with_what_the_process_holds():
    child = subprocess.Popen([sys.executable, "-c", "import sys; b = bytearray(64 << 20); b[::4096] = b'x' * len(b[::4096]); "
                              "sys.stdout.write('ok\\n'); sys.stdout.flush(); sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ok\n"
        memory = memory_mib(child.pid)
        assert memory is not None and 64 <= memory["rss"] <= memory["peak"]
        assert memory["anon"] >= 64 and abs(memory["anon"] + memory["file"] - memory["rss"]) <= 16  # + shmem
    finally:
        child.communicate("")


def test_a_process_that_is_gone_has_no_figures():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert memory_mib(child.pid) is None and cpu_seconds(child.pid) is None


def test_cpu_time_is_counted_for_this_process():
    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))
    after = cpu_seconds(os.getpid())
    assert before is not None and after is not None and after >= before


ARENAS_CHILD = """
import ctypes, sys, threading
from search_api.__main__ import tune_malloc
print(tune_malloc(2) if sys.argv[1] == "limit" else "-", flush=True)

together = threading.Barrier(6)

def work():
    blocks = [bytearray(20000) for _ in range(50)]  # malloc'd (not Python's small-object allocator)
    together.wait()  # all alive at once: a thread that ended would hand its arena to the next
    del blocks

threads = [threading.Thread(target=work) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()  # one "Arena n:" section per arena, on stderr
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
def test_the_server_caps_malloc_arenas_unless_told_how_many():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}

    def arenas(*args: str, **extra: str) -> tuple[str, int]:
        done = subprocess.run([sys.executable, "-c", ARENAS_CHILD, *args], env={**env, **extra},
                              capture_output=True, text=True, timeout=60, check=True)
        return done.stdout.strip(), sum(line.startswith("Arena ") for line in done.stderr.splitlines())

    assert arenas("limit") == ("True", 2)
    _, free = arenas("none")
    assert free > 2  # each new thread that allocates gets an arena of its own
    assert arenas("limit", MALLOC_ARENA_MAX="3") == ("False", 3)  # the environment's word stands


def test_cpu_time_of_a_process_counts_its_children_when_asked():
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', "
                               "'import time\\nend = time.process_time() + 0.5\\nwhile time.process_time() < end: pass\\n"
                               "print(1, flush=True)\\ninput()'], stdin=sys.stdin)"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None and parent.stdout.readline() == "1\n"  # the child has burnt 0.5 s
        own, together = cpu_seconds(parent.pid), cpu_seconds(parent.pid, with_children=True)
        assert own is not None and together is not None and together >= own + 0.4
        assert len(descendants(parent.pid)) == 1
    finally:
        parent.communicate("\n")


THRESHOLD_CHILD = """
import ctypes, sys
from search_api.__main__ import tune_malloc
if sys.argv[1] == "limit":
    tune_malloc(2)

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
big = bytearray(24 << 20)  # mapped by itself; freeing it raises glibc's own threshold to its size
del big
size = int(sys.argv[2]) << 20
before = libc.mallinfo2().hblkhd
block = bytearray(size)
print(libc.mallinfo2().hblkhd - before >= size, flush=True)  # the block has a mapping of its own
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the mapping threshold is glibc's")
def test_the_server_keeps_large_blocks_mapped_so_that_freeing_them_gives_memory_back():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}

    def mapped(*args: str, **extra: str) -> str:
        return subprocess.run([sys.executable, "-c", THRESHOLD_CHILD, *args], env={**env, **extra},
                              capture_output=True, text=True, timeout=60, check=True).stdout.strip()

    assert mapped("-", "8") == "False"  # glibc's moving threshold: the block came from the heap
    assert mapped("limit", "8") == "True"
    # a search's own arrays (~1 MiB at 100k issues) come from the heap, not a mapping faulted in page by page
    assert mapped("limit", "1") == "False"
    assert mapped("limit", "8", MALLOC_MMAP_THRESHOLD_="33554432") == "False"  # the environment says otherwise
    assert mapped("limit", "8", MALLOC_ARENA_MAX="3") == "True"  # the arenas' own word leaves the threshold fixed
