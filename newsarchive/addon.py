"""The add-on that lays out a run's output: one JSON Lines feed per record type.

It also gives the web archive its own download slot (``DOWNLOAD_SLOTS``: one request at a time,
``60 / NEWSARCHIVE_WAYBACK_RATE`` seconds apart; see ``newsarchive.spiders.wayback``).

``OUTPUT_DIR/runs/<run_id>/{events,articles,comments}.jsonl`` via Scrapy's FEEDS with
``item_classes`` (the spider's ``run_id`` attribute fills ``%(run_id)s``). A FEEDS setting given
on the command line or in a project's settings wins over this layout.

With ``REDIS_URL`` set, it also switches on the scale-out (``newsarchive.scaleout``): the
scrapy-redis scheduler and dupefilter with the run's keys, the Redis crawl state, the ScaleOut
extension and its SeedOnce middleware, and one set of feed files per worker
(``events-<worker_id>.jsonl``...) in the run's folder.
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


def feed_name(name: str, worker_id: str | None = None) -> str:
    """``events.jsonl``, or ``events-<worker_id>.jsonl`` for one worker of a shared run."""
    return f"{name}-{worker_id}.jsonl" if worker_id else f"{name}.jsonl"


def feeds_for(output_dir: str | Path, per_worker: bool = False) -> dict[str, dict[str, object]]:
    base = Path(output_dir).resolve() / "runs" / "%(run_id)s"
    return {
        str(base / feed_name(name, "%(worker_id)s" if per_worker else None)): {
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
        scale_out = bool(settings.get("REDIS_URL"))
        if not settings.getdict("FEEDS"):
            settings.set("FEEDS", feeds_for(settings.get("OUTPUT_DIR", "output"), scale_out),
                         priority="addon")
        if scale_out:
            scale_out_settings(settings)
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


def scale_out_settings(settings: BaseSettings) -> None:
    """``REDIS_URL`` given: shared queue, dupefilter and state (``newsarchive.scaleout``)."""
    settings.set("SCHEDULER", "newsarchive.scaleout.scheduler.RunScheduler", priority="addon")
    settings.set("DUPEFILTER_CLASS", "newsarchive.scaleout.scheduler.RunDupeFilter",
                 priority="addon")
    settings.set("SCHEDULER_PERSIST", True, priority="addon")
    from newsarchive.scaleout.extension import RedisLossGuard, ScaleOut, SeedOnce

    # before the run commit (50) and the crawl state (100): they lock under the run id agreed here
    settings.setdefault_in_component_priority_dict("EXTENSIONS", ScaleOut, 40)
    settings.setdefault_in_component_priority_dict("SPIDER_MIDDLEWARES", SeedOnce, 10)
    # next to the spider, before extraction (800) sees the output
    settings.setdefault_in_component_priority_dict("SPIDER_MIDDLEWARES", RedisLossGuard, 950)
