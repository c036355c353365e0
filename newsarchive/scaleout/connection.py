"""The one place a Redis client is built from ``REDIS_URL`` (and checked before use).

Every call retries on connection errors and timeouts for about ``retry_seconds`` (a Redis
restarted, a network blip); when the retries run out the client calls ``on_lost`` once (the
``ScaleOut`` extension then stops the worker cleanly) and from then on tries each call once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger(__name__)

SCHEMES = {"redis", "rediss", "unix"}
RETRY_SECONDS = 30.0
_BACKOFF = 0.5  # seconds between two tries


class RedisUnavailable(Exception):
    """``REDIS_URL`` is malformed or no Redis answers there; the message is one line."""


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def is_redis_error(error: BaseException) -> bool:
    """A Redis client error (the client library is optional: without it, never)."""
    try:
        from redis.exceptions import RedisError
    except ImportError:
        return False
    return isinstance(error, RedisError)


def is_redis_lost(error: BaseException) -> bool:
    """A Redis connection error or time-out: what the client retries and, once the retries run
    out, reports through ``on_lost`` (the worker then stops). Other Redis errors (a full server,
    a read-only replica) are not retried and not reported that way."""
    try:
        from redis.exceptions import ConnectionError, TimeoutError
    except ImportError:
        return False
    return isinstance(error, ConnectionError | TimeoutError)


def _guarded_class() -> type:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    class GuardedRedis(redis.Redis):
        """``redis.Redis`` that reports, once, a server that stayed away through the retries."""

        on_lost: Callable[[BaseException], None] | None = None
        lost = False
        _lost_lock = threading.Lock()
        round_trips = 0  # commands sent, a pipeline or a script call counting once (approximate:
        # incremented without a lock from the reactor and the heartbeat thread)

        def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
            pipe = super().pipeline(transaction, shard_hint)
            send = pipe.execute

            def execute(raise_on_error: bool = True) -> Any:
                if pipe.command_stack:
                    self.round_trips += 1
                return send(raise_on_error)

            pipe.execute = execute
            return pipe

        def execute_command(self, *args: Any, **options: Any) -> Any:
            self.round_trips += 1
            try:
                return super().execute_command(*args, **options)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                with self._lost_lock:
                    first = not self.lost
                    if first:
                        self.lost = True
                        self.set_retry(Retry(NoBackoff(), 0))  # shutting down: try once
                if first and self.on_lost is not None:
                    self.on_lost(error)
                raise

    return GuardedRedis


def connect(
    url: str,
    timeout: float = 5.0,
    retry_seconds: float = RETRY_SECONDS,
    on_lost: Callable[[BaseException], None] | None = None,
) -> Any:
    """A Redis client for ``url`` that answered a PING, or ``RedisUnavailable``."""
    try:
        import redis
        from redis.backoff import ConstantBackoff, NoBackoff
        from redis.retry import Retry
    except ImportError as error:
        raise RedisUnavailable(
            "REDIS_URL needs the redis extras: pip install 'newsarchive[redis]'") from error
    scheme = urlsplit(url).scheme
    if scheme not in SCHEMES:
        raise RedisUnavailable(
            f"REDIS_URL {redacted(url)!r} is not a Redis URL (redis://host:6379/0)")
    try:
        client = _guarded_class().from_url(
            url, socket_connect_timeout=timeout, socket_timeout=max(timeout, 30.0),
            retry=Retry(NoBackoff(), 0),  # a wrong URL is said at once
            retry_on_error=[redis.ConnectionError, redis.TimeoutError])
        client.ping()
        client.set_retry(Retry(ConstantBackoff(_BACKOFF), max(0, int(retry_seconds / _BACKOFF))))
    except (ValueError, redis.RedisError, OSError) as error:
        raise RedisUnavailable(f"REDIS_URL {redacted(url)}: {one_line(error)}") from None
    problem, warning = durability(_server_config(client))
    if problem is not None:
        raise RedisUnavailable(f"REDIS_URL {redacted(url)}: {problem}")
    if warning is not None:
        logger.warning("Redis at %s: %s", redacted(url), warning)
    client.on_lost = on_lost
    return client


def _server_config(client: Any) -> dict[str, str]:
    """The server's eviction and persistence settings; empty where ``CONFIG`` is refused (a
    managed Redis may rename or forbid it), which leaves them unchecked."""
    import redis

    config: dict[str, str] = {}
    for pattern in ("maxmemory*", "appendonly", "save"):
        try:
            config.update(client.config_get(pattern))
        except redis.ResponseError:
            return {}
    return config


def durability(config: dict[str, str]) -> tuple[str | None, str | None]:
    """(why this Redis would lose the run's keys, why it may lose them on a restart).

    A full Redis that evicts keys (any ``maxmemory-policy`` but ``noeviction``; the volatile
    ones too, as the state's lock has a TTL) drops the crawl state, the shared queue, the
    events waiting for their sources and the requests kept to redo a lost worker's share, with
    nothing to show for it: refused. One that keeps nothing on disk forgets the crawl state
    when it restarts (every article is fetched and archived again): a warning.
    """
    limit = config.get("maxmemory", "0").strip() or "0"
    policy = config.get("maxmemory-policy", "noeviction")
    problem = None
    if limit != "0" and policy != "noeviction":
        problem = (f"Redis evicts keys when full (maxmemory {limit}, maxmemory-policy {policy}): "
                   "the crawl state and the run's queue would be lost; set maxmemory-policy "
                   "noeviction (or maxmemory 0)")
    warning = None
    if config and config.get("appendonly", "no") == "no" and not config.get("save", "").strip():
        warning = ("it keeps nothing on disk (appendonly no, save \"\"): a restart forgets the "
                   "crawl state, and the next run archives everything again; turn on AOF")
    return problem, warning
