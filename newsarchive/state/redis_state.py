"""Crawl state in Redis (with ``REDIS_URL``: the state scrapy-redis workers share).

Same contract as ``SQLiteState`` (``newsarchive.state.base``). Layout, under one key prefix
(``NEWSARCHIVE_REDIS_PREFIX``, default ``newsarchive``):

- ``<p>:u:<bucket>``, ``<p>:r:<bucket>``, ``<p>:c:<bucket>``, ``<p>:s:<bucket>``: URL keys,
  record hashes, content hashes and "has a sketch" marks, each in 65,536 small hashes. A
  string key is hashed (BLAKE2b, 14 bytes): 2 bytes pick the bucket, 12 are the field. Small
  hashes are stored by Redis as listpacks (a few bytes of overhead per entry instead of ~60 for
  a top-level key or a big hash's table entry): this is what keeps 1M archived articles well
  under 500 MB (``benchmarks/redis_memory.py``). The price: keys cannot be listed back, which
  the interface never asks for.
- ``<p>:sketches``: a list of ``len(id) + id + sketch`` entries, in insertion order.
- ``<p>:pages``: URL → ``\\x1f fetched_at`` (day pages read: few).
- ``<p>:f:<bucket>``: URL key → how the archived article page was fetched (``ArticleFetch``:
  record id, validators, threaded/paged), for conditional refetches.
- ``<p>:runs``: the ids of the committed runs.
- ``<p>:lock`` and ``<p>:lock:holders``: the writer lock (see ``acquire``).

Writes are sent in pipelined batches (``commit_every`` commands, or on ``flush``, on any read,
and on ``close``): the next read sees every earlier write. A Redis server persists according to
its own configuration (RDB/AOF); ``flush`` means "sent and applied by the server".
``transaction`` sends the block's writes as one MULTI/EXEC: applied together or not at all.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from newsarchive.state.base import (
    ArchiveLookup,
    ArticleFetch,
    CrawlState,
    PageState,
    StateLocked,
    UrlRecord,
)

COMMIT_EVERY = 1000
LOCK_TTL = 30.0  # seconds a lock outlives its holder's last refresh (a SIGKILLed run, say)
_FETCH_BATCH = 10_000
_SEP = "\x1f"

# Claim a content hash: the existing owner, or the caller (then stored).
_CLAIM = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then return owner end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
"""
# Append a sketch unless its record has one.
_ADD_SKETCH = """
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
end
"""
# The writer lock: held by an owner (a run id: the workers of one run share it), each holding
# process listed in a set. Taken when free or already the caller's owner's.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return holder end
if not holder then redis.call('DEL', KEYS[2]) end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return ARGV[1]
"""
_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
end
"""

