from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.demo.server import serving

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_SITE = Path(__file__).parent.parent / "newsarchive" / "demo" / "site"


@pytest.fixture(scope="session", autouse=True)
def startup_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The extraction stack's word lists cached in a folder of the test run's own, not the
    user's ``~/.cache`` (crawls the tests start inherit it)."""
    folder = tmp_path_factory.mktemp("startup-cache")
    previous = os.environ.get("NEWSARCHIVE_CACHE_DIR")
    os.environ["NEWSARCHIVE_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("NEWSARCHIVE_CACHE_DIR", None)
    else:
        os.environ["NEWSARCHIVE_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def sites() -> Iterator[dict[str, str]]:
    """The demo event site, three news outlets and the bad-input hosts, each on its own port."""
    with serving(DEMO_SITE, FIXTURES / "site_bad") as hosts:
        yield hosts


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis, or a skip with the reason (a failure when NEWSARCHIVE_REQUIRE_REDIS=1)."""
    url = os.environ.get("NEWSARCHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # no server, no client library
        reason = f"Redis not reachable at {url}: {error}"
        if os.environ.get("NEWSARCHIVE_REQUIRE_REDIS"):
            pytest.fail(reason + " (NEWSARCHIVE_REQUIRE_REDIS is set)")
        pytest.skip(reason)
    return url


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A Redis key prefix of the test's own (its keys are deleted afterwards)."""
    import secrets

    from tests.scaleout import delete_prefix

    name = f"test-{secrets.token_hex(4)}"
    yield name
    delete_prefix(redis_url, name)


@pytest.fixture
def reply_cutter(redis_url: str) -> Iterator[object]:
    """A proxy in front of the test Redis that can lose replies (``tests.reply_cutter``)."""
    from urllib.parse import urlsplit

    from tests.reply_cutter import ReplyCutter

    parts = urlsplit(redis_url)
    cutter = ReplyCutter((parts.hostname or "127.0.0.1", parts.port or 6379),
                         int(parts.path.strip("/") or 0))
    yield cutter
    cutter.close()
