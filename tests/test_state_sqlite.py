"""SQLite crawl state: persistence, the writer lock, and consistency after SIGKILL."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newsarchive.state import CrawlState, PageState, SQLiteState, StateLocked, UrlRecord
from newsarchive.state.run import RunState

ROOT = Path(__file__).resolve().parents[1]


def _child(code: str) -> subprocess.Popen[str]:
    """A Python process running ``code`` with the project importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


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


def test_is_a_crawl_state(tmp_path: Path) -> None:
    with SQLiteState(tmp_path / "state.db") as state:
        assert isinstance(state, CrawlState)


def test_everything_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "out" / "state.db"  # folder created on demand
    with SQLiteState(path) as state:
        state.add_url("example.com/a", "r1", "c1")
        state.add_url("example.com/b", "r2", None)
        state.set_record_hash("r1", "h1")
        assert state.add_content("c1", "r1") == "r1"
        assert state.add_content("c1", "r9") == "r1"  # first claim wins
        state.add_sketch("r1", bytes(range(64)))
        state.add_sketch("r2", b"\x00" * 64)  # zero bytes survive the BLOB round trip
        state.add_sketch("r1", b"\xff" * 64)  # ignored: r1 already has one
        state.set_page("https://site/news/2024/01/5/index.md", "p1", "2024-01-05T10:00:00Z")

    with SQLiteState(path) as state:
        assert state.seen_url("example.com/a")
        assert not state.seen_url("example.com/zzz")
        assert state.url_record("example.com/a") == UrlRecord("r1", "c1")
        assert state.url_record("example.com/b") == UrlRecord("r2", None)
        assert state.record_hash("r1") == "h1"
        assert state.record_hash("r2") is None
        assert state.find_content("c1") == "r1"
        assert state.find_content("c2") is None
        assert list(state.all_sketches()) == [("r1", bytes(range(64))), ("r2", b"\x00" * 64)]
        assert state.sketch_count() == 2
        page = state.page("https://site/news/2024/01/5/index.md")
        assert page == PageState("p1", "2024-01-05T10:00:00Z")
        assert state.page_hash("https://site/news/2024/01/5/index.md") == "p1"
        assert state.page("https://site/other") is None


def test_record_changed_emits_only_on_change(tmp_path: Path) -> None:
    with SQLiteState(tmp_path / "s.db") as state:
        assert state.record_changed("r1", "h1") is True
        assert state.record_changed("r1", "h1") is False
        assert state.record_changed("r1", "h2") is True
        assert state.record_hash("r1") == "h2"


def test_add_url_replaces_and_sketches_keep_insertion_order(tmp_path: Path) -> None:
    with SQLiteState(tmp_path / "s.db", commit_every=7) as state:
        state.add_url("k", "r1", "old")
        state.add_url("k", "r1", "new")
        assert state.url_record("k") == UrlRecord("r1", "new")
        for n in range(25_000):  # spans several fetch pages and commits
            state.add_sketch(f"r{n}", n.to_bytes(64, "big"))
        got = list(state.all_sketches())
    assert [r for r, _ in got[:3]] == ["r0", "r1", "r2"]
    assert len(got) == 25_000 and got[-1] == ("r24999", (24_999).to_bytes(64, "big"))


def test_closed_state_refuses_use(tmp_path: Path) -> None:
    state = SQLiteState(tmp_path / "s.db")
    state.close()
    state.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        state.seen_url("x")


