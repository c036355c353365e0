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


def feed_exporter(crawler: Crawler) -> CheckedFeedExporter | None:
    return crawler.get_extension(CheckedFeedExporter)
