"""A blog's feed pages, sitemaps and listing pages are walked up to a limit each; a walk cut
there is a counted drop (``<walk>_over_limit``), where it once ended without a word and the
posts further on were never archived. The walks run in-process on a real spider, with its
downloads answered from saved pages (the limits are lowered for the test)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

import newsarchive.spiders.blogs as blogs
from newsarchive.parsing.feeds import MAX_SITEMAP_BYTES, parse_sitemap
from newsarchive.parsing.post_links import PostLink
from newsarchive.spiders.blogs import BlogsSpider

BASE = "http://blog.test"
BLOG_PAGES = Path(__file__).parent / "fixtures" / "site_blogs" / "blog-pages"
DROPPED = "newsarchive/dropped/"


def blogger_page(name: str) -> bytes:
    return (BLOG_PAGES / name).read_text("utf-8").replace("{{host:blog-pages}}", BASE).encode()


def atom_page(n: int, last: int) -> bytes:
    more = f'<link rel="next" href="{BASE}/feeds/posts/default?page={n + 1}"/>' if n < last else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Blog</title>{more}<entry><title>Post {n}</title>"
            f'<link rel="alternate" href="{BASE}/2024/0{n}/post-{n}.html"/>'
            f"<published>2024-0{n}-01T10:00:00Z</published></entry></feed>").encode()


def sitemap(path: str) -> bytes | None:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    if path == "/wp-sitemap.xml":
        children = "".join(f"<sitemap><loc>{BASE}/wp-sitemap-posts-post-{n}.xml</loc></sitemap>"
                           for n in (1, 2, 3))
        return f'{head}<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' \
               f"{children}</sitemapindex>".encode()
    if path.startswith("/wp-sitemap-posts-post-"):
        n = path.rsplit("-", 1)[1].split(".")[0]
        return f'{head}<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>' \
               f"<loc>{BASE}/2024/0{n}/post-{n}.html</loc></url></urlset>".encode()
    return None


def walk(method: str, answer: Callable[[str], bytes | None], home: bytes = b"<html></html>"
         ) -> tuple[int, dict[str, int]]:
    crawler = get_crawler(BlogsSpider, {"NEWSARCHIVE_STATE_ENABLED": False})
    spider = BlogsSpider.from_crawler(crawler, start_urls=BASE + "/")
    spider.settle_arguments()

    async def fetch_body(url: str, quiet: bool = False) -> bytes | None:
        return answer(url)

    async def parse_sitemap_here(url: str, body: bytes) -> tuple[list[str], list[PostLink]]:
        return parse_sitemap(url, body, MAX_SITEMAP_BYTES)  # in a thread of a running reactor

    spider.fetch_body = fetch_body  # type: ignore[method-assign]
    spider.parse_sitemap_off_reactor = parse_sitemap_here  # type: ignore[method-assign]
    response = HtmlResponse(BASE + "/", body=home, encoding="utf-8")
    posts = asyncio.run(getattr(spider, method)(response))
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return len(posts), {k[len(DROPPED):]: v for k, v in stats.items() if k.startswith(DROPPED)}


@pytest.mark.parametrize(("limit", "found", "dropped"), [(2, 2, {"feed_pages_over_limit": 1}),
                                                         (3, 3, {})])
def test_feed_pages(monkeypatch: pytest.MonkeyPatch, limit: int, found: int,
                    dropped: dict[str, int]) -> None:
    monkeypatch.setattr(blogs, "MAX_FEED_PAGES", limit)
    home = f'<html><head><link rel="alternate" type="application/atom+xml" ' \
           f'href="{BASE}/feeds/posts/default?page=1"></head></html>'.encode()
    answer = lambda url: atom_page(int(url.rsplit("=", 1)[1]), last=3)  # noqa: E731
    assert walk("posts_from_feeds", answer, home) == (found, dropped)


@pytest.mark.parametrize(("limit", "found", "dropped"), [(2, 1, {"sitemaps_over_limit": 1}),
                                                         (4, 3, {})])
def test_sitemaps(monkeypatch: pytest.MonkeyPatch, limit: int, found: int,
                  dropped: dict[str, int]) -> None:
    monkeypatch.setattr(blogs, "MAX_SITEMAPS", limit)
    assert walk("posts_from_sitemaps", lambda url: sitemap(url[len(BASE):])) == (found, dropped)


@pytest.mark.parametrize(("limit", "found", "dropped"), [(1, 2, {"listing_pages_over_limit": 1}),
                                                         (2, 4, {})])
def test_listing_pages(monkeypatch: pytest.MonkeyPatch, limit: int, found: int,
                       dropped: dict[str, int]) -> None:
    """Blogger's "Older Posts": the home page lists 2 posts, the older-posts page 2 more."""
    monkeypatch.setattr(blogs, "MAX_LISTING_PAGES", limit)
    older = lambda url: blogger_page("search-older-posts.html") if "updated-max" in url else None  # noqa: E731
    assert walk("posts_from_archives", older, blogger_page("index.html")) == (found, dropped)
