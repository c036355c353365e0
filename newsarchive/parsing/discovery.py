"""Blog post discovery: feeds, sitemaps, archive and pagination pages → post links.

Pure functions for the ``blogs`` spider, which decides what to fetch; these only say what a page,
feed or sitemap points at. Nothing here raises on bad input: malformed bodies give empty results.

Feeds and sitemaps are read with lxml's recovering XML parser rather than feedparser: we need
only link, title, date and the RFC 5005 ``next`` page, we want date offsets kept (feedparser
converts dates to UTC ``struct_time``), and recover mode salvages the entries of a truncated or
badly escaped feed, which is the usual way real feeds break. robots.txt goes through Protego
(Scrapy's own robots parser). URL heuristics are small predicates over regex constants so they can
be tested with URL→bool tables.
"""

from __future__ import annotations

import contextlib
import html as html_lib
import html.entities
import io
import json
import re
import zlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from newsarchive.parsing.dates import iso_datetime
from newsarchive.parsing.text import clean_inline


@dataclass(frozen=True)
class PostLink:
    """A link to a (probable) blog post, with what the listing/feed/sitemap said about it.

    ``published`` is ISO 8601: the publication date when the source gives one, else its last
    modification (Atom ``updated``, sitemap ``lastmod``).
    """

    url: str
    published: str | None = None
    title: str | None = None


# --------------------------------------------------------------------------------------------
# URL heuristics
# --------------------------------------------------------------------------------------------

# Path segments that name taxonomy, author, account, feed or machinery pages, in the languages the
# archive meets most (en/de/fr/es/it/nl/pt). Matched as whole segments anywhere in the path.
NON_POST_SEGMENTS: frozenset[str] = frozenset(
    {
        # taxonomies and listings
        "tag", "tags", "category", "categories", "topic", "topics", "label", "labels", "series",
        "kategorie", "schlagwort", "schlagworte", "thema", "themen", "rubrik",
        "categorie", "etiquette", "etiquettes", "mot-cle", "categoria", "etiqueta", "etiquetas",
        "tema", "temi", "categorieen", "onderwerp",
        "archive", "archives", "archiv", "page", "seite", "pagina", "search", "suche",
        # people and accounts
        "author", "authors", "autor", "autoren", "auteur", "autore", "user", "users", "members",
        "profile", "profil", "account", "my-account", "login", "logout", "register", "signin",
        "signup", "wp-login.php", "wp-signup.php",
        # feeds, APIs, machinery
        "feed", "feeds", "rss", "atom", "comments", "trackback", "embed", "amp", "wp-json",
        "wp-admin", "wp-content", "wp-includes", "xmlrpc.php", "cdn-cgi", "attachment", "share",
        "print", "cart", "checkout", "shop",
    }
)
# Single-segment site pages that look like slugs but are not posts.
SITE_PAGE_SLUGS: frozenset[str] = frozenset(
    {
        "about", "about-us", "about-me", "contact", "contact-us", "kontakt", "impressum", "imprint",
        "privacy", "privacy-policy", "privacy-notice", "datenschutz", "datenschutzerklarung",
        "datenschutzerklaerung", "terms", "terms-of-service", "terms-of-use",
        "terms-and-conditions", "cookie-policy", "cookies", "disclaimer", "legal",
        "mentions-legales", "advertise", "advertising", "subscribe", "newsletter", "donate",
        "support", "faq", "sitemap",
        "blog", "home", "index", "links", "blogroll", "shop", "store", "events", "jobs", "team",
        "resources", "media", "press", "services", "portfolio", "gallery", "videos", "podcast",
    }
)
# Query parameters that make a URL a listing, search, feed, share or admin action.
NON_POST_PARAMS: frozenset[str] = frozenset(
    {
        "s", "q", "cat", "tag", "author", "m", "paged", "page", "page_id", "feed", "attachment_id",
        "replytocom", "share", "action", "preview", "updated-max", "updated-min", "max-results",
        "start-index", "by-date", "offset", "year", "month", "lang",
    }
)
# Extensions of pages that can be posts; anything else (.jpg, .pdf, .xml, .js...) is not.
PAGE_EXTENSIONS: frozenset[str] = frozenset({"", "html", "htm", "shtml", "php", "asp", "aspx"})
# Parent segments under which any slug is a post: /blog/slug, /posts/slug, Substack /p/slug.
POST_PARENT_SEGMENTS: frozenset[str] = frozenset(
    {
        "blog", "blogs", "post", "posts", "p", "article", "articles", "entry", "entries", "story",
        "stories", "notes", "writing", "essays", "news", "artikel", "beitrag", "beitraege",
        "billet", "billets",
    }
)

