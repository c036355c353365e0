"""Crawl state in one SQLite file (the embedded default, under the output folder).

WAL journal with ``synchronous=NORMAL``: a commit is an append to the WAL, and a process killed at
any point (SIGKILL included) leaves the last committed transaction intact. Writes are batched in
one open transaction, committed every ``commit_every`` writes or ``commit_seconds`` seconds
(checked on each write, no timer thread), on ``flush`` and on ``close``; a kill loses at most
that batch (at-least-once, see ``CrawlState``).

The writer lock is ``fcntl.flock`` on ``<db>.lock``: the kernel drops it when the holder dies, so
a SIGKILLed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsarchive.state.base import (
    ArchiveLookup,
    ArticleFetch,
    CrawlState,
    PageState,
    StateDamaged,
    StateLocked,
    UrlRecord,
)

# 2: MinHash sketches replace SimHash fingerprints. (``article_fetches`` came later without a
# bump: an added table, which older code ignores and ``CREATE TABLE IF NOT EXISTS`` adds.)
SCHEMA_VERSION = 2
COMMIT_EVERY = 1000
COMMIT_SECONDS = 2.0
_FETCH_BATCH = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    key TEXT PRIMARY KEY, record_id TEXT NOT NULL, content_hash TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
    record_id TEXT PRIMARY KEY, hash TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS contents (
    content_hash TEXT PRIMARY KEY, record_id TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sketches (
    seq INTEGER PRIMARY KEY, record_id TEXT NOT NULL UNIQUE, sketch BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY, hash TEXT, fetched_at TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS article_fetches (
    key TEXT PRIMARY KEY, record_id TEXT NOT NULL, etag TEXT, last_modified TEXT,
    threaded INTEGER NOT NULL, paged INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS payloads (
    digest TEXT PRIMARY KEY, uri TEXT NOT NULL, date TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS archive_lookups (
    key TEXT PRIMARY KEY, found INTEGER NOT NULL, memento_url TEXT, memento_datetime TEXT,
    checked_at TEXT NOT NULL) WITHOUT ROWID;
"""


