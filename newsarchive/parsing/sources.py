"""The links an event cites, as ``Source`` records, whatever the page wrote in their ``href``.

A malformed link (``http://example.com:abc/x``: "Port could not be cast to integer value") has no
canonical form and so no article id; it is kept, with status ``invalid``, instead of taking the
whole event down with it. The spiders never fetch it and count it (``newsarchive/dropped/
invalid_url``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from newsarchive.items import Source
from newsarchive.urls import url_id, url_key

INVALID = "invalid"


def checked_url_key(url: str) -> str | None:
    """The URL's identity key, or None when the URL cannot be parsed or (http) names no host."""
    try:
        parts = urlsplit(url.strip())
        if parts.scheme in {"http", "https"} and not parts.hostname:
            return None
        return url_key(url)
    except ValueError:  # a bad port, an unclosed IPv6 bracket...
        return None


def is_valid_link(url: str) -> bool:
    return checked_url_key(url) is not None


def make_source(url: str, label: str, kind: str) -> Source:
    """A cited link: an article (fetched later), media (recorded), or an invalid URL (kept)."""
    if not is_valid_link(url):
        return Source(url=url, label=label, kind=kind, article_id=None,  # type: ignore[arg-type]
                      status=INVALID, reason="invalid_url")  # type: ignore[arg-type]
    article_id = url_id(url) if kind == "article" else None
    return Source(url=url, label=label, kind=kind, article_id=article_id,  # type: ignore[arg-type]
                  status="skipped")
