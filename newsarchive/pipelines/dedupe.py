"""Stage 3: one story, one record. Marks (or drops) articles already archived under another id.

Three kinds, counted as ``newsarchive/duplicates/<kind>``:
- ``url``: the article's canonical URL (``<link rel=canonical>``, else the URL after redirects)
  is the URL of an article archived under another id (two links, one story);
- ``exact``: the same normalized body text (content hash);
- ``near``: a body within ``NEWSARCHIVE_DEDUPE_MAX_DISTANCE`` bits of SimHash of an earlier one
  (a syndicated copy with another template and light edits).
A duplicate gets ``duplicate_of`` = the id of the first archived copy; with
``NEWSARCHIVE_DEDUPE_DROP`` it is dropped instead (``newsarchive/dropped/duplicate_<kind>``).
The same id met again (a re-crawl) is never its own duplicate. Works across runs through the
crawl state; without state, within the run only.

Settings: ``NEWSARCHIVE_DEDUPE_ENABLED``, ``NEWSARCHIVE_DEDUPE_DROP``,
``NEWSARCHIVE_DEDUPE_MAX_DISTANCE``, ``NEWSARCHIVE_TRACKING_PARAMS``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsarchive.dedupe.fingerprint import simhash_from_hex
from newsarchive.drops import count_drop
from newsarchive.extensions.state import run_state
from newsarchive.items import Article
from newsarchive.state.base import CrawlState
from newsarchive.state.run import RunState
from newsarchive.state.sqlite import SQLiteState
from newsarchive.urls import url_key


class DedupePipeline:
    def __init__(
        self, crawler: Crawler, state: RunState, drop: bool, max_distance: int,
        extra_tracking: list[str],
    ) -> None:
        self.crawler = crawler
        self.state = state
        self.drop = drop
        self.max_distance = max_distance
        self.extra_tracking = extra_tracking

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_DEDUPE_ENABLED"):
            raise NotConfigured
        max_distance = settings.getint("NEWSARCHIVE_DEDUPE_MAX_DISTANCE")
        state = run_state(crawler) or RunState(_memory_store(), max_distance)
        return cls(crawler, state, settings.getbool("NEWSARCHIVE_DEDUPE_DROP"), max_distance,
                   settings.getlist("NEWSARCHIVE_TRACKING_PARAMS"))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        kind, owner = self.find_original(item)
        if kind is None:
            return item
        self.crawler.stats.inc_value(f"newsarchive/duplicates/{kind}")
        if self.drop:
            count_drop(self.crawler.stats, f"duplicate_{kind}", item.url, f"duplicate of {owner}")
            raise DropItem(f"duplicate ({kind}) of {owner}", log_level="INFO")
        item.duplicate_of = owner
        return item

    def find_original(self, article: Article) -> tuple[str | None, str | None]:
        """(kind, id of the first copy), or (None, None) for an original. Registers originals."""
        keys = {url_key(u, self.extra_tracking)
                for u in (article.canonical_url, article.final_url, article.url) if u}
        for key in sorted(keys):
            known = self.state.url_record(key)
            if known is not None and known.record_id != article.id:
                return "url", known.record_id
        for key in keys:
            self.state.add_url(key, article.id, article.content_hash)
        if article.content_hash:
            owner = self.state.claim_content(article.content_hash, article.id)
            if owner != article.id:
                return "exact", owner
        fingerprint = simhash_from_hex(article.simhash)
        if fingerprint is not None:
            owner = self.state.claim_fingerprint(fingerprint, article.id, self.max_distance)
            if owner != article.id:
                if article.content_hash:  # exact copies of a near duplicate: duplicates of owner
                    self.state.give_content(article.content_hash, owner)
                return "near", owner
        return None, None


def _memory_store() -> CrawlState:
    """An in-memory store for runs without persistent state."""
    return SQLiteState(":memory:")
