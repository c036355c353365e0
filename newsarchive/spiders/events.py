"""``scrapy crawl events``: event pages, their related events, and the articles they cite.

Event pages are read first; articles are fetched once the event frontier is exhausted
(``spider_idle``), so that each article knows every event citing it and each event is emitted
once, with the status of each of its sources (see ``settling``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from newsarchive import settings as defaults
from newsarchive.args import EventsArgs
from newsarchive.capture.middleware import capture_of
from newsarchive.drops import failure_reason, is_transient
from newsarchive.extensions.feeds import record_exported
from newsarchive.extensions.itemerrors import PIPELINE_ERROR
from newsarchive.items import Article, Event
from newsarchive.parsing.events import (
    NotAnEventPage,
    day_index_path,
    is_day_index_url,
    is_event_url,
    page_kind,
    parse_day_index,
    parse_event_page,
)
from newsarchive.scaleout.connection import is_redis_error
from newsarchive.scaleout.requests import RETAKEN
from newsarchive.spiders.articles import ArticleFetchMixin
from newsarchive.spiders.base import ArchiveSpider, RequestType
from newsarchive.spiders.portal import PortalMixin
from newsarchive.spiders.settling import SourceSettler
from newsarchive.state.links import ArticleTask
from newsarchive.urls import record_id

DAY_PAGE_META = "newsarchive_day_page"  # the day page (state key) an event page was listed on


def day_page_urls(url: str) -> tuple[str, ...]:
    """The URLs the state may know a day page under: ``index.md`` or its HTML rendering."""
    if url.endswith("/index.md"):
        return url, url[: -len(".md")] + ".html"
    return (url,)


class EventsSpider(PortalMixin, ArticleFetchMixin, ArchiveSpider):
    name = "events"
    args_model = EventsArgs
    args: EventsArgs

    def __init__(self, name: str | None = None, **kwargs: str) -> None:
        super().__init__(name, **kwargs)
        self._settler: SourceSettler | None = None
        self.event_dates: dict[str, str] = {}  # event id -> its date, for archive lookups
        self.unsettled_sources = False
        self.events_read = False  # the event frontier was exhausted once (``on_idle``)
        # why event pages or sources failed here in a way that may pass (their day pages, read
        # again next run, are the run's: ``LinkStore.unread_days``)
        self.unread_reasons: set[str] = set()
        # sources to fetch once the events are read, fed to the scheduler a window at a time
        self.article_backlog: deque[ArticleTask] = deque()

    @property
    def settler(self) -> SourceSettler:
        """The linker, on the run's link store (built once the run is known)."""
        if self._settler is None:
            identity = self.url_identity
            self._settler = SourceSettler(identity.links, getattr(self, "worker_id", None),
                                          identity)
        return self._settler

    def workers_lost(self, lost: set[str]) -> None:
        """Workers of this shared run were lost (``ScaleOut``): before what they had taken is
        fetched again, reopen what they settled; emit again what only they had emitted."""
        for event in self.settler.recover(lost):
            deferred_from_coro(self.crawler.engine.scraper.start_itemproc_async(event,
                                                                                response=None))

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> EventsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        crawler.signals.connect(spider.on_record_exported, signal=record_exported)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        return spider  # type: ignore[return-value]

    def settle_arguments(self) -> None:
        super().settle_arguments()
        missed = self.missed_days()
        if missed:
            self.args = replace(self.args, start=missed[0])
            self.run.arguments = self.args
            note = (f"caught up {len(missed)} day(s) no run had read, {missed[0]} to {missed[-1]}: "
                    "a night the crawl did not run")
            self.logger.info(note)
            self.run_notes.append(note)

    def missed_days(self) -> list[date]:
        """The days just before a default window (no ``start`` given) that no run has read, back
        to the last day one did: a cron night that did not run would otherwise lose its days
        for good. None when no day was read in ``NEWSARCHIVE_CATCH_UP_DAYS`` (a new archive,
        or one left for longer: give ``start``)."""
        limit = self.crawler.settings.getint("NEWSARCHIVE_CATCH_UP_DAYS")
        if ("start" in self.run.raw_arguments or self.args.start_urls or self.args.start is None
                or self.state is None or self.reextracting or limit <= 0):
            return []
        missed = []
        for back in range(1, limit + 1):
            day = self.args.start - timedelta(days=back)
            if self.day_was_read(day):
                return missed[::-1]
            missed.append(day)
        return []

    def day_was_read(self, day: date) -> bool:
        """Whether the state remembers this day's index (or portal day) from an earlier run."""
        assert self.state is not None
        if self.args.source == "site":
            url = self.args.site + day_index_path(day.year, day.month, day.day)
            return any(self.state.page(known) is not None for known in day_page_urls(url))
        return self.state.page(self.day_key(day)) is not None

    def on_closed(self, reason: str) -> None:
        """A crawl stopped early (Ctrl-C, a close condition) may still hold events whose sources
        were never fetched. Their day pages must not count as archived, or the next run, seeing
        them past the refresh window, would never read those events again."""
        if self.redis_failed:
            return  # the run's links are out of reach; the state is not committed either
        if self.unsettled_sources and self.state is not None:
            # dead sources the web archive could not be asked about: read their events again
            self.state.forget_pages()
        if not self.events_read and self.state is not None:
            # stopped (CLOSESPIDER_PAGECOUNT, CLOSESPIDER_TIMEOUT, Ctrl-C...) with event pages
            # of the days read still unfetched: those events were never seen, let alone held
            self.state.forget_pages()
            note = (f"the crawl stopped ({reason}) before every event page was read; the day "
                    "pages read will be read again next run")
            self.logger.warning(note)
            self.run_notes.append(note)
            return
        unread = self.settler.unread_days() if self.state is not None else set()
        if unread and self.state is not None:
            # every worker of a shared run forgets them, whichever read the day page
            for day_page in unread:
                self.state.forget_page(day_page)
            reasons = ", ".join(sorted(self.unread_reasons)) or "in another worker"
            note = (f"{len(unread)} day pages will be read again next run: event pages or "
                    f"sources they list failed ({reasons})")
            self.logger.warning(note)
            self.run_notes.append(note)
        held = self.settler.waiting_events
        if held and self.state is not None:
            self.state.forget_pages()
            note = (f"{held} events not emitted: the crawl stopped ({reason}) before their "
                    "sources were fetched; their day pages will be read again next run")
            self.logger.warning(note)
            self.run_notes.append(note)

    def day_request(self, url: str, day: date, callback: Any) -> scrapy.Request | None:
        """A day page, unless an earlier run fetched it and it is past the refresh window."""
        if any(self.is_settled_day(known, day) for known in day_page_urls(url)):
            self.crawler.stats.inc_value("newsarchive/skipped/settled_day")
            return None
        return scrapy.Request(url, callback=callback, errback=self.day_failed,
                              priority=RequestType.DAY_INDEX, cb_kwargs={"day": day})

    def day_failed(self, failure: Failure) -> Iterator[Any]:
        """A missing ``index.md`` may exist as its HTML rendering, ``index.html``."""
        request = failure.request
        if failure.check(HttpError) and request.url.endswith("/index.md"):
            yield scrapy.Request(request.url[: -len(".md")] + ".html", callback=request.callback,
                                 errback=self.on_fetch_error, priority=request.priority,
                                 cb_kwargs=request.cb_kwargs)
            return
        self.on_fetch_error(failure)

    def start_urls_for_safety(self) -> list[str]:
        if self.args.start_urls:
            return list(self.args.start_urls)
        if self.args.site:
            return [self.args.site]
        return [self.crawler.settings.get("PORTAL_BASE_URL")]

    async def start(self) -> AsyncIterator[Any]:
        if self.args.start_urls:
            for url in self.args.start_urls:
                yield scrapy.Request(url, callback=self.parse_start, errback=self.on_fetch_error,
                                     priority=RequestType.DAY_INDEX)
        elif self.args.source == "site":
            for day in self.args.days():
                url = self.args.site + day_index_path(day.year, day.month, day.day)
                request = self.day_request(url, day, self.parse_day)
                if request is not None:
                    yield request
        else:
            for request in self.portal_requests():
                yield request

    # -- event site --------------------------------------------------------------------------------

    def parse_start(self, response: Response) -> Iterator[Any]:
        """A start URL is a day index or an event page: the content says which (an event page
        may be served at ``.../index.md``); the URL only when the content does not say."""
        if is_day_index_url(response.url) or not is_event_url(response.url):
            yield from self.parse_day(response)  # it reads the page as an event if it is one
        else:
            yield from self.parse_event(response, depth=0)

    def parse_day(self, response: Response, day: date | None = None) -> Iterator[Any]:
        if not self.is_text_page(response):
            self.count_drop("not_html", response.url)
            return
        self.remember_page(response)
        kind = page_kind(response.url, response.text)
        if kind == "event" or (kind is None and not is_day_index_url(response.url)):
            yield from self.parse_event(response, depth=0)
            return
        self.crawler.stats.inc_value("newsarchive/pages/day_index")
        urls = parse_day_index(response.url, response.text)
        if not urls:
            self.count_drop("empty_day_index", response.url)
        for url in urls:
            yield scrapy.Request(url, callback=self.parse_event, errback=self.on_event_failed,
                                 cb_kwargs={"depth": 0}, priority=RequestType.EVENT,
                                 meta={DAY_PAGE_META: response.url})

    def parse_event(self, response: Response, depth: int) -> Iterator[Any]:
        if not self.is_text_page(response):
            self.count_drop("not_html", response.url)
            return
        if not response.text.strip():
            self.count_drop("empty_page", response.url)
            return
        try:
            event = parse_event_page(response.url, response.text)
        except NotAnEventPage as error:
            event = None
            problem = str(error)
        if (depth == 0 and (event is None or not (event.sources or event.related))
                and page_kind(response.url, response.text) == "day"):
            # The URL looked like an event page, the content is a day's list of events.
            yield from self.parse_day(response)
            return
        if event is None:
            self.count_drop("no_headline", response.url, problem)
            return
        self.crawler.stats.inc_value("newsarchive/pages/event")
        event.capture = capture_of(response)
        yield from self.emit_event(event, bool(response.meta.get(RETAKEN)),
                                   response.meta.get(DAY_PAGE_META))
        if depth < self.args.related_depth:
            day_page = response.meta.get(DAY_PAGE_META)
            for related in event.related:
                yield scrapy.Request(related.url, callback=self.parse_event,
                                     errback=self.on_event_failed,
                                     cb_kwargs={"depth": depth + 1}, priority=RequestType.EVENT,
                                     meta={DAY_PAGE_META: day_page} if day_page else None)

    def on_event_failed(self, failure: Failure) -> None:
        """An event page that could not be read: counted; and when the failure may pass (a
        server error, a timeout...), the day page that led to it is not counted as read, so the
        next run over that day (a backfill run again, however old the day) reads it again."""
        self.on_fetch_error(failure)
        reason = failure_reason(failure)
        day_page = failure.request.meta.get(DAY_PAGE_META)
        if day_page and is_transient(reason):
            self.read_day_again(day_page, reason)

    def read_day_again(self, day_page: str, reason: str) -> None:
        self.settler.read_day_again(day_page)
        self.unread_reasons.add(reason)

    def read_source_days_again(self, article_id: str, reason: str) -> None:
        """A source failed in a way that may pass: the day pages of the events citing it are
        read again next run, which fetches it again (a backfill run again, however old the day)."""
        for day_page in self.settler.day_pages(article_id):
            self.read_day_again(day_page, reason)

    # -- articles ----------------------------------------------------------------------------------

    def emit_event(self, event: Event, again: bool = False, day_page: str | None = None
                   ) -> Iterator[Any]:
        """Hold the event until its articles are settled (or emit it now if none need fetching).
        ``day_page``: the day page (state key) the event was listed on."""
        for source in event.sources:
            if source.status == "invalid":  # kept on the event, never fetched
                self.count_drop("invalid_url", source.url, f"a source of {event.url}")
        self.rekey_sources(event)
        if event.date:
            self.event_dates[event.id] = event.date
        ready = self.settler.add_event(event, self.archived_sources(event), again, day_page)
        if ready is not None:
            yield ready

    def on_idle(self) -> None:
        """Event frontier exhausted (the whole run's, with several workers): fetch the articles
        the events cite.

        One process queues ``NEWSARCHIVE_ARTICLE_WINDOW`` of them and one more each time one
        settles (``feed_articles``): queued all at once, a 5,000-article run held 5,000 requests
        (~2.8 KB each) from its first article to its last. Workers of a shared run push them all
        to the shared queue, which lives in Redis and from which any worker takes them.
        """
        if not self.run_quiescent():
            return
        self.events_read = True
        tasks = self.settler.unrequested()
        if tasks:
            self.logger.info("events read; fetching %d source articles", len(tasks))
            self.crawler.stats.inc_value("newsarchive/sources/queued", len(tasks))
            self.article_backlog.extend(tasks)
        if not self.article_backlog:
            return
        shared = self._scale_out() is not None
        self.feed_articles(len(self.article_backlog) if shared else self.article_window)
        raise DontCloseSpider

    @property
    def article_window(self) -> int:
        # settings without newsarchive's defaults (no add-on) get the same window
        return max(1, self.crawler.settings.getint("NEWSARCHIVE_ARTICLE_WINDOW",
                                                   defaults.NEWSARCHIVE_ARTICLE_WINDOW))

    def feed_articles(self, count: int = 1) -> None:
        """Queue up to ``count`` articles of the backlog."""
        try:
            for _ in range(min(count, len(self.article_backlog))):
                task = self.article_backlog.popleft()
                article = Article(id=task.article_id, url=task.url, kind="news",
                                  event_ids=list(task.event_ids))
                self.crawler.engine.crawl(self.article_request(article))
        except Exception as error:
            if is_redis_error(error):  # a shared run's Redis gone for good: the worker stops
                raise CloseSpider("redis_unavailable") from None
            raise

    def article_ready(self, article: Article) -> None:
        """Every event citing the article, as the run knows them when it is emitted."""
        article.event_ids = self.settler.event_ids(article.id) or article.event_ids

    def article_alias(self, article: Article, identity_url: str, identity_key: str | None = None
                      ) -> str | None:
        """A page whose canonical URL is another article's: that article, archived by an
        earlier run or fetched in this one. A page that is the first of its story here is
        archived under its canonical URL's id instead of the id of the URL it was linked by."""
        identity = self.url_identity
        if identity_key is None:
            identity_key = identity.key(identity_url)
        owner_id = record_id(identity_key)  # ``identity.id(identity_url)``
        if owner_id == article.id:
            return None
        archived = identity.archived_key(identity_key)
        if archived is None and self.settler.adopt(article.id, owner_id):
            article.id = owner_id  # the owner is this page: emitted below
            return None
        owner_id = archived.record_id if archived is not None else owner_id
        # the next run maps these URLs to the owner without fetching them
        identity.point([article.url, article.final_url or article.url], owner_id)
        return owner_id

    def lookup_target(self, article: Article) -> tuple[datetime, datetime | None]:
        """A dead source's capture is wanted closest to the (earliest) date of the events citing
        it, on either side."""
        dates = sorted(d for d in (self.event_dates.get(e) for e in article.event_ids) if d)
        for day in dates:
            try:
                return datetime.fromisoformat(day[:10]).replace(hour=12, tzinfo=UTC), None
            except ValueError:
                continue
        return super().lookup_target(article)

    def sources_unsettled(self) -> None:
        self.unsettled_sources = True

    def article_settled(
        self, article: Article, status: str, reason: str | None = None
    ) -> Iterator[Any]:
        self.crawler.stats.inc_value(f"newsarchive/sources/{status}")
        self.feed_articles()
        if status == "dead" and reason and is_transient(reason):
            self.read_source_days_again(article.id, reason)  # not in a web archive either
        if status == "alias" and article.duplicate_of:
            archived = not self.settler.has_task(article.duplicate_of)
            yield from self.settler.alias(article.id, article.duplicate_of,
                                          "ok" if archived else None)
            return
        yield from self.settler.settle(article.id, status, reason)

    # -- a fetched article's outcome: ``ok`` only once a feed holds its record -------------------

    async def on_record_exported(self, item: Any, held: bool) -> None:
        if isinstance(item, Article):
            await self.settle_record(item.id, self.archived_status(item) if held else "skipped",
                                     None if held else "not_exported")

    async def on_item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, Article):
            reason = drop_reason(exception)
            if reason == "unchanged":  # the same record is in the archive already
                await self.settle_record(item.id, self.archived_status(item), None)
            elif reason == "not_an_article" and self.settler.has_task(item.id):
                # a soft-404 (or a capture that is one): looked up in the web archive
                for event in self.not_an_article(item, str(exception)):
                    await self.crawler.engine.scraper.start_itemproc_async(event, response=None)
            else:
                self.archived_status(item)
                if is_transient(reason) and self.settler.is_open(item.id):
                    # fetched, but its extraction ran out of time or lost its worker
                    self.read_source_days_again(item.id, reason)
                await self.settle_record(item.id, "skipped", reason)

    async def on_item_error(self, item: Any) -> None:
        if isinstance(item, Article):
            await self.settle_record(item.id, "skipped", PIPELINE_ERROR)

    async def settle_record(self, article_id: str, status: str, reason: str | None) -> None:
        """Settle a fetched article from its record's outcome and emit the events now ready.

        Runs inside the record's own processing (a signal handler Scrapy awaits), so the
        events go through the pipelines and feeds before the crawl can be found idle.
        """
        if not self.settler.is_open(article_id):
            return
        self.crawler.stats.inc_value(f"newsarchive/sources/{status}")
        self.feed_articles()
        for event in self.settler.settle(article_id, status, reason):
            await self.crawler.engine.scraper.start_itemproc_async(event, response=None)


def drop_reason(exception: BaseException) -> str:
    """The reason a ``DropItem`` names first (``not_an_article: ...``, ``unchanged event ...``)."""
    match = _REASON.match(str(exception))
    return match.group(0) if match else "dropped"


_REASON = re.compile(r"[a-z][a-z0-9_]*")
