"""Scrapy's feed exporter, made to say whether every record reached its feeds.

Scrapy logs an exception raised while exporting an item (``item_scraped`` handlers run under
``send_catch_log``) or while storing a feed, and carries on: the crawl finished "fine" with
records missing from its files. Here:

- an export error or a feed that could not be stored (a full disk, say) is a failed run: it is
  logged, listed in ``failures`` (``RunCommit`` then neither writes the manifest nor commits the
  crawl state, and ``scrapy crawl`` exits 1), and an export error closes the spider at once with
  finish reason ``export_error``;
- after each record, ``record_exported`` is sent with ``held``: whether a run feed (the archive's
  own, ``newsarchive.addon.archive_feeds``) took it; the project's other feeds (``-o``, ``-O``)
  are exports, which a later run may overwrite. The crawl state applies a record's writes only
  for held records (``newsarchive.state.run``), and the events spider settles a source as
  ``ok`` only then (``newsarchive.spiders.events``).

With no run feeds the exporter holds nothing, so nothing is marked archived.

A record that an item pipeline of the project returned as another kind of item (``dict(item)``,
``ItemAdapter(item).asdict()``, an ``Item`` of its own) fails the run with one error naming the
project's pipelines (finish reason ``converted_record``): no run feed takes it, the crawl state
does not know it, and the events spider would wait for it for ever; such a run archived nothing
and exited 0.

A feed Scrapy finds invalid (batches asked for, ``FEED_EXPORT_BATCH_ITEM_COUNT``, and no
``%(batch_id)d`` in its URI) is a bad argument (``ArgumentError``, exit code 2) before anything
is fetched: Scrapy would log an error and switch off every feed, the run feeds included, and the
crawl would fetch everything and archive nothing.
Replaces ``scrapy.extensions.feedexport.FeedExporter`` in ``EXTENSIONS``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FeedExporter, FeedSlot
from scrapy.utils.defer import deferred_from_coro

from newsarchive.addon import archive_feeds
from newsarchive.args import ArgumentError
from newsarchive.items import Article, Comment, Event

logger = logging.getLogger(__name__)

# Signal: ``record_exported(item, held)``, sent after a record went through the feeds.
record_exported = object()
# What Scrapy's ``FeedExporter._settings_are_valid`` looks for in a batched feed's URI.
_BATCH_PARAM = re.compile(r"%\(batch_time\)s|%\(batch_id\)")
EXPORT_FAILED_REASON = "export_error"
CONVERTED_REASON = "converted_record"
RECORD_TYPES = frozenset({"event", "article", "comment"})


class CheckedFeedExporter(FeedExporter):
    def __init__(self, crawler: Crawler) -> None:
        self.failures: list[str] = []
        self.not_held: set[str] = set()
        self.archive_uris = set(archive_feeds(crawler.settings))
        if crawler.settings.getdict("FEEDS") or crawler.settings.get("FEED_URI"):
            super().__init__(crawler)
            return
        # No feed configured: Scrapy's exporter would stay off; this one holds nothing.
        self.crawler = crawler
        self.settings = crawler.settings
        self.feeds, self.slots, self.filters, self._pending_close_tasks = {}, [], {}, []

    def _settings_are_valid(self) -> bool:
        for uri, options in self.feeds.items():
            if options.get("batch_item_count") and not _BATCH_PARAM.search(uri):
                raise ArgumentError(
                    f"feed {uri}: batches of {options['batch_item_count']} records "
                    "(FEED_EXPORT_BATCH_ITEM_COUNT or the feed's batch_item_count) need "
                    "%(batch_id)d or %(batch_time)s in the feed's URI")
        return True

    def fail(self, message: str, exc_info: bool = False) -> None:
        """Mark the run failed (``RunCommit`` reads ``failures``)."""
        self.failures.append(message)
        logger.error("run failed: %s", message, exc_info=exc_info)
        self.crawler.stats.set_value("newsarchive/run_failed", message)

    async def item_scraped(self, item: Any, spider: Spider) -> None:  # type: ignore[override]
        if not isinstance(item, Event | Article | Comment):
            record_type = converted_record_type(item)
            if record_type is not None:
                self.converted(item, record_type)
                return
            super().item_scraped(item, spider)
            return
        try:
            super().item_scraped(item, spider)
        except Exception as error:
            first = not self.failures
            self.fail(f"could not export {item.type} {item.id}: {error!r}", exc_info=first)
            self.crawler.stats.inc_value("newsarchive/export_errors")
            if first and self.crawler.engine is not None:
                # not awaited: closing waits for this very item's processing to end
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=EXPORT_FAILED_REASON))
            return
        held = any(slot.filter.accepts(item) for slot in self.slots
                   if slot.uri_template in self.archive_uris)
        if not held:
            self.crawler.stats.inc_value(f"newsarchive/not_exported/{item.type}")
            if item.type not in self.not_held:
                self.not_held.add(item.type)
                logger.warning("no run feed takes %s records: they are not archived (FEEDS)",
                               item.type)
        await self.crawler.signals.send_catch_log_async(record_exported, item=item, held=held)

    def converted(self, item: Any, record_type: str) -> None:
        """A record an item pipeline returned as another kind of item (a dict, an ``Item``):
        the run feeds take only newsarchive's own items, and the crawl state and the events
        spider know a record by them, so it would be archived nowhere and its source never
        settled. The run fails at the first one, naming the project's own pipelines."""
        self.crawler.stats.inc_value("newsarchive/converted_records")
        if self.failures:
            return
        own = project_pipelines(self.crawler.settings.getdict("ITEM_PIPELINES"))
        record_id = ItemAdapter(item).get("id")
        self.fail(f"an item pipeline returned the {record_type} record {record_id} as a "
                  f"{type(item).__name__}: newsarchive's feeds and crawl state take only its own "
                  f"items (Event, Article, Comment); change a record in place "
                  f"(ItemAdapter(item)[field] = value) and return the item itself "
                  f"(this project's pipelines: {', '.join(map(str, own)) or 'none'})")
        if self.crawler.engine is not None:
            # not awaited: closing waits for this very item's processing to end
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=CONVERTED_REASON))

    async def _close_slot(self, slot: FeedSlot, spider: Spider) -> None:
        key = f"feedexport/failed_count/{type(slot.storage).__name__}"
        failed = self.crawler.stats.get_value(key, 0)
        try:
            await super()._close_slot(slot, spider)
        except Exception as error:  # finishing the export itself failed
            self.fail(f"could not finish feed {slot.uri}: {error!r}", exc_info=True)
            return
        if self.crawler.stats.get_value(key, 0) != failed:
            self.fail(f"could not store feed {slot.uri} (see the error above)")


def project_pipelines(pipelines: dict[Any, Any]) -> list[str]:
    """The dotted paths of the enabled item pipelines that are not newsarchive's (the add-on
    adds its own as classes, a project's settings name theirs as strings)."""
    paths = []
    for pipeline, order in pipelines.items():
        path = (pipeline if isinstance(pipeline, str)
                else f"{pipeline.__module__}.{pipeline.__qualname__}")
        if order is not None and not path.startswith("newsarchive."):
            paths.append(path)
    return paths


def converted_record_type(item: Any) -> str | None:
    """The record type (``event``, ``article``, ``comment``) of an item that is one of
    newsarchive's records turned into another kind of item; None for any other item."""
    if not ItemAdapter.is_item(item):
        return None
    adapter = ItemAdapter(item)
    record_type = adapter.get("type") if "type" in adapter else None
    if record_type in RECORD_TYPES and "id" in adapter and "schema_version" in adapter:
        return str(record_type)
    return None


def feed_exporter(crawler: Crawler) -> CheckedFeedExporter | None:
    return crawler.get_extension(CheckedFeedExporter)
