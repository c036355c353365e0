"""The crawl-state interface: what a run needs to remember for the next cron run.

One small abstract class, so the SQLite store (embedded default) and a Redis store (scrapy-redis
workers) are interchangeable. Keys are plain strings chosen by the caller:

- URL keys: ``newsarchive.urls.url_key`` of a fetched URL → the record it produced and the
  content hash of its body ("have we archived this URL, and what did it hash to?").
- Record hashes: record id → hash of the record as last emitted ("emit only when changed").
- Content hashes: normalized-text hash → the first record that had it (exact duplicates).
- Sketches: record id → MinHash sketch of its body (``newsarchive.dedupe.minhash``), in
  insertion order, to warm the in-memory ``NearDuplicateIndex`` at start (near duplicates).
- Pages: URL → fetch time of a page an earlier run read (event day pages, portal days): a day
  past the refresh window is not read again.
- Article fetches: URL key of an article as linked → how its archived page was fetched (the
  page's ``ETag`` / ``Last-Modified``, and whether it had a comment thread or comment paging), so
  a cron run fetches again only articles whose comments can grow, with a conditional request.
- Runs: the ids of the runs whose writes were committed (a run's writes and its id are committed
  together, in ``transaction``: a prepared manifest of a committed run can be published later).
- Payloads: WARC payload digest → target URI and WARC-Date of its first full capture, so a
  later identical payload is written as a ``revisit`` record (``newsarchive.capture``).
- Archive lookups: URL key of a dead source → what the web archive answered (a capture and its
  memento, or none) and when, so cron runs don't ask again within
  ``NEWSARCHIVE_WAYBACK_RECHECK_DAYS``.

Writes may be buffered; ``flush`` makes them durable, ``close`` flushes. Nothing written before
the last ``flush`` is lost when the process dies; later writes may be (the next run then redoes
that work: state is at-least-once, never inconsistent). Exactly one process may write a state at
a time: ``acquire`` fails fast with ``StateLocked`` otherwise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple, Self


class StateLocked(Exception):
    """Another live process holds the crawl state (a second run on the same output)."""


class StateDamaged(Exception):
    """The crawl state's file cannot be read (a disk error, a copy cut short, another program
    writing into it): a run must not start on it, as it would take nothing for archived."""


class UrlRecord(NamedTuple):
    record_id: str
    content_hash: str | None


class PageState(NamedTuple):
    fetched_at: str | None


class ArticleFetch(NamedTuple):
    """How the archived version of an article page was fetched (``CrawlState.article_fetch``).

    ``threaded``: the page had a comment section, comments or comment paging, so its comments
    may still grow and a cron run fetches it again; ``paged``: its comments went on over further
    pages (a conditional request for the first page cannot tell whether the last one grew).
    """

    record_id: str
    etag: str | None
    last_modified: str | None
    threaded: bool
    paged: bool
class ArchiveLookup(NamedTuple):
    """What a web archive answered for a dead URL."""

    found: bool
    memento_url: str | None  # the capture used (raw ``id_`` URL), when found
    memento_datetime: str | None  # UTC ISO 8601
    checked_at: str  # UTC ISO 8601: when the archive was asked


class CrawlState(ABC):
    """Persistent crawl state. Single writer (see ``acquire``); not for concurrent threads."""

    # -- URLs --------------------------------------------------------------------------------
    @abstractmethod
    def url_record(self, key: str) -> UrlRecord | None:
        """The record a URL key produced and its content hash, or None if never archived."""

    @abstractmethod
    def add_url(self, key: str, record_id: str, content_hash: str | None = None) -> None:
        """Remember that ``key`` produced ``record_id`` (replaces an earlier entry)."""

    # -- emitted records ----------------------------------------------------------------------
    @abstractmethod
    def record_hash(self, record_id: str) -> str | None:
        """Hash of the record as last emitted, or None."""

    @abstractmethod
    def set_record_hash(self, record_id: str, record_hash: str) -> None:
        """Store the hash of a record just emitted."""

    # -- exact duplicates ---------------------------------------------------------------------
    @abstractmethod
    def find_content(self, content_hash: str) -> str | None:
        """Id of the first record whose body had this content hash, or None."""

    @abstractmethod
    def add_content(self, content_hash: str, record_id: str) -> str:
        """Claim a content hash for ``record_id`` unless already claimed; return the owner
        (``record_id`` itself when it is the first)."""

    # -- near duplicates ----------------------------------------------------------------------
    @abstractmethod
    def add_sketch(self, record_id: str, sketch: bytes) -> None:
        """Store a record's MinHash sketch (ignored if the record already has one)."""

    @abstractmethod
    def all_sketches(self) -> Iterator[tuple[str, bytes]]:
        """(record_id, sketch) pairs in insertion order."""

    @abstractmethod
    def sketch_count(self) -> int:
        """How many sketches ``all_sketches`` yields (to size the index)."""

    # -- pages fetched again by cron runs ------------------------------------------------------
    @abstractmethod
    def page(self, url: str) -> PageState | None:
        """When an earlier run read a page, or None."""

    @abstractmethod
    def set_page(self, url: str, fetched_at: str | None) -> None:
        """Record that a page was read, and when (UTC ISO 8601)."""

    @abstractmethod
    def forget_page(self, url: str) -> None:
        """Forget that a page was read (by any run): the next run over it reads it again."""

    # -- article pages, for conditional refetches ---------------------------------------------
    @abstractmethod
    def article_fetch(self, key: str) -> ArticleFetch | None:
        """How the archived page of the article linked as URL key ``key`` was fetched, or None
        (never archived, or archived before this was recorded: fetch it as before)."""

    @abstractmethod
    def set_article_fetch(self, key: str, fetch: ArticleFetch) -> None:
        """Remember how an archived article page was fetched (replaces an earlier entry)."""

    # -- committed runs -----------------------------------------------------------------------
    @abstractmethod
    def add_run(self, run_id: str) -> None:
        """Record that a run's writes are committed (write it in the run's ``transaction``)."""

    @abstractmethod
    def has_run(self, run_id: str) -> bool:
        """Whether ``add_run(run_id)`` was committed."""
    # -- web-archive lookups of dead sources -------------------------------------------------
    @abstractmethod
    def archive_lookup(self, key: str) -> ArchiveLookup | None:
        """The last archive lookup of a URL key, or None if never looked up."""

    @abstractmethod
    def set_archive_lookup(self, key: str, lookup: ArchiveLookup) -> None:
        """Remember an archive lookup (replaces an earlier one)."""

    # -- raw capture: payloads already in a WARC file ------------------------------------------
    @abstractmethod
    def payload_capture(self, digest: str) -> tuple[str, str] | None:
        """(target URI, WARC-Date) of the capture that first held this payload, or None."""

    @abstractmethod
    def add_payload_capture(self, digest: str, uri: str, date: str) -> None:
        """Remember a payload's first capture (ignored if the digest is known)."""

    # -- lifecycle ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Self]:
        """Writes in the block become durable together, or none does (if the block raises).

        This default only flushes at the end: a store that can do better must (SQLite does).
        """
        yield self
        self.flush()

    @abstractmethod
    def acquire(self, owner: str) -> None:
        """Become the only writer, or raise ``StateLocked`` at once (never waits)."""

    @abstractmethod
    def release(self) -> None:
        """Give up the writer lock (no-op when not held)."""

    @abstractmethod
    def flush(self) -> None:
        """Make every write so far durable."""

    @abstractmethod
    def close(self) -> None:
        """Flush, release the lock and free resources; idempotent."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
