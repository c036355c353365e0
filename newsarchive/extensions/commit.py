"""The one place a run is finished: feeds, then manifest, then crawl state.

A run is finished when its folder has a ``manifest.json``; a record is archived (the crawl state
skips it next time) when the state says so. Both must agree, so at ``engine_stopped``, in this
order, each step only when the one before succeeded:

1. every feed stored: Scrapy has closed the feeds (fsync'd, renamed by ``AtomicFileFeedStorage``)
   and ``CheckedFeedExporter`` saw no export or storage error; and the raw capture's WARC files
   written whole, fsync'd and renamed (``newsarchive.capture``, at ``spider_closed``);
2. the manifest prepared: ``manifest.json.part`` written and fsync'd;
3. the crawl state committed: the run's writes and its run id, one transaction (the commit point);
4. the manifest published: renamed to ``manifest.json``, the folder fsync'd.

A crash before 3 leaves the state as it was and no finished run (the next run redoes the work);
a crash between 3 and 4 is finished by the next crawl, which publishes a prepared manifest whose
run id the state holds (``CrawlStateExtension.recover``). Any error (a full disk in a feed, the
manifest or the state) makes the run failed: nothing is committed, no manifest, an ``error:``
line, the stat ``newsarchive/run_failed``, and ``scrapy crawl`` exits 1 (``newsarchive.commands``).
So does a spider whose start requests failed (Scrapy's finish reason ``start_error``).
A crawl stopped before ``engine_stopped`` (Scrapy's forced shutdown: Ctrl-C or SIGTERM twice)
never ends the run (``ENDED_STAT``): ``scrapy crawl`` says so and exits 1 too.

It also holds the output folder's lock for the whole crawl, state or not: a second crawl on the
same ``OUTPUT_DIR`` fails at once (``StateLocked``: exit code 3 from ``scrapy crawl``). Steps
are announced with the ``commit_step`` signal (``step=<name>``), which the fault-injection
tests use.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from newsarchive.args import ArgumentError
from newsarchive.capture.middleware import capture_failed
from newsarchive.extensions.feeds import feed_exporter
from newsarchive.extensions.manifest import RunManifest, publish
from newsarchive.extensions.state import CrawlStateExtension
from newsarchive.lockfile import FolderLock, FolderLocked
from newsarchive.middlewares.extract import UNAVAILABLE_STAT
from newsarchive.run_context import run_context
from newsarchive.state.base import StateLocked

logger = logging.getLogger(__name__)

commit_step = object()  # signal: commit_step(step=...)
LOCK_NAME = "crawl.lock"
EXIT_FAILED = 1
NO_FEED_EXPORTER = "no_feed_exporter"  # finish reason
START_ERROR = "start_error"  # Scrapy's finish reason when the spider's start() raised
ENDED_STAT = "newsarchive/run_ended"  # set once the run is finished or failed (never when killed)


class RunCommit:
    def __init__(self, crawler: Crawler, output_dir: Path) -> None:
        self.crawler = crawler
        self.output_dir = output_dir
        # the workers of a shared run (REDIS_URL) may share one output folder: a lock each
        context = run_context(crawler)
        worker_id = context.worker_id if context is not None else None
        self.lock = FolderLock(output_dir / (f"crawl-{worker_id}.lock" if worker_id else LOCK_NAME))
        try:
            self.lock.acquire(f"run {context.run_id if context is not None else 'unknown'}")
        except FolderLocked as error:
            # catchable in-process; ``scrapy crawl`` makes it one line and exit code 3
            raise StateLocked(f"another crawl is running on {output_dir}: {error}") from None
        except OSError as error:  # not a folder, not writable: a bad argument (exit code 2)
            raise ArgumentError(f"OUTPUT_DIR {output_dir}: cannot write there "
                                f"({error.strerror or error})") from None
        self.no_feed_exporter = False
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunCommit:
        return cls(crawler, Path(crawler.settings.get("OUTPUT_DIR", "output")).resolve())

    def step(self, name: str) -> None:
        logger.debug("commit step: %s", name)
        self.crawler.signals.send_catch_log(commit_step, step=name)

    def engine_started(self) -> None:
        """Without ``CheckedFeedExporter`` (switched off in ``EXTENSIONS``) no record would be
        written anywhere, nor marked archived: stop before fetching, and fail the run."""
        if feed_exporter(self.crawler) is not None or self.crawler.engine is None:
            return
        self.no_feed_exporter = True
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=NO_FEED_EXPORTER))

    def engine_stopped(self) -> None:
        state = self.crawler.get_extension(CrawlStateExtension)
        try:
            self.finish(state)
        finally:
            self.crawler.stats.set_value(ENDED_STAT, True)
            if state is not None:
                state.close()
            self.lock.release()

    def finish(self, state: CrawlStateExtension | None) -> None:
        feeds = feed_exporter(self.crawler)
        manifest = self.crawler.get_extension(RunManifest)
        self.step("feeds_stored")
        if self.no_feed_exporter:
            self.fail("the feed exporter (newsarchive.extensions.feeds.CheckedFeedExporter) is "
                      "switched off in EXTENSIONS: no record would be written")
            return
        if feeds is not None and feeds.failures:
            self.fail(f"{len(feeds.failures)} feed error(s), first: {feeds.failures[0]}")
            return
        if self.crawler.stats.get_value("finish_reason") == START_ERROR:
            # Scrapy logs the spider's error and closes it "finished" otherwise: its start
            # requests (the day pages, the blog's feed) were never all made
            self.fail("the spider failed while making its start requests (the error is above)")
            return
        unavailable = self.crawler.stats.get_value(UNAVAILABLE_STAT)
        if unavailable:  # every page was dropped: none may be taken as settled
            self.fail(f"the extraction workers cannot import the extraction: {unavailable}")
            return
        capture = capture_failed(self.crawler)  # the WARC files are closed (spider_closed)
        if capture:
            self.fail(f"WARC capture failed: {capture}")
            return
        part: Path | None = None
        try:
            part = manifest.prepare() if manifest is not None else None
            self.step("manifest_prepared")
            run_id = manifest.run_id if manifest is not None else None
            if state is not None and run_id is not None:
                state.commit(run_id)
            self.step("state_committed")
        except (OSError, sqlite3.Error) as error:
            if part is not None:
                part.unlink(missing_ok=True)
            self.fail(f"could not write the run's manifest or crawl state: {error!r}")
            return
        if part is not None:
            try:
                publish(part)
            except OSError as error:  # the state holds the run: the next crawl publishes it
                self.fail(f"could not publish {part}: {error!r} (the next crawl will)",
                          committed=True)
                return
            if manifest is not None:
                manifest.published(part)  # a shared run's last worker: the run's manifest
        self.step("finished")

    def fail(self, message: str, committed: bool = False) -> None:
        self.crawler.stats.set_value("newsarchive/run_failed", message)
        outcome = "state committed" if committed else "nothing marked archived"
        logger.error("run failed (%s): %s", outcome, message)
        sys.stderr.write(f"error: run failed, {outcome}: {message}\n")
        sys.stderr.flush()
