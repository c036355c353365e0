"""Running extraction off the reactor thread: a bounded process pool (pebble), or inline.

Downloads are I/O on the Twisted reactor; extraction is CPU. In the reactor thread it would
stall every download, so it runs in worker processes. pebble (rather than
``concurrent.futures``) because it kills a worker that overruns its timeout and replaces a worker
that crashed, where ``ProcessPoolExecutor`` would hang or break the whole pool.

The pool is bounded: at most ``2 × size`` pages are in flight. A caller awaiting ``run`` while the
pool is full keeps its response in Scrapy's scraper slot, so the engine stops taking in new
responses (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) instead of piling pages up in memory.

A page whose worker died is tried once more on a new worker before it counts as a crash:
pebble can blame a death on the page the worker had just finished (see ``run``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import TYPE_CHECKING, Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from newsarchive.cpus import available_cpus
from newsarchive.worker import ExtractionUnavailable, run_task

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

log = logging.getLogger(__name__)

T = TypeVar("T")


# The reason of an ExtractionFailed that no page caused: the workers cannot import the extraction.
EXTRACTION_UNAVAILABLE = "extraction_unavailable"


class ExtractionFailed(Exception):
    """A page could not be extracted: the worker crashed or ran out of time. ``reason`` says which."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def default_pool_size() -> int:
    """The CPUs this process may use (affinity and cgroup quota, see ``newsarchive.cpus``)."""
    return available_cpus()


def configured_pool_size(settings: BaseSettings) -> int:
    """``NEWSARCHIVE_EXTRACT_POOL_SIZE``: unset or empty = the CPUs available, 0 = inline."""
    size = settings.get("NEWSARCHIVE_EXTRACT_POOL_SIZE")
    return default_pool_size() if size in (None, "") else int(size)


class InlineRunner:
    """Runs the function in the calling thread: pool size 0, for debugging and profiling."""

    size = 0
    restarts = 0
    retried_crashes = 0

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        try:
            return func(*args)
        except Exception as error:  # a bug on one page must not stop the crawl
            raise ExtractionFailed("extraction_error", f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        pass


class PoolRunner:
    def __init__(self, size: int, timeout: float | None, max_tasks: int = 0) -> None:
        if not timeout or timeout <= 0:
            # pebble can leave a page acknowledged on a worker that died (see ``run``); only
            # the page's timeout frees it, so without one such a crawl would never end.
            raise ValueError(
                "NEWSARCHIVE_EXTRACT_TIMEOUT must be > 0 with an extraction pool (no time limit "
                "is allowed inline only, NEWSARCHIVE_EXTRACT_POOL_SIZE=0)"
            )
        self.size = size
        self.timeout = timeout
        self.max_tasks = max_tasks
        self.restarts = 0  # pools replaced after pebble declared them broken
        self.retried_crashes = 0  # pages given a second worker after their first one died
        self._started: Future[None]  # set by _new_pool: done once its workers are forked
        self._pool = self._new_pool()
        self._slots = asyncio.Semaphore(2 * size)

    def _new_pool(self) -> ProcessPool:
        context = start_fork_server()
        # max_tasks: a worker is replaced after that many pages (0 = never).
        pool = ProcessPool(max_workers=self.size, max_tasks=self.max_tasks, context=context)
        self._started = _start_in_thread(pool)
        return pool

    async def run(self, func: str | Callable[..., T], *args: Any) -> T:
        """``func(*args)`` in a worker; ``func`` may be a dotted path, imported by the worker only."""
        async with self._slots:
            for attempt in (1, 2):
                try:
                    return await self._run_once(func, args)
                except BrokenProcessPool as error:
                    # A worker that died between pages (the OOM killer, say) leaves pebble's
                    # pool broken for good, and _run_once replaced it: retry this page once.
                    if attempt == 2:
                        raise ExtractionFailed("extraction_crash", f"pool broken twice ({error})") from None
                except ExtractionFailed as failure:
                    # pebble blames a worker's death on the page it has marked as running there,
                    # which can be the page the worker had just finished, its result not yet
                    # read: a page gets a second worker before it counts as a crash.
                    if failure.reason != "extraction_crash" or attempt == 2:
                        raise
                    self.retried_crashes += 1
        raise AssertionError("unreachable")

    async def _run_once(self, func: str | Callable[..., T], args: tuple[Any, ...]) -> T:
        pool = self._pool
        try:
            if not self._started.done():  # the first pages: wait off the reactor thread
                await asyncio.wrap_future(self._started)
            future = pool.schedule(run_task, args=(func, *args), timeout=self.timeout)
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            raise ExtractionFailed("extraction_timeout", f"over {self.timeout}s") from None
        except ProcessExpired as error:
            raise ExtractionFailed("extraction_crash", f"worker died ({error})") from None
        except ExtractionUnavailable as error:
            raise ExtractionFailed(EXTRACTION_UNAVAILABLE, str(error)) from None
        except Exception as error:
            if not pool.active:  # pebble's state, not the page's fault
                self._replace(pool, error)
                raise BrokenProcessPool(str(error)) from error
            raise ExtractionFailed(
                "extraction_error", f"{type(error).__name__}: {error}"
            ) from error

    def _replace(self, broken: ProcessPool, error: Exception) -> None:
        if self._pool is not broken:  # another page already replaced it
            return
        log.warning("extraction pool broken (%s: %s); starting a new one", type(error).__name__, error)
        self.restarts += 1
        broken.stop()
        self._pool = self._new_pool()

    def close(self) -> None:
        # A pool that never started has nothing to close; one still starting is waited for.
        with contextlib.suppress(Exception):
            self._started.result(timeout=30)
        self._pool.close()
        self._pool.join(timeout=30)


def start_fork_server() -> multiprocessing.context.ForkServerContext:
    """The context pools fork their workers from, its server started (once per process).

    forkserver: never fork the crawl process itself, which runs a reactor and threads. Workers
    fork from a server that has loaded and warmed up the extraction stack
    (``newsarchive.preload``), so they start at once and share its data copy-on-write. Started
    as early as possible (``newsarchive.extensions.workers``): the warm-up (~2 s of CPU) then
    overlaps the crawl's own start and its event pages.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["newsarchive.preload"])
    forkserver.ensure_running()
    return context


def _start_in_thread(pool: ProcessPool) -> Future[None]:
    """Start ``pool``'s workers in a thread; the future is done once they are forked.

    pebble forks its workers in the thread that schedules the first task, and with forkserver
    a fork waits until the server has warmed up (~2 s). On the reactor thread that stalled every
    download and event page of the crawl's first seconds (seen on a per-process CPU timeline:
    the crawl process at 0 CPU for a second while one core sat idle).
    """
    started: Future[None] = Future()

    def start() -> None:
        try:
            pool.active  # noqa: B018 - pebble's public property starts a pool not yet running
        except BaseException as error:  # handed to whoever waits
            started.set_exception(error)
        else:
            started.set_result(None)

    threading.Thread(target=start, name="extraction-pool-start", daemon=True).start()
    return started


def make_runner(
    size: int | None, timeout: float | None, max_tasks: int = 0
) -> InlineRunner | PoolRunner:
    size = default_pool_size() if size is None else size
    if size <= 0:
        return InlineRunner()
    return PoolRunner(size, timeout, max_tasks)
