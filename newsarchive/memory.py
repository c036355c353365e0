"""Giving freed heap memory back to the operating system.

An HTML page is parsed into many small C allocations (lxml/libxml2) and large strings; once they
are freed, glibc keeps the pages in its heap, and with pages of every size the heap fragments
and keeps growing. ``malloc_trim(0)`` hands every free page of the heap back (``MADV_DONTNEED``).
Each trim costs CPU, mostly in faulting the returned pages back in (and zeroing them) on the
next page, so a worker trims only when a page has left more free than one page's working set:
extracting a corpus page frees 25–37 MB (the lxml trees and strings of trafilatura's, jusText's
and the comment parser's passes). With a 16 MB threshold the workers trimmed after 40–90% of
their pages and gave that memory back only to fault it in again on the next page: 1,500 corpus
pages through a pool of 2 (``/proc`` probe of each worker): 0.4–1.6 s of system CPU a worker
against 0.2 s at 48 MB, and the whole crawl's CPU 73.1–79.6 s against 69.6–73.1 s. The price is
memory: ``benchmarks/crawl.py`` at 5,000 pages measured a peak PSS of 393 MB against 355 MB (at
1,250 pages 358 against 321). Above the working set, a trim only returns what fragmentation and
rare large pages leave behind. (Earlier, 400 pages on one worker: never trimming grew its
private memory by 20 MB, a 16 MB threshold by 15 MB, an 8 MB one by 5 MB for 1.3–1.8 ms of system
CPU a page.) No library offers this; it is one libc call.

2026-12-06: with the extraction ~15% cheaper, pages left 48 MB free far more often, and the
trims cost the 5,000-page crawl ~30 s of its 262 s of CPU (workers 221.7 s trimming after every
such page, 192.4 s never trimming; 35.0 against 40.6 pages/s; peak PSS 356 against 370 MB). So a
worker now trims at most every ``WORKER_TRIM_INTERVAL`` seconds (``HeapTrimmer``): what a burst
of large pages leaves is still handed back within seconds, for almost none of the faults.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time
from collections.abc import Callable
from functools import cache
from typing import Any

WORKER_TRIM_MIN_FREE = 48 * 1024 * 1024  # a worker trims once a page has left this much free
WORKER_TRIM_INTERVAL = 10.0  # ... and at most this often (seconds)
CRAWL_MALLOC_ARENAS = 2  # glibc malloc arenas in the crawl process (``limit_malloc_arenas``)
_M_ARENA_MAX = -8  # glibc's mallopt parameter number


class HeapTrimmer:
    """Trims the heap when it holds more than ``min_free`` free bytes, looking at most every
    ``interval`` seconds (a worker calls it after each page)."""

    def __init__(self, min_free: int = WORKER_TRIM_MIN_FREE,
                 interval: float = WORKER_TRIM_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.min_free = min_free
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def __call__(self) -> bool:
        """Whether it looked (and trimmed if the heap held more than ``min_free`` free)."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        release_free_memory(min_free=self.min_free)
        return True


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


@cache
def _glibc_function(name: str) -> Any:
    """A function of glibc's, or None (not Linux, musl...)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


@cache
def _libc() -> tuple[Callable[[int], int], Callable[[], _MallInfo2] | None] | None:
    """glibc's ``malloc_trim`` and ``mallinfo2`` (2.33+), or None (not Linux, musl...)."""
    trim = _glibc_function("malloc_trim")
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    info = _glibc_function("mallinfo2")
    if info is not None:
        info.restype = _MallInfo2
    return trim, info


def release_free_memory(min_free: int = 0) -> bool:
    """Return the heap's free pages to the OS, if it holds more than ``min_free`` free bytes.

    Trimming costs system time (and the pages fault in again when reused), so callers that run
    often pass a threshold: reading the heap's free total is cheap. False where libc cannot trim.
    """
    functions = _libc()
    if functions is None:
        return False
    trim, info = functions
    if min_free and info is not None and info().fordblks < min_free:
        return True
    trim(0)
    return True


def limit_malloc_arenas(arenas: int = CRAWL_MALLOC_ARENAS) -> bool:
    """At most ``arenas`` glibc malloc arenas in this process from now on; False where libc
    cannot be told (not glibc).

    glibc gives threads that allocate at the same time arenas of their own, up to 8 per core,
    each with its own free memory that ``malloc_trim`` cannot merge. The crawl process runs the
    reactor, the WARC writer, pebble's and Twisted's threads: at 5,000 pages its peak RSS grew
    from 139 to 153 MB over the crawl (1,250 → 5,000 pages) with glibc's default, from 136 to
    145 MB with 2 arenas, CPU unchanged (``benchmarks/crawl.py --pages 5000 --only "crawl, pool
    2"``, with and without ``MALLOC_ARENA_MAX=2``). The same as that environment variable, set
    from inside: a crawl started by any command gets it.
    """
    mallopt = _glibc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
