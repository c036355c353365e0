"""A Redis reply lost after the server applied the command (a server killed or failed over
between the two): the client sends the command again, and the run's answer must not change
(``newsarchive.scaleout.once``). Real Redis behind ``ReplyCutter``, which loses the reply."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from newsarchive.dedupe.minhash import SKETCH_SIZE
from newsarchive.items import Event, Source
from newsarchive.scaleout.connection import connect
from newsarchive.scaleout.coordinator import RunCoordinator
from newsarchive.scaleout.once import OnceScript
from newsarchive.scaleout.requests import RETAKEN
from newsarchive.state.links import RedisLinkStore
from newsarchive.state.shared_run import SharedRun
from tests.reply_cutter import ReplyCutter

SCRIPT = b"\r\nEVALSHA\r\n"



@pytest.fixture
def client(reply_cutter: ReplyCutter) -> Any:
    """The client a worker uses (``connect``: retries on a broken connection), via the cutter."""
    return connect(reply_cutter.url, retry_seconds=5)


def test_the_cutter_really_makes_a_plain_script_run_twice(
    client: Any, reply_cutter: ReplyCutter, prefix: str,
) -> None:
    """What the rest guards against: without ``OnceScript``, the retry applies it again."""
    script = client.register_script("return redis.call('INCR', KEYS[1])")
    reply_cutter.cut_next(SCRIPT)
    assert script(keys=[f"{prefix}:n"]) == 2
    assert reply_cutter.cut == 1


def test_a_once_script_is_applied_once_and_answers_what_it_did(
    client: Any, reply_cutter: ReplyCutter, prefix: str,
) -> None:
    script = OnceScript(client, "return redis.call('INCR', KEYS[1])", prefix)
    reply_cutter.cut_next(SCRIPT)
    assert script(keys=[f"{prefix}:n"]) == 1
    assert reply_cutter.cut == 1
    assert client.get(f"{prefix}:n") == b"1"
    assert script(keys=[f"{prefix}:n"]) == 2  # the next call is a new one


@pytest.mark.parametrize(("body", "expected"), [
    ("return false", None),
    ("return {'a', 'b\\0c'}", [b"a", b"b\x00c"]),
    ("return {}", []),
    ("return 7", 7),
    ("return redis.call('SET', KEYS[1], 'x')", b"OK"),
])
def test_a_lost_reply_comes_back_as_the_script_gave_it(
    client: Any, reply_cutter: ReplyCutter, prefix: str, body: str, expected: Any,
) -> None:
    script = OnceScript(client, body, prefix)
    reply_cutter.cut_next(SCRIPT)
    assert script(keys=[f"{prefix}:k"]) == expected
    assert reply_cutter.cut == 1


def test_the_worker_that_starts_a_run_still_seeds_it(
    client: Any, reply_cutter: ReplyCutter, prefix: str,
) -> None:
    first = RunCoordinator(client, prefix, "group", "w1")
    reply_cutter.cut_next(SCRIPT)
    assert first.join("run-1") == "run-1"
    assert first.seeder  # applied twice, the join said "joined", and nobody seeded the run
    second = RunCoordinator(client, prefix, "group", "w2")
    assert second.join("run-2") == "run-1" and not second.seeder


def test_a_worker_whose_leave_is_sent_again_does_not_end_the_run_a_second_time(
    client: Any, reply_cutter: ReplyCutter, prefix: str,
) -> None:
    """w1's leave is applied, its reply lost; w2, the last, leaves and ends the run (its
    manifest, the run's keys removed) before w1's client sends the leave again. Applied again,
    w1's leave would find no worker left and end the run a second time."""
    w1 = RunCoordinator(sent_again_late(reply_cutter), prefix, "group", "w1")
    w2 = RunCoordinator(client, prefix, "group", "w2")
    w1.join("run-1")
    w2.join("other")
    left: dict[str, Any] = {}
    ended: list[Any] = []
    while_its_reply_is_lost(reply_cutter, lambda: left.update(w1=w1.leave({"worker": "w1"})),
                            lambda: ended.append(w2.leave({"worker": "w2"})))
    (result,) = ended
    assert result is not None
    reports, lost = result
    assert sorted(r["worker"] for r in reports) == ["w1", "w2"] and lost == []
    assert left == {"w1": None}  # not the last
    assert not list(client.scan_iter(f"{prefix}:run:*"))  # nothing left behind


