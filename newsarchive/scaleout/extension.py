"""``ScaleOut``: this process as one worker of a run shared through Redis (``REDIS_URL``).

At start it agrees the run with the other workers (the spider's ``run_id`` becomes the run's,
``worker_id`` names this worker's feed files) and beats while it lives; on ``spider_idle`` it
keeps the worker open until the whole run is done (``DontCloseSpider``), polling the shared
queue meanwhile. ``SeedOnce`` lets only the run's first worker yield the start requests.

A wrong ``REDIS_URL`` ends the crawl at once with one ``error:`` line and exit code 2. A Redis
that goes away mid-run is retried for ``NEWSARCHIVE_REDIS_RETRY_SECONDS``; after that the worker
stops (finish reason ``redis_unavailable``) with one error line: its feeds are stored, and the
crawl state, in the same Redis, marks nothing that was not written (see ``CrawlStateExtension``).

Settings: ``REDIS_URL``, ``NEWSARCHIVE_REDIS_PREFIX``, ``NEWSARCHIVE_REDIS_HEARTBEAT``,
``NEWSARCHIVE_WORKER_ID`` (default ``<host>-<pid>``), ``NEWSARCHIVE_REDIS_POLL_INTERVAL``,
``NEWSARCHIVE_REDIS_RETRY_SECONDS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import sys
import weakref
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, DontCloseSpider, NotConfigured

from newsarchive.scaleout.connection import RedisUnavailable, connect, one_line, redacted
from newsarchive.scaleout.coordinator import DONE, RECOVER, RunCoordinator

logger = logging.getLogger(__name__)
EXIT_BAD_REDIS = 2


def default_worker_id() -> str:
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def run_group(spider: Spider) -> str:
    """Workers started with the same spider and arguments form one run."""
    raw = json.dumps([spider.name, sorted(getattr(spider, "raw_args", {}).items())])
    return f"{spider.name}:{hashlib.sha256(raw.encode()).hexdigest()[:16]}"


def fail(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_BAD_REDIS)


_BY_CRAWLER: weakref.WeakKeyDictionary[Crawler, ScaleOut] = weakref.WeakKeyDictionary()


class ScaleOut:
    @staticmethod
    def of(crawler: Crawler) -> ScaleOut | None:
        """The crawler's ScaleOut extension, or None (usable while extensions are built, unlike
        ``crawler.get_extension``: the crawl state, built next, needs it)."""
        return _BY_CRAWLER.get(crawler)

    def __init__(self, crawler: Crawler, client: Any) -> None:
        _BY_CRAWLER[crawler] = self
        settings = crawler.settings
        spider = crawler.spider
        self.crawler = crawler
        self.client = client
        self.url = redacted(settings.get("REDIS_URL"))
        self.retry_seconds = settings.getfloat("NEWSARCHIVE_REDIS_RETRY_SECONDS", 30.0)
        self.failed: str | None = None  # why Redis was given up, once it was
        self._stopping = False
        client.on_lost = self.redis_lost
        self.poll_interval = settings.getfloat("NEWSARCHIVE_REDIS_POLL_INTERVAL", 0.5)
        worker_id = settings.get("NEWSARCHIVE_WORKER_ID") or default_worker_id()
        self.coordinator = RunCoordinator(
            client, settings.get("NEWSARCHIVE_REDIS_PREFIX", "newsarchive"), run_group(spider),
            worker_id, settings.getfloat("NEWSARCHIVE_REDIS_HEARTBEAT", 10.0))
        own_run_id = getattr(spider, "run_id", None) or worker_id
        run_id = self.coordinator.join(own_run_id)
        # beating from now on: building the other components and opening the spider (the
        # extraction pool's fork server...) can take longer than the heartbeat on a busy machine
        self.coordinator.start_heartbeat()
        spider.run_id = run_id
        spider.worker_id = worker_id
        if self.coordinator.seeder:
            logger.info("worker %s started run %s (seeds its start requests)", worker_id, run_id)
        else:
            logger.info("worker %s joined run %s", worker_id, run_id)
        self.run_done = False
        self._queue: Any = None  # to put back what lost workers had taken
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScaleOut:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured
        try:
            client = connect(url, retry_seconds=crawler.settings.getfloat(
                "NEWSARCHIVE_REDIS_RETRY_SECONDS", 30.0))
        except RedisUnavailable as error:
            fail(str(error))
        return cls(crawler, client)

    def redis_lost(self, error: BaseException) -> None:
        """Redis stayed away through the retries: stop this worker (from any thread)."""
        from twisted.internet import reactor

        self.failed = one_line(error)
        reactor.callFromThread(self._stop)

    def _stop(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        logger.error(
            "Redis at %s unavailable for %.0f s (%s): worker %s stops; its feeds keep what it "
            "wrote, nothing else is marked archived, the next run carries on",
            self.url, self.retry_seconds, self.failed, self.coordinator.worker_id)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.running:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="redis_unavailable"))

    def spider_idle(self, spider: Spider) -> None:
        """Close only when the run is done; until then look at the queue again soon."""
        from redis.exceptions import RedisError

        if self.failed:
            raise CloseSpider("redis_unavailable")
        try:
            answer = DONE if self.run_done else self.coordinator.idle()
            if answer == RECOVER:
                self.recover_lost(spider)
        except RedisError:
            raise CloseSpider("redis_unavailable") from None
        if answer == DONE:
            if not self.run_done:
                logger.info("run %s: queue empty and every worker idle: done", spider.run_id)
            self.run_done = True
            return
        self._poll_soon()
        raise DontCloseSpider

    def recover_lost(self, spider: Spider) -> int:
        """Put back in the queue what the run's lost workers had taken (see the coordinator):
        claim it, let the spider repair the run's links (``workers_lost``), requeue it."""
        coordinator = self.coordinator
        lost = [w for w in coordinator.lost_workers() if w != coordinator.worker_id]
        entries: list[bytes] = []
        for worker in lost:
            entries = coordinator.claim_taken(worker)  # each call: all this worker claimed
        if not entries:
            return 0
        repair = getattr(spider, "workers_lost", None)
        if repair is not None:
            repair(set(lost))
        from newsarchive.scaleout.scheduler import RunQueue

        if self._queue is None:
            self._queue = RunQueue(self.client, spider, coordinator.key("requests"))
        count = self._queue.requeue(entries, coordinator.recover_key(coordinator.worker_id))
        self.crawler.stats.inc_value("newsarchive/scaleout/requeued", count)
        logger.warning("run %s: worker(s) %s lost; %d requests they had taken put back in the "
                       "queue", spider.run_id, ", ".join(lost), count)
        return count

    def _poll_soon(self) -> None:
        # The engine looks at the scheduler every 5 s when idle (its slot heartbeat); another
        # worker's new requests are picked up sooner by asking for the next request ourselves.
        # ``_slot.nextcall`` is Scrapy's own CallLaterOnce for that (private, hence guarded).
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule(self.poll_interval)

    def leave(self, report: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]] | None:
        """File this worker's manifest part; the last worker gets all parts (see coordinator)
        and frees the run's hold on the crawl state (workers it lost still hold a share)."""
        logger.info("worker %s: %d Redis round trips", self.coordinator.worker_id,
                    getattr(self.client, "round_trips", 0))
        result = self.coordinator.leave(report)
        if result is not None:
            from newsarchive.extensions.state import lock_owner
            from newsarchive.state.redis_state import RedisState

            RedisState.release_for_all(self.client, self.coordinator.prefix,
                                       lock_owner(str(self.coordinator.run_id)))
        return result


class RedisLossGuard:
    """Spider middleware: a callback that met Redis gone for good (after the client's retries)
    loses its output to this run, counted as ``redis_unavailable``, without a traceback; the
    ScaleOut extension is stopping the worker meanwhile."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisLossGuard:
        return cls(crawler)

    def process_spider_exception(self, response: Any, exception: Exception) -> list[Any] | None:
        from redis.exceptions import RedisError

        from newsarchive.drops import count_drop

        if isinstance(exception, RedisError):
            count_drop(self.crawler.stats, "redis_unavailable", response.url, one_line(exception))
            return []
        return None


class SeedOnce:
    """Spider middleware: only the worker that started the run yields the start requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnce:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        extension = ScaleOut.of(self.crawler)
        if extension is not None and not extension.coordinator.seeder:
            return
        async for item_or_request in start:
            yield item_or_request
