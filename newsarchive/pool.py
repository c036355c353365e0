"""Running extraction off the reactor thread: a bounded process pool (pebble), or inline.

Downloads are I/O on the Twisted reactor; extraction is CPU. In the reactor thread it would
stall every download, so it runs in worker processes. pebble (rather than
``concurrent.futures``) because it kills a worker that overruns its timeout and replaces a worker
that crashed, where ``ProcessPoolExecutor`` would hang or break the whole pool.

The pool is bounded: at most ``2 × size`` pages are in flight. A caller awaiting ``run`` while the
pool is full keeps its response in Scrapy's scraper slot, so the engine stops taking in new
responses (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) instead of piling pages up in memory.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")


class ExtractionFailed(Exception):
    """A page could not be extracted: the worker crashed or ran out of time. ``reason`` says which."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def default_pool_size() -> int:
    return os.cpu_count() or 1


def _warm_up() -> None:
    """Import the extraction stack once per worker, not on its first page."""
    import newsarchive.extraction  # noqa: F401


class InlineRunner:
    """Runs the function in the calling thread: pool size 0, for debugging and profiling."""

    size = 0

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        try:
            return func(*args)
        except Exception as error:  # a bug on one page must not stop the crawl
            raise ExtractionFailed("extraction_error", f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        pass


class PoolRunner:
    def __init__(self, size: int, timeout: float | None, max_tasks: int = 0) -> None:
        self.size = size
        self.timeout = timeout
        # forkserver: never fork the crawl process itself, which runs a reactor and threads.
        # Workers fork from a server that already imported the extraction stack, so they start
        # fast. (Warming it up there too, to share jusText's and dateparser's ~60 MB of data
        # copy-on-write, measured worse: refcounting dirties the pages, and the server keeps its
        # own copy. benchmarks/crawl.py)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["newsarchive.extraction"])
        # max_tasks: a worker is replaced after that many pages, which returns the memory that
        # lxml/trafilatura/dateparser caches and heap fragmentation accumulate (0 = never).
        self._pool = ProcessPool(max_workers=size, max_tasks=max_tasks, context=context,
                                 initializer=_warm_up)
        self._slots = asyncio.Semaphore(2 * size)

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        async with self._slots:
            future = self._pool.schedule(func, args=args, timeout=self.timeout)
            try:
                return await asyncio.wrap_future(future)
            except FutureTimeout:
                raise ExtractionFailed("extraction_timeout", f"over {self.timeout}s") from None
            except ProcessExpired as error:
                raise ExtractionFailed("extraction_crash", f"worker died ({error})") from None
            except Exception as error:
                raise ExtractionFailed(
                    "extraction_error", f"{type(error).__name__}: {error}"
                ) from error

    def close(self) -> None:
        self._pool.close()
        self._pool.join(timeout=30)


def make_runner(
    size: int | None, timeout: float | None, max_tasks: int = 0
) -> InlineRunner | PoolRunner:
    size = default_pool_size() if size is None else size
    if size <= 0:
        return InlineRunner()
    return PoolRunner(size, timeout, max_tasks)
