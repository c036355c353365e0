"""Where the event↔source linker (``newsarchive.spiders.settling``) keeps a run's links.

The linker's state is the run's, not a process's: with several workers (``REDIS_URL``) an event
read by one worker waits for articles fetched by others, and whichever worker settles an event's
last source emits it. ``MemoryLinkStore`` serves a single process; ``RedisLinkStore`` a run
shared through Redis. Every read-modify-write of the linker runs inside ``transaction()``: a
no-op in memory, a short run-wide lock in Redis.
"""

from __future__ import annotations

import pickle
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from newsarchive.items import Event
from newsarchive.scaleout.once import ADD_TO_SET, OnceScript


@dataclass
class ArticleTask:
    """An article some event cites: who cites it, whether it was requested, how it settled."""

    article_id: str
    url: str
    event_ids: list[str] = field(default_factory=list)
    requested: bool = False
    status: str | None = None  # set when settled
    reason: str | None = None  # why it is not ok
    settled_by: str | None = None  # the worker whose fetch settled it (a shared run)
    adopted_from: str | None = None  # the article id whose page turned out to be this one
    # the day pages (state keys) listing the events that cite it: read again next run should it
    # fail in a way that may pass (kept here, so any worker of a shared run knows them)
    day_pages: tuple[str, ...] = ()


class LinkStore(ABC):
    @abstractmethod
    def task(self, article_id: str) -> ArticleTask | None: ...

    @abstractmethod
    def put_task(self, task: ArticleTask) -> None:
        """Store a task (a changed task must be put again: stores may hold copies)."""

    @abstractmethod
    def pop_task(self, article_id: str) -> ArticleTask | None: ...

    @abstractmethod
    def alias_of(self, article_id: str) -> str | None: ...

    @abstractmethod
    def set_alias(self, alias_id: str, owner_id: str) -> None: ...

    @abstractmethod
    def waiting(self, event_id: str) -> tuple[Event, set[str]] | None:
        """A held event and the article ids it still waits for."""

    @abstractmethod
    def put_waiting(self, event: Event, open_ids: set[str]) -> None: ...

    @abstractmethod
    def pop_waiting(self, event_id: str) -> None: ...

    @abstractmethod
    def waiting_count(self) -> int: ...

    @abstractmethod
    def add_unrequested(self, article_id: str) -> None: ...

    @abstractmethod
    def take_unrequested(self) -> list[str]:
        """Every article id not yet requested, in the order first cited; marks them taken."""

    @abstractmethod
    def claim(self, key: str) -> bool:
        """True for the first caller of the run to claim ``key`` (a page to fetch), else False."""

    @abstractmethod
    def add_unread_day(self, day_page: str) -> None:
        """A day page (state key) no worker of the run may count as read: an event page or a
        source it lists failed in a way that may pass."""

    @abstractmethod
    def unread_days(self) -> set[str]: ...

    @abstractmethod
    def take_slot(self, budget: str, limit: int) -> bool:
        """Take one of the run's ``limit`` slots named ``budget`` (a per-run bound like the
        blogs spider's ``max_posts``, whatever the number of workers); False when none is left."""

    @abstractmethod
    def all_tasks(self) -> list[ArticleTask]: ...

    @abstractmethod
    def mark_emitted(self, worker: str, event: Event) -> None:
        """``worker`` emitted ``event`` (as emitted: kept until the run ends)."""

    @abstractmethod
    def emitted_by(self, event_id: str) -> str | None: ...

    @abstractmethod
    def take_emitted(self, worker: str) -> list[Event]:
        """The events ``worker`` emitted, no longer marked emitted."""

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield


