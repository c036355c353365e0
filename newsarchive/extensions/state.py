"""Opens the crawl state for a run, holds its lock, and commits it when the run's output is done.

The state lives in ``OUTPUT_DIR/state/state.sqlite``; one output folder has one state and one
crawl at a time: a second ``scrapy crawl`` on the same folder exits at once (exit code 3) with
a message naming the lock. The run's writes are committed at ``engine_stopped``, after the feed
files got their final names; a killed run commits nothing (see ``newsarchive.state.run``).

Settings: ``NEWSARCHIVE_STATE_ENABLED``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsarchive.addon import FEED_FILES, feeds_for, run_dir
from newsarchive.state.base import StateLocked
from newsarchive.state.run import RunState
from newsarchive.state.sqlite import SQLiteState

logger = logging.getLogger(__name__)
EXIT_LOCKED = 3


def state_path(output_dir: str | Path) -> Path:
    return Path(output_dir).resolve() / "state" / "state.sqlite"


class CrawlStateExtension:
    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self.store = SQLiteState(path)
        try:
            # the lock file names the holder (the acquire adds its pid) for the message below
            self.store.acquire(f"run {getattr(crawler.spider, 'run_id', 'unknown')}")
        except StateLocked as error:
            self.store.close()
            sys.stderr.write(f"error: another crawl is running on {path.parent.parent}: {error}\n")
            sys.stderr.flush()
            raise SystemExit(EXIT_LOCKED) from None
        self.run = RunState(self.store)
        self.finish_reason: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStateExtension:
        if not crawler.settings.getbool("NEWSARCHIVE_STATE_ENABLED"):
            raise NotConfigured
        return cls(crawler, state_path(crawler.settings.get("OUTPUT_DIR", "output")))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.finish_reason = reason
        self.run_id = getattr(spider, "run_id", None)

    def engine_stopped(self) -> None:
        try:
            if self._feeds_complete():
                self.run.commit()
                logger.info("crawl state committed to %s", self.path)
            else:
                logger.error("feed files incomplete: crawl state NOT committed (%s)", self.path)
        finally:
            self.store.close()

    def _feeds_complete(self) -> bool:
        """True when this run's feed files have their final names (a crawl that could not
        store its feeds must not mark their records as archived)."""
        output_dir = self.crawler.settings.get("OUTPUT_DIR", "output")
        run_id = getattr(self, "run_id", None)
        if run_id is None or set(self.crawler.settings.getdict("FEEDS")) != set(feeds_for(output_dir)):
            return True  # custom FEEDS: Scrapy itself reports their storage failures
        folder = run_dir(output_dir, run_id)
        return all((folder / f"{name}.jsonl").exists() for name in FEED_FILES)


def run_state(crawler: Crawler) -> RunState | None:
    """The run's state, or None when state is switched off."""
    extension = crawler.get_extension(CrawlStateExtension)
    return extension.run if extension is not None else None
