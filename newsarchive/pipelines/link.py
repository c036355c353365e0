"""Stage 4: references between records hold across the whole run.

Within one page the extraction stage already made the thread consistent (``newsarchive.threads``). Here:
a comment whose article is not in the archive (dropped by an earlier stage) is dropped as
``orphan_comment``; a comment met twice in one run (two URLs of one article) is dropped as
``duplicate_comment``. Comments always follow their article in the item stream.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newsarchive.drops import count_drop
from newsarchive.items import Article, Comment


class LinkPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.articles: set[str] = set()
        self.comments: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            self.articles.add(item.id)
        elif isinstance(item, Comment):
            if item.article_id not in self.articles:
                self._drop("orphan_comment", item)
            if item.id in self.comments:
                self._drop("duplicate_comment", item)
            self.comments.add(item.id)
        return item

    def _drop(self, reason: str, comment: Comment) -> None:
        count_drop(self.crawler.stats, reason, comment.url or comment.id,
                   f"article {comment.article_id}")
        raise DropItem(reason)
