"""Soft-404s: pages that answer, but not with the article that was linked.

Pure functions over URLs and HTML, no Scrapy. Two tells are checked in the crawl process, before a
page is queued for extraction (both read only URLs and the page head, so they cost microseconds):

- ``home_redirect``: the link redirected to the site's home page or to a section front (a path
  that is a short prefix of the linked one: ``/world/2017/09/05/story`` → ``/world/``), as news
  sites do with expired URLs.
- ``gone_title``: the page's ``<title>`` or first ``<h1>`` says the page is gone ("Page not
  found", "404", "no longer available"...), whatever the HTTP status.

The third tell, a page that holds no article at all, is what extraction finds (``not_an_article``).
No library does these checks; the phrase list is hand-written and covers English and the most
common wording of a few other languages.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

HEAD_CHARS = 65536  # the title and the first heading are in the page's first 64 K characters

# Phrases that say a page is gone wherever they stand in a short title or heading.
GONE_PHRASES = (
    r"page (?:was |could )?not (?:be )?found", r"page can(?:no|')t be found",
    r"(?:page|url) (?:you (?:are|were) looking for|you requested|requested)"
    r" (?:could not|cannot|can't|doesn't|does not|is not|was not|no longer)",
    r"page (?:does not|doesn't|no longer) exists?",
    r"(?:page|article|story|content) (?:is )?no longer (?:available|exists?)",
    r"(?:page|article|story|content) (?:has been|was) (?:removed|deleted)",
    r"error 404", r"404 error", r"404 not found", r"410 gone", r"file not found",
    r"seite nicht gefunden", r"page introuvable", r"página no encontrada",
    r"pagina non trovata", r"pagina niet gevonden", r"página não encontrada",
)
GONE_RE = re.compile(r"(?<!\w)(?:" + "|".join(GONE_PHRASES) + r")(?!\w)", re.IGNORECASE)
# Words that say so only when they are a whole part of the title ("404 | The Times", "Not
# Found"): inside a headline they are news ("404 dead in floods", "Missing hiker not found").
GONE_PART_RE = re.compile(r"(?:error )?(?:404|410)(?: error)?|not found|oops|error|gone|page gone",
                          re.IGNORECASE)
TITLE_SEPARATORS = re.compile(r"\s+[|\-\u2013\u2014:\u00b7]\s+|\s*[|\u00b7]\s*")
TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")
# A title longer than this is a real headline that happens to quote a phrase ("404 flights
# cancelled..."): error pages have short titles. Calibrated on the fixtures' titles (≤ 60).
MAX_GONE_TITLE = 80
# A title up to this long may be only the site's name: the first heading is read too.
MAX_SITE_TITLE = 30
# Path segments of a section front after which an article path usually goes on.
SECTION_DEPTH = 2
INDEX_NAMES = {"", "index", "index.html", "index.htm", "index.php", "default.aspx", "home"}


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def home_redirect(linked_url: str, final_url: str) -> bool:
    """True when ``final_url`` (after redirects) is the linked site's home page or a section
    front: same site, a path of at most ``SECTION_DEPTH`` segments that the linked path starts
    with (or the root), while the linked path was longer, and no query that could name a story."""
    linked, final = urlsplit(linked_url), urlsplit(final_url)
    if _site(linked.hostname) != _site(final.hostname):
        return False
    linked_segments = _segments(linked.path)
    final_segments = _segments(final.path)
    if final_segments and final_segments[-1].lower() in INDEX_NAMES:
        final_segments = final_segments[:-1]
    if not final_segments:
        return bool(linked_segments) or bool(linked.query)
    if len(final_segments) > SECTION_DEPTH or len(final_segments) >= len(linked_segments):
        return False
    if final.query:
        return False
    return [s.lower() for s in linked_segments[: len(final_segments)]] == [
        s.lower() for s in final_segments
    ]


def _site(host: str | None) -> str:
    host = (host or "").lower()
    return host[4:] if host.startswith("www.") else host


def clean_title(fragment: str) -> str:
    """A title or heading's text: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(unescape(TAG_RE.sub(" ", fragment)).split())


def gone_title(html: str) -> str | None:
    """The title or first heading of a page that says it is gone, else None.

    The heading is read only when the title is missing or short (a bare site name): a title
    that carries a headline already says what the page is, and finding the first ``<h1>`` costs
    ten times more than the title (60 µs a corpus page)."""
    # ``endpos`` reads the head as ``html[:HEAD_CHARS]`` would, without copying 64 K characters
    match = TITLE_RE.search(html, 0, HEAD_CHARS)
    title = clean_title(match.group(1)) if match else ""
    if title and len(title) <= MAX_GONE_TITLE and _says_gone(title):
        return title
    if len(title) > MAX_SITE_TITLE:
        return None
    match = H1_RE.search(html, 0, HEAD_CHARS)
    heading = clean_title(match.group(1)) if match else ""
    if heading and len(heading) <= MAX_GONE_TITLE and _says_gone(heading):
        return heading
    return None


def _says_gone(text: str) -> bool:
    if GONE_RE.search(text):
        return True
    parts = (part.strip(" !.?-") for part in TITLE_SEPARATORS.split(text))
    return any(GONE_PART_RE.fullmatch(part) for part in parts if part)
