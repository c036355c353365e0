"""The run's dedupe claims shared by its workers (``SharedRun``, real Redis): the same answers
as one process's in-memory index, seen by every worker at once, committed by their claimant."""

from __future__ import annotations

import hashlib
import random

from newsarchive.dedupe.index import NearDuplicateIndex
from newsarchive.state.redis_state import RedisState
from newsarchive.state.run import RunState
from newsarchive.state.shared_run import SharedRun


def _sketch(n: int) -> bytes:
    return hashlib.blake2b(n.to_bytes(8, "big"), digest_size=64).digest()


def _near(rng: random.Random, base: bytes, changed: int) -> bytes:
    values = bytearray(base)
    for position in rng.sample(range(64), changed):
        values[position] = rng.randrange(256)
    return bytes(values)


def test_same_answers_as_the_in_memory_index(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    rng = random.Random(7)
    bases = [_sketch(n) for n in range(300)]
    queries = []
    for n in range(2000):  # near copies at every distance, unrelated sketches, repeats
        kind = rng.random()
        if kind < 0.6:
            queries.append(_near(rng, rng.choice(bases), rng.randrange(0, 60)))
        elif kind < 0.9:
            queries.append(_sketch(10_000 + n))
        else:
            queries.append(rng.choice(bases))
    for similarity in (0.5, 0.8):
        shared = SharedRun(client, f"{prefix}:run:r-{similarity}:dedupe")
        memory = NearDuplicateIndex()
        merged = 0
        for n, query in enumerate(queries):
            key = f"k{n}"
            expected = memory.find(query, similarity)
            if expected is None:
                memory.add(key, query)
            assert shared.claim_sketch(query, key, similarity) == expected, n
            merged += expected is not None
        assert 100 < merged < 1900  # both kinds of answer were exercised


def test_workers_see_each_others_claims_and_commit_their_own(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    base = f"{prefix}:run:r1:dedupe"
    with RedisState(client, prefix) as store:
        first = RunState(store, SharedRun(client, base))
        second = RunState(store, SharedRun(client, base))
        first.add_url("site/a", "A", "hash-a")
        assert second.url_record("site/a") == ("A", "hash-a")
        assert first.claim_content("hash-a", "A") == "A"
        assert second.claim_content("hash-a", "B") == "A"  # the copy on another worker
        assert first.claim_sketch(_sketch(1), "A", 0.5) == "A"
        near = _near(random.Random(1), _sketch(1), 10)
        assert second.claim_sketch(near, "B", 0.5) == "A"
        assert second.claim_sketch(_sketch(2), "C", 0.5) == "C"
        assert store.url_record("site/a") is None  # nothing committed yet
        second.record_held("C")
        second.commit("r1")  # worker 2 finishes first: only what it claimed
        assert store.url_record("site/a") is None and store.find_content("hash-a") is None
        assert [key for key, _ in store.all_sketches()] == ["C"]
        first.record_held("A")
        first.commit("r1")
        assert store.url_record("site/a") == ("A", "hash-a")
        assert store.find_content("hash-a") == "A"
        assert [key for key, _ in store.all_sketches()] == ["C", "A"]
        # the next run finds them in the store
        later = RunState(store, SharedRun(client, f"{prefix}:run:r2:dedupe"))
        assert later.claim_sketch(near, "D", 0.5) == "A"
        assert later.claim_content("hash-a", "D") == "A"


def test_workers_claiming_one_story_at_once_agree_on_its_record(
    redis_url: str, prefix: str,
) -> None:
    """Pages of one story (each its own URL, one canonical URL) on several workers at the same
    moment: exactly one is the record, and every other is told which (a duplicate of it)."""
    import threading

    import redis

    workers = 6
    stories = 20
    base = f"{prefix}:run:r1:dedupe"
    results: dict[tuple[int, int], str | None] = {}
    start = threading.Barrier(workers)

    def worker(n: int) -> None:
        client = redis.Redis.from_url(redis_url)
        with RedisState(client, prefix) as store:
            run = RunState(store, SharedRun(client, base))
            for story in range(stories):
                start.wait()
                keys = {f"site/{story}/page-{n}", f"site/{story}/canonical"}
                results[story, n] = run.claim_urls(keys, f"R{story}-{n}", "hash")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for story in range(stories):
        answers = [results[story, n] for n in range(workers)]
        winners = [n for n, owner in enumerate(answers) if owner is None]
        assert len(winners) == 1, (story, answers)
        assert all(owner == f"R{story}-{winners[0]}" for owner in answers if owner is not None)
