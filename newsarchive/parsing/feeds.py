"""Feeds, sitemaps and robots.txt → post links (RSS 2.0, RSS 1.0, Atom, JSON Feed, sitemaps.org).

Pure functions for the ``blogs`` spider. Nothing here raises on bad input (except a gzip bomb,
:class:`DecompressionLimitExceeded`): malformed bodies give empty results.

Feeds and sitemaps are read with lxml's recovering XML parser rather than feedparser: we need
only link, title, date and the RFC 5005 ``next`` page, we want date offsets kept (feedparser
converts dates to UTC ``struct_time``), and recover mode salvages the entries of a truncated or
badly escaped feed, which is the usual way real feeds break. robots.txt goes through Protego
(Scrapy's own robots parser).
"""

from __future__ import annotations

import contextlib
import html as html_lib
import html.entities
import io
import json
import re
import zlib
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from newsarchive.parsing.html import XML_DECLARATION, absolute_url
from newsarchive.parsing.post_links import (
    PostLink,
    is_probable_post_url,
    link_date,
    merge_links,
    site_of,
)
from newsarchive.parsing.text import clean_inline

# Sitemaps are capped at 50 MB uncompressed by the protocol; a larger gzip is a bomb or broken.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def _root_url(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))



def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value



def _repair_xml(body: bytes) -> bytes:
    """Escape bare ampersands and turn HTML named entities into character references: the two
    faults that make lxml's recover mode drop text from hand-made or badly templated feeds."""

    def entity(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode("ascii")
        if name in ("amp", "lt", "gt", "quot", "apos"):
            return match.group(0)
        char = html_lib.entities.html5.get(name + ";")
        if not char:
            return b"&amp;" + match.group(1) + b";"
        return "".join(f"&#{ord(c)};" for c in char).encode("ascii")

    body = _BARE_AMPERSAND.sub(b"&amp;", body)
    return _NAMED_ENTITY.sub(entity, body)


_BARE_AMPERSAND = re.compile(rb"&(?!#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")


def _xml_root(body: str | bytes) -> etree._Element | None:
    if isinstance(body, str):
        body = XML_DECLARATION.sub("", body.lstrip("\ufeff"), count=1).encode("utf-8")
    # Whitespace before the XML declaration (a classic WordPress plugin bug) is fatal even in
    # recover mode, so drop it.
    body = body.lstrip(b"\xef\xbb\xbf").lstrip()
    if not body:
        return None
    options = {"resolve_entities": False, "no_network": True, "remove_comments": True,
               "remove_pis": True, "huge_tree": False}
    try:
        return etree.fromstring(body, etree.XMLParser(**options))
    except (etree.LxmlError, ValueError):
        pass
    try:
        return etree.fromstring(_repair_xml(body), etree.XMLParser(recover=True, **options))
    except (etree.LxmlError, ValueError):
        return None


def _tail(body: str | bytes) -> str:
    """The last characters of a body, to spot a value cut off by a truncated download."""
    return _text(body[-512:]).rstrip()


def _cut_off(tail: str, value: str | None) -> bool:
    """True when the document ends inside this value (recover mode keeps the stub)."""
    return bool(value) and tail.endswith(value.strip())


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if _local(c.tag) == name]


def _child_text(element: etree._Element, *names: str) -> str | None:
    for name in names:
        for child in element:
            if _local(child.tag) == name and child.text and child.text.strip():
                return child.text.strip()
    return None



def _blog_prefixes(url: str) -> list[str]:
    """Root of the blog: the site root, preceded by a one-segment home like /blog/ if given."""
    root = _root_url(url)
    if root is None:
        return []
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if len(segments) == 1 and "." not in segments[0] and not is_probable_post_url(url):
        return [urljoin(root, f"/{segments[0]}/"), root]
    return [root]


# Conventional feed locations: WordPress, Jekyll/Hugo/static, Blogger, Ghost.
FEED_GUESSES: tuple[str, ...] = ("feed/", "rss.xml", "atom.xml", "feeds/posts/default",
                                 "index.xml", "feed.xml", "rss/")


