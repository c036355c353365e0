"""The events spider's second source: Wikipedia's Current events portal.

What to fetch for a date range: when every day still to fetch is among the last seven, the main
``Portal:Current_events`` page, which shows them all in one request; otherwise each day's raw
wikitext (``action=raw``), falling back to the day's rendered HTML when the wikitext fails.
Days an earlier run archived and that are past ``NEWSARCHIVE_REFRESH_DAYS`` are not fetched
again. Parsing is ``newsarchive.parsing.portal``.

Settings: ``PORTAL_BASE_URL`` (default the English Wikipedia; tests serve their own).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from types import ModuleType
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from newsarchive.args import today_utc
from newsarchive.capture.middleware import set_capture
from newsarchive.items import Event
from newsarchive.spiders.base import RequestType

MAIN_PAGE_TITLE = "Portal:Current_events"
MAIN_PAGE_DAYS = 7


def _parsing() -> ModuleType:
    """``newsarchive.parsing.portal``, imported when a crawl first reads the portal: a crawl of
    an event site never does, and it (with mwparserfromhell) took ~15 ms of every crawl's start."""
    from newsarchive.parsing import portal

    return portal


class PortalMixin:
    """Needs the ``EventsSpider`` helpers (``emit_event``, ``is_settled_day``, ``state``...)."""

    @property
    def portal_base(self) -> str:
        return self.crawler.settings.get("PORTAL_BASE_URL").rstrip("/")

    def day_key(self, day: date) -> str:
        """The URL under which the state remembers a portal day (one per day, whichever path)."""
        portal = _parsing()
        return portal.portal_raw_url(self.portal_base, portal.portal_day_title(day))

    def portal_requests(self) -> Iterator[scrapy.Request]:
        days = []
        for day in self.args.days():
            if self.is_settled_day(self.day_key(day), day):
                self.crawler.stats.inc_value("newsarchive/skipped/settled_day")
            else:
                days.append(day)
        if not days:
            self.run_notes.append("every day of the range is archived and past the refresh window")
            return
        recent = today_utc() - timedelta(days=MAIN_PAGE_DAYS - 1)
        if all(recent <= day <= today_utc() for day in days):
            yield scrapy.Request(
                _parsing().portal_html_url(self.portal_base, MAIN_PAGE_TITLE),
                callback=self.parse_portal_main, errback=self.portal_main_failed, cb_kwargs={"days": days},
                priority=RequestType.DAY_INDEX,
            )
        else:
            for day in days:
                yield self.portal_day_request(day)

    def portal_day_request(self, day: date) -> scrapy.Request:
        return scrapy.Request(
            self.day_key(day), callback=self.parse_portal_wikitext, errback=self.portal_raw_failed,
            cb_kwargs={"day": day}, priority=RequestType.DAY_INDEX,
        )

    def parse_portal_main(self, response: Response, days: list[date]) -> Iterator[Any]:
        events = (_parsing().parse_portal_html(response.url, response.text)
                  if self.is_text_page(response) else [])
        set_capture(events, response)
        by_day: dict[str, list[Event]] = {}
        for event in events:
            by_day.setdefault(event.date or "", []).append(event)
        for day in days:
            if day.isoformat() in by_day:
                yield from self.emit_portal_day(day, by_day[day.isoformat()])
            else:  # trimmed from the main page, or the page changed shape: ask the day page
                yield self.portal_day_request(day)

    def portal_main_failed(self, failure: Failure) -> Iterator[Any]:
        self.on_fetch_error(failure)
        for day in failure.request.cb_kwargs["days"]:
            yield self.portal_day_request(day)

    def parse_portal_wikitext(self, response: Response, day: date) -> Iterator[Any]:
        events = []
        if self.is_text_page(response):
            portal = _parsing()
            events = portal.parse_portal_wikitext(self.portal_base, portal.portal_day_title(day),
                                                  response.text, day)
            set_capture(events, response)
        if events or (self.is_text_page(response) and response.text.strip()):
            yield from self.emit_portal_day(day, events)
        else:
            yield self.portal_html_request(day)

    def portal_raw_failed(self, failure: Failure) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsarchive/portal/wikitext_failed")
        yield self.portal_html_request(failure.request.cb_kwargs["day"])

    def portal_html_request(self, day: date) -> scrapy.Request:
        portal = _parsing()
        return scrapy.Request(
            portal.portal_html_url(self.portal_base, portal.portal_day_title(day)),
            callback=self.parse_portal_day_html, errback=self.on_fetch_error,
            cb_kwargs={"day": day}, priority=RequestType.DAY_INDEX,
        )

    def parse_portal_day_html(self, response: Response, day: date) -> Iterator[Any]:
        if not self.is_text_page(response):
            self.count_drop("not_html", response.url)
            return
        events = [e for e in _parsing().parse_portal_html(response.url, response.text)
                  if e.date == day.isoformat()]
        set_capture(events, response)
        yield from self.emit_portal_day(day, events)

    def emit_portal_day(self, day: date, events: list[Event]) -> Iterator[Any]:
        self.crawler.stats.inc_value("newsarchive/pages/portal_day")
        if not events:
            self.crawler.stats.inc_value("newsarchive/portal/empty_day")
        self.remember_day(day, events)
        for event in events:
            yield from self.emit_event(event, day_page=self.day_key(day))

    def remember_day(self, day: date, events: list[Event]) -> None:
        state = self.state
        if state is not None:
            state.set_page(self.day_key(day), today_utc().isoformat())
