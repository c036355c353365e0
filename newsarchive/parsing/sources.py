"""The links an event cites, as ``Source`` records, whatever the page wrote in their ``href``.

A malformed link (``http://example.com:abc/x``: "Port could not be cast to integer value") has no
canonical form and so no article id; it is kept, with status ``invalid``, instead of taking the
whole event down with it. The spiders never fetch it and count it (``newsarchive/dropped/
invalid_url``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsarchive.items import Source, SourceKind
from newsarchive.urls import record_id, url_key

INVALID = "invalid"

# Images, video, audio and documents: recorded as media, never fetched as articles (DESIGN §2).
MEDIA_EXTENSIONS = frozenset({
    "jpg", "jpeg", "png", "gif", "webp", "svg", "tif", "tiff", "bmp", "avif", "heic",
    "mp4", "m4v", "webm", "mov", "ogv", "ogg", "oga", "avi", "mkv", "mp3", "wav", "flac", "m3u8",
    "pdf",
})
# Hosts that serve files or video players, never article text (a YouTube watch page included).
MEDIA_HOSTS = frozenset({"upload.wikimedia.org", "youtube.com", "youtu.be", "vimeo.com",
                         "dailymotion.com", "i.imgur.com", "pbs.twimg.com"})
# Event pages label their media links: "Cover Image", "Photo", "Video"...
MEDIA_LABELS = re.compile(r"\b(?:cover image|image|photo|picture|video|audio|gallery)\b", re.I)


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


def source_kind(url: str, label: str = "") -> SourceKind:
    """``media`` for a file, a video player or a wiki file page, or a link its label calls an
    image or a video; else ``article`` (fetched, its text extracted).

    Event pages and the portal both ask this; the portal passes no label (its labels name the
    outlet).
    """
    if label and MEDIA_LABELS.search(label):
        return "media"
    try:
        parts = urlsplit(url)
    except ValueError:  # malformed: kept as an invalid source (``make_source``)
        return "article"
    host = re.sub(r"^(?:www|m)\.", "", (parts.hostname or "").lower())
    if host in MEDIA_HOSTS:
        return "media"
    path = parts.path.lower()
    if "/wiki/file:" in path or "/wiki/image:" in path:
        return "media"
    last = path.rsplit("/", 1)[-1]
    extension = last.rsplit(".", 1)[-1] if "." in last else ""
    return "media" if extension in MEDIA_EXTENSIONS else "article"


def make_source(url: str, label: str, kind: str, key: str | None = None) -> Source:
    """A cited link: an article (fetched later), media (recorded), or an invalid URL (kept).

    ``key``: the URL's ``checked_url_key`` when the caller has it already (an event page's
    links are keyed to drop repeats), so the URL is not canonicalized again.
    """
    if key is None:
        key = checked_url_key(url)
    if key is None:
        return Source(url=url, label=label, kind=kind, article_id=None,  # type: ignore[arg-type]
                      status=INVALID, reason="invalid_url")  # type: ignore[arg-type]
    article_id = record_id(key) if kind == "article" else None  # ``url_id``
    return Source(url=url, label=label, kind=kind, article_id=article_id,  # type: ignore[arg-type]
                  status="skipped")
