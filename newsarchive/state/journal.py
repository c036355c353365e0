"""A run's writes, waiting on disk for the run's commit (``RunState``).

A run applies its writes only when it commits, so that a run killed half-way leaves the store
as the last finished run left it. Until then they must be kept somewhere, about 1 KB an article
(URL keys, hashes, validators, payload digests). Held in dicts, they grew the crawl process with
the crawl's size: ~5 MB from 1,250 to 5,000 pages, ~1 GB for a million-article backfill. Here
they wait in a private temporary SQLite database, deleted when it is closed, whose page cache
(SQLite's default, 2 MB) bounds the memory they take; the rest is in a temporary file.

Each table is a dict: ``get`` a row by its key, ``put`` a row (replacing one with its key, in
the position of the first; ``put_new`` keeps the first), ``rows`` in that order.
Safe to call from several threads (the WARC writer thread records payloads).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

# Column lists, key first. Column names are fixed here, never taken from input.
TABLES: dict[str, tuple[str, ...]] = {
    "urls": ("key", "record_id", "content_hash"),
    "record_hashes": ("record_id", "record_hash"),
    "contents": ("content_hash", "record_id"),
    "pages": ("url", "fetched_at"),
    "unread": ("url",),  # pages an earlier run read that must be read again
    "fetches": ("key", "record_id", "etag", "last_modified", "threaded", "paged"),
    "payloads": ("digest", "uri", "date"),
    "lookups": ("key", "found", "memento_url", "memento_datetime", "checked_at", "record_id"),
    "held": ("record_id",),
}
_BATCH = 1000  # rows read at a time by ``rows``


class RunJournal:
    def __init__(self) -> None:
        # "": a private temporary database on disk (held in memory only up to its page cache)
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        self._mutex = threading.Lock()
        tables = [f"CREATE TABLE {table} ({columns[0]} PRIMARY KEY, {', '.join(columns[1:])})"
                  .replace(", )", ")") for table, columns in TABLES.items()]
        self._db.executescript(";".join([*tables, "CREATE TABLE own_sketches (key, sketch)"]))
        # Nothing here must survive the process: no rollback journal, no syncs, one transaction
        # that is never committed (the database is deleted on close).
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("BEGIN")
        self._get_sql = {t: f"SELECT * FROM {t} WHERE {c[0]} = ?" for t, c in TABLES.items()}
        # an upsert keeps the row's rowid, so ``rows`` gives keys in the order first put
        self._put_sql = {t: _upsert(t, c) for t, c in TABLES.items()}
        self._delete_sql = {t: f"DELETE FROM {t} WHERE {c[0]} = ?" for t, c in TABLES.items()}
        self._put_new_sql = {t: f"INSERT OR IGNORE INTO {t} VALUES ({_marks(c)})"
                             for t, c in TABLES.items()}

    def get(self, table: str, key: str) -> tuple[Any, ...] | None:
        with self._mutex:
            return self._db.execute(self._get_sql[table], (key,)).fetchone()

    def has(self, table: str, key: str) -> bool:
        return self.get(table, key) is not None

    def put(self, table: str, *row: Any) -> None:
        with self._mutex:
            self._db.execute(self._put_sql[table], row)

    def put_new(self, table: str, *row: Any) -> None:
        """Add the row unless one with its key is there (``dict.setdefault``)."""
        with self._mutex:
            self._db.execute(self._put_new_sql[table], row)

    def delete(self, table: str, key: str) -> None:
        with self._mutex:
            self._db.execute(self._delete_sql[table], (key,))

    def clear(self, table: str) -> None:
        if table not in TABLES:  # table names are ours, never input
            raise KeyError(table)
        with self._mutex:
            self._db.execute(f"DELETE FROM {table}")

    def add_sketch(self, key: str, sketch: bytes) -> None:
        with self._mutex:
            self._db.execute("INSERT INTO own_sketches VALUES (?, ?)", (key, sketch))

    def rows(self, table: str) -> Iterator[tuple[Any, ...]]:
        """Every row, in the order of first insertion; read a batch at a time, so the caller may
        look rows up (``get``) while iterating, but not write to this table."""
        if table not in TABLES and table != "own_sketches":
            raise KeyError(table)
        with self._mutex:
            cursor = self._db.execute(f"SELECT * FROM {table} ORDER BY rowid")
        while True:
            with self._mutex:
                batch = cursor.fetchmany(_BATCH)
            if not batch:
                return
            yield from batch

    def close(self) -> None:
        with self._mutex:
            self._db.close()


def _marks(columns: tuple[str, ...]) -> str:
    return ", ".join("?" * len(columns))


def _upsert(table: str, columns: tuple[str, ...]) -> str:
    key, *values = columns
    on_conflict = (f"DO UPDATE SET {', '.join(f'{v} = excluded.{v}' for v in values)}"
                   if values else "DO NOTHING")
    return f"INSERT INTO {table} VALUES ({_marks(columns)}) ON CONFLICT({key}) {on_conflict}"