class SQLiteState(CrawlState):
    """``CrawlState`` in the SQLite file ``path`` (created with its folder if missing).

    Safe to call from several threads of one process (one connection behind a mutex); for
    another process to write, it must ``acquire`` the lock, which fails while this one holds it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        commit_every: int = COMMIT_EVERY,
        commit_seconds: float = COMMIT_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self._mutex = threading.RLock()
        self._lock_fd: int | None = None
        self._pending = 0
        self._in_transaction = False
        self._last_commit = time.monotonic()
        # autocommit mode: transactions are opened and committed explicitly below
        self._db: sqlite3.Connection | None = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=5.0
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._check_intact()
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ValueError(f"{self.path}: state schema {version} is newer than "
                                 f"{SCHEMA_VERSION}")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as error:
            self._db.close()
            self._db = None
            raise StateDamaged(f"{self.path}: {error}") from None
        except BaseException:
            self._db.close()
            self._db = None
            raise

    def _check_intact(self) -> None:
        """SQLite's ``quick_check`` (every page and index entry readable; 18 ms for a state of
        100,000 URLs): a state damaged in the middle was read as having no settled day, failed
        the spider's start, exited 0 and was committed into, at every run after."""
        assert self._db is not None
        problems = [row[0] for row in self._db.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(problems))

    # -- plumbing ------------------------------------------------------------------------------
    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise ValueError(f"{self.path}: state is closed")
        return self._db

    def _read(self, sql: str, params: tuple) -> tuple | None:
        with self._mutex:
            return self._conn.execute(sql, params).fetchone()

    def _write(self, sql: str, params: tuple) -> int:
        """Run one write inside the open batch; commit when the batch is due. Returns rowcount."""
        with self._mutex:
            conn = self._conn
            if not conn.in_transaction:
                conn.execute("BEGIN")
            rowcount = conn.execute(sql, params).rowcount
            self._pending += 1
            if not self._in_transaction and (
                self._pending >= self.commit_every
                or time.monotonic() - self._last_commit >= self.commit_seconds
            ):
                self._commit()
            return rowcount

    def _commit(self) -> None:
        if self._db is not None and self._db.in_transaction:
            self._db.execute("COMMIT")
        self._pending = 0
        self._last_commit = time.monotonic()

    # -- URLs ----------------------------------------------------------------------------------
    def url_record(self, key: str) -> UrlRecord | None:
        row = self._read("SELECT record_id, content_hash FROM urls WHERE key = ?", (key,))
        return UrlRecord(*row) if row else None

    def add_url(self, key: str, record_id: str, content_hash: str | None = None) -> None:
        self._write(
            "INSERT OR REPLACE INTO urls (key, record_id, content_hash) VALUES (?, ?, ?)",
            (key, record_id, content_hash),
        )

    # -- emitted records -----------------------------------------------------------------------
    def record_hash(self, record_id: str) -> str | None:
        row = self._read("SELECT hash FROM records WHERE record_id = ?", (record_id,))
        return row[0] if row else None

    def set_record_hash(self, record_id: str, record_hash: str) -> None:
        self._write(
            "INSERT OR REPLACE INTO records (record_id, hash) VALUES (?, ?)",
            (record_id, record_hash),
        )

    # -- exact duplicates ----------------------------------------------------------------------
    def find_content(self, content_hash: str) -> str | None:
        row = self._read("SELECT record_id FROM contents WHERE content_hash = ?", (content_hash,))
        return row[0] if row else None

    def add_content(self, content_hash: str, record_id: str) -> str:
        with self._mutex:
            inserted = self._write(
                "INSERT OR IGNORE INTO contents (content_hash, record_id) VALUES (?, ?)",
                (content_hash, record_id),
            )
            if inserted:
                return record_id
            owner = self.find_content(content_hash)
            return owner if owner is not None else record_id

    # -- near duplicates -----------------------------------------------------------------------
    def add_sketch(self, record_id: str, sketch: bytes) -> None:
        self._write(
            "INSERT OR IGNORE INTO sketches (record_id, sketch) VALUES (?, ?)",
            (record_id, bytes(sketch)),
        )

    def all_sketches(self) -> Iterator[tuple[str, bytes]]:
        # paged by seq so that writes between pages do not disturb an open cursor
        last = 0
        while True:
            with self._mutex:
                rows = self._conn.execute(
                    "SELECT seq, record_id, sketch FROM sketches WHERE seq > ? "
                    "ORDER BY seq LIMIT ?",
                    (last, _FETCH_BATCH),
                ).fetchall()
            if not rows:
                return
            for _seq, record_id, sketch in rows:
                yield record_id, sketch
            last = rows[-1][0]

    def sketch_count(self) -> int:
        row = self._read("SELECT count(*) FROM sketches", ())
        return int(row[0]) if row else 0

    # -- pages ---------------------------------------------------------------------------------
    def page(self, url: str) -> PageState | None:
        row = self._read("SELECT fetched_at FROM pages WHERE url = ?", (url,))
        return PageState(*row) if row else None

    def set_page(self, url: str, fetched_at: str | None) -> None:
        # the ``hash`` column of states written before is left NULL: nothing compared it
        self._write(
            "INSERT OR REPLACE INTO pages (url, fetched_at) VALUES (?, ?)", (url, fetched_at))

    def forget_page(self, url: str) -> None:
        self._write("DELETE FROM pages WHERE url = ?", (url,))

    # -- article pages, for conditional refetches ---------------------------------------------
    def article_fetch(self, key: str) -> ArticleFetch | None:
        row = self._read("SELECT record_id, etag, last_modified, threaded, paged "
                         "FROM article_fetches WHERE key = ?", (key,))
        if row is None:
            return None
        record_id, etag, last_modified, threaded, paged = row
        return ArticleFetch(record_id, etag, last_modified, bool(threaded), bool(paged))

    def set_article_fetch(self, key: str, fetch: ArticleFetch) -> None:
        self._write(
            "INSERT OR REPLACE INTO article_fetches "
            "(key, record_id, etag, last_modified, threaded, paged) VALUES (?, ?, ?, ?, ?, ?)",
            (key, fetch.record_id, fetch.etag, fetch.last_modified, int(fetch.threaded),
             int(fetch.paged)),
        )

    # -- committed runs ------------------------------------------------------------------------
    def add_run(self, run_id: str) -> None:
        self._write("INSERT OR IGNORE INTO runs (run_id) VALUES (?)", (run_id,))

    def has_run(self, run_id: str) -> bool:
        return self._read("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)) is not None

    # -- raw capture ---------------------------------------------------------------------------
    def payload_capture(self, digest: str) -> tuple[str, str] | None:
        row = self._read("SELECT uri, date FROM payloads WHERE digest = ?", (digest,))
        return (row[0], row[1]) if row else None

    def add_payload_capture(self, digest: str, uri: str, date: str) -> None:
        self._write("INSERT OR IGNORE INTO payloads (digest, uri, date) VALUES (?, ?, ?)",
                    (digest, uri, date))

    # -- web-archive lookups --------------------------------------------------------------------
    def archive_lookup(self, key: str) -> ArchiveLookup | None:
        row = self._read("SELECT found, memento_url, memento_datetime, checked_at "
                         "FROM archive_lookups WHERE key = ?", (key,))
        return ArchiveLookup(bool(row[0]), row[1], row[2], row[3]) if row else None

    def set_archive_lookup(self, key: str, lookup: ArchiveLookup) -> None:
        self._write(
            "INSERT OR REPLACE INTO archive_lookups "
            "(key, found, memento_url, memento_datetime, checked_at) VALUES (?, ?, ?, ?, ?)",
            (key, int(lookup.found), lookup.memento_url, lookup.memento_datetime,
             lookup.checked_at),
        )

    # -- lifecycle -----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[SQLiteState]:
        """One SQLite transaction for the block, committed with ``synchronous=FULL`` (durable
        through a power loss, not only a crash), rolled back if the block raises."""
        with self._mutex:
            self._commit()
            conn = self._conn
            conn.execute("PRAGMA synchronous=FULL")
            self._in_transaction = True
            try:
                conn.execute("BEGIN")
                yield self
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._in_transaction = False
                self._pending = 0
                conn.execute("PRAGMA synchronous=NORMAL")

    def acquire(self, owner: str) -> None:
        """Take ``<db>.lock`` with a non-blocking ``flock``; the file names the holder."""
        with self._mutex:
            if self._lock_fd is not None:
                return
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 4096).decode("utf-8", "replace").strip() or "unknown"
                os.close(fd)
                raise StateLocked(
                    f"crawl state {self.path} is in use by another run ({holder}); "
                    "wait for it to finish or use another output folder"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{owner} pid={os.getpid()}\n".encode(), 0)
            self._lock_fd = fd

    def release(self) -> None:
        with self._mutex:
            if self._lock_fd is None:
                return
            # the file stays: unlinking it would let two runs lock different inodes
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    @property
    def locked(self) -> bool:
        """Whether this object holds the writer lock."""
        return self._lock_fd is not None

    def flush(self) -> None:
        with self._mutex:
            self._commit()

    def close(self) -> None:
        with self._mutex:
            if self._db is not None:
                self._commit()
                self._db.close()
                self._db = None
            self.release()