def test_lock_refused_from_a_second_process_and_freed_on_release(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    holder = _child(f"""
        import time
        from newsarchive.state import SQLiteState
        state = SQLiteState({str(path)!r})
        state.acquire("run-A")
        print("locked", flush=True)
        time.sleep(60)
    """)
    try:
        _wait_for_line(holder, "locked")
        state = SQLiteState(path)
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
    # the kernel dropped the dead holder's flock: no stale lock
    with state.lock("run-B"):
        assert state.locked
        other = SQLiteState(path)
        with pytest.raises(StateLocked):
            other.acquire("run-C")  # also refused within one process
        other.close()
    assert not state.locked
    other = SQLiteState(path)
    other.acquire("run-C")
    other.close()
    state.close()


def test_sigkill_leaves_a_consistent_state(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    # Each step writes a URL, its content claim and its sketch; "flushed N" is printed
    # after an explicit flush, so everything up to N must survive a SIGKILL.
    writer = _child(f"""
        from newsarchive.state import SQLiteState
        state = SQLiteState({str(path)!r}, commit_every=50, commit_seconds=0.05)
        state.acquire("writer")
        n = 0
        while True:
            state.add_url(f"site/{{n}}", f"r{{n}}", f"c{{n}}")
            state.add_content(f"c{{n}}", f"r{{n}}")
            state.add_sketch(f"r{{n}}", n.to_bytes(64, "big"))
            n += 1
            if n % 500 == 0:
                state.flush()
                print(f"flushed {{n}}", flush=True)
    """)
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

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with SQLiteState(path) as state:
        state.acquire("next-run")  # no stale lock after SIGKILL
        urls = {state.url_record(f"site/{n}") for n in range(2000)}
        assert None not in urls  # everything flushed survived
        count = state.sketch_count()
        assert count >= 2000
        # batches are all-or-nothing: every sketch has its URL and content claim
        values = [int.from_bytes(v, "big") for _, v in state.all_sketches()]
        for (record_id, _), value in zip(state.all_sketches(), values, strict=True):
            assert state.url_record(f"site/{value}") == UrlRecord(record_id, f"c{value}")
            assert state.find_content(f"c{value}") == record_id
        # and the writes kept their order: the sketches are exactly 0..count-1
        assert values == list(range(count))


def _sketch(n: int) -> bytes:
    return hashlib.blake2b(n.to_bytes(8, "big"), digest_size=64).digest()


def test_run_state_finds_earlier_runs_sketches_and_commits_only_at_the_end(
    tmp_path: Path,
) -> None:
    """Near duplicates across runs: the first archived copy wins, and nothing a run claimed
    reaches the store before ``commit``."""
    path = tmp_path / "state.db"
    near = bytearray(_sketch(1))
    near[:10] = bytes(10)  # ~.84 similar to record r1's sketch
    with SQLiteState(path) as store:
        run = RunState(store)
        assert run.claim_sketch(_sketch(1), "r1", 0.5) == "r1"
        assert run.claim_sketch(bytes(near), "r2", 0.5) == "r1"  # within the run
        assert run.claim_sketch(_sketch(3), "r3", 0.5) == "r3"
        assert store.sketch_count() == 0  # not committed yet
    with SQLiteState(path) as store:  # a run that never committed left nothing
        assert store.sketch_count() == 0
        run = RunState(store)
        assert run.claim_sketch(_sketch(1), "r1", 0.5) == "r1"
        assert run.claim_sketch(_sketch(3), "r3", 0.5) == "r3"
        run.record_held("r1")
        run.record_held("r3")
        run.commit("run-1")
        assert list(store.all_sketches()) == [("r1", _sketch(1)), ("r3", _sketch(3))]
    with SQLiteState(path) as store:
        run = RunState(store)
        assert len(run.index) == 2
        assert run.claim_sketch(bytes(near), "r9", 0.5) == "r1"  # across runs
        assert run.claim_sketch(bytes(near), "r9", 0.9) == "r9"  # not that similar
        assert run.claim_sketch(_sketch(1), "r1", 0.5) == "r1"  # a re-crawl is its own owner
        run.record_held("r9")
        run.commit("run-2")
        assert [key for key, _ in store.all_sketches()] == ["r1", "r3", "r9"]


def test_run_state_ignores_stored_sketches_of_another_size(tmp_path: Path) -> None:
    with SQLiteState(tmp_path / "state.db") as store:
        store.add_sketch("old", b"\x01" * 32)
        store.add_sketch("r1", _sketch(1))
        run = RunState(store)
        assert len(run.index) == 1
        assert run.claim_sketch(_sketch(1), "r2", 0.5) == "r1"


def test_run_state_commits_only_what_a_feed_holds_in_one_transaction(tmp_path: Path) -> None:
    """A record dropped after the dedupe stage wrote about it (or never exported) leaves no
    trace; the commit is one transaction with the run id, and a failing one leaves nothing."""
    path = tmp_path / "state.db"
    with SQLiteState(path, commit_every=1) as store:
        run = RunState(store)
        for record_id in ("kept", "lost"):
            run.add_url(f"example.org/{record_id}", record_id, f"hash-{record_id}")
            run.claim_content(f"hash-{record_id}", record_id)
            run.set_record_hash(record_id, f"digest-{record_id}")
        run.set_page("https://example.org/day", "p", "2024-03-05")
        run.record_held("kept")
        real_add_run = store.add_run

        def full_disk(run_id: str) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        store.add_run = full_disk  # type: ignore[method-assign]
        with pytest.raises(sqlite3.OperationalError):
            run.commit("run-1")
        assert store.record_hash("kept") is None and store.page("https://example.org/day") is None
        store.add_run = real_add_run  # type: ignore[method-assign]
        run.commit("run-1")
    with SQLiteState(path) as store:
        assert store.has_run("run-1") and not store.has_run("run-2")
        assert store.record_hash("kept") == "digest-kept"
        assert store.url_record("example.org/kept") is not None
        assert store.find_content("hash-kept") == "kept"
        assert store.record_hash("lost") is None
        assert store.url_record("example.org/lost") is None
        assert store.find_content("hash-lost") is None
        assert store.page("https://example.org/day") is not None


def test_archive_lookups_persist_and_wait_for_the_run_commit(tmp_path: Path) -> None:
    from newsarchive.state.base import ArchiveLookup

    path = tmp_path / "state.db"
    found = ArchiveLookup(True, "http://archive/web/20170906000000id_/http://a/x",
                          "2017-09-06T00:00:00+00:00", "2026-12-01T02:15:00+00:00")
    none = ArchiveLookup(False, None, None, "2026-12-01T02:16:00+00:00")
    with SQLiteState(path) as store:
        run = RunState(store)
        run.set_archive_lookup("a/x", found, "rx")  # a capture found: the record made from it
        run.set_archive_lookup("a/y", none)  # no capture: no record
        run.set_archive_lookup("a/w", found._replace(memento_url="http://archive/w"), "rw")
        run.record_held("rx")  # rw was dropped after extraction: its lookup is not kept
        assert run.archive_lookup("a/x") == found  # the run sees its own lookups at once...
        assert store.archive_lookup("a/x") is None  # ...the store only after the commit
        run.commit("run-1")
    with SQLiteState(path) as store:
        assert store.archive_lookup("a/x") == found
        assert store.archive_lookup("a/y") == none
        assert store.archive_lookup("a/w") is None
        assert store.archive_lookup("a/z") is None
        later = ArchiveLookup(True, "http://archive/web/20180101000000id_/http://a/y",
                              "2018-01-01T00:00:00+00:00", "2026-12-05T02:15:00+00:00")
        store.set_archive_lookup("a/y", later)  # a new answer replaces the old one
        assert store.archive_lookup("a/y") == later
