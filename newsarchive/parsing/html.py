"""Small HTML helpers every parser shares: class tests in XPath, resolving links, parsing a page.

Pure functions, no Scrapy import. One owner for each: a parser that needs a class test or an
absolute URL imports it from here instead of writing its own.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

# lxml refuses str input that carries an encoding declaration (its HTML and XML parsers alike).
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# hrefs that never point at another page.
_NOT_PAGE_LINKS = ("#", "javascript:", "mailto:", "tel:", "data:")


def has_class(name: str) -> str:
    """XPath test: the element's class attribute has the token ``name`` (not just the text)."""
    # the plain contains() first is a cheap pre-filter for the exact class-token test
    token = f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
    return f"(contains(@class, '{name}') and {token})"


def join_url(base: str, href: str) -> str | None:
    """``href`` resolved against ``base`` (any scheme, fragment kept); None when malformed
    (a bad port or IPv6 literal makes ``urljoin`` raise)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def web_url(base: str, href: str) -> str | None:
    """``href`` resolved against ``base`` when that gives an http(s) URL with a host (fragment
    kept, as ``urljoin`` writes it); None for any other scheme or a malformed URL."""
    joined = join_url(base, href)
    if joined is None:
        return None
    try:
        parts = urlsplit(joined)
    except ValueError:
        return None
    return joined if parts.scheme in ("http", "https") and parts.hostname else None


def absolute_url(base: str, href: str | None) -> str | None:
    """The http(s) page an ``<a href>`` points at, resolved against ``base``, without fragment;
    None for an empty href, a same-page anchor, a javascript:/mailto:/tel:/data: link or a
    malformed URL. An empty path becomes ``/``."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(_NOT_PAGE_LINKS):
        return None
    joined = web_url(base, href)
    if joined is None:
        return None
    parts = urlsplit(joined)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def html_document(html: str | bytes | None) -> lxml.html.HtmlElement | None:
    """The page's element tree; None for an empty or unparseable body."""
    if not html:
        return None
    try:
        if isinstance(html, str):
            html = XML_DECLARATION.sub("", html, count=1)
        return lxml.html.document_fromstring(html)
    except (etree.LxmlError, ValueError):
        return None


def document_base(tree: lxml.html.HtmlElement, url: str) -> str:
    """The URL the page's relative links resolve against: its ``<base href>``, else ``url``."""
    base = tree.xpath("string(//base/@href)")
    return urljoin(url, base.strip()) if base.strip() else url