_YEAR = r"(?:19[89]\d|20\d\d)"
# /2024/03/12/slug, /2024/03/slug.html (Blogger), /2024/slug: a date prefix and then a slug.
DATED_POST_PATH = re.compile(rf"/{_YEAR}/(?:[01]?\d/(?:[0-3]?\d/)?)?(?!\d+/?$)[^/]+/?$")
# /2024/, /2024/03/, /2024/03/12/ (optionally under a prefix), old Blogger /2024_03_12_archive.html
DATE_ARCHIVE_PATH = re.compile(
    rf"/{_YEAR}(?:/[01]?\d(?:/[0-3]?\d)?)?/?$|/{_YEAR}_\d\d_\d\d_archive\.html$"
)
# /page/2/, /seite/3, /pagina/4, Jekyll /page2/: pagination of a listing.
PAGINATION_PATH = re.compile(r"/(?:page|seite|pagina|strona)/?\d+/?$")
# WordPress numeric permalinks /archives/123 and plain ids /posts/123.
NUMERIC_POST_PATH = re.compile(r"/(?:archives|posts?|p|entry|story|article)/\d+/?$")
# A slug with at least this many words reads as a headline, not a site section (calibrated on
# the 945 article URLs of the shared corpus and on WordPress/Ghost/Blogger page slugs).
MIN_SLUG_WORDS = 3
_SLUG_WORD = re.compile(r"[-_+]|%20")
_PAGINATION_PARAMS = frozenset({"paged", "page", "offset", "updated-max", "start", "pg"})


def _split(url: str) -> tuple[str, list[str], dict[str, str]] | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    segments = [s for s in parts.path.lower().split("/") if s]
    query = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    return parts.path.lower(), segments, query


def _extension(segment: str) -> str:
    return segment.rsplit(".", 1)[1] if "." in segment else ""


def is_pagination_url(url: str) -> bool:
    """Next/previous page of a listing: /page/2/, ?paged=2, Blogger /search?updated-max=…"""
    split = _split(url)
    if split is None:
        return False
    path, _segments, query = split
    if PAGINATION_PATH.search(path) or re.search(r"/page\d+/?$", path):
        return True
    if "updated-max" in query and path.startswith("/search"):
        return True
    return any(k in _PAGINATION_PARAMS and v.isdigit() for k, v in query.items()) and not (
        "s" in query or "q" in query
    )


def is_date_archive_url(url: str) -> bool:
    """Yearly/monthly/daily archive page: /2024/, /2024/03/, /2024/03/12/, ?m=202403."""
    split = _split(url)
    if split is None:
        return False
    path, _segments, query = split
    if re.fullmatch(r"\d{4}(?:\d\d){0,2}", query.get("m", "")):
        return True
    return bool(DATE_ARCHIVE_PATH.search(path))


def is_listing_url(url: str) -> bool:
    """A listing page worth visiting for more posts: pagination or a date archive."""
    return is_pagination_url(url) or is_date_archive_url(url)


def is_non_post_url(url: str) -> bool:
    """Certainly not a post: taxonomy, author, listing, feed, search, admin, share, files…"""
    split = _split(url)
    if split is None:
        return True
    path, segments, query = split
    if not segments and "p" not in query:
        return True  # the home page
    if NUMERIC_POST_PATH.search(path) and not query:
        return False  # /archives/123 despite the "archives" segment
    if any(s in NON_POST_SEGMENTS for s in segments) or re.search(r"/comment-page-\d+", path):
        return True
    if segments and _extension(segments[-1]) not in PAGE_EXTENSIONS:
        return True
    if len(segments) == 1 and segments[0].rsplit(".", 1)[0] in SITE_PAGE_SLUGS:
        return True
    if segments and re.fullmatch(r"wp-[\w-]+\.php", segments[-1]):
        return True
    if any(k in NON_POST_PARAMS for k in query):
        return True
    if len(segments) >= 2 and segments[0] == "p" and segments[-1].endswith(".html"):
        return True  # Blogger static page /p/about.html
    return is_listing_url(url)


