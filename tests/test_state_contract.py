"""The crawl-state contract, run against every backend (SQLite file, Redis): persistence, the
writer lock, consistency after SIGKILL, and the run view on top (``RunState``).

Backend-specific checks (SQLite's file integrity) are in ``test_state_sqlite.py``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsarchive.state import CrawlState, PageState, SQLiteState, StateLocked, UrlRecord
from newsarchive.state.redis_state import RedisState
from newsarchive.state.run import RunState

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Backend:
    """Opens the same store again and again; ``child`` is the same in another process."""

    name: str
    open: Callable[..., CrawlState]
    child: str  # Python expression building the state in a child process (``kwargs`` in scope)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path / "out" / "state.db"  # folder created on demand
        yield Backend("sqlite", lambda **kw: SQLiteState(path, **kw),
                      f"SQLiteState({str(path)!r}, **kwargs)")
        return
    import redis

    url = request.getfixturevalue("redis_url")
    prefix = f"test-state-{secrets.token_hex(4)}"
    # a short lock TTL so that the lock of a killed holder lapses within the test
    yield Backend(
        "redis",
        lambda **kw: RedisState.from_url(url, prefix, lock_ttl=1.0, **kw),
        f"RedisState.from_url({url!r}, {prefix!r}, lock_ttl=1.0, **kwargs)",
    )
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{prefix}:*", count=10_000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def _child(backend: Backend, body: str, **kwargs: object) -> subprocess.Popen[str]:
    """A Python process with ``state`` open on the backend's store, then running ``body``."""
    code = (
        "from newsarchive.state import SQLiteState\n"
        "from newsarchive.state.redis_state import RedisState\n"
        f"kwargs = {kwargs!r}\n"
        f"state = {backend.child}\n" + textwrap.dedent(body)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_line(proc: subprocess.Popen[str], expected: str, timeout: float = 30) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == expected:
            return
        if not line and proc.poll() is not None:
            raise AssertionError(f"child exited: {proc.stderr.read() if proc.stderr else ''}")
    raise AssertionError(f"child never printed {expected!r}")


def test_everything_persists_across_reopen(backend: Backend) -> None:
    with backend.open() as state:
        state.add_url("example.com/a", "r1", "c1")
        state.add_url("example.com/b", "r2", None)
        state.set_record_hash("r1", "h1")
        assert state.add_content("c1", "r1") == "r1"
        assert state.add_content("c1", "r9") == "r1"  # first claim wins
        state.add_sketch("r1", bytes(range(64)))
        state.add_sketch("r2", b"\x00" * 64)  # zero bytes survive the round trip
        state.add_sketch("r1", b"\xff" * 64)  # ignored: r1 already has one
        state.set_page("https://site/news/2024/01/5/index.md", "2024-01-05T10:00:00Z")
        state.set_page("https://site/news/2024/01/6/index.md", None)

    with backend.open() as state:
        assert state.url_record("example.com/zzz") is None
        assert state.url_record("example.com/a") == UrlRecord("r1", "c1")
        assert state.url_record("example.com/b") == UrlRecord("r2", None)
        assert state.record_hash("r1") == "h1"
        assert state.record_hash("r2") is None
        assert state.find_content("c1") == "r1"
        assert state.find_content("c2") is None
        assert list(state.all_sketches()) == [("r1", bytes(range(64))), ("r2", b"\x00" * 64)]
        assert state.sketch_count() == 2
        page = state.page("https://site/news/2024/01/5/index.md")
        assert page == PageState("2024-01-05T10:00:00Z")
        assert state.page("https://site/news/2024/01/6/index.md") == PageState(None)
        assert state.page("https://site/other") is None


def test_reads_see_unflushed_writes(backend: Backend) -> None:
    with backend.open(commit_every=10_000) as state:
        state.add_url("k", "r1", "c")
        state.set_record_hash("r1", "h")
        state.add_sketch("r1", bytes(64))
        assert state.url_record("k") == UrlRecord("r1", "c")
        assert state.record_hash("r1") == "h"
        assert state.sketch_count() == 1


def test_a_record_hash_is_replaced(backend: Backend) -> None:
    with backend.open() as state:
        state.set_record_hash("r1", "h1")
        state.set_record_hash("r1", "h2")
        assert state.record_hash("r1") == "h2"


def test_add_url_replaces_and_sketches_keep_insertion_order(backend: Backend) -> None:
    with backend.open(commit_every=7) as state:
        state.add_url("k", "r1", "old")
        state.add_url("k", "r1", "new")
        assert state.url_record("k") == UrlRecord("r1", "new")
        for n in range(25_000):  # spans several fetch pages and commits
            state.add_sketch(f"r{n}", n.to_bytes(64, "big"))
        got = list(state.all_sketches())
    assert [r for r, _ in got[:3]] == ["r0", "r1", "r2"]
    assert len(got) == 25_000 and got[-1] == ("r24999", (24_999).to_bytes(64, "big"))


def test_closed_state_refuses_use(backend: Backend) -> None:
    state = backend.open()
    state.close()
    state.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        state.url_record("x")


def test_lock_refused_from_a_second_process_and_freed_when_the_holder_dies(
    backend: Backend,
) -> None:
    holder = _child(backend, """
        import time
        state.acquire("run-A")
        print("locked", flush=True)
        time.sleep(60)
    """)
    try:
        _wait_for_line(holder, "locked")
        state = backend.open()
        start = time.monotonic()
        with pytest.raises(StateLocked, match="run-A"):
            state.acquire("run-B")
        assert time.monotonic() - start < 1.0  # fails fast, never waits
        assert not state.locked
        # reading is still possible while another run writes
        assert state.url_record("nothing") is None
    finally:
        holder.kill()
        holder.wait()
    # a dead holder leaves no lock behind (SQLite: the kernel drops the flock; Redis: the lock
    # is not refreshed any more and lapses after its TTL)
    deadline = time.monotonic() + 10
    while True:
        try:
            state.acquire("run-B")
            break
        except StateLocked:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert state.locked
    other = backend.open()
    with pytest.raises(StateLocked):
        other.acquire("run-C")  # also refused within one process
    other.close()
    state.release()
    assert not state.locked
    other = backend.open()
    other.acquire("run-C")
    other.close()
    state.close()


def test_lock_held_beyond_its_ttl_while_the_holder_lives(backend: Backend) -> None:
    with backend.open() as state:
        state.acquire("run-A")
        time.sleep(2.5)  # > the Redis test TTL: the holder keeps refreshing it
        other = backend.open()
        with pytest.raises(StateLocked, match="run-A"):
            other.acquire("run-B")
        other.close()


def test_sigkill_leaves_a_consistent_state(backend: Backend) -> None:
    # Each step writes a URL, its content claim and its sketch; "flushed N" is printed
    # after an explicit flush, so everything up to N must survive a SIGKILL.
    extra = {"commit_seconds": 0.05} if backend.name == "sqlite" else {}
    writer = _child(backend, """
        state.acquire("writer")
        n = 0
        while True:
            state.add_url(f"site/{n}", f"r{n}", f"c{n}")
            state.add_content(f"c{n}", f"r{n}")
            state.add_sketch(f"r{n}", n.to_bytes(64, "big"))
            n += 1
            if n % 500 == 0:
                state.flush()
                print(f"flushed {n}", flush=True)
    """, commit_every=50, **extra)
    try:
        _wait_for_line(writer, "flushed 2000")
        time.sleep(0.2)  # let it get well into unflushed batches
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode == -signal.SIGKILL

    time.sleep(1.2)  # the Redis lock's TTL
    with backend.open() as state:
        state.acquire("next-run")  # no stale lock after SIGKILL
        urls = {state.url_record(f"site/{n}") for n in range(2000)}
        assert None not in urls  # everything flushed survived
        count = state.sketch_count()
        assert count >= 2000
        # writes keep their order: every sketch has its URL and content claim
        values = [int.from_bytes(v, "big") for _, v in state.all_sketches()]
        for (record_id, _), value in zip(state.all_sketches(), values, strict=True):
            assert state.url_record(f"site/{value}") == UrlRecord(record_id, f"c{value}")
            assert state.find_content(f"c{value}") == record_id
        # and the sketches are exactly 0..count-1
        assert values == list(range(count))


def _sketch(n: int) -> bytes:
    return hashlib.blake2b(n.to_bytes(8, "big"), digest_size=64).digest()


def test_run_state_finds_earlier_runs_sketches_and_commits_only_at_the_end(
    backend: Backend,
) -> None:
    """Near duplicates across runs: the first archived copy wins, and nothing a run claimed
    reaches the store before ``commit``."""
    near = bytearray(_sketch(1))
    near[:10] = bytes(10)  # ~.84 similar to record r1's sketch
    with backend.open() as store:
        run = RunState(store)
        assert run.claim_sketch(_sketch(1), "r1", 0.5) == "r1"
        assert run.claim_sketch(bytes(near), "r2", 0.5) == "r1"  # within the run
        assert run.claim_sketch(_sketch(3), "r3", 0.5) == "r3"
        assert store.sketch_count() == 0  # not committed yet
    with backend.open() as store:  # a run that never committed left nothing
        assert store.sketch_count() == 0
        run = RunState(store)
        assert run.claim_sketch(_sketch(1), "r1", 0.5) == "r1"
        assert run.claim_sketch(_sketch(3), "r3", 0.5) == "r3"
        run.record_held("r1")
        run.record_held("r3")
        run.commit("run-1")
        assert list(store.all_sketches()) == [("r1", _sketch(1)), ("r3", _sketch(3))]
    with backend.open() as store:
        run = RunState(store)
        assert len(run.index) == 2
        assert run.claim_sketch(bytes(near), "r9", 0.5) == "r1"  # across runs
        assert run.claim_sketch(bytes(near), "r9", 0.9) == "r9"  # not that similar
        assert run.claim_sketch(_sketch(1), "r1", 0.5) == "r1"  # a re-crawl is its own owner
        run.record_held("r9")
        run.commit("run-2")
        assert [key for key, _ in store.all_sketches()] == ["r1", "r3", "r9"]


def test_a_page_counted_as_not_read_is_read_again_whoever_read_it(backend: Backend) -> None:
    """``forget_page`` reaches an earlier run's record too (it would settle the page once past
    the refresh window), but only when the run commits; ``forget_pages`` does the same for
    every page the run read."""
    day, other, third = ("https://site/news/2024/01/5/index.md",
                         "https://site/news/2024/01/6/index.md", "https://site/news/2024/01/7/index.md")
    with backend.open() as store:
        run = RunState(store)
        for url in (day, other, third):
            run.set_page(url, "2024-01-08T00:00:00Z")
        run.commit("run-1")
    with backend.open() as store:
        run = RunState(store)
        run.set_page(other, "2024-01-09T00:00:00Z")
        run.forget_page(day)  # read by run-1 only
        run.forget_page(other)  # read by both
        assert run.page(other) == PageState("2024-01-08T00:00:00Z")  # run-1's, until the commit
        assert store.page(day) is not None
    with backend.open() as store:  # a run that never committed forgot nothing
        assert store.page(day) is not None
        run = RunState(store)
        run.forget_page(day)
        run.forget_page(other)
        run.commit("run-2")
        assert store.page(day) is None and store.page(other) is None
        assert store.page(third) == PageState("2024-01-08T00:00:00Z")
    with backend.open() as store:
        assert store.page(day) is None and store.page(other) is None
        run = RunState(store)
        run.set_page(day, "2024-01-10T00:00:00Z")
        run.forget_pages()
        run.set_page(other, "2024-01-10T00:00:00Z")  # read after the forgetting: kept
        run.commit("run-3")
        assert store.page(day) is None
        assert store.page(other) == PageState("2024-01-10T00:00:00Z")
        assert store.page(third) == PageState("2024-01-08T00:00:00Z")


def test_run_state_ignores_stored_sketches_of_another_size(backend: Backend) -> None:
    with backend.open() as store:
        store.add_sketch("old", b"\x01" * 32)
        store.add_sketch("r1", _sketch(1))
        run = RunState(store)
        assert len(run.index) == 1
        assert run.claim_sketch(_sketch(1), "r2", 0.5) == "r1"


def test_committed_runs_and_all_or_nothing_transactions(backend: Backend) -> None:
    with backend.open() as state:
        assert not state.has_run("run-1")
        with pytest.raises(RuntimeError), state.transaction() as tx:
            tx.add_url("site/a", "A", "h")
            tx.set_record_hash("A", "digest")
            tx.add_content("h", "A")
            tx.add_run("run-1")
            raise RuntimeError("full disk")  # the block fails: none of it is applied
        assert state.url_record("site/a") is None and state.record_hash("A") is None
        assert state.find_content("h") is None and not state.has_run("run-1")
        with state.transaction() as tx:
            tx.add_url("site/a", "A", "h")
            tx.add_content("h", "A")
            tx.add_run("run-1")
    with backend.open() as state:
        assert state.url_record("site/a") == UrlRecord("A", "h")
        assert state.find_content("h") == "A"
        assert state.has_run("run-1") and not state.has_run("run-2")


def test_article_fetches_persist(backend: Backend) -> None:
    from newsarchive.state.base import ArticleFetch

    fetch = ArticleFetch("r1", '"etag-1"', "Tue, 05 Mar 2024 10:00:00 GMT", True, False)
    with backend.open() as state:
        assert state.article_fetch("site/a") is None
        state.set_article_fetch("site/a", fetch)
        state.set_article_fetch("site/b", ArticleFetch("r2", None, None, False, True))
    with backend.open() as state:
        assert state.article_fetch("site/a") == fetch
        assert state.article_fetch("site/b") == ArticleFetch("r2", None, None, False, True)


def test_payload_captures_keep_the_first_and_persist(backend: Backend) -> None:
    """A payload digest points at its first full capture: revisits refer to that one."""
    with backend.open() as state:
        assert state.payload_capture("sha1:AAAA") is None
        state.add_payload_capture("sha1:AAAA", "http://a.test/x", "2024-03-05T10:00:00Z")
        state.add_payload_capture("sha1:AAAA", "http://b.test/y", "2024-03-06T10:00:00Z")
    with backend.open() as state:
        assert state.payload_capture("sha1:AAAA") == ("http://a.test/x", "2024-03-05T10:00:00Z")
        assert state.payload_capture("sha1:BBBB") is None


def test_archive_lookups_persist_and_replace(backend: Backend) -> None:
    from newsarchive.state.base import ArchiveLookup

    found = ArchiveLookup(True, "http://archive.test/web/20170905id_/http://a.test/x",
                          "2017-09-05T10:00:00+00:00", "2026-12-01T00:00:00+00:00")
    none = ArchiveLookup(False, None, None, "2026-12-01T00:00:00+00:00")
    with backend.open() as state:
        assert state.archive_lookup("a/x") is None
        state.set_archive_lookup("a/x", none)
        state.set_archive_lookup("a/x", found)  # asked again later: the newer answer wins
        state.set_archive_lookup("a/y", none)
    with backend.open() as state:
        assert state.archive_lookup("a/x") == found
        assert state.archive_lookup("a/y") == none
