"""What every newsarchive spider shares: argument validation, the run id, fetch-failure counting."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from newsarchive.args import today_utc
from newsarchive.drops import count_drop, failure_reason
from newsarchive.extensions.state import run_state
from newsarchive.items import Event
from newsarchive.run_context import RunContext
from newsarchive.settings_check import check_settings
from newsarchive.spiders.own_settings import (
    SPIDER_SETTINGS,
    leave_out_jobdir,
    refuse_overrides,
    warn_left_out,
)
from newsarchive.state.identity import UrlIdentity, url_identity
from newsarchive.state.links import LinkStore, MemoryLinkStore
from newsarchive.state.run import RunState
from newsarchive.urls import url_id


class RequestType(IntEnum):
    """What a request is for, as its scheduler priority: pages that lead to more pages first."""

    ARTICLE = 0
    COMMENT_PAGE = 5
    POST_LISTING = 10
    EVENT = 20
    DAY_INDEX = 30


def new_run_id(now: datetime | None = None) -> str:
    """Sortable, unique run id: ``20261121T235412Z-3f9a1c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


class ArchiveSpider(scrapy.Spider):
    """Base spider. Subclasses set ``args_model`` (a dataclass with ``from_kwargs``)."""

    args_model: ClassVar[Any]
    # Scrapy settings a project's value of would lose records: fixed here (``own_settings``).
    custom_settings: ClassVar[dict[str, Any] | None] = dict(SPIDER_SETTINGS)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        leave_out_jobdir(settings)

    def __init__(self, name: str | None = None, **kwargs: str) -> None:
        # Scrapy copies -a arguments onto the spider; we keep them only as one validated model,
        # published to the crawl's components as its run context.
        super().__init__(name=name)
        self.args = self.args_model.from_kwargs(kwargs)
        self.run = RunContext(run_id=new_run_id(), arguments=self.args, raw_arguments=dict(kwargs))
        self.archived_seen: set[str] = set()  # articles not fetched: an earlier run archived them

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArchiveSpider:
        """A bad argument raises ``ArgumentError`` (a ``ValueError``), which a program running
        Scrapy in-process can catch; ``scrapy crawl`` prints it as one line and exits with code
        2 (``newsarchive.commands.crawl``)."""
        check_settings(crawler.settings)
        refuse_overrides(crawler.settings)
        warn_left_out(crawler.settings)
        spider = super().from_crawler(crawler, *args, **kwargs)
        # Settings that give arguments their defaults are read once the spider opens: in a
        # project that enables the add-on, its defaults are applied after the spider is built.
        crawler.signals.connect(spider.settle_arguments, signal=signals.spider_opened)
        return spider  # type: ignore[return-value]

    def settle_arguments(self) -> None:
        """Arguments not given take their defaults from settings (``args_model.with_settings``);
        the run context gets them, with the date window and the start URLs they imply."""
        with_settings = getattr(self.args, "with_settings", None)
        if with_settings is not None:
            self.args = with_settings(self.crawler.settings)
        self.run.arguments = self.args
        self.run.since = self.window_start()
        self.run.start_urls = tuple(self.start_urls_for_safety())

    def window_start(self) -> date | None:
        """Posts published before this day are skipped (``-a since``); None: no window."""
        return None

    def start_urls_for_safety(self) -> list[str]:
        """URLs whose hosts may be private addresses: the ones the user asked to crawl."""
        return []

    # -- the run context's fields, under the names Scrapy's FEEDS URI parameters and the
    # -- spiders use (``%(run_id)s``, ``%(worker_id)s``)

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @run_id.setter
    def run_id(self, value: str) -> None:
        self.run.run_id = value

    @property
    def worker_id(self) -> str | None:
        return self.run.worker_id

    @worker_id.setter
    def worker_id(self, value: str | None) -> None:
        self.run.worker_id = value

    @property
    def raw_args(self) -> dict[str, str]:
        return self.run.raw_arguments

    @property
    def run_notes(self) -> list[str]:
        return self.run.notes

    @property
    def state(self) -> RunState | None:
        """The crawl state shared with the pipelines (None when switched off)."""
        return run_state(self.crawler)

    # -- one run, several workers (REDIS_URL: newsarchive.scaleout) -----------------------------

    def _scale_out(self) -> Any:
        if not self.crawler.settings.get("REDIS_URL"):
            return None
        from newsarchive.scaleout.extension import ScaleOut

        return ScaleOut.of(self.crawler)

    def link_store(self) -> LinkStore:
        """Where the run's event↔source links live: Redis in a shared run, else memory."""
        extension = self._scale_out()
        if extension is None:
            return MemoryLinkStore()
        from newsarchive.state.links import RedisLinkStore

        return RedisLinkStore(extension.client, extension.coordinator.key("link"))

    def run_quiescent(self) -> bool:
        """Called when this process is idle: whether the whole run is (no request queued, no
        worker at work). A single process: always. Redis gone: never (the worker stops)."""
        extension = self._scale_out()
        if extension is None:
            return True
        if extension.failed:
            return False
        from redis.exceptions import RedisError

        try:
            return bool(extension.coordinator.quiescent())
        except RedisError:
            return False

    @property
    def redis_failed(self) -> bool:
        """This worker gave up on the run's Redis (see ``newsarchive.scaleout.extension``)."""
        extension = self._scale_out()
        return extension is not None and extension.failed is not None

    # -- cron: what earlier runs already archived -------------------------------------------------

    def is_settled_day(self, url: str, day: date) -> bool:
        """A day page fetched by an earlier run and older than ``NEWSARCHIVE_REFRESH_DAYS``."""
        state = self.state
        if state is None or self.reextracting or state.page(url) is None:
            return False
        refresh_days = self.crawler.settings.getint("NEWSARCHIVE_REFRESH_DAYS")
        return (today_utc() - day).days >= refresh_days

    def comments_young(self, published: str | date | None) -> bool:
        """Published less than ``NEWSARCHIVE_COMMENTS_REFRESH_DAYS`` days before today: its
        comment thread may still grow, so an archived copy whose page had one is fetched again
        (``comments_may_grow``; the state pipeline then emits only what changed). Unknown dates
        are not young."""
        days = self.crawler.settings.getint("NEWSARCHIVE_COMMENTS_REFRESH_DAYS")
        if days <= 0 or not published:
            return False
        try:
            day = published if isinstance(published, date) else date.fromisoformat(published[:10])
        except ValueError:
            return False
        return (today_utc() - day).days < days

    def comments_may_grow(self, key: str) -> bool:
        """Whether the archived article linked as URL key ``key`` had a comment thread (or
        comment paging) when it was archived, so a young one is fetched again for its comments.
        Unknown (archived before the state recorded it): yes, as before."""
        state = self.state
        fetch = state.archived_fetch(key) if state is not None else None
        return fetch is None or fetch.threaded

    def remember_page(self, response: Response) -> None:
        state = self.state
        if state is not None:
            state.set_page(response.url, datetime.now(UTC).isoformat(timespec="seconds"))

    def archived_sources(self, event: Event) -> dict[str, str]:
        """Article sources an earlier run archived: not fetched again, status ``ok`` (``archived``
        when it came from a web archive), counted once per article as
        ``newsarchive/skipped/archived`` (and, for a young event's source whose page had no
        comment thread, ``newsarchive/skipped/no_comment_thread``).

        A source whose URL is archived under another id (a redirect or canonical alias) takes
        that id, so every event citing one story points at one article.
        """
        state = self.state
        known: dict[str, str] = {}
        if state is None or self.reextracting:
            return known
        young = self.comments_young(event.date)  # its sources' comments may still grow
        for source in event.sources:
            if source.kind != "article" or not source.article_id:
                continue
            identity = self.url_identity
            key = identity.key(source.url)
            record = identity.archived_key(key)
            if record is not None:
                source.article_id = record.record_id
                if young and self.comments_may_grow(key):
                    continue  # fetched again (conditionally: ``article_request``)
                lookup = state.archive_lookup(key)
                known[record.record_id] = "archived" if lookup is not None and lookup.found else "ok"
                if record.record_id not in self.archived_seen:
                    self.archived_seen.add(record.record_id)
                    self.crawler.stats.inc_value("newsarchive/skipped/archived")
                    if young:
                        self.crawler.stats.inc_value("newsarchive/skipped/no_comment_thread")
        return known

    @property
    def url_identity(self) -> UrlIdentity:
        """Which article a URL is (``newsarchive.state.identity``), shared with the pipelines."""
        return url_identity(self.crawler)

    @property
    def reextracting(self) -> bool:
        """``newsarchive reextract``: every captured page is parsed again, archived or not."""
        return self.crawler.settings.getbool("NEWSARCHIVE_REEXTRACT")

    @property
    def tracking_params(self) -> list[str]:
        """Query parameters to strip beyond the built-in ones (``NEWSARCHIVE_TRACKING_PARAMS``)."""
        return self.crawler.settings.getlist("NEWSARCHIVE_TRACKING_PARAMS")

    def rekey_sources(self, event: Event) -> None:
        """Article ids of sources with ``NEWSARCHIVE_TRACKING_PARAMS`` stripped too (the event
        parsers, pure functions, know only the built-in tracking parameters)."""
        extra = self.tracking_params
        if extra:
            for source in event.sources:
                if source.kind == "article" and source.article_id:
                    source.article_id = url_id(source.url, extra)

    # -- helpers for subclasses -----------------------------------------------------------------

    def count_drop(self, reason: str, what: str, detail: str = "") -> None:
        count_drop(self.crawler.stats, reason, what, detail)

    def on_fetch_error(self, failure: Failure) -> None:
        """Errback for pages that lead nowhere else: count the failure, keep crawling."""
        self.count_drop(failure_reason(failure), failure.request.url, str(failure.value))

    def is_text_page(self, response: Response) -> bool:
        """True for a decodable text/HTML page; binary bodies (PDF, images) are not pages."""
        if not isinstance(response, TextResponse):
            return False
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if content_type and not any(
            kind in content_type for kind in ("html", "xml", "text/", "markdown")
        ):
            return False
        return b"\x00" not in response.body[:2048]
