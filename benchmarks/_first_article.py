"""Time to the first archived article: the moment a measured run has its first article extracted.

The measured process (crawl or extraction alone) writes the wall-clock time of its first
extracted article to the file named by ``NEWSARCHIVE_BENCH_FIRST_ARTICLE``, once; the benchmark
subtracts the time it launched the process. In a crawl that is the first article record
scraped (``item_scraped``: extracted and through the pipelines), by ``FirstArticle``, an
extension the benchmark adds to the crawl's ``EXTENSIONS``.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

ENV = "NEWSARCHIVE_BENCH_FIRST_ARTICLE"


def mark() -> None:
    """Record now as the first article's time, unless one was recorded already."""
    path = os.environ.get(ENV)
    if not path:
        return
    with contextlib.suppress(FileExistsError), open(path, "x", encoding="utf-8") as handle:
        handle.write(repr(time.time()))


def read(path: str, launched: float) -> float | None:
    """Seconds from ``launched`` to the recorded first article, None if none was recorded."""
    try:
        with open(path, encoding="utf-8") as handle:
            return float(handle.read()) - launched
    except (OSError, ValueError):
        return None


class FirstArticle:
    """Marks the first article record scraped in the crawl."""

    def __init__(self) -> None:
        self.done = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> FirstArticle:
        from scrapy import signals

        extension = cls()
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item: Any) -> None:
        from newsarchive.items import Article

        if not self.done and isinstance(item, Article) and item.word_count:
            self.done = True
            mark()