class MemoryLinkStore(LinkStore):
    """One process's links (live objects: a task changed in place is changed in the store)."""

    def __init__(self) -> None:
        self.tasks: dict[str, ArticleTask] = {}
        self.aliases: dict[str, str] = {}
        self._waiting: dict[str, tuple[Event, set[str]]] = {}
        self._unrequested: dict[str, None] = {}
        self._claimed: set[str] = set()
        self._unread_days: set[str] = set()
        self._emitted: dict[str, tuple[str, Event]] = {}
        self._slots: dict[str, int] = {}

    def claim(self, key: str) -> bool:
        if key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    def add_unread_day(self, day_page: str) -> None:
        self._unread_days.add(day_page)

    def unread_days(self) -> set[str]:
        return set(self._unread_days)

    def task(self, article_id: str) -> ArticleTask | None:
        return self.tasks.get(article_id)

    def all_tasks(self) -> list[ArticleTask]:
        return list(self.tasks.values())

    def take_slot(self, budget: str, limit: int) -> bool:
        taken = self._slots.get(budget, 0)
        if taken >= limit:
            return False
        self._slots[budget] = taken + 1
        return True

    def mark_emitted(self, worker: str, event: Event) -> None:
        self._emitted[event.id] = (worker, event)

    def emitted_by(self, event_id: str) -> str | None:
        found = self._emitted.get(event_id)
        return found[0] if found is not None else None

    def take_emitted(self, worker: str) -> list[Event]:
        mine = [event_id for event_id, (w, _) in self._emitted.items() if w == worker]
        return [self._emitted.pop(event_id)[1] for event_id in mine]

    def put_task(self, task: ArticleTask) -> None:
        self.tasks[task.article_id] = task

    def pop_task(self, article_id: str) -> ArticleTask | None:
        return self.tasks.pop(article_id, None)

    def alias_of(self, article_id: str) -> str | None:
        return self.aliases.get(article_id)

    def set_alias(self, alias_id: str, owner_id: str) -> None:
        self.aliases[alias_id] = owner_id

    def waiting(self, event_id: str) -> tuple[Event, set[str]] | None:
        return self._waiting.get(event_id)

    def put_waiting(self, event: Event, open_ids: set[str]) -> None:
        self._waiting[event.id] = (event, open_ids)

    def pop_waiting(self, event_id: str) -> None:
        self._waiting.pop(event_id, None)

    def waiting_count(self) -> int:
        return len(self._waiting)

    def add_unrequested(self, article_id: str) -> None:
        self._unrequested[article_id] = None

    def take_unrequested(self) -> list[str]:
        ids = list(self._unrequested)
        self._unrequested.clear()
        return ids


# Compare-and-delete: only the lock's holder frees it.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_LOCK = "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0"
# Every member of a list, then the list gone (take the unrequested articles once).
_TAKE = """
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return ids
"""

# One more slot of a budget, unless ARGV[1] are taken.
_TAKE_SLOT = """
if (tonumber(redis.call('GET', KEYS[1])) or 0) >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
return 1
"""


