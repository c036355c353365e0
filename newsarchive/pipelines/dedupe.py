"""Stage 3: one story, one record. Marks (or drops) articles already archived under another id.

Three kinds, counted as ``newsarchive/duplicates/<kind>``:
- ``url``: the article's canonical URL (``<link rel=canonical>``, else the URL after redirects)
  is the URL of an article archived under another id (two links, one story);
- ``exact``: the same normalized body text (content hash);
- ``near``: a body whose word 3-shingles overlap an earlier one's by a Jaccard similarity of at
  least ``NEWSARCHIVE_DEDUPE_MIN_SIMILARITY``, estimated from MinHash sketches (a syndicated
  copy with another template, light edits or a cut ending).
A near match on the article's own site whose lead paragraph differs is a new version of a
story (a live update), not a copy: it is kept as its own record (``NearKey``).
A duplicate gets ``duplicate_of`` = the id of the first archived copy; with
``NEWSARCHIVE_DEDUPE_DROP`` it is dropped instead (``newsarchive/dropped/duplicate_<kind>``).
The same id met again (a re-crawl) is never its own duplicate. Works across runs through the
crawl state; without state, within the run only.

The sketch comes with the record from the extraction workers (an internal field, never
exported), so the reactor thread does not spend ~0.6 ms per article computing it.

Settings: ``NEWSARCHIVE_DEDUPE_ENABLED``, ``NEWSARCHIVE_DEDUPE_DROP``,
``NEWSARCHIVE_DEDUPE_MIN_SIMILARITY``, ``NEWSARCHIVE_TRACKING_PARAMS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsarchive.dedupe.fingerprint import content_hash, sketch
from newsarchive.dedupe.minhash import values_needed
from newsarchive.drops import count_drop
from newsarchive.extensions.state import run_state
from newsarchive.items import Article
from newsarchive.state.base import CrawlState
from newsarchive.state.identity import UrlIdentity, url_identity
from newsarchive.state.run import RunState
from newsarchive.state.sqlite import SQLiteState
from newsarchive.urls import url_key


class DedupePipeline:
    def __init__(
        self, crawler: Crawler, state: RunState, identity: UrlIdentity, drop: bool,
        min_similarity: float,
    ) -> None:
        values_needed(min_similarity)  # ValueError unless 0 < min_similarity <= 1
        self.crawler = crawler
        self.state = state
        self.identity = identity  # which record a URL is: the spider asks the same component
        self.drop = drop
        self.min_similarity = min_similarity

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSARCHIVE_DEDUPE_ENABLED"):
            raise NotConfigured
        min_similarity = settings.getfloat("NEWSARCHIVE_DEDUPE_MIN_SIMILARITY")
        state = run_state(crawler)
        if state is not None:
            identity = url_identity(crawler)
        else:  # no crawl state: within the run only, in memory
            state = RunState(_memory_store())
            identity = UrlIdentity(state, None, settings.getlist("NEWSARCHIVE_TRACKING_PARAMS"))
        return cls(crawler, state, identity, settings.getbool("NEWSARCHIVE_DEDUPE_DROP"),
                   min_similarity)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        kind, owner = self.find_original(item)
        if kind is None:
            return item
        self.crawler.stats.inc_value(f"newsarchive/duplicates/{kind}")
        if self.drop:
            count_drop(self.crawler.stats, f"duplicate_{kind}", item.url, f"duplicate of {owner}")
            raise DropItem(f"duplicate_{kind}: duplicate of {owner}", log_level="INFO")
        item.duplicate_of = owner
        return item

    def find_original(self, article: Article) -> tuple[str | None, str | None]:
        """(kind, id of the first copy), or (None, None) for an original. Registers originals."""
        keys = self.url_keys(article)
        owner = self.identity.claim_keys(set(keys.values()), article.id, article.content_hash)
        if owner is not None:
            return "url", owner
        if article.content_hash:
            owner = self.state.claim_content(article.content_hash, article.id)
            if owner != article.id:
                return "exact", owner
        # Computed by the extraction workers; here only for articles that did not go through them.
        near = article.sketch if article.sketch is not None else sketch(article.body)
        if near is not None:
            # The site is the host part of the URL's key (NearKey.of), known when no extra
            # tracking parameters make the identity's keys differ from plain ``url_key``.
            known = keys.get(article.canonical_url or article.final_url or article.url)
            site = known.split("/", 1)[0] if known and not self.identity.extra_tracking else None
            key = NearKey.of(article, site)
            owner = NearKey.parse(self.state.claim_sketch(near, str(key), self.min_similarity))
            if owner.record_id != article.id:
                if owner.is_update(key):
                    # A new version of a story on its own site: archived as its own record.
                    self.crawler.stats.inc_value("newsarchive/dedupe/updates_kept")
                    self.state.add_sketch(str(key), near)
                    return None, None
                if article.content_hash:  # exact copies of a near duplicate: duplicates of owner
                    self.state.give_content(article.content_hash, owner.record_id)
                return "near", owner.record_id
        return None, None

    def url_keys(self, article: Article) -> dict[str, str]:
        """The URL key of each URL the article was met under (mostly one URL). The key of the URL
        it was linked by comes with the record (``PageFetch.key``: the spider computed it with
        the same ``NEWSARCHIVE_TRACKING_PARAMS``), so the pipeline does not compute it again."""
        fetch = article.fetch
        keys = {article.url: fetch.key} if fetch is not None and fetch.key else {}
        for url in (article.canonical_url, article.final_url, article.url):
            if url and url not in keys:
                keys[url] = self.identity.key(url)
        return keys


@dataclass(frozen=True)
class NearKey:
    """What the near-duplicate index keeps per article: its id, its site and its lead.

    Word overlap cannot tell a syndicated copy from a live story's next version (the update
    keeps most of the text and replaces the lead). The site can: a wire story is copied onto
    *other* sites, while an outlet updates its *own* story. So a near match on the same site
    whose lead paragraph differs is an update, archived as its own record; a near match on
    another site, or with the same lead, is a duplicate.
    """

    record_id: str
    site: str
    lead: str

    @classmethod
    def of(cls, article: Article, site: str | None = None) -> NearKey:
        """``site``: the host part of the article's URL key, when the caller has it."""
        if site is None:
            url = article.canonical_url or article.final_url or article.url
            site = url_key(url).split("/", 1)[0]
        lead = article.body.split("\n\n", 1)[0]
        return cls(article.id, site, content_hash(lead) or "-")

    @classmethod
    def parse(cls, text: str) -> NearKey:
        record_id, _, rest = text.partition(" ")
        site, _, lead = rest.partition(" ")
        return cls(record_id, site, lead)

    def is_update(self, newer: NearKey) -> bool:
        return bool(self.site) and self.site == newer.site and self.lead != newer.lead

    def __str__(self) -> str:
        return f"{self.record_id} {self.site} {self.lead}"


def _memory_store() -> CrawlState:
    """An in-memory store for runs without persistent state."""
    return SQLiteState(":memory:")