def guess_feed_urls(url: str) -> list[str]:
    """Conventional feed URLs to try when a blog declares none (Blogger's first on blogspot)."""
    guesses = list(FEED_GUESSES)
    if site_of(url).endswith(".blogspot.com"):
        guesses.remove("feeds/posts/default")
        guesses.insert(0, "feeds/posts/default")
    return [urljoin(prefix, g) for prefix in _blog_prefixes(url) for g in guesses]


def _atom_link(entry: etree._Element) -> str | None:
    """The entry's alternate (HTML) link; never replies/edit/self/enclosure links."""
    fallback = None
    for link in _children(entry, "link"):
        rel = (link.get("rel") or "alternate").strip().lower()
        href = link.get("href")
        if rel != "alternate" or not href:
            continue
        mime = (link.get("type") or "").lower()
        if mime in ("", "text/html", "application/xhtml+xml"):
            return href
        fallback = fallback or href
    return fallback


def _xml_base(element: etree._Element, url: str) -> str:
    """Resolve the xml:base chain from the root down to the element."""
    chain = [element, *element.iterancestors()]
    base = url
    for el in reversed(chain):
        value = el.get("{http://www.w3.org/XML/1998/namespace}base")
        if value:
            base = urljoin(base, value.strip())
    return base


def _atom_title(entry: etree._Element) -> str | None:
    for title in _children(entry, "title"):
        kind = (title.get("type") or "text").lower()
        if kind in ("html", "text/html") and title.text:
            return _html_text(title.text)
        return clean_inline("".join(title.itertext())) or None
    return None


def _html_text(fragment: str) -> str | None:
    """Text of an HTML-escaped title (RSS titles and Atom type=html titles may carry markup)."""
    if "<" in fragment:
        with contextlib.suppress(etree.LxmlError, ValueError):
            fragment = lxml.html.fragment_fromstring(fragment, create_parent="div").text_content()
    return clean_inline(html_lib.unescape(fragment)) or None


def _parse_xml_feed(
    url: str, root: etree._Element, tail: str = ""
) -> tuple[list[PostLink], str | None]:
    kind = _local(root.tag)
    entries: list[PostLink] = []
    next_url = None
    if kind == "feed":
        items = [e for e in root.iter() if _local(e.tag) == "entry"]
        channel: etree._Element | None = root
    elif kind in ("rss", "RDF"):
        items = [e for e in root.iter() if _local(e.tag) == "item"]
        channel = next((e for e in root.iter() if _local(e.tag) == "channel"), None)
    else:
        return [], None
    # RFC 5005 paging (Atom rel=next; some RSS feeds carry it as atom:link in the channel).
    if channel is not None:
        for link in _children(channel, "link"):
            if (link.get("rel") or "").strip().lower() == "next" and link.get("href"):
                next_url = absolute_url(_xml_base(channel, url), link.get("href"))
                break
    for item in items:
        if kind == "feed":
            href = _atom_link(item)
            base = _xml_base(item, url)
            published = link_date(_child_text(item, "published", "issued", "updated", "modified"))
            title = _atom_title(item)
        else:
            # FeedBurner rewrites <link> to a redirector; origLink keeps the post URL.
            href = _child_text(item, "origLink", "link")
            if href is None:
                href = _permalink_guid(item)
            if href is None:
                about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
                href = about.strip() if about else None
            base = _xml_base(item, url)
            published = link_date(_child_text(item, "pubDate", "date", "published", "issued"))
            raw_title = _child_text(item, "title")
            title = _html_text(raw_title) if raw_title else None
        link = absolute_url(base, href)
        if link and not _cut_off(tail, href):
            entries.append(PostLink(link, published, title))
    return merge_links(entries), next_url


def _permalink_guid(item: etree._Element) -> str | None:
    for guid in _children(item, "guid"):
        text = (guid.text or "").strip()
        if (guid.get("isPermaLink") or "true").lower() != "false" and text.startswith("http"):
            return text
    return None


