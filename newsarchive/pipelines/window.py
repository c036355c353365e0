"""Stage 2: blog posts published before ``-a since`` are skipped, with their comments.

The blogs spider skips older posts before fetching them when the feed, sitemap or listing
dates them; a post dated only on its own page is known to be old once extracted, here.
Counted as ``newsarchive/skipped/before_since`` (not a drop: the user asked for it).
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsarchive.items import Article, Comment
from newsarchive.run_context import run_context


class DateWindowPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.skipped_articles: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DateWindowPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        context = run_context(self.crawler)
        if context is None or context.since is None:
            return item
        if isinstance(item, Article) and item.kind == "blog" and context.before_since(item.published):
            self.skipped_articles.add(item.id)
            self._skip(f"article {item.url} published {item.published}")
        if isinstance(item, Comment) and item.article_id in self.skipped_articles:
            self._skip(f"comment {item.id} of a skipped article")
        return item

    def _skip(self, what: str) -> None:
        self.crawler.stats.inc_value("newsarchive/skipped/before_since")
        raise DropItem(f"before since: {what}", log_level="DEBUG")