def is_probable_post_url(url: str) -> bool:
    """Heuristic: does the URL look like a single blog post?

    Yes for /YYYY/MM/DD/slug, /YYYY/MM/slug.html (Blogger), ?p=123 (WordPress plain
    permalinks), /archives/123, /blog/slug, /p/slug (Substack) and long slugs (≥3 words);
    no for taxonomy, author, pagination, date archive, feed, API, admin and site pages.
    """
    if is_non_post_url(url):
        return False
    split = _split(url)
    if split is None:
        return False
    path, segments, query = split
    if "p" in query:
        return query["p"].isdigit()
    if not segments:
        return False
    if DATED_POST_PATH.search(path) or NUMERIC_POST_PATH.search(path):
        return True
    last = segments[-1].rsplit(".", 1)[0] if "." in segments[-1] else segments[-1]
    if len(segments) >= 2 and segments[-2] in POST_PARENT_SEGMENTS and not last.isdigit():
        return True
    if segments[0].startswith("@") and len(segments) >= 2:
        return True  # Medium-style /@author/slug-1a2b3c
    words = [w for w in _SLUG_WORD.split(last) if w]
    return len(words) >= MIN_SLUG_WORDS and last not in SITE_PAGE_SLUGS


# Sitemap name tokens that mean "not posts" (WordPress core, Yoast, Rank Math, Google XML
# Sitemaps, Jetpack, Ghost, Blogger).
NON_POST_SITEMAP_TOKENS: frozenset[str] = frozenset(
    {
        "page", "pages", "category", "categories", "tag", "tags", "taxonomies", "taxonomy", "tax",
        "users", "user", "author", "authors", "image", "images", "video", "videos", "attachment",
        "attachments", "product", "products", "misc", "archives", "archive", "locations", "local",
        "format", "topics", "labels",
    }
)


def is_post_sitemap(url: str) -> bool:
    """Could this sitemap list posts? False for pages/taxonomies/authors/images sitemaps.

    ``wp-sitemap-posts-post-1.xml``, ``post-sitemap.xml``, ``sitemap-posts.xml``, news sitemaps
    and plain ``sitemap.xml``/indexes → True; ``wp-sitemap-posts-page-1.xml``,
    ``wp-sitemap-users-1.xml``, ``category-sitemap.xml``, ``post_tag-sitemap.xml`` → False.
    """
    try:
        path = urlsplit(url.strip()).path.lower()
    except ValueError:
        return False
    name = re.sub(r"\.(?:xml|txt)(?:\.gz)?$|\.gz$", "", path.rstrip("/").rsplit("/", 1)[-1])
    tokens = {t for t in re.split(r"[-_.]", name) if t}
    return not tokens & NON_POST_SITEMAP_TOKENS


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WWW = re.compile(r"^www\d?\.")
# Sitemaps are capped at 50 MB uncompressed by the protocol; a larger gzip is a bomb or broken.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


