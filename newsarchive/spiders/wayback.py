"""Dead sources recovered from a web archive, politely.

A source that is dead (``newsarchive.dead``) is looked up in a Wayback-style archive: a CDX query
lists its 200 captures closest to the date it matters for (an event's date; for a blog post or a
source of no event, the newest before the link was found dead), and the best capture's raw bytes
(``/web/<timestamp>id_/<url>``) are extracted like a live page. A capture that is itself a
soft-404 is rejected and the next one tried (at most ``NEWSARCHIVE_WAYBACK_MAX_CAPTURES``). The
article keeps its URL and id and records where it came from (``Article.archived_from``); the
event's source gets ``status: archived``.

Politeness (``ArchiveLane``): one archive request at a time, in a download slot of its own
(``DOWNLOAD_SLOTS``, set by the add-on), at most ``NEWSARCHIVE_WAYBACK_RATE`` requests a minute;
429 and ``Retry-After`` honoured; after ``NEWSARCHIVE_WAYBACK_MAX_FAILURES`` failures in a row
(429, 5xx, no connection) no more archive requests this run: the sources still waiting are given
this run's ``dead`` status but no lookup result is remembered, so a later run asks again. Only one
archive request is ever in the downloader, so the live crawl keeps its concurrency.

Each lookup's result (capture found or none, when) is kept in the crawl state; a later run does
not ask again about a URL within ``NEWSARCHIVE_WAYBACK_RECHECK_DAYS``.

Requests for captures carry the URL they stand for and the memento's datetime in their meta
(``META_ORIGINAL_URL``, ``META_MEMENTO_DATETIME``), for raw capture (WARC) to record them against
the original URL.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from time import monotonic
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import CallLaterResult, call_later
from twisted.python.failure import Failure

from newsarchive.capture import ORIGINAL_URL_META
from newsarchive.capture.middleware import capture_of
from newsarchive.dead import (
    BOT_WALL,
    SOFT404_GONE_TITLE,
    SOFT404_NO_ARTICLE,
    SOFT404_REDIRECT,
    count_dead,
)
from newsarchive.drops import failure_reason
from newsarchive.items import ArchivedFrom, Article, FetchedPage
from newsarchive.middlewares.safety import is_private_host
from newsarchive.parsing.bot_wall import bot_wall
from newsarchive.parsing.cdx import (
    BadArchiveAnswer,
    Capture,
    cdx_query_url,
    memento_datetime,
    memento_parts,
    memento_url,
    order_captures,
    parse_cdx_json,
    parse_timemap,
    timemap_url,
)
from newsarchive.parsing.soft404 import gone_title, home_redirect
from newsarchive.state.base import ArchiveLookup
from newsarchive.urls import url_key

SLOT = "newsarchive-wayback"
META_ORIGINAL_URL = ORIGINAL_URL_META  # the URL a capture request stands for (raw capture reads it)
META_MEMENTO_DATETIME = "newsarchive_memento_datetime"  # the capture's datetime (UTC ISO 8601)
STATS = "newsarchive/wayback/"
ARCHIVE_PRIORITY = 40  # above every live request type: the lane holds one request at a time
MAX_ARCHIVE_REDIRECTS = 3

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WaybackConfig:
    """The ``NEWSARCHIVE_WAYBACK_*`` settings."""

    enabled: bool
    base_url: str
    rate: float  # requests per minute
    recheck_days: float
    max_captures: int
    max_failures: int
    backoff: float  # seconds before retrying after a failure without Retry-After (doubles)
    max_wait: float  # a Retry-After longer than this ends lookups for the run
    timeout: float
    api: str = "cdx"  # how captures are listed: "cdx" or "timemap" (Memento, RFC 7089)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> WaybackConfig:
        base = (settings.get("NEWSARCHIVE_WAYBACK_URL") or "").rstrip("/")
        rate = settings.getfloat("NEWSARCHIVE_WAYBACK_RATE")
        return cls(
            enabled=settings.getbool("NEWSARCHIVE_WAYBACK_ENABLED") and bool(base) and rate > 0,
            base_url=base,
            rate=rate,
            recheck_days=settings.getfloat("NEWSARCHIVE_WAYBACK_RECHECK_DAYS"),
            max_captures=max(1, settings.getint("NEWSARCHIVE_WAYBACK_MAX_CAPTURES")),
            max_failures=max(1, settings.getint("NEWSARCHIVE_WAYBACK_MAX_FAILURES")),
            backoff=settings.getfloat("NEWSARCHIVE_WAYBACK_BACKOFF"),
            max_wait=settings.getfloat("NEWSARCHIVE_WAYBACK_MAX_WAIT"),
            timeout=settings.getfloat("NEWSARCHIVE_WAYBACK_TIMEOUT"),
            api=_api(settings.get("NEWSARCHIVE_WAYBACK_API") or "cdx"),
        )

    @property
    def interval(self) -> float:
        """Least seconds between two archive requests."""
        return 60.0 / self.rate

    @property
    def host(self) -> str:
        return (urlsplit(self.base_url).hostname or "").lower()


def _api(name: str) -> str:
    if name not in ("cdx", "timemap"):
        raise ValueError(f"NEWSARCHIVE_WAYBACK_API must be 'cdx' or 'timemap', not {name!r}")
    return name


def slot_settings(settings: BaseSettings) -> dict[str, Any]:
    """The archive's ``DOWNLOAD_SLOTS`` entry: one request at a time, ``60 / rate`` s apart."""
    rate = settings.getfloat("NEWSARCHIVE_WAYBACK_RATE") or 1.0
    return {"concurrency": 1, "delay": 60.0 / rate, "jitter": 0}


