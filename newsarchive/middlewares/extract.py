"""The extraction stage: article pages in, article and comment records out.

A spider middleware rather than an item pipeline because one page gives several records (the
article and each of its comments) and a pipeline maps one item to one item. It sits closest to
the spider, so every other middleware and all pipelines see finished records.

Settings: ``NEWSARCHIVE_EXTRACT_POOL_SIZE`` (worker processes; None = CPU count, 0 = inline),
``NEWSARCHIVE_EXTRACT_TIMEOUT`` (seconds per page before its worker is killed),
``NEWSARCHIVE_EXTRACT_MAX_TASKS`` (pages per worker before it is replaced; 0 = never),
``NEWSARCHIVE_EXTRACT_FUNCTION`` (dotted path of the function the workers run; it takes an
``Article`` carrying its HTML and the fetch time and returns an ``ArticleResult``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from newsarchive import settings as defaults
from newsarchive.drops import DROP_PREFIX, count_drop
from newsarchive.items import Article, ArticleResult
from newsarchive.pool import (
    EXTRACTION_UNAVAILABLE,
    ExtractionFailed,
    configured_pool_size,
    make_runner,
)
from newsarchive.worker import check_function_path, named_function

logger = logging.getLogger(__name__)
# Set (to the error) once the workers cannot import the extraction: the run then fails.
UNAVAILABLE_STAT = "newsarchive/extraction_unavailable"


class ExtractionMiddleware:
    def __init__(
        self,
        crawler: Crawler,
        pool_size: int | None,
        timeout: float | None,
        function: str = "newsarchive.extraction.extract_article_record",
        max_tasks: int = 0,
    ) -> None:
        self.crawler = crawler
        self.runner = make_runner(pool_size, timeout, max_tasks)
        check_function_path(function)
        # With a pool, the crawl process sends the function's name and never imports it: the
        # extraction stack (trafilatura, jusText, dateparser...) lives in the workers only.
        self.function: str | Callable[[Article, str], ArticleResult] = (
            function if self.runner.size else named_function(function)
        )
        crawler.signals.connect(self.close, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionMiddleware:
        size = configured_pool_size(crawler.settings)
        timeout = crawler.settings.getfloat("NEWSARCHIVE_EXTRACT_TIMEOUT") or None
        function = crawler.settings.get("NEWSARCHIVE_EXTRACT_FUNCTION")
        # settings without newsarchive's defaults (no add-on) get the same replacement
        max_tasks = crawler.settings.getint("NEWSARCHIVE_EXTRACT_MAX_TASKS",
                                            defaults.NEWSARCHIVE_EXTRACT_MAX_TASKS)
        return cls(crawler, size, timeout, function, max_tasks)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            if isinstance(item, Article) and item.html is not None:
                async for record in self.extract(item, response):
                    yield record
            else:
                yield item

    async def extract(self, article: Article, response: Response) -> AsyncIterator[Any]:
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            result = await self.runner.run(self.function, article, fetched_at)
        except ExtractionFailed as failure:
            count_drop(self.crawler.stats, failure.reason, article.url, str(failure))
            await self.dropped(article, response, failure.reason, str(failure))
            if failure.reason == EXTRACTION_UNAVAILABLE:
                self.stop_run(str(failure))
            return
        finally:
            if self.runner.restarts:
                self.crawler.stats.set_value("newsarchive/extraction/pool_restarts", self.runner.restarts)
            if self.runner.retried_crashes:
                self.crawler.stats.set_value("newsarchive/extraction/crash_retries",
                                             self.runner.retried_crashes)
        if result.error is not None:
            count_drop(self.crawler.stats, "not_an_article", article.url, result.error)
            await self.dropped(article, response, "not_an_article", result.error)
            return
        for problem, count in result.problems.items():
            prefix = "newsarchive/comments/" if problem == "parent_missing" else DROP_PREFIX
            self.crawler.stats.inc_value(prefix + problem, count)
        yield result.article
        for comment in result.comments:
            yield comment

    async def dropped(self, article: Article, response: Response, reason: str, detail: str) -> None:
        """Say so with Scrapy's ``item_dropped`` (the events spider settles the source with it)."""
        article.html, article.comment_pages = None, []
        await self.crawler.signals.send_catch_log_async(
            signals.item_dropped, item=article, response=response, spider=self.crawler.spider,
            exception=DropItem(f"{reason}: {detail}"))

    def stop_run(self, detail: str) -> None:
        """No page can be extracted (a broken install): stop, and let the run fail
        (``extensions/commit.py`` commits nothing) rather than drop every page and exit 0."""
        stats = self.crawler.stats
        if stats.get_value(UNAVAILABLE_STAT):
            return
        stats.set_value(UNAVAILABLE_STAT, detail)
        logger.error("extraction unavailable in the workers, the crawl stops: %s", detail)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.running:
            # not awaited: closing waits for this very page's processing to end
            deferred_from_coro(engine.close_spider_async(reason=EXTRACTION_UNAVAILABLE))

    def close(self) -> None:
        self.runner.close()
