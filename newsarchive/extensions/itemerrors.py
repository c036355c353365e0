"""An exception in an item pipeline is a counted drop, not a silent loss.

Scrapy logs the traceback (``item_error``) and the item is gone; here it is also counted as
``newsarchive/dropped/pipeline_error`` with the record and the exception in the log line. What
the record's earlier stages wrote to the crawl state is never applied (``newsarchive.state.run``:
only records a feed holds are), and the events spider settles the source with that reason.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from newsarchive.drops import count_drop

PIPELINE_ERROR = "pipeline_error"


class CountItemErrors:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CountItemErrors:
        extension = cls(crawler)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        return extension

    def item_error(self, item: Any, failure: Failure) -> None:
        what = getattr(item, "url", None) or getattr(item, "id", None) or type(item).__name__
        count_drop(self.crawler.stats, PIPELINE_ERROR, str(what),
                   f"{type(failure.value).__name__}: {failure.value}")
