"""Starts the extraction pool's fork server as soon as the crawler is configured.

The pool itself is made with the extraction middleware, when the engine opens; the fork server
behind it takes ~2 s to load and warm up the extraction stack (``newsarchive.preload``), and no
page is extracted before it is done. Extensions are made first (measured: 0.3 s before the
middlewares), so from here the warm-up overlaps more of Scrapy's start.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newsarchive.pool import configured_pool_size, start_fork_server


class StartExtractionWorkers:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StartExtractionWorkers:
        if configured_pool_size(crawler.settings) <= 0:
            raise NotConfigured("NEWSARCHIVE_EXTRACT_POOL_SIZE is 0: extraction runs inline")
        start_fork_server()
        return cls()
