"""Stage 5: emit a record only when it is new or changed since it was last archived.

The record's content (every exported field but ``fetched_at``, ``run_id`` and ``capture``) is hashed; the
same hash as last emitted means the record is skipped (``newsarchive/skipped/unchanged``, not a
drop: it is already in the archive). The hashes reach the crawl state when the run commits.

How an article's page was fetched (``Article.fetch``: validators, comment thread) is recorded
too, changed or not; the run commits it only if this version of the record is in the archive
(``RunState.holds_version``).

Settings: ``NEWSARCHIVE_STATE_ENABLED``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, fields
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from newsarchive.extensions.state import run_state
from newsarchive.items import INTERNAL_FIELDS, Article, Comment, Event
from newsarchive.state.base import ArticleFetch
from newsarchive.state.run import RunState

# ``capture`` changes with every fetch of an unchanged page: not part of what a record says.
VOLATILE_FIELDS = frozenset({"fetched_at", "run_id", "capture"}) | INTERNAL_FIELDS


def record_hash(record: Event | Article | Comment) -> str:
    # The top level read field by field rather than by ``asdict``, which deep-copies the whole
    # record (bodies, comment texts) first; nested records (an event's sources) go through
    # ``asdict`` as ``default``, so the JSON, and the hash kept in the state, are the same.
    data = {f.name: getattr(record, f.name) for f in fields(record) if f.name not in VOLATILE_FIELDS}
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, default=asdict).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:16]


class StatePipeline:
    def __init__(self, crawler: Crawler, state: RunState) -> None:
        self.crawler = crawler
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatePipeline:
        state = run_state(crawler)
        if state is None:
            raise NotConfigured
        return cls(crawler, state)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Event | Article | Comment):
            return item
        if isinstance(item, Article) and item.fetch is not None:
            fetch = item.fetch
            self.state.set_article_fetch(fetch.key, ArticleFetch(
                item.id, fetch.etag, fetch.last_modified, fetch.threaded, fetch.paged))
        digest = record_hash(item)
        if self.state.record_hash(item.id) == digest:
            self.crawler.stats.inc_value("newsarchive/skipped/unchanged")
            self.crawler.stats.inc_value(f"newsarchive/skipped/unchanged_{item.type}")
            raise DropItem(f"unchanged {item.type} {item.id}", log_level="DEBUG")
        self.state.set_record_hash(item.id, digest)
        return item
