"""Fetching one article page, and the further pages of its comments, into one ``Article`` item.

Shared by both spiders. The item carries the HTML of the page and its comment pages to the
extraction middleware, which turns it into the article record and its comment records.

A fetched page is not settled here as ``ok``: extraction or a pipeline may still drop it. The
spider learns the record's outcome from the signals (``record_exported``, ``item_dropped``,
``item_error``); failures and aliases are settled here, with their reason.

Before that, the page says which URL it really is (``<link rel=canonical>``, else the URL after
redirects); a spider may decide from it that the page is an article it already has
(``article_alias``): such a page is settled without being emitted again.

An archived article fetched again for its comments is asked for conditionally (``If-None-Match``
/ ``If-Modified-Since`` from the validators the crawl state kept): a ``304 Not Modified`` settles
it as ``ok`` (the archive holds that version) without a download or an extraction, counted as
``newsarchive/skipped/not_modified``. Articles whose comments went on over further pages are
asked for in full: the first page can stay the same while the last one grows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newsarchive.capture.middleware import capture_of
from newsarchive.dead import (
    BOT_WALL,
    SOFT404_GONE_TITLE,
    SOFT404_REDIRECT,
    count_dead,
    dead_kind,
)
from newsarchive.drops import failure_reason
from newsarchive.items import Article, FetchedPage, PageFetch
from newsarchive.parsing.bot_wall import bot_wall
from newsarchive.parsing.canonical import canonical_link
from newsarchive.parsing.comments import comment_page_urls
from newsarchive.parsing.soft404 import gone_title, home_redirect
from newsarchive.spiders.base import RequestType
from newsarchive.spiders.frontier import Frontier
from newsarchive.spiders.wayback import WaybackMixin
from newsarchive.urls import url_key

NOT_MODIFIED = 304
# Failures after which a source is "dead" rather than "skipped" (not fetched on purpose).
SKIP_REASONS = {"robots_txt", "refused_address", "ignored", "not_html", "too_large",
                "decompression_limit"}
MAX_COMMENT_PAGES = 50


def transient_text(response: TextResponse) -> str:
    """``response.text``, without caching it on the response.

    An article page waits in the crawl process until an extraction worker is free; it waits as
    bytes (``FetchedPage``), and the text decoded here to scan it is freed at once.
    """
    return FetchedPage(response.body, response.encoding).text()


class ArticleFetchMixin(WaybackMixin):
    """Needs ``count_drop``, ``is_text_page``, ``state`` and ``tracking_params`` from
    ``ArchiveSpider``. Dead articles are looked up in a web archive (``WaybackMixin``)."""

    def article_request(self, article: Article, priority: int = RequestType.ARTICLE) -> scrapy.Request:
        # The article's URL key, computed once: the crawl state and the fetched page ask for it.
        key = url_key(article.url, self.tracking_params)
        headers, meta = self.conditional_headers(article, key), {}
        if headers:
            # 304 is not an error here: let it through HttpErrorMiddleware to ``parse_article``
            meta["handle_httpstatus_list"] = [NOT_MODIFIED]
            self.crawler.stats.inc_value("newsarchive/refetched/conditional")
        return scrapy.Request(
            article.url,
            callback=self.parse_article,
            errback=self.article_failed,
            cb_kwargs={"article": article, "key": key},
            headers=headers,
            meta=meta,
            priority=priority,
            # The caller dedupes by article id (one fetch per run); an article must always settle.
            dont_filter=True,
        )

    def conditional_headers(self, article: Article, key: str | None = None) -> dict[str, str]:
        """``If-None-Match`` / ``If-Modified-Since`` for an archived single-page article
        (``key``: its URL key, when the caller has it)."""
        state = self.state
        if state is None:
            return {}
        fetch = state.archived_fetch(key or url_key(article.url, self.tracking_params))
        if fetch is None or fetch.paged:
            return {}
        headers = {}
        if fetch.etag:
            headers["If-None-Match"] = fetch.etag
        if fetch.last_modified:
            headers["If-Modified-Since"] = fetch.last_modified
        return headers

    async def parse_article(self, response: Response, article: Article, key: str | None = None
                            ) -> AsyncIterator[Any]:
        """``key``: ``url_key(article.url, self.tracking_params)``, from ``article_request``."""
        if response.status == NOT_MODIFIED:  # asked conditionally: the archived copy is current
            self.crawler.stats.inc_value("newsarchive/skipped/not_modified")
            for output in self.article_settled(article, "ok"):
                yield output
            return
        if not self.is_text_page(response):
            self.count_drop("not_html", response.url,
                            response.headers.get(b"Content-Type", b"").decode("latin-1"))
            for output in self.article_settled(article, "skipped", "not_html"):
                yield output
            return
        article.final_url = response.url
        article.http_status = response.status
        article.capture = capture_of(response)
        text = transient_text(response)
        soft404 = self.soft404_kind(article, response, text)
        if soft404 is not None:
            del text
            kind, detail = soft404
            count_dead(self.crawler.stats, kind, article.url, detail)
            for output in self.look_up_dead(article, kind, kind, detail):
                yield output
            return
        key = key or url_key(article.url, self.tracking_params)
        identity_url = canonical_link(response.url, text) or response.url
        original = self.article_alias(article, identity_url,
                                      key if identity_url == article.url else None)
        if original is not None:
            self.crawler.stats.inc_value("newsarchive/duplicates/url")
            self.logger.info("duplicate (url) of %s: %s", original, article.url)
            article.duplicate_of = original
            for output in self.article_settled(article, "alias"):
                yield output
            return
        article.html = FetchedPage(response.body, response.encoding)
        pending = [u for u in comment_page_urls(response.url, text) if u != response.url]
        article.fetch = PageFetch(key,
                                  etag=_header(response, b"ETag"),
                                  last_modified=_header(response, b"Last-Modified"),
                                  paged=bool(pending))
        del text  # this generator stays suspended while the page waits for extraction
        await self._fetch_comment_pages(article, Frontier(pending, visited=[response.url]))
        self.article_ready(article)
        yield article  # settled when its record is exported or dropped (see the module)

    async def _fetch_comment_pages(self, article: Article, pages: Frontier) -> None:
        """Fetch the comment pages one after another into ``article.comment_pages``.

        Downloaded through the engine (robots.txt, safety, retry and redirect middlewares apply),
        not through the scheduler: the pages of one thread stay with the worker that holds the
        article, so with a shared queue (``REDIS_URL``) no request carries page bytes, and a
        request is only ever a page to fetch and a small ``Article`` stub.
        """
        limit = self.crawler.settings.getint("NEWSARCHIVE_MAX_COMMENT_PAGES", MAX_COMMENT_PAGES)
        while len(pages.visited) <= limit and (url := pages.next()) is not None:
            request = scrapy.Request(url, priority=RequestType.COMMENT_PAGE, dont_filter=True)
            try:
                response = await self.crawler.engine.download_async(request)
            except Exception as error:  # a comment page that failed: the article goes on
                failure = Failure(error)
                self.count_drop("comment_page_" + failure_reason(failure), url, str(error))
                continue
            if not 200 <= response.status < 300:
                self.count_drop(f"comment_page_http_{response.status}", url)
                continue
            if self.is_text_page(response):
                article.comment_pages.append((response.url, FetchedPage(response.body,
                                                                        response.encoding)))
                pages.add(comment_page_urls(response.url, transient_text(response)))
        left = {url for url in pages.pending if url not in pages.visited}
        if left:  # the thread goes on past the limit: its later comments are not archived
            self.count_drop("comment_pages_over_limit", article.url,
                            f"{len(pages.visited) - 1} comment pages read, {len(left)} more "
                            f"linked not (NEWSARCHIVE_MAX_COMMENT_PAGES {limit})")

    def soft404_kind(self, article: Article, response: Response, text: str) -> tuple[str, str] | None:
        """(dead kind, detail) when the page answered but is not the article: a bot wall's
        challenge or block page (a failure that may pass), a redirect to the home page or a
        section front, or a page whose title says it is gone."""
        vendor = bot_wall(text)
        if vendor is not None:
            return BOT_WALL, f"{vendor} challenge or block page (HTTP {response.status})"
        if response.meta.get("redirect_urls") and home_redirect(article.url, response.url):
            return SOFT404_REDIRECT, f"redirected to {response.url}"
        title = gone_title(text)
        if title is not None:
            return SOFT404_GONE_TITLE, f"title: {title}"
        return None

    def article_failed(self, failure: Failure) -> Iterator[Any]:
        article: Article = failure.request.cb_kwargs["article"]
        reason = failure_reason(failure)
        if reason in SKIP_REASONS:
            self.count_drop(reason, failure.request.url, str(failure.value))
            status = "refused" if reason == "refused_address" else "skipped"  # never fetched
            yield from self.article_settled(article, status, reason)
            return
        kind = dead_kind(failure)
        count_dead(self.crawler.stats, kind, article.url, str(failure.value))
        yield from self.look_up_dead(article, kind, reason, str(failure.value))

    def article_alias(self, article: Article, identity_url: str, identity_key: str | None = None
                      ) -> str | None:
        """Hook: the id of the article this fetched page already is (not emitted again), or None.

        May change ``article.id`` (the page is archived under its canonical URL's id).
        ``identity_key``: ``identity_url``'s URL key when it is already known (None: not yet).
        """
        return None

    def article_ready(self, article: Article) -> None:
        """Hook: last changes to the article before it is handed to extraction."""

    def article_settled(
        self, article: Article, status: str, reason: str | None = None
    ) -> Iterator[Any]:
        """Hook: what to emit once an article is given up (dead/skipped, with the reason),
        found to be another article (``alias``: ``article.duplicate_of`` is that article's id),
        or found unchanged since it was archived (``ok``: a 304 to a conditional request). A page
        recovered from a web archive is settled ``archived`` like a fetched one: when its record
        is exported."""
        return iter(())


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None
