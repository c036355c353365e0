"""Progress of a crawl, phase by phase, every ``NEWSARCHIVE_PROGRESS_INTERVAL`` seconds, and one
summary line when it ends (every ``scrapy crawl``, not only the demo).

Scrapy's own ``LogStats`` counts items, and the events spider emits none while it reads event
pages (each event waits for its sources, see ``spiders/settling.py``): its "scraped 0 items" says
nothing for the first half of a run. These lines read the crawler's stats instead:

    progress [events]: 4 day indexes, 6 event pages read, 6 events waiting for their sources
    progress [sources]: 9 queued, 5 fetched, 1 dead, 0 skipped, 1 invalid
    progress [records]: 5 articles extracted (4 written), 6 comments (6 written), 0 events written
    summary: run 20261206T…: finished; written: 6 events, 9 articles, 6 comments; dropped 1 (...);
      duplicates 0; skipped 0; 24 pages fetched; run folder /…/runs/20261206T…

Settings: ``NEWSARCHIVE_PROGRESS_INTERVAL`` (seconds; 0 = no progress lines, the summary stays).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import create_looping_call

from newsarchive.addon import run_dir
from newsarchive.contract import RECORD_TYPES
from newsarchive.drops import dropped_counts
from newsarchive.run_context import run_context

logger = logging.getLogger(__name__)


def _group(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key[len(prefix):]: int(value) for key, value in sorted(stats.items())
            if key.startswith(prefix)}


def _counted(name: str, parts: dict[str, int], total: bool = True) -> str:
    """``dropped 2 (http_404 1, invalid_url 1)``; without a total where the parts overlap."""
    detail = ", ".join(f"{part} {count}" for part, count in parts.items())
    head = f"{name} {sum(parts.values())}" if total else name
    return head + (f" ({detail})" if detail else ("" if total else " 0"))


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.written: Counter[str] = Counter()  # records that reached the feeds, per type
        self.reached: Counter[str] = Counter()  # records that reached the pipelines, per type
        self.task: Any = None
        self.spider: Spider | None = None
        self.reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        extension = cls(crawler, crawler.settings.getfloat("NEWSARCHIVE_PROGRESS_INTERVAL", 30))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.spider = spider
        if self.interval > 0:
            self.task = create_looping_call(self.log_progress)
            self.task.start(self.interval, now=False)

    def item_scraped(self, item: Any, spider: Spider) -> None:
        kind = getattr(item, "type", type(item).__name__.lower())
        self.written[kind] += 1
        self.reached[kind] += 1

    def item_dropped(self, item: Any, spider: Spider, exception: BaseException) -> None:
        self.reached[getattr(item, "type", type(item).__name__.lower())] += 1

    def progress_lines(self) -> list[str]:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        lines = []
        pages = _group(stats, "newsarchive/pages/")
        tracker = getattr(self.spider, "tracker", None)
        if pages or tracker is not None:
            waiting = tracker.waiting_events if tracker is not None else 0
            portal = f"{pages['portal_day']} portal days, " if pages.get("portal_day") else ""
            lines.append(f"progress [events]: {portal}{pages.get('day_index', 0)} day indexes, "
                         f"{pages.get('event', 0)} event pages read, "
                         f"{waiting} events waiting for their sources")
        sources = _group(stats, "newsarchive/sources/")
        if sources or tracker is not None:
            invalid = stats.get("newsarchive/dropped/invalid_url", 0)
            lines.append(f"progress [sources]: {sources.get('queued', 0)} queued, "
                         f"{sources.get('ok', 0)} fetched, {sources.get('dead', 0)} dead, "
                         f"{sources.get('skipped', 0)} skipped, {invalid} invalid")
        posts = _group(stats, "newsarchive/discovery/")
        if posts:
            lines.append(f"progress [posts]: {sum(posts.values())} found ("
                         + ", ".join(f"{n} by {method}" for method, n in posts.items()) + ")")
        lines.append(
            f"progress [records]: {self.reached['article']} articles extracted "
            f"({self.written['article']} written), {self.reached['comment']} comments "
            f"({self.written['comment']} written), {self.written['event']} events written; "
            f"{stats.get('response_received_count', 0)} pages fetched, "
            f"{sum(dropped_counts(stats).values())} dropped")
        return lines

    def log_progress(self) -> None:
        for line in self.progress_lines():
            logger.info(line)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.reason = reason
        if self.task is not None and self.task.running:
            self.task.stop()
            self.log_progress()  # the final figures of each phase

    def summary_line(self) -> str:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        context = run_context(self.crawler)
        run_id = context.run_id if context is not None else None
        written = ", ".join(f"{self.written[kind]} {kind}s" for kind in RECORD_TYPES)
        folder = (run_dir(self.crawler.settings.get("OUTPUT_DIR", "output"), run_id)
                  if run_id else None)
        return (f"summary: run {run_id}: {self.reason}; written: {written}; "
                f"{_counted('dropped', dropped_counts(stats))}; "
                f"{_counted('duplicates', _group(stats, 'newsarchive/duplicates/'))}; "
                # "unchanged" also counts per type as "unchanged_<type>": no total
                f"{_counted('skipped', _group(stats, 'newsarchive/skipped/'), total=False)}; "
                f"{stats.get('response_received_count', 0)} pages fetched; run folder {folder}")

    def engine_stopped(self) -> None:
        if self.spider is not None:
            logger.info(self.summary_line())
