"""What a URL says about a blog post: the link type discovery returns, and URL heuristics.

Pure predicates over regex and word-list constants, so they can be tested with URL→bool tables
(``tests/test_parsing_discovery.py``). ``feeds.py`` (feeds and sitemaps) and ``listings.py``
(HTML pages) build on them; the ``blogs`` spider decides what to fetch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlsplit

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
# helpers shared by feeds, sitemaps and listings
# --------------------------------------------------------------------------------------------

_WWW = re.compile(r"^www\d?\.")


def site_of(url: str) -> str:
    """The URL's host without ``www.``: two URLs of one blog share it."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return _WWW.sub("", host.lower().rstrip("."))


def link_date(value: str | None) -> str | None:
    """ISO 8601 from RFC 822 (RSS), W3C/ISO (Atom, sitemaps) or loose text (listings)."""
    text = clean_inline(value)
    if not text or len(text) > 80:
        return None
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    return iso_datetime(text)


def merge_links(links: list[PostLink]) -> list[PostLink]:
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