def _parse_json_feed(url: str, text: str) -> tuple[list[PostLink], str | None]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return [], None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return [], None
    entries = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        href = item.get("url")
        if not isinstance(href, str) or not href.strip():
            href = item.get("id") if isinstance(item.get("id"), str) else None
            href = href if href and href.startswith("http") else None
        link = absolute_url(url, href)
        if not link:
            continue
        date = item.get("date_published") or item.get("date_modified")
        title = item.get("title")
        entries.append(
            PostLink(
                link,
                link_date(date) if isinstance(date, str) else None,
                clean_inline(title) or None if isinstance(title, str) else None,
            )
        )
    next_url = data.get("next_url")
    return merge_links(entries), absolute_url(url, next_url) if isinstance(next_url, str) else None


def parse_feed(url: str, body: bytes | str) -> tuple[list[PostLink], str | None]:
    """Entries of an RSS 2.0 / RSS 1.0 (RDF) / Atom / JSON Feed, and the next page if declared.

    ``next`` is RFC 5005's ``rel=next`` (Blogger pages its feeds so) or JSON Feed's
    ``next_url``; undeclared paging (WordPress ``?paged=2``) gives None. Entries without a link
    are skipped; comment links and enclosures never stand in for the post link.
    """
    if not body:
        return [], None
    head = (body[:64].decode("utf-8", "ignore") if isinstance(body, bytes) else body[:64])
    if head.lstrip("\ufeff \t\r\n").startswith("{"):
        return _parse_json_feed(url, _text(body).lstrip("\ufeff"))
    root = _xml_root(body)
    if root is None:
        return [], None
    return _parse_xml_feed(url, root, _tail(body))



# --------------------------------------------------------------------------------------------
# sitemaps
# --------------------------------------------------------------------------------------------


def sitemap_urls_from_robots(robots_txt: str | bytes, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, absolute and de-duplicated."""
    from protego import Protego  # Scrapy's robots.txt parser

    text = _text(robots_txt)
    if not text.strip():
        return []
    try:
        declared = list(Protego.parse(text).sitemaps)
    except Exception:  # Protego has no documented error type; bad robots.txt means none
        return []
    found = (absolute_url(base_url, s) for s in declared)
    return list(dict.fromkeys(u for u in found if u))


# WordPress core (5.5+), Yoast/Rank Math/AIOSEO, generic, Yoast's post type sitemap.
SITEMAP_GUESSES: tuple[str, ...] = (
    "wp-sitemap.xml", "sitemap_index.xml", "sitemap.xml", "post-sitemap.xml",
)


def guess_sitemap_urls(url: str) -> list[str]:
    """Conventional sitemap URLs of the site (and of a one-segment blog home like /blog/)."""
    return [urljoin(prefix, g) for prefix in _blog_prefixes(url) for g in SITEMAP_GUESSES]


class DecompressionLimitExceeded(ValueError):
    """A compressed body inflates beyond the size allowed for it (a gzip bomb, most likely)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"inflates beyond {limit} bytes")
        self.limit = limit


_INFLATE_CHUNK = 64 * 1024