def test_a_heartbeat_sent_again_after_the_worker_left_does_not_bring_it_back(
    client: Any, prefix: str,
) -> None:
    """The heartbeat thread is joined for 5 s at most: a beat still being retried then lands
    after the leave, and must not make the worker a member of the run again."""
    w1, w2 = (RunCoordinator(client, prefix, "group", w) for w in ("w1", "w2"))
    w1.join("run-1")
    w2.join("other")
    assert w1.leave({"worker": "w1"}) is None
    w1.beat()
    assert client.smembers(w2.key("workers")) == {b"w2"}
    assert w2.leave({"worker": "w2"}) is not None
    w2.beat()
    assert not list(client.scan_iter(f"{prefix}:run:*"))  # no key left behind


def event(event_id: str, *article_ids: str) -> Event:
    return Event(id=event_id, url=f"http://e.test/{event_id}", date=None, headline=event_id,
                 summary="", sources=[Source(url=f"http://a.test/{a}", label=a, kind="article",
                                             article_id=a) for a in article_ids])


def test_the_linkers_claims_and_takes_are_the_callers_after_a_lost_reply(
    client: Any, reply_cutter: ReplyCutter, prefix: str,
) -> None:
    store = RedisLinkStore(client, f"{prefix}:run:r:link", lock_ttl=60)
    reply_cutter.cut_next(SCRIPT)
    assert store.claim("post-1")  # not "someone else's"
    assert not store.claim("post-1")

    store.add_unrequested("a1")
    store.add_unrequested("a2")
    reply_cutter.cut_next(SCRIPT)
    assert store.take_unrequested() == ["a1", "a2"]  # not lost

    reply_cutter.cut_next(SCRIPT)
    assert store.take_slot("max_posts", 2)
    assert store.take_slot("max_posts", 2)  # the lost reply's slot was taken once
    assert not store.take_slot("max_posts", 2)

    # the lock: a lost "OK" must not leave the caller waiting out the lock's 60 s TTL
    reply_cutter.cut_next(SCRIPT)
    with store.transaction():
        assert client.pttl(f"{prefix}:run:r:link:lock") > 50_000
    assert client.get(f"{prefix}:run:r:link:lock") is None
    assert reply_cutter.cut == 4


def test_a_near_duplicate_claim_is_not_its_own_duplicate(
    client: Any, reply_cutter: ReplyCutter, prefix: str,
) -> None:
    run = SharedRun(client, f"{prefix}:run:r:dedupe")
    sketch = bytes(i % 251 for i in range(SKETCH_SIZE))
    reply_cutter.cut_next(SCRIPT)
    assert run.claim_sketch(sketch, "record-1", 0.8) is None  # new: the caller's
    assert run.claim_sketch(sketch, "record-2", 0.8) == "record-1"