_RELEASE_ALL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
"""


def _slot(key: str) -> tuple[str, bytes]:
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=14).digest()
    return digest[:2].hex(), digest[2:]


class RedisState(CrawlState):
    """``CrawlState`` in the Redis database of ``client`` (a ``redis.Redis``; bytes replies)."""

    def __init__(
        self,
        client: Any,
        prefix: str = "newsarchive",
        commit_every: int = COMMIT_EVERY,
        lock_ttl: float = LOCK_TTL,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.commit_every = max(1, commit_every)
        self.lock_ttl_ms = int(lock_ttl * 1000)
        self._mutex = threading.RLock()
        self._pipe: Any = client.pipeline(transaction=False)
        self._pending = 0
        self._in_transaction = False
        self._closed = False
        self._claim = client.register_script(_CLAIM)
        self._add_sketch = client.register_script(_ADD_SKETCH)
        self._acquire = client.register_script(_ACQUIRE)
        self._refresh = client.register_script(_REFRESH)
        self._release = client.register_script(_RELEASE)
        self._lock_key = f"{prefix}:lock"
        self._holders_key = f"{prefix}:lock:holders"
        self._token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._owner: str | None = None
        self._stop_refresh = threading.Event()
        self._refresher: threading.Thread | None = None

    @classmethod
    def from_url(cls, url: str, prefix: str = "newsarchive", **kwargs: Any) -> RedisState:
        import redis

        return cls(redis.Redis.from_url(url), prefix, **kwargs)

    # -- plumbing ------------------------------------------------------------------------------
    def _key(self, kind: str, key: str) -> tuple[str, bytes]:
        bucket, field = _slot(key)
        return f"{self.prefix}:{kind}:{bucket}", field

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"Redis state {self.prefix!r} is closed")

    def _queued(self) -> None:
        self._pending += 1
        if self._pending >= self.commit_every and not self._in_transaction:
            self._send()

    def _send(self) -> None:
        if self._pending:
            self._pending = 0
            self._pipe.execute()

    def _read(self, command: str, *args: Any) -> Any:
        with self._mutex:
            self._check_open()
            if not self._in_transaction:
                self._send()
            return self.client.execute_command(command, *args)

    # -- URLs ----------------------------------------------------------------------------------
    def url_record(self, key: str) -> UrlRecord | None:
        value = self._read("HGET", *self._key("u", key))
        if value is None:
            return None
        record_id, _, content_hash = value.decode("utf-8").partition(_SEP)
        return UrlRecord(record_id, content_hash or None)

    def add_url(self, key: str, record_id: str, content_hash: str | None = None) -> None:
        with self._mutex:
            self._check_open()
            self._pipe.hset(*self._key("u", key), f"{record_id}{_SEP}{content_hash or ''}")
            self._queued()

    # -- emitted records -----------------------------------------------------------------------
    def record_hash(self, record_id: str) -> str | None:
        value = self._read("HGET", *self._key("r", record_id))
        return value.decode("utf-8") if value is not None else None

    def set_record_hash(self, record_id: str, record_hash: str) -> None:
        with self._mutex:
            self._check_open()
            self._pipe.hset(*self._key("r", record_id), record_hash)
            self._queued()

    # -- exact duplicates ----------------------------------------------------------------------
    def find_content(self, content_hash: str) -> str | None:
        value = self._read("HGET", *self._key("c", content_hash))
        return value.decode("utf-8") if value is not None else None

    def add_content(self, content_hash: str, record_id: str) -> str:
        with self._mutex:
            self._check_open()
            key, field = self._key("c", content_hash)
            if self._in_transaction:  # queued with the block; the owner is known after it
                self._claim(keys=[key], args=[field, record_id], client=self._pipe)
                self._queued()
                return record_id
            self._send()
            return self._claim(keys=[key], args=[field, record_id]).decode("utf-8")

    # -- near duplicates -----------------------------------------------------------------------
    def add_sketch(self, record_id: str, sketch: bytes) -> None:
        encoded_id = record_id.encode("utf-8")
        if len(encoded_id) > 255:
            raise ValueError(f"record id too long for the sketch log: {record_id[:40]}...")
        with self._mutex:
            self._check_open()
            key, field = self._key("s", record_id)
            entry = bytes([len(encoded_id)]) + encoded_id + bytes(sketch)
            self._add_sketch(keys=[key, f"{self.prefix}:sketches"], args=[field, entry],
                             client=self._pipe)
            self._queued()

    def all_sketches(self) -> Iterator[tuple[str, bytes]]:
        start = 0
        while True:
            entries = self._read("LRANGE", f"{self.prefix}:sketches", start,
                                 start + _FETCH_BATCH - 1)
            for entry in entries:
                size = entry[0]
                yield entry[1 : 1 + size].decode("utf-8"), entry[1 + size :]
            if len(entries) < _FETCH_BATCH:
                return
            start += len(entries)

    def sketch_count(self) -> int:
        return int(self._read("LLEN", f"{self.prefix}:sketches"))

    # -- pages ---------------------------------------------------------------------------------
    def page(self, url: str) -> PageState | None:
        value = self._read("HGET", f"{self.prefix}:pages", url)
        if value is None:
            return None
        # ``hash \x1f fetched_at``: states written before kept a page hash nothing compared
        fetched_at = value.decode("utf-8").rpartition(_SEP)[2]
        return PageState(fetched_at or None)

    def set_page(self, url: str, fetched_at: str | None) -> None:
        with self._mutex:
            self._check_open()
            self._pipe.hset(f"{self.prefix}:pages", url, f"{_SEP}{fetched_at or ''}")
            self._queued()

    def forget_page(self, url: str) -> None:
        with self._mutex:
            self._check_open()
            self._pipe.hdel(f"{self.prefix}:pages", url)
            self._queued()

    # -- article pages, for conditional refetches -----------------------------------------------
    def article_fetch(self, key: str) -> ArticleFetch | None:
        value = self._read("HGET", *self._key("f", key))
        if value is None:
            return None
        record_id, etag, modified, flags = value.decode("utf-8").split(_SEP)
        return ArticleFetch(record_id, etag or None, modified or None, "t" in flags, "p" in flags)

    def set_article_fetch(self, key: str, fetch: ArticleFetch) -> None:
        flags = ("t" if fetch.threaded else "") + ("p" if fetch.paged else "")
        value = _SEP.join([fetch.record_id, fetch.etag or "", fetch.last_modified or "", flags])
        with self._mutex:
            self._check_open()
            self._pipe.hset(*self._key("f", key), value)
            self._queued()

    # -- web archive lookups of dead sources ------------------------------------------------------
    def archive_lookup(self, key: str) -> ArchiveLookup | None:
        value = self._read("HGET", *self._key("a", key))
        if value is None:
            return None
        found, memento_url, memento_datetime, checked_at = value.decode("utf-8").split(_SEP)
        return ArchiveLookup(found == "1", memento_url or None, memento_datetime or None, checked_at)

    def set_archive_lookup(self, key: str, lookup: ArchiveLookup) -> None:
        value = _SEP.join(["1" if lookup.found else "0", lookup.memento_url or "",
                           lookup.memento_datetime or "", lookup.checked_at])
        with self._mutex:
            self._check_open()
            self._pipe.hset(*self._key("a", key), value)
            self._queued()

    # -- raw capture: where each payload was first captured in full -----------------------------
    def payload_capture(self, digest: str) -> tuple[str, str] | None:
        value = self._read("HGET", *self._key("w", digest))
        if value is None:
            return None
        uri, _, date = value.decode("utf-8").partition(_SEP)
        return uri, date

    def add_payload_capture(self, digest: str, uri: str, date: str) -> None:
        with self._mutex:
            self._check_open()
            self._pipe.hsetnx(*self._key("w", digest), f"{uri}{_SEP}{date}")
            self._queued()

    # -- committed runs ------------------------------------------------------------------------
    def add_run(self, run_id: str) -> None:
        with self._mutex:
            self._check_open()
            self._pipe.sadd(f"{self.prefix}:runs", run_id)
            self._queued()

    def has_run(self, run_id: str) -> bool:
        return bool(self._read("SISMEMBER", f"{self.prefix}:runs", run_id))

    # -- lifecycle -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[RedisState]:
        """The block's writes in one MULTI/EXEC (reads in the block do not see them)."""
        with self._mutex:
            self._check_open()
            self._send()
            self._pipe = self.client.pipeline(transaction=True)
            self._in_transaction = True
            try:
                yield self
                self._in_transaction = False
                self._send()
            finally:
                self._in_transaction = False
                self._pending = 0
                self._pipe = self.client.pipeline(transaction=False)

    def acquire(self, owner: str) -> None:
        """Take the lock for ``owner``; fails fast when another owner holds it.

        Processes acquiring with the same owner share the lock (the workers of one run, whose
        id is the owner); it is freed when the last of them releases it. Each holder refreshes
        it from a thread; a holder killed outright stops refreshing and the lock lapses after
        ``lock_ttl`` seconds.
        """
        with self._mutex:
            self._check_open()
            if self._owner is not None:
                return
            holder = self._acquire(keys=[self._lock_key, self._holders_key],
                                   args=[owner, self._token, self.lock_ttl_ms]).decode("utf-8")
            if holder != owner:
                raise StateLocked(
                    f"crawl state redis {self.prefix!r} is in use by another run ({holder}); "
                    "wait for it to finish or use another NEWSARCHIVE_REDIS_PREFIX"
                )
            self._owner = owner
            self._stop_refresh.clear()
            self._refresher = threading.Thread(target=self._keep_lock, name="redis-state-lock",
                                               daemon=True)
            self._refresher.start()

    def _keep_lock(self) -> None:
        owner = self._owner
        while not self._stop_refresh.wait(self.lock_ttl_ms / 3000):
            try:
                self._refresh(keys=[self._lock_key, self._holders_key],
                              args=[owner, self.lock_ttl_ms])
            except Exception:  # Redis away for a moment: the next refresh tries again
                continue

    def release(self) -> None:
        with self._mutex:
            if self._owner is None:
                return
            self._stop_refresh.set()
            if self._refresher is not None:
                self._refresher.join(timeout=5)
                self._refresher = None
            try:
                self._release(keys=[self._lock_key, self._holders_key],
                              args=[self._owner, self._token])
            finally:
                self._owner = None

    def lock_holder(self) -> str | None:
        """The owner holding the lock, if any."""
        value = self._read("GET", self._lock_key)
        return value.decode("utf-8") if value is not None else None

    @staticmethod
    def release_for_all(client: Any, prefix: str, owner: str) -> None:
        """Free ``owner``'s lock whoever holds it: the last worker of a run calls this, as the
        holders the run lost on the way (killed) would otherwise keep it until it lapses."""
        client.eval(_RELEASE_ALL, 2, f"{prefix}:lock", f"{prefix}:lock:holders", owner)

    @property
    def locked(self) -> bool:
        """Whether this object holds the writer lock."""
        return self._owner is not None

    def flush(self) -> None:
        with self._mutex:
            self._check_open()
            self._send()

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            try:
                self._send()
            finally:
                self._closed = True
                self.release()