class RedisLinkStore(LinkStore):
    """A run's links in Redis hashes under ``base`` (``<prefix>:run:<run_id>:link``).

    Values are pickles of the linker's own dataclasses (the same trust as scrapy-redis's
    pickled requests: whoever can write the Redis can run code in the workers).
    ``transaction`` takes a run-wide lock (``SET NX PX``, freed by compare-and-delete); it is
    held for a few round trips, and a holder that dies frees it after ``lock_ttl``.
    """

    def __init__(self, client: Any, base: str, lock_ttl: float = 10.0) -> None:
        self.client = client
        self.base = base
        self.lock_ttl_ms = int(lock_ttl * 1000)
        self._unlock = client.register_script(_UNLOCK)
        # claims and takes answer what they did: applied twice (a retry after Redis applied
        # them and the reply was lost) the second answer would be "nothing for you"
        self._add = OnceScript(client, ADD_TO_SET, base)
        self._take = OnceScript(client, _TAKE, base)
        self._take_slot = OnceScript(client, _TAKE_SLOT, base)
        self._lock = OnceScript(client, _LOCK, base)
        self._depth = 0
        self._token = ""

    def claim(self, key: str) -> bool:
        return bool(self._add(keys=[f"{self.base}:claimed"], args=[key]))

    def add_unread_day(self, day_page: str) -> None:
        self.client.sadd(f"{self.base}:unread_days", day_page)

    def unread_days(self) -> set[str]:
        return {day.decode("utf-8") for day in self.client.smembers(f"{self.base}:unread_days")}

    def _get(self, name: str, key: str) -> Any:
        data = self.client.hget(f"{self.base}:{name}", key)
        return pickle.loads(data) if data is not None else None

    def task(self, article_id: str) -> ArticleTask | None:
        return self._get("tasks", article_id)

    def all_tasks(self) -> list[ArticleTask]:
        return [pickle.loads(data) for data in self.client.hvals(f"{self.base}:tasks")]

    def take_slot(self, budget: str, limit: int) -> bool:
        return bool(self._take_slot(keys=[f"{self.base}:slots:{budget}"], args=[limit]))

    def mark_emitted(self, worker: str, event: Event) -> None:
        # one command per emitted event: ``worker \x1f pickle`` (only a recovery reads them all)
        self.client.hset(f"{self.base}:emitted", event.id,
                         worker.encode("utf-8") + b"\x1f" + pickle.dumps(event))

    def emitted_by(self, event_id: str) -> str | None:
        value = self.client.hget(f"{self.base}:emitted", event_id)
        return value.split(b"\x1f", 1)[0].decode("utf-8") if value is not None else None

    def take_emitted(self, worker: str) -> list[Event]:
        key, mine = f"{self.base}:emitted", worker.encode("utf-8") + b"\x1f"
        taken = {event_id: value for event_id, value in self.client.hgetall(key).items()
                 if value.startswith(mine)}
        if taken:
            self.client.hdel(key, *taken)
        return [pickle.loads(value[len(mine):]) for value in taken.values()]

    def put_task(self, task: ArticleTask) -> None:
        self.client.hset(f"{self.base}:tasks", task.article_id, pickle.dumps(task))

    def pop_task(self, article_id: str) -> ArticleTask | None:
        task = self.task(article_id)
        self.client.hdel(f"{self.base}:tasks", article_id)
        return task

    def alias_of(self, article_id: str) -> str | None:
        value = self.client.hget(f"{self.base}:aliases", article_id)
        return value.decode("utf-8") if value is not None else None

    def set_alias(self, alias_id: str, owner_id: str) -> None:
        self.client.hset(f"{self.base}:aliases", alias_id, owner_id)

    def waiting(self, event_id: str) -> tuple[Event, set[str]] | None:
        return self._get("waiting", event_id)

    def put_waiting(self, event: Event, open_ids: set[str]) -> None:
        self.client.hset(f"{self.base}:waiting", event.id, pickle.dumps((event, open_ids)))

    def pop_waiting(self, event_id: str) -> None:
        self.client.hdel(f"{self.base}:waiting", event_id)

    def waiting_count(self) -> int:
        if getattr(self.client, "lost", False):
            return 0  # Redis given up (the worker is stopping): progress lines must not fail
        return int(self.client.hlen(f"{self.base}:waiting"))

    def add_unrequested(self, article_id: str) -> None:
        self.client.rpush(f"{self.base}:unrequested", article_id)

    def take_unrequested(self) -> list[str]:
        return [i.decode("utf-8") for i in self._take(keys=[f"{self.base}:unrequested"])]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:  # re-entrant within one worker
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        key, token = f"{self.base}:lock", secrets.token_hex(8)
        delay = 0.001
        while not self._lock(keys=[key], args=[token, self.lock_ttl_ms]):
            time.sleep(delay)  # another worker is linking: a few round trips at most
            delay = min(delay * 2, 0.05)
        self._depth, self._token = 1, token
        try:
            yield
        finally:
            self._depth = 0
            self._unlock(keys=[key], args=[token])
