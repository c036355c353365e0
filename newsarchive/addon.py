"""The add-on that lays out a run's output: one JSON Lines feed per record type.

It also gives the web archive its own download slot (``DOWNLOAD_SLOTS``: one request at a time,
``60 / NEWSARCHIVE_WAYBACK_RATE`` seconds apart; see ``newsarchive.spiders.wayback``).

``OUTPUT_DIR/runs/<run_id>/{events,articles,comments}.jsonl`` via Scrapy's FEEDS with
``item_classes`` (the spider's ``run_id`` attribute fills ``%(run_id)s``). A FEEDS setting given
on the command line or in a project's settings wins over this layout.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newsarchive.items import Article, Comment, Event, exported_fields

FEED_FILES = {"events": Event, "articles": Article, "comments": Comment}
FEED_STORAGE = "newsarchive.extensions.atomicfeed.AtomicFileFeedStorage"


def run_dir(output_dir: str | Path, run_id: str) -> Path:
    return Path(output_dir).resolve() / "runs" / run_id


def feeds_for(output_dir: str | Path) -> dict[str, dict[str, object]]:
    base = Path(output_dir).resolve() / "runs" / "%(run_id)s"
    return {
        str(base / f"{name}.jsonl"): {
            "format": "jsonlines",
            "encoding": "utf8",
            "item_classes": [cls],
            "fields": exported_fields(cls),
            "store_empty": True,
        }
        for name, cls in FEED_FILES.items()
    }


class NewsarchiveAddon:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewsarchiveAddon:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", feeds_for(settings.get("OUTPUT_DIR", "output")), priority="addon")
        # imported here: the spiders' modules import the capture, which imports this module
        from newsarchive.spiders.wayback import SLOT as WAYBACK_SLOT
        from newsarchive.spiders.wayback import slot_settings as wayback_slot_settings

        slots = settings.getdict("DOWNLOAD_SLOTS")
        slots.setdefault(WAYBACK_SLOT, wayback_slot_settings(settings))
        settings.set("DOWNLOAD_SLOTS", slots, priority="addon")
        storages = settings.getdict("FEED_STORAGES")
        storages.setdefault("", FEED_STORAGE)
        storages.setdefault("file", FEED_STORAGE)
        settings.set("FEED_STORAGES", storages, priority="addon")