@dataclass
class Lookup:
    """One dead article being looked up; travels in the archive requests' ``cb_kwargs``."""

    article: Article
    dead_reason: str  # the dead kind
    drop_reason: str  # counted as a drop if no capture is found
    target: datetime
    before: datetime | None = None
    candidates: list[Capture] = field(default_factory=list)
    tried: int = 0
    redirects: int = 0
    drop_counted: bool = False  # the drop was counted already (by extraction)


class ArchiveLane:
    """Sends archive requests one at a time, spaced by the configured rate, and waits as the
    archive asks (``Retry-After``). Keeps the spider open while it holds work."""

    def __init__(self, crawler: Crawler, config: WaybackConfig) -> None:
        self.crawler = crawler
        self.config = config
        self.queue: deque[scrapy.Request] = deque()
        self.busy = False
        self.next_allowed = 0.0
        self.failures = 0  # in a row
        self.stopped: str | None = None  # why lookups ended for this run
        self.timer: CallLaterResult | None = None
        self.watchdog: CallLaterResult | None = None
        crawler.signals.connect(self.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.on_closed, signal=signals.spider_closed)

    @property
    def pending(self) -> bool:
        return self.busy or bool(self.queue) or self.timer is not None

    def submit(self, request: scrapy.Request, first: bool = False) -> None:
        if first:
            self.queue.appendleft(request)
        else:
            self.queue.append(request)
        self._pump()

    def done(self, follow_up: scrapy.Request | None = None, wait: float = 0.0) -> None:
        """The request in flight was answered; ``follow_up`` goes next, after ``wait`` s."""
        self._answered()
        if wait > 0:
            self.next_allowed = max(self.next_allowed, monotonic() + wait)
        if follow_up is not None:
            self.queue.appendleft(follow_up)
        self._pump()

    def stop(self, why: str) -> list[scrapy.Request]:
        """No more archive requests this run; returns the requests that were waiting."""
        self.stopped = why
        self._answered()
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        waiting = list(self.queue)
        self.queue.clear()
        return waiting

    def _pump(self) -> None:
        if self.busy or self.timer is not None or not self.queue or self.stopped:
            return
        wait = self.next_allowed - monotonic()
        if wait > 0:
            self.timer = call_later(wait, self._fire)
            return
        self.busy = True
        self.next_allowed = monotonic() + self.config.interval
        self.crawler.stats.inc_value(STATS + "requests")
        # The download timeout bounds the answer; past it (plus the slot's delay), the request
        # was taken by another worker of a shared queue (scrapy-redis): stop waiting for it.
        self.watchdog = call_later(self.config.timeout + self.config.interval + 5, self._overdue)
        self.crawler.engine.crawl(self.queue.popleft())

    def _answered(self) -> None:
        self.busy = False
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None

    def _overdue(self) -> None:
        self.watchdog = None
        if self.busy:
            self.crawler.stats.inc_value(STATS + "overdue")
            self.busy = False
            self._pump()

    def _fire(self) -> None:
        self.timer = None
        self._pump()

    def on_closed(self) -> None:
        """A crawl stopped early (Ctrl-C, a close condition): no timer may fire after it."""
        if not self.stopped:
            self.stop("the crawl closed")

    def on_idle(self) -> None:
        if self.pending and not self.stopped:
            raise DontCloseSpider


