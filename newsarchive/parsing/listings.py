"""A blog's HTML pages → what they point at: declared feeds, listed posts, further listings.

Pure functions for the ``blogs`` spider: home, archive, category and pagination pages give post
links (with the listing's date and title when shown) and the next listing pages to visit.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html

from newsarchive.parsing.html import absolute_url, document_base, has_class, html_document
from newsarchive.parsing.post_links import (
    PostLink,
    is_listing_url,
    is_non_post_url,
    is_probable_post_url,
    link_date,
    merge_links,
    site_of,
)
from newsarchive.parsing.text import clean_inline

FEED_TYPES: frozenset[str] = frozenset(
    {
        "application/rss+xml", "application/atom+xml", "application/feed+json",
        "application/rdf+xml", "application/x-rss+xml", "application/x-atom+xml", "text/xml",
        "application/xml", "text/rss+xml", "text/atom+xml",
    }
)
# WordPress declares its REST API as rel=alternate type=application/json: a JSON feed only when
# the href says so.
_JSON_FEED_HREF = re.compile(r"feed|\.json$", re.IGNORECASE)
_COMMENT_FEED = re.compile(r"/comments/(?:feed|default)|/feeds/\d+/comments/|[?&]feed=comments")
_COMMENT_TITLE = re.compile(r"comment|kommentar|comentario|reacties|commenti|komentarz")
FEED_LINKS_XPATH = "//link[@href][contains(concat(' ', normalize-space(@rel), ' '), ' alternate ')]"


def feed_urls(url: str, html: str | bytes) -> list[str]:
    """Feeds a page declares with ``<link rel=alternate type=…rss/atom/feed+json>``.

    Comment feeds (site-wide and per post) are left out: they list comments, not posts.
    """
    tree = html_document(html)
    if tree is None:
        return []
    base = document_base(tree, url)
    # WordPress declares each post's comment feed as <post URL>/feed/
    post_prefix = url.split("#")[0].rstrip("/") + "/" if is_probable_post_url(url) else None
    found: list[str] = []
    for link in tree.xpath(FEED_LINKS_XPATH):
        mime = (link.get("type") or "").split(";")[0].strip().lower()
        href = link.get("href") or ""
        is_json_feed = mime == "application/json" and _JSON_FEED_HREF.search(href)
        if mime not in FEED_TYPES and not is_json_feed:
            continue
        title = (link.get("title") or "").lower()
        feed = absolute_url(base, href)
        if (
            feed
            and not _COMMENT_FEED.search(feed)
            and not _COMMENT_TITLE.search(title)
            and not (post_prefix and feed.startswith(post_prefix))
        ):
            found.append(feed)
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------------------------
# home, archive and listing pages
# --------------------------------------------------------------------------------------------


# An entry in a listing: WordPress (article.post, .hentry, .type-post), Blogger (.post-outer,
# .post.hentry, .blog-post), microformats 2 (.h-entry), generic (article).
POST_CONTAINER = (
    f"self::article or {has_class('post')} or {has_class('hentry')} or {has_class('type-post')}"
    f" or {has_class('post-outer')} or {has_class('h-entry')} or {has_class('blog-post')}"
    f" or {has_class('entry')}"
)
_IN_BODY = (
    f"ancestor::*[{has_class('entry-content')} or {has_class('post-body')}"
    f" or {has_class('entry-summary')} or {has_class('comments-area')} or @id='comments']"
)
# Title links of listed posts, in page order.
_REL_BOOKMARK = "contains(concat(' ', normalize-space(@rel), ' '), ' bookmark ')"
_REL_NEXT = "contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
# Title links of listed posts, in page order.
POST_TITLE_LINKS_XPATH = (
    f"//*[{POST_CONTAINER}]//*[self::h1 or self::h2 or self::h3][not({_IN_BODY})]//a[@href]"
    f" | //a[@href][{_REL_BOOKMARK}][not({_IN_BODY})]"
    f" | //*[{has_class('entry-title')} or {has_class('post-title')} or {has_class('p-name')}]"
    f"//a[@href][not({_IN_BODY})]"
    # Blogger's archive widget lists the posts of the open month
    f" | //*[{has_class('BlogArchive')}]//ul[{has_class('posts')}]//a[@href]"
    # WordPress "Recent Posts" widget and block
    f" | //*[{has_class('widget_recent_entries')} or {has_class('wp-block-latest-posts')}]"
    "//a[@href]"
)
NEAREST_CONTAINER_XPATH = f"ancestor::*[{POST_CONTAINER}][1]"
# Dates inside a listed post, best first: machine-readable attributes, then visible text.
LISTING_DATE_ATTR_XPATHS: tuple[str, ...] = (
    ".//time/@datetime",
    ".//*[@itemprop='datePublished']/@content",
    ".//*[@itemprop='datePublished']/@datetime",
    f".//abbr[{has_class('published')}]/@title",
    f".//*[{has_class('published')}]/@title",
)
LISTING_DATE_TEXT_XPATHS: tuple[str, ...] = (
    ".//time",
    f".//*[{has_class('entry-date')} or {has_class('published')} or {has_class('post-date')}]",
)
# Blogger groups posts by day under <h2 class="date-header"> outside each .post-outer.
BLOGGER_DATE_HEADER_XPATH = (
    f"ancestor::*[{has_class('date-outer')}][1]//*[{has_class('date-header')}]"
)
# Pagination and "older posts" controls.
PAGER_LINKS_XPATH = (
    f"//link[@href][{_REL_NEXT}] | //a[@href][{_REL_NEXT}]"
    f" | //*[{has_class('pagination')} or {has_class('posts-navigation')}"
    f" or {has_class('nav-links')} or {has_class('wp-pagenavi')} or {has_class('blog-pager')}"
    f" or {has_class('navigation')} or {has_class('pager')} or {has_class('page-nav')}"
    f" or {has_class('wp-block-query-pagination')}]//a[@href][not({has_class('home-link')})]"
    f" | //a[@href][{has_class('blog-pager-older-link')} or {has_class('next')}"
    f" or {has_class('older-posts')} or {has_class('page-numbers')}"
    f" or {has_class('nav-previous')} or {has_class('wp-block-query-pagination-next')}]"
    f" | //*[{has_class('nav-previous')} or {has_class('nav-next')}]//a[@href]"
)
ALL_LINKS_XPATH = f"//a[@href] | //link[@href][{_REL_NEXT}]"
# Where to look for post links on pages without recognisable post markup.
MAIN_CONTENT_LINKS_XPATH = (
    "//main//a[@href] | //*[@role='main']//a[@href] | //*[@id='content' or @id='main']//a[@href]"
)
_CHROME = (
    "ancestor::*[self::nav or self::header or self::footer or self::aside"
    f" or {has_class('widget')}"
    f" or {has_class('comments-area')} or @id='comments' or {has_class('sharedaddy')}]"
)


def _listing_date(anchor: lxml.html.HtmlElement) -> str | None:
    containers = anchor.xpath(NEAREST_CONTAINER_XPATH)
    if containers:
        container = containers[0]
        for xpath in LISTING_DATE_ATTR_XPATHS:
            for value in container.xpath(xpath):
                iso = link_date(str(value))
                if iso:
                    return iso
        for xpath in LISTING_DATE_TEXT_XPATHS:
            for element in container.xpath(xpath):
                iso = link_date(element.text_content())
                if iso:
                    return iso
    for header in anchor.xpath(BLOGGER_DATE_HEADER_XPATH):
        iso = link_date(header.text_content())
        if iso:
            return iso
    return None


# Visible dates and times: digits and separators, optionally with one month name and am/pm.
_DATE_LIKE_TEXT = re.compile(
    r"(?=.*\d)[\d\s:./,-]*(?:[^\W\d_]{2,12}\.?[\d\s:./,-]*){0,2}", re.IGNORECASE
)


def _anchor_title(anchor: lxml.html.HtmlElement) -> str | None:
    text = clean_inline(anchor.text_content())
    # a timestamp link that shares the permalink ("9:14 AM", "March 12, 2024") is not a title
    if not text or len(text) < 3 or _DATE_LIKE_TEXT.fullmatch(text):
        return None
    return text


def archive_links(url: str, html: str | bytes) -> tuple[list[PostLink], list[str]]:
    """(post links, further listing pages) found on a blog's home, archive or category page.

    Post links are the titles of listed posts (with the listing's date when it shows one); on
    pages without post markup, links in the main content that look like posts. Listing pages
    are pagination ("Older posts", /page/2/, ?paged=2, Blogger /search?updated-max=…) and date
    archives (/2024/03/). Same site only, de-duplicated, in page order, fragments dropped.
    """
    tree = html_document(html)
    if tree is None:
        return [], []
    base = document_base(tree, url)
    site = site_of(url)
    here = absolute_url(url, url)

    here_path = urlsplit(here or url).path

    def resolve(element: lxml.html.HtmlElement) -> str | None:
        link = absolute_url(base, element.get("href"))
        if link is None or site_of(link) != site or link == here:
            return None
        return link

    def is_section_of_here(link: str) -> bool:
        """A parent path of the current page (/sociedad for /sociedad/a-story) is its section."""
        path = urlsplit(link).path.rstrip("/")
        return bool(path) and here_path.startswith(path + "/") and not is_listing_url(link)

    posts: list[PostLink] = []
    for anchor in tree.xpath(POST_TITLE_LINKS_XPATH):
        link = resolve(anchor)
        if link and not is_non_post_url(link) and not is_section_of_here(link):
            posts.append(PostLink(link, _listing_date(anchor), _anchor_title(anchor)))
    # Fallback for themes without recognisable markup; a page with post markup but no title
    # links is a single post, whose body links are not a listing.
    if not posts and not tree.xpath(f"//*[{POST_CONTAINER}]"):
        for anchor in tree.xpath(MAIN_CONTENT_LINKS_XPATH):
            link = resolve(anchor)
            if link and is_probable_post_url(link) and not anchor.xpath(_CHROME):
                posts.append(PostLink(link, None, _anchor_title(anchor)))

    pager = set(tree.xpath(PAGER_LINKS_XPATH))
    listings: list[str] = []
    for element in tree.xpath(ALL_LINKS_XPATH):
        link = resolve(element)
        if link is None:
            continue
        if is_listing_url(link):
            listings.append(link)
        elif element in pager:
            if is_probable_post_url(link):
                posts.append(PostLink(link))  # previous/next post on a single post page
            elif not is_non_post_url(link) or urlsplit(link).query:
                listings.append(link)  # e.g. Squarespace ?offset=…, unknown pager URLs
    return merge_links(posts), list(dict.fromkeys(listings))
