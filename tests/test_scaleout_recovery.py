"""A worker lost mid-run: what it had taken goes back to the run's queue, exactly once, before
the run may end (``RunCoordinator``, real Redis); the linker reopens what it settled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from newsarchive.items import Event, Source
from newsarchive.scaleout.coordinator import BUSY, DONE, RECOVER, RunCoordinator
from newsarchive.spiders.settling import SourceSettler
from newsarchive.state.links import LinkStore, MemoryLinkStore, RedisLinkStore


@pytest.fixture
def client(redis_url: str) -> Iterator[object]:
    import redis

    yield redis.Redis.from_url(redis_url)


def workers(client: object, prefix: str, names: list[str], heartbeat: float
            ) -> list[RunCoordinator]:
    out = [RunCoordinator(client, prefix, "group", name, heartbeat) for name in names]
    run_id = out[0].join("run-1")
    for coordinator in out[1:]:
        assert coordinator.join("other") == run_id
    return out


def test_a_lost_workers_taken_requests_are_claimed_once_and_hold_the_run_open(
    client: object, prefix: str,
) -> None:
    w1, w2, w3 = workers(client, prefix, ["w1", "w2", "w3"], heartbeat=0.5)
    # w2 took two requests (the queue's pop adds them to its taken set) and dies: no more beats
    client.sadd(w2.taken_key("w2"), b"request-a", b"request-b")  # type: ignore[attr-defined]
    client.sadd(w1.taken_key("w1"), b"request-c")  # type: ignore[attr-defined]
    assert w1.idle() == BUSY and w3.idle() == BUSY  # w2 still counts as busy
    time.sleep(0.7)
    w1.beat()
    w3.beat()
    assert w1.idle() == RECOVER  # w2 pruned, its requests wait: not done
    assert w1.lost_workers() == ["w2"]

    claims: dict[str, list[bytes]] = {}

    def claim(coordinator: RunCoordinator) -> None:
        claims[coordinator.worker_id] = coordinator.claim_taken("w2")

    threads = [threading.Thread(target=claim, args=(c,)) for c in (w1, w3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted((sorted(c) for c in claims.values()), key=len) == [
        [], [b"request-a", b"request-b"]]
    winner = next(c for c in (w1, w3) if claims[c.worker_id])
    loser = w3 if winner is w1 else w1
    # claimed but not yet put back: the run is still not done, for anyone; the claimant is
    # told to try again (its first try may have failed half-way)
    assert loser.idle() == BUSY and winner.idle() == RECOVER
    assert sorted(winner.claim_taken("w2")) == [b"request-a", b"request-b"]
    assert client.smembers(w1.taken_key("w1")) == {b"request-c"}  # type: ignore[attr-defined]
    client.delete(winner.recover_key(winner.worker_id))  # type: ignore[attr-defined]
    assert w1.idle() == DONE
    assert w3.claim_taken("w2") == []  # nothing twice


def test_a_survivor_lost_while_putting_back_hands_the_requests_on(
    client: object, prefix: str,
) -> None:
    w1, w2, w3 = workers(client, prefix, ["w1", "w2", "w3"], heartbeat=0.5)
    client.sadd(w2.taken_key("w2"), b"request-a")  # type: ignore[attr-defined]
    time.sleep(0.7)
    w1.beat()
    w3.beat()
    assert w3.idle() == RECOVER
    assert w3.claim_taken("w2") == [b"request-a"]  # then w3 dies too
    time.sleep(0.7)
    w1.beat()
    assert w1.idle() == RECOVER
    assert w1.lost_workers() == ["w2", "w3"]
    got = set(w1.claim_taken("w2")) | set(w1.claim_taken("w3"))
    assert got == {b"request-a"}


def test_a_worker_that_leaves_drops_its_taken_set(client: object, prefix: str) -> None:
    (w1,) = workers(client, prefix, ["w1"], heartbeat=5)
    client.sadd(w1.taken_key("w1"), b"request-a")  # type: ignore[attr-defined]
    assert w1.idle() == DONE
    w1.leave({"counts": {}})
    assert not list(client.scan_iter(f"{prefix}:run:*"))  # type: ignore[attr-defined]


# -- the linker: what a lost worker settled and emitted ------------------------------------------


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, redis_url: str, prefix: str) -> LinkStore:
    if request.param == "memory":
        return MemoryLinkStore()
    import redis

    return RedisLinkStore(redis.Redis.from_url(redis_url), f"{prefix}:run:r:link")


def event(event_id: str, *article_ids: str) -> Event:
    return Event(id=event_id, url=f"http://e.test/{event_id}", date=None, headline=event_id,
                 summary="", sources=[Source(url=f"http://a.test/{a}", label=a, kind="article",
                                             article_id=a) for a in article_ids])


def test_recover_reopens_what_a_lost_worker_settled_and_its_events(store: LinkStore) -> None:
    w1, w2 = SourceSettler(store, "w1"), SourceSettler(store, "w2")
    assert w1.add_event(event("e1", "a", "b")) is None
    assert w1.add_event(event("e2", "c")) is None
    assert [t.article_id for t in w1.unrequested()] == ["a", "b", "c"]
    assert w1.settle("a", "ok") == []
    [ready] = w2.settle("b", "ok")  # w2 emits e1, then is killed: e1's record is lost
    assert ready.id == "e1" and store.emitted_by("e1") == "w2"
    [ready] = w1.settle("c", "ok")
    assert ready.id == "e2"

    assert w1.recover({"w2"}) == []  # e1 waits again, for b only
    assert w1.is_open("b") and not w1.is_open("a") and not w1.is_open("c")
    assert store.emitted_by("e1") is None and store.emitted_by("e2") == "w1"
    [again] = w1.settle("b", "ok")  # b fetched again by a survivor
    assert again.id == "e1" and [s.status for s in again.sources] == ["ok", "ok"]
    assert w1.recover({"w2"}) == []  # idempotent
    # reading e2's page again (its worker lost) does not emit it twice
    assert w1.add_event(event("e2", "c"), again=True) is None


def test_recover_emits_again_what_a_lost_worker_emitted_at_once(store: LinkStore) -> None:
    w1, w2 = SourceSettler(store, "w1"), SourceSettler(store, "w2")
    assert w2.add_event(event("e1", "a"), {"a": "archived"}) is not None  # nothing to fetch
    [again] = w1.recover({"w2"})
    assert again.id == "e1" and store.emitted_by("e1") == "w1"
    assert w1.add_event(event("e1", "a"), {"a": "archived"}, again=True) is None


def test_a_page_adopted_by_a_lost_worker_is_adopted_again(store: LinkStore) -> None:
    w1, w2 = SourceSettler(store, "w1"), SourceSettler(store, "w2")
    w1.add_event(event("e1", "link"))
    w1.unrequested()
    assert w2.adopt("link", "canonical")  # w2's page is the story's first: its owner
    assert w1.adopt("link", "canonical")  # the same page fetched again after w2 was lost
    assert not w1.adopt("other-link", "canonical")  # another page of the story: an alias


def test_a_budget_is_the_runs_whatever_the_number_of_workers(
    store: LinkStore, redis_url: str, prefix: str,
) -> None:
    if isinstance(store, RedisLinkStore):  # a second worker on the same run
        import redis

        other: LinkStore = RedisLinkStore(redis.Redis.from_url(redis_url), store.base)
    else:
        other = store  # one process
    taken = [s.take_slot("max_posts", 3) for s in (store, other, store, other, store)]
    assert taken == [True, True, True, False, False]
    assert other.take_slot("other", 1)