_Reader = Callable[["WaybackMixin", Response, Lookup], Iterator[Any]]


def _archive_answer(read: _Reader) -> _Reader:
    """A callback for the archive's answers: an archive in trouble (429, 5xx...) has the request
    retried later or the lane stopped; any other answer resets the failure count and is read."""

    @functools.wraps(read)
    def callback(self: WaybackMixin, response: Response, lookup: Lookup) -> Iterator[Any]:
        if self._archive_trouble(response):
            yield from self._retry_or_stop(response.request, lookup, response.status,
                                           _retry_after(response))
            return
        self.wayback.failures = 0
        yield from read(self, response, lookup)

    return callback


class WaybackMixin:
    """Archive lookups for ``ArticleFetchMixin``; needs ``crawler``, ``state``, ``logger``,
    ``count_drop``, ``is_text_page`` and ``article_settled`` of the spider."""

    _wayback: ArchiveLane | None = None
    _wayback_config: WaybackConfig | None = None
    _captures_extracting: dict[str, Lookup] | None = None  # article id -> its lookup

    @property
    def wayback_config(self) -> WaybackConfig:
        if self._wayback_config is None:
            self._wayback_config = WaybackConfig.from_settings(self.crawler.settings)
        return self._wayback_config

    @property
    def wayback(self) -> ArchiveLane:
        if self._wayback is None:
            self._wayback = ArchiveLane(self.crawler, self.wayback_config)
        return self._wayback

    def lookup_target(self, article: Article) -> tuple[datetime, datetime | None]:
        """Hook: the moment the wanted capture should be closest to, and the latest acceptable
        one (None: either side). Default, for a source of no event: the newest before now."""
        now = datetime.now(UTC)
        return now, now

    # -- starting a lookup --------------------------------------------------------------------

    def look_up_dead(self, article: Article, kind: str, drop_reason: str, detail: str,
                     drop_counted: bool = False) -> Iterator[Any]:
        """A dead article: look it up in the archive, or settle it ``dead`` (counted drop)."""
        config = self.wayback_config
        if not self._archivable(article, config):
            if not drop_counted:
                self.count_drop(drop_reason, article.url, detail)
            yield from self.article_settled(article, "dead", drop_reason)
            return
        if self.wayback.stopped:
            yield from self._unsettled(article, drop_reason, detail, drop_counted)
            return
        remembered = self._remembered(article, config)
        target, before = self.lookup_target(article)
        lookup = Lookup(article, kind, drop_reason, target, before, drop_counted=drop_counted)
        if remembered is not None and not remembered.found:
            self.crawler.stats.inc_value(STATS + "remembered_none")
            if not drop_counted:
                self.count_drop(drop_reason, article.url, f"{detail}; no capture (archive asked "
                                                           f"{remembered.checked_at})")
            yield from self.article_settled(article, "dead", drop_reason)
            return
        if remembered is not None and remembered.memento_url:
            parts = memento_parts(remembered.memento_url)
            if parts is not None:  # the capture found last time: fetch it again, no CDX query
                self.crawler.stats.inc_value(STATS + "remembered_found")
                lookup.candidates = [Capture(parts[0], parts[1], 200)]
                self.wayback.submit(self._capture_request(lookup, config))
                return
        self.crawler.stats.inc_value(STATS + "lookups")
        if config.api == "timemap":
            url = timemap_url(config.base_url, article.url)
        else:
            url = cdx_query_url(config.base_url, article.url, target, config.max_captures * 3, before)
        self.wayback.submit(self._archive_request(url, self.wayback_listing, lookup, config))

    def _archivable(self, article: Article, config: WaybackConfig) -> bool:
        if not config.enabled:
            return False
        host = urlsplit(article.url).hostname or ""
        if urlsplit(article.url).scheme not in {"http", "https"}:
            return False
        # A private address is never sent to a public archive (it would only leak it).
        return not is_private_host(host) or is_private_host(config.host)

    def _remembered(self, article: Article, config: WaybackConfig) -> ArchiveLookup | None:
        state = self.state
        if state is None:
            return None
        lookup = state.archive_lookup(url_key(article.url, self.tracking_params))
        if lookup is None:
            return None
        try:
            checked = datetime.fromisoformat(lookup.checked_at)
        except ValueError:
            return None
        if datetime.now(UTC) - checked > timedelta(days=config.recheck_days):
            return None
        return lookup

    def _remember(self, lookup: Lookup, found: ArchivedFrom | None, raw_url: str | None) -> None:
        state = self.state
        if state is None:
            return
        state.set_archive_lookup(
            url_key(lookup.article.url, self.tracking_params),
            ArchiveLookup(found is not None, raw_url, found.memento_datetime if found else None,
                          datetime.now(UTC).isoformat(timespec="seconds")),
            lookup.article.id if found is not None else None)

    # -- requests ------------------------------------------------------------------------------

    def _archive_request(self, url: str, callback: Any, lookup: Lookup, config: WaybackConfig,
                         **meta: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.wayback_failed, cb_kwargs={"lookup": lookup},
            priority=ARCHIVE_PRIORITY, dont_filter=True,
            meta={
                "download_slot": SLOT,
                "download_timeout": config.timeout,
                "autothrottle_dont_adjust_delay": True,
                # statuses, redirects and retries are handled here, with the archive's rules
                "handle_httpstatus_all": True,
                "dont_redirect": True,
                "dont_retry": True,
                # the CDX server and raw replay are the archive's API for programs; the
                # original site's robots.txt says nothing about them
                "dont_obey_robotstxt": True,
                **meta,
            },
        )

    def _capture_request(self, lookup: Lookup, config: WaybackConfig,
                         url: str | None = None) -> scrapy.Request:
        capture = lookup.candidates[lookup.tried]
        return self._archive_request(
            url or memento_url(config.base_url, capture), self.wayback_capture, lookup, config,
            **{META_ORIGINAL_URL: lookup.article.url,
               META_MEMENTO_DATETIME: capture.when.isoformat(timespec="seconds")})

    # -- answers -------------------------------------------------------------------------------

    @_archive_answer
    def wayback_listing(self, response: Response, lookup: Lookup) -> Iterator[Any]:
        """The archive's list of captures (a CDX answer or a TimeMap)."""
        config = self.wayback_config
        if response.status != 200:  # 4xx: the archive will not list this URL
            self.crawler.stats.inc_value(STATS + f"listing_http_{response.status}")
            yield from self._not_found(lookup, f"{config.api} answered HTTP {response.status}",
                                       remember=True)
            return
        try:
            parse = parse_timemap if config.api == "timemap" else parse_cdx_json
            captures = parse(response.body)
        except BadArchiveAnswer as error:
            self.crawler.stats.inc_value(STATS + "bad_answer")
            yield from self._not_found(lookup, str(error), remember=False)
            return
        lookup.candidates = order_captures(captures, lookup.target, lookup.before)[: config.max_captures]
        if not lookup.candidates:
            yield from self._not_found(lookup, "no capture", remember=True)
            return
        self.wayback.done(self._capture_request(lookup, config))

    @_archive_answer
    def wayback_capture(self, response: Response, lookup: Lookup) -> Iterator[Any]:
        config = self.wayback_config
        capture = lookup.candidates[lookup.tried]
        if 300 <= response.status < 400 and lookup.redirects < MAX_ARCHIVE_REDIRECTS:
            location = urljoin(response.url, response.headers.get(b"Location", b"").decode("latin-1"))
            if urlsplit(location).hostname == config.host and memento_parts(location):
                lookup.redirects += 1  # the archive points at the nearest capture it has
                self.wayback.done(self._capture_request(lookup, config, location))
                return
        parts = memento_parts(response.url) or (capture.timestamp, capture.original)
        rejected = self._rejected_capture(response, lookup, parts[1])
        if rejected is not None:
            self.crawler.stats.inc_value(STATS + "rejected/" + rejected)
            self.logger.info("archive capture rejected (%s): %s", rejected, response.url)
            lookup.tried += 1
            lookup.redirects = 0
            if lookup.tried < len(lookup.candidates):
                self.wayback.done(self._capture_request(lookup, config))
                return
            yield from self._not_found(lookup, f"every capture rejected (last: {rejected})",
                                       remember=True)
            return
        self.wayback.done()
        article = lookup.article
        provenance = ArchivedFrom(
            archive=config.base_url,
            memento_url=memento_url(config.base_url, Capture(parts[0], parts[1]), raw=False),
            memento_datetime=memento_datetime(response.headers.get(b"Memento-Datetime"), parts[0]),
            dead_reason=lookup.dead_reason,
        )
        article.archived_from = provenance
        article.final_url = parts[1]
        article.http_status = response.status
        article.html = FetchedPage(response.body, response.encoding)
        article.capture = capture_of(response)  # the archive's answer, in this run's WARC
        self._remember(lookup, provenance, response.url)
        self.crawler.stats.inc_value(STATS + "archived")
        self.logger.info("archived copy of dead %s (%s): %s", article.url, lookup.dead_reason,
                         provenance.memento_url)
        if self._captures_extracting is None:
            self._captures_extracting = {}
        self._captures_extracting[article.id] = lookup
        # settled ``archived`` once its record is exported (see ``archived_status``)
        yield article

    def wayback_failed(self, failure: Failure) -> Iterator[Any]:
        lookup: Lookup = failure.request.cb_kwargs["lookup"]
        yield from self._retry_or_stop(failure.request, lookup, None, None,
                                       failure_reason(failure))

    # -- outcomes ------------------------------------------------------------------------------

    def _rejected_capture(self, response: Response, lookup: Lookup, original: str) -> str | None:
        if response.status != 200 or not self.is_text_page(response):
            return f"http_{response.status}" if response.status != 200 else "not_html"
        if urlsplit(response.url).hostname != self.wayback_config.host:
            return "left_archive"
        if home_redirect(lookup.article.url, original):
            return SOFT404_REDIRECT
        head = FetchedPage(response.body[:65536], response.encoding).text()
        if bot_wall(head):  # an archive's capture of a challenge page
            return BOT_WALL
        if gone_title(head):
            return SOFT404_GONE_TITLE
        return None

    def _archive_trouble(self, response: Response) -> bool:
        return response.status == 429 or response.status >= 500

    def _not_found(self, lookup: Lookup, why: str, remember: bool,
                   answered: bool = True) -> Iterator[Any]:
        if answered:  # an answer of the archive's brought us here (not an extraction)
            self.wayback.done()
        self.crawler.stats.inc_value(STATS + "not_found")
        if remember:
            self._remember(lookup, None, None)
        if not lookup.drop_counted:
            self.count_drop(lookup.drop_reason, lookup.article.url,
                            f"dead ({lookup.dead_reason}); archive: {why}")
        yield from self.article_settled(lookup.article, "dead", lookup.drop_reason)

    def _retry_or_stop(self, request: scrapy.Request, lookup: Lookup, status: int | None,
                       retry_after: float | None, error: str | None = None) -> Iterator[Any]:
        """The archive is in trouble (429, 5xx, no answer): wait and retry, or give up for the run."""
        lane, config = self.wayback, self.wayback_config
        lane.failures += 1
        what = f"HTTP {status}" if status is not None else (error or "no answer")
        self.crawler.stats.inc_value(STATS + (f"http_{status}" if status else f"error/{error}"))
        wait = retry_after if retry_after is not None else config.backoff * 2 ** (lane.failures - 1)
        if lane.failures < config.max_failures and wait <= config.max_wait:
            self.logger.info("archive %s for %s: retrying in %.1f s", what, request.url, wait)
            lane.done(request.replace(dont_filter=True), wait=wait)
            return
        why = (f"{lane.failures} failures in a row (last: {what})" if wait <= config.max_wait
               else f"{what} asks to wait {wait:.0f} s (more than {config.max_wait:.0f} s)")
        waiting = lane.stop(why)
        message = (f"web archive {config.base_url}: {why}; no more archive lookups this run, "
                   f"{len(waiting) + 1} dead sources left for a later run")
        self.logger.warning(message)
        self.run_notes.append(message)
        self.crawler.stats.set_value(STATS + "stopped", 1)
        for pending in [lookup, *(r.cb_kwargs["lookup"] for r in waiting)]:
            yield from self._unsettled(pending.article, pending.drop_reason,
                                       f"dead ({pending.dead_reason}); archive unavailable",
                                       pending.drop_counted)

    def _unsettled(self, article: Article, drop_reason: str, detail: str,
                   drop_counted: bool = False) -> Iterator[Any]:
        """Dead this run, not looked up: nothing is remembered, so a later run tries again."""
        self.crawler.stats.inc_value(STATS + "unsettled")
        if not drop_counted:
            self.count_drop(drop_reason, article.url, detail)
        self.sources_unsettled()
        yield from self.article_settled(article, "dead", drop_reason)

    # -- after extraction ----------------------------------------------------------------------

    def archived_status(self, article: Article) -> str:
        """The status of a source whose record was exported: ``archived`` when the page came
        from a web archive, else ``ok``."""
        if self._captures_extracting is not None:
            self._captures_extracting.pop(article.id, None)
        return "archived" if article.archived_from is not None else "ok"

    def not_an_article(self, article: Article, detail: str) -> Iterator[Any]:
        """Extraction found no article on the page. A live page: a soft-404, looked up in the
        archive. A capture: rejected, the next one tried. Yields the events this settles."""
        lookup = (self._captures_extracting or {}).pop(article.id, None)
        if article.archived_from is None or lookup is None:
            # the extraction stage counted the drop (not_an_article) already
            if not self._archivable(article, self.wayback_config):
                yield from self.article_settled(article, "skipped", "not_an_article")
                return
            count_dead(self.crawler.stats, SOFT404_NO_ARTICLE, article.url, detail)
            yield from self.look_up_dead(article, SOFT404_NO_ARTICLE, "not_an_article", detail,
                                         drop_counted=True)
            return
        self.crawler.stats.inc_value(STATS + "rejected/" + SOFT404_NO_ARTICLE)
        self.logger.info("archive capture rejected (%s): %s", SOFT404_NO_ARTICLE,
                         article.archived_from.memento_url)
        article.archived_from = None
        lookup.tried += 1
        lookup.redirects = 0
        if lookup.tried < len(lookup.candidates) and not self.wayback.stopped:
            self.wayback.submit(self._capture_request(lookup, self.wayback_config), first=True)
            return
        yield from self._not_found(lookup, f"every capture rejected (last: {SOFT404_NO_ARTICLE})",
                                   remember=True, answered=False)

    def sources_unsettled(self) -> None:
        """Hook: some dead sources were not looked up this run (the events spider reads their
        event pages again next run)."""


def _retry_after(response: Response) -> float | None:
    """Seconds the ``Retry-After`` header asks for (delta-seconds or an HTTP date), or None."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
