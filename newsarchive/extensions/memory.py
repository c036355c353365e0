"""Hands the crawl process's freed heap memory back to the OS every few seconds.

Pages pass through the crawl process as large short-lived strings (bodies, decoded text, the
pickles sent to the extraction pool) and lxml trees (day and event pages); glibc keeps what they
freed, so the process's memory would settle at its fragmented high-water mark. Setting:
``NEWSARCHIVE_RELEASE_MEMORY_INTERVAL`` (seconds; 0 = off). It also limits the process to
``CRAWL_MALLOC_ARENAS`` glibc arenas, before the crawl's threads start (``limit_malloc_arenas``).
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from newsarchive.memory import limit_malloc_arenas, release_free_memory


class ReleaseFreeMemory:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._loop = task.LoopingCall(release_free_memory)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReleaseFreeMemory:
        interval = crawler.settings.getfloat("NEWSARCHIVE_RELEASE_MEMORY_INTERVAL")
        if interval <= 0 or not release_free_memory():
            raise NotConfigured("NEWSARCHIVE_RELEASE_MEMORY_INTERVAL is 0, or no malloc_trim here")
        limit_malloc_arenas()
        extension = cls(interval)
        crawler.signals.connect(extension.start, signal=signals.engine_started)
        crawler.signals.connect(extension.stop, signal=signals.engine_stopped)
        return extension

    def start(self) -> None:
        self._loop.start(self.interval, now=False)

    def stop(self) -> None:
        if self._loop.running:
            self._loop.stop()
