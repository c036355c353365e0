"""Heap trimming (``newsarchive.memory``), measured on a real process's resident memory.

Each case runs in a fresh interpreter: the test's own process has a heap shaped by everything
pytest loaded before it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive.memory import WORKER_TRIM_MIN_FREE, HeapTrimmer, _libc

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024

# Leaves ``free_mb`` of heap free in holes between live blocks (freed blocks at the top of the
# heap would be returned by glibc on its own), then calls release_free_memory(min_free).
SCRIPT = """
import json, os, sys
from newsarchive.memory import release_free_memory

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

free_mb, min_free = int(sys.argv[1]), int(sys.argv[2])
blocks = [bytes(4000) for _ in range(free_mb * 1024 * 1024 // 4000 * 8 // 7)]
kept = blocks[::8]  # one live block in eight: the heap cannot shrink from the top
del blocks
before = rss()
release_free_memory(min_free=min_free)
print(json.dumps({"before": before, "after": rss(), "kept": len(kept)}))
"""


def rss_drop_mb(free_mb: int, min_free: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(free_mb), str(min_free)],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
    )
    result = json.loads(done.stdout)
    return (result["before"] - result["after"]) / MB


@pytest.fixture(autouse=True)
def glibc_with_mallinfo2() -> None:
    functions = _libc()
    if functions is None:
        pytest.skip("no glibc malloc_trim on this platform: workers do not trim")
    if functions[1] is None:
        pytest.skip("glibc older than 2.33 (no mallinfo2): every call trims, no threshold")


def test_free_heap_above_the_threshold_goes_back_to_the_os() -> None:
    assert rss_drop_mb(free_mb=120, min_free=WORKER_TRIM_MIN_FREE) > 60


def test_one_pages_working_set_is_kept_for_the_next_page() -> None:
    # A corpus page leaves 25-37 MB free; trimming it would only fault it back in.
    for free_mb in (25, 37):
        assert rss_drop_mb(free_mb=free_mb, min_free=WORKER_TRIM_MIN_FREE) < 5, free_mb


def test_no_threshold_trims_whatever_is_free() -> None:
    assert rss_drop_mb(free_mb=30, min_free=0) > 15


def test_a_worker_looks_at_its_heap_at_most_once_per_interval() -> None:
    """Trimming after every page that left 48 MB free cost a 5,000-page crawl ~30 s of CPU in
    faults: a worker now looks at most every ``interval`` seconds."""
    now = [100.0]
    trimmer = HeapTrimmer(interval=10.0, clock=lambda: now[0])
    looked = []
    for step in (0.0, 1.0, 8.9, 0.2, 5.0, 4.9, 0.2):  # seconds between pages
        now[0] += step
        looked.append(trimmer())
    # the first page looks; the next look comes once 10 s have passed since the last one
    assert looked == [True, False, False, True, False, False, True]


ARENAS_SCRIPT = """
import ctypes, ctypes.util, os, sys, tempfile, threading
from newsarchive.memory import limit_malloc_arenas
if sys.argv[1] == "limit":
    assert limit_malloc_arenas(2)
held = []
together = threading.Barrier(6)  # all alive at once: an ended thread's arena is reused
def allocate():
    together.wait()
    held.append([bytearray(4096) for _ in range(200)])  # malloc'd in this thread's arena
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
path = os.path.join(tempfile.mkdtemp(), "info.xml")
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
print(open(path).read().count("<heap nr="))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_the_crawl_process_keeps_to_two_malloc_arenas() -> None:
    """Each thread that allocates gets a glibc arena of its own, up to 8 per core."""
    def arenas(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", ARENAS_SCRIPT, mode], capture_output=True,
                              text=True, check=True, timeout=60)
        return int(done.stdout)

    assert arenas("default") > 2
    assert arenas("limit") == 2
