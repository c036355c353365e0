"""A Redis that would drop the run's keys is refused before the crawl starts; one that keeps
nothing on disk is a warning. Real ``redis-server`` processes of the tests' own, configured as
a cache would be (``maxmemory`` with an evicting policy) or as a throwaway (no persistence)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.scaleout.connection import RedisUnavailable, connect, durability
from tests.crawling import crawl
from tests.scaleout import PrivateRedis


@pytest.mark.parametrize(("config", "refused"), [
    ({"maxmemory": "1073741824", "maxmemory-policy": "allkeys-lru"}, True),
    ({"maxmemory": "1073741824", "maxmemory-policy": "volatile-ttl"}, True),  # the lock has a TTL
    ({"maxmemory": "1073741824", "maxmemory-policy": "noeviction"}, False),
    ({"maxmemory": "0", "maxmemory-policy": "allkeys-lru"}, False),  # never full
    ({}, False),  # CONFIG refused (a managed Redis): cannot tell
])
def test_evicting_redis_is_refused(config: dict[str, str], refused: bool) -> None:
    problem, _warning = durability(config)
    assert (problem is not None) == refused
    if refused:
        assert config["maxmemory-policy"] in problem and "noeviction" in problem


@pytest.fixture
def private_redis(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis", *request.param)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.mark.parametrize("private_redis", [("--maxmemory", "64mb", "--maxmemory-policy",
                                            "allkeys-lru")], indirect=True)
def test_a_crawl_on_an_evicting_redis_is_one_line_and_exit_2(
    private_redis: PrivateRedis, tmp_path: Path
) -> None:
    run = crawl("events", tmp_path, {"start_urls": "http://127.0.0.1:9/news/2024/03/5/index.md"},
                {"REDIS_URL": private_redis.url, "LOG_LEVEL": "WARNING"})
    assert run.returncode == 2, run.log[-3000:]
    errors = [line for line in run.log.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "maxmemory-policy allkeys-lru" in errors[0], run.log[-3000:]
    assert "Traceback" not in run.log
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(("private_redis", "warned"), [
    (("--appendonly", "no"), True), ((), False)], indirect=["private_redis"])
def test_a_redis_without_persistence_is_a_warning(
    private_redis: PrivateRedis, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="newsarchive.scaleout.connection"):
        client = connect(private_redis.url)
    assert client.ping()
    said = [r.getMessage() for r in caplog.records if "keeps nothing on disk" in r.getMessage()]
    assert bool(said) == warned, said


def test_refused_before_any_key_is_written(tmp_path: Path) -> None:
    server = PrivateRedis(tmp_path / "redis", "--maxmemory", "64mb", "--maxmemory-policy",
                          "volatile-lru")
    server.start()
    try:
        with pytest.raises(RedisUnavailable, match="evicts keys"):
            connect(server.url)
        import redis

        assert redis.Redis.from_url(server.url).dbsize() == 0
    finally:
        server.kill()
