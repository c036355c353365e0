"""The records newsarchive writes: the downstream contract (DESIGN §3, schema version 1).

Plain dataclasses, no Scrapy import: parsers build them, pipelines fill the run fields, and
Scrapy's feed exporters route each class to its own JSON Lines file via ``item_classes``.
Fields listed in ``INTERNAL_FIELDS`` travel between stages and are never exported: every
exporter reads records through ``exporters.RecordAdapter`` (registered with itemadapter when the
add-on loads), which shows a record's schema fields only, whatever the feed (``-o``/``-O`` too).
Nothing here imports itemadapter: it imports Scrapy, Twisted and pydantic, which the extraction
workers, importing this module, do not need (~30 MB and 0.4 s in their fork server).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from w3lib.encoding import html_to_unicode

SCHEMA_VERSION = 1

SourceKind = Literal["article", "media"]
# refused: the link points into a private network (newsarchive/middlewares/safety.py)
SourceStatus = Literal["ok", "dead", "archived", "skipped", "invalid", "refused"]


@dataclass(frozen=True)
class FetchedPage:
    """A fetched page's bytes and the encoding Scrapy chose for it, decoded only where parsed.

    The crawl process keeps pages waiting for an extraction worker in this form: decoded, the
    text of a typical page is twice its bytes (one character outside Latin-1 makes every
    character 2 bytes in a Python string, an emoji 4).
    """

    body: bytes
    encoding: str

    def text(self) -> str:
        """What Scrapy's ``response.text`` gives for it."""
        return html_to_unicode(f"charset={self.encoding}", self.body)[1]


def page_text(page: str | FetchedPage | None) -> str:
    if isinstance(page, FetchedPage):
        return page.text()
    return page or ""


@dataclass
class PageFetch:
    """How an article page was fetched (internal, never exported): the crawl state keeps it with
    the archived article so that the next cron run fetches the page again only when its comments
    can grow (``threaded``, set by extraction), and then with a conditional request."""

    key: str  # ``urls.url_key`` of the URL the article was linked by
    etag: str | None = None
    last_modified: str | None = None
    paged: bool = False  # the page linked further pages of its comments
    threaded: bool = False  # the page had a comment section, comments or comment paging


@dataclass
class Capture:
    """Where a record's page is in the raw capture: the WARC file (a name under
    ``runs/<run_id>/warc/``, the run id is its prefix) and the ``WARC-Record-ID`` of the
    ``response`` (or ``revisit``) record it was extracted from."""

    warc_file: str
    record_id: str


@dataclass
class Source:
    """A link an event cites: a news article (fetched) or media (recorded, never fetched)."""

    url: str
    label: str
    kind: SourceKind = "article"
    article_id: str | None = None
    status: SourceStatus = "skipped"
    # Why a source is not ``ok``: the drop or failure reason (``not_an_article``, ``http_404``...).
    reason: str | None = None


@dataclass
class Related:
    """Another event an event page points at, with the topics that connect them."""

    id: str
    url: str
    headline: str
    context: list[str] = field(default_factory=list)


@dataclass
class Event:
    id: str
    url: str
    date: str | None
    headline: str
    summary: str
    context: list[str] = field(default_factory=list)
    category: str | None = None
    sources: list[Source] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    event_source: str = "site"
    type: Literal["event"] = "event"
    schema_version: int = SCHEMA_VERSION
    fetched_at: str | None = None
    run_id: str | None = None
    capture: Capture | None = None


@dataclass
class ArchivedFrom:
    """Where an article's page came from when its URL was dead: a web archive's capture.

    The article keeps its ``url`` and ``id`` (the same story, live or archived); ``final_url`` is
    the URL as captured and ``http_status`` the capture's.
    """

    archive: str  # the archive's base URL (``NEWSARCHIVE_WAYBACK_URL``)
    memento_url: str  # the capture's replay URL (URI-M); its raw bytes are at ``.../<ts>id_/...``
    memento_datetime: str  # when the archive captured the page (UTC, ISO 8601)
    dead_reason: str  # why the live URL was not used (``newsarchive/dead/<kind>``)


@dataclass
class Article:
    id: str
    url: str
    canonical_url: str | None = None
    final_url: str | None = None
    kind: Literal["news", "blog"] = "news"
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    body: str = ""
    word_count: int = 0
    content_hash: str | None = None
    simhash: str | None = None
    duplicate_of: str | None = None
    event_ids: list[str] = field(default_factory=list)
    comment_count: int = 0
    http_status: int | None = None
    archived_from: ArchivedFrom | None = None  # set when the page came from a web archive
    type: Literal["article"] = "article"
    schema_version: int = SCHEMA_VERSION
    fetched_at: str | None = None
    run_id: str | None = None
    capture: Capture | None = None
    # Internal, never exported: the page and its further comment pages ([(url, page), ...]),
    # as text or as fetched bytes, carried from the spider to the extraction stage, which clears
    # them; and the body's MinHash sketch, computed by the extraction workers for dedupe; and how
    # the page was fetched, for the crawl state.
    html: str | FetchedPage | None = None
    comment_pages: list[tuple[str, str | FetchedPage]] = field(default_factory=list)
    sketch: bytes | None = None
    fetch: PageFetch | None = None


@dataclass
class Comment:
    id: str
    article_id: str
    parent_id: str | None = None
    position: int = 0
    author: str | None = None
    author_url: str | None = None
    published: str | None = None
    text: str = ""
    url: str | None = None
    type: Literal["comment"] = "comment"
    schema_version: int = SCHEMA_VERSION
    fetched_at: str | None = None
    run_id: str | None = None


INTERNAL_FIELDS = frozenset({"html", "comment_pages", "sketch", "fetch"})


def exported_fields(cls: type) -> list[str]:
    """Field names of a record class in contract order, without internal fields."""
    return [name for name in cls.__dataclass_fields__ if name not in INTERNAL_FIELDS]


RECORD_TYPES: dict[str, type] = {"event": Event, "article": Article, "comment": Comment}


def record_fields() -> list[str]:
    """Every record type's exported fields, ``type`` first, in contract order (a CSV header)."""
    names = ["type"]
    for cls in RECORD_TYPES.values():
        names += [name for name in exported_fields(cls) if name not in names]
    return names


@dataclass
class ArticleResult:
    """What extracting one article page gives (``extraction.extract_article_record``).

    Defined here, not beside the extraction code: the crawl process unpickles these from the
    pool's workers, and must not have to import the extraction stack to do so.
    """

    article: Article
    comments: list[Comment]
    problems: dict[str, int]  # comment problems fixed or dropped (see ``newsarchive.threads``)
    error: str | None  # the page is not an article: drop it
