"""What only the SQLite backend promises on top of the contract (``test_state_contract.py``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newsarchive.state import SQLiteState
from newsarchive.state.base import StateDamaged
from newsarchive.state.run import RunState

ROOT = Path(__file__).resolve().parents[1]


def test_a_killed_writer_leaves_an_intact_database(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    code = textwrap.dedent(f"""
        import os, signal
        from newsarchive.state import SQLiteState
        state = SQLiteState({str(path)!r}, commit_every=50)
        state.acquire("writer")
        for n in range(5000):
            state.add_url(f"site/{{n}}", f"r{{n}}", f"c{{n}}")
            if n == 4321:
                os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=False)
    assert done.returncode == -9, done.stderr
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with SQLiteState(path) as state:
        assert state.url_record("site/4249") is not None  # 85 batches of 50 committed
        assert state.url_record("site/4321") is None  # the open batch died with the writer


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
        run.set_page("https://example.org/day", "2024-03-05")
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


def a_state(path: Path, urls: int = 3000) -> bytes:
    with SQLiteState(path, commit_every=500) as state:
        for n in range(urls):
            state.add_url(f"example.org/story-{n}", f"r{n}", f"c{n}")
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["header", "cut short", "a page in the middle"])
def test_a_damaged_state_file_is_refused_and_left_as_it_was(tmp_path: Path, damage: str) -> None:
    """A state damaged in the middle opened fine, read as having settled nothing, and was
    written into; the crawl then exited 0 with nothing archived, at every run after."""
    path = tmp_path / "state.sqlite"
    data = bytearray(a_state(path))
    page = 4096
    assert len(data) > 20 * page
    if damage == "header":
        data[:16] = b"not a database!!"
    elif damage == "cut short":
        del data[len(data) // 2:]
    else:  # zeros over one of the table's b-tree pages, as a disk error leaves them
        start = (len(data) // page // 2) * page
        data[start:start + page] = bytes(page)
    path.write_bytes(bytes(data))
    with pytest.raises(StateDamaged, match=str(path)):
        SQLiteState(path)
    assert path.read_bytes() == bytes(data)


def test_an_intact_state_opens_after_its_check(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    a_state(path)
    with SQLiteState(path) as state:
        assert state.url_record("example.org/story-2999") is not None
