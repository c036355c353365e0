"""scrapy-redis's scheduler, queue and dupefilter with the keys of the run (not of the spider).

scrapy-redis names its keys after the spider (``<spider>:requests``); here they belong to the
run the workers agreed on (``<prefix>:run:<run_id>:requests`` and ``:seen``), so a new run
starts with an empty queue and dupefilter while a run's workers share both. The queue's pop
also marks the worker busy, atomically (see ``newsarchive.scaleout.coordinator``).
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from newsarchive.drops import count_drop
from newsarchive.scaleout.connection import one_line
from newsarchive.scaleout.coordinator import RunCoordinator
from newsarchive.scaleout.once import ADD_TO_SET, OnceScript
from newsarchive.scaleout.requests import RETAKEN

# KEYS: queue, idle set, taken set; ARGV: worker. The lowest score first, as scrapy-redis's
# PriorityQueue.
_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], found[1])
return found[1]
"""

# KEYS: queue; ARGV: score, request.
_PUSH = "return redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])"
# KEYS: queue, recover set; ARGV: count, then score and request for each.
_REQUEUE = """
for i = 1, tonumber(ARGV[1]) do
  redis.call('ZADD', KEYS[1], ARGV[2 * i], ARGV[2 * i + 1])
end
redis.call('DEL', KEYS[2])
"""


def coordinator_of(spider: Spider) -> RunCoordinator:
    from newsarchive.scaleout.extension import ScaleOut

    extension = ScaleOut.of(spider.crawler)
    if extension is None:
        raise RuntimeError("the run scheduler needs the ScaleOut extension (REDIS_URL)")
    return extension.coordinator


class RunQueue(PriorityQueue):
    """scrapy-redis's priority queue; taking a request marks this worker busy and remembers it
    as taken by this worker until the worker leaves the run (its feeds stored)."""

    def __init__(self, server: Any, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        coordinator = coordinator_of(spider)
        self._idle_key = coordinator.key("idle")
        self._taken_key = coordinator.taken_key(coordinator.worker_id)
        self._worker = coordinator.worker_id
        # Applied twice (tried again after Redis applied it), a pop would take a second request
        # and strand the first in this worker's taken set; a push, put back a request another
        # worker took in between: it would be fetched twice. So each is applied once.
        self._pop = OnceScript(server, _POP, coordinator.base)
        self._push = OnceScript(server, _PUSH, coordinator.base)
        self._requeue = OnceScript(server, _REQUEUE, coordinator.base)

    def pop(self, timeout: int = 0) -> Any:
        data = self._pop(keys=[self.key, self._idle_key, self._taken_key], args=[self._worker])
        return self._decode_request(data) if data else None

    def push(self, request: Any) -> None:
        self._push(keys=[self.key], args=[-request.priority, self._encode_request(request)])

    def requeue(self, entries: list[bytes], recover_key: str) -> int:
        """Put requests another worker had taken back in the queue, marked ``retaken``, and
        empty ``recover_key`` (where they were claimed), in one step."""
        args: list[Any] = []
        for data in entries:
            request = self._decode_request(data)
            request.meta[RETAKEN] = True
            args += [-request.priority, self._encode_request(request)]
        self._requeue(keys=[self.key, recover_key], args=[len(entries), *args])
        return len(entries)


class RunDupeFilter(RFPDupeFilter):
    """scrapy-redis's dupefilter on the run's ``seen`` set, whose ``SADD`` is applied once: tried
    again after Redis applied it, it would answer "seen" and the request would never be made."""

    def __init__(self, server: Any, key: str, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self._add = OnceScript(server, ADD_TO_SET, key)

    @classmethod
    def from_spider(cls, spider: Spider) -> RunDupeFilter:
        coordinator = coordinator_of(spider)
        return cls(coordinator.client, key=coordinator.key("seen"),
                   debug=spider.settings.getbool("DUPEFILTER_DEBUG"))

    def request_seen(self, request: Any) -> bool:
        return self._add(keys=[self.key], args=[self.request_fingerprint(request)]) == 0

    def close(self, reason: str = "") -> None:
        """Kept: the run's other workers still use it (the run's last worker removes it)."""


class RunScheduler(Scheduler):
    """scrapy-redis's scheduler on the run's keys and the ``ScaleOut`` extension's client
    (retries, then stops the worker cleanly when Redis stays away)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunScheduler:
        from newsarchive.scaleout.extension import ScaleOut

        extension = ScaleOut.of(crawler)
        if extension is None:
            raise RuntimeError("the run scheduler needs the ScaleOut extension (REDIS_URL)")
        instance = cls(server=extension.client, persist=True,
                       dupefilter_cls="newsarchive.scaleout.scheduler.RunDupeFilter",
                       queue_cls="newsarchive.scaleout.scheduler.RunQueue")
        instance.stats = crawler.stats
        return instance

    def open(self, spider: Spider) -> None:
        self.queue_key = coordinator_of(spider).key("requests")
        self.queue_cls = "newsarchive.scaleout.scheduler.RunQueue"
        self.dupefilter_cls = "newsarchive.scaleout.scheduler.RunDupeFilter"
        self.persist = True  # the queue is the run's, not this worker's
        super().open(spider)

    # scrapy-redis's own pass ``spider=`` to the stats, which Scrapy 2.19 deprecates; and a
    # Redis gone for good (the client retried already) must not crash the engine's loop.
    def enqueue_request(self, request: Any) -> bool:
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except RedisError as error:
            count_drop(self.stats, "redis_unavailable", request.url, one_line(error))
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        try:
            request = self.queue.pop(self.idle_before_close)
        except RedisError:
            return None  # the ScaleOut extension stops the worker
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return len(self) > 0
        except RedisError:
            return False
