"""The run manifest: ``OUTPUT_DIR/runs/<run_id>/manifest.json``, written when the crawl ends.

It says what the run was (run id, spider, arguments, start/end), what it archived (records per
type) and what it did not (drops per reason), and how it ended (finish reason).
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from newsarchive import __version__
from newsarchive.addon import run_dir
from newsarchive.drops import dropped_counts

MANIFEST_NAME = "manifest.json"
logger = logging.getLogger(__name__)


class RunManifest:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.counts: Counter[str] = Counter()
        self.started_at: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunManifest:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started_at = _now()

    def item_scraped(self, item: Any, spider: Spider) -> None:
        self.counts[getattr(item, "type", type(item).__name__.lower())] += 1

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.spider, self.reason = spider, reason

    def engine_stopped(self) -> None:
        """Written last, after the feeds are stored: a run folder with a manifest is complete."""
        spider, reason = getattr(self, "spider", None), getattr(self, "reason", None)
        run_id = getattr(spider, "run_id", None)
        if spider is None or run_id is None:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        notes = list(getattr(spider, "run_notes", []))
        runs = run_dir(self.crawler.settings.get("OUTPUT_DIR", "output"), run_id).parent
        if not sum(self.counts.values()) and any(  # "since the last run": only if there was one
                path.parent.name != run_id for path in runs.glob("*/" + MANIFEST_NAME)):
            notes.append("nothing new: no record was new or changed since the last run")
        for note in notes:
            logger.info("run %s: %s", run_id, note)
        args = getattr(spider, "args", None)
        manifest = {
            "run_id": run_id,
            "spider": spider.name,
            "newsarchive_version": __version__,
            "arguments": args.as_dict() if args is not None else {},
            "raw_arguments": getattr(spider, "raw_args", {}),
            "started_at": self.started_at,
            "finished_at": _now(),
            "finish_reason": reason,
            "counts": {kind: self.counts.get(kind, 0) for kind in ("event", "article", "comment")},
            "dropped": dropped_counts(stats),
            "skipped": {
                key.rsplit("/", 1)[-1]: value
                for key, value in sorted(stats.items())
                if key.startswith("newsarchive/skipped/")
            },
            "duplicates": {
                key.rsplit("/", 1)[-1]: value
                for key, value in sorted(stats.items())
                if key.startswith("newsarchive/duplicates/")
            },
            "pages_fetched": stats.get("response_received_count", 0),
            "notes": notes,
        }
        folder = run_dir(self.crawler.settings.get("OUTPUT_DIR", "output"), run_id)
        folder.mkdir(parents=True, exist_ok=True)
        part = folder / (MANIFEST_NAME + ".part")
        part.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
        os.replace(part, folder / MANIFEST_NAME)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