@pytest.fixture
def joined(client: Any, prefix: str) -> Iterator[tuple[Any, RunCoordinator]]:
    """A spider whose crawler has a worker in a run (what ``RunQueue`` and ``RunDupeFilter``
    find through the ``ScaleOut`` extension)."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from newsarchive.scaleout import extension

    crawler = get_crawler(Spider)
    crawler.spider = Spider.from_crawler(crawler, name="events")
    coordinator = RunCoordinator(client, prefix, "group", "w1")
    coordinator.join("run-1")
    extension._BY_CRAWLER[crawler] = SimpleNamespace(coordinator=coordinator)
    yield crawler.spider, coordinator
    extension._BY_CRAWLER.pop(crawler, None)


def test_a_queue_pop_takes_one_request_not_two(
    client: Any, reply_cutter: ReplyCutter, joined: tuple[Any, RunCoordinator],
) -> None:
    from scrapy import Request

    from newsarchive.scaleout.scheduler import RunQueue

    spider, coordinator = joined
    queue = RunQueue(client, spider, coordinator.key("requests"))
    for n in range(3):
        queue.push(Request(f"http://a.test/{n}", priority=-n))
    reply_cutter.cut_next(SCRIPT)
    assert queue.pop().url == "http://a.test/0"  # applied twice: /1, and /0 stranded
    assert queue.pop().url == "http://a.test/1"
    assert len(queue) == 1
    assert len(client.smembers(coordinator.taken_key("w1"))) == 2


def test_the_dupefilter_does_not_call_a_new_request_seen(
    client: Any, reply_cutter: ReplyCutter, joined: tuple[Any, RunCoordinator],
) -> None:
    from scrapy import Request

    from newsarchive.scaleout.scheduler import RunDupeFilter

    spider, _ = joined
    dupefilter = RunDupeFilter.from_spider(spider)
    reply_cutter.cut_next(SCRIPT)
    assert not dupefilter.request_seen(Request("http://e.test/day-1"))  # else never fetched
    assert dupefilter.request_seen(Request("http://e.test/day-1"))
    assert reply_cutter.cut == 1


def sent_again_late(reply_cutter: ReplyCutter) -> Any:
    """A worker's client whose retry comes 2 s after the lost reply: time for the others."""
    from redis.backoff import ConstantBackoff
    from redis.retry import Retry

    slow = connect(reply_cutter.url, retry_seconds=5)
    slow.set_retry(Retry(ConstantBackoff(2.0), 3))
    return slow


def while_its_reply_is_lost(reply_cutter: ReplyCutter, action: Any, meanwhile: Any) -> None:
    """``action`` (in a thread) loses its reply; ``meanwhile`` runs before it is sent again."""
    cut = reply_cutter.cut
    reply_cutter.cut_next(SCRIPT)
    acting = threading.Thread(target=action)
    acting.start()
    deadline = time.monotonic() + 10
    while reply_cutter.cut == cut:
        assert time.monotonic() < deadline, "no reply was lost: not a script?"
        time.sleep(0.01)
    meanwhile()
    acting.join()


def test_a_request_another_worker_took_is_not_pushed_back_by_a_retry(
    reply_cutter: ReplyCutter, joined: tuple[Any, RunCoordinator],
) -> None:
    from scrapy import Request

    from newsarchive.scaleout.scheduler import RunQueue

    spider, coordinator = joined
    slow = sent_again_late(reply_cutter)
    pusher = RunQueue(slow, spider, coordinator.key("requests"))
    taker = RunQueue(coordinator.client, spider, coordinator.key("requests"))
    taken: list[Any] = []
    while_its_reply_is_lost(reply_cutter, lambda: pusher.push(Request("http://a.test/article")),
                            lambda: taken.append(taker.pop()))
    assert [r.url for r in taken] == ["http://a.test/article"]
    assert len(taker) == 0  # pushed again, it would be fetched a second time
    # the same for requests put back from a lost worker
    entries = [pusher._encode_request(Request(f"http://a.test/{n}")) for n in range(2)]
    recover = coordinator.recover_key("w1")
    coordinator.client.sadd(recover, *entries)
    while_its_reply_is_lost(reply_cutter, lambda: pusher.requeue(entries, recover),
                            lambda: taken.extend([taker.pop(), taker.pop()]))
    assert sorted(r.url for r in taken[1:]) == ["http://a.test/0", "http://a.test/1"]
    assert all(r.meta.get(RETAKEN) for r in taken[1:])
    assert len(taker) == 0 and not coordinator.client.exists(recover)
