"""What benchmarks read of a server process from /proc: its CPU time and its memory."""

from __future__ import annotations

import os
import subprocess
import sys

from search_api.server_process import cpu_seconds, memory_mib


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
