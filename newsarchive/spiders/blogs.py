"""``scrapy crawl blogs``: a blog's posts, with their comment threads.

For each start URL the spider finds the blog's posts the cheapest reliable way first: its
RSS/Atom/JSON feeds (declared, else the conventional locations), then its sitemaps (robots.txt
``Sitemap:`` lines, ``wp-sitemap.xml``, Yoast's ``sitemap_index.xml``...), then its archive and
pagination pages. The first way that yields posts is used, except that a feed, which holds the
newest posts only, is followed by the next way unless it reaches back far enough
(``feed_is_enough``). Discovery downloads go through the engine (robots.txt, safety and retry
middlewares apply) and are read in one coroutine per blog, so the order of preference is plain
code rather than a chain of callbacks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from newsarchive.args import BlogsArgs
from newsarchive.drops import failure_reason
from newsarchive.extensions.feeds import record_exported
from newsarchive.items import Article
from newsarchive.parsing.feeds import (
    MAX_SITEMAP_BYTES,
    DecompressionLimitExceeded,
    guess_feed_urls,
    guess_sitemap_urls,
    parse_feed,
    parse_sitemap,
    sitemap_urls_from_robots,
)
from newsarchive.parsing.listings import archive_links, feed_urls
from newsarchive.parsing.post_links import PostLink, is_post_sitemap
from newsarchive.spiders.articles import ArticleFetchMixin
from newsarchive.spiders.base import ArchiveSpider, RequestType
from newsarchive.spiders.frontier import Frontier
from newsarchive.state.links import LinkStore
from newsarchive.urls import url_id, url_key

MAX_FEED_PAGES = 50
MAX_SITEMAPS = 200
MAX_LISTING_PAGES = 200
# Discovery downloads that fail for these reasons are counted drops (the others, 404s of guessed
# feed and sitemap URLs above all, are expected and only counted as discovery_failed).
COUNTED_DISCOVERY_FAILURES = {"too_large", "decompression_limit"}


class BlogsSpider(ArticleFetchMixin, ArchiveSpider):
    name = "blogs"
    args_model = BlogsArgs
    args: BlogsArgs

    def __init__(self, name: str | None = None, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self.scheduled: set[str] = set()  # url keys of posts requested in this run
        self._claims: LinkStore | None = None

    def claim_post(self, key: str) -> bool:
        """First to request this post in the run (with several workers, blogs that list the
        same post may be discovered by two of them)."""
        if self._claims is None:
            self._claims = self.link_store()
        return self._claims.claim(key)

    def take_post_slot(self) -> bool:
        """One of the run's ``max_posts`` (with several workers, shared by all of them)."""
        if self._claims is None:
            self._claims = self.link_store()
        return self._claims.take_slot("max_posts", self.args.max_posts)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BlogsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_record_exported, signal=record_exported)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        return spider  # type: ignore[return-value]

    def on_record_exported(self, item: Any, held: bool) -> None:
        if isinstance(item, Article):
            self.archived_status(item)  # done with its web-archive capture, if any

    def on_item_dropped(self, item: Any, exception: BaseException) -> None:
        """A post whose page holds no article is looked up in the web archive (a capture that
        holds none: the next one)."""
        if isinstance(item, Article) and str(exception).startswith("not_an_article"):
            for _ in self.not_an_article(item, str(exception)):
                pass  # a blog post settles no event
        elif isinstance(item, Article):
            self.archived_status(item)

    def start_urls_for_safety(self) -> list[str]:
        return list(self.args.start_urls)

    def window_start(self) -> date | None:
        return self.args.since

    async def start(self) -> AsyncIterator[Any]:
        for url in self.args.start_urls:
            yield scrapy.Request(url, callback=self.discover, errback=self.on_fetch_error,
                                 priority=RequestType.POST_LISTING)

    async def discover(self, response: Response) -> AsyncIterator[Any]:
        """Find the posts of the blog ``response`` belongs to, and request them."""
        if not self.is_text_page(response):
            self.count_drop("not_html", response.url)
            return
        found: list[PostLink] = []
        for method, find in (("feed", self.posts_from_feeds), ("sitemap", self.posts_from_sitemaps),
                             ("archive", self.posts_from_archives)):
            posts = await find(response)
            if not posts:
                continue
            self.logger.info("%s: %d posts found by %s", response.url, len(posts), method)
            self.crawler.stats.inc_value(f"newsarchive/discovery/{method}", len(posts))
            found += posts
            if method != "feed" or self.feed_is_enough(posts):
                break
        if not found:
            self.count_drop("no_posts_found", response.url,
                            "no feed, sitemap or archive page listed posts")
            return
        unique: dict[str, PostLink] = {}
        for post in found:  # a post the feed and the sitemap both list: the feed's entry
            unique.setdefault(url_key(post.url), post)
        for request in self.post_requests(list(unique.values())):
            yield request

    # -- the three ways in -----------------------------------------------------------------------

    async def posts_from_feeds(self, home: Response) -> list[PostLink]:
        declared = feed_urls(home.url, home.text)
        for feed in declared or guess_feed_urls(home.url):
            posts: list[PostLink] = []
            url: str | None = feed
            pages = 0
            while url and pages < MAX_FEED_PAGES and not self._enough(posts):
                body = await self.fetch_body(url)
                if body is None:
                    break
                entries, url = parse_feed(url, body)
                posts += entries
                pages += 1
                if self._older_than_since(entries):
                    break
            else:
                if url and pages >= MAX_FEED_PAGES:
                    self.over_limit("feed_pages", feed, MAX_FEED_PAGES)
            if posts:
                return posts
        return []

    async def posts_from_sitemaps(self, home: Response) -> list[PostLink]:
        robots = await self.fetch_body(urljoin(home.url, "/robots.txt"), quiet=True)
        queue = sitemap_urls_from_robots(robots or b"", home.url) if robots else []
        queue += [u for u in guess_sitemap_urls(home.url) if u not in queue]
        sitemaps = Frontier(queue)
        posts: list[PostLink] = []
        listed: set[str] = set()  # post sitemaps an index named
        found_index = False
        while (len(sitemaps.visited) < MAX_SITEMAPS and not self._enough(posts)
               and (url := sitemaps.next()) is not None):
            body = await self.fetch_body(url, quiet=True)
            if body is None:
                continue
            try:
                children, links = await self.parse_sitemap_off_reactor(url, body)
            except DecompressionLimitExceeded as error:
                self.count_drop("decompression_limit", url, f"gzip sitemap {error}")
                continue
            found_index = found_index or bool(children or links)
            post_sitemaps = [c for c in children if is_post_sitemap(c)]
            listed.update(post_sitemaps)
            sitemaps.add_first(post_sitemaps)
            if is_post_sitemap(url) or not children:
                posts += links
            if found_index and not sitemaps:
                break
        unread = [url for url in sitemaps.pending if url in listed and url not in sitemaps.visited]
        if unread and not self._enough(posts):  # listed by an index, not only guessed
            self.over_limit("sitemaps", home.url, MAX_SITEMAPS)
        return posts

    async def posts_from_archives(self, home: Response) -> list[PostLink]:
        posts: list[PostLink] = []
        listings = Frontier([home.url])
        bodies = {home.url: home.text}
        while (len(listings.visited) < MAX_LISTING_PAGES and not self._enough(posts)
               and (url := listings.next()) is not None):
            body = bodies.pop(url, None)
            if body is None:
                raw = await self.fetch_body(url)
                if raw is None:
                    continue
                body = raw.decode("utf-8", "replace")
            found, more = archive_links(url, body)
            posts += found
            listings.add(more)
            if self._older_than_since(found):
                break
        else:
            if listings and not self._enough(posts):
                self.over_limit("listing_pages", home.url, MAX_LISTING_PAGES)
        return posts

    def over_limit(self, walk: str, url: str, limit: int) -> None:
        """A walk cut at its limit: the posts further on are not found, said so (a counted drop)."""
        self.count_drop(f"{walk}_over_limit", url, f"{limit} read, more linked; the posts they "
                                                   "list are not archived")

    # -- posts ---------------------------------------------------------------------------------

    def post_requests(self, posts: list[PostLink]) -> list[scrapy.Request]:
        requests = []
        for post in posts:
            if self.args.max_posts and len(self.scheduled) >= self.args.max_posts:
                self.crawler.stats.inc_value("newsarchive/skipped/max_posts")
                break
            key = url_key(post.url)
            if key in self.scheduled or not self.claim_post(key):
                continue
            if self.run.before_since(post.published):
                self.crawler.stats.inc_value("newsarchive/skipped/before_since")
                continue
            if (self.state is not None and not self.reextracting
                    and self.state.archived_url(key) is not None):
                if not self.comments_young(post.published):
                    self.crawler.stats.inc_value("newsarchive/skipped/archived")
                    continue
                if not self.comments_may_grow(url_key(post.url, self.tracking_params)):
                    self.crawler.stats.inc_value("newsarchive/skipped/archived")
                    self.crawler.stats.inc_value("newsarchive/skipped/no_comment_thread")
                    continue
                self.crawler.stats.inc_value("newsarchive/refetched/comments_young")
            if self.args.max_posts and not self.take_post_slot():  # the run's, not this worker's
                self.crawler.stats.inc_value("newsarchive/skipped/max_posts")
                break
            self.scheduled.add(key)
            article = Article(id=url_id(post.url), url=post.url, kind="blog")
            requests.append(self.article_request(article))
        return requests

    def _enough(self, posts: list[PostLink]) -> bool:
        return bool(self.args.max_posts) and len(posts) >= self.args.max_posts * 2

    def feed_is_enough(self, posts: list[PostLink]) -> bool:
        """A feed holds a blog's newest posts only (WordPress: 10); the posts before it, once
        never archived at all, are found in the sitemaps, else the archive pages. The feed is
        enough when it reaches back to ``since``, gives enough for ``max_posts``, or, in runs
        without ``max_posts``, when its oldest post is archived: the run that archived it read
        on past it (runs bounded by ``max_posts`` archive newest first, and may not have)."""
        if self._reaches_since(posts) or self._enough(posts):
            return True
        if self.args.max_posts or self.state is None or self.reextracting:
            return False
        dated = [post for post in posts if post.published]
        oldest = min(dated, key=lambda post: post.published or "") if len(dated) == len(posts) \
            else posts[-1]  # feeds list the newest first
        return self.state.archived_url(url_key(oldest.url)) is not None

    def _reaches_since(self, posts: list[PostLink]) -> bool:
        """Some post is older than ``since``: the walk went back far enough."""
        return any(self.run.before_since(p.published) for p in posts)

    def _older_than_since(self, posts: list[PostLink]) -> bool:
        """Feeds and archives run newest first: a page of only older posts ends the walk."""
        return bool(posts) and all(self.run.before_since(p.published) for p in posts)

    async def parse_sitemap_off_reactor(self, url: str, body: bytes) -> tuple[list[str], list[PostLink]]:
        """Inflate (a .gz sitemap: at most DOWNLOAD_MAXSIZE, like any download, and the
        protocol's 50 MB) and parse in a thread: a big sitemap must not stall the downloads."""
        limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE") or MAX_SITEMAP_BYTES
        limit = min(limit, MAX_SITEMAP_BYTES)
        return await maybe_deferred_to_future(deferToThread(parse_sitemap, url, body, limit))

    # -- downloads -----------------------------------------------------------------------------

    async def fetch_body(self, url: str, quiet: bool = False) -> bytes | None:
        """The body of a discovery page (feed, sitemap, listing), or None when it failed."""
        if urlsplit(url).scheme not in {"http", "https"}:
            return None
        request = scrapy.Request(url, dont_filter=True, priority=RequestType.POST_LISTING)
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as error:  # one bad discovery page must not end the blog
            self.crawler.stats.inc_value(f"newsarchive/discovery_failed/{type(error).__name__}")
            reason = failure_reason(Failure(error))
            if reason in COUNTED_DISCOVERY_FAILURES:
                self.count_drop(reason, url, str(error))
                return None
            if not quiet:
                self.logger.info("discovery page failed: %s (%s)", url, error)
            return None
        if response.status != 200:
            if not quiet:
                self.logger.info("discovery page %s: HTTP %d", url, response.status)
            return None
        return response.body

    def article_settled(self, article: Article, status: str, reason: str | None = None) -> Any:
        if status != "ok":
            self.crawler.stats.inc_value(f"newsarchive/posts_{status}")
        return iter(())


