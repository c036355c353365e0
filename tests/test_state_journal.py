"""A run's pending writes (``RunJournal``): dict semantics, on disk, committed in full."""

from __future__ import annotations

import hashlib
import threading
import tracemalloc
from pathlib import Path

import pytest

from newsarchive.state import SQLiteState, UrlRecord
from newsarchive.state.base import ArchiveLookup, ArticleFetch
from newsarchive.state.journal import RunJournal
from newsarchive.state.run import RunState


def test_put_replaces_in_place_put_new_keeps_the_first_and_rows_keep_order() -> None:
    journal = RunJournal()
    journal.put("urls", "a", "r1", None)
    journal.put("urls", "b", "r2", "h2")
    journal.put("urls", "a", "r3", "h3")  # replaced, stays first
    assert journal.get("urls", "a") == ("a", "r3", "h3")
    assert journal.get("urls", "zzz") is None
    assert list(journal.rows("urls")) == [("a", "r3", "h3"), ("b", "r2", "h2")]
    journal.put_new("payloads", "d1", "http://x/1", "2024")
    journal.put_new("payloads", "d1", "http://x/2", "2025")
    assert journal.get("payloads", "d1") == ("d1", "http://x/1", "2024")
    journal.put("held", "r1")
    journal.put("held", "r1")
    assert journal.has("held", "r1") and not journal.has("held", "r2")
    journal.clear("urls")
    assert list(journal.rows("urls")) == []
    with pytest.raises(KeyError):
        journal.clear("urls; DROP TABLE held")
    journal.close()


def test_rows_come_in_batches_while_the_caller_looks_rows_up() -> None:
    journal = RunJournal()
    for n in range(2_500):  # more than one batch
        journal.put("record_hashes", f"r{n}", f"h{n}")
        if n % 2:
            journal.put("held", f"r{n}")
    seen = [row for row in journal.rows("record_hashes") if journal.has("held", row[0])]
    assert len(seen) == 1_250
    assert seen[0] == ("r1", "h1") and seen[-1] == ("r2499", "h2499")
    journal.close()


def test_writes_from_another_thread() -> None:
    """The WARC writer thread records payloads while the reactor thread writes the rest."""
    journal = RunJournal()

    def payloads() -> None:
        for n in range(2_000):
            journal.put_new("payloads", f"d{n}", f"http://x/{n}", "2024")

    writer = threading.Thread(target=payloads)
    writer.start()
    for n in range(2_000):
        journal.put("urls", f"k{n}", f"r{n}", None)
        journal.get("payloads", f"d{n}")
    writer.join()
    assert sum(1 for _ in journal.rows("payloads")) == 2_000
    assert sum(1 for _ in journal.rows("urls")) == 2_000
    journal.close()


def _article_writes(run: RunState, n: int) -> str:
    digest = hashlib.sha256(str(n).encode()).hexdigest()
    record_id = digest[:16]
    key = f"https://news.example.com/2024/01/01/a-long-article-slug-{n}/"
    run.add_url(key, record_id, digest)
    run.set_record_hash(record_id, digest)
    run.claim_content(digest, record_id)
    run.set_article_fetch(key, ArticleFetch(record_id, f'"{digest[:20]}"', None, True, False))
    run.add_payload(f"sha1:{digest[:32]}", key, "2024-01-01T00:00:00Z")
    run.set_archive_lookup(key, ArchiveLookup(True, f"http://archive/{n}", "2020", "2024"),
                           record_id)
    return record_id


def test_a_runs_writes_do_not_grow_the_process(tmp_path: Path) -> None:
    """~1 KB an article held in dicts grew the crawl process with the crawl's size."""
    with SQLiteState(tmp_path / "state.db") as store:
        run = RunState(store)
        tracemalloc.start()
        try:
            for n in range(3_000):
                run.record_held(_article_writes(run, n))
            grown = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert grown < 100_000, f"{grown} bytes of Python objects for 3,000 articles' writes"
        run.commit("run-1")
        run.close()


def test_every_held_write_is_committed_and_only_those(tmp_path: Path) -> None:
    with SQLiteState(tmp_path / "state.db") as store:
        run = RunState(store)
        ids = [_article_writes(run, n) for n in range(2_100)]
        for record_id in ids[::3]:
            run.record_held(record_id)
        run.set_page("https://portal.example/2024-01-01", "2024-01-02T00:00:00+00:00")
        run.commit("run-1")
        run.close()
    with SQLiteState(tmp_path / "state.db") as store:
        for n, record_id in enumerate(ids):
            digest = hashlib.sha256(str(n).encode()).hexdigest()
            key = f"https://news.example.com/2024/01/01/a-long-article-slug-{n}/"
            held = n % 3 == 0
            assert store.url_record(key) == (UrlRecord(record_id, digest) if held else None)
            assert store.record_hash(record_id) == (digest if held else None)
            assert store.find_content(digest) == (record_id if held else None)
            fetch = store.article_fetch(key)
            assert fetch == (ArticleFetch(record_id, f'"{digest[:20]}"', None, True, False)
                             if held else None)
            lookup = store.archive_lookup(key)
            assert lookup == (ArchiveLookup(True, f"http://archive/{n}", "2020", "2024")
                              if held else None)
            # payloads are the WARC files' and committed with the run, held or not
            assert store.payload_capture(f"sha1:{digest[:32]}") == (key, "2024-01-01T00:00:00Z")
        assert store.page("https://portal.example/2024-01-01") is not None
        assert store.has_run("run-1")


def test_reads_see_the_runs_own_writes_as_the_right_types(tmp_path: Path) -> None:
    with SQLiteState(tmp_path / "state.db") as store:
        run = RunState(store)
        record_id = _article_writes(run, 7)
        key = "https://news.example.com/2024/01/01/a-long-article-slug-7/"
        assert run.url_record(key) == UrlRecord(record_id, hashlib.sha256(b"7").hexdigest())
        lookup = run.archive_lookup(key)
        assert lookup == ArchiveLookup(True, "http://archive/7", "2020", "2024")
        assert lookup is not None and lookup.found is True
        assert store.url_record(key) is None  # nothing reaches the store before the commit
        run.close()
