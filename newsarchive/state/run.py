"""The crawl state as one run sees it: earlier runs' state plus this run's own writes.

Reads see both; writes wait in a ``RunJournal`` (on disk, so that a run's size does not grow
the crawl process) and reach the store only in ``commit``, which
``RunCommit`` calls once the run's feeds are stored and its manifest prepared. So a run killed
half-way leaves the store exactly as the last finished run left it, and the next run redoes what
the killed one did (it never got a manifest): nothing is lost, nothing is archived twice.

Each write about a record belongs to that record (a URL key to the record it produced, a
record's hash, a content hash or a sketch to its owner) and is committed only when the record is
in the archive: held by a feed of this run (``record_held``, called for ``record_exported``) or
archived by an earlier run. The writes of a record dropped after them (a later pipeline stage
dropped it, an exception, an export that failed) are never applied. Page writes have no record
and are committed with the run.

An article fetch (the page's validators, whether it had a comment thread) describes one version
of the page, so it is committed only when *that* version is in the archive: its record is held
by a feed of this run, or it was unchanged since an earlier run archived it. Otherwise the next
run's conditional request could get a 304 for a version the archive does not hold.

With several workers in one run (``REDIS_URL``), ``shared`` (``newsarchive.state.shared_run``)
holds the run's dedupe claims for all of them: URLs, content hashes and sketches claimed by one
worker are seen by the others at once; each worker still commits only its own.
"""

from __future__ import annotations

import logging

from newsarchive.dedupe.index import NearDuplicateIndex
from newsarchive.dedupe.minhash import SKETCH_SIZE
from newsarchive.state.base import ArchiveLookup, ArticleFetch, CrawlState, PageState, UrlRecord
from newsarchive.state.journal import RunJournal
from newsarchive.state.shared_run import SharedRun

logger = logging.getLogger(__name__)


