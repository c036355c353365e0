"""URL identity: which article a URL is. The one owner of that question in the crawl state.

Two kinds of identity, each kept where it lives (one process, or a run shared through Redis):

- **URL → record**: the URL key (``newsarchive.urls.url_key``: tracking parameters, fragment,
  scheme and ``www.`` aside) of every URL an article was met under (as linked, after
  redirects, its ``<link rel=canonical>``, its AMP page's canonical) → the record it is. This
  run's claims and earlier runs' archive, through the run's ``RunState`` (``claim``,
  ``archived``, ``point``).
- **article id → article id**: an article id whose page turned out to be another article (a
  redirect, a canonical link) is an *alias* of it, for this run (``resolve``, ``set_alias``),
  in the run's ``LinkStore``.

The spider (whether to fetch a source, which id a fetched page is archived under), the
event↔source linker (which article a source is) and the dedupe pipeline (a second link to an
archived story) all ask this component, with the same tracking parameters.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

from scrapy.crawler import Crawler

from newsarchive.state.base import UrlRecord
from newsarchive.state.links import LinkStore, MemoryLinkStore
from newsarchive.state.run import RunState
from newsarchive.urls import url_id, url_key


class UrlIdentity:
    def __init__(
        self, records: RunState | None, links: LinkStore | None = None,
        extra_tracking: Sequence[str] = (),
    ) -> None:
        self.records = records  # None: no crawl state (URLs are then known to nobody)
        self.links = links if links is not None else MemoryLinkStore()
        self.extra_tracking = list(extra_tracking)

    # -- names ---------------------------------------------------------------------------------
    def key(self, url: str) -> str:
        return url_key(url, self.extra_tracking)

    def id(self, url: str) -> str:
        return url_id(url, self.extra_tracking)

    # -- URL → record --------------------------------------------------------------------------
    def archived(self, url: str) -> UrlRecord | None:
        """The record an earlier, finished run archived under this URL."""
        return self.archived_key(self.key(url)) if self.records is not None else None

    def archived_key(self, key: str) -> UrlRecord | None:
        """``archived`` for a URL whose ``key`` the caller has already computed."""
        return self.records.archived_url(key) if self.records is not None else None

    def claim(self, urls: Iterable[str], record_id: str, content_hash: str | None = None
              ) -> str | None:
        """The id of another record one of ``urls`` belongs to (this run's or an earlier one's),
        or None: then every URL is ``record_id``'s from now on. A record is never its own
        owner (a re-crawl)."""
        if self.records is None:
            return None
        return self.claim_keys({self.key(url) for url in set(urls) if url}, record_id,
                               content_hash)

    def claim_keys(self, keys: set[str], record_id: str, content_hash: str | None = None
                   ) -> str | None:
        """``claim`` for URLs whose keys the caller has already computed."""
        if self.records is None:
            return None
        return self.records.claim_urls(keys, record_id, content_hash)

    def point(self, urls: Iterable[str], owner_id: str) -> None:
        """These URLs are article ``owner_id`` (an alias's): the next run knows without
        fetching them."""
        if self.records is not None:
            for key in {self.key(url) for url in set(urls) if url}:
                self.records.add_url(key, owner_id)

    # -- article id → article id (this run) ----------------------------------------------------
    def resolve(self, article_id: str) -> str:
        """The article ``article_id`` is (itself unless it was found to be an alias)."""
        return self.links.alias_of(article_id) or article_id

    def set_alias(self, alias_id: str, owner_id: str) -> None:
        self.links.set_alias(alias_id, owner_id)


_BY_CRAWLER: weakref.WeakKeyDictionary[Crawler, UrlIdentity] = weakref.WeakKeyDictionary()


def url_identity(crawler: Crawler) -> UrlIdentity:
    """The crawl's URL identity (one per crawl): its crawl state's records (none when the state
    is off), the spider's link store, ``NEWSARCHIVE_TRACKING_PARAMS``."""
    found = _BY_CRAWLER.get(crawler)
    if found is None:
        from newsarchive.extensions.state import run_state

        link_store = getattr(crawler.spider, "link_store", None)
        found = UrlIdentity(run_state(crawler), link_store() if link_store is not None else None,
                            crawler.settings.getlist("NEWSARCHIVE_TRACKING_PARAMS"))
        _BY_CRAWLER[crawler] = found
    return found