def _site(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return _WWW.sub("", host.lower().rstrip("."))


def _root_url(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def _absolute(base: str, href: str | None) -> str | None:
    """Absolute http(s) URL without fragment, or None."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        parts = urlsplit(urljoin(base, href))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _iso(value: str | None) -> str | None:
    """ISO 8601 from RFC 822 (RSS), W3C/ISO (Atom, sitemaps) or loose text (listings)."""
    text = clean_inline(value)
    if not text or len(text) > 80:
        return None
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return iso_datetime(text)


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def _html_tree(html: str | bytes | None) -> lxml.html.HtmlElement | None:
    if not html:
        return None
    try:
        if isinstance(html, str):
            # lxml refuses str input that carries an encoding declaration
            html = _XML_DECLARATION.sub("", html, count=1)
        return lxml.html.document_fromstring(html)
    except (etree.LxmlError, ValueError):
        return None


def _html_base(tree: lxml.html.HtmlElement, url: str) -> str:
    base = tree.xpath("string(//base/@href)")
    return urljoin(url, base.strip()) if base.strip() else url


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
        body = _XML_DECLARATION.sub("", body.lstrip("\ufeff"), count=1).encode("utf-8")
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


def _dedupe(links: list[PostLink]) -> list[PostLink]:
    """Keep first occurrence of each URL, filling its missing fields from later ones."""
    merged: dict[str, PostLink] = {}
    for link in links:
        seen = merged.get(link.url)
        if seen is None:
            merged[link.url] = link
        elif (not seen.published and link.published) or (not seen.title and link.title):
            merged[link.url] = PostLink(
                seen.url, seen.published or link.published, seen.title or link.title
            )
    return list(merged.values())


# --------------------------------------------------------------------------------------------
# feeds
# --------------------------------------------------------------------------------------------

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
    tree = _html_tree(html)
    if tree is None:
        return []
    base = _html_base(tree, url)
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
        feed = _absolute(base, href)
        if (
            feed
            and not _COMMENT_FEED.search(feed)
            and not _COMMENT_TITLE.search(title)
            and not (post_prefix and feed.startswith(post_prefix))
        ):
            found.append(feed)
    return list(dict.fromkeys(found))


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
    if _site(url).endswith(".blogspot.com"):
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
                next_url = _absolute(_xml_base(channel, url), link.get("href"))
                break
    for item in items:
        if kind == "feed":
            href = _atom_link(item)
            base = _xml_base(item, url)
            published = _iso(_child_text(item, "published", "issued", "updated", "modified"))
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
            published = _iso(_child_text(item, "pubDate", "date", "published", "issued"))
            raw_title = _child_text(item, "title")
            title = _html_text(raw_title) if raw_title else None
        link = _absolute(base, href)
        if link and not _cut_off(tail, href):
            entries.append(PostLink(link, published, title))
    return _dedupe(entries), next_url


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
        link = _absolute(url, href)
        if not link:
            continue
        date = item.get("date_published") or item.get("date_modified")
        title = item.get("title")
        entries.append(
            PostLink(
                link,
                _iso(date) if isinstance(date, str) else None,
                clean_inline(title) or None if isinstance(title, str) else None,
            )
        )
    next_url = data.get("next_url")
    return _dedupe(entries), _absolute(url, next_url) if isinstance(next_url, str) else None


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
    found = (_absolute(base_url, s) for s in declared)
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
            link = _absolute(url, line)
            if link:
                links.append(PostLink(link))
    return _dedupe(links)


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
    return list(dict.fromkeys(children)), _dedupe(pages)


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
    return list(dict.fromkeys(children)), _dedupe(pages)


def _read_sitemap_entry(
    url: str, element: etree._Element, tail: str, children: list[str], pages: list[PostLink]
) -> bool:
    """Append a ``<sitemap>`` or ``<url>`` entry to ``children`` / ``pages``; False for any
    other element."""
    name = _local(element.tag)
    if name not in ("sitemap", "url"):
        return False
    raw_loc = _child_text(element, "loc")
    loc = _absolute(url, raw_loc)
    if not loc or _cut_off(tail, raw_loc):
        return True
    if name == "sitemap":
        children.append(loc)
        return True
    news = next(iter(_children(element, "news")), None)
    published = title = None
    if news is not None:
        published = _iso(_child_text(news, "publication_date"))
        title = clean_inline(_child_text(news, "title")) or None
    published = published or _iso(_child_text(element, "lastmod"))
    pages.append(PostLink(loc, published, title))
    return True


# --------------------------------------------------------------------------------------------
# home, archive and listing pages
# --------------------------------------------------------------------------------------------


def _has_class(name: str) -> str:
    # the plain contains() first is a cheap pre-filter for the exact class-token test
    token = f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
    return f"(contains(@class, '{name}') and {token})"


# An entry in a listing: WordPress (article.post, .hentry, .type-post), Blogger (.post-outer,
# .post.hentry, .blog-post), microformats 2 (.h-entry), generic (article).
POST_CONTAINER = (
    f"self::article or {_has_class('post')} or {_has_class('hentry')} or {_has_class('type-post')}"
    f" or {_has_class('post-outer')} or {_has_class('h-entry')} or {_has_class('blog-post')}"
    f" or {_has_class('entry')}"
)
_IN_BODY = (
    f"ancestor::*[{_has_class('entry-content')} or {_has_class('post-body')}"
    f" or {_has_class('entry-summary')} or {_has_class('comments-area')} or @id='comments']"
)
# Title links of listed posts, in page order.
_REL_BOOKMARK = "contains(concat(' ', normalize-space(@rel), ' '), ' bookmark ')"
_REL_NEXT = "contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
# Title links of listed posts, in page order.
POST_TITLE_LINKS_XPATH = (
    f"//*[{POST_CONTAINER}]//*[self::h1 or self::h2 or self::h3][not({_IN_BODY})]//a[@href]"
    f" | //a[@href][{_REL_BOOKMARK}][not({_IN_BODY})]"
    f" | //*[{_has_class('entry-title')} or {_has_class('post-title')} or {_has_class('p-name')}]"
    f"//a[@href][not({_IN_BODY})]"
    # Blogger's archive widget lists the posts of the open month
    f" | //*[{_has_class('BlogArchive')}]//ul[{_has_class('posts')}]//a[@href]"
    # WordPress "Recent Posts" widget and block
    f" | //*[{_has_class('widget_recent_entries')} or {_has_class('wp-block-latest-posts')}]"
    "//a[@href]"
)
NEAREST_CONTAINER_XPATH = f"ancestor::*[{POST_CONTAINER}][1]"
# Dates inside a listed post, best first: machine-readable attributes, then visible text.
LISTING_DATE_ATTR_XPATHS: tuple[str, ...] = (
    ".//time/@datetime",
    ".//*[@itemprop='datePublished']/@content",
    ".//*[@itemprop='datePublished']/@datetime",
    f".//abbr[{_has_class('published')}]/@title",
    f".//*[{_has_class('published')}]/@title",
)
LISTING_DATE_TEXT_XPATHS: tuple[str, ...] = (
    ".//time",
    f".//*[{_has_class('entry-date')} or {_has_class('published')} or {_has_class('post-date')}]",
)
# Blogger groups posts by day under <h2 class="date-header"> outside each .post-outer.
BLOGGER_DATE_HEADER_XPATH = (
    f"ancestor::*[{_has_class('date-outer')}][1]//*[{_has_class('date-header')}]"
)
# Pagination and "older posts" controls.
PAGER_LINKS_XPATH = (
    f"//link[@href][{_REL_NEXT}] | //a[@href][{_REL_NEXT}]"
    f" | //*[{_has_class('pagination')} or {_has_class('posts-navigation')}"
    f" or {_has_class('nav-links')} or {_has_class('wp-pagenavi')} or {_has_class('blog-pager')}"
    f" or {_has_class('navigation')} or {_has_class('pager')} or {_has_class('page-nav')}"
    f" or {_has_class('wp-block-query-pagination')}]//a[@href][not({_has_class('home-link')})]"
    f" | //a[@href][{_has_class('blog-pager-older-link')} or {_has_class('next')}"
    f" or {_has_class('older-posts')} or {_has_class('page-numbers')}"
    f" or {_has_class('nav-previous')} or {_has_class('wp-block-query-pagination-next')}]"
    f" | //*[{_has_class('nav-previous')} or {_has_class('nav-next')}]//a[@href]"
)
ALL_LINKS_XPATH = f"//a[@href] | //link[@href][{_REL_NEXT}]"
# Where to look for post links on pages without recognisable post markup.
MAIN_CONTENT_LINKS_XPATH = (
    "//main//a[@href] | //*[@role='main']//a[@href] | //*[@id='content' or @id='main']//a[@href]"
)
_CHROME = (
    "ancestor::*[self::nav or self::header or self::footer or self::aside"
    f" or {_has_class('widget')}"
    f" or {_has_class('comments-area')} or @id='comments' or {_has_class('sharedaddy')}]"
)


def _listing_date(anchor: lxml.html.HtmlElement) -> str | None:
    containers = anchor.xpath(NEAREST_CONTAINER_XPATH)
    if containers:
        container = containers[0]
        for xpath in LISTING_DATE_ATTR_XPATHS:
            for value in container.xpath(xpath):
                iso = _iso(str(value))
                if iso:
                    return iso
        for xpath in LISTING_DATE_TEXT_XPATHS:
            for element in container.xpath(xpath):
                iso = _iso(element.text_content())
                if iso:
                    return iso
    for header in anchor.xpath(BLOGGER_DATE_HEADER_XPATH):
        iso = _iso(header.text_content())
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
    tree = _html_tree(html)
    if tree is None:
        return [], []
    base = _html_base(tree, url)
    site = _site(url)
    here = _absolute(url, url)

    here_path = urlsplit(here or url).path

    def resolve(element: lxml.html.HtmlElement) -> str | None:
        link = _absolute(base, element.get("href"))
        if link is None or _site(link) != site or link == here:
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
    return _dedupe(posts), list(dict.fromkeys(listings))