class RunState:
    def __init__(self, store: CrawlState, shared: SharedRun | None = None) -> None:
        self.store = store
        self.shared = shared
        # This run's writes (``journal.TABLES``): its URL keys, record hashes, content hashes,
        # pages, article fetches, payloads (recorded by the WARC writer thread, committed once
        # it is closed), web-archive lookups (each with the id of the record made from the
        # capture it found, if any), the records a feed of this run holds ("held") and, with
        # ``shared``, this worker's sketches.
        self._journal = RunJournal()
        self.index = NearDuplicateIndex(capacity=max(1 << 16, store.sketch_count() + 1024))
        skipped = 0
        for record_id, sketch in store.all_sketches():
            if len(sketch) == SKETCH_SIZE:
                self.index.add(record_id, sketch)
            else:
                skipped += 1
        if skipped:
            logger.warning("%d stored sketches of another format ignored", skipped)
        self._stored_sketches = len(self.index)  # the index's later entries are this run's

    # -- URLs ----------------------------------------------------------------------------------
    def url_record(self, key: str) -> UrlRecord | None:
        row = self._journal.get("urls", key)
        found = UrlRecord(row[1], row[2]) if row is not None else None
        if found is None and self.shared is not None:
            found = self.shared.url_record(key)
        return found or self.store.url_record(key)

    def archived_url(self, key: str) -> UrlRecord | None:
        """What an earlier, finished run archived under this URL key."""
        return self.store.url_record(key)

    def add_url(self, key: str, record_id: str, content_hash: str | None = None) -> None:
        self._journal.put("urls", key, record_id, content_hash)
        if self.shared is not None:
            self.shared.add_url(key, record_id, content_hash)

    def claim_urls(self, keys: set[str], record_id: str, content_hash: str | None = None
                   ) -> str | None:
        """The record another of these URL keys belongs to (this run's or an earlier one's), or
        None: then every key is ``record_id``'s. In a shared run, checked and claimed in one
        step across the workers."""
        ordered = sorted(keys)
        for key in ordered:
            row = self._journal.get("urls", key)
            known = UrlRecord(row[1], row[2]) if row is not None else self.store.url_record(key)
            if known is not None and known.record_id != record_id:
                return known.record_id
        if self.shared is not None:
            owner = self.shared.claim_urls(ordered, record_id, content_hash)
            if owner is not None:
                return owner
        for key in ordered:
            self._journal.put("urls", key, record_id, content_hash)
        return None

    # -- emitted records -----------------------------------------------------------------------
    def record_hash(self, record_id: str) -> str | None:
        row = self._journal.get("record_hashes", record_id)
        return row[1] if row is not None else self.store.record_hash(record_id)

    def set_record_hash(self, record_id: str, record_hash: str) -> None:
        self._journal.put("record_hashes", record_id, record_hash)

    # -- duplicates ----------------------------------------------------------------------------
    def claim_content(self, content_hash: str, record_id: str) -> str:
        """The first record with this content hash (``record_id`` itself when it is the first)."""
        row = self._journal.get("contents", content_hash)
        owner = row[1] if row is not None else self.store.find_content(content_hash)
        if owner is None and self.shared is not None:
            owner = self.shared.claim_content(content_hash, record_id)
            if owner == record_id:
                self._journal.put("contents", content_hash, owner)  # ours to commit
            return owner
        if owner is None:
            self._journal.put("contents", content_hash, record_id)
            owner = record_id
        return owner

    def give_content(self, content_hash: str, record_id: str) -> None:
        """Make ``record_id`` the owner of a content hash this run claimed (the claimant turned
        out to be a near duplicate of ``record_id``: its exact copies are that record's too)."""
        if self._journal.has("contents", content_hash):
            self._journal.put("contents", content_hash, record_id)
            if self.shared is not None:
                self.shared.give_content(content_hash, record_id)

    def claim_sketch(self, sketch: bytes, record_id: str, min_similarity: float) -> str:
        """The first record whose sketch estimates a Jaccard similarity of at least
        ``min_similarity`` (``record_id`` itself, then remembered, when none does)."""
        owner = self.index.find(sketch, min_similarity)  # earlier runs' copies come first
        if owner is None and self.shared is not None:
            owner = self.shared.claim_sketch(sketch, record_id, min_similarity)
            if owner is None or owner.split(" ", 1)[0] == record_id.split(" ", 1)[0]:
                # new, or this very record claimed by a lost worker: ours to commit now
                self._journal.add_sketch(record_id, bytes(sketch))
                owner = owner or record_id
            return owner
        if owner is None:
            self.index.add(record_id, sketch)
            owner = record_id
        return owner

    def add_sketch(self, key: str, sketch: bytes) -> None:
        """Index a sketch although it matched another (a story's own update, say)."""
        if self.shared is not None:
            self.shared.add_sketch(key, sketch)
            self._journal.add_sketch(key, bytes(sketch))
            return
        self.index.add(key, sketch)

    # -- pages ---------------------------------------------------------------------------------
    def page(self, url: str) -> PageState | None:
        row = self._journal.get("pages", url)
        return PageState(row[1]) if row is not None else self.store.page(url)

    def set_page(self, url: str, fetched_at: str | None) -> None:
        self._journal.put("pages", url, fetched_at)

    def forget_page(self, url: str) -> None:
        """Count one page as not read, by this run or any before it: the next run over it
        reads it again (an earlier run's record, which would settle the page once past the
        refresh window, is deleted when this run commits)."""
        self._journal.delete("pages", url)
        self._journal.put("unread", url)

    def forget_pages(self) -> None:
        """``forget_page`` for every page this run read."""
        urls = [url for url, _fetched_at in self._journal.rows("pages")]
        for url in urls:
            self._journal.put("unread", url)
        self._journal.clear("pages")

    # -- article fetches -----------------------------------------------------------------------
    def archived_fetch(self, key: str) -> ArticleFetch | None:
        """How an earlier, finished run fetched the archived page of the article linked as
        ``key`` (what decides whether and how to fetch it again)."""
        return self.store.article_fetch(key)

    def set_article_fetch(self, key: str, fetch: ArticleFetch) -> None:
        self._journal.put("fetches", key, *fetch)
    # -- raw capture ---------------------------------------------------------------------------
    def captured_payload(self, digest: str) -> tuple[str, str] | None:
        """Where this payload was first captured in full (this run or an earlier one)."""
        row = self._journal.get("payloads", digest)
        return (row[1], row[2]) if row is not None else self.store.payload_capture(digest)

    def add_payload(self, digest: str, uri: str, date: str) -> None:
        self._journal.put_new("payloads", digest, uri, date)

    # -- web-archive lookups --------------------------------------------------------------------
    def archive_lookup(self, key: str) -> ArchiveLookup | None:
        row = self._journal.get("lookups", key)
        if row is None:
            return self.store.archive_lookup(key)
        return ArchiveLookup(bool(row[1]), *row[2:5])

    def set_archive_lookup(self, key: str, lookup: ArchiveLookup, record_id: str | None = None) -> None:
        """Remember what the web archive answered for a dead URL. A capture found belongs to the
        record made from it (``record_id``): committed only if that record is in the archive; an
        answer of none has no record and is committed with the run."""
        self._journal.put("lookups", key, *lookup, record_id)

    # -- lifecycle -----------------------------------------------------------------------------
    def record_held(self, record_id: str) -> None:
        """A feed of this run holds the record: its writes may be committed."""
        self._journal.put("held", record_id)

    def in_archive(self, record_id: str) -> bool:
        """Held by a feed of this run, or archived by an earlier one."""
        return self._journal.has("held", record_id) or \
            self.store.record_hash(record_id) is not None

    def holds_version(self, record_id: str) -> bool:
        """The version of the record this run produced is in the archive: a feed of this run
        holds it, or it was unchanged (no new hash this run) since an earlier run archived it."""
        if self._journal.has("held", record_id):
            return True
        return not self._journal.has("record_hashes", record_id) and \
            self.store.record_hash(record_id) is not None

    def commit(self, run_id: str) -> None:
        """Write this run's state and its id to the store, in one durable transaction."""
        journal = self._journal
        with self.store.transaction() as store:
            for key, record_id, content_hash in journal.rows("urls"):
                if self.in_archive(record_id):
                    store.add_url(key, record_id, content_hash)
            for record_id, record_hash in journal.rows("record_hashes"):
                if journal.has("held", record_id):
                    store.set_record_hash(record_id, record_hash)
            for content_hash, record_id in journal.rows("contents"):
                if self.in_archive(record_id):
                    store.add_content(content_hash, record_id)
            for key, sketch in self.index.items(self._stored_sketches):
                if self.in_archive(key.split(" ", 1)[0]):
                    store.add_sketch(key, sketch)
            for key, sketch in journal.rows("own_sketches"):
                if self.in_archive(key.split(" ", 1)[0]):
                    store.add_sketch(key, sketch)
            for url, fetched_at in journal.rows("pages"):
                store.set_page(url, fetched_at)
            for (url,) in journal.rows("unread"):
                store.forget_page(url)
            for key, record_id, etag, last_modified, threaded, paged in journal.rows("fetches"):
                fetch = ArticleFetch(record_id, etag, last_modified, bool(threaded), bool(paged))
                if self.holds_version(record_id):
                    store.set_article_fetch(key, fetch)
            for digest, uri, date in journal.rows("payloads"):
                store.add_payload_capture(digest, uri, date)  # their WARC files are closed
            for key, *lookup, record_id in journal.rows("lookups"):
                if record_id is None or self.in_archive(record_id):
                    store.set_archive_lookup(key, ArchiveLookup(bool(lookup[0]), *lookup[1:]))
            store.add_run(run_id)

    def close(self) -> None:
        """Drop the writes of a run that did not commit (the journal's file is deleted)."""
        self._journal.close()