def _gunzip(body: bytes, max_size: int = MAX_SITEMAP_BYTES) -> bytes:
    """Inflate a gzip body 64 KB at a time, never holding more than ``max_size`` bytes of it
    (:class:`DecompressionLimitExceeded` beyond). A broken or truncated stream gives what
    inflated before the break; b'' when it is not gzip at all.

    The input goes in 64 KB slices too: ``unconsumed_tail`` is a copy of the rest of the input,
    so feeding the whole body would copy it once per 64 KB of output (a 4 MB bomb cost the
    crawl process 280 MB that way).
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    view = memoryview(body)
    try:
        for start in range(0, len(body), _INFLATE_CHUNK):
            data: bytes | memoryview = view[start:start + _INFLATE_CHUNK]
            while not inflater.eof:
                chunk = inflater.decompress(data, _INFLATE_CHUNK)
                out += chunk
                if len(out) > max_size:
                    raise DecompressionLimitExceeded(max_size)
                data = inflater.unconsumed_tail
                if not data and len(chunk) < _INFLATE_CHUNK:
                    break  # this slice is used up and nothing is pending
            if inflater.eof:
                break
    except zlib.error:
        pass
    return bytes(out)


def _text_sitemap(url: str, text: str) -> list[PostLink]:
    """Plain-text sitemaps: one URL per line (sitemaps.org protocol)."""
    links = []
    for line in text.splitlines()[:50_000]:
        line = line.strip()
        if line.startswith(("http://", "https://")) and " " not in line:
            link = absolute_url(url, line)
            if link:
                links.append(PostLink(link))
    return merge_links(links)


def parse_sitemap(
    url: str, body: bytes | str, max_size: int = MAX_SITEMAP_BYTES
) -> tuple[list[str], list[PostLink]]:
    """(child sitemaps, page links) of a sitemap or sitemap index; gzip bodies are inflated up
    to ``max_size`` bytes (:class:`DecompressionLimitExceeded` beyond).

    A page's ``published`` is ``news:publication_date`` (news sitemaps) or ``lastmod``; its
    title is ``news:title``. Image and alternate-language extensions are ignored. RSS/Atom
    served as a sitemap (allowed by the protocol) and plain-text sitemaps are read too.
    """
    if not body:
        return [], []
    if isinstance(body, bytes) and body[:2] == b"\x1f\x8b":
        body = _gunzip(body, max_size)
    text_head = _text(body[:512]).lstrip("\ufeff \t\r\n")
    if not text_head.startswith("<"):
        return [], _text_sitemap(url, _text(body))
    tail = _tail(body)
    if isinstance(body, bytes) and len(body) > STREAMED_SITEMAP_BYTES:
        streamed = _read_sitemap_streamed(url, body, tail)
        if streamed is not None:
            return streamed
    root = _xml_root(body)
    if root is None:
        return [], []
    if _local(root.tag) in ("rss", "RDF", "feed"):
        return [], _parse_xml_feed(url, root, tail)[0]
    children: list[str] = []
    pages: list[PostLink] = []
    for element in root.iter():
        _read_sitemap_entry(url, element, tail, children, pages)
    return list(dict.fromkeys(children)), merge_links(pages)


# A sitemap's tree takes ~10 times its size in memory: above this size it is read element by
# element, each freed once read (a 15 MB sitemap: 150 MB more for the crawl process, whole).
STREAMED_SITEMAP_BYTES = 1024 * 1024


def _read_sitemap_streamed(
    url: str, body: bytes, tail: str
) -> tuple[list[str], list[PostLink]] | None:
    """``parse_sitemap`` for big bodies, in recover mode from the start; None for a feed served
    as a sitemap (read whole)."""
    data = body.lstrip(b"\xef\xbb\xbf").lstrip()
    events = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), recover=True, resolve_entities=False,
        no_network=True, huge_tree=False, remove_comments=True, remove_pis=True,
    )
    children: list[str] = []
    pages: list[PostLink] = []
    root_seen = False
    try:
        for event, element in events:
            if event == "start":
                if not root_seen and _local(element.tag) in ("rss", "RDF", "feed"):
                    return None
                root_seen = True
                continue
            if not _read_sitemap_entry(url, element, tail, children, pages):
                continue
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except (etree.LxmlError, ValueError):
        pass  # a truncated or broken end: what was read stands
    return list(dict.fromkeys(children)), merge_links(pages)


def _read_sitemap_entry(
    url: str, element: etree._Element, tail: str, children: list[str], pages: list[PostLink]
) -> bool:
    """Append a ``<sitemap>`` or ``<url>`` entry to ``children`` / ``pages``; False for any
    other element."""
    name = _local(element.tag)
    if name not in ("sitemap", "url"):
        return False
    raw_loc = _child_text(element, "loc")
    loc = absolute_url(url, raw_loc)
    if not loc or _cut_off(tail, raw_loc):
        return True
    if name == "sitemap":
        children.append(loc)
        return True
    news = next(iter(_children(element, "news")), None)
    published = title = None
    if news is not None:
        published = link_date(_child_text(news, "publication_date"))
        title = clean_inline(_child_text(news, "title")) or None
    published = published or link_date(_child_text(element, "lastmod"))
    pages.append(PostLink(loc, published, title))
    return True

