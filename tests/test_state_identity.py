"""``UrlIdentity``: which article a URL is, one answer for the spider, the linker and the dedupe
pipeline, on both state backends (SQLite + memory links; Redis + a run shared by two workers)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsarchive.items import Event, Source
from newsarchive.spiders.settling import SourceSettler
from newsarchive.state.identity import UrlIdentity
from newsarchive.state.links import MemoryLinkStore, RedisLinkStore
from newsarchive.state.redis_state import RedisState
from newsarchive.state.run import RunState
from newsarchive.state.shared_run import SharedRun
from newsarchive.state.sqlite import SQLiteState
from tests.scaleout import delete_prefix

EXTRA = ["src"]
# A run's workers: each its own identity on the run's shared records and links.
Workers = Callable[[], UrlIdentity]


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, object]]:
    if request.param == "sqlite":
        yield "sqlite", tmp_path / "state.sqlite"
        return
    redis_url = request.getfixturevalue("redis_url")
    prefix = f"test-identity-{secrets.token_hex(4)}"
    yield "redis", (redis_url, prefix)
    delete_prefix(redis_url, prefix)


def open_run(backend: tuple[str, object]) -> Workers:
    """A new run on the backend's state; calling the result gives one more worker of it."""
    kind, where = backend
    if kind == "sqlite":
        store = SQLiteState(where)  # type: ignore[arg-type]
        links = MemoryLinkStore()
        run = RunState(store)
        return lambda: UrlIdentity(run, links, EXTRA)  # one process: one identity
    import redis

    url, prefix = where  # type: ignore[misc]
    client = redis.Redis.from_url(url)
    base = f"{prefix}:run:{secrets.token_hex(4)}"

    def worker() -> UrlIdentity:
        run = RunState(RedisState(client, prefix), SharedRun(client, f"{base}:dedupe"))
        return UrlIdentity(run, RedisLinkStore(client, f"{base}:link"), EXTRA)

    return worker


def test_every_variant_of_a_url_is_one_key_and_one_id(backend: tuple[str, object]) -> None:
    identity = open_run(backend)()
    variants = ["https://www.outlet.test/story?utm_source=x&src=feed#comments",
                "http://outlet.test/story", "https://outlet.test/story?src=rss"]
    assert len({identity.key(u) for u in variants}) == 1
    assert len({identity.id(u) for u in variants}) == 1
    assert identity.id("https://outlet.test/story?page=2") != identity.id(variants[0])


def test_the_first_record_claims_its_urls_for_every_worker(backend: tuple[str, object]) -> None:
    worker = open_run(backend)
    one, two = worker(), worker()
    assert one.claim(["https://outlet.test/a", "https://outlet.test/a-canonical"], "A") is None
    # another record met under one of them (tracking parameters aside): A's, for every worker
    assert two.claim(["https://outlet.test/b", "https://outlet.test/a?src=x"], "B") == "A"
    assert one.claim(["https://outlet.test/a-canonical"], "C") == "A"
    assert two.claim(["https://outlet.test/a"], "A") is None  # a record is never its own owner
    assert one.archived("https://outlet.test/a") is None  # not archived before this run


def test_urls_pointed_at_an_owner_are_the_owners(backend: tuple[str, object]) -> None:
    identity = open_run(backend)()
    identity.point(["https://outlet.test/r/123", "https://outlet.test/amp/story"], "S")
    assert identity.claim(["https://outlet.test/amp/story?src=a"], "T") == "S"


def test_archived_urls_are_those_of_committed_runs(backend: tuple[str, object]) -> None:
    identity = open_run(backend)()
    assert identity.claim(["https://outlet.test/a"], "A", "hash-a") is None
    assert identity.claim(["https://outlet.test/dropped"], "D") is None
    assert identity.records is not None
    identity.records.record_held("A")  # a feed holds A; D was dropped after its claim
    identity.records.set_record_hash("A", "h")
    identity.records.commit("run-1")
    later = open_run(backend)()
    record = later.archived("https://www.outlet.test/a?src=x#top")
    assert record is not None and record.record_id == "A"
    assert later.archived("https://outlet.test/dropped") is None
    assert later.claim(["https://outlet.test/a"], "B") == "A"


def test_look_ups_by_a_known_key_answer_as_by_the_url(backend: tuple[str, object]) -> None:
    worker = open_run(backend)
    one, two = worker(), worker()
    url = "https://www.outlet.test/a?src=x"
    assert one.claim_keys({one.key(url)}, "A") is None
    assert two.claim([url.replace("www.", ""), url], "B") == "A"  # a repeated URL: one key
    assert two.claim_keys({two.key("https://outlet.test/a")}, "B") == "A"
    assert one.archived_key(one.key(url)) is None  # this run's claims are not archived yet


def test_aliases_point_an_article_id_at_its_owner_for_the_linker(
    backend: tuple[str, object],
) -> None:
    worker = open_run(backend)
    one, two = worker(), worker()
    assert one.resolve("amp-id") == "amp-id"
    one.set_alias("amp-id", "story-id")
    assert two.resolve("amp-id") == "story-id"
    # the linker resolves an event's sources through the same identity
    settler = SourceSettler(two.links, identity=two)
    event = Event(id="e1", url="http://e.test/1", date=None, headline="h", summary="",
                  sources=[Source(url="https://outlet.test/amp/story", label="s",
                                  article_id="amp-id")])
    settler.add_event(event)
    assert event.sources[0].article_id == "story-id"
    assert settler.has_task("story-id") and not settler.has_task("amp-id")


def test_without_a_crawl_state_no_url_is_known() -> None:
    identity = UrlIdentity(None)
    assert identity.claim(["https://outlet.test/a"], "A") is None
    assert identity.claim(["https://outlet.test/a"], "B") is None
    assert identity.archived("https://outlet.test/a") is None
    assert identity.archived_key("outlet.test/a") is None
    assert identity.claim_keys({"outlet.test/a"}, "C") is None
